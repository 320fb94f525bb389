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
 * Two tables of rules, composed once (fs_compose):
 *  - aug_rules, for ordinary nodes: everything is forwarded, except the
 *    operations that name an entry of the root, which must not create,
 *    remove or replace a virtual file (EEXIST for creation, EPERM
 *    otherwise), and the operations whose reply carries an inner node id;
 *  - aug_virtual_rules, for requests addressed to a virtual node (the server
 *    routes them by node id, AUG_ID_BASE): served here, read-only (mutations
 *    get EPERM, a write-mode open EACCES, access(W_OK) EACCES); a virtual
 *    node is not a directory (ENOTDIR).
 * A READ or GETATTR of an ordinary node therefore never passes through this
 * layer. Adding a virtual file is one more fs_virtual_file entry in the
 * caller's array (at most AUG_MAX_FILES).
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
#define AUG_TIMEOUT_S 5 /* entry/attr validity: the passthrough's default */

struct augment {
	struct fs_backend inner; /* owned: freed with the wrapper */
	struct fs_table below;   /* the layer below, as composed */
	struct fs_table table;   /* the composed table handed out */
	struct fs_table vtable;  /* requests addressed to a virtual node */
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
	FS_CALL_VOID(&a->below, forget, out->nodeid, 1);
	return -EIO;
}

#define BELOW(a) (&(a)->below)

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

/* A create-like reply naming an id of ours: give the handle back too (the
 * reference goes in check_entry). */
static void release_if_ours(struct augment *a, const struct fs_ctx *c, int rc,
			    const struct fuse_entry_out *entry, const struct fuse_open_out *open,
			    uint32_t flags)
{
	if (rc >= 0 && is_virtual(entry->nodeid)) {
		struct fuse_release_in rel = { .fh = open->fh, .flags = flags };
		(void)FS_CALL(BELOW(a), release, c, entry->nodeid, &rel);
	}
}

/* --- ordinary nodes: names at the root, and inner ids in entry replies --- */

static int aug_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      struct fuse_entry_out *out)
{
	struct augment *a = fs;
	int k = vname(a, parent, name);
	if (k >= 0) {
		fill_entry(a, k, out);
		return 0;
	}
	return check_entry(a, FS_CALL(BELOW(a), lookup, c, parent, name, out), out);
}

static int aug_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		       const char *target, struct fuse_entry_out *out)
{
	struct augment *a = fs;
	int rc = creating(a, parent, name);
	if (rc)
		return rc;
	return check_entry(a, FS_CALL(BELOW(a), symlink, c, parent, name, target, out), out);
}

static int aug_mknod(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const struct fuse_mknod_in *in, struct fuse_entry_out *out)
{
	struct augment *a = fs;
	int rc = creating(a, parent, name);
	if (rc)
		return rc;
	return check_entry(a, FS_CALL(BELOW(a), mknod, c, parent, name, in, out), out);
}

static int aug_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const struct fuse_mkdir_in *in, struct fuse_entry_out *out)
{
	struct augment *a = fs;
	int rc = creating(a, parent, name);
	if (rc)
		return rc;
	return check_entry(a, FS_CALL(BELOW(a), mkdir, c, parent, name, in, out), out);
}

static int aug_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	struct augment *a = fs;
	int rc = removing(a, parent, name);
	return rc ? rc : FS_CALL(BELOW(a), unlink, c, parent, name);
}

static int aug_rmdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	struct augment *a = fs;
	int rc = removing(a, parent, name);
	return rc ? rc : FS_CALL(BELOW(a), rmdir, c, parent, name);
}

static int aug_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      uint64_t newparent, const char *newname, uint32_t flags)
{
	struct augment *a = fs;
	int rc = removing(a, parent, name);
	if (!rc)
		rc = removing(a, newparent, newname);
	return rc ? rc : FS_CALL(BELOW(a), rename, c, parent, name, newparent, newname, flags);
}

static int aug_link(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
		    const char *newname, struct fuse_entry_out *out)
{
	struct augment *a = fs;
	int rc = creating(a, newparent, newname);
	if (rc)
		return rc;
	return check_entry(a, FS_CALL(BELOW(a), link, c, nodeid, newparent, newname, out), out);
}

static int aug_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      const struct fuse_create_in *in, struct fuse_entry_out *entry,
		      struct fuse_open_out *open)
{
	struct augment *a = fs;
	int rc = creating(a, parent, name);
	if (rc)
		return rc;
	rc = FS_CALL(BELOW(a), create, c, parent, name, in, entry, open);
	release_if_ours(a, c, rc, entry, open, in->flags);
	return check_entry(a, rc, entry);
}

