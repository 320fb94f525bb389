/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The read-only wrapper against a fake inner backend that fails the test if a
 * mutating operation ever reaches it: every refusal, every filter, every
 * delegation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs/readonly.h"
#include "test_readonly_fake.h"

struct t {
	struct fs_backend ro;
	struct fake_inner *fake;
	int freed;
};

static const struct fs_ctx ctx = { .unique = 1, .uid = 0, .gid = 0, .pid = 1 };

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(fs_readonly_new(fake_backend(&t->fake, &t->freed), &t->ro), 0);
	assert_non_null(t->ro.table);
	assert_non_null(t->ro.free);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	t->ro.free(t->ro.fs);
	assert_int_equal(t->freed, 1); /* the wrapper owns and frees the inner backend */
	free(t);
	return 0;
}

/* Call through the wrapper's composed table, routed by node id as the server
 * routes a request. */
#define OPS(t) ((t)->ro.table)
#define CALL(t, op, ...) FS_CALL(OPS(t), op, __VA_ARGS__)
/* The wrapper answers the operation (a function, or an answer of its own),
 * rather than refusing it as absent (ENOSYS). */
#define PRESENT(t, op) (OPS(t)->op.fn != NULL || OPS(t)->op.err != ENOSYS)

/* ---- refused with EROFS, inner untouched -------------------------------- */

static void test_setattr_every_attribute(void **state)
{
	struct t *t = *state;
	static const uint32_t masks[] = {
		0, FATTR_MODE, FATTR_UID, FATTR_GID, FATTR_SIZE, FATTR_ATIME, FATTR_MTIME,
		FATTR_ATIME | FATTR_ATIME_NOW, FATTR_MTIME | FATTR_MTIME_NOW, FATTR_FH,
		FATTR_LOCKOWNER, FATTR_CTIME, FATTR_KILL_SUIDGID, FATTR_FH | FATTR_SIZE,
		FATTR_FH | FATTR_LOCKOWNER, 0xffffffffu,
	};

	assert_true(PRESENT(t, setattr));
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		struct fuse_setattr_in in = { .valid = masks[i], .size = 0, .mode = 0777 };
		struct fuse_attr_out out;

		assert_int_equal(CALL(t, setattr, &ctx, 2, &in, &out), -EROFS);
	}
	assert_int_equal(t->fake->total, 0);
}

static void test_namespace_ops_refused(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	struct fuse_mknod_in mk = { .mode = S_IFIFO | 0644 };
	struct fuse_mkdir_in md = { .mode = 0755 };

	assert_true(PRESENT(t, mknod));
	assert_int_equal(CALL(t, mknod, &ctx, 1, "fifo", &mk, &e), -EROFS);
	mk.mode = S_IFREG | 0644;
	assert_int_equal(CALL(t, mknod, &ctx, 1, "reg", &mk, &e), -EROFS);
	assert_true(PRESENT(t, mkdir));
	assert_int_equal(CALL(t, mkdir, &ctx, 1, "d", &md, &e), -EROFS);
	assert_true(PRESENT(t, symlink));
	assert_int_equal(CALL(t, symlink, &ctx, 1, "l", "target", &e), -EROFS);
	assert_true(PRESENT(t, link));
	assert_int_equal(CALL(t, link, &ctx, 2, 1, "hard", &e), -EROFS);
	assert_true(PRESENT(t, unlink));
	assert_int_equal(CALL(t, unlink, &ctx, 1, "file"), -EROFS);
	assert_true(PRESENT(t, rmdir));
	assert_int_equal(CALL(t, rmdir, &ctx, 1, "dir"), -EROFS);
	assert_int_equal(t->fake->total, 0);
}

static void test_rename_and_rename2_refused(void **state)
{
	struct t *t = *state;
	static const uint32_t flags[] = { 0, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT,
					  0x80000000u };

	assert_true(PRESENT(t, rename));
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		assert_int_equal(CALL(t, rename, &ctx, 1, "a", 1, "b", flags[i]), -EROFS);
	assert_int_equal(t->fake->total, 0);
}

