/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Virtual read-only files at the root of a share, over another backend: this
 * is how /init.krun reaches the guest without ever touching the host disk.
 *
 * Node ids: virtual file k has node id AUG_ID_BASE | k. The inner backend's
 * ids are table indexes, far below 2^63; an inner id with the top bit set
 * would be ambiguous, so an entry reply carrying one is refused (EIO) after
 * giving the reference back.
 *
 * Every operation is routed explicitly:
 *  - on a virtual node: served here (read-only; mutations get EPERM, a
 *    write-mode open EACCES, access(W_OK) EACCES);
 *  - naming a virtual file at the root (create, mkdir, rename, unlink, ...):
 *    refused (EEXIST for creation, EPERM otherwise);
 *  - anything else: delegated to the inner backend, but only when the inner
 *    backend implements it. The ops table is built per instance and keeps
 *    NULL wherever the inner backend has NULL, so the server still answers
 *    ENOSYS and a read-only inner backend stays exactly as read-only.
 */
#include "fs/augment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define AUG_ID_BASE (1ULL << 63)
#define AUG_MAX_FILES 16
#define AUG_TIMEOUT_S 5 /* entry/attr validity, as the server's other replies */

struct augment {
	struct fs_backend inner;
	struct fs_ops ops;     /* this instance's table (see fs_augment_new) */
	struct fs_virtual_file files[AUG_MAX_FILES];
	int nr;
	uint64_t ctime;        /* times reported for the virtual files */
};

static inline bool is_virtual(uint64_t id)
{
	return (id & AUG_ID_BASE) != 0;
}

/* The virtual file for a node id, or NULL (unknown virtual ids included). */
static const struct fs_virtual_file *vfile(const struct augment *a, uint64_t id)
{
	if (!is_virtual(id))
		return NULL;
	uint64_t k = id & ~AUG_ID_BASE;
	return k < (uint64_t)a->nr ? &a->files[k] : NULL;
}

/* Index of a virtual name at the root, or -1. */
static int vname(const struct augment *a, uint64_t parent, const char *name)
{
	if (parent != FUSE_ROOT_ID || !name)
		return -1;
	for (int i = 0; i < a->nr; i++)
		if (strcmp(a->files[i].name, name) == 0)
			return i;
	return -1;
}

static void fill_attr(const struct augment *a, int k, struct fuse_attr *attr)
{
	const struct fs_virtual_file *f = &a->files[k];
	memset(attr, 0, sizeof(*attr));
	attr->ino = AUG_ID_BASE | (uint64_t)k;
	attr->size = f->size;
	attr->blocks = (f->size + 511) / 512;
	attr->atime = attr->mtime = attr->ctime = a->ctime;
	attr->mode = f->mode;
	attr->nlink = 1;
	attr->blksize = 4096;
}

static void fill_entry(const struct augment *a, int k, struct fuse_entry_out *out)
{
	memset(out, 0, sizeof(*out));
	out->nodeid = AUG_ID_BASE | (uint64_t)k;
	out->generation = 0;
	out->entry_valid = AUG_TIMEOUT_S;
	out->attr_valid = AUG_TIMEOUT_S;
	fill_attr(a, k, &out->attr);
}

/* An inner entry reply must not carry an id from our range. */
static int check_entry(struct augment *a, int rc, const struct fuse_entry_out *out)
{
	if (rc < 0 || !is_virtual(out->nodeid))
		return rc;
	if (a->inner.ops->forget)
		a->inner.ops->forget(a->inner.fs, out->nodeid, 1);
	return -EIO;
}

#define INNER(a) ((a)->inner.ops)
#define IFS(a) ((a)->inner.fs)
/* Pass an operation on to the inner backend; ENOSYS where it has none. */
#define DELEGATE(a, op, ...) (INNER(a)->op ? INNER(a)->op(IFS(a), __VA_ARGS__) : -ENOSYS)

/* --- lifecycle --- */

static int aug_init(void *fs, const struct fuse_init_in *in, uint64_t *flags)
{
	struct augment *a = fs;
	return INNER(a)->init(IFS(a), in, flags);
}

static void aug_destroy(void *fs)
{
	struct augment *a = fs;
	INNER(a)->destroy(IFS(a));
}

/* --- served for virtual nodes, delegated otherwise --- */