static int aug_tmpfile(void *fs, const struct fs_ctx *c, uint64_t parent,
		       const struct fuse_create_in *in, struct fuse_entry_out *entry,
		       struct fuse_open_out *open)
{
	struct augment *a = fs;
	int rc = FS_CALL(BELOW(a), tmpfile, c, parent, in, entry, open);
	release_if_ours(a, c, rc, entry, open, in->flags);
	return check_entry(a, rc, entry);
}

static int aug_copy_file_range(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			       const struct fuse_copy_file_range_in *in,
			       struct fuse_write_out *out)
{
	struct augment *a = fs;
	if (is_virtual(in->nodeid_out))
		return -EPERM;
	return FS_CALL(BELOW(a), copy_file_range, c, nodeid, in, out);
}

static const struct fs_rules aug_rules = {
	/* names at the root: a virtual file is never created, removed or replaced */
	.lookup = FS_SERVE(aug_lookup), /* virtual names answered here, even with no inner lookup */
	.symlink = FS_CHECK(aug_symlink),
	.mknod = FS_CHECK(aug_mknod),
	.mkdir = FS_CHECK(aug_mkdir),
	.unlink = FS_CHECK(aug_unlink),
	.rmdir = FS_CHECK(aug_rmdir),
	.rename = FS_CHECK(aug_rename),
	.link = FS_CHECK(aug_link),
	.create = FS_CHECK(aug_create),
	.tmpfile = FS_CHECK(aug_tmpfile),
	.copy_file_range = FS_CHECK(aug_copy_file_range), /* into a virtual file: EPERM */
	/* everything else is the layer below's */
	.init = FS_FORWARD, .destroy = FS_FORWARD, .forget = FS_FORWARD, .getattr = FS_FORWARD,
	.setattr = FS_FORWARD, .readlink = FS_FORWARD, .open = FS_FORWARD, .read = FS_FORWARD,
	.write = FS_FORWARD, .statfs = FS_FORWARD, .release = FS_FORWARD, .flush = FS_FORWARD,
	.fsync = FS_FORWARD, .opendir = FS_FORWARD, .readdir = FS_FORWARD,
	.releasedir = FS_FORWARD, .fsyncdir = FS_FORWARD, .setxattr = FS_FORWARD,
	.getxattr = FS_FORWARD, .listxattr = FS_FORWARD, .removexattr = FS_FORWARD,
	.access = FS_FORWARD, .fallocate = FS_FORWARD, .lseek = FS_FORWARD,
	.ioctl = FS_FORWARD, .getlk = FS_FORWARD, .setlk = FS_FORWARD, .syncfs = FS_FORWARD,
	.setupmapping = FS_FORWARD, .removemapping = FS_FORWARD,
};

/* --- virtual nodes (routed here by node id) --- */

static int v_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	struct augment *a = fs;
	const struct fs_virtual_file *f = vfile(a, nodeid);
	(void)c, (void)in;
	if (!f)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->attr_valid = AUG_TIMEOUT_S;
	fill_attr(a, (int)(f - a->files), &out->attr);
	return 0;
}

static int v_open(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		  const struct fuse_open_in *in, struct fuse_open_out *out)
{
	(void)c;
	if (!vfile(fs, nodeid))
		return -ENOENT;
	if ((in->flags & O_ACCMODE) != O_RDONLY || (in->flags & (O_TRUNC | O_APPEND)))
		return -EACCES;
	memset(out, 0, sizeof(*out));
	out->fh = nodeid; /* RELEASE/READ are routed by node id, not by fh */
	out->open_flags = FOPEN_KEEP_CACHE;
	return 0;
}

static int v_read(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		  const struct fuse_read_in *in, struct fs_iobuf *out)
{
	const struct fs_virtual_file *f = vfile(fs, nodeid);
	(void)c;
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

static int v_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t mask)
{
	(void)c;
	if (!vfile(fs, nodeid))
		return -ENOENT;
	return (mask & W_OK) ? -EACCES : 0;
}

static int v_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		      uint32_t size, struct fs_iobuf *out, uint32_t *needed)
{
	(void)c, (void)name, (void)size, (void)out, (void)needed;
	return vfile(fs, nodeid) ? -ENODATA : -ENOENT;
}

static int v_listxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t size,
		       struct fs_iobuf *out, uint32_t *needed)
{
	(void)c, (void)size, (void)out;
	if (!vfile(fs, nodeid))
		return -ENOENT;
	*needed = 0; /* an empty list */
	return 0;
}