static void test_create_and_tmpfile_refused(void **state)
{
	struct t *t = *state;
	static const uint32_t flags[] = { O_RDONLY, O_RDONLY | O_CREAT, O_WRONLY | O_CREAT | O_EXCL,
					  O_RDWR | O_CREAT | O_TRUNC, O_RDWR | O_TMPFILE };
	struct fuse_entry_out e;
	struct fuse_open_out o;

	assert_true(PRESENT(t, create));
	assert_true(PRESENT(t, tmpfile));
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct fuse_create_in in = { .flags = flags[i], .mode = 0644 };

		assert_int_equal(CALL(t, create, &ctx, 1, "new", &in, &e, &o), -EROFS);
		assert_int_equal(CALL(t, tmpfile, &ctx, 1, &in, &e, &o), -EROFS);
	}
	assert_int_equal(t->fake->total, 0);
}

static void test_data_ops_refused(void **state)
{
	struct t *t = *state;
	struct fuse_write_in w = { .fh = 7, .offset = 0, .size = 4 };
	struct fuse_write_out wo;
	struct fuse_fallocate_in fa = { .fh = 7, .offset = 0, .length = 4096, .mode = 0 };
	struct fuse_copy_file_range_in cr = { .fh_in = 7, .nodeid_out = 2, .fh_out = 7, .len = 4 };
	char data[4] = "abcd";
	struct iovec iov = { data, sizeof(data) };
	struct fs_iobuf buf = { .iov = &iov, .iovcnt = 1, .limit = sizeof(data) };

	assert_true(PRESENT(t, write));
	assert_int_equal(CALL(t, write, &ctx, 2, &w, &buf, &wo), -EROFS);
	assert_true(PRESENT(t, fallocate));
	assert_int_equal(CALL(t, fallocate, &ctx, 2, &fa), -EROFS);
	fa.mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	assert_int_equal(CALL(t, fallocate, &ctx, 2, &fa), -EROFS);
	fa.mode = FALLOC_FL_KEEP_SIZE; /* even "only reserve space" is refused */
	assert_int_equal(CALL(t, fallocate, &ctx, 2, &fa), -EROFS);
	assert_true(PRESENT(t, copy_file_range));
	assert_int_equal(CALL(t, copy_file_range, &ctx, 2, &cr, &wo), -EROFS);
	assert_int_equal(t->fake->total, 0);
}

static void test_xattr_mutations_refused(void **state)
{
	struct t *t = *state;

	assert_true(PRESENT(t, setxattr));
	assert_int_equal(CALL(t, setxattr, &ctx, 2, "user.x", "v", 1, 0), -EROFS);
	assert_int_equal(CALL(t, setxattr, &ctx, 2, "user.x", "", 0, XATTR_REPLACE), -EROFS);
	assert_int_equal(CALL(t, setxattr, &ctx, 2, "security.capability", "v", 1, 0),
			 -EROFS);
	assert_true(PRESENT(t, removexattr));
	assert_int_equal(CALL(t, removexattr, &ctx, 2, "user.x"), -EROFS);
	assert_int_equal(t->fake->total, 0);
}

/* ---- open / opendir filters --------------------------------------------- */

struct open_case {
	uint32_t flags;
	int expect;
};

static const struct open_case open_cases[] = {
	{ O_RDONLY, 0 },
	{ O_RDONLY | O_APPEND, 0 },
	{ O_RDONLY | O_NONBLOCK | O_NOATIME | O_DIRECT | O_LARGEFILE, 0 },
	{ O_WRONLY, -EROFS },
	{ O_RDWR, -EROFS },
	{ O_ACCMODE, -EROFS }, /* the invalid access mode 3 */
	{ O_RDWR | O_APPEND, -EROFS },
	{ O_WRONLY | O_APPEND, -EROFS },
	{ O_RDONLY | O_TRUNC, -EROFS },
	{ O_RDONLY | O_CREAT, -EROFS },
	{ O_RDONLY | O_CREAT | O_EXCL, -EROFS },
	{ O_RDONLY | O_TMPFILE, -EROFS },
	{ O_RDWR | O_TMPFILE, -EROFS },
	{ O_RDONLY | (O_TMPFILE & ~O_DIRECTORY), -EROFS }, /* the tmpfile bit without O_DIRECTORY */
	{ O_RDONLY | O_APPEND | O_TRUNC, -EROFS },
};

