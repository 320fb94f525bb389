/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The passthrough backend, called directly over a temporary directory: every
 * operation's success and error paths, confinement, the fd bound and
 * READDIRPLUS reference counting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "fs/passthrough.h"
#include "../dircount.h"
#include "../rm_tree.h"

struct env {
	char dir[64];     /* the share */
	char outside[64]; /* a directory next to it, outside the share */
	struct fs_backend be;
	const struct fs_ops *ops;
	void *fs;
};

static const struct fs_ctx root_ctx = { .unique = 1, .uid = 0, .gid = 0, .pid = 1 };

static struct env *env_new(const struct fs_passthrough_opts *extra)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	strcpy(e->dir, "/tmp/ckrun-pt-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	strcpy(e->outside, "/tmp/ckrun-out-XXXXXX");
	assert_non_null(mkdtemp(e->outside));
	struct fs_passthrough_opts o = { .root = e->dir, .xattr = true };
	if (extra) {
		o = *extra;
		o.root = e->dir;
	}
	assert_int_equal(fs_passthrough_new(&o, &e->be), 0);
	e->ops = e->be.ops;
	e->fs = e->be.fs;
	return e;
}

static void env_free(struct env *e)
{
	e->be.free(e->be.fs);
	rm_tree(e->dir);
	rm_tree(e->outside);
	free(e);
}

static int setup(void **state)
{
	*state = env_new(NULL);
	return 0;
}

static int teardown(void **state)
{
	env_free(*state);
	return 0;
}

static void host_write(const char *dir, const char *name, const char *data)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

static int host_stat(struct env *e, const char *name, struct stat *st)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", e->dir, name);
	return lstat(p, st);
}

static struct fs_iobuf iob(struct iovec *v, void *buf, size_t len)
{
	v->iov_base = buf;
	v->iov_len = len;
	return (struct fs_iobuf){ .iov = v, .iovcnt = 1, .idx = 0, .off = 0, .limit = len };
}

static uint64_t lookup_ok(struct env *e, uint64_t parent, const char *name)
{
	struct fuse_entry_out out;
	assert_int_equal(e->ops->lookup(e->fs, &root_ctx, parent, name, &out), 0);
	assert_int_not_equal(out.nodeid, 0);
	return out.nodeid;
}

static int do_lookup(struct env *e, uint64_t parent, const char *name)
{
	struct fuse_entry_out out;
	return e->ops->lookup(e->fs, &root_ctx, parent, name, &out);
}

static uint64_t open_node(struct env *e, uint64_t node, uint32_t flags)
{
	struct fuse_open_in in = { .flags = flags };
	struct fuse_open_out out;
	assert_int_equal(e->ops->open(e->fs, &root_ctx, node, &in, &out), 0);
	return out.fh;
}

static ssize_t read_node(struct env *e, uint64_t node, uint64_t fh, char *buf, size_t len, uint64_t off)
{
	struct iovec v;
	struct fs_iobuf b = iob(&v, buf, len);
	struct fuse_read_in in = { .fh = fh, .offset = off, .size = (uint32_t)len };
	int r = e->ops->read(e->fs, &root_ctx, node, &in, &b);
	return r < 0 ? r : (ssize_t)(len - fs_iobuf_remaining(&b));
}

static int write_node(struct env *e, uint64_t node, uint64_t fh, const char *data, uint64_t off)
{
	struct iovec v;
	struct fs_iobuf b = iob(&v, (void *)data, strlen(data));
	struct fuse_write_in in = { .fh = fh, .offset = off, .size = (uint32_t)strlen(data) };
	struct fuse_write_out out;
	int r = e->ops->write(e->fs, &root_ctx, node, &in, &b, &out);
	return r < 0 ? r : (int)out.size;
}

static void release(struct env *e, uint64_t node, uint64_t fh)
{
	struct fuse_release_in in = { .fh = fh };
	assert_int_equal(e->ops->release(e->fs, &root_ctx, node, &in), 0);
}

/* ------------------------------------------------------------ tests */

static void test_constructor(void **state)
{
	(void)state;
	struct fs_backend be;
	struct fs_passthrough_opts o = { .root = "/nonexistent/ckrun" };
	assert_int_equal(fs_passthrough_new(&o, &be), -ENOENT);
	o.root = "/etc/passwd";
	assert_int_equal(fs_passthrough_new(&o, &be), -ENOTDIR);
	assert_int_equal(fs_passthrough_new(NULL, &be), -EINVAL);
	o.root = NULL;
	assert_int_equal(fs_passthrough_new(&o, &be), -EINVAL);
}

static void test_init_flags(void **state)
{
	struct env *e = *state;
	struct fuse_init_in in = { .major = 7, .minor = 38 };
	uint64_t flags = FUSE_WRITEBACK_CACHE | FUSE_POSIX_LOCKS | FUSE_FLOCK_LOCKS | FUSE_DO_READDIRPLUS |
			 FUSE_ASYNC_READ;
	assert_int_equal(e->ops->init(e->fs, &in, &flags), 0);
	assert_int_equal(flags, FUSE_DO_READDIRPLUS | FUSE_ASYNC_READ);
	assert_null(e->ops->getlk);
	assert_null(e->ops->setlk);
	assert_non_null(e->ops->destroy);
	/* DESTROY drops every reference and handle but the root */
	host_write(e->dir, "d", "x");
	uint64_t dn = lookup_ok(e, FUSE_ROOT_ID, "d");
	struct fuse_open_in doi = { .flags = O_RDONLY };
	struct fuse_open_out doo;
	assert_int_equal(e->ops->open(e->fs, &root_ctx, dn, &doi, &doo), 0);
	e->ops->destroy(e->fs);
	struct fuse_getattr_in dgi = { 0 };
	struct fuse_attr_out dao;
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, dn, &dgi, &dao), -EBADF);
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, FUSE_ROOT_ID, &dgi, &dao), 0);
	struct fuse_release_in dri = { .fh = doo.fh };
	assert_int_equal(e->ops->release(e->fs, &root_ctx, dn, &dri), -EBADF);
	assert_int_equal(lookup_ok(e, FUSE_ROOT_ID, "d") != 0, 1);

	struct fs_passthrough_opts o = { .writeback = true };
	struct env *w = env_new(&o);
	flags = FUSE_WRITEBACK_CACHE | FUSE_ASYNC_READ;
	assert_int_equal(w->ops->init(w->fs, &in, &flags), 0);
	assert_int_equal(flags, FUSE_WRITEBACK_CACHE | FUSE_ASYNC_READ);
	/* with writeback, O_WRONLY handles are opened read-write (the guest
	 * fills partial pages), O_APPEND is dropped */
	host_write(w->dir, "f", "abc");
	uint64_t n = lookup_ok(w, FUSE_ROOT_ID, "f");
	uint64_t fh = open_node(w, n, O_WRONLY | O_APPEND);
	char buf[8];
	assert_int_equal(read_node(w, n, fh, buf, sizeof(buf), 0), 3);
	assert_int_equal(write_node(w, n, fh, "X", 0), 1);
	assert_int_equal(read_node(w, n, fh, buf, sizeof(buf), 0), 3);
	assert_memory_equal(buf, "Xbc", 3);
	release(w, n, fh);
	env_free(w);
}

static void test_lookup_getattr(void **state)
{
	struct env *e = *state;
	host_write(e->dir, "file", "hello");
	struct fuse_entry_out out;
	assert_int_equal(e->ops->lookup(e->fs, &root_ctx, FUSE_ROOT_ID, "file", &out), 0);
	assert_int_equal(out.attr.size, 5);
	assert_true(S_ISREG(out.attr.mode));
	assert_int_equal(out.entry_valid, 5);
	assert_int_equal(out.attr_valid, 5);
	struct stat st;
	assert_int_equal(host_stat(e, "file", &st), 0);
	assert_int_equal(out.attr.ino, st.st_ino);

	struct fuse_getattr_in gin = { 0 };
	struct fuse_attr_out aout;
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, out.nodeid, &gin, &aout), 0);
	assert_int_equal(aout.attr.size, 5);
	assert_int_equal(aout.attr.ino, st.st_ino);
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, FUSE_ROOT_ID, &gin, &aout), 0);
	assert_true(S_ISDIR(aout.attr.mode));

	/* a second lookup is the same node with two references */
	assert_int_equal(lookup_ok(e, FUSE_ROOT_ID, "file"), out.nodeid);
	assert_int_equal(do_lookup(e, FUSE_ROOT_ID, "missing"), -ENOENT);
	/* a non-directory parent */
	assert_int_equal(do_lookup(e, out.nodeid, "x"), -ENOTDIR);

	/* forgotten node ids stop resolving after the last reference */
	e->ops->forget(e->fs, out.nodeid, 1);
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, out.nodeid, &gin, &aout), 0);
	e->ops->forget(e->fs, out.nodeid, 1);
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, out.nodeid, &gin, &aout), -EBADF);
	assert_int_equal(do_lookup(e, out.nodeid, "x"), -EBADF);
	/* never issued */
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, 0, &gin, &aout), -EBADF);
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, 0xdeadbeef00000042ull, &gin, &aout), -EBADF);
	assert_int_equal(do_lookup(e, 77, "file"), -EBADF);
	/* forget of unknown ids is harmless */
	e->ops->forget(e->fs, 12345, 1);
	e->ops->forget(e->fs, FUSE_ROOT_ID, 1000); /* root stays */
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, FUSE_ROOT_ID, &gin, &aout), 0);
}

