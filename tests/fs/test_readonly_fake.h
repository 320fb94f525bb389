/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake inner backend for the read-only wrapper's tests. It records every
 * call, and any mutating operation that reaches it fails the running cmocka
 * test at once: the wrapper must answer those itself.
 *
 * Header-only so that each test program gets its own copy; include after
 * <cmocka.h>.
 */
#ifndef CKRUN_TEST_READONLY_FAKE_H
#define CKRUN_TEST_READONLY_FAKE_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/backend.h"

enum fake_op {
	FK_INIT, FK_DESTROY, FK_LOOKUP, FK_FORGET, FK_GETATTR, FK_READLINK, FK_OPEN, FK_READ,
	FK_STATFS, FK_RELEASE, FK_FLUSH, FK_FSYNC, FK_OPENDIR, FK_READDIR, FK_READDIRPLUS,
	FK_RELEASEDIR, FK_FSYNCDIR, FK_GETXATTR, FK_LISTXATTR, FK_ACCESS, FK_LSEEK,
	FK_SETUPMAPPING, FK_REMOVEMAPPING, FK_FREE,
	/* never allowed to be called through the wrapper */
	FK_IOCTL, FK_SYNCFS, FK_GETLK, FK_SETLK,
	FK_COUNT
};

struct fake_inner {
	int calls[FK_COUNT];
	int total;
	int ret;                 /* what delegated ops return */
	uint64_t init_adds;      /* flags the fake's init turns on */
	struct fuse_open_in last_open;
	uint32_t last_access_mask;
	uint64_t last_map_flags;
	uint64_t last_nodeid;
	bool last_plus;
	int *freed;              /* set to 1 by free, if non-NULL */
};

#define FAKE(p) ((struct fake_inner *)(p))

static inline int fake_rec(void *fs, enum fake_op op)
{
	FAKE(fs)->calls[op]++;
	FAKE(fs)->total++;
	return FAKE(fs)->ret;
}

#define FAKE_FORBIDDEN(name) fail_msg("inner backend reached by mutating op %s", name)