static void check_open_cases(struct t *t, bool dir)
{
	enum fake_op rec = dir ? FK_OPENDIR : FK_OPEN;

	assert_true(dir ? PRESENT(t, opendir) : PRESENT(t, open));
	for (size_t i = 0; i < sizeof(open_cases) / sizeof(open_cases[0]); i++) {
		uint32_t f = open_cases[i].flags | (dir ? O_DIRECTORY : 0);
		struct fuse_open_in in = { .flags = f, .open_flags = 0 };
		struct fuse_open_out out = { 0 };
		int before = t->fake->calls[rec];
		int r = dir ? CALL(t, opendir, &ctx, 5, &in, &out) : CALL(t, open, &ctx, 5, &in, &out);

		if (r != open_cases[i].expect)
			fail_msg("%s flags %#o: got %d, want %d", dir ? "opendir" : "open", f, r,
				 open_cases[i].expect);
		if (open_cases[i].expect == 0) {
			assert_int_equal(t->fake->calls[rec], before + 1);
			assert_int_equal(t->fake->last_nodeid, 5);
			/* forwarded with access mode O_RDONLY, other flags kept */
			assert_int_equal(t->fake->last_open.flags & O_ACCMODE, O_RDONLY);
			assert_int_equal(t->fake->last_open.flags, f);
			assert_int_equal(out.fh, dir ? 8 : 7);
		} else {
			assert_int_equal(t->fake->calls[rec], before);
		}
	}
}

static void test_open_flags_matrix(void **state)
{
	check_open_cases(*state, false);
}

static void test_opendir_flags_matrix(void **state)
{
	check_open_cases(*state, true);
}

static void test_open_append_forwarded_rdonly_append(void **state)
{
	struct t *t = *state;
	struct fuse_open_in in = { .flags = O_RDONLY | O_APPEND };
	struct fuse_open_out out;

	assert_int_equal(CALL(t, open, &ctx, 2, &in, &out), 0);
	assert_int_equal(t->fake->calls[FK_OPEN], 1);
	assert_int_equal(t->fake->last_open.flags, O_RDONLY | O_APPEND);
}

static void test_open_kill_suidgid_not_forwarded(void **state)
{
	struct t *t = *state;
	struct fuse_open_in in = { .flags = O_RDONLY, .open_flags = FUSE_OPEN_KILL_SUIDGID };
	struct fuse_open_out out;

	assert_int_equal(CALL(t, open, &ctx, 2, &in, &out), 0);
	assert_int_equal(t->fake->last_open.open_flags & FUSE_OPEN_KILL_SUIDGID, 0);
}

static void test_open_inner_error_passed_back(void **state)
{
	struct t *t = *state;
	struct fuse_open_in in = { .flags = O_RDONLY };
	struct fuse_open_out out;

	t->fake->ret = -EACCES;
	assert_int_equal(CALL(t, open, &ctx, 2, &in, &out), -EACCES);
	assert_int_equal(CALL(t, opendir, &ctx, 1, &in, &out), -EACCES);
}

/* ---- init / statfs / access / mappings ---------------------------------- */

static void test_init_strips_writeback_cache(void **state)
{
	struct t *t = *state;
	struct fuse_init_in in = { .major = 7, .minor = 38, .flags = 0xffffffffu };
	uint64_t flags = FUSE_WRITEBACK_CACHE | FUSE_DO_READDIRPLUS | FUSE_ASYNC_READ;

	assert_true(PRESENT(t, init));
	assert_int_equal(CALL(t, init, &in, &flags), 0);
	assert_int_equal(t->fake->calls[FK_INIT], 1);
	assert_int_equal(flags & FUSE_WRITEBACK_CACHE, 0);
	assert_int_equal(flags, FUSE_DO_READDIRPLUS | FUSE_ASYNC_READ);

	/* the inner backend turning it on is overridden too */
	t->fake->init_adds = FUSE_WRITEBACK_CACHE;
	flags = FUSE_DO_READDIRPLUS;
	assert_int_equal(CALL(t, init, &in, &flags), 0);
	assert_int_equal(flags, FUSE_DO_READDIRPLUS);

	/* and when the inner init fails, its error comes back, still stripped */
	t->fake->ret = -EPROTO;
	flags = FUSE_WRITEBACK_CACHE;
	assert_int_equal(CALL(t, init, &in, &flags), -EPROTO);
	assert_int_equal(flags & FUSE_WRITEBACK_CACHE, 0);
}