static void test_bad_names(void **state)
{
	struct env *e = *state;
	mkdir(strcat(strcpy((char[PATH_MAX]){ 0 }, e->dir), "/sub"), 0755);
	host_write(e->dir, "sub/inner", "x");
	uint64_t sub = lookup_ok(e, FUSE_ROOT_ID, "sub");
	const char *bad[] = { "", ".", "sub/inner", "/", "/etc", "../x", "a/" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = do_lookup(e, FUSE_ROOT_ID, bad[i]);
		assert_true(r == -EINVAL || r == -ENOENT);
	}
	/* ".." of the root is the root; anywhere else it is refused */
	assert_int_equal(lookup_ok(e, FUSE_ROOT_ID, ".."), FUSE_ROOT_ID);
	assert_int_equal(do_lookup(e, sub, ".."), -EINVAL);
	assert_int_equal(do_lookup(e, sub, "."), -EINVAL);

	/* every name-taking operation refuses them */
	struct fuse_entry_out eo;
	struct fuse_open_out oo;
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_mknod_in mn = { .mode = S_IFREG | 0644 };
	struct fuse_create_in cr = { .flags = O_RDWR, .mode = 0644 };
	for (int i = 0; i < 4; i++) {
		const char *n = (const char *[]){ "..", ".", "", "a/b" }[i];
		assert_int_equal(e->ops->mkdir(e->fs, &root_ctx, sub, n, &mk, &eo), -EINVAL);
		assert_int_equal(e->ops->mknod(e->fs, &root_ctx, sub, n, &mn, &eo), -EINVAL);
		assert_int_equal(e->ops->create(e->fs, &root_ctx, sub, n, &cr, &eo, &oo), -EINVAL);
		assert_int_equal(e->ops->symlink(e->fs, &root_ctx, sub, n, "t", &eo), -EINVAL);
		assert_int_equal(e->ops->unlink(e->fs, &root_ctx, sub, n), -EINVAL);
		assert_int_equal(e->ops->rmdir(e->fs, &root_ctx, sub, n), -EINVAL);
		assert_int_equal(e->ops->rename(e->fs, &root_ctx, sub, "inner", sub, n, 0), -EINVAL);
		assert_int_equal(e->ops->rename(e->fs, &root_ctx, sub, n, sub, "z", 0), -EINVAL);
	}
	assert_int_equal(e->ops->unlink(e->fs, &root_ctx, sub, NULL), -EINVAL);
	/* the ".." escape through rename: the file stays where it was */
	assert_int_equal(e->ops->rename(e->fs, &root_ctx, sub, "inner", sub, "../x", 0), -EINVAL);
	assert_int_equal(e->ops->rename(e->fs, &root_ctx, FUSE_ROOT_ID, "sub", FUSE_ROOT_ID, "../escaped", 0),
			 -EINVAL);
	struct stat st;
	assert_int_equal(host_stat(e, "sub/inner", &st), 0);
	assert_int_equal(host_stat(e, "x", &st), -1);
	uint64_t inner = lookup_ok(e, sub, "inner");
	assert_int_equal(e->ops->link(e->fs, &root_ctx, inner, sub, "../y", &eo), -EINVAL);
	assert_int_equal(e->ops->link(e->fs, &root_ctx, inner, sub, "..", &eo), -EINVAL);
}

static void test_symlink_escape(void **state)
{
	struct env *e = *state;
	host_write(e->outside, "secret", "TOPSECRET");
	char target[PATH_MAX], lnk[PATH_MAX];
	snprintf(target, sizeof(target), "%s/secret", e->outside);
	snprintf(lnk, sizeof(lnk), "%s/esc", e->dir);
	assert_int_equal(symlink(target, lnk), 0);
	snprintf(lnk, sizeof(lnk), "%s/escdir", e->dir);
	assert_int_equal(symlink(e->outside, lnk), 0);
	snprintf(lnk, sizeof(lnk), "%s/pw", e->dir);
	assert_int_equal(symlink("/etc/passwd", lnk), 0);

	/* the link is a link: lookup gives the symlink itself */
	struct fuse_entry_out eo;
	assert_int_equal(e->ops->lookup(e->fs, &root_ctx, FUSE_ROOT_ID, "esc", &eo), 0);
	assert_true(S_ISLNK(eo.attr.mode));
	uint64_t esc = eo.nodeid;
	char buf[PATH_MAX];
	struct iovec v;
	struct fs_iobuf b = iob(&v, buf, sizeof(buf));
	assert_int_equal(e->ops->readlink(e->fs, &root_ctx, esc, &b), 0);
	assert_int_equal(sizeof(buf) - fs_iobuf_remaining(&b), strlen(target));
	assert_memory_equal(buf, target, strlen(target));

	uint64_t pw = lookup_ok(e, FUSE_ROOT_ID, "pw");
	b = iob(&v, buf, sizeof(buf));
	assert_int_equal(e->ops->readlink(e->fs, &root_ctx, pw, &b), 0);
	assert_memory_equal(buf, "/etc/passwd", 11);
	/* readlink on a non-link */
	b = iob(&v, buf, sizeof(buf));
	assert_int_equal(e->ops->readlink(e->fs, &root_ctx, FUSE_ROOT_ID, &b), -EINVAL);

	/* never followed: open, create over it, truncate, chmod, xattrs */
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	assert_int_equal(e->ops->open(e->fs, &root_ctx, esc, &oi, &oo), -ELOOP);
	assert_int_equal(e->ops->opendir(e->fs, &root_ctx, esc, &oi, &oo), -ENOTDIR);
	struct fuse_create_in ci = { .flags = O_RDWR | O_TRUNC, .mode = 0644 };
	assert_int_equal(e->ops->create(e->fs, &root_ctx, FUSE_ROOT_ID, "esc", &ci, &eo, &oo), -ELOOP);
	struct fuse_setattr_in si = { .valid = FATTR_SIZE, .size = 0 };
	struct fuse_attr_out ao;
	assert_int_not_equal(e->ops->setattr(e->fs, &root_ctx, esc, &si, &ao), 0);
	si = (struct fuse_setattr_in){ .valid = FATTR_MODE, .mode = 0777 };
	assert_int_not_equal(e->ops->setattr(e->fs, &root_ctx, esc, &si, &ao), 0);
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, esc, "trusted.ckrun", "1", 1, 0), 0);
	char vb[16];
	assert_int_equal(getxattr(target, "trusted.ckrun", vb, sizeof(vb)), -1);
	assert_int_equal(lgetxattr(lnk, "trusted.ckrun", vb, sizeof(vb)), -1);
	snprintf(lnk, sizeof(lnk), "%s/esc", e->dir);
	assert_int_equal(lgetxattr(lnk, "trusted.ckrun", vb, sizeof(vb)), 1);
	/* utimens on the link changes the link, not the target */
	struct stat before, after;
	assert_int_equal(stat(target, &before), 0);
	si = (struct fuse_setattr_in){ .valid = FATTR_MTIME, .mtime = 1000 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, esc, &si, &ao), 0);
	assert_int_equal(ao.attr.mtime, 1000);
	assert_int_equal(stat(target, &after), 0);
	assert_int_equal(after.st_mtime, before.st_mtime);
	assert_int_equal(after.st_size, 9);
	assert_int_equal(after.st_mode & 07777, before.st_mode & 07777);

	/* a symlinked directory cannot be used as a parent */
	uint64_t escdir = lookup_ok(e, FUSE_ROOT_ID, "escdir");
	assert_int_equal(do_lookup(e, escdir, "secret"), -ENOTDIR);
	struct fuse_mkdir_in mk = { .mode = 0755 };
	assert_int_equal(e->ops->mkdir(e->fs, &root_ctx, escdir, "new", &mk, &eo), -ENOTDIR);
	assert_int_equal(e->ops->unlink(e->fs, &root_ctx, escdir, "secret"), -ENOTDIR);
	assert_int_equal(e->ops->rename(e->fs, &root_ctx, escdir, "secret", FUSE_ROOT_ID, "got", 0),
			 -ENOTDIR);
	assert_int_equal(access(target, F_OK), 0);

	/* the guest can make symlinks pointing anywhere; they stay links */
	assert_int_equal(e->ops->symlink(e->fs, &root_ctx, FUSE_ROOT_ID, "mine", target, &eo), 0);
	assert_true(S_ISLNK(eo.attr.mode));
	assert_int_equal(e->ops->open(e->fs, &root_ctx, eo.nodeid, &oi, &oo), -ELOOP);
	/* a link made by the guest into the share: a hard link of the symlink */
	assert_int_equal(e->ops->link(e->fs, &root_ctx, eo.nodeid, FUSE_ROOT_ID, "mine2", &eo), 0);
	assert_true(S_ISLNK(eo.attr.mode));
	assert_int_equal(eo.attr.nlink, 2);
}

