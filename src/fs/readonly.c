/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The read-only wrapper: a layer between the FUSE server and another backend
 * (normally the passthrough) that refuses every operation that could change
 * the share, without calling the layer below.
 *
 * The whole policy is the table ro_rules at the end of this file (exported
 * as fs_readonly_rules for tests/fs/test_readonly_opcodes.c). Fail closed:
 * an operation the table does not name is refused with ENOSYS, also when the
 * layer below implements it, so an operation added to FS_OPS later stays
 * refused until someone decides what it means for a read-only share. The
 * operations that reach the layer below either only read (FS_FORWARD) or are
 * checked here first (FS_CHECK, FS_SERVE).
 */
#include "fs/readonly.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct ro_fs {
	struct fs_backend inner; /* owned: freed with the wrapper */
	struct fs_table below;   /* what the checked operations call */
	struct fs_table table;   /* the composed table handed out */
	struct fs_table own;     /* node ids owned below (fs_compose), if any */
};

/* The layer below, for a request addressed to `nodeid`. */
#define BELOW(fs, nodeid) fs_table_for(&((struct ro_fs *)(fs))->below, (nodeid))

/*
 * The O_TMPFILE bit without the O_DIRECTORY bit it is defined together with
 * (glibc and the kernel define O_TMPFILE as __O_TMPFILE | O_DIRECTORY): any
 * request carrying that bit asks for a new file, whatever else it carries.
 */
#define RO_TMPFILE_BIT ((uint32_t)(O_TMPFILE & ~O_DIRECTORY))

/*
 * Open flags a read-only share accepts: read access only; nothing that
 * creates (O_CREAT, O_TMPFILE) or truncates (O_TRUNC, which the host would
 * honour even on a read-access open). O_APPEND alone is harmless on a
 * read-only descriptor and is allowed, as in libkrun.
 */
static int ro_check_open_flags(uint32_t flags)
{
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	if (flags & (O_TRUNC | O_CREAT))
		return -EROFS;
	if (flags & RO_TMPFILE_BIT)
		return -EROFS;
	return 0;
}

/* The request the inner backend sees: access mode forced to O_RDONLY, and no
 * request to kill suid/sgid bits (that only makes sense for a truncating or
 * writing open, both refused). */
static struct fuse_open_in ro_open_in(const struct fuse_open_in *in)
{
	struct fuse_open_in copy = *in;

	copy.flags = (copy.flags & ~(uint32_t)O_ACCMODE) | O_RDONLY;
#ifdef FUSE_OPEN_KILL_SUIDGID
	copy.open_flags &= ~(uint32_t)FUSE_OPEN_KILL_SUIDGID;
#endif
	return copy;
}

/* ---- checked here, then the layer below ---------------------------------- */

static int ro_init(void *fs, const struct fuse_init_in *in, uint64_t *flags)
{
	const struct fs_table *b = &((struct ro_fs *)fs)->below;
	int r = 0;

	if (b->init.fn)
		r = b->init.fn(b->init.fs, in, flags);
	/* Writeback caching would let the guest kernel buffer writes and report
	 * success before the host refuses them: never negotiated here, whatever
	 * the layer below or the guest asks for. */
	*flags &= ~(uint64_t)FUSE_WRITEBACK_CACHE;
	return r;
}

/* OPEN and OPENDIR: refused (ro_check_open_flags), else the filtered copy. */
static int ro_filter_open(const struct fuse_open_in *in, struct fuse_open_in *copy)
{
	int r = ro_check_open_flags(in->flags);

	if (r)
		return r;
	*copy = ro_open_in(in);
	return 0;
}

static int ro_open(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		   const struct fuse_open_in *in, struct fuse_open_out *out)
{
	struct fuse_open_in copy;
	int r = ro_filter_open(in, &copy);

	return r ? r : FS_CALL(BELOW(fs, nodeid), open, c, nodeid, &copy, out);
}

/* Directories take the same filter: a write mode is refused, and so are the
 * creating and truncating bits (O_TMPFILE carries O_DIRECTORY, so it could
 * otherwise arrive here). */
static int ro_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_open_in *in, struct fuse_open_out *out)
{
	struct fuse_open_in copy;
	int r = ro_filter_open(in, &copy);

	return r ? r : FS_CALL(BELOW(fs, nodeid), opendir, c, nodeid, &copy, out);
}

static int ro_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     struct fuse_statfs_out *out, uint64_t *st_flags)
{
	int r = FS_CALL(BELOW(fs, nodeid), statfs, c, nodeid, out, st_flags);

	if (r == 0)
		*st_flags |= ST_RDONLY;
	return r;
}

