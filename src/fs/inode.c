/* SPDX-License-Identifier: Apache-2.0 */
/* Inode and handle tables of the passthrough backend; see inode.h. */
#include "fs/inode.h"
#include "fs/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define NO_SLOT UINT32_MAX

/* A node id / fh is (generation << 32) | (slot + 1); 0 never resolves. */
static uint64_t make_id(uint32_t idx, uint32_t gen)
{
	return ((uint64_t)gen << 32) | ((uint64_t)idx + 1);
}

static bool split_id(uint64_t id, uint32_t *idx, uint32_t *gen)
{
	uint32_t low = (uint32_t)id;
	if (low == 0)
		return false;
	*idx = low - 1;
	*gen = (uint32_t)(id >> 32);
	return true;
}

/*
 * Both tables keep their entries in a growable array of slots with a free
 * list threaded through each slot's `next`; a slot's `gen` counts its reuses.
 * slot_take finds room for one more entry in the array at *slotsp (slots of
 * `size` bytes, their next and gen fields at next_off and gen_off): the
 * free list's head, else the next never-used slot (gen 0), growing the array
 * (doubling from 16, capped at max) when it is full. The caller holds the
 * table's lock and has checked that fewer than max entries are live, so an
 * array full at the cap has a free slot. On -ENOMEM nothing changed.
 */
static int slot_take(void **slotsp, size_t size, size_t next_off, size_t gen_off, uint32_t max,
		     uint32_t *nslots, uint32_t *used, uint32_t *free_head, uint32_t *idx)
{
	char *base = *slotsp;
	if (*free_head != NO_SLOT) {
		*idx = *free_head;
		memcpy(free_head, base + (size_t)*idx * size + next_off, sizeof(*free_head));
		return 0;
	}
	if (*used == *nslots) {
		uint32_t n = *nslots ? *nslots * 2 : 16;
		if (n > max)
			n = max;
		base = realloc(base, (size_t)n * size);
		if (!base)
			return -ENOMEM;
		*slotsp = base;
		*nslots = n;
	}
	*idx = (*used)++;
	memset(base + (size_t)*idx * size + gen_off, 0, sizeof(uint32_t));
	return 0;
}

/* ---------------------------------------------------------------- inodes */

struct inode_slot {
	int fd;            /* O_PATH fd; -1 when free or evicted */
	bool live;         /* the slot holds an entry */
	bool hashed;       /* reachable by key (a stale evicted entry is not) */
	bool permanent;    /* the root: never forgotten, never evicted */
	bool no_evict;     /* no file handle can be made for it */
	bool recent;       /* used since the clock hand last passed */
	uint32_t gen;
	uint32_t next;     /* hash chain while hashed, free list while free */
	mode_t type;
	uint64_t nlookup;
	uint64_t pins;
	struct fs_inode_key key;
	struct file_handle *fh; /* kept once made, for re-opening after eviction */
};

struct fs_inode_table {
	pthread_mutex_t lock;
	struct inode_slot *slots;
	uint32_t nslots;     /* allocated */
	uint32_t used;       /* slots ever handed out (high-water mark) */
	uint32_t count;      /* live entries */
	uint32_t nfds;       /* O_PATH fds held */
	uint32_t max_fds;
	uint32_t max_entries;
	uint32_t free_head;
	uint32_t clock;      /* eviction hand */
	uint32_t *buckets;   /* heads of hash chains */
	uint32_t nbuckets;   /* power of two */
	int mount_fd;        /* the root opened O_RDONLY, for open_by_handle_at; -1: no eviction */
	struct fs_fd_account *acct; /* the share's part of the VM's fd budget; NULL: none */
};

/* An fd of the table was closed (or is about to be): nfds and the budget. */
static void fd_gone_locked(struct fs_inode_table *t)
{
	t->nfds--;
	if (t->acct)
		fs_fd_give(t->acct, 1);
}