static int aug_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      struct fuse_entry_out *out)
{
	struct augment *a = fs;
	int k = vname(a, parent, name);
	if (k >= 0) {
		fill_entry(a, k, out);
		return 0;
	}
	if (is_virtual(parent))
		return -ENOTDIR;
	return check_entry(a, DELEGATE(a, lookup, c, parent, name, out), out);
}

static void aug_forget(void *fs, uint64_t nodeid, uint64_t nlookup)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return; /* virtual nodes live as long as the backend */
	if (INNER(a)->forget)
		INNER(a)->forget(IFS(a), nodeid, nlookup);
}

static int aug_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid)) {
		const struct fs_virtual_file *f = vfile(a, nodeid);
		if (!f)
			return -ENOENT;
		memset(out, 0, sizeof(*out));
		out->attr_valid = AUG_TIMEOUT_S;
		fill_attr(a, (int)(f - a->files), &out->attr);
		return 0;
	}
	return DELEGATE(a, getattr, c, nodeid, in, out);
}

static int aug_open(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_open_in *in, struct fuse_open_out *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid)) {
		const struct fs_virtual_file *f = vfile(a, nodeid);
		if (!f)
			return -ENOENT;
		if ((in->flags & O_ACCMODE) != O_RDONLY || (in->flags & (O_TRUNC | O_APPEND)))
			return -EACCES;
		memset(out, 0, sizeof(*out));
		out->fh = nodeid; /* RELEASE/READ are routed by node id, not by fh */
		out->open_flags = FOPEN_KEEP_CACHE;
		return 0;
	}
	return DELEGATE(a, open, c, nodeid, in, out);
}

static int aug_read(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_read_in *in, struct fs_iobuf *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid)) {
		const struct fs_virtual_file *f = vfile(a, nodeid);
		if (!f)
			return -ENOENT;
		if (in->offset >= f->size)
			return 0;
		size_t n = f->size - in->offset;
		if (n > in->size)
			n = in->size;
		if (n > fs_iobuf_remaining(out))
			n = fs_iobuf_remaining(out);
		return fs_iobuf_write(out, (const char *)f->data + in->offset, n);
	}
	return DELEGATE(a, read, c, nodeid, in, out);
}

static int aug_release(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_release_in *in)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return 0;
	return DELEGATE(a, release, c, nodeid, in);
}

static int aug_flush(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_flush_in *in)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return 0;
	return DELEGATE(a, flush, c, nodeid, in);
}

static int aug_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t mask)
{
	struct augment *a = fs;
	if (is_virtual(nodeid)) {
		if (!vfile(a, nodeid))
			return -ENOENT;
		return (mask & W_OK) ? -EACCES : 0;
	}
	return DELEGATE(a, access, c, nodeid, mask);
}

static int aug_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
			uint32_t size, struct fs_iobuf *out, uint32_t *needed)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return vfile(a, nodeid) ? -ENODATA : -ENOENT;
	return DELEGATE(a, getxattr, c, nodeid, name, size, out, needed);
}

static int aug_listxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t size,
			 struct fs_iobuf *out, uint32_t *needed)
{
	struct augment *a = fs;
	if (is_virtual(nodeid)) {
		if (!vfile(a, nodeid))
			return -ENOENT;
		*needed = 0; /* an empty list */
		return 0;
	}
	return DELEGATE(a, listxattr, c, nodeid, size, out, needed);
}

/* --- refused on virtual nodes/names, delegated otherwise --- */

static int aug_setattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_setattr_in *in, struct fuse_attr_out *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -EPERM;
	return INNER(a)->setattr(IFS(a), c, nodeid, in, out);
}

static int aug_readlink(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fs_iobuf *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -EINVAL;
	return INNER(a)->readlink(IFS(a), c, nodeid, out);
}

/* Common guard for operations that create `name` in `parent`. */
static int creating(const struct augment *a, uint64_t parent, const char *name)
{
	if (is_virtual(parent))
		return -ENOTDIR;
	if (vname(a, parent, name) >= 0)
		return -EEXIST;
	return 0;
}

/* Common guard for operations that remove or replace `name` in `parent`. */
static int removing(const struct augment *a, uint64_t parent, const char *name)
{
	if (is_virtual(parent))
		return -ENOTDIR;
	if (vname(a, parent, name) >= 0)
		return -EPERM;
	return 0;
}