static void test_special_files_never_block(void **state)
{
	struct env *e = *state;
	struct fuse_mknod_in mn = { .mode = S_IFIFO | 0666 };
	struct fuse_entry_out eo;
	assert_int_equal(e->ops->mknod(e->fs, &root_ctx, FUSE_ROOT_ID, "fifo", &mn, &eo), 0);
	assert_true(S_ISFIFO(eo.attr.mode));
	uint64_t fifo = eo.nodeid;
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	assert_int_equal(e->ops->open(e->fs, &root_ctx, fifo, &oi, &oo), -ENXIO);
	oi.flags = O_WRONLY;
	assert_int_equal(e->ops->open(e->fs, &root_ctx, fifo, &oi, &oo), -ENXIO);
	struct fuse_create_in ci = { .flags = O_RDONLY, .mode = 0644 };
	assert_int_equal(e->ops->create(e->fs, &root_ctx, FUSE_ROOT_ID, "fifo", &ci, &eo, &oo), -ENXIO);
	assert_int_equal(e->ops->opendir(e->fs, &root_ctx, fifo, &oi, &oo), -ENOTDIR);
	/* device nodes are created (we are root) but never opened */
	mn = (struct fuse_mknod_in){ .mode = S_IFCHR | 0666, .rdev = (uint32_t)makedev(1, 3) };
	int r = e->ops->mknod(e->fs, &root_ctx, FUSE_ROOT_ID, "null", &mn, &eo);
	if (r == 0) {
		assert_true(S_ISCHR(eo.attr.mode));
		oi.flags = O_RDWR;
		assert_int_equal(e->ops->open(e->fs, &root_ctx, eo.nodeid, &oi, &oo), -ENXIO);
	} else {
		assert_int_equal(r, -EPERM); /* no CAP_MKNOD here */
	}
	/* xattrs on a FIFO work through the magic link without opening it */
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, fifo, "user.k", "v", 1, 0), -EPERM);
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, fifo, "trusted.k", "v", 1, 0), 0);
	uint32_t needed = 0;
	assert_int_equal(e->ops->getxattr(e->fs, &root_ctx, fifo, "trusted.k", 0, NULL, &needed), 0);
	assert_int_equal(needed, 1);
	/* syncfs on a FIFO node falls back to the root */
	assert_int_equal(e->ops->syncfs(e->fs, &root_ctx, fifo), 0);
	/* mknod errors */
	mn = (struct fuse_mknod_in){ .mode = S_IFIFO | 0666 };
	assert_int_equal(e->ops->mknod(e->fs, &root_ctx, FUSE_ROOT_ID, "fifo", &mn, &eo), -EEXIST);
	assert_int_equal(e->ops->mknod(e->fs, &root_ctx, 4242, "f2", &mn, &eo), -EBADF);
}