static void test_statfs_sets_rdonly(void **state)
{
	struct t *t = *state;
	struct fuse_statfs_out out;
	uint64_t st_flags = 0;

	assert_true(PRESENT(t, statfs));
	assert_int_equal(CALL(t, statfs, &ctx, 1, &out, &st_flags), 0);
	assert_int_equal(t->fake->calls[FK_STATFS], 1);
	assert_true(st_flags & ST_RDONLY);
	assert_true(st_flags & 0x400); /* the inner backend's flags are kept */
	assert_int_equal(out.st.bsize, 4096);

	t->fake->ret = -EIO;
	assert_int_equal(CALL(t, statfs, &ctx, 1, &out, &st_flags), -EIO);
}

static void test_access(void **state)
{
	struct t *t = *state;

	assert_true(PRESENT(t, access));
	assert_int_equal(CALL(t, access, &ctx, 2, W_OK), -EROFS);
	assert_int_equal(CALL(t, access, &ctx, 2, R_OK | W_OK), -EROFS);
	assert_int_equal(CALL(t, access, &ctx, 2, R_OK | W_OK | X_OK), -EROFS);
	assert_int_equal(t->fake->calls[FK_ACCESS], 0);

	assert_int_equal(CALL(t, access, &ctx, 2, R_OK), 0);
	assert_int_equal(t->fake->last_access_mask, R_OK);
	assert_int_equal(CALL(t, access, &ctx, 2, X_OK), 0);
	assert_int_equal(CALL(t, access, &ctx, 2, F_OK), 0);
	assert_int_equal(CALL(t, access, &ctx, 2, R_OK | X_OK), 0);
	assert_int_equal(t->fake->last_access_mask, R_OK | X_OK);
	assert_int_equal(t->fake->calls[FK_ACCESS], 4);
}

static void test_setupmapping(void **state)
{
	struct t *t = *state;
	struct fs_dax_window w = { .base = NULL, .size = 1 << 21 };
	struct fuse_setupmapping_in in = { .fh = 7, .foffset = 0, .len = 4096, .moffset = 0 };

	assert_true(PRESENT(t, setupmapping));
	in.flags = FUSE_SETUPMAPPING_FLAG_WRITE;
	assert_int_equal(CALL(t, setupmapping, &ctx, 2, &in, &w), -EROFS);
	in.flags = FUSE_SETUPMAPPING_FLAG_WRITE | FUSE_SETUPMAPPING_FLAG_READ;
	assert_int_equal(CALL(t, setupmapping, &ctx, 2, &in, &w), -EROFS);
	in.flags = FUSE_SETUPMAPPING_FLAG_READ | (1ull << 40); /* unknown bit */
	assert_int_equal(CALL(t, setupmapping, &ctx, 2, &in, &w), -EINVAL);
	assert_int_equal(t->fake->calls[FK_SETUPMAPPING], 0);

	in.flags = FUSE_SETUPMAPPING_FLAG_READ;
	assert_int_equal(CALL(t, setupmapping, &ctx, 2, &in, &w), 0);
	assert_int_equal(t->fake->last_map_flags, FUSE_SETUPMAPPING_FLAG_READ);
	in.flags = 0;
	assert_int_equal(CALL(t, setupmapping, &ctx, 2, &in, &w), 0);
	assert_int_equal(t->fake->calls[FK_SETUPMAPPING], 2);

	struct fuse_removemapping_one one = { .moffset = 0, .len = 4096 };
	assert_true(PRESENT(t, removemapping));
	assert_int_equal(CALL(t, removemapping, &ctx, &one, 1, &w), 0);
	assert_int_equal(t->fake->calls[FK_REMOVEMAPPING], 1);
}