static int inode_slot_take(struct fs_inode_table *t, uint32_t *idx)
{
	void *slots = t->slots;
	int ret = slot_take(&slots, sizeof(*t->slots), offsetof(struct inode_slot, next),
			    offsetof(struct inode_slot, gen), t->max_entries, &t->nslots, &t->used,
			    &t->free_head, idx);
	t->slots = slots;
	return ret;
}

static uint32_t key_hash(const struct fs_inode_key *k, uint32_t nbuckets)
{
	uint64_t h = k->ino * 0x9e3779b97f4a7c15ull;
	h ^= (k->dev + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull;
	h ^= k->mnt_id * 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (uint32_t)h & (nbuckets - 1);
}

static bool key_eq(const struct fs_inode_key *a, const struct fs_inode_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->mnt_id == b->mnt_id;
}

int fs_inode_table_new(unsigned max_fds, unsigned max_entries, struct fs_inode_table **out)
{
	if (max_fds < 2 || max_entries < max_fds || max_entries >= NO_SLOT / 2)
		return -EINVAL;
	struct fs_inode_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->max_fds = max_fds;
	t->max_entries = max_entries;
	t->free_head = NO_SLOT;
	t->mount_fd = -1;
	t->nbuckets = 64;
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t->nbuckets; i++)
		t->buckets[i] = NO_SLOT;
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return 0;
}

void fs_inode_table_free(struct fs_inode_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->used; i++) {
		if (t->slots[i].fd >= 0)
			close(t->slots[i].fd);
		free(t->slots[i].fh);
	}
	if (t->mount_fd >= 0)
		close(t->mount_fd);
	pthread_mutex_destroy(&t->lock);
	free(t->slots);
	free(t->buckets);
	free(t);
}

static struct timespec ts_of(struct statx_timestamp t)
{
	return (struct timespec){.tv_sec = t.tv_sec, .tv_nsec = t.tv_nsec};
}

int fs_inode_stat(int fd, struct fs_inode_key *key, mode_t *type, struct stat *st)
{
	/* One statx gives the key and, when asked, the attributes: a LOOKUP and
	 * every READDIRPLUS entry need both, and a second stat call of the same
	 * fd was a quarter of their syscalls (docs/benchmarks.md). */
	unsigned mask = STATX_TYPE | STATX_INO | STATX_MNT_ID | (st ? STATX_BASIC_STATS : 0);
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, mask, &stx) < 0)
		return -errno;
	key->dev = ((uint64_t)stx.stx_dev_major << 32) | stx.stx_dev_minor;
	key->ino = stx.stx_ino;
	key->mnt_id = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
	*type = stx.stx_mode & S_IFMT;
	if (st) {
		memset(st, 0, sizeof(*st));
		st->st_dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
		st->st_ino = stx.stx_ino;
		st->st_mode = stx.stx_mode;
		st->st_nlink = stx.stx_nlink;
		st->st_uid = stx.stx_uid;
		st->st_gid = stx.stx_gid;
		st->st_rdev = makedev(stx.stx_rdev_major, stx.stx_rdev_minor);
		st->st_size = (off_t)stx.stx_size;
		st->st_blksize = stx.stx_blksize;
		st->st_blocks = (blkcnt_t)stx.stx_blocks;
		st->st_atim = ts_of(stx.stx_atime);
		st->st_mtim = ts_of(stx.stx_mtime);
		st->st_ctim = ts_of(stx.stx_ctime);
	}
	return 0;
}

int fs_inode_key_of(int fd, struct fs_inode_key *key, mode_t *type)
{
	return fs_inode_stat(fd, key, type, NULL);
}

/* A file handle for an O_PATH fd, or NULL. */
static struct file_handle *handle_of(int fd)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mnt;
	if (!fh)
		return NULL;
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fd, "", fh, &mnt, AT_EMPTY_PATH) < 0) {
		free(fh);
		return NULL;
	}
	return fh;
}

static bool handle_eq(const struct file_handle *a, const struct file_handle *b)
{
	return a->handle_type == b->handle_type && a->handle_bytes == b->handle_bytes &&
	       memcmp(a->f_handle, b->f_handle, a->handle_bytes) == 0;
}