static void test_create_read_write(void **state)
{
	struct env *e = *state;
	struct fuse_create_in ci = { .flags = O_RDWR, .mode = 0644 };
	struct fuse_entry_out eo;
	struct fuse_open_out oo;
	assert_int_equal(e->ops->create(e->fs, &root_ctx, FUSE_ROOT_ID, "new", &ci, &eo, &oo), 0);
	uint64_t n = eo.nodeid, fh = oo.fh;
	assert_true(S_ISREG(eo.attr.mode));
	assert_int_equal(write_node(e, n, fh, "hello world", 0), 11);
	char buf[32];
	assert_int_equal(read_node(e, n, fh, buf, sizeof(buf), 6), 5);
	assert_memory_equal(buf, "world", 5);
	assert_int_equal(read_node(e, n, fh, buf, sizeof(buf), 100), 0);
	/* a handle is bound to its node */
	assert_int_equal(read_node(e, FUSE_ROOT_ID, fh, buf, sizeof(buf), 0), -EBADF);
	assert_int_equal(write_node(e, FUSE_ROOT_ID, fh, "x", 0), -EBADF);
	assert_int_equal(read_node(e, n, fh + 1, buf, sizeof(buf), 0), -EBADF);
	assert_int_equal(read_node(e, n, 0, buf, sizeof(buf), 0), -EBADF);
	assert_int_equal(read_node(e, n, fh, buf, sizeof(buf), UINT64_MAX), -EINVAL);
	struct fuse_release_in ri = { .fh = fh };
	assert_int_equal(e->ops->release(e->fs, &root_ctx, FUSE_ROOT_ID, &ri), -EBADF);
	release(e, n, fh);
	assert_int_equal(e->ops->release(e->fs, &root_ctx, n, &ri), -EBADF);
	assert_int_equal(read_node(e, n, fh, buf, sizeof(buf), 0), -EBADF);

	/* exclusive create of an existing name; plain create opens it */
	ci.flags = O_RDWR | O_EXCL;
	assert_int_equal(e->ops->create(e->fs, &root_ctx, FUSE_ROOT_ID, "new", &ci, &eo, &oo), -EEXIST);
	ci.flags = O_RDWR | O_TRUNC;
	assert_int_equal(e->ops->create(e->fs, &root_ctx, FUSE_ROOT_ID, "new", &ci, &eo, &oo), 0);
	assert_int_equal(eo.nodeid, n);
	assert_int_equal(read_node(e, n, oo.fh, buf, sizeof(buf), 0), 0); /* truncated */
	release(e, n, oo.fh);
	/* create over a directory */
	ci.flags = O_RDWR;
	assert_int_equal(e->ops->create(e->fs, &root_ctx, FUSE_ROOT_ID, "..", &ci, &eo, &oo), -EINVAL);
	mkdir(strcat(strcpy((char[PATH_MAX]){ 0 }, e->dir), "/d"), 0755);
	assert_int_equal(e->ops->create(e->fs, &root_ctx, FUSE_ROOT_ID, "d", &ci, &eo, &oo), -EISDIR);

	/* open flags reach the host: O_WRONLY cannot read, O_APPEND appends */
	uint64_t wfh = open_node(e, n, O_WRONLY);
	assert_int_equal(read_node(e, n, wfh, buf, sizeof(buf), 0), -EBADF);
	release(e, n, wfh);
	uint64_t afh = open_node(e, n, O_WRONLY | O_APPEND);
	assert_int_equal(write_node(e, n, afh, "ab", 0), 2);
	assert_int_equal(write_node(e, n, afh, "cd", 0), 2);
	release(e, n, afh);
	uint64_t rfh = open_node(e, n, O_RDONLY);
	assert_int_equal(read_node(e, n, rfh, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_int_equal(write_node(e, n, rfh, "x", 0), -EBADF);
	/* flush, fsync, fdatasync on a handle */
	struct fuse_flush_in fl = { .fh = rfh };
	assert_int_equal(e->ops->flush(e->fs, &root_ctx, n, &fl), 0);
	fl.fh = 999;
	assert_int_equal(e->ops->flush(e->fs, &root_ctx, n, &fl), -EBADF);
	struct fuse_fsync_in fs = { .fh = rfh };
	assert_int_equal(e->ops->fsync(e->fs, &root_ctx, n, &fs), 0);
	fs.fsync_flags = FUSE_FSYNC_FDATASYNC;
	assert_int_equal(e->ops->fsync(e->fs, &root_ctx, n, &fs), 0);
	fs.fh = 999;
	assert_int_equal(e->ops->fsync(e->fs, &root_ctx, n, &fs), -EBADF);
	release(e, n, rfh);

	/* a directory cannot be opened for writing through OPEN */
	uint64_t d = lookup_ok(e, FUSE_ROOT_ID, "d");
	struct fuse_open_in oi = { .flags = O_RDWR };
	assert_int_equal(e->ops->open(e->fs, &root_ctx, d, &oi, &oo), -EISDIR);
	assert_int_equal(e->ops->open(e->fs, &root_ctx, 9999, &oi, &oo), -EBADF);
}

static void test_creds_and_umask(void **state)
{
	struct env *e = *state;
	mode_t old = umask(022); /* the test process's own umask, as an embedder might have */
	struct fs_ctx guest = { .uid = 1234, .gid = 5678 };
	struct fuse_entry_out eo;
	struct fuse_open_out oo;
	struct stat st;
	/* guest umask applied, process umask not */
	struct fuse_mkdir_in mk = { .mode = 0777, .umask = 0 };
	assert_int_equal(chmod(e->dir, 0777), 0);
	assert_int_equal(e->ops->mkdir(e->fs, &guest, FUSE_ROOT_ID, "d0", &mk, &eo), 0);
	assert_int_equal(eo.attr.mode & 07777, 0777);
	assert_int_equal(host_stat(e, "d0", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0777);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	mk = (struct fuse_mkdir_in){ .mode = 0777, .umask = 027 };
	assert_int_equal(e->ops->mkdir(e->fs, &guest, FUSE_ROOT_ID, "d1", &mk, &eo), 0);
	assert_int_equal(host_stat(e, "d1", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);

	struct fuse_create_in ci = { .flags = O_RDWR, .mode = 0666, .umask = 0 };
	assert_int_equal(e->ops->create(e->fs, &guest, FUSE_ROOT_ID, "f", &ci, &eo, &oo), 0);
	release(e, eo.nodeid, oo.fh);
	assert_int_equal(host_stat(e, "f", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);

	struct fuse_mknod_in mn = { .mode = S_IFIFO | 0666, .umask = 002 };
	assert_int_equal(e->ops->mknod(e->fs, &guest, FUSE_ROOT_ID, "p", &mn, &eo), 0);
	assert_int_equal(host_stat(e, "p", &st), 0);
	assert_int_equal(st.st_mode & 07777, 0664);
	assert_int_equal(st.st_uid, 1234);

	assert_int_equal(e->ops->symlink(e->fs, &guest, FUSE_ROOT_ID, "l", "target", &eo), 0);
	assert_int_equal(host_stat(e, "l", &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);

	/* the switch is per operation and per thread: this thread is root again */
	assert_int_equal(geteuid(), 0);
	assert_int_equal(getegid(), 0);

	/* the guest's permissions apply to creation: d1 is 0750 owned by 1234,
	 * so uid 999 may not create in it */
	uint64_t d1 = lookup_ok(e, FUSE_ROOT_ID, "d1");
	struct fs_ctx other = { .uid = 999, .gid = 999 };
	assert_int_equal(e->ops->mkdir(e->fs, &other, d1, "x", &mk, &eo), -EACCES);
	assert_int_equal(geteuid(), 0);
	umask(old);
}

/* In a forked child: drop the effective capabilities in mask (CAP_* bits
 * below 32); the child exits 10 or 11 when that fails. */
static void child_drop_caps(uint32_t mask)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		_exit(10);
	d[0].effective &= ~mask;
	if (syscall(SYS_capset, &h, d) < 0)
		_exit(11);
}

/* The forked child pid ended with exit status 0 (its checks passed). */
static void assert_child_ok(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Without CAP_SETUID/CAP_SETGID, files belong to the process (documented). */
static void test_creds_without_caps(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_drop_caps((1u << CAP_SETUID) | (1u << CAP_SETGID));
		struct env *e = env_new(NULL);
		struct fs_ctx guest = { .uid = 1234, .gid = 5678 };
		struct fuse_mkdir_in mk = { .mode = 0755 };
		struct fuse_entry_out eo;
		if (e->ops->mkdir(e->fs, &guest, FUSE_ROOT_ID, "d", &mk, &eo) != 0)
			_exit(12);
		struct stat st;
		if (host_stat(e, "d", &st) != 0 || st.st_uid != getuid() || st.st_gid != getgid())
			_exit(13);
		env_free(e);
		_exit(0);
	}
	assert_child_ok(pid);
}

static void test_setattr(void **state)
{
	struct env *e = *state;
	host_write(e->dir, "f", "0123456789");
	uint64_t n = lookup_ok(e, FUSE_ROOT_ID, "f");
	struct fuse_attr_out ao;
	struct stat st;

	struct fuse_setattr_in si = { .valid = FATTR_MODE, .mode = S_IFREG | 0640 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_int_equal(ao.attr.mode & 07777, 0640);
	assert_int_equal(ao.attr_valid, 5);

	si = (struct fuse_setattr_in){ .valid = FATTR_UID | FATTR_GID, .uid = 42, .gid = 43 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_int_equal(host_stat(e, "f", &st), 0);
	assert_int_equal(st.st_uid, 42);
	assert_int_equal(st.st_gid, 43);
	si = (struct fuse_setattr_in){ .valid = FATTR_GID, .gid = 44 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_int_equal(ao.attr.uid, 42);
	assert_int_equal(ao.attr.gid, 44);

	/* truncate without and with a handle */
	si = (struct fuse_setattr_in){ .valid = FATTR_SIZE, .size = 4 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_int_equal(ao.attr.size, 4);
	uint64_t fh = open_node(e, n, O_RDWR);
	si = (struct fuse_setattr_in){ .valid = FATTR_SIZE | FATTR_FH, .size = 2, .fh = fh };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_int_equal(ao.attr.size, 2);
	si.fh = fh + 1000;
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), -EBADF);
	si = (struct fuse_setattr_in){ .valid = FATTR_MODE | FATTR_FH, .mode = 0600, .fh = fh };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_int_equal(ao.attr.mode & 07777, 0600);
	release(e, n, fh);
	si = (struct fuse_setattr_in){ .valid = FATTR_SIZE, .size = UINT64_MAX };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), -EFBIG);
	si = (struct fuse_setattr_in){ .valid = FATTR_SIZE, .size = 0 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, FUSE_ROOT_ID, &si, &ao), -EISDIR);

	/* times: explicit, NOW, ctime accepted */
	si = (struct fuse_setattr_in){ .valid = FATTR_ATIME | FATTR_MTIME, .atime = 1000000, .atimensec = 5,
				       .mtime = 2000000, .mtimensec = 7 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_int_equal(ao.attr.atime, 1000000);
	assert_int_equal(ao.attr.atimensec, 5);
	assert_int_equal(ao.attr.mtime, 2000000);
	assert_int_equal(ao.attr.mtimensec, 7);
	si = (struct fuse_setattr_in){ .valid = FATTR_MTIME | FATTR_MTIME_NOW | FATTR_CTIME, .ctime = 5 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_true(ao.attr.mtime > 2000000);
	assert_int_equal(ao.attr.atime, 1000000); /* untouched */
	si = (struct fuse_setattr_in){ .valid = FATTR_ATIME | FATTR_ATIME_NOW };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_true(ao.attr.atime > 1000000);
	si = (struct fuse_setattr_in){ .valid = FATTR_MTIME, .mtimensec = 1000000000u };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), -EINVAL);
	/* out-of-range times, each of the two: refused, and nothing changed */
	struct stat before, after;
	assert_int_equal(host_stat(e, "f", &before), 0);
	si = (struct fuse_setattr_in){ .valid = FATTR_ATIME | FATTR_MTIME, .atimensec = 1000000000u };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), -EINVAL);
	si = (struct fuse_setattr_in){ .valid = FATTR_ATIME | FATTR_MTIME, .atime = (uint64_t)INT64_MAX + 1 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), -EINVAL);
	si = (struct fuse_setattr_in){ .valid = FATTR_ATIME | FATTR_MTIME, .mtime = UINT64_MAX };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), -EINVAL);
	assert_int_equal(host_stat(e, "f", &after), 0);
	assert_int_equal(after.st_atim.tv_sec, before.st_atim.tv_sec);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);

	/* kill suid/sgid */
	si = (struct fuse_setattr_in){ .valid = FATTR_MODE, .mode = 06755 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_int_equal(ao.attr.mode & 07777, 06755);
	si = (struct fuse_setattr_in){ .valid = FATTR_SIZE | FATTR_KILL_SUIDGID, .size = 1 };
	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, n, &si, &ao), 0);
	assert_int_equal(ao.attr.mode & 07777, 0755);

	assert_int_equal(e->ops->setattr(e->fs, &root_ctx, 31337, &si, &ao), -EBADF);
}