static int ro_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t mask)
{
	if (mask & W_OK)
		return -EROFS;
	return FS_CALL(BELOW(fs, nodeid), access, c, nodeid, mask);
}

static int ro_setupmapping(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			   const struct fuse_setupmapping_in *in, const struct fs_dax_window *w)
{
	if (in->flags & FUSE_SETUPMAPPING_FLAG_WRITE)
		return -EROFS;
	/* A flag this wrapper does not know could mean anything: refuse it. */
	if (in->flags & ~(uint64_t)FUSE_SETUPMAPPING_FLAG_READ)
		return -EINVAL;
	return FS_CALL(BELOW(fs, nodeid), setupmapping, c, nodeid, in, w);
}

/*
 * THE read-only policy. Every operation of FS_OPS is named once; an operation
 * missing here would be refused with ENOSYS (fail closed).
 */
static const struct fs_rules ro_rules = {
	/* reads, and the bookkeeping of what was read: the layer below answers */
	.lookup = FS_FORWARD,   .getattr = FS_FORWARD,   .readlink = FS_FORWARD,
	.read = FS_FORWARD,     .readdir = FS_FORWARD,   .lseek = FS_FORWARD,
	.getxattr = FS_FORWARD, .listxattr = FS_FORWARD, .forget = FS_FORWARD,
	.release = FS_FORWARD,  .releasedir = FS_FORWARD, .flush = FS_FORWARD,
	.destroy = FS_FORWARD,  .removemapping = FS_FORWARD,
	/* fsync of a descriptor opened read-only: no data of this share to write */
	.fsync = FS_FORWARD,    .fsyncdir = FS_FORWARD,
	/* checked here, then the layer below */
	.init = FS_SERVE(ro_init),               /* FUSE_WRITEBACK_CACHE never offered */
	.open = FS_CHECK(ro_open),               /* read access only; no O_CREAT, O_TRUNC, O_TMPFILE */
	.opendir = FS_CHECK(ro_opendir),         /* the same */
	.access = FS_CHECK(ro_access),           /* W_OK: EROFS */
	.statfs = FS_CHECK(ro_statfs),           /* reports ST_RDONLY */
	.setupmapping = FS_CHECK(ro_setupmapping), /* read mappings only */
	/* answered here */
	.syncfs = FS_DONE,        /* nothing dirty; a host-wide syncfs(2) is not the guest's to cause */
	.ioctl = FS_REFUSE(ENOTTY), /* none passed on (the exit-code ioctl never gets here) */
	/* mutations: refused, the layer below is never called */
	.setattr = FS_REFUSE(EROFS),  .symlink = FS_REFUSE(EROFS),    .mknod = FS_REFUSE(EROFS),
	.mkdir = FS_REFUSE(EROFS),    .unlink = FS_REFUSE(EROFS),     .rmdir = FS_REFUSE(EROFS),
	.rename = FS_REFUSE(EROFS),   .link = FS_REFUSE(EROFS),       .create = FS_REFUSE(EROFS),
	.write = FS_REFUSE(EROFS),    .fallocate = FS_REFUSE(EROFS),  .setxattr = FS_REFUSE(EROFS),
	.removexattr = FS_REFUSE(EROFS), .copy_file_range = FS_REFUSE(EROFS),
	.tmpfile = FS_REFUSE(EROFS),
	/* POSIX locks: not offered, as on the read-write passthrough */
	.getlk = FS_REFUSE(ENOSYS),   .setlk = FS_REFUSE(ENOSYS),
};

const struct fs_rules *const fs_readonly_rules = &ro_rules;

static void ro_free(void *fs)
{
	struct ro_fs *ro = fs;

	if (!ro)
		return;
	if (ro->inner.free)
		ro->inner.free(ro->inner.fs);
	free(ro);
}

int fs_readonly_new(struct fs_backend inner, struct fs_backend *out)
{
	struct ro_fs *ro;
	int rc;

	if ((!inner.ops && !inner.table) || !out) {
		if (inner.free)
			inner.free(inner.fs);
		return -EINVAL;
	}
	ro = calloc(1, sizeof(*ro));
	if (!ro) {
		if (inner.free)
			inner.free(inner.fs);
		return -ENOMEM;
	}
	ro->inner = inner;
	struct fs_layer l = { .rules = &ro_rules, .fs = ro };
	if ((rc = fs_backend_table(&inner, &ro->below)) < 0 ||
	    (rc = fs_compose(&l, &ro->below, &ro->table, &ro->own)) < 0) {
		ro_free(ro);
		return rc;
	}
	*out = (struct fs_backend){ .fs = ro, .free = ro_free, .table = &ro->table };
	return 0;
}
