/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The filesystem backend interface: what the FUSE server (server.c) calls once a
 * request has been parsed and bounds-checked. Backends: passthrough.c (a host
 * directory). Wrappers, composed over a backend once at set-up (compose.c):
 * readonly.c (refuses every mutation), augment.c (virtual files such as
 * /init.krun at the share's root). The server calls the composed table.
 *
 * Conventions:
 *  - every operation returns 0 or -errno; the server turns -errno into a
 *    header-only error reply;
 *  - an operation a backend leaves NULL, or a wrapper does not declare, is
 *    refused: the server answers ENOSYS. Wrappers therefore fail closed;
 *  - node ids are the backend's own table indexes (root = FUSE_ROOT_ID), never
 *    pointers; handles (fh) likewise;
 *  - names reach the backend already checked by the server to be NUL-terminated
 *    and inside the request; the backend still rejects "", ".", ".." and "/"
 *    (fs_name_is_valid) because confinement is its job.
 *
 * Protocol structs come from <linux/fuse.h>; none are redefined here.
 */
#ifndef CKRUN_FS_BACKEND_H
#define CKRUN_FS_BACKEND_H

#include <linux/fuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Who is asking: from fuse_in_header. */
struct fs_ctx {
	uint64_t unique;
	uint32_t uid;
	uint32_t gid;
	uint32_t pid;
};

/*
 * A bounded cursor over scatter-gather memory: the reply buffers the guest
 * gave (outbuf) or the payload that follows a request's fixed arguments
 * (inbuf). Never reads or writes outside the iovecs or past `limit`.
 * Implemented in iobuf.c.
 */
struct fs_iobuf {
	const struct iovec *iov;
	int iovcnt;
	int idx;      /* current iovec */
	size_t off;   /* offset inside iov[idx] */
	size_t limit; /* bytes still allowed through this cursor */
};

size_t fs_iobuf_remaining(const struct fs_iobuf *b);
/* Copy n bytes in/out; -ENOSPC (out) or -EINVAL (in) if fewer remain, cursor unchanged. */
int fs_iobuf_write(struct fs_iobuf *b, const void *src, size_t n);
int fs_iobuf_read(struct fs_iobuf *b, void *dst, size_t n);
/* Skip n bytes; -EINVAL if fewer remain. */
int fs_iobuf_skip(struct fs_iobuf *b, size_t n);
/* Zero-copy file I/O straight into / out of the guest's buffers (preadv/pwritev).
 * Return bytes transferred (may be short) or -errno; the cursor advances by that. */
ssize_t fs_iobuf_pread(struct fs_iobuf *b, int fd, size_t n, off_t off);
ssize_t fs_iobuf_pwrite(struct fs_iobuf *b, int fd, size_t n, off_t off);

/* A DAX window: host mapping of the device's shared-memory region. */
struct fs_dax_map;
struct fs_dax_window {
	void *base;    /* host address of guest-physical window start; NULL = none */
	uint64_t size; /* bytes */
	struct fs_dax_map *map; /* live chunks and the VM's cap (dax.h); set by the server */
};

/* Returns true when a name may be used as one path component inside a share. */
bool fs_name_is_valid(const char *name);

/*
 * The operations, one function type each. A backend implements them; the
 * server calls them through a share's composed table (struct fs_table).
 */

/* *flags: in = what the guest offered intersected with what the server
 * supports; out = what the backend enables. Backends clear, never add, bits
 * they cannot honour (readonly.c strips FUSE_WRITEBACK_CACHE). */
typedef int fs_init_fn(void *fs, const struct fuse_init_in *in, uint64_t *flags);
typedef void fs_destroy_fn(void *fs);
typedef int fs_lookup_fn(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
			 struct fuse_entry_out *out);
typedef void fs_forget_fn(void *fs, uint64_t nodeid, uint64_t nlookup);
typedef int fs_getattr_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			  const struct fuse_getattr_in *in, struct fuse_attr_out *out);
typedef int fs_setattr_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			  const struct fuse_setattr_in *in, struct fuse_attr_out *out);
typedef int fs_readlink_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fs_iobuf *out);
typedef int fs_symlink_fn(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
			  const char *target, struct fuse_entry_out *out);
typedef int fs_mknod_fn(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
			const struct fuse_mknod_in *in, struct fuse_entry_out *out);
typedef int fs_mkdir_fn(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
			const struct fuse_mkdir_in *in, struct fuse_entry_out *out);
typedef int fs_unlink_fn(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name);
typedef int fs_rmdir_fn(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name);
/* RENAME (flags = 0) and RENAME2 (RENAME_NOREPLACE/EXCHANGE/WHITEOUT). */
typedef int fs_rename_fn(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
			 uint64_t newparent, const char *newname, uint32_t flags);
typedef int fs_link_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
		       const char *newname, struct fuse_entry_out *out);
typedef int fs_open_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_open_in *in, struct fuse_open_out *out);
typedef int fs_create_fn(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
			 const struct fuse_create_in *in, struct fuse_entry_out *entry,
			 struct fuse_open_out *open);