static void test_dir_ops(void **state)
{
	struct env *e = *state;
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_entry_out eo;
	assert_int_equal(e->ops->mkdir(e->fs, &root_ctx, FUSE_ROOT_ID, "d", &mk, &eo), 0);
	assert_true(S_ISDIR(eo.attr.mode));
	uint64_t d = eo.nodeid;
	assert_int_equal(e->ops->mkdir(e->fs, &root_ctx, FUSE_ROOT_ID, "d", &mk, &eo), -EEXIST);
	host_write(e->dir, "d/f", "x");
	assert_int_equal(e->ops->rmdir(e->fs, &root_ctx, FUSE_ROOT_ID, "d"), -ENOTEMPTY);
	assert_int_equal(e->ops->rmdir(e->fs, &root_ctx, d, "f"), -ENOTDIR);
	assert_int_equal(e->ops->unlink(e->fs, &root_ctx, FUSE_ROOT_ID, "d"), -EISDIR);
	assert_int_equal(e->ops->unlink(e->fs, &root_ctx, d, "f"), 0);
	assert_int_equal(e->ops->unlink(e->fs, &root_ctx, d, "f"), -ENOENT);
	assert_int_equal(e->ops->rmdir(e->fs, &root_ctx, FUSE_ROOT_ID, "d"), 0);
	assert_int_equal(e->ops->rmdir(e->fs, &root_ctx, FUSE_ROOT_ID, "d"), -ENOENT);
	/* the node of a removed directory still answers getattr (like a host fd) */
	struct fuse_getattr_in gi = { 0 };
	struct fuse_attr_out ao;
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, d, &gi, &ao), 0);
	assert_int_equal(ao.attr.nlink, 0);
	assert_int_equal(do_lookup(e, d, "x"), -ENOENT);
}

static void test_rename(void **state)
{
	struct env *e = *state;
	host_write(e->dir, "a", "A");
	host_write(e->dir, "b", "B");
	mkdir(strcat(strcpy((char[PATH_MAX]){ 0 }, e->dir), "/sub"), 0755);
	uint64_t sub = lookup_ok(e, FUSE_ROOT_ID, "sub");
	struct stat st;
	assert_int_equal(e->ops->rename(e->fs, &root_ctx, FUSE_ROOT_ID, "a", sub, "a2", 0), 0);
	assert_int_equal(host_stat(e, "sub/a2", &st), 0);
	assert_int_equal(e->ops->rename(e->fs, &root_ctx, FUSE_ROOT_ID, "a", sub, "a3", 0), -ENOENT);
	assert_int_equal(e->ops->rename(e->fs, &root_ctx, sub, "a2", FUSE_ROOT_ID, "b", RENAME_NOREPLACE),
			 -EEXIST);
	assert_int_equal(e->ops->rename(e->fs, &root_ctx, sub, "a2", FUSE_ROOT_ID, "b", RENAME_EXCHANGE), 0);
	char buf[4] = { 0 };
	int fd = open(strcat(strcpy((char[PATH_MAX]){ 0 }, e->dir), "/b"), O_RDONLY);
	assert_int_equal(read(fd, buf, 1), 1);
	close(fd);
	assert_string_equal(buf, "A");
	int r = e->ops->rename(e->fs, &root_ctx, sub, "a2", FUSE_ROOT_ID, "c", RENAME_WHITEOUT);
	if (r == 0) {
		assert_int_equal(host_stat(e, "sub/a2", &st), 0);
		assert_true(S_ISCHR(st.st_mode)); /* the whiteout */
		assert_int_equal(host_stat(e, "c", &st), 0);
	} else {
		assert_true(r == -EINVAL || r == -EPERM); /* fs without whiteouts */
	}
	assert_int_equal(e->ops->rename(e->fs, &root_ctx, FUSE_ROOT_ID, "b", FUSE_ROOT_ID, "z", 0x80), -EINVAL);
	assert_int_equal(e->ops->rename(e->fs, &root_ctx, FUSE_ROOT_ID, "b", 5555, "z", 0), -EBADF);
	assert_int_equal(e->ops->rename(e->fs, &root_ctx, FUSE_ROOT_ID, "sub", sub, "inside", 0), -EINVAL);
}

static void test_link(void **state)
{
	struct env *e = *state;
	host_write(e->dir, "f", "data");
	uint64_t f = lookup_ok(e, FUSE_ROOT_ID, "f");
	struct fuse_entry_out eo;
	assert_int_equal(e->ops->link(e->fs, &root_ctx, f, FUSE_ROOT_ID, "g", &eo), 0);
	assert_int_equal(eo.nodeid, f); /* the same inode, one more reference */
	assert_int_equal(eo.attr.nlink, 2);
	assert_int_equal(e->ops->link(e->fs, &root_ctx, f, FUSE_ROOT_ID, "g", &eo), -EEXIST);
	assert_int_equal(e->ops->link(e->fs, &root_ctx, FUSE_ROOT_ID, FUSE_ROOT_ID, "rootlink", &eo), -EPERM);
	assert_int_equal(e->ops->link(e->fs, &root_ctx, 8888, FUSE_ROOT_ID, "x", &eo), -EBADF);
	assert_int_equal(e->ops->link(e->fs, &root_ctx, f, f, "x", &eo), -ENOTDIR);
	/* two lookups + link: forget 2 keeps it, forget 1 more drops it */
	e->ops->forget(e->fs, f, 1);
	struct fuse_getattr_in gi = { 0 };
	struct fuse_attr_out ao;
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, f, &gi, &ao), 0);
	e->ops->forget(e->fs, f, 1);
	assert_int_equal(e->ops->getattr(e->fs, &root_ctx, f, &gi, &ao), -EBADF);
}

struct dirent_seen {
	char name[256];
	uint64_t off;
	uint64_t nodeid;
};

/* Parse a READDIR(PLUS) reply; returns the number of entries. */
static int parse_dirents(const char *buf, size_t len, bool plus, struct dirent_seen *seen, int max)
{
	size_t pos = 0;
	int n = 0;
	while (pos < len) {
		uint64_t nodeid = 0;
		if (plus) {
			assert_true(pos + sizeof(struct fuse_entry_out) <= len);
			struct fuse_entry_out eo;
			memcpy(&eo, buf + pos, sizeof(eo));
			nodeid = eo.nodeid;
			pos += sizeof(eo);
		}
		struct fuse_dirent d;
		assert_true(pos + FUSE_NAME_OFFSET <= len);
		memcpy(&d, buf + pos, FUSE_NAME_OFFSET);
		assert_true(d.namelen > 0 && d.namelen < 256);
		assert_true(pos + FUSE_DIRENT_SIZE(&d) <= len);
		assert_true(n < max);
		memcpy(seen[n].name, buf + pos + FUSE_NAME_OFFSET, d.namelen);
		seen[n].name[d.namelen] = 0;
		seen[n].off = d.off;
		seen[n].nodeid = nodeid;
		n++;
		pos += FUSE_DIRENT_SIZE(&d);
	}
	assert_int_equal(pos, len);
	return n;
}

static int read_dir(struct env *e, uint64_t node, uint64_t fh, uint64_t off, bool plus, char *buf,
		    size_t size, struct dirent_seen *seen, int max)
{
	struct iovec v;
	struct fs_iobuf b = iob(&v, buf, size);
	struct fuse_read_in in = { .fh = fh, .offset = off, .size = (uint32_t)size };
	int r = e->ops->readdir(e->fs, &root_ctx, node, &in, plus, &b);
	if (r < 0)
		return r;
	return parse_dirents(buf, size - fs_iobuf_remaining(&b), plus, seen, max);
}

static void test_readdir(void **state)
{
	struct env *e = *state;
	char name[32];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "file-%02d", i);
		host_write(e->dir, name, "x");
	}
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	assert_int_equal(e->ops->opendir(e->fs, &root_ctx, FUSE_ROOT_ID, &oi, &oo), 0);
	uint64_t fh = oo.fh;
	static struct dirent_seen seen[64];
	static char buf[8192];
	/* all at once */
	int n = read_dir(e, FUSE_ROOT_ID, fh, 0, false, buf, sizeof(buf), seen, 64);
	assert_int_equal(n, 42); /* 40 files, ".", ".." */
	/* in small pieces, resuming at the last offset: the same set */
	int total = 0, dots = 0;
	uint64_t off = 0;
	bool found[40] = { 0 };
	for (;;) {
		struct dirent_seen part[8];
		n = read_dir(e, FUSE_ROOT_ID, fh, off, false, buf, 100, part, 8);
		assert_true(n >= 0);
		if (n == 0)
			break;
		for (int i = 0; i < n; i++) {
			int k;
			if (sscanf(part[i].name, "file-%d", &k) == 1) {
				assert_false(found[k]);
				found[k] = true;
			} else {
				dots++;
			}
		}
		total += n;
		off = part[n - 1].off;
	}
	assert_int_equal(total, 42);
	assert_int_equal(dots, 2);
	/* a buffer too small for one entry: nothing, no error */
	assert_int_equal(read_dir(e, FUSE_ROOT_ID, fh, 0, false, buf, 8, seen, 64), 0);
	/* handle checks */
	assert_int_equal(read_dir(e, FUSE_ROOT_ID, fh + 7, 0, false, buf, sizeof(buf), seen, 64), -EBADF);
	uint64_t f = lookup_ok(e, FUSE_ROOT_ID, "file-00");
	assert_int_equal(read_dir(e, f, fh, 0, false, buf, sizeof(buf), seen, 64), -EBADF);
	assert_int_equal(e->ops->opendir(e->fs, &root_ctx, f, &oi, &oo), -ENOTDIR);
	struct fuse_fsync_in fs = { .fh = fh };
	assert_int_equal(e->ops->fsyncdir(e->fs, &root_ctx, FUSE_ROOT_ID, &fs), 0);
	struct fuse_release_in ri = { .fh = fh };
	assert_int_equal(e->ops->releasedir(e->fs, &root_ctx, FUSE_ROOT_ID, &ri), 0);
	assert_int_equal(e->ops->releasedir(e->fs, &root_ctx, FUSE_ROOT_ID, &ri), -EBADF);
	assert_int_equal(read_dir(e, FUSE_ROOT_ID, fh, 0, false, buf, sizeof(buf), seen, 64), -EBADF);
}

