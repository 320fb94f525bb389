/* SPDX-License-Identifier: Apache-2.0 */
/* The augment backend (virtual /init.krun) over a fake inner backend. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs/augment.h"

#define VBASE (1ULL << 63)

/* Call through a backend's composed table, routed by node id as the server
 * routes a request. */
#define CALL(b, op, node, ...) FS_CALL(fs_table_for((b).table, (node)), op, &ctx, (node), __VA_ARGS__)

/* --- a fake inner backend: a root (1) holding "a" (2); counts calls --- */
struct fake {
	int lookups, forgets, mkdirs, creates, setattrs, writes, reads, statfs, frees, unlinks,
	    renames, releases;
	uint64_t last_forget, last_statfs_node;
	uint64_t evil_id; /* "evil" looks up to this id */
	int mkdir_rc;     /* what mkdir returns (e.g. -EROFS for a read-only inner) */
};

static int f_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    struct fuse_entry_out *out)
{
	struct fake *f = fs;
	(void)c;
	f->lookups++;
	memset(out, 0, sizeof(*out));
	if (parent == 1 && strcmp(name, "a") == 0) {
		out->nodeid = 2;
		out->attr.ino = 2;
		return 0;
	}
	if (parent == 1 && strcmp(name, "evil") == 0) {
		out->nodeid = f->evil_id;
		return 0;
	}
	return -ENOENT;
}

static void f_forget(void *fs, uint64_t nodeid, uint64_t n)
{
	struct fake *f = fs;
	(void)n;
	f->forgets++;
	f->last_forget = nodeid;
}

static int f_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	(void)fs, (void)c, (void)in;
	memset(out, 0, sizeof(*out));
	out->attr.ino = nodeid;
	out->attr.mode = nodeid == 1 ? S_IFDIR | 0755 : S_IFREG | 0644;
	return 0;
}

static int f_setattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_setattr_in *in, struct fuse_attr_out *out)
{
	struct fake *f = fs;
	(void)c, (void)nodeid, (void)in, (void)out;
	f->setattrs++;
	return 0;
}

static int f_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		   const struct fuse_mkdir_in *in, struct fuse_entry_out *out)
{
	struct fake *f = fs;
	(void)c, (void)parent, (void)name, (void)in;
	f->mkdirs++;
	memset(out, 0, sizeof(*out));
	out->nodeid = 3;
	return f->mkdir_rc;
}

static int f_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    const struct fuse_create_in *in, struct fuse_entry_out *entry,
		    struct fuse_open_out *open)
{
	struct fake *f = fs;
	(void)c, (void)parent, (void)name, (void)in;
	f->creates++;
	memset(entry, 0, sizeof(*entry));
	memset(open, 0, sizeof(*open));
	entry->nodeid = strcmp(name, "evil") == 0 ? f->evil_id : 4;
	open->fh = 9;
	return 0;
}

static int f_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	struct fake *f = fs;
	(void)c, (void)parent, (void)name;
	f->unlinks++;
	return 0;
}

static int f_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    uint64_t np, const char *nn, uint32_t flags)
{
	struct fake *f = fs;
	(void)c, (void)parent, (void)name, (void)np, (void)nn, (void)flags;
	f->renames++;
	return 0;
}

static int f_read(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		  const struct fuse_read_in *in, struct fs_iobuf *out)
{
	struct fake *f = fs;
	(void)c, (void)nodeid, (void)in;
	f->reads++;
	return fs_iobuf_write(out, "inner", 5);
}

static int f_write(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		   const struct fuse_write_in *in, struct fs_iobuf *data, struct fuse_write_out *out)
{
	struct fake *f = fs;
	(void)c, (void)nodeid, (void)in, (void)data, (void)out;
	f->writes++;
	return 0;
}

static int f_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fuse_statfs_out *out,
		    uint64_t *st_flags)
{
	struct fake *f = fs;
	(void)c;
	f->statfs++;
	f->last_statfs_node = nodeid;
	memset(out, 0, sizeof(*out));
	*st_flags = 0;
	return 0;
}

