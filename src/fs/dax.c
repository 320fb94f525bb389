/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DAX mappings in a virtio-fs window (see dax.h and docs/security.md, "DAX").
 *
 * The window is one host reservation registered as a KVM memory slot. A
 * mapping replaces whole 2 MiB chunks of it with MAP_FIXED; removal puts
 * PROT_NONE anonymous memory back. The window must never get a hole: a hole
 * could be filled by an unrelated mapping of this process, which the guest
 * would then see through the memory slot. So every failure path restores
 * PROT_NONE over the range it touched.
 *
 * Every mapping is a memory region (VMA) of the process, and the process has
 * vm.max_map_count of them for everything (malloc, thread stacks, other
 * windows). Whole chunks keep a window's regions at most size / 2 MiB; the
 * map below keeps them at most 2 * (chunks mapped) + 1, with the chunks
 * mapped in all windows of the VM capped (limits.h).
 */
#include "fs/dax.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs/limits.h"

struct fs_dax_map {
	pthread_mutex_t lock; /* serialises the window's mmaps with the bits */
	struct fs_limits *limits;
	uint64_t nchunks;
	uint64_t live;
	uint64_t bits[]; /* one per chunk: mapped */
};

int fs_dax_map_new(uint64_t window_size, struct fs_limits *limits, struct fs_dax_map **out)
{
	uint64_t n = window_size / FS_DAX_CHUNK, words = (n + 63) / 64;
	struct fs_dax_map *m;
	int ret;

	*out = NULL;
	if (words > (SIZE_MAX - sizeof(*m)) / sizeof(uint64_t))
		return -ENOMEM;
	m = calloc(1, sizeof(*m) + (size_t)words * sizeof(uint64_t));
	if (!m)
		return -ENOMEM;
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return -ENOMEM;
	}
	if (limits)
		m->limits = fs_limits_ref(limits);
	else if ((ret = fs_limits_new(1, 0, 0, &m->limits)) < 0) {
		pthread_mutex_destroy(&m->lock);
		free(m);
		return ret;
	}
	m->nchunks = n;
	*out = m;
	return 0;
}