static void test_readdirplus_refs(void **state)
{
	struct env *e = *state;
	char name[32];
	mkdir(strcat(strcpy((char[PATH_MAX]){ 0 }, e->dir), "/d"), 0755);
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "d/entry-%02d", i);
		host_write(e->dir, name, "x");
	}
	uint64_t d = lookup_ok(e, FUSE_ROOT_ID, "d");
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	assert_int_equal(e->ops->opendir(e->fs, &root_ctx, d, &oi, &oo), 0);
	static char buf[4096];
	struct dirent_seen seen[16];
	/* room for about three entries */
	size_t small = 3 * FUSE_DIRENTPLUS_SIZE(&(struct fuse_direntplus){ .dirent.namelen = 8 }) + 10;
	int n = read_dir(e, d, oo.fh, 0, true, buf, small, seen, 16);
	assert_int_equal(n, 3);
	int referenced = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(seen[i].name, ".") == 0 || strcmp(seen[i].name, "..") == 0) {
			assert_int_equal(seen[i].nodeid, 0); /* no reference for dots */
		} else {
			assert_int_not_equal(seen[i].nodeid, 0);
			/* exactly one reference, only for returned entries */
			struct fuse_getattr_in gi = { 0 };
			struct fuse_attr_out ao;
			assert_int_equal(e->ops->getattr(e->fs, &root_ctx, seen[i].nodeid, &gi, &ao), 0);
			e->ops->forget(e->fs, seen[i].nodeid, 1);
			assert_int_equal(e->ops->getattr(e->fs, &root_ctx, seen[i].nodeid, &gi, &ao), -EBADF);
			referenced++;
		}
	}
	assert_true(referenced >= 1);
	/* entries not returned got no reference: a fresh lookup of each of the
	 * remaining names yields a node with exactly one reference */
	uint64_t off = seen[n - 1].off;
	int rest = 0;
	for (;;) {
		static struct dirent_seen part[64];
		int k = read_dir(e, d, oo.fh, off, true, buf, sizeof(buf), part, 64);
		assert_true(k >= 0);
		if (k == 0)
			break;
		for (int i = 0; i < k; i++) {
			if (part[i].nodeid) {
				e->ops->forget(e->fs, part[i].nodeid, 1);
				rest++;
			}
		}
		off = part[k - 1].off;
	}
	assert_int_equal(referenced + rest, 30);
	/* every entry now has no reference left: a lookup and one forget make
	 * it unresolvable again (an extra reference from an entry that did not
	 * fit, libkrun #505, would keep it alive) */
	for (int i = 0; i < 30; i++) {
		char nm[32];
		snprintf(nm, sizeof(nm), "entry-%02d", i);
		uint64_t x = lookup_ok(e, d, nm);
		e->ops->forget(e->fs, x, 1);
		struct fuse_getattr_in gi = { 0 };
		struct fuse_attr_out ao;
		assert_int_equal(e->ops->getattr(e->fs, &root_ctx, x, &gi, &ao), -EBADF);
	}
	struct fuse_release_in ri = { .fh = oo.fh };
	assert_int_equal(e->ops->releasedir(e->fs, &root_ctx, d, &ri), 0);
}

static int open_fds(void)
{
	int n = count_fds();
	assert_true(n >= 0);
	return n;
}

static void make_files(struct env *e, int n)
{
	char name[32];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%03d", i);
		host_write(e->dir, name, "x");
	}
}

/* With CAP_DAC_READ_SEARCH (root here): the fd bound holds, and every
 * looked-up inode stays usable; beyond the bound fds are evicted to file
 * handles and re-opened on use. */
static void test_fd_bound_evicts(void **state)
{
	(void)state;
	struct fs_passthrough_opts o = { .max_inode_fds = 16 };
	struct env *e = env_new(&o);
	make_files(e, 100);
	int before = open_fds();
	uint64_t ids[100];
	char name[32];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "f%03d", i);
		ids[i] = lookup_ok(e, FUSE_ROOT_ID, name);
		assert_true(open_fds() - before <= 16);
	}
	/* READDIRPLUS over all of them stays within the bound too */
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	assert_int_equal(e->ops->opendir(e->fs, &root_ctx, FUSE_ROOT_ID, &oi, &oo), 0);
	static char dbuf[65536];
	static struct dirent_seen seen[128];
	int n = read_dir(e, FUSE_ROOT_ID, oo.fh, 0, true, dbuf, sizeof(dbuf), seen, 128);
	assert_int_equal(n, 102);
	assert_true(open_fds() - before <= 16 + 1); /* + the directory handle */
	for (int i = 0; i < n; i++)
		if (seen[i].nodeid)
			e->ops->forget(e->fs, seen[i].nodeid, 1);
	struct fuse_release_in ri = { .fh = oo.fh };
	assert_int_equal(e->ops->releasedir(e->fs, &root_ctx, FUSE_ROOT_ID, &ri), 0);
	/* every node still works: read each file through a handle */
	for (int i = 0; i < 100; i++) {
		uint64_t fh = open_node(e, ids[i], O_RDONLY);
		char c = 0;
		assert_int_equal(read_node(e, ids[i], fh, &c, 1, 0), 1);
		assert_int_equal(c, 'x');
		release(e, ids[i], fh);
		assert_true(open_fds() - before <= 16);
	}
	/* a file deleted on the host while evicted: ESTALE, no crash */
	for (int i = 0; i < 100; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/f%03d", e->dir, i);
		unlink(path);
	}
	int stale = 0;
	for (int i = 0; i < 100; i++) {
		struct fuse_getattr_in gi = { 0 };
		struct fuse_attr_out ao;
		int r = e->ops->getattr(e->fs, &root_ctx, ids[i], &gi, &ao);
		assert_true(r == 0 || r == -ESTALE);
		stale += r == -ESTALE;
	}
	assert_true(stale >= 80);
	for (int i = 0; i < 100; i++)
		e->ops->forget(e->fs, ids[i], 1);
	assert_true(open_fds() - before <= 1);
	env_free(e);
}

/* Without CAP_DAC_READ_SEARCH the bound is hard: new inodes get ENFILE. */
static void test_fd_bound_enfile(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		child_drop_caps(1u << CAP_DAC_READ_SEARCH);
		struct fs_passthrough_opts o = { .max_inode_fds = 16 };
		struct env *e = env_new(&o);
		make_files(e, 100);
		uint64_t ids[100];
		int ok = 0, nfile = 0;
		char name[32];
		for (int i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "f%03d", i);
			struct fuse_entry_out eo;
			int r = e->ops->lookup(e->fs, &root_ctx, FUSE_ROOT_ID, name, &eo);
			if (r == 0)
				ids[ok++] = eo.nodeid;
			else if (r == -ENFILE)
				nfile++;
		}
		if (ok != 15 || nfile != 85) /* the root holds one of the 16 */
			_exit(12);
		/* inodes already held are still found */
		struct fuse_entry_out eo;
		if (e->ops->lookup(e->fs, &root_ctx, FUSE_ROOT_ID, "f000", &eo) != 0 || eo.nodeid != ids[0])
			_exit(13);
		/* forget frees a slot */
		e->ops->forget(e->fs, ids[3], 1);
		if (e->ops->lookup(e->fs, &root_ctx, FUSE_ROOT_ID, "f099", &eo) != 0)
			_exit(14);
		if (e->ops->lookup(e->fs, &root_ctx, FUSE_ROOT_ID, "f098", &eo) != -ENFILE)
			_exit(15);
		env_free(e);
		_exit(0);
	}
	assert_child_ok(pid);
}