static int f_release(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_release_in *in)
{
	struct fake *f = fs;
	(void)c, (void)nodeid, (void)in;
	f->releases++;
	return 0;
}

static void f_free(void *fs)
{
	struct fake *f = fs;
	f->frees++;
}

static const struct fs_ops fake_ops = {
	.lookup = f_lookup,
	.forget = f_forget,
	.getattr = f_getattr,
	.setattr = f_setattr,
	.mkdir = f_mkdir,
	.create = f_create,
	.unlink = f_unlink,
	.rename = f_rename,
	.read = f_read,
	.write = f_write,
	.statfs = f_statfs,
	.release = f_release,
};

static const struct fs_ops empty_ops = { 0 };

static const char blob[] = "\x7f" "ELF pretend init binary contents";
#define BLOB_SIZE (sizeof(blob) - 1)

struct env {
	struct fake f;
	struct fs_backend b;
};

static const struct fs_ctx ctx = { .unique = 1 };

static int setup(void **state)
{
	static struct env e;
	memset(&e, 0, sizeof(e));
	e.f.evil_id = VBASE | 7;
	struct fs_virtual_file vf = { "init.krun", blob, BLOB_SIZE, S_IFREG | 0755 };
	struct fs_backend inner = { .ops = &fake_ops, .fs = &e.f, .free = f_free };
	assert_int_equal(fs_augment_new(inner, &vf, 1, &e.b), 0);
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	e->b.free(e->b.fs);
	assert_int_equal(e->f.frees, 1);
	return 0;
}

static uint64_t lookup_init(struct env *e)
{
	struct fuse_entry_out eo;
	assert_int_equal(CALL(e->b, lookup, 1, "init.krun", &eo), 0);
	assert_true(eo.nodeid & VBASE);
	assert_int_equal(eo.attr.mode, S_IFREG | 0755);
	assert_int_equal(eo.attr.size, BLOB_SIZE);
	assert_int_equal(eo.attr.nlink, 1);
	assert_int_equal(e->f.lookups, 0); /* never reached the inner backend */
	return eo.nodeid;
}

/* Reads [off, off+size) of a node into buf through a 2-iovec cursor. */
static int do_read(struct env *e, uint64_t node, uint64_t off, uint32_t size, char *buf,
		   size_t buflen, size_t *got)
{
	struct iovec iov[2] = { { buf, buflen / 2 }, { buf + buflen / 2, buflen - buflen / 2 } };
	struct fs_iobuf out = { .iov = iov, .iovcnt = 2, .limit = size };
	struct fuse_read_in in = { .offset = off, .size = size };
	int rc = CALL(e->b, read, node, &in, &out);
	*got = size - out.limit;
	return rc;
}

static void test_virtual_lookup_getattr(void **state)
{
	struct env *e = *state;
	uint64_t id = lookup_init(e);
	struct fuse_attr_out ao;
	assert_int_equal(CALL(e->b, getattr, id, NULL, &ao), 0);
	assert_int_equal(ao.attr.size, BLOB_SIZE);
	assert_int_equal(ao.attr.mode, S_IFREG | 0755);
	/* only at the root */
	struct fuse_entry_out eo;
	assert_int_equal(CALL(e->b, lookup, 2, "init.krun", &eo), -ENOENT);
	assert_int_equal(e->f.lookups, 1);
	/* unknown virtual id */
	assert_int_equal(CALL(e->b, getattr, VBASE | 5, NULL, &ao), -ENOENT);
	/* lookups inside the virtual file */
	assert_int_equal(CALL(e->b, lookup, id, "x", &eo), -ENOTDIR);
	/* forget of a virtual node stays here */
	FS_CALL_VOID(fs_table_for(e->b.table, id), forget, id, 3);
	assert_int_equal(e->f.forgets, 0);
}

