/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The read-only wrapper: a backend that sits between the FUSE server and
 * another backend (normally the passthrough) and refuses every operation that
 * could change the share, without calling the inner backend.
 *
 * Fail closed: the operation table below is one explicit designated
 * initializer. An operation it does not name stays NULL, and the server
 * answers ENOSYS for a NULL operation, so an operation added to struct fs_ops
 * later is refused until someone decides what it means for a read-only share.
 * Every entry that reaches the inner backend is listed under "delegated" and
 * is either harmless (it reads) or filtered here first.
 */
#include "fs/readonly.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct ro_fs {
	struct fs_backend inner;
};

#define INNER(fs) (&((struct ro_fs *)(fs))->inner)

/* Call the inner backend's operation, or answer ENOSYS if it has none. */
#define DELEGATE(fs, op, ...)                                                     \
	(INNER(fs)->ops->op ? INNER(fs)->ops->op(INNER(fs)->fs, __VA_ARGS__) : -ENOSYS)

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

/* ---- delegated, filtered ---------------------------------------------- */

static int ro_init(void *fs, const struct fuse_init_in *in, uint64_t *flags)
{
	int r = 0;

	if (INNER(fs)->ops->init)
		r = INNER(fs)->ops->init(INNER(fs)->fs, in, flags);
	/* Writeback caching would let the guest kernel buffer writes and report
	 * success before the host refuses them: never negotiated here, whatever
	 * the inner backend or the guest asks for. */
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

	return r ? r : DELEGATE(fs, open, c, nodeid, &copy, out);
}

/* Directories take the same filter: a write mode is refused, and so are the
 * creating and truncating bits (O_TMPFILE carries O_DIRECTORY, so it could
 * otherwise arrive here). */
static int ro_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_open_in *in, struct fuse_open_out *out)
{
	struct fuse_open_in copy;
	int r = ro_filter_open(in, &copy);

	return r ? r : DELEGATE(fs, opendir, c, nodeid, &copy, out);
}

static int ro_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     struct fuse_statfs_out *out, uint64_t *st_flags)
{
	int r = DELEGATE(fs, statfs, c, nodeid, out, st_flags);

	if (r == 0)
		*st_flags |= ST_RDONLY;
	return r;
}

static int ro_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t mask)
{
	if (mask & W_OK)
		return -EROFS;
	return DELEGATE(fs, access, c, nodeid, mask);
}

static int ro_setupmapping(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			   const struct fuse_setupmapping_in *in, const struct fs_dax_window *w)
{
	if (in->flags & FUSE_SETUPMAPPING_FLAG_WRITE)
		return -EROFS;
	/* A flag this wrapper does not know could mean anything: refuse it. */
	if (in->flags & ~(uint64_t)FUSE_SETUPMAPPING_FLAG_READ)
		return -EINVAL;
	return DELEGATE(fs, setupmapping, c, nodeid, in, w);
}

/*
 * Every ioctl that reaches a backend is refused without asking the inner one:
 * the only ioctl a ckrun guest needs, the exit-code ioctl, is consumed by the
 * server before any backend. ENOTTY ("not supported here") rather than EROFS
 * because most ioctls do not modify anything; none of them is passed on.
 */
static int ro_ioctl(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_ioctl_in *in, struct fs_iobuf *data_in,
		    struct fs_iobuf *out, struct fuse_ioctl_out *res)
{
	(void)fs, (void)c, (void)nodeid, (void)in, (void)data_in, (void)out, (void)res;
	return -ENOTTY;
}

/*
 * Nothing written through this share can be dirty, so there is nothing to
 * sync. Answer success without calling syncfs(2) on the host, which would
 * flush the whole host filesystem and let a guest force host-wide writeback
 * at will.
 */
static int ro_syncfs(void *fs, const struct fs_ctx *c, uint64_t nodeid)
{
	(void)fs, (void)c, (void)nodeid;
	return 0;
}

