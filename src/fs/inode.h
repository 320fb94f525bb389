/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The passthrough backend's inode and handle tables.
 *
 * An inode is an O_PATH fd on a host file, keyed by (dev, ino, mnt_id) so that
 * two names for one file (hard links, repeated lookups) share one entry. Node
 * ids are a slot index plus a generation, never pointers: a node id that was
 * never issued, or whose entry has been forgotten, simply does not resolve.
 *
 * Two counts keep an entry alive: `nlookup` (references the guest holds, from
 * LOOKUP/CREATE/MKDIR/... and released by FORGET) and `pins` (operations that
 * are using the fd right now). The fd is closed only when both are zero, so a
 * FORGET racing with an operation on another thread never closes an fd under
 * it.
 *
 * File handles (fh) live in a second table of the same shape; each records the
 * node id it was opened for and is checked against it on every use.
 *
 * Both tables are bounded (max_fds each). A new entry beyond the bound fails
 * with -ENFILE; nothing the guest still references is evicted.
 */
#ifndef CKRUN_FS_INODE_H
#define CKRUN_FS_INODE_H

#include <stdint.h>
#include <sys/types.h>

struct fs_inode_key {
	uint64_t dev;
	uint64_t ino;
	uint64_t mnt_id; /* 0 where statx has no STATX_MNT_ID */
};

/* A pinned inode: valid until fs_inode_put. */
struct fs_inode_ref {
	int fd;          /* O_PATH, owned by the table */
	uint32_t idx;    /* slot, for fs_inode_put */
	mode_t type;     /* S_IFMT bits */
	uint64_t nodeid;
	struct fs_inode_key key;
};

struct fs_inode_table;

/* max_fds: the bound on entries (and on O_PATH fds held), >= 1. */
int fs_inode_table_new(unsigned max_fds, struct fs_inode_table **out);
/* Closes every fd still held. */
void fs_inode_table_free(struct fs_inode_table *t);

/* Fill a key from an O_PATH fd (statx with STATX_MNT_ID, without following). */
int fs_inode_key_of(int fd, struct fs_inode_key *key, mode_t *type);

/*
 * Find the entry for `key` or create one with `fd`, and add one guest lookup
 * reference. Takes ownership of fd in every case (closed when an entry already
 * existed or on error). Returns 0 and the node id, or -ENFILE when the table is
 * full, -ENOMEM. The first entry ever added is the root and gets FUSE_ROOT_ID.
 */
int fs_inode_add_lookup(struct fs_inode_table *t, int fd, const struct fs_inode_key *key,
			mode_t type, uint64_t *nodeid);

/* Pin an entry that the guest references (nlookup > 0). -EBADF if the node id
 * is unknown, forgotten or stale. */
int fs_inode_get(struct fs_inode_table *t, uint64_t nodeid, struct fs_inode_ref *ref);
void fs_inode_put(struct fs_inode_table *t, const struct fs_inode_ref *ref);

/* Drop `n` guest references (saturating). Unknown node ids are ignored. */
void fs_inode_forget(struct fs_inode_table *t, uint64_t nodeid, uint64_t n);

/* Number of entries (fds) held; for tests and statistics. */
unsigned fs_inode_count(struct fs_inode_table *t);
/* The guest lookup count of a node, or 0 if it does not resolve (tests). */
uint64_t fs_inode_nlookup(struct fs_inode_table *t, uint64_t nodeid);

/* --- File handles --- */

struct fs_handle_ref {
	int fd;       /* an opened (not O_PATH) fd, owned by the table */
	uint32_t idx;
	uint64_t fh;
};

struct fs_handle_table;

int fs_handle_table_new(unsigned max_handles, struct fs_handle_table **out);
void fs_handle_table_free(struct fs_handle_table *t);
/* Takes ownership of fd (closed on error). -ENFILE when full. */
int fs_handle_add(struct fs_handle_table *t, int fd, uint64_t nodeid, uint64_t *fh);
/* Pin the handle; -EBADF if unknown or opened for another node id. */
int fs_handle_get(struct fs_handle_table *t, uint64_t fh, uint64_t nodeid, struct fs_handle_ref *ref);
void fs_handle_put(struct fs_handle_table *t, const struct fs_handle_ref *ref);
/* Remove the handle; its fd closes once no operation pins it. -EBADF as above. */
int fs_handle_remove(struct fs_handle_table *t, uint64_t fh, uint64_t nodeid);
unsigned fs_handle_count(struct fs_handle_table *t);

#endif