static void test_statfs(void **state)
{
	struct env *e = *state;
	struct fuse_statfs_out so;
	uint64_t flags = 0xdead;
	assert_int_equal(e->ops->statfs(e->fs, &root_ctx, FUSE_ROOT_ID, &so, &flags), 0);
	struct statvfs sv;
	assert_int_equal(statvfs(e->dir, &sv), 0);
	assert_int_equal(so.st.blocks, sv.f_blocks);
	assert_int_equal(so.st.bsize, sv.f_bsize);
	assert_int_equal(so.st.namelen, sv.f_namemax);
	assert_int_equal(so.st.files, sv.f_files);
	assert_int_equal(flags, sv.f_flag);
	assert_int_equal(e->ops->statfs(e->fs, &root_ctx, 4711, &so, &flags), -EBADF);
}

static void test_xattr(void **state)
{
	struct env *e = *state;
	host_write(e->dir, "f", "x");
	uint64_t f = lookup_ok(e, FUSE_ROOT_ID, "f");
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, f, "user.one", "value1", 6, 0), 0);
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, f, "user.one", "v", 1, XATTR_CREATE), -EEXIST);
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, f, "user.two", "v", 1, XATTR_REPLACE), -ENODATA);
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, f, "user.two", "22", 2, 0), 0);
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, FUSE_ROOT_ID, "user.dir", "d", 1, 0), 0);
	uint32_t needed = 0;
	assert_int_equal(e->ops->getxattr(e->fs, &root_ctx, f, "user.one", 0, NULL, &needed), 0);
	assert_int_equal(needed, 6);
	char buf[64];
	struct iovec v;
	struct fs_iobuf b = iob(&v, buf, sizeof(buf));
	assert_int_equal(e->ops->getxattr(e->fs, &root_ctx, f, "user.one", 64, &b, &needed), 0);
	assert_int_equal(sizeof(buf) - fs_iobuf_remaining(&b), 6);
	assert_memory_equal(buf, "value1", 6);
	b = iob(&v, buf, sizeof(buf));
	assert_int_equal(e->ops->getxattr(e->fs, &root_ctx, f, "user.one", 3, &b, &needed), -ERANGE);
	assert_int_equal(e->ops->getxattr(e->fs, &root_ctx, f, "user.none", 64, &b, &needed), -ENODATA);
	/* list */
	assert_int_equal(e->ops->listxattr(e->fs, &root_ctx, f, 0, NULL, &needed), 0);
	assert_true(needed >= 18);
	b = iob(&v, buf, sizeof(buf));
	assert_int_equal(e->ops->listxattr(e->fs, &root_ctx, f, 64, &b, &needed), 0);
	size_t len = sizeof(buf) - fs_iobuf_remaining(&b);
	bool one = false, two = false;
	for (size_t p = 0; p < len; p += strlen(buf + p) + 1) {
		one |= strcmp(buf + p, "user.one") == 0;
		two |= strcmp(buf + p, "user.two") == 0;
	}
	assert_true(one && two);
	b = iob(&v, buf, sizeof(buf));
	assert_int_equal(e->ops->listxattr(e->fs, &root_ctx, f, 4, &b, &needed), -ERANGE);
	/* remove */
	assert_int_equal(e->ops->removexattr(e->fs, &root_ctx, f, "user.one"), 0);
	assert_int_equal(e->ops->removexattr(e->fs, &root_ctx, f, "user.one"), -ENODATA);
	assert_int_equal(e->ops->getxattr(e->fs, &root_ctx, f, "user.one", 0, NULL, &needed), -ENODATA);
	/* bad node, bad name, oversized value */
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, 3333, "user.x", "v", 1, 0), -EBADF);
	assert_int_equal(e->ops->getxattr(e->fs, &root_ctx, 3333, "user.x", 0, NULL, &needed), -EBADF);
	assert_int_equal(e->ops->listxattr(e->fs, &root_ctx, 3333, 0, NULL, &needed), -EBADF);
	assert_int_equal(e->ops->removexattr(e->fs, &root_ctx, 3333, "user.x"), -EBADF);
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, f, "", "v", 1, 0), -EINVAL);
	assert_int_equal(e->ops->setxattr(e->fs, &root_ctx, f, "user.big", buf, 1u << 20, 0), -E2BIG);
	/* a read-only file (mode 0) still has its xattrs reachable as root */
	assert_int_equal(chmod(strcat(strcpy((char[PATH_MAX]){ 0 }, e->dir), "/f"), 0), 0);
	assert_int_equal(e->ops->getxattr(e->fs, &root_ctx, f, "user.two", 0, NULL, &needed), 0);
	assert_int_equal(needed, 2);

	/* xattr = false: ENOSYS, so the guest stops asking */
	struct fs_passthrough_opts o = { .xattr = false };
	struct env *n = env_new(&o);
	assert_int_equal(n->ops->setxattr(n->fs, &root_ctx, FUSE_ROOT_ID, "user.x", "v", 1, 0), -ENOSYS);
	assert_int_equal(n->ops->getxattr(n->fs, &root_ctx, FUSE_ROOT_ID, "user.x", 0, NULL, &needed), -ENOSYS);
	assert_int_equal(n->ops->listxattr(n->fs, &root_ctx, FUSE_ROOT_ID, 0, NULL, &needed), -ENOSYS);
	assert_int_equal(n->ops->removexattr(n->fs, &root_ctx, FUSE_ROOT_ID, "user.x"), -ENOSYS);
	env_free(n);
}

static void test_access(void **state)
{
	struct env *e = *state;
	host_write(e->dir, "f", "x");
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/f", e->dir);
	assert_int_equal(chown(p, 100, 200), 0);
	assert_int_equal(chmod(p, 0640), 0);
	uint64_t f = lookup_ok(e, FUSE_ROOT_ID, "f");
	struct fs_ctx owner = { .uid = 100, .gid = 1 }, group = { .uid = 5, .gid = 200 },
		      other = { .uid = 5, .gid = 5 };
	assert_int_equal(e->ops->access(e->fs, &owner, f, R_OK | W_OK), 0);
	assert_int_equal(e->ops->access(e->fs, &owner, f, X_OK), -EACCES);
	assert_int_equal(e->ops->access(e->fs, &group, f, R_OK), 0);
	assert_int_equal(e->ops->access(e->fs, &group, f, W_OK), -EACCES);
	assert_int_equal(e->ops->access(e->fs, &other, f, R_OK), -EACCES);
	assert_int_equal(e->ops->access(e->fs, &other, f, F_OK), 0);
	assert_int_equal(e->ops->access(e->fs, &root_ctx, f, R_OK | W_OK), 0);
	assert_int_equal(e->ops->access(e->fs, &root_ctx, f, X_OK), -EACCES);
	assert_int_equal(e->ops->access(e->fs, &root_ctx, FUSE_ROOT_ID, X_OK), 0);
	assert_int_equal(chmod(p, 0641), 0);
	assert_int_equal(e->ops->access(e->fs, &root_ctx, f, X_OK), 0);
	assert_int_equal(e->ops->access(e->fs, &other, f, X_OK), 0);
	assert_int_equal(e->ops->access(e->fs, &other, 6060, F_OK), -EBADF);
}