static int fk_init(void *fs, const struct fuse_init_in *in, uint64_t *flags)
{
	(void)in;
	*flags |= FAKE(fs)->init_adds;
	return fake_rec(fs, FK_INIT);
}
static void fk_destroy(void *fs) { fake_rec(fs, FK_DESTROY); }
static int fk_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     struct fuse_entry_out *out)
{
	(void)c, (void)name;
	FAKE(fs)->last_nodeid = parent;
	memset(out, 0, sizeof(*out));
	out->nodeid = 2;
	out->attr.ino = 2;
	out->attr.mode = 0100444;
	return fake_rec(fs, FK_LOOKUP);
}
static void fk_forget(void *fs, uint64_t nodeid, uint64_t nlookup)
{
	(void)nlookup;
	FAKE(fs)->last_nodeid = nodeid;
	fake_rec(fs, FK_FORGET);
}
static int fk_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	(void)c, (void)in;
	FAKE(fs)->last_nodeid = nodeid;
	memset(out, 0, sizeof(*out));
	out->attr.ino = nodeid;
	out->attr.mode = 040555;
	return fake_rec(fs, FK_GETATTR);
}
static int fk_readlink(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fs_iobuf *out)
{
	(void)c, (void)out;
	FAKE(fs)->last_nodeid = nodeid;
	return fake_rec(fs, FK_READLINK);
}
static int fk_open(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		   const struct fuse_open_in *in, struct fuse_open_out *out)
{
	(void)c;
	FAKE(fs)->last_nodeid = nodeid;
	FAKE(fs)->last_open = *in;
	memset(out, 0, sizeof(*out));
	out->fh = 7;
	return fake_rec(fs, FK_OPEN);
}
static int fk_read(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		   const struct fuse_read_in *in, struct fs_iobuf *out)
{
	(void)c, (void)in, (void)out;
	FAKE(fs)->last_nodeid = nodeid;
	return fake_rec(fs, FK_READ);
}
static int fk_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     struct fuse_statfs_out *out, uint64_t *st_flags)
{
	(void)c;
	FAKE(fs)->last_nodeid = nodeid;
	memset(out, 0, sizeof(*out));
	out->st.bsize = 4096;
	out->st.namelen = 255;
	*st_flags = 0x400; /* ST_NOATIME, something the wrapper must keep */
	return fake_rec(fs, FK_STATFS);
}
static int fk_release(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_release_in *in)
{
	(void)c, (void)in;
	FAKE(fs)->last_nodeid = nodeid;
	return fake_rec(fs, FK_RELEASE);
}
static int fk_flush(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_flush_in *in)
{
	(void)c, (void)in;
	FAKE(fs)->last_nodeid = nodeid;
	return fake_rec(fs, FK_FLUSH);
}
static int fk_fsync(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_fsync_in *in)
{
	(void)c, (void)in;
	FAKE(fs)->last_nodeid = nodeid;
	return fake_rec(fs, FK_FSYNC);
}
static int fk_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_open_in *in, struct fuse_open_out *out)
{
	(void)c;
	FAKE(fs)->last_nodeid = nodeid;
	FAKE(fs)->last_open = *in;
	memset(out, 0, sizeof(*out));
	out->fh = 8;
	return fake_rec(fs, FK_OPENDIR);
}
static int fk_readdir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_read_in *in, bool plus, struct fs_iobuf *out)
{
	(void)c, (void)in, (void)out;
	FAKE(fs)->last_nodeid = nodeid;
	FAKE(fs)->last_plus = plus;
	return fake_rec(fs, plus ? FK_READDIRPLUS : FK_READDIR);
}
static int fk_releasedir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			 const struct fuse_release_in *in)
{
	(void)c, (void)in;
	FAKE(fs)->last_nodeid = nodeid;
	return fake_rec(fs, FK_RELEASEDIR);
}
static int fk_fsyncdir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_fsync_in *in)
{
	(void)c, (void)in;
	FAKE(fs)->last_nodeid = nodeid;
	return fake_rec(fs, FK_FSYNCDIR);
}
static int fk_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		       uint32_t size, struct fs_iobuf *out, uint32_t *needed)
{
	(void)c, (void)name, (void)out;
	FAKE(fs)->last_nodeid = nodeid;
	if (size == 0)
		*needed = 3;
	return fake_rec(fs, FK_GETXATTR);
}
static int fk_listxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t size,
			struct fs_iobuf *out, uint32_t *needed)
{
	(void)c, (void)out;
	FAKE(fs)->last_nodeid = nodeid;
	if (size == 0)
		*needed = 5;
	return fake_rec(fs, FK_LISTXATTR);
}
static int fk_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t mask)
{
	(void)c;
	FAKE(fs)->last_nodeid = nodeid;
	FAKE(fs)->last_access_mask = mask;
	return fake_rec(fs, FK_ACCESS);
}
static int fk_lseek(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_lseek_in *in, struct fuse_lseek_out *out)
{
	(void)c;
	FAKE(fs)->last_nodeid = nodeid;
	out->offset = in->offset;
	return fake_rec(fs, FK_LSEEK);
}
static int fk_setupmapping(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			   const struct fuse_setupmapping_in *in, const struct fs_dax_window *w)
{
	(void)c, (void)w;
	FAKE(fs)->last_nodeid = nodeid;
	if (in->flags & FUSE_SETUPMAPPING_FLAG_WRITE)
		FAKE_FORBIDDEN("setupmapping(WRITE)");
	FAKE(fs)->last_map_flags = in->flags;
	return fake_rec(fs, FK_SETUPMAPPING);
}
static int fk_removemapping(void *fs, const struct fs_ctx *c,
			    const struct fuse_removemapping_one *one, uint32_t count,
			    const struct fs_dax_window *w)
{
	(void)c, (void)one, (void)count, (void)w;
	return fake_rec(fs, FK_REMOVEMAPPING);
}