static void test_ioctl_refused_without_inner(void **state)
{
	struct t *t = *state;
	static const uint32_t cmds[] = { 0x40086602u /* FS_IOC_SETFLAGS */,
					 0x80086601u /* FS_IOC_GETFLAGS */, 0x7603u, 0 };
	struct fuse_ioctl_out res;

	assert_true(PRESENT(t, ioctl));
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct fuse_ioctl_in in = { .fh = 7, .cmd = cmds[i] };

		assert_int_equal(CALL(t, ioctl, &ctx, 1, &in, NULL, NULL, &res), -ENOTTY);
	}
	assert_int_equal(t->fake->total, 0);
}

static void test_syncfs_answered_locally(void **state)
{
	struct t *t = *state;

	assert_true(PRESENT(t, syncfs));
	assert_int_equal(CALL(t, syncfs, &ctx, 1), 0);
	assert_int_equal(t->fake->total, 0);
}

static void test_locks_not_offered(void **state)
{
	struct t *t = *state;

	assert_false(PRESENT(t, getlk));
	assert_false(PRESENT(t, setlk));
}

/* ---- delegated unchanged ------------------------------------------------- */

static void test_read_ops_delegated(void **state)
{
	struct t *t = *state;
	struct fuse_entry_out e;
	struct fuse_attr_out ao;
	struct fuse_getattr_in gi = { 0 };
	struct fuse_read_in ri = { .fh = 7, .size = 16 };
	struct fuse_release_in rl = { .fh = 7 };
	struct fuse_flush_in fl = { .fh = 7 };
	struct fuse_fsync_in fs = { .fh = 7, .fsync_flags = 1 };
	struct fuse_lseek_in li = { .fh = 7, .offset = 12, .whence = SEEK_DATA };
	struct fuse_lseek_out lo;
	char buf[16];
	struct iovec iov = { buf, sizeof(buf) };
	struct fs_iobuf out = { .iov = &iov, .iovcnt = 1, .limit = sizeof(buf) };
	uint32_t needed = 0;

	assert_int_equal(CALL(t, lookup, &ctx, 1, "f", &e), 0);
	assert_int_equal(e.nodeid, 2);
	assert_int_equal(t->fake->calls[FK_LOOKUP], 1);
	FS_CALL_VOID(OPS(t), forget, 2, 1);
	assert_int_equal(t->fake->calls[FK_FORGET], 1);
	assert_int_equal(t->fake->last_nodeid, 2);
	assert_int_equal(CALL(t, getattr, &ctx, 3, &gi, &ao), 0);
	assert_int_equal(ao.attr.ino, 3);
	assert_int_equal(CALL(t, readlink, &ctx, 4, &out), 0);
	assert_int_equal(t->fake->calls[FK_READLINK], 1);
	assert_int_equal(CALL(t, read, &ctx, 2, &ri, &out), 0);
	assert_int_equal(t->fake->calls[FK_READ], 1);
	assert_int_equal(CALL(t, readdir, &ctx, 1, &ri, false, &out), 0);
	assert_int_equal(t->fake->calls[FK_READDIR], 1);
	assert_int_equal(CALL(t, readdir, &ctx, 1, &ri, true, &out), 0);
	assert_int_equal(t->fake->calls[FK_READDIRPLUS], 1);
	assert_int_equal(CALL(t, release, &ctx, 2, &rl), 0);
	assert_int_equal(CALL(t, releasedir, &ctx, 1, &rl), 0);
	assert_int_equal(CALL(t, flush, &ctx, 2, &fl), 0);
	assert_int_equal(CALL(t, fsync, &ctx, 2, &fs), 0);
	assert_int_equal(CALL(t, fsyncdir, &ctx, 1, &fs), 0);
	assert_int_equal(CALL(t, getxattr, &ctx, 2, "user.x", 0, &out, &needed), 0);
	assert_int_equal(needed, 3);
	assert_int_equal(CALL(t, listxattr, &ctx, 2, 0, &out, &needed), 0);
	assert_int_equal(needed, 5);
	assert_int_equal(CALL(t, lseek, &ctx, 2, &li, &lo), 0);
	assert_int_equal(lo.offset, 12);
	assert_int_equal(t->fake->calls[FK_RELEASE], 1);
	assert_int_equal(t->fake->calls[FK_RELEASEDIR], 1);
	assert_int_equal(t->fake->calls[FK_FLUSH], 1);
	assert_int_equal(t->fake->calls[FK_FSYNC], 1);
	assert_int_equal(t->fake->calls[FK_FSYNCDIR], 1);
	assert_int_equal(t->fake->calls[FK_GETXATTR], 1);
	assert_int_equal(t->fake->calls[FK_LISTXATTR], 1);
	assert_int_equal(t->fake->calls[FK_LSEEK], 1);
	FS_CALL_VOID(OPS(t), destroy);
	assert_int_equal(t->fake->calls[FK_DESTROY], 1);

	/* errors of the inner backend come back unchanged */
	t->fake->ret = -ENOENT;
	assert_int_equal(CALL(t, lookup, &ctx, 1, "nope", &e), -ENOENT);
	assert_int_equal(CALL(t, read, &ctx, 2, &ri, &out), -ENOENT);
}