static void test_virtual_read(void **state)
{
	struct env *e = *state;
	uint64_t id = lookup_init(e);
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	char buf[64];
	size_t got;

	assert_int_equal(CALL(e->b, open, id, &oi, &oo), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(do_read(e, id, 0, 4096, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, BLOB_SIZE);
	assert_memory_equal(buf, blob, BLOB_SIZE);
	assert_int_equal(do_read(e, id, 5, 3, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 3);
	assert_memory_equal(buf, blob + 5, 3);
	/* at and beyond the end, including offsets that would overflow */
	assert_int_equal(do_read(e, id, BLOB_SIZE, 10, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 0);
	assert_int_equal(do_read(e, id, UINT64_MAX, 10, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 0);
	assert_int_equal(do_read(e, id, UINT64_MAX - 2, UINT32_MAX, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 0);
	/* a reply buffer smaller than the request */
	assert_int_equal(do_read(e, id, 0, 100, buf, 8, &got), 0);
	assert_int_equal(got, 8);
	assert_int_equal(e->f.reads, 0);

	struct fuse_release_in ri = { .fh = oo.fh };
	assert_int_equal(CALL(e->b, release, id, &ri), 0);
	struct fuse_flush_in fi = { .fh = oo.fh };
	assert_int_equal(CALL(e->b, flush, id, &fi), 0);
	assert_int_equal(e->f.releases, 0);
}

static void test_virtual_is_read_only(void **state)
{
	struct env *e = *state;
	uint64_t id = lookup_init(e);
	struct fuse_open_out oo;
	int bad_flags[] = { O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_WRONLY | O_APPEND };
	for (size_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		struct fuse_open_in oi = { .flags = (uint32_t)bad_flags[i] };
		assert_int_equal(CALL(e->b, open, id, &oi, &oo), -EACCES);
	}
	assert_int_equal(CALL(e->b, access, id, R_OK | X_OK), 0);
	assert_int_equal(CALL(e->b, access, id, W_OK), -EACCES);

	struct fuse_setattr_in si = { .valid = FATTR_SIZE };
	struct fuse_attr_out ao;
	assert_int_equal(CALL(e->b, setattr, id, &si, &ao), -EPERM);
	assert_int_equal(e->f.setattrs, 0);

	char data[4] = "abc";
	struct iovec iov = { data, 3 };
	struct fs_iobuf in = { .iov = &iov, .iovcnt = 1, .limit = 3 };
	struct fuse_write_in wi = { .size = 3 };
	struct fuse_write_out wo;
	assert_int_equal(CALL(e->b, write, id, &wi, &in, &wo), -EPERM);
	assert_int_equal(e->f.writes, 0);

	/* creating, removing or renaming the name at the root */
	struct fuse_mkdir_in mi = { .mode = 0755 };
	struct fuse_entry_out eo;
	assert_int_equal(CALL(e->b, mkdir, 1, "init.krun", &mi, &eo), -EEXIST);
	struct fuse_create_in ci = { .flags = O_WRONLY | O_CREAT, .mode = 0644 };
	assert_int_equal(CALL(e->b, create, 1, "init.krun", &ci, &eo, &oo), -EEXIST);
	assert_int_equal(e->f.mkdirs + e->f.creates, 0);
	assert_int_equal(CALL(e->b, unlink, 1, "init.krun"), -EPERM);
	assert_int_equal(CALL(e->b, rename, 1, "init.krun", 1, "x", 0), -EPERM);
	assert_int_equal(CALL(e->b, rename, 1, "a", 1, "init.krun", 0), -EPERM);
	assert_int_equal(e->f.unlinks + e->f.renames, 0);
	/* the same names elsewhere are ordinary */
	assert_int_equal(CALL(e->b, mkdir, 2, "init.krun", &mi, &eo), 0);
	assert_int_equal(eo.nodeid, 3);
	assert_int_equal(CALL(e->b, rename, 1, "a", 1, "b", 0), 0);
	assert_int_equal(e->f.renames, 1);
	/* a virtual node is not a directory */
	assert_int_equal(CALL(e->b, mkdir, id, "x", &mi, &eo), -ENOTDIR);
}

static void test_virtual_xattr_statfs(void **state)
{
	struct env *e = *state;
	uint64_t id = lookup_init(e);
	uint32_t needed = 77;
	char buf[16];
	struct iovec iov = { buf, sizeof(buf) };
	struct fs_iobuf out = { .iov = &iov, .iovcnt = 1, .limit = sizeof(buf) };
	assert_int_equal(CALL(e->b, getxattr, id, "user.x", 16, &out, &needed),
			 -ENODATA);
	assert_int_equal(CALL(e->b, listxattr, id, 0, &out, &needed), 0);
	assert_int_equal(needed, 0);
	/* the fake has no xattr ops: inner nodes answer ENOSYS */
	assert_int_equal(CALL(e->b, getxattr, 2, "user.x", 16, &out, &needed),
			 -ENOSYS);
	assert_null(e->b.table->setxattr.fn);
	assert_null(e->b.table->removexattr.fn);

	struct fuse_statfs_out so;
	uint64_t fl;
	assert_int_equal(CALL(e->b, statfs, id, &so, &fl), 0);
	assert_int_equal(e->f.last_statfs_node, 1);
}

static void test_delegation(void **state)
{
	struct env *e = *state;
	struct fuse_entry_out eo;
	assert_int_equal(CALL(e->b, lookup, 1, "a", &eo), 0);
	assert_int_equal(eo.nodeid, 2);
	assert_int_equal(CALL(e->b, lookup, 1, "missing", &eo), -ENOENT);
	assert_int_equal(e->f.lookups, 2);

	char buf[16];
	size_t got;
	assert_int_equal(do_read(e, 2, 0, 16, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 5);
	assert_memory_equal(buf, "inner", 5);
	FS_CALL_VOID(fs_table_for(e->b.table, 2), forget, 2, 1);
	assert_int_equal(e->f.forgets, 1);
	assert_int_equal(e->f.last_forget, 2);
}

static void test_inner_id_collision(void **state)
{
	struct env *e = *state;
	struct fuse_entry_out eo;
	struct fuse_open_out oo;
	/* an inner id in the reserved range is refused and its reference returned */
	assert_int_equal(CALL(e->b, lookup, 1, "evil", &eo), -EIO);
	assert_int_equal(e->f.forgets, 1);
	assert_int_equal(e->f.last_forget, VBASE | 7);
	struct fuse_create_in ci = { .flags = O_RDWR | O_CREAT, .mode = 0644 };
	assert_int_equal(CALL(e->b, create, 1, "evil", &ci, &eo, &oo), -EIO);
	assert_int_equal(e->f.releases, 1);
	assert_int_equal(e->f.forgets, 2);
}

/* The augment layer never adds an operation its inner backend lacks. */
static void test_null_ops_stay_null(void **state)
{
	(void)state;
	struct fake f = { 0 };
	struct fs_backend b;
	struct fs_virtual_file vf = { "init.krun", blob, BLOB_SIZE, S_IFREG | 0755 };
	assert_int_equal(fs_augment_new((struct fs_backend){ .ops = &empty_ops, .fs = &f, .free = f_free }, &vf, 1, &b),
			 0);
	const struct fs_table *o = b.table, *v = fs_table_for(b.table, VBASE);
	/* served virtually even over an empty backend */
	assert_non_null(o->lookup.fn);
	assert_non_null(v->getattr.fn);
	assert_non_null(v->open.fn);
	assert_non_null(v->read.fn);
	assert_int_equal(v->forget.err, 0); /* answered here: nothing to forget */
	/* everything else is refused with ENOSYS (NULL at the server) */
	const enum fs_op must_be_null[] = {
		FS_OP_init, FS_OP_destroy, FS_OP_setattr, FS_OP_readlink, FS_OP_symlink,
		FS_OP_mknod, FS_OP_mkdir, FS_OP_unlink, FS_OP_rmdir, FS_OP_rename, FS_OP_link,
		FS_OP_create, FS_OP_write, FS_OP_statfs, FS_OP_fsync, FS_OP_opendir,
		FS_OP_readdir, FS_OP_releasedir, FS_OP_fsyncdir, FS_OP_setxattr,
		FS_OP_removexattr, FS_OP_fallocate, FS_OP_lseek, FS_OP_copy_file_range,
		FS_OP_ioctl, FS_OP_getlk, FS_OP_setlk, FS_OP_syncfs, FS_OP_tmpfile,
		FS_OP_setupmapping, FS_OP_removemapping,
	};
	for (size_t i = 0; i < sizeof(must_be_null) / sizeof(must_be_null[0]); i++) {
		int err;
		if (fs_table_calls(o, must_be_null[i], &err) || err != ENOSYS)
			fail_msg("operation %s delegated to a NULL inner op",
				 fs_op_name(must_be_null[i]));
	}
	/* inner nodes over a backend without lookup */
	struct fuse_entry_out eo;
	assert_int_equal(CALL(b, lookup, 1, "a", &eo), -ENOSYS);
	assert_int_equal(CALL(b, lookup, 1, "init.krun", &eo), 0);
	b.free(b.fs);
	assert_int_equal(f.frees, 1);
}

/* A read-only inner backend's answers pass through unchanged. */
static void test_read_only_inner(void **state)
{
	struct env *e = *state;
	e->f.mkdir_rc = -EROFS;
	struct fuse_mkdir_in mi = { .mode = 0755 };
	struct fuse_entry_out eo;
	assert_int_equal(CALL(e->b, mkdir, 1, "newdir", &mi, &eo), -EROFS);
	assert_int_equal(e->f.mkdirs, 1);
}

static void test_constructor_errors(void **state)
{
	(void)state;
	struct fake f = { 0 };
	struct fs_backend b;
	struct fs_virtual_file bad[] = {
		{ "", blob, BLOB_SIZE, S_IFREG | 0755 },
		{ "a/b", blob, BLOB_SIZE, S_IFREG | 0755 },
		{ "..", blob, BLOB_SIZE, S_IFREG | 0755 },
		{ NULL, blob, BLOB_SIZE, S_IFREG | 0755 },
		{ "x", NULL, 4, S_IFREG | 0755 },
		{ "x", blob, BLOB_SIZE, S_IFDIR | 0755 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int before = f.frees;
		assert_int_equal(fs_augment_new((struct fs_backend){ .ops = &fake_ops, .fs = &f, .free = f_free },
						&bad[i], 1, &b),
				 -EINVAL);
		assert_int_equal(f.frees, before + 1); /* ownership taken on failure too */
	}
	assert_int_equal(fs_augment_new((struct fs_backend){ .ops = &fake_ops, .fs = &f, .free = f_free }, bad, 1000,
					&b),
			 -EINVAL);
	assert_int_equal(fs_augment_new((struct fs_backend){ .ops = &fake_ops, .fs = &f, .free = f_free }, NULL, -1, &b),
			 -EINVAL);
	/* zero virtual files: a transparent wrapper */
	assert_int_equal(fs_augment_new((struct fs_backend){ .ops = &fake_ops, .fs = &f, .free = f_free }, NULL, 0, &b),
			 0);
	struct fuse_entry_out eo;
	assert_int_equal(CALL(b, lookup, 1, "init.krun", &eo), -ENOENT);
	b.free(b.fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_virtual_lookup_getattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtual_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtual_is_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtual_xattr_statfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delegation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inner_id_collision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_inner, setup, teardown),
		cmocka_unit_test(test_null_ops_stay_null),
		cmocka_unit_test(test_constructor_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