static int v_lseek(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		   const struct fuse_lseek_in *in, struct fuse_lseek_out *out)
{
	const struct fs_virtual_file *f = vfile(fs, nodeid);
	(void)c;
	if (!f)
		return -ENOENT;
	if (in->whence != SEEK_DATA && in->whence != SEEK_HOLE)
		return -EINVAL;
	if (in->offset >= f->size)
		return -ENXIO;
	out->offset = in->whence == SEEK_DATA ? in->offset : f->size;
	return 0;
}

/* The virtual files belong to the share's root filesystem. */
static int v_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    struct fuse_statfs_out *out, uint64_t *st_flags)
{
	(void)nodeid;
	return FS_CALL(BELOW((struct augment *)fs), statfs, c, FUSE_ROOT_ID, out, st_flags);
}

static int v_syncfs(void *fs, const struct fs_ctx *c, uint64_t nodeid)
{
	(void)nodeid;
	return FS_CALL(BELOW((struct augment *)fs), syncfs, c, FUSE_ROOT_ID);
}

static int v_copy_file_range(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			     const struct fuse_copy_file_range_in *in, struct fuse_write_out *out)
{
	(void)fs, (void)c, (void)nodeid, (void)out;
	if (is_virtual(in->nodeid_out))
		return -EPERM;
	return -EXDEV; /* the guest falls back to read + write */
}

static const struct fs_rules aug_virtual_rules = {
	/* served here */
	.getattr = FS_SERVE(v_getattr), .open = FS_SERVE(v_open), .read = FS_SERVE(v_read),
	.access = FS_SERVE(v_access), .getxattr = FS_SERVE(v_getxattr),
	.listxattr = FS_SERVE(v_listxattr), .lseek = FS_SERVE(v_lseek),
	.statfs = FS_SERVE(v_statfs), .syncfs = FS_SERVE(v_syncfs),
	.copy_file_range = FS_SERVE(v_copy_file_range),
	/* nothing to do: virtual nodes live as long as the backend, hold no handle */
	.forget = FS_DONE, .release = FS_DONE, .flush = FS_DONE, .fsync = FS_DONE,
	/* read-only */
	.setattr = FS_REFUSE(EPERM), .write = FS_REFUSE(EPERM), .link = FS_REFUSE(EPERM),
	.setxattr = FS_REFUSE(EPERM), .removexattr = FS_REFUSE(EPERM),
	.fallocate = FS_REFUSE(EPERM),
	.readlink = FS_REFUSE(EINVAL), /* not a symlink */
	/* not a directory */
	.lookup = FS_REFUSE(ENOTDIR), .symlink = FS_REFUSE(ENOTDIR), .mknod = FS_REFUSE(ENOTDIR),
	.mkdir = FS_REFUSE(ENOTDIR), .unlink = FS_REFUSE(ENOTDIR), .rmdir = FS_REFUSE(ENOTDIR),
	.rename = FS_REFUSE(ENOTDIR), .create = FS_REFUSE(ENOTDIR), .tmpfile = FS_REFUSE(ENOTDIR),
	.opendir = FS_REFUSE(ENOTDIR), .readdir = FS_REFUSE(ENOTDIR),
	.releasedir = FS_REFUSE(ENOTDIR), .fsyncdir = FS_REFUSE(ENOTDIR),
	.ioctl = FS_REFUSE(ENOTTY), .getlk = FS_REFUSE(ENOSYS), .setlk = FS_REFUSE(ENOSYS),
	/* Virtual files never carry FUSE_ATTR_DAX, so the guest reads them
	 * through the page cache; a DAX mapping of one is not offered. */
	.setupmapping = FS_REFUSE(EOPNOTSUPP),
	/* init, destroy, removemapping are never addressed to a node */
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

	if ((!inner.ops && !inner.table) || nr < 0 || nr > AUG_MAX_FILES || (nr && !files) || !out) {
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

	struct fs_layer l = { .rules = &aug_rules, .fs = a, .own_mask = AUG_ID_BASE,
			      .own_rules = &aug_virtual_rules };
	int rc;
	if ((rc = fs_backend_table(&inner, &a->below)) < 0 ||
	    (rc = fs_compose(&l, &a->below, &a->table, &a->vtable)) < 0) {
		augment_free(a);
		return rc;
	}
	*out = (struct fs_backend){ .fs = a, .free = augment_free, .table = &a->table };
	return 0;
}
