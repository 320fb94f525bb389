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
 * Both tables are bounded. The inode table holds at most max_fds O_PATH fds
 * and max_entries entries. When max_entries > max_fds, an entry that no
 * operation is using may be *evicted*: its fd is closed and the inode is kept
 * as a file handle (name_to_handle_at), re-opened with open_by_handle_at when
 * next used (needs CAP_DAC_READ_SEARCH; the caller decides). Only inodes on
 * the root's mount are evicted. A new entry beyond max_entries, or an fd when
 * nothing can be evicted, fails with -ENFILE. An evicted inode that was
 * deleted meanwhile gives -ESTALE.
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

/* max_fds >= 2: O_PATH fds held; max_entries >= max_fds: entries (node ids
 * the guest may hold); equal values disable eviction. */
int fs_inode_table_new(unsigned max_fds, unsigned max_entries, struct fs_inode_table **out);
/* Closes every fd still held. */
void fs_inode_table_free(struct fs_inode_table *t);
/* Charge every fd the table holds to a share's account in the VM's fd budget
 * (limits.h) too: an fd the budget refuses is -ENFILE, or an eviction. Set
 * before the first entry; the account outlives the table. */
struct fs_fd_account;
void fs_inode_table_set_fd_account(struct fs_inode_table *t, struct fs_fd_account *a);

/* Fill a key from an O_PATH fd (statx with STATX_MNT_ID, without following). */
int fs_inode_key_of(int fd, struct fs_inode_key *key, mode_t *type);
/* The same, and `st` filled from the same statx call (NULL: key only). */
struct stat;
int fs_inode_stat(int fd, struct fs_inode_key *key, mode_t *type, struct stat *st);

/*
 * Find the entry for `key` or create one with `fd`, and add one guest lookup
 * reference. Takes ownership of fd in every case (closed when an entry already
 * existed or on error). Returns 0 and the node id, or -ENFILE when the table is
 * full, -ENOMEM. The first entry ever added is the root and gets FUSE_ROOT_ID;
 * it is never evicted and serves as the mount fd for open_by_handle_at.
 */
int fs_inode_add_lookup(struct fs_inode_table *t, int fd, const struct fs_inode_key *key,
			mode_t type, uint64_t *nodeid);

/* Pin an entry that the guest references (nlookup > 0), re-opening it if it
 * was evicted. -EBADF if the node id is unknown, forgotten or stale; -ESTALE
 * if an evicted inode no longer exists; -ENFILE if no fd can be freed. */
int fs_inode_get(struct fs_inode_table *t, uint64_t nodeid, struct fs_inode_ref *ref);
void fs_inode_put(struct fs_inode_table *t, const struct fs_inode_ref *ref);

/* Drop `n` guest references (saturating). Unknown node ids are ignored. */
void fs_inode_forget(struct fs_inode_table *t, uint64_t nodeid, uint64_t n);

/* Drop every guest reference but the root's (the guest unmounted). Entries
 * pinned by running operations go when their last pin does. */
void fs_inode_forget_all(struct fs_inode_table *t);

/* Entries held, and O_PATH fds held; for tests and statistics. */
unsigned fs_inode_count(struct fs_inode_table *t);
unsigned fs_inode_fd_count(struct fs_inode_table *t);
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
/* As fs_inode_table_set_fd_account (the same account: one share, one part). */
void fs_handle_table_set_fd_account(struct fs_handle_table *t, struct fs_fd_account *a);
void fs_handle_table_free(struct fs_handle_table *t);
/* Takes ownership of fd (closed on error). -ENFILE when full. */
int fs_handle_add(struct fs_handle_table *t, int fd, uint64_t nodeid, uint64_t *fh);
/* Pin the handle; -EBADF if unknown or opened for another node id. */
int fs_handle_get(struct fs_handle_table *t, uint64_t fh, uint64_t nodeid, struct fs_handle_ref *ref);
void fs_handle_put(struct fs_handle_table *t, const struct fs_handle_ref *ref);
/* Remove the handle; its fd closes once no operation pins it. -EBADF as above. */
int fs_handle_remove(struct fs_handle_table *t, uint64_t fh, uint64_t nodeid);
unsigned fs_handle_count(struct fs_handle_table *t);
/* Release every handle (the guest unmounted). */
void fs_handle_remove_all(struct fs_handle_table *t);

#endif