/* Data goes straight into `out` (fs_iobuf_pread); the server sizes it. */
typedef int fs_read_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_read_in *in, struct fs_iobuf *out);
/* `data` holds exactly in->size bytes (fs_iobuf_pwrite). */
typedef int fs_write_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_write_in *in, struct fs_iobuf *data,
			struct fuse_write_out *out);
typedef int fs_statfs_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			 struct fuse_statfs_out *out,
			 uint64_t *st_flags /* host f_flag, e.g. ST_RDONLY; not on the wire */);
typedef int fs_release_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			  const struct fuse_release_in *in);
typedef int fs_flush_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_flush_in *in);
typedef int fs_fsync_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_fsync_in *in);
typedef int fs_opendir_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			  const struct fuse_open_in *in, struct fuse_open_out *out);
/* READDIR and READDIRPLUS: write whole dirents into `out`, stop before one
 * that does not fit; READDIRPLUS takes a lookup reference only for the
 * entries it actually wrote. */
typedef int fs_readdir_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			  const struct fuse_read_in *in, bool plus, struct fs_iobuf *out);
typedef int fs_releasedir_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			     const struct fuse_release_in *in);
typedef int fs_fsyncdir_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			   const struct fuse_fsync_in *in);
typedef int fs_setxattr_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
			   const void *value, size_t size, uint32_t flags);
/* size == 0: return the needed size in *needed, write nothing. Else write the
 * value into `out`; -ERANGE if it does not fit in `size`. */
typedef int fs_getxattr_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
			   uint32_t size, struct fs_iobuf *out, uint32_t *needed);
typedef int fs_listxattr_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t size,
			    struct fs_iobuf *out, uint32_t *needed);
typedef int fs_removexattr_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name);
typedef int fs_access_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t mask);
typedef int fs_fallocate_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			    const struct fuse_fallocate_in *in);
typedef int fs_lseek_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_lseek_in *in, struct fuse_lseek_out *out);
typedef int fs_copy_file_range_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
				  const struct fuse_copy_file_range_in *in,
				  struct fuse_write_out *out);
/* `in` holds in->in_size bytes; write at most in->out_size bytes to `out`. */
typedef int fs_ioctl_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_ioctl_in *in, struct fs_iobuf *data_in,
			struct fs_iobuf *out, struct fuse_ioctl_out *res);
typedef int fs_getlk_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_lk_in *in, struct fuse_lk_out *out);
typedef int fs_setlk_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_lk_in *in, bool sleep);
typedef int fs_syncfs_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid);
typedef int fs_tmpfile_fn(void *fs, const struct fs_ctx *c, uint64_t parent,
			  const struct fuse_create_in *in, struct fuse_entry_out *entry,
			  struct fuse_open_out *open);
/* DAX (only when the server has a window; else the server answers ENOSYS). */
typedef int fs_setupmapping_fn(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			       const struct fuse_setupmapping_in *in, const struct fs_dax_window *w);
typedef int fs_removemapping_fn(void *fs, const struct fs_ctx *c,
				const struct fuse_removemapping_one *one, uint32_t count,
				const struct fs_dax_window *w);

/*
 * THE list of operations: every table below (a backend's functions, a
 * wrapper's rules, a share's composed table) is generated from it, so an
 * operation is added here and in its typedef above, nowhere else.
 */
#define FS_OPS(X)                                                                   \
	X(init) X(destroy) X(lookup) X(forget) X(getattr) X(setattr) X(readlink)    \
	X(symlink) X(mknod) X(mkdir) X(unlink) X(rmdir) X(rename) X(link) X(open)   \
	X(create) X(read) X(write) X(statfs) X(release) X(flush) X(fsync)           \
	X(opendir) X(readdir) X(releasedir) X(fsyncdir) X(setxattr) X(getxattr)     \
	X(listxattr) X(removexattr) X(access) X(fallocate) X(lseek)                 \
	X(copy_file_range) X(ioctl) X(getlk) X(setlk) X(syncfs) X(tmpfile)          \
	X(setupmapping) X(removemapping)

/* Each operation's index, e.g. FS_OP_read; FS_OP_COUNT operations in all. */
#define FS_OP_ENUM_(op) FS_OP_##op,
enum fs_op { FS_OPS(FS_OP_ENUM_) FS_OP_COUNT };
#undef FS_OP_ENUM_

/* A backend's own functions, one per operation; NULL: not implemented. */
#define FS_OP_FIELD_(op) fs_##op##_fn *op;
struct fs_ops {
	FS_OPS(FS_OP_FIELD_)
};
#undef FS_OP_FIELD_