static int aug_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		       const char *target, struct fuse_entry_out *out)
{
	struct augment *a = fs;
	int rc = creating(a, parent, name);
	if (rc)
		return rc;
	return check_entry(a, INNER(a)->symlink(IFS(a), c, parent, name, target, out), out);
}

static int aug_mknod(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const struct fuse_mknod_in *in, struct fuse_entry_out *out)
{
	struct augment *a = fs;
	int rc = creating(a, parent, name);
	if (rc)
		return rc;
	return check_entry(a, INNER(a)->mknod(IFS(a), c, parent, name, in, out), out);
}

static int aug_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const struct fuse_mkdir_in *in, struct fuse_entry_out *out)
{
	struct augment *a = fs;
	int rc = creating(a, parent, name);
	if (rc)
		return rc;
	return check_entry(a, INNER(a)->mkdir(IFS(a), c, parent, name, in, out), out);
}

static int aug_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	struct augment *a = fs;
	int rc = removing(a, parent, name);
	if (rc)
		return rc;
	return INNER(a)->unlink(IFS(a), c, parent, name);
}

static int aug_rmdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	struct augment *a = fs;
	int rc = removing(a, parent, name);
	if (rc)
		return rc;
	return INNER(a)->rmdir(IFS(a), c, parent, name);
}

static int aug_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      uint64_t newparent, const char *newname, uint32_t flags)
{
	struct augment *a = fs;
	int rc = removing(a, parent, name);
	if (!rc)
		rc = removing(a, newparent, newname);
	if (rc)
		return rc;
	return INNER(a)->rename(IFS(a), c, parent, name, newparent, newname, flags);
}

static int aug_link(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
		    const char *newname, struct fuse_entry_out *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -EPERM;
	int rc = creating(a, newparent, newname);
	if (rc)
		return rc;
	return check_entry(a, INNER(a)->link(IFS(a), c, nodeid, newparent, newname, out), out);
}

static int aug_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      const struct fuse_create_in *in, struct fuse_entry_out *entry,
		      struct fuse_open_out *open)
{
	struct augment *a = fs;
	int rc = creating(a, parent, name);
	if (rc)
		return rc;
	rc = INNER(a)->create(IFS(a), c, parent, name, in, entry, open);
	if (rc >= 0 && is_virtual(entry->nodeid)) {
		/* Give the handle back too; the reference goes in check_entry. */
		if (INNER(a)->release) {
			struct fuse_release_in rel = { .fh = open->fh, .flags = in->flags };
			INNER(a)->release(IFS(a), c, entry->nodeid, &rel);
		}
	}
	return check_entry(a, rc, entry);
}

static int aug_write(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_write_in *in, struct fs_iobuf *data,
		     struct fuse_write_out *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -EPERM;
	return INNER(a)->write(IFS(a), c, nodeid, in, data, out);
}

static int aug_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      struct fuse_statfs_out *out, uint64_t *st_flags)
{
	struct augment *a = fs;
	/* The virtual files belong to the share's root filesystem. */
	return INNER(a)->statfs(IFS(a), c, is_virtual(nodeid) ? FUSE_ROOT_ID : nodeid, out,
				st_flags);
}

static int aug_fsync(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_fsync_in *in)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return 0;
	return INNER(a)->fsync(IFS(a), c, nodeid, in);
}

static int aug_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_open_in *in, struct fuse_open_out *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -ENOTDIR;
	return INNER(a)->opendir(IFS(a), c, nodeid, in, out);
}

static int aug_readdir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_read_in *in, bool plus, struct fs_iobuf *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -ENOTDIR;
	return INNER(a)->readdir(IFS(a), c, nodeid, in, plus, out);
}

static int aug_releasedir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			  const struct fuse_release_in *in)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -ENOTDIR;
	return INNER(a)->releasedir(IFS(a), c, nodeid, in);
}

static int aug_fsyncdir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_fsync_in *in)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -ENOTDIR;
	return INNER(a)->fsyncdir(IFS(a), c, nodeid, in);
}

static int aug_setxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
			const void *value, size_t size, uint32_t flags)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -EPERM;
	return INNER(a)->setxattr(IFS(a), c, nodeid, name, value, size, flags);
}

static int aug_removexattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -EPERM;
	return INNER(a)->removexattr(IFS(a), c, nodeid, name);
}

static int aug_fallocate(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			 const struct fuse_fallocate_in *in)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -EPERM;
	return INNER(a)->fallocate(IFS(a), c, nodeid, in);
}