/* ---- delegated unchanged: these only read ------------------------------ */

static void ro_destroy(void *fs)
{
	if (INNER(fs)->ops->destroy)
		INNER(fs)->ops->destroy(INNER(fs)->fs);
}

static int ro_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     struct fuse_entry_out *out)
{
	return DELEGATE(fs, lookup, c, parent, name, out);
}

static void ro_forget(void *fs, uint64_t nodeid, uint64_t nlookup)
{
	if (INNER(fs)->ops->forget)
		INNER(fs)->ops->forget(INNER(fs)->fs, nodeid, nlookup);
}

static int ro_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	return DELEGATE(fs, getattr, c, nodeid, in, out);
}

static int ro_readlink(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fs_iobuf *out)
{
	return DELEGATE(fs, readlink, c, nodeid, out);
}

static int ro_read(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		   const struct fuse_read_in *in, struct fs_iobuf *out)
{
	return DELEGATE(fs, read, c, nodeid, in, out);
}

static int ro_release(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_release_in *in)
{
	return DELEGATE(fs, release, c, nodeid, in);
}

static int ro_flush(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_flush_in *in)
{
	return DELEGATE(fs, flush, c, nodeid, in);
}

static int ro_fsync(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_fsync_in *in)
{
	return DELEGATE(fs, fsync, c, nodeid, in);
}

static int ro_readdir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_read_in *in, bool plus, struct fs_iobuf *out)
{
	return DELEGATE(fs, readdir, c, nodeid, in, plus, out);
}

static int ro_releasedir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			 const struct fuse_release_in *in)
{
	return DELEGATE(fs, releasedir, c, nodeid, in);
}

static int ro_fsyncdir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_fsync_in *in)
{
	return DELEGATE(fs, fsyncdir, c, nodeid, in);
}

static int ro_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		       uint32_t size, struct fs_iobuf *out, uint32_t *needed)
{
	return DELEGATE(fs, getxattr, c, nodeid, name, size, out, needed);
}

static int ro_listxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t size,
			struct fs_iobuf *out, uint32_t *needed)
{
	return DELEGATE(fs, listxattr, c, nodeid, size, out, needed);
}

static int ro_lseek(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_lseek_in *in, struct fuse_lseek_out *out)
{
	return DELEGATE(fs, lseek, c, nodeid, in, out);
}

static int ro_removemapping(void *fs, const struct fs_ctx *c,
			    const struct fuse_removemapping_one *one, uint32_t count,
			    const struct fs_dax_window *w)
{
	return DELEGATE(fs, removemapping, c, one, count, w);
}

/* ---- refused: EROFS, the inner backend is never called ------------------ */

static int ro_setattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_setattr_in *in, struct fuse_attr_out *out)
{
	/* Every attribute, including atime-only, size and FATTR_FH-only. */
	(void)fs, (void)c, (void)nodeid, (void)in, (void)out;
	return -EROFS;
}

static int ro_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      const char *target, struct fuse_entry_out *out)
{
	(void)fs, (void)c, (void)parent, (void)name, (void)target, (void)out;
	return -EROFS;
}

static int ro_mknod(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    const struct fuse_mknod_in *in, struct fuse_entry_out *out)
{
	(void)fs, (void)c, (void)parent, (void)name, (void)in, (void)out;
	return -EROFS;
}

static int ro_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    const struct fuse_mkdir_in *in, struct fuse_entry_out *out)
{
	(void)fs, (void)c, (void)parent, (void)name, (void)in, (void)out;
	return -EROFS;
}

static int ro_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	(void)fs, (void)c, (void)parent, (void)name;
	return -EROFS;
}

static int ro_rmdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	(void)fs, (void)c, (void)parent, (void)name;
	return -EROFS;
}

/* RENAME and RENAME2 (any flags, including RENAME_EXCHANGE and WHITEOUT). */
static int ro_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     uint64_t newparent, const char *newname, uint32_t flags)
{
	(void)fs, (void)c, (void)parent, (void)name, (void)newparent, (void)newname, (void)flags;
	return -EROFS;
}