/* Never to be reached through the read-only wrapper. */
static int fk_setattr(void *fs, const struct fs_ctx *c, uint64_t n, const struct fuse_setattr_in *in,
		      struct fuse_attr_out *o)
{
	(void)fs, (void)c, (void)n, (void)in, (void)o;
	FAKE_FORBIDDEN("setattr");
	return -EIO;
}
static int fk_symlink(void *fs, const struct fs_ctx *c, uint64_t p, const char *n, const char *t,
		      struct fuse_entry_out *o)
{
	(void)fs, (void)c, (void)p, (void)n, (void)t, (void)o;
	FAKE_FORBIDDEN("symlink");
	return -EIO;
}
static int fk_mknod(void *fs, const struct fs_ctx *c, uint64_t p, const char *n,
		    const struct fuse_mknod_in *in, struct fuse_entry_out *o)
{
	(void)fs, (void)c, (void)p, (void)n, (void)in, (void)o;
	FAKE_FORBIDDEN("mknod");
	return -EIO;
}
static int fk_mkdir(void *fs, const struct fs_ctx *c, uint64_t p, const char *n,
		    const struct fuse_mkdir_in *in, struct fuse_entry_out *o)
{
	(void)fs, (void)c, (void)p, (void)n, (void)in, (void)o;
	FAKE_FORBIDDEN("mkdir");
	return -EIO;
}
static int fk_unlink(void *fs, const struct fs_ctx *c, uint64_t p, const char *n)
{
	(void)fs, (void)c, (void)p, (void)n;
	FAKE_FORBIDDEN("unlink");
	return -EIO;
}
static int fk_rmdir(void *fs, const struct fs_ctx *c, uint64_t p, const char *n)
{
	(void)fs, (void)c, (void)p, (void)n;
	FAKE_FORBIDDEN("rmdir");
	return -EIO;
}
static int fk_rename(void *fs, const struct fs_ctx *c, uint64_t p, const char *n, uint64_t np,
		     const char *nn, uint32_t fl)
{
	(void)fs, (void)c, (void)p, (void)n, (void)np, (void)nn, (void)fl;
	FAKE_FORBIDDEN("rename");
	return -EIO;
}
static int fk_link(void *fs, const struct fs_ctx *c, uint64_t n, uint64_t np, const char *nn,
		   struct fuse_entry_out *o)
{
	(void)fs, (void)c, (void)n, (void)np, (void)nn, (void)o;
	FAKE_FORBIDDEN("link");
	return -EIO;
}
static int fk_create(void *fs, const struct fs_ctx *c, uint64_t p, const char *n,
		     const struct fuse_create_in *in, struct fuse_entry_out *e, struct fuse_open_out *o)
{
	(void)fs, (void)c, (void)p, (void)n, (void)in, (void)e, (void)o;
	FAKE_FORBIDDEN("create");
	return -EIO;
}
static int fk_write(void *fs, const struct fs_ctx *c, uint64_t n, const struct fuse_write_in *in,
		    struct fs_iobuf *d, struct fuse_write_out *o)
{
	(void)fs, (void)c, (void)n, (void)in, (void)d, (void)o;
	FAKE_FORBIDDEN("write");
	return -EIO;
}
static int fk_fallocate(void *fs, const struct fs_ctx *c, uint64_t n,
			const struct fuse_fallocate_in *in)
{
	(void)fs, (void)c, (void)n, (void)in;
	FAKE_FORBIDDEN("fallocate");
	return -EIO;
}
static int fk_setxattr(void *fs, const struct fs_ctx *c, uint64_t n, const char *name,
		       const void *v, size_t sz, uint32_t fl)
{
	(void)fs, (void)c, (void)n, (void)name, (void)v, (void)sz, (void)fl;
	FAKE_FORBIDDEN("setxattr");
	return -EIO;
}
static int fk_removexattr(void *fs, const struct fs_ctx *c, uint64_t n, const char *name)
{
	(void)fs, (void)c, (void)n, (void)name;
	FAKE_FORBIDDEN("removexattr");
	return -EIO;
}
static int fk_copy_file_range(void *fs, const struct fs_ctx *c, uint64_t n,
			      const struct fuse_copy_file_range_in *in, struct fuse_write_out *o)
{
	(void)fs, (void)c, (void)n, (void)in, (void)o;
	FAKE_FORBIDDEN("copy_file_range");
	return -EIO;
}
static int fk_tmpfile(void *fs, const struct fs_ctx *c, uint64_t p,
		      const struct fuse_create_in *in, struct fuse_entry_out *e, struct fuse_open_out *o)
{
	(void)fs, (void)c, (void)p, (void)in, (void)e, (void)o;
	FAKE_FORBIDDEN("tmpfile");
	return -EIO;
}
static int fk_ioctl(void *fs, const struct fs_ctx *c, uint64_t n, const struct fuse_ioctl_in *in,
		    struct fs_iobuf *di, struct fs_iobuf *o, struct fuse_ioctl_out *r)
{
	(void)c, (void)n, (void)in, (void)di, (void)o, (void)r;
	fake_rec(fs, FK_IOCTL);
	FAKE_FORBIDDEN("ioctl");
	return -EIO;
}
static int fk_getlk(void *fs, const struct fs_ctx *c, uint64_t n, const struct fuse_lk_in *in,
		    struct fuse_lk_out *o)
{
	(void)c, (void)n, (void)in, (void)o;
	fake_rec(fs, FK_GETLK);
	FAKE_FORBIDDEN("getlk");
	return -EIO;
}
static int fk_setlk(void *fs, const struct fs_ctx *c, uint64_t n, const struct fuse_lk_in *in,
		    bool sleep)
{
	(void)c, (void)n, (void)in, (void)sleep;
	fake_rec(fs, FK_SETLK);
	FAKE_FORBIDDEN("setlk");
	return -EIO;
}
static int fk_syncfs(void *fs, const struct fs_ctx *c, uint64_t n)
{
	(void)c, (void)n;
	fake_rec(fs, FK_SYNCFS);
	FAKE_FORBIDDEN("syncfs");
	return -EIO;
}