/* Caller holds the lock. Grows the bucket array when chains get long. */
static int rehash_locked(struct fs_inode_table *t, uint32_t nbuckets)
{
	uint32_t *b = malloc((size_t)nbuckets * sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < nbuckets; i++)
		b[i] = NO_SLOT;
	for (uint32_t i = 0; i < t->used; i++) {
		if (!t->slots[i].live || !t->slots[i].hashed)
			continue;
		uint32_t h = key_hash(&t->slots[i].key, nbuckets);
		t->slots[i].next = b[h];
		b[h] = i;
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nbuckets;
	return 0;
}

static void unlink_hash_locked(struct fs_inode_table *t, uint32_t idx)
{
	if (!t->slots[idx].hashed)
		return;
	uint32_t *p = &t->buckets[key_hash(&t->slots[idx].key, t->nbuckets)];
	while (*p != NO_SLOT) {
		if (*p == idx) {
			*p = t->slots[idx].next;
			break;
		}
		p = &t->slots[*p].next;
	}
	t->slots[idx].hashed = false;
}

/* Free the slot if nothing references it; returns the fd to close or -1. */
static int maybe_release_locked(struct fs_inode_table *t, uint32_t idx)
{
	struct inode_slot *s = &t->slots[idx];
	if (s->nlookup > 0 || s->pins > 0 || s->permanent)
		return -1;
	int fd = s->fd;
	unlink_hash_locked(t, idx);
	if (fd >= 0)
		fd_gone_locked(t);
	free(s->fh);
	s->fh = NULL;
	s->fd = -1;
	s->live = false;
	s->gen++;
	s->next = t->free_head;
	t->free_head = idx;
	t->count--;
	return fd;
}

/*
 * Close the fd of one entry nobody is using, keeping a file handle to re-open
 * it (a clock sweep, so recently used entries stay). Caller holds the lock.
 */
static int evict_one_locked(struct fs_inode_table *t)
{
	if (t->mount_fd < 0)
		return -ENFILE; /* eviction disabled */
	const struct inode_slot *root = &t->slots[0];
	for (uint32_t n = 0; n < 2 * t->used; n++) {
		struct inode_slot *s = &t->slots[t->clock];
		t->clock = (t->clock + 1) % t->used;
		if (!s->live || s->fd < 0 || s->pins || s->permanent || s->no_evict)
			continue;
		if (s->recent) {
			s->recent = false;
			continue;
		}
		/* Only the root's mount: the root is the mount fd for
		 * open_by_handle_at. */
		if (s->key.dev != root->key.dev || s->key.mnt_id != root->key.mnt_id ||
		    (!s->fh && !(s->fh = handle_of(s->fd)))) {
			s->no_evict = true;
			continue;
		}
		close(s->fd);
		s->fd = -1;
		fd_gone_locked(t);
		return 0;
	}
	return -ENFILE;
}

/* Room for one more fd: under the table's bound and charged to the VM's
 * budget (evicting one of ours when either is full). On success the caller
 * either counts the fd (nfds++) or calls unreserve_fd_locked. */
static int reserve_fd_locked(struct fs_inode_table *t)
{
	int ret;

	if (t->nfds >= t->max_fds && (ret = evict_one_locked(t)) < 0)
		return ret;
	if (!t->acct || fs_fd_take(t->acct) == 0)
		return 0;
	if ((ret = evict_one_locked(t)) < 0)
		return ret;
	return fs_fd_take(t->acct) == 0 ? 0 : -ENFILE;
}

static void unreserve_fd_locked(struct fs_inode_table *t)
{
	if (t->acct)
		fs_fd_give(t->acct, 1);
}

void fs_inode_table_set_fd_account(struct fs_inode_table *t, struct fs_fd_account *a)
{
	t->acct = a;
}

int fs_inode_add_lookup(struct fs_inode_table *t, int fd, const struct fs_inode_key *key,
			mode_t type, uint64_t *nodeid)
{
	int ret = 0;
	pthread_mutex_lock(&t->lock);
	for (uint32_t i = t->buckets[key_hash(key, t->nbuckets)]; i != NO_SLOT; i = t->slots[i].next) {
		struct inode_slot *s = &t->slots[i];
		if (!key_eq(&s->key, key))
			continue;
		if (s->fd < 0) {
			/* Evicted: the same file again, or a new file that got
			 * the number of a deleted one? The handle decides. */
			struct file_handle *nfh = handle_of(fd);
			bool same = nfh && s->fh && handle_eq(nfh, s->fh);
			free(nfh);
			if (!same) {
				unlink_hash_locked(t, i); /* its holders get ESTALE */
				break;
			}
			if ((ret = reserve_fd_locked(t)) < 0)
				goto fail;
			s->fd = fd;
			t->nfds++;
			fd = -1;
		}
		s->nlookup++;
		s->recent = true;
		*nodeid = make_id(i, s->gen);
		pthread_mutex_unlock(&t->lock);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (t->count >= t->max_entries) {
		ret = -ENFILE;
		goto fail;
	}
	if ((ret = reserve_fd_locked(t)) < 0)
		goto fail;
	uint32_t idx;
	if ((ret = inode_slot_take(t, &idx)) < 0) {
		unreserve_fd_locked(t);
		goto fail;
	}
	struct inode_slot *s = &t->slots[idx];
	s->fd = fd;
	s->live = true;
	s->hashed = true;
	s->no_evict = false;
	s->recent = true;
	s->fh = NULL;
	s->type = type;
	s->key = *key;
	s->nlookup = 1;
	s->pins = 0;
	s->permanent = (idx == 0 && s->gen == 0); /* the very first entry: the root */
	if (s->permanent && t->max_entries > t->max_fds && type == S_IFDIR) {
		/* open_by_handle_at wants an opened (not O_PATH) fd on the mount */
		t->mount_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	uint32_t h = key_hash(key, t->nbuckets);
	s->next = t->buckets[h];
	t->buckets[h] = idx;
	t->count++;
	t->nfds++;
	if (t->count > t->nbuckets && t->nbuckets < (1u << 30))
		(void)rehash_locked(t, t->nbuckets * 4); /* on failure the old chains still work */
	*nodeid = make_id(idx, s->gen);
	pthread_mutex_unlock(&t->lock);
	return 0;
fail:
	pthread_mutex_unlock(&t->lock);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Caller holds the lock. */
static struct inode_slot *resolve_locked(struct fs_inode_table *t, uint64_t nodeid, uint32_t *idx)
{
	uint32_t gen;
	if (!split_id(nodeid, idx, &gen) || *idx >= t->used)
		return NULL;
	struct inode_slot *s = &t->slots[*idx];
	if (!s->live || s->gen != gen || s->nlookup == 0)
		return NULL;
	return s;
}

int fs_inode_get(struct fs_inode_table *t, uint64_t nodeid, struct fs_inode_ref *ref)
{
	uint32_t idx;
	int ret;
	pthread_mutex_lock(&t->lock);
	struct inode_slot *s = resolve_locked(t, nodeid, &idx);
	if (!s) {
		ret = -EBADF;
		goto out;
	}
	if (s->fd < 0) {
		/* Evicted: re-open from the handle, relative to the root's mount. */
		if (!s->fh) {
			ret = -ESTALE;
			goto out;
		}
		if ((ret = reserve_fd_locked(t)) < 0)
			goto out;
		int fd = open_by_handle_at(t->mount_fd, s->fh, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			ret = errno == ENOENT ? -ESTALE : -errno;
			unreserve_fd_locked(t);
			goto out;
		}
		s->fd = fd;
		t->nfds++;
	}
	s->pins++;
	s->recent = true;
	ref->fd = s->fd;
	ref->idx = idx;
	ref->type = s->type;
	ref->nodeid = nodeid;
	ref->key = s->key;
	ret = 0;
out:
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void fs_inode_put(struct fs_inode_table *t, const struct fs_inode_ref *ref)
{
	pthread_mutex_lock(&t->lock);
	int fd = -1;
	if (ref->idx < t->used && t->slots[ref->idx].pins > 0) {
		t->slots[ref->idx].pins--;
		fd = maybe_release_locked(t, ref->idx);
	}
	pthread_mutex_unlock(&t->lock);
	if (fd >= 0)
		close(fd);
}

void fs_inode_forget(struct fs_inode_table *t, uint64_t nodeid, uint64_t n)
{
	uint32_t idx;
	int fd = -1;
	pthread_mutex_lock(&t->lock);
	struct inode_slot *s = resolve_locked(t, nodeid, &idx);
	if (s) {
		s->nlookup = n >= s->nlookup ? 0 : s->nlookup - n;
		if (s->permanent && s->nlookup == 0)
			s->nlookup = 1; /* the root stays resolvable */
		fd = maybe_release_locked(t, idx);
	}
	pthread_mutex_unlock(&t->lock);
	if (fd >= 0)
		close(fd);
}

void fs_inode_forget_all(struct fs_inode_table *t)
{
	pthread_mutex_lock(&t->lock);
	for (uint32_t i = 0; i < t->used; i++) {
		struct inode_slot *s = &t->slots[i];
		if (!s->live || s->permanent)
			continue;
		s->nlookup = 0;
		int fd = maybe_release_locked(t, i);
		if (fd >= 0)
			close(fd);
	}
	pthread_mutex_unlock(&t->lock);
}

unsigned fs_inode_count(struct fs_inode_table *t)
{
	pthread_mutex_lock(&t->lock);
	unsigned n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

unsigned fs_inode_fd_count(struct fs_inode_table *t)
{
	pthread_mutex_lock(&t->lock);
	unsigned n = t->nfds;
	pthread_mutex_unlock(&t->lock);
	return n;
}

uint64_t fs_inode_nlookup(struct fs_inode_table *t, uint64_t nodeid)
{
	uint32_t idx;
	pthread_mutex_lock(&t->lock);
	struct inode_slot *s = resolve_locked(t, nodeid, &idx);
	uint64_t n = s ? s->nlookup : 0;
	pthread_mutex_unlock(&t->lock);
	return n;
}

/* ---------------------------------------------------------------- handles */

struct handle_slot {
	int fd;           /* -1 when free */
	uint32_t gen;
	uint32_t next;    /* free list */
	bool open;        /* false once released (fd may still be pinned) */
	uint64_t pins;
	uint64_t nodeid;
};

struct fs_handle_table {
	pthread_mutex_t lock;
	struct handle_slot *slots;
	uint32_t nslots, used, count, max, free_head;
	struct fs_fd_account *acct; /* as in the inode table */
};

void fs_handle_table_set_fd_account(struct fs_handle_table *t, struct fs_fd_account *a)
{
	t->acct = a;
}

static int handle_slot_take(struct fs_handle_table *t, uint32_t *idx)
{
	void *slots = t->slots;
	int ret = slot_take(&slots, sizeof(*t->slots), offsetof(struct handle_slot, next),
			    offsetof(struct handle_slot, gen), t->max, &t->nslots, &t->used,
			    &t->free_head, idx);
	t->slots = slots;
	return ret;
}

int fs_handle_table_new(unsigned max_handles, struct fs_handle_table **out)
{
	if (max_handles == 0 || max_handles >= NO_SLOT / 2)
		return -EINVAL;
	struct fs_handle_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->max = max_handles;
	t->free_head = NO_SLOT;
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return 0;
}

void fs_handle_table_free(struct fs_handle_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->used; i++)
		if (t->slots[i].fd >= 0)
			close(t->slots[i].fd);
	pthread_mutex_destroy(&t->lock);
	free(t->slots);
	free(t);
}

int fs_handle_add(struct fs_handle_table *t, int fd, uint64_t nodeid, uint64_t *fh)
{
	int ret;
	pthread_mutex_lock(&t->lock);
	if (t->count >= t->max) {
		ret = -ENFILE;
		goto fail;
	}
	if (t->acct && (ret = fs_fd_take(t->acct)) < 0)
		goto fail;
	uint32_t idx;
	if ((ret = handle_slot_take(t, &idx)) < 0) {
		if (t->acct)
			fs_fd_give(t->acct, 1);
		goto fail;
	}
	struct handle_slot *s = &t->slots[idx];
	s->fd = fd;
	s->open = true;
	s->pins = 0;
	s->nodeid = nodeid;
	t->count++;
	*fh = make_id(idx, s->gen);
	pthread_mutex_unlock(&t->lock);
	return 0;
fail:
	pthread_mutex_unlock(&t->lock);
	close(fd);
	return ret;
}

static struct handle_slot *handle_resolve_locked(struct fs_handle_table *t, uint64_t fh,
						 uint64_t nodeid, uint32_t *idx)
{
	uint32_t gen;
	if (!split_id(fh, idx, &gen) || *idx >= t->used)
		return NULL;
	struct handle_slot *s = &t->slots[*idx];
	if (s->fd < 0 || !s->open || s->gen != gen || s->nodeid != nodeid)
		return NULL;
	return s;
}

/* Caller holds the lock; returns the fd to close or -1. */
static int handle_maybe_release_locked(struct fs_handle_table *t, uint32_t idx)
{
	struct handle_slot *s = &t->slots[idx];
	if (s->open || s->pins > 0)
		return -1;
	int fd = s->fd;
	s->fd = -1;
	s->gen++;
	s->next = t->free_head;
	t->free_head = idx;
	t->count--;
	if (t->acct)
		fs_fd_give(t->acct, 1);
	return fd;
}

int fs_handle_get(struct fs_handle_table *t, uint64_t fh, uint64_t nodeid, struct fs_handle_ref *ref)
{
	uint32_t idx;
	pthread_mutex_lock(&t->lock);
	struct handle_slot *s = handle_resolve_locked(t, fh, nodeid, &idx);
	if (!s) {
		pthread_mutex_unlock(&t->lock);
		return -EBADF;
	}
	s->pins++;
	ref->fd = s->fd;
	ref->idx = idx;
	ref->fh = fh;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

void fs_handle_put(struct fs_handle_table *t, const struct fs_handle_ref *ref)
{
	int fd = -1;
	pthread_mutex_lock(&t->lock);
	if (ref->idx < t->used && t->slots[ref->idx].pins > 0) {
		t->slots[ref->idx].pins--;
		fd = handle_maybe_release_locked(t, ref->idx);
	}
	pthread_mutex_unlock(&t->lock);
	if (fd >= 0)
		close(fd);
}

int fs_handle_remove(struct fs_handle_table *t, uint64_t fh, uint64_t nodeid)
{
	uint32_t idx;
	int fd = -1;
	pthread_mutex_lock(&t->lock);
	struct handle_slot *s = handle_resolve_locked(t, fh, nodeid, &idx);
	if (!s) {
		pthread_mutex_unlock(&t->lock);
		return -EBADF;
	}
	s->open = false;
	fd = handle_maybe_release_locked(t, idx);
	pthread_mutex_unlock(&t->lock);
	if (fd >= 0)
		close(fd);
	return 0;
}

unsigned fs_handle_count(struct fs_handle_table *t)
{
	pthread_mutex_lock(&t->lock);
	unsigned n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

void fs_handle_remove_all(struct fs_handle_table *t)
{
	pthread_mutex_lock(&t->lock);
	for (uint32_t i = 0; i < t->used; i++) {
		if (t->slots[i].fd < 0 || !t->slots[i].open)
			continue;
		t->slots[i].open = false;
		int fd = handle_maybe_release_locked(t, i);
		if (fd >= 0)
			close(fd);
	}
	pthread_mutex_unlock(&t->lock);
}