void fs_dax_map_free(struct fs_dax_map *m)
{
	if (!m)
		return;
	fs_limits_dax_give(m->limits, m->live);
	fs_limits_unref(m->limits);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

uint64_t fs_dax_map_live(struct fs_dax_map *m)
{
	pthread_mutex_lock(&m->lock);
	uint64_t n = m->live;
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* Chunks [first, first+n) marked `mapped`; returns how many changed state. */
static uint64_t mark(struct fs_dax_map *m, uint64_t first, uint64_t n, bool mapped)
{
	uint64_t changed = 0;

	for (uint64_t i = first; i < first + n && i < m->nchunks; i++) {
		uint64_t bit = 1ull << (i % 64);
		bool was = m->bits[i / 64] & bit;
		if (was == mapped)
			continue;
		m->bits[i / 64] ^= bit;
		changed++;
	}
	return changed;
}

static uint64_t count_unmapped(const struct fs_dax_map *m, uint64_t first, uint64_t n)
{
	uint64_t c = 0;

	for (uint64_t i = first; i < first + n && i < m->nchunks; i++)
		c += !(m->bits[i / 64] & (1ull << (i % 64)));
	return c;
}

static uint64_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (uint64_t)p : 4096u;
}

/* [moffset, moffset+len) is a non-empty range of whole chunks inside the
 * window, computed without overflow. */
static bool range_ok(const struct fs_dax_window *w, uint64_t moffset, uint64_t len)
{
	uint64_t mask = page_size() - 1;

	if (!w || !w->base || ((uintptr_t)w->base & mask) || (w->size & mask))
		return false;
	if (len == 0 || (len & (FS_DAX_CHUNK - 1)) || (moffset & (FS_DAX_CHUNK - 1)))
		return false;
	if (len > w->size || moffset > w->size - len)
		return false;
	/* The window's end must be addressable (it is, for a real reservation). */
	return (uint64_t)(uintptr_t)w->base <= UINTPTR_MAX - w->size;
}

/* Put PROT_NONE anonymous memory back over a checked range. */
static int clear_range(const struct fs_dax_window *w, uint64_t moffset, uint64_t len)
{
	void *at = (char *)w->base + moffset;
	void *p = mmap(at, (size_t)len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? -errno : 0;
}

int fs_dax_setupmapping(void *fs, fs_dax_open_fn open_file, uint64_t nodeid,
			const struct fuse_setupmapping_in *in, const struct fs_dax_window *w)
{
	const uint64_t known = FUSE_SETUPMAPPING_FLAG_READ | FUSE_SETUPMAPPING_FLAG_WRITE;
	bool write = in->flags & FUSE_SETUPMAPPING_FLAG_WRITE;
	int fd, ret = 0;
	void *p;

	if (in->flags & ~known)
		return -EINVAL;
	if (!range_ok(w, in->moffset, in->len))
		return -EINVAL;
	/* The file range: aligned, and foffset+len a valid off_t (no wrap). */
	if ((in->foffset & (FS_DAX_CHUNK - 1)) || in->foffset > (uint64_t)INT64_MAX ||
	    in->len > (uint64_t)INT64_MAX - in->foffset)
		return -EINVAL;
	if (in->len > SIZE_MAX)
		return -EINVAL;

	/* in->fh is ignored on purpose (a 6.1 guest sends -1): the node decides. */
	fd = open_file(fs, nodeid, write ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return fd;
	struct fs_dax_map *m = w->map;
	uint64_t first = in->moffset / FS_DAX_CHUNK, n = in->len / FS_DAX_CHUNK, fresh = 0;
	if (m) {
		pthread_mutex_lock(&m->lock);
		/* Chunks already mapped are replaced: only new ones count. */
		fresh = count_unmapped(m, first, n);
		if ((ret = fs_limits_dax_take(m->limits, fresh)) < 0) {
			pthread_mutex_unlock(&m->lock);
			close(fd);
			return ret;
		}
	}
	/* A range past EOF maps fine (the guest maps whole 2 MiB chunks); pages
	 * past EOF are never backed, and a guest access there fails in KVM. */
	p = mmap((char *)w->base + in->moffset, (size_t)in->len,
		 PROT_READ | (write ? PROT_WRITE : 0), MAP_SHARED | MAP_FIXED, fd, (off_t)in->foffset);
	if (p == MAP_FAILED) {
		ret = -errno;
		/* A failed MAP_FIXED may already have unmapped the old range. */
		(void)clear_range(w, in->moffset, in->len);
	}
	if (m) {
		uint64_t changed = mark(m, first, n, ret == 0);
		if (ret == 0) {
			m->live += changed; /* == fresh */
		} else {
			/* The chunks just charged and those mapped before (now
			 * PROT_NONE: `changed`) go back. */
			m->live -= changed;
			fs_limits_dax_give(m->limits, fresh + changed);
		}
		pthread_mutex_unlock(&m->lock);
	}
	close(fd);
	return ret;
}

int fs_dax_removemapping(void *fs, const struct fs_ctx *c, const struct fuse_removemapping_one *one,
			 uint32_t count, const struct fs_dax_window *w)
{
	int ret = 0;

	(void)fs;
	(void)c;
	if (count > FS_DAX_REMOVE_MAX || (count && !one))
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++)
		if (!range_ok(w, one[i].moffset, one[i].len))
			return -EINVAL;
	if (w->map)
		pthread_mutex_lock(&w->map->lock);
	for (uint32_t i = 0; i < count; i++) {
		int r = clear_range(w, one[i].moffset, one[i].len);
		if (r < 0 && ret == 0)
			ret = r;
		if (r == 0 && w->map) {
			uint64_t gone = mark(w->map, one[i].moffset / FS_DAX_CHUNK, one[i].len / FS_DAX_CHUNK, false);
			w->map->live -= gone;
			fs_limits_dax_give(w->map->limits, gone);
		}
	}
	if (w->map)
		pthread_mutex_unlock(&w->map->lock);
	return ret;
}
