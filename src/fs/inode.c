/* SPDX-License-Identifier: Apache-2.0 */
/* Inode and handle tables of the passthrough backend; see inode.h. */
#include "fs/inode.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* ---------------------------------------------------------------- inodes */

struct inode_slot {
	int fd;            /* -1 when the slot is free */
	uint32_t gen;
	uint32_t next;     /* hash chain while in use, free list while free */
	mode_t type;
	bool permanent;    /* the root: FORGET never drops it */
	uint64_t nlookup;
	uint64_t pins;
	struct fs_inode_key key;
};

struct fs_inode_table {
	pthread_mutex_t lock;
	struct inode_slot *slots;
	uint32_t nslots;     /* allocated */
	uint32_t used;       /* slots ever handed out (high-water mark) */
	uint32_t count;      /* live entries */
	uint32_t max;
	uint32_t free_head;
	uint32_t *buckets;   /* heads of hash chains */
	uint32_t nbuckets;   /* power of two */
};

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

int fs_inode_table_new(unsigned max_fds, struct fs_inode_table **out)
{
	if (max_fds == 0 || max_fds >= NO_SLOT / 2)
		return -EINVAL;
	struct fs_inode_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->max = max_fds;
	t->free_head = NO_SLOT;
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
	for (uint32_t i = 0; i < t->used; i++)
		if (t->slots[i].fd >= 0)
			close(t->slots[i].fd);
	pthread_mutex_destroy(&t->lock);
	free(t->slots);
	free(t->buckets);
	free(t);
}

int fs_inode_key_of(int fd, struct fs_inode_key *key, mode_t *type)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO | STATX_MNT_ID,
		  &stx) < 0)
		return -errno;
	key->dev = ((uint64_t)stx.stx_dev_major << 32) | stx.stx_dev_minor;
	key->ino = stx.stx_ino;
	key->mnt_id = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
	*type = stx.stx_mode & S_IFMT;
	return 0;
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
		if (t->slots[i].fd < 0)
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
	uint32_t *p = &t->buckets[key_hash(&t->slots[idx].key, t->nbuckets)];
	while (*p != NO_SLOT) {
		if (*p == idx) {
			*p = t->slots[idx].next;
			return;
		}
		p = &t->slots[*p].next;
	}
}

/* Free the slot if nothing references it; returns the fd to close or -1. */
static int maybe_release_locked(struct fs_inode_table *t, uint32_t idx)
{
	struct inode_slot *s = &t->slots[idx];
	if (s->nlookup > 0 || s->pins > 0 || s->permanent)
		return -1;
	int fd = s->fd;
	unlink_hash_locked(t, idx);
	s->fd = -1;
	s->gen++;
	s->next = t->free_head;
	t->free_head = idx;
	t->count--;
	return fd;
}

int fs_inode_add_lookup(struct fs_inode_table *t, int fd, const struct fs_inode_key *key,
			mode_t type, uint64_t *nodeid)
{
	int ret = 0;
	pthread_mutex_lock(&t->lock);
	for (uint32_t i = t->buckets[key_hash(key, t->nbuckets)]; i != NO_SLOT; i = t->slots[i].next) {
		if (key_eq(&t->slots[i].key, key)) {
			t->slots[i].nlookup++;
			*nodeid = make_id(i, t->slots[i].gen);
			pthread_mutex_unlock(&t->lock);
			close(fd);
			return 0;
		}
	}
	if (t->count >= t->max) {
		ret = -ENFILE;
		goto fail;
	}
	uint32_t idx;
	if (t->free_head != NO_SLOT) {
		idx = t->free_head;
		t->free_head = t->slots[idx].next;
	} else {
		if (t->used == t->nslots) {
			uint32_t n = t->nslots ? t->nslots * 2 : 16;
			if (n > t->max)
				n = t->max;
			struct inode_slot *s = realloc(t->slots, (size_t)n * sizeof(*s));
			if (!s) {
				ret = -ENOMEM;
				goto fail;
			}
			t->slots = s;
			t->nslots = n;
		}
		idx = t->used++;
		t->slots[idx].gen = 0;
	}
	struct inode_slot *s = &t->slots[idx];
	s->fd = fd;
	s->type = type;
	s->key = *key;
	s->nlookup = 1;
	s->pins = 0;
	s->permanent = (idx == 0 && s->gen == 0); /* the very first entry: the root */
	uint32_t h = key_hash(key, t->nbuckets);
	s->next = t->buckets[h];
	t->buckets[h] = idx;
	t->count++;
	if (t->count > t->nbuckets && t->nbuckets < (1u << 30))
		(void)rehash_locked(t, t->nbuckets * 4); /* on failure the old chains still work */
	*nodeid = make_id(idx, s->gen);
	pthread_mutex_unlock(&t->lock);
	return 0;
fail:
	pthread_mutex_unlock(&t->lock);
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
	if (s->fd < 0 || s->gen != gen || s->nlookup == 0)
		return NULL;
	return s;
}

int fs_inode_get(struct fs_inode_table *t, uint64_t nodeid, struct fs_inode_ref *ref)
{
	uint32_t idx;
	pthread_mutex_lock(&t->lock);
	struct inode_slot *s = resolve_locked(t, nodeid, &idx);
	if (!s) {
		pthread_mutex_unlock(&t->lock);
		return -EBADF;
	}
	s->pins++;
	ref->fd = s->fd;
	ref->idx = idx;
	ref->type = s->type;
	ref->nodeid = nodeid;
	ref->key = s->key;
	pthread_mutex_unlock(&t->lock);
	return 0;
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

unsigned fs_inode_count(struct fs_inode_table *t)
{
	pthread_mutex_lock(&t->lock);
	unsigned n = t->count;
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
};

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
	uint32_t idx;
	if (t->free_head != NO_SLOT) {
		idx = t->free_head;
		t->free_head = t->slots[idx].next;
	} else {
		if (t->used == t->nslots) {
			uint32_t n = t->nslots ? t->nslots * 2 : 16;
			if (n > t->max)
				n = t->max;
			struct handle_slot *s = realloc(t->slots, (size_t)n * sizeof(*s));
			if (!s) {
				ret = -ENOMEM;
				goto fail;
			}
			t->slots = s;
			t->nslots = n;
		}
		idx = t->used++;
		t->slots[idx].gen = 0;
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