static int aug_lseek(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_lseek_in *in, struct fuse_lseek_out *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid)) {
		const struct fs_virtual_file *f = vfile(a, nodeid);
		if (!f)
			return -ENOENT;
		if (in->whence != SEEK_DATA && in->whence != SEEK_HOLE)
			return -EINVAL;
		if (in->offset >= f->size)
			return -ENXIO;
		out->offset = in->whence == SEEK_DATA ? in->offset : f->size;
		return 0;
	}
	return INNER(a)->lseek(IFS(a), c, nodeid, in, out);
}

static int aug_copy_file_range(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			       const struct fuse_copy_file_range_in *in,
			       struct fuse_write_out *out)
{
	struct augment *a = fs;
	if (is_virtual(in->nodeid_out))
		return -EPERM;
	if (is_virtual(nodeid))
		return -EXDEV; /* the guest falls back to read + write */
	return INNER(a)->copy_file_range(IFS(a), c, nodeid, in, out);
}

static int aug_ioctl(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_ioctl_in *in, struct fs_iobuf *data_in,
		     struct fs_iobuf *out, struct fuse_ioctl_out *res)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -ENOTTY;
	return INNER(a)->ioctl(IFS(a), c, nodeid, in, data_in, out, res);
}

static int aug_getlk(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_lk_in *in, struct fuse_lk_out *out)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -ENOSYS;
	return INNER(a)->getlk(IFS(a), c, nodeid, in, out);
}

static int aug_setlk(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_lk_in *in, bool sleep)
{
	struct augment *a = fs;
	if (is_virtual(nodeid))
		return -ENOSYS;
	return INNER(a)->setlk(IFS(a), c, nodeid, in, sleep);
}

static int aug_syncfs(void *fs, const struct fs_ctx *c, uint64_t nodeid)
{
	struct augment *a = fs;
	return INNER(a)->syncfs(IFS(a), c, is_virtual(nodeid) ? FUSE_ROOT_ID : nodeid);
}

static int aug_tmpfile(void *fs, const struct fs_ctx *c, uint64_t parent,
		       const struct fuse_create_in *in, struct fuse_entry_out *entry,
		       struct fuse_open_out *open)
{
	struct augment *a = fs;
	if (is_virtual(parent))
		return -ENOTDIR;
	int rc = INNER(a)->tmpfile(IFS(a), c, parent, in, entry, open);
	if (rc >= 0 && is_virtual(entry->nodeid) && INNER(a)->release) {
		struct fuse_release_in rel = { .fh = open->fh, .flags = in->flags };
		INNER(a)->release(IFS(a), c, entry->nodeid, &rel);
	}
	return check_entry(a, rc, entry);
}

static int aug_setupmapping(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			    const struct fuse_setupmapping_in *in, const struct fs_dax_window *w)
{
	struct augment *a = fs;
	/* Virtual files never carry FUSE_ATTR_DAX, so the guest reads them
	 * through the page cache; a DAX mapping of one is not offered. */
	if (is_virtual(nodeid))
		return -EOPNOTSUPP;
	return INNER(a)->setupmapping(IFS(a), c, nodeid, in, w);
}

static int aug_removemapping(void *fs, const struct fs_ctx *c,
			     const struct fuse_removemapping_one *one, uint32_t count,
			     const struct fs_dax_window *w)
{
	struct augment *a = fs;
	return INNER(a)->removemapping(IFS(a), c, one, count, w);
}

/*
 * The full table. Operations marked "always" are served for virtual nodes
 * even when the inner backend lacks them (they then return ENOSYS for inner
 * nodes); every other entry is cleared in fs_augment_new when the inner
 * backend's is NULL.
 */