/* An inner backend with no operations at all: everything delegated answers
 * ENOSYS, nothing crashes, and the refusals stay EROFS. */
static void test_empty_inner(void **state)
{
	static const struct fs_ops none = { 0 };
	struct fs_backend ro;
	struct fuse_entry_out e;
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	struct fuse_statfs_out so;
	uint64_t st = 0, flags = FUSE_WRITEBACK_CACHE | FUSE_ASYNC_READ;
	struct fuse_init_in ii = { .major = 7, .minor = 38 };
	(void)state;

	assert_int_equal(fs_readonly_new((struct fs_backend){ .ops = &none }, &ro), 0);
	assert_int_equal(FS_CALL(ro.table, init, &ii, &flags), 0);
	assert_int_equal(flags, FUSE_ASYNC_READ);
	assert_int_equal(FS_CALL(ro.table, lookup, &ctx, 1, "x", &e), -ENOSYS);
	assert_int_equal(FS_CALL(ro.table, open, &ctx, 2, &oi, &oo), -ENOSYS);
	assert_int_equal(FS_CALL(ro.table, statfs, &ctx, 1, &so, &st), -ENOSYS);
	assert_int_equal(FS_CALL(ro.table, access, &ctx, 1, R_OK), -ENOSYS);
	assert_int_equal(FS_CALL(ro.table, unlink, &ctx, 1, "x"), -EROFS);
	FS_CALL_VOID(ro.table, forget, 2, 1);
	FS_CALL_VOID(ro.table, destroy);
	ro.free(ro.fs);
}

static void test_new_rejects_bad_args_and_frees_inner(void **state)
{
	struct fake_inner *f;
	int freed = 0;
	struct fs_backend ro;
	(void)state;

	/* no output: inner still freed (ownership is taken on failure too) */
	assert_int_equal(fs_readonly_new(fake_backend(&f, &freed), NULL), -EINVAL);
	assert_int_equal(freed, 1);

	/* no ops table */
	freed = 0;
	struct fs_backend b = fake_backend(&f, &freed);
	b.ops = NULL;
	assert_int_equal(fs_readonly_new(b, &ro), -EINVAL);
	assert_int_equal(freed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_setattr_every_attribute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_namespace_ops_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_and_rename2_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_and_tmpfile_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_ops_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xattr_mutations_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_flags_matrix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opendir_flags_matrix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_append_forwarded_rdonly_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_kill_suidgid_not_forwarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_inner_error_passed_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_strips_writeback_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statfs_sets_rdonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setupmapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioctl_refused_without_inner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syncfs_answered_locally, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks_not_offered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ops_delegated, setup, teardown),
		cmocka_unit_test(test_empty_inner),
		cmocka_unit_test(test_new_rejects_bad_args_and_frees_inner),
	};

	return cmocka_run_group_tests_name("fs-readonly", tests, NULL, NULL);
}