static void test_fallocate_lseek_copy(void **state)
{
	struct env *e = *state;
	host_write(e->dir, "a", "");
	host_write(e->dir, "b", "");
	uint64_t a = lookup_ok(e, FUSE_ROOT_ID, "a"), b = lookup_ok(e, FUSE_ROOT_ID, "b");
	uint64_t fa = open_node(e, a, O_RDWR), fb = open_node(e, b, O_RDWR);
	struct fuse_fallocate_in fi = { .fh = fa, .offset = 0, .length = 8192 };
	assert_int_equal(e->ops->fallocate(e->fs, &root_ctx, a, &fi), 0);
	struct stat st;
	assert_int_equal(host_stat(e, "a", &st), 0);
	assert_int_equal(st.st_size, 8192);
	fi.mode = 0x100; /* an unknown mode */
	assert_int_not_equal(e->ops->fallocate(e->fs, &root_ctx, a, &fi), 0);
	fi.mode = 0;
	fi.fh = fb;
	assert_int_equal(e->ops->fallocate(e->fs, &root_ctx, a, &fi), -EBADF);

	/* data, then a hole, then data */
	assert_int_equal(write_node(e, a, fa, "data", 0), 4);
	assert_int_equal(write_node(e, a, fa, "more", 1 << 20), 4);
	struct fuse_lseek_in li = { .fh = fa, .offset = 0, .whence = SEEK_DATA };
	struct fuse_lseek_out lo;
	assert_int_equal(e->ops->lseek(e->fs, &root_ctx, a, &li, &lo), 0);
	assert_int_equal(lo.offset, 0);
	li.whence = SEEK_HOLE;
	assert_int_equal(e->ops->lseek(e->fs, &root_ctx, a, &li, &lo), 0);
	assert_true(lo.offset >= 4 && lo.offset < (1 << 20));
	li = (struct fuse_lseek_in){ .fh = fa, .offset = (1 << 20) + 100, .whence = SEEK_DATA };
	assert_int_equal(e->ops->lseek(e->fs, &root_ctx, a, &li, &lo), -ENXIO);
	li.whence = 42;
	assert_int_equal(e->ops->lseek(e->fs, &root_ctx, a, &li, &lo), -EINVAL);
	li = (struct fuse_lseek_in){ .fh = 123456, .whence = SEEK_SET };
	assert_int_equal(e->ops->lseek(e->fs, &root_ctx, a, &li, &lo), -EBADF);

	struct fuse_copy_file_range_in ci = { .fh_in = fa, .off_in = 0, .nodeid_out = b, .fh_out = fb,
					       .off_out = 10, .len = 4 };
	struct fuse_write_out wo;
	assert_int_equal(e->ops->copy_file_range(e->fs, &root_ctx, a, &ci, &wo), 0);
	assert_int_equal(wo.size, 4);
	char buf[16];
	assert_int_equal(read_node(e, b, fb, buf, sizeof(buf), 10), 4);
	assert_memory_equal(buf, "data", 4);
	ci.nodeid_out = a; /* fh_out belongs to b */
	assert_int_equal(e->ops->copy_file_range(e->fs, &root_ctx, a, &ci, &wo), -EBADF);
	ci.nodeid_out = b;
	ci.flags = 1;
	assert_int_equal(e->ops->copy_file_range(e->fs, &root_ctx, a, &ci, &wo), -EINVAL);
	release(e, a, fa);
	release(e, b, fb);
}

static void test_ioctl_syncfs(void **state)
{
	struct env *e = *state;
	struct fuse_ioctl_in ii = { .cmd = 0x5401 };
	struct fuse_ioctl_out io;
	assert_int_equal(e->ops->ioctl(e->fs, &root_ctx, FUSE_ROOT_ID, &ii, NULL, NULL, &io), -ENOTTY);
	assert_int_equal(e->ops->syncfs(e->fs, &root_ctx, FUSE_ROOT_ID), 0);
	assert_int_equal(e->ops->syncfs(e->fs, &root_ctx, 2222), -EBADF);
	/* DAX operations exist (src/fs/dax.c; tested in test_dax.c); locks are not offered. */
	assert_non_null(e->ops->setupmapping);
	assert_non_null(e->ops->removemapping);
	assert_null(e->ops->getlk);
	assert_null(e->ops->setlk);
}

static void test_tmpfile(void **state)
{
	struct env *e = *state;
	struct fuse_create_in ci = { .flags = O_RDWR, .mode = 0600 };
	struct fuse_entry_out eo;
	struct fuse_open_out oo;
	int r = e->ops->tmpfile(e->fs, &root_ctx, FUSE_ROOT_ID, &ci, &eo, &oo);
	assert_int_equal(r, 0);
	assert_true(S_ISREG(eo.attr.mode));
	assert_int_equal(eo.attr.nlink, 0);
	assert_int_equal(write_node(e, eo.nodeid, oo.fh, "tmp", 0), 3);
	/* give it a name */
	struct fuse_entry_out le;
	assert_int_equal(e->ops->link(e->fs, &root_ctx, eo.nodeid, FUSE_ROOT_ID, "named", &le), 0);
	assert_int_equal(le.nodeid, eo.nodeid);
	struct stat st;
	assert_int_equal(host_stat(e, "named", &st), 0);
	assert_int_equal(st.st_size, 3);
	release(e, eo.nodeid, oo.fh);
	uint64_t f = lookup_ok(e, FUSE_ROOT_ID, "named");
	assert_int_equal(e->ops->tmpfile(e->fs, &root_ctx, f, &ci, &eo, &oo), -ENOTDIR);
	assert_int_equal(e->ops->tmpfile(e->fs, &root_ctx, 1717, &ci, &eo, &oo), -EBADF);
}

/* FORGET racing with operations on other threads never closes an fd in use. */
struct race {
	struct env *e;
	uint64_t node;
	int iterations;
};

static void *race_getattr(void *arg)
{
	struct race *r = arg;
	for (int i = 0; i < r->iterations; i++) {
		struct fuse_getattr_in gi = { 0 };
		struct fuse_attr_out ao;
		int ret = r->e->ops->getattr(r->e->fs, &root_ctx, r->node, &gi, &ao);
		if (ret != 0 && ret != -EBADF)
			return (void *)1;
		if (ret == 0 && !S_ISREG(ao.attr.mode))
			return (void *)2;
	}
	return NULL;
}

static void test_concurrent_forget(void **state)
{
	struct env *e = *state;
	host_write(e->dir, "f", "x");
	for (int round = 0; round < 50; round++) {
		struct race r = { .e = e, .node = lookup_ok(e, FUSE_ROOT_ID, "f"), .iterations = 200 };
		pthread_t th;
		assert_int_equal(pthread_create(&th, NULL, race_getattr, &r), 0);
		e->ops->forget(e->fs, r.node, 1);
		void *res;
		assert_int_equal(pthread_join(th, &res), 0);
		assert_null(res);
	}
}

/* HANDLE_KILLPRIV_V2: the server clears set-id bits itself on request. */
static void test_killpriv(void **state)
{
	struct env *e = *state;
	host_write(e->dir, "s", "data");
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/s", e->dir);
	struct stat st;
	uint64_t n = lookup_ok(e, FUSE_ROOT_ID, "s");
	/* WRITE with FUSE_WRITE_KILL_SUIDGID */
	assert_int_equal(chmod(p, 06755), 0);
	uint64_t fh = open_node(e, n, O_RDWR);
	struct iovec v;
	struct fs_iobuf b = iob(&v, "X", 1);
	struct fuse_write_in wi = { .fh = fh, .offset = 0, .size = 1, .write_flags = FUSE_WRITE_KILL_SUIDGID };
	struct fuse_write_out wo;
	assert_int_equal(e->ops->write(e->fs, &root_ctx, n, &wi, &b, &wo), 0);
	assert_int_equal(wo.size, 1);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* without the flag the bits stay (root writes) */
	assert_int_equal(chmod(p, 06755), 0);
	b = iob(&v, "Y", 1);
	wi.write_flags = 0;
	assert_int_equal(e->ops->write(e->fs, &root_ctx, n, &wi, &b, &wo), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 06755);
	release(e, n, fh);
	/* OPEN with FUSE_OPEN_KILL_SUIDGID; setgid without group-exec is kept */
	assert_int_equal(chmod(p, 06745), 0);
	struct fuse_open_in oi = { .flags = O_RDWR | O_TRUNC, .open_flags = FUSE_OPEN_KILL_SUIDGID };
	struct fuse_open_out oo;
	assert_int_equal(e->ops->open(e->fs, &root_ctx, n, &oi, &oo), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 02745);
	assert_int_equal(st.st_size, 0);
	release(e, n, oo.fh);
	/* readlink into a reply buffer shorter than the target: truncated, no overrun */
	assert_int_equal(symlink("0123456789", strcat(strcpy((char[PATH_MAX]){ 0 }, e->dir), "/l")), 0);
	uint64_t l = lookup_ok(e, FUSE_ROOT_ID, "l");
	char small[4] = { 0 };
	char guard = 'G';
	b = iob(&v, small, sizeof(small));
	assert_int_equal(e->ops->readlink(e->fs, &root_ctx, l, &b), 0);
	assert_memory_equal(small, "0123", 4);
	assert_int_equal(guard, 'G');
	/* syncfs on a file node */
	assert_int_equal(e->ops->syncfs(e->fs, &root_ctx, n), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructor),
		T(test_init_flags),
		T(test_lookup_getattr),
		T(test_bad_names),
		T(test_symlink_escape),
		T(test_special_files_never_block),
		T(test_create_read_write),
		T(test_creds_and_umask),
		cmocka_unit_test(test_creds_without_caps),
		T(test_setattr),
		T(test_dir_ops),
		T(test_rename),
		T(test_link),
		T(test_readdir),
		T(test_readdirplus_refs),
		cmocka_unit_test(test_fd_bound_evicts),
		cmocka_unit_test(test_fd_bound_enfile),
		T(test_statfs),
		T(test_xattr),
		T(test_access),
		T(test_fallocate_lseek_copy),
		T(test_ioctl_syncfs),
		T(test_tmpfile),
		T(test_concurrent_forget),
		T(test_killpriv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