static int ro_link(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
		   const char *newname, struct fuse_entry_out *out)
{
	(void)fs, (void)c, (void)nodeid, (void)newparent, (void)newname, (void)out;
	return -EROFS;
}

/* CREATE always asks for a new name (O_CREAT is implied), whatever its flags. */
static int ro_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const struct fuse_create_in *in, struct fuse_entry_out *entry,
		     struct fuse_open_out *open)
{
	(void)fs, (void)c, (void)parent, (void)name, (void)in, (void)entry, (void)open;
	return -EROFS;
}

static int ro_write(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_write_in *in, struct fs_iobuf *data,
		    struct fuse_write_out *out)
{
	(void)fs, (void)c, (void)nodeid, (void)in, (void)data, (void)out;
	return -EROFS;
}

static int ro_fallocate(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_fallocate_in *in)
{
	(void)fs, (void)c, (void)nodeid, (void)in;
	return -EROFS;
}

static int ro_setxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		       const void *value, size_t size, uint32_t flags)
{
	(void)fs, (void)c, (void)nodeid, (void)name, (void)value, (void)size, (void)flags;
	return -EROFS;
}

static int ro_removexattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name)
{
	(void)fs, (void)c, (void)nodeid, (void)name;
	return -EROFS;
}

static int ro_copy_file_range(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			      const struct fuse_copy_file_range_in *in, struct fuse_write_out *out)
{
	(void)fs, (void)c, (void)nodeid, (void)in, (void)out;
	return -EROFS;
}

static int ro_tmpfile(void *fs, const struct fs_ctx *c, uint64_t parent,
		      const struct fuse_create_in *in, struct fuse_entry_out *entry,
		      struct fuse_open_out *open)
{
	(void)fs, (void)c, (void)parent, (void)in, (void)entry, (void)open;
	return -EROFS;
}

/*
 * The whole table. getlk and setlk are deliberately absent (ENOSYS, as on the
 * read-write passthrough). Anything else absent is an operation nobody has
 * reviewed for read-only use: it must stay absent until someone does.
 */
static const struct fs_ops ro_ops = {
	/* delegated, filtered */
	.init = ro_init,
	.open = ro_open,
	.opendir = ro_opendir,
	.statfs = ro_statfs,
	.access = ro_access,
	.setupmapping = ro_setupmapping,
	/* answered here, the inner backend is not asked */
	.ioctl = ro_ioctl,
	.syncfs = ro_syncfs,
	/* delegated unchanged */
	.destroy = ro_destroy,
	.lookup = ro_lookup,
	.forget = ro_forget,
	.getattr = ro_getattr,
	.readlink = ro_readlink,
	.read = ro_read,
	.release = ro_release,
	.flush = ro_flush,
	.fsync = ro_fsync,
	.readdir = ro_readdir,
	.releasedir = ro_releasedir,
	.fsyncdir = ro_fsyncdir,
	.getxattr = ro_getxattr,
	.listxattr = ro_listxattr,
	.lseek = ro_lseek,
	.removemapping = ro_removemapping,
	/* refused with EROFS */
	.setattr = ro_setattr,
	.symlink = ro_symlink,
	.mknod = ro_mknod,
	.mkdir = ro_mkdir,
	.unlink = ro_unlink,
	.rmdir = ro_rmdir,
	.rename = ro_rename,
	.link = ro_link,
	.create = ro_create,
	.write = ro_write,
	.fallocate = ro_fallocate,
	.setxattr = ro_setxattr,
	.removexattr = ro_removexattr,
	.copy_file_range = ro_copy_file_range,
	.tmpfile = ro_tmpfile,
	/* .getlk, .setlk: NULL -> ENOSYS */
};

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

	if (!inner.ops || !out) {
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
	out->ops = &ro_ops;
	out->fs = ro;
	out->free = ro_free;
	return 0;
}