static const struct fs_ops augment_template = {
	.init = aug_init,
	.destroy = aug_destroy,
	.lookup = aug_lookup,       /* always */
	.forget = aug_forget,       /* always */
	.getattr = aug_getattr,     /* always */
	.setattr = aug_setattr,
	.readlink = aug_readlink,
	.symlink = aug_symlink,
	.mknod = aug_mknod,
	.mkdir = aug_mkdir,
	.unlink = aug_unlink,
	.rmdir = aug_rmdir,
	.rename = aug_rename,
	.link = aug_link,
	.open = aug_open,           /* always */
	.create = aug_create,
	.read = aug_read,           /* always */
	.write = aug_write,
	.statfs = aug_statfs,
	.release = aug_release,     /* always */
	.flush = aug_flush,         /* always */
	.fsync = aug_fsync,
	.opendir = aug_opendir,
	.readdir = aug_readdir,
	.releasedir = aug_releasedir,
	.fsyncdir = aug_fsyncdir,
	.setxattr = aug_setxattr,
	.getxattr = aug_getxattr,   /* always */
	.listxattr = aug_listxattr, /* always */
	.removexattr = aug_removexattr,
	.access = aug_access,       /* always */
	.fallocate = aug_fallocate,
	.lseek = aug_lseek,
	.copy_file_range = aug_copy_file_range,
	.ioctl = aug_ioctl,
	.getlk = aug_getlk,
	.setlk = aug_setlk,
	.syncfs = aug_syncfs,
	.tmpfile = aug_tmpfile,
	.setupmapping = aug_setupmapping,
	.removemapping = aug_removemapping,
};

static void augment_free(void *fs)
{
	struct augment *a = fs;
	if (!a)
		return;
	if (a->inner.free)
		a->inner.free(a->inner.fs);
	free(a);
}

int fs_augment_new(struct fs_backend inner, const struct fs_virtual_file *files, int nr,
		   struct fs_backend *out)
{
	struct augment *a;

	if (!inner.ops || nr < 0 || nr > AUG_MAX_FILES || (nr && !files) || !out) {
		if (inner.free)
			inner.free(inner.fs);
		return -EINVAL;
	}
	for (int i = 0; i < nr; i++) {
		const char *n = files[i].name;
		if (!n || !n[0] || strchr(n, '/') || !strcmp(n, ".") || !strcmp(n, "..") ||
		    (files[i].size && !files[i].data) ||
		    !S_ISREG(files[i].mode)) {
			if (inner.free)
				inner.free(inner.fs);
			return -EINVAL;
		}
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		if (inner.free)
			inner.free(inner.fs);
		return -ENOMEM;
	}
	a->inner = inner;
	if (nr)
		memcpy(a->files, files, (size_t)nr * sizeof(*files));
	a->nr = nr;
	a->ctime = (uint64_t)time(NULL);

	a->ops = augment_template;
#define KEEP_ONLY_IF_INNER(op)          \
	do {                            \
		if (!inner.ops->op)     \
			a->ops.op = NULL; \
	} while (0)
	KEEP_ONLY_IF_INNER(init);
	KEEP_ONLY_IF_INNER(destroy);
	KEEP_ONLY_IF_INNER(setattr);
	KEEP_ONLY_IF_INNER(readlink);
	KEEP_ONLY_IF_INNER(symlink);
	KEEP_ONLY_IF_INNER(mknod);
	KEEP_ONLY_IF_INNER(mkdir);
	KEEP_ONLY_IF_INNER(unlink);
	KEEP_ONLY_IF_INNER(rmdir);
	KEEP_ONLY_IF_INNER(rename);
	KEEP_ONLY_IF_INNER(link);
	KEEP_ONLY_IF_INNER(create);
	KEEP_ONLY_IF_INNER(write);
	KEEP_ONLY_IF_INNER(statfs);
	KEEP_ONLY_IF_INNER(fsync);
	KEEP_ONLY_IF_INNER(opendir);
	KEEP_ONLY_IF_INNER(readdir);
	KEEP_ONLY_IF_INNER(releasedir);
	KEEP_ONLY_IF_INNER(fsyncdir);
	KEEP_ONLY_IF_INNER(setxattr);
	KEEP_ONLY_IF_INNER(removexattr);
	KEEP_ONLY_IF_INNER(fallocate);
	KEEP_ONLY_IF_INNER(lseek);
	KEEP_ONLY_IF_INNER(copy_file_range);
	KEEP_ONLY_IF_INNER(ioctl);
	KEEP_ONLY_IF_INNER(getlk);
	KEEP_ONLY_IF_INNER(setlk);
	KEEP_ONLY_IF_INNER(syncfs);
	KEEP_ONLY_IF_INNER(tmpfile);
	KEEP_ONLY_IF_INNER(setupmapping);
	KEEP_ONLY_IF_INNER(removemapping);
#undef KEEP_ONLY_IF_INNER

	out->ops = &a->ops;
	out->fs = a;
	out->free = augment_free;
	return 0;
}