/*
 * A wrapper's rules (readonly.c, augment.c): for each operation it changes,
 * what a request meets at this layer. An operation the rules do not name is
 * UNDECLARED and refused with ENOSYS, whatever the layers below offer: a
 * wrapper fails closed, also for operations added to FS_OPS after it was
 * written.
 *   FS_FORWARD     the layer below answers; composition copies its entry,
 *                  so the layer costs nothing at run time;
 *   FS_REFUSE(e)   answered -e here, nobody is called;
 *   FS_DONE        answered 0 here, nobody is called (only for operations
 *                  whose success reply has no body: fs_compose checks);
 *   FS_CHECK(fn)   fn checks the arguments, then calls the layer below (or
 *                  refuses); where the layer below lacks the operation
 *                  (refuses it with ENOSYS), it stays absent: a check never
 *                  adds an operation;
 *   FS_SERVE(fn)   fn answers, whatever the layer below offers (it may call
 *                  the layer below).
 */
enum fs_how { FS_HOW_UNDECLARED = 0, FS_HOW_FORWARD, FS_HOW_REFUSE, FS_HOW_CHECK, FS_HOW_SERVE };

#define FS_RULE_FIELD_(op) struct { enum fs_how how; int err; fs_##op##_fn *fn; } op;
struct fs_rules {
	FS_OPS(FS_RULE_FIELD_)
};
#undef FS_RULE_FIELD_

#define FS_FORWARD { .how = FS_HOW_FORWARD }
#define FS_REFUSE(e) { .how = FS_HOW_REFUSE, .err = (e) }
#define FS_DONE { .how = FS_HOW_REFUSE, .err = 0 }
#define FS_CHECK(f) { .how = FS_HOW_CHECK, .fn = (f) }
#define FS_SERVE(f) { .how = FS_HOW_SERVE, .fn = (f) }

/*
 * A share's composed operations: for each, the one function a request calls
 * and the state it passes, or (fn NULL) the answer -err without a call.
 * Built once at set-up (fs_compose); a READ on a share whose layers all
 * forward it is one indirect call into the passthrough.
 *
 * Node ids with a bit of own_mask set belong to a layer that answers for
 * them itself (augment.c's virtual files): requests addressed to such a node
 * use the table `own` instead (fs_table_for). At most one layer of a share
 * owns ids.
 */
#define FS_ENTRY_FIELD_(op) struct { fs_##op##_fn *fn; void *fs; int err; } op;
struct fs_table {
	FS_OPS(FS_ENTRY_FIELD_)
	uint64_t own_mask;
	const struct fs_table *own;
};
#undef FS_ENTRY_FIELD_

/* The table that serves requests addressed to `nodeid`. */
static inline const struct fs_table *fs_table_for(const struct fs_table *t, uint64_t nodeid)
{
	return (nodeid & t->own_mask) ? t->own : t;
}

/* Call an operation through table entry t->op: -errno if refused. For void
 * operations (forget, destroy) FS_CALL_VOID does nothing when refused. */
#define FS_CALL(t, op, ...) ((t)->op.fn ? (t)->op.fn((t)->op.fs, __VA_ARGS__) : -(t)->op.err)
#define FS_CALL_VOID(t, op, ...)                            \
	do {                                                \
		if ((t)->op.fn)                             \
			(t)->op.fn((t)->op.fs, ##__VA_ARGS__); \
	} while (0)

/*
 * A backend handed to a wrapper or to the server (which takes ownership and
 * calls free(fs) at the end). Either one backend's functions (ops, called
 * with fs: the passthrough, a test's fake) or, from a wrapper
 * (fs_readonly_new, fs_augment_new), a composed share: `table`, ops NULL.
 */
struct fs_backend {
	const struct fs_ops *ops;
	void *fs;
	void (*free)(void *fs); /* releases everything the backend owns */
	const struct fs_table *table;
};

/* The composed table of a backend: *b->table, or b->ops bound to b->fs
 * (an operation it leaves NULL is refused with ENOSYS). -EINVAL if b has
 * neither. */
int fs_backend_table(const struct fs_backend *b, struct fs_table *out);

/*
 * A wrapper layer: its rules for ordinary nodes, the state its CHECK/SERVE
 * functions get, and optionally the node ids it answers for itself
 * (own_mask, with own_rules for requests addressed to them).
 */
struct fs_layer {
	const struct fs_rules *rules;
	void *fs;
	uint64_t own_mask;
	const struct fs_rules *own_rules;
};

/*
 * Compose layer l over the table below it. *out is the table a request meets
 * above l; *own_out receives the table for owned node ids when there are any
 * (l's own, or the one below recomposed under l's rules) and must live as
 * long as *out. 0, or -EINVAL for a rule that cannot be composed (FS_DONE on
 * an operation whose reply has a body, a CHECK or SERVE without a function)
 * or for two layers owning node ids.
 */
int fs_compose(const struct fs_layer *l, const struct fs_table *below, struct fs_table *out,
	       struct fs_table *own_out);

/* Introspection for tests and reviews: the rule for operation `op`. */
enum fs_how fs_rules_how(const struct fs_rules *r, enum fs_op op, int *err);
/* Whether a composed entry calls a function (1) or answers -*err itself (0). */
int fs_table_calls(const struct fs_table *t, enum fs_op op, int *err);
/* The name of an operation, e.g. "copy_file_range". */
const char *fs_op_name(enum fs_op op);

#endif
