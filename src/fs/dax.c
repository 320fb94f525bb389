/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DAX mappings in a virtio-fs window (see dax.h and docs/security.md, "DAX").
 *
 * The window is one host reservation registered as a KVM memory slot. A
 * mapping replaces a page-aligned piece of it with MAP_FIXED; removal puts
 * PROT_NONE anonymous memory back. The window must never get a hole: a hole
 * could be filled by an unrelated mapping of this process, which the guest
 * would then see through the memory slot. So every failure path restores
 * PROT_NONE over the range it touched.
 */
#include "fs/dax.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (uint64_t)p : 4096u;
}

/* [moffset, moffset+len) is a non-empty, page-aligned range inside the window,
 * computed without overflow. */
static bool range_ok(const struct fs_dax_window *w, uint64_t moffset, uint64_t len)
{
	uint64_t mask = page_size() - 1;

	if (!w || !w->base || ((uintptr_t)w->base & mask) || (w->size & mask))
		return false;
	if (len == 0 || (len & mask) || (moffset & mask))
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
	if ((in->foffset & (page_size() - 1)) || in->foffset > (uint64_t)INT64_MAX ||
	    in->len > (uint64_t)INT64_MAX - in->foffset)
		return -EINVAL;
	if (in->len > SIZE_MAX)
		return -EINVAL;

	/* in->fh is ignored on purpose (a 6.1 guest sends -1): the node decides. */
	fd = open_file(fs, nodeid, write ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return fd;
	/* A range past EOF maps fine (the guest maps whole 2 MiB chunks); pages
	 * past EOF are never backed, and a guest access there fails in KVM. */
	p = mmap((char *)w->base + in->moffset, (size_t)in->len,
		 PROT_READ | (write ? PROT_WRITE : 0), MAP_SHARED | MAP_FIXED, fd, (off_t)in->foffset);
	if (p == MAP_FAILED) {
		ret = -errno;
		/* A failed MAP_FIXED may already have unmapped the old range. */
		(void)clear_range(w, in->moffset, in->len);
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
	for (uint32_t i = 0; i < count; i++) {
		int r = clear_range(w, one[i].moffset, one[i].len);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}