/* Every operation filled in, so that a wrapper that forwards anything it
 * should not is caught by the fake rather than hidden behind a NULL. */
static const struct fs_ops fake_ops = {
	.init = fk_init, .destroy = fk_destroy, .lookup = fk_lookup, .forget = fk_forget,
	.getattr = fk_getattr, .setattr = fk_setattr, .readlink = fk_readlink,
	.symlink = fk_symlink, .mknod = fk_mknod, .mkdir = fk_mkdir, .unlink = fk_unlink,
	.rmdir = fk_rmdir, .rename = fk_rename, .link = fk_link, .open = fk_open,
	.create = fk_create, .read = fk_read, .write = fk_write, .statfs = fk_statfs,
	.release = fk_release, .flush = fk_flush, .fsync = fk_fsync, .opendir = fk_opendir,
	.readdir = fk_readdir, .releasedir = fk_releasedir, .fsyncdir = fk_fsyncdir,
	.setxattr = fk_setxattr, .getxattr = fk_getxattr, .listxattr = fk_listxattr,
	.removexattr = fk_removexattr, .access = fk_access, .fallocate = fk_fallocate,
	.lseek = fk_lseek, .copy_file_range = fk_copy_file_range, .ioctl = fk_ioctl,
	.getlk = fk_getlk, .setlk = fk_setlk, .syncfs = fk_syncfs, .tmpfile = fk_tmpfile,
	.setupmapping = fk_setupmapping, .removemapping = fk_removemapping,
};

static void fk_free(void *fs)
{
	if (FAKE(fs)->freed)
		*FAKE(fs)->freed = 1;
	free(fs);
}

static inline struct fs_backend fake_backend(struct fake_inner **fake, int *freed)
{
	struct fake_inner *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->freed = freed;
	*fake = f;
	return (struct fs_backend){ .ops = &fake_ops, .fs = f, .free = fk_free };
}

#endif
