/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The filesystem backend interface: what the FUSE server (server.c) calls once a
 * request has been parsed and bounds-checked. Backends: passthrough.c (a host
 * directory), readonly.c (wraps another backend, refuses every mutation),
 * augment.c (virtual entries such as /init.krun on top of another backend).
 *
 * Conventions:
 *  - every operation returns 0 or -errno; the server turns -errno into a
 *    header-only error reply;
 *  - a NULL operation means "not supported": the server answers ENOSYS. A
 *    wrapper that leaves an operation NULL therefore fails closed;
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

struct fs_ops {
	/* *flags: in = what the guest offered intersected with what the server
	 * supports; out = what the backend enables. Backends clear, never add,
	 * bits they cannot honour (readonly.c strips FUSE_WRITEBACK_CACHE). */
	int (*init)(void *fs, const struct fuse_init_in *in, uint64_t *flags);
	void (*destroy)(void *fs);

	int (*lookup)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      struct fuse_entry_out *out);
	void (*forget)(void *fs, uint64_t nodeid, uint64_t nlookup);
	int (*getattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_getattr_in *in, struct fuse_attr_out *out);
	int (*setattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_setattr_in *in, struct fuse_attr_out *out);
	int (*readlink)(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fs_iobuf *out);
	int (*symlink)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		       const char *target, struct fuse_entry_out *out);
	int (*mknod)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const struct fuse_mknod_in *in, struct fuse_entry_out *out);
	int (*mkdir)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const struct fuse_mkdir_in *in, struct fuse_entry_out *out);
	int (*unlink)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name);
	int (*rmdir)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name);
	/* RENAME (flags = 0) and RENAME2 (RENAME_NOREPLACE/EXCHANGE/WHITEOUT). */
	int (*rename)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      uint64_t newparent, const char *newname, uint32_t flags);
	int (*link)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
		    const char *newname, struct fuse_entry_out *out);
	int (*open)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_open_in *in, struct fuse_open_out *out);
	int (*create)(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      const struct fuse_create_in *in, struct fuse_entry_out *entry,
		      struct fuse_open_out *open);
	/* Data goes straight into `out` (fs_iobuf_pread); the server sizes it. */
	int (*read)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_read_in *in, struct fs_iobuf *out);
	/* `data` holds exactly in->size bytes (fs_iobuf_pwrite). */
	int (*write)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_write_in *in, struct fs_iobuf *data,
		     struct fuse_write_out *out);
	int (*statfs)(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fuse_statfs_out *out,
		      uint64_t *st_flags /* host f_flag, e.g. ST_RDONLY; not on the wire */);
	int (*release)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_release_in *in);
	int (*flush)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_flush_in *in);
	int (*fsync)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_fsync_in *in);
	int (*opendir)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_open_in *in, struct fuse_open_out *out);
	/* READDIR and READDIRPLUS: write whole dirents into `out`, stop before one
	 * that does not fit; READDIRPLUS takes a lookup reference only for the
	 * entries it actually wrote. */
	int (*readdir)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_read_in *in, bool plus, struct fs_iobuf *out);
	int (*releasedir)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			  const struct fuse_release_in *in);
	int (*fsyncdir)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_fsync_in *in);
	int (*setxattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
			const void *value, size_t size, uint32_t flags);
	/* size == 0: return the needed size in *needed, write nothing. Else write
	 * the value into `out`; -ERANGE if it does not fit in `size`. */
	int (*getxattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
			uint32_t size, struct fs_iobuf *out, uint32_t *needed);
	int (*listxattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t size,
			 struct fs_iobuf *out, uint32_t *needed);
	int (*removexattr)(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name);
	int (*access)(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t mask);
	int (*fallocate)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			 const struct fuse_fallocate_in *in);
	int (*lseek)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_lseek_in *in, struct fuse_lseek_out *out);
	int (*copy_file_range)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			       const struct fuse_copy_file_range_in *in, struct fuse_write_out *out);
	/* `in` holds in->in_size bytes; write at most in->out_size bytes to `out`. */
	int (*ioctl)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_ioctl_in *in, struct fs_iobuf *data_in,
		     struct fs_iobuf *out, struct fuse_ioctl_out *res);
	int (*getlk)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_lk_in *in, struct fuse_lk_out *out);
	int (*setlk)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_lk_in *in, bool sleep);
	int (*syncfs)(void *fs, const struct fs_ctx *c, uint64_t nodeid);
	int (*tmpfile)(void *fs, const struct fs_ctx *c, uint64_t parent,
		       const struct fuse_create_in *in, struct fuse_entry_out *entry,
		       struct fuse_open_out *open);
	/* DAX (only when the server has a window; else the server answers ENOSYS). */
	int (*setupmapping)(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			    const struct fuse_setupmapping_in *in, const struct fs_dax_window *w);
	int (*removemapping)(void *fs, const struct fs_ctx *c, const struct fuse_removemapping_one *one,
			     uint32_t count, const struct fs_dax_window *w);
};

/* A backend instance: its operations and its private state. */
struct fs_backend {
	const struct fs_ops *ops;
	void *fs;
	void (*free)(void *fs); /* releases everything the backend owns */
};

#endif
