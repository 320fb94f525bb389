/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The passthrough backend behind the real FUSE server: byte-exact requests in,
 * replies checked byte for byte (header, length, error, body).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/passthrough.h"
#include "fs/server.h"
#include "../rm_tree.h"

struct env {
	char dir[64];
	struct fuse_server *s;
	uint64_t unique;
	int32_t exit_code;
	int exit_calls;
	uint8_t out[1 << 17];
	size_t written;
};

static void on_exit_code(void *opaque, int32_t code)
{
	struct env *e = opaque;
	e->exit_code = code;
	e->exit_calls++;
}

/* Build and send one request: header + fixed args + up to two strings. */
static const struct fuse_out_header *send_req(struct env *e, uint32_t opcode, uint64_t nodeid,
					      const void *arg, size_t arglen, const char *s1,
					      const char *s2)
{
	static uint8_t in[1 << 17];
	struct fuse_in_header h = { .opcode = opcode, .unique = ++e->unique, .nodeid = nodeid,
				    .uid = 0, .gid = 0, .pid = 1 };
	size_t len = sizeof(h);
	memcpy(in + len, arg, arglen);
	len += arglen;
	if (s1) {
		memcpy(in + len, s1, strlen(s1) + 1);
		len += strlen(s1) + 1;
	}
	if (s2) {
		memcpy(in + len, s2, strlen(s2) + 1);
		len += strlen(s2) + 1;
	}
	h.len = (uint32_t)len;
	memcpy(in, &h, sizeof(h));
	memset(e->out, 0xa5, sizeof(e->out));
	/* split both sides into two iovecs to exercise the scatter lists */
	struct iovec iv[2] = { { in, len / 2 }, { in + len / 2, len - len / 2 } };
	struct iovec ov[2] = { { e->out, 24 }, { e->out + 24, sizeof(e->out) - 24 } };
	e->written = 0;
	assert_int_equal(fuse_server_handle(e->s, iv, 2, ov, 2, &e->written), 0);
	if (e->written == 0)
		return NULL;
	const struct fuse_out_header *oh = (const void *)e->out;
	assert_int_equal(oh->unique, e->unique);
	assert_int_equal(oh->len, e->written);
	return oh;
}

/* Expect an error reply: header only. */
static void expect_error(struct env *e, const struct fuse_out_header *oh, int err)
{
	assert_non_null(oh);
	assert_int_equal(oh->error, err);
	assert_int_equal(e->written, sizeof(*oh));
}

static const void *expect_ok(struct env *e, const struct fuse_out_header *oh, size_t bodylen)
{
	assert_non_null(oh);
	assert_int_equal(oh->error, 0);
	assert_int_equal(e->written, sizeof(*oh) + bodylen);
	return e->out + sizeof(*oh);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	strcpy(e->dir, "/tmp/ckrun-pts-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	struct fs_passthrough_opts o = { .root = e->dir, .xattr = true };
	struct fuse_server_config cfg = { .exit_code = on_exit_code, .opaque = e };
	assert_int_equal(fs_passthrough_new(&o, &cfg.backend), 0);
	assert_int_equal(fuse_server_new(&cfg, &e->s), 0);
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
				   .max_readahead = 65536,
				   .flags = FUSE_WRITEBACK_CACHE | FUSE_POSIX_LOCKS | FUSE_DO_READDIRPLUS |
					    FUSE_ASYNC_READ | FUSE_BIG_WRITES };
	const struct fuse_init_out *io = expect_ok(e, send_req(e, FUSE_INIT, 0, &in, sizeof(in), NULL, NULL),
						   sizeof(struct fuse_init_out));
	/* the passthrough keeps writeback off by default and never offers locks */
	assert_int_equal(io->flags & (FUSE_WRITEBACK_CACHE | FUSE_POSIX_LOCKS), 0);
	assert_true(io->flags & FUSE_DO_READDIRPLUS);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	fuse_server_free(e->s);
	rm_tree(e->dir);
	free(e);
	return 0;
}

static void host_file(struct env *e, const char *name, const char *data)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", e->dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

static uint64_t lookup(struct env *e, uint64_t parent, const char *name)
{
	const struct fuse_entry_out *eo =
		expect_ok(e, send_req(e, FUSE_LOOKUP, parent, NULL, 0, name, NULL), sizeof(*eo));
	return eo->nodeid;
}

/* CREATE `name` (or TMPFILE, name NULL) in the root: its entry and open handle. */
static void create_op(struct env *e, uint32_t opcode, const char *name, uint32_t flags, uint32_t mode,
		      struct fuse_entry_out *eo, struct fuse_open_out *oo)
{
	struct fuse_create_in ci = { .flags = flags, .mode = mode };
	const uint8_t *body = expect_ok(e, send_req(e, opcode, FUSE_ROOT_ID, &ci, sizeof(ci), name, NULL),
					sizeof(*eo) + sizeof(*oo));
	memcpy(eo, body, sizeof(*eo));
	memcpy(oo, body + sizeof(*eo), sizeof(*oo));
}

static void test_lookup_getattr_forget(void **state)
{
	struct env *e = *state;
	host_file(e, "file", "0123456789");
	const struct fuse_entry_out *eo =
		expect_ok(e, send_req(e, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "file", NULL), sizeof(*eo));
	uint64_t n = eo->nodeid;
	assert_int_equal(eo->attr.size, 10);
	assert_int_equal(eo->entry_valid, 5);
	struct fuse_getattr_in gi = { 0 };
	const struct fuse_attr_out *ao =
		expect_ok(e, send_req(e, FUSE_GETATTR, n, &gi, sizeof(gi), NULL, NULL), sizeof(*ao));
	assert_int_equal(ao->attr.size, 10);
	assert_true(S_ISREG(ao->attr.mode));
	expect_error(e, send_req(e, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "nope", NULL), -ENOENT);
	/* confinement through the wire */
	expect_error(e, send_req(e, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "a/b", NULL), -EINVAL);
	expect_error(e, send_req(e, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, ".", NULL), -EINVAL);
	expect_error(e, send_req(e, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "", NULL), -EINVAL);
	assert_int_equal(lookup(e, FUSE_ROOT_ID, ".."), FUSE_ROOT_ID);
	/* FORGET: no reply; afterwards the node is gone */
	struct fuse_forget_in fi = { .nlookup = 1 };
	assert_null(send_req(e, FUSE_FORGET, n, &fi, sizeof(fi), NULL, NULL));
	expect_error(e, send_req(e, FUSE_GETATTR, n, &gi, sizeof(gi), NULL, NULL), -EBADF);
	expect_error(e, send_req(e, FUSE_GETATTR, 0x4242, &gi, sizeof(gi), NULL, NULL), -EBADF);
	/* BATCH_FORGET of two lookups of two files */
	host_file(e, "g", "");
	uint64_t a = lookup(e, FUSE_ROOT_ID, "file"), b = lookup(e, FUSE_ROOT_ID, "g");
	struct {
		struct fuse_batch_forget_in h;
		struct fuse_forget_one one[3];
	} bf = { { .count = 3 }, { { a, 1 }, { b, 1 }, { 0xdead, 7 } } };
	assert_null(send_req(e, FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), NULL, NULL));
	expect_error(e, send_req(e, FUSE_GETATTR, a, &gi, sizeof(gi), NULL, NULL), -EBADF);
	expect_error(e, send_req(e, FUSE_GETATTR, b, &gi, sizeof(gi), NULL, NULL), -EBADF);
}

static void test_create_write_read(void **state)
{
	struct env *e = *state;
	struct fuse_entry_out eo;
	struct fuse_open_out oo;
	create_op(e, FUSE_CREATE, "new", O_RDWR, S_IFREG | 0644, &eo, &oo);
	assert_true(S_ISREG(eo.attr.mode));

	struct {
		struct fuse_write_in w;
		char data[12];
	} wr = { { .fh = oo.fh, .offset = 0, .size = 12 }, "hello, world" };
	const struct fuse_write_out *wo =
		expect_ok(e, send_req(e, FUSE_WRITE, eo.nodeid, &wr, sizeof(wr), NULL, NULL), sizeof(*wo));
	assert_int_equal(wo->size, 12);

	struct fuse_read_in ri = { .fh = oo.fh, .offset = 7, .size = 100 };
	const char *data = expect_ok(e, send_req(e, FUSE_READ, eo.nodeid, &ri, sizeof(ri), NULL, NULL), 5);
	assert_memory_equal(data, "world", 5);
	/* the handle belongs to "new", not to the root */
	expect_error(e, send_req(e, FUSE_READ, FUSE_ROOT_ID, &ri, sizeof(ri), NULL, NULL), -EBADF);

	struct fuse_flush_in fl = { .fh = oo.fh };
	expect_ok(e, send_req(e, FUSE_FLUSH, eo.nodeid, &fl, sizeof(fl), NULL, NULL), 0);
	struct fuse_fsync_in fs = { .fh = oo.fh, .fsync_flags = FUSE_FSYNC_FDATASYNC };
	expect_ok(e, send_req(e, FUSE_FSYNC, eo.nodeid, &fs, sizeof(fs), NULL, NULL), 0);
	struct fuse_release_in rel = { .fh = oo.fh };
	expect_ok(e, send_req(e, FUSE_RELEASE, eo.nodeid, &rel, sizeof(rel), NULL, NULL), 0);
	expect_error(e, send_req(e, FUSE_READ, eo.nodeid, &ri, sizeof(ri), NULL, NULL), -EBADF);

	/* SETATTR size + mode */
	struct fuse_setattr_in si = { .valid = FATTR_SIZE | FATTR_MODE, .size = 3, .mode = 0600 };
	const struct fuse_attr_out *ao =
		expect_ok(e, send_req(e, FUSE_SETATTR, eo.nodeid, &si, sizeof(si), NULL, NULL), sizeof(*ao));
	assert_int_equal(ao->attr.size, 3);
	assert_int_equal(ao->attr.mode & 07777, 0600);
}

static void test_names_and_links(void **state)
{
	struct env *e = *state;
	struct fuse_mkdir_in mk = { .mode = 0755 };
	const struct fuse_entry_out *eo =
		expect_ok(e, send_req(e, FUSE_MKDIR, FUSE_ROOT_ID, &mk, sizeof(mk), "d", NULL), sizeof(*eo));
	uint64_t d = eo->nodeid;
	assert_true(S_ISDIR(eo->attr.mode));
	eo = expect_ok(e, send_req(e, FUSE_SYMLINK, d, NULL, 0, "esc", "/etc/passwd"), sizeof(*eo));
	uint64_t l = eo->nodeid;
	assert_true(S_ISLNK(eo->attr.mode));
	const char *t = expect_ok(e, send_req(e, FUSE_READLINK, l, NULL, 0, NULL, NULL), 11);
	assert_memory_equal(t, "/etc/passwd", 11);
	struct fuse_open_in oi = { .flags = O_RDONLY };
	expect_error(e, send_req(e, FUSE_OPEN, l, &oi, sizeof(oi), NULL, NULL), -ELOOP);

	struct fuse_mknod_in mn = { .mode = S_IFIFO | 0644 };
	eo = expect_ok(e, send_req(e, FUSE_MKNOD, d, &mn, sizeof(mn), "fifo", NULL), sizeof(*eo));
	assert_true(S_ISFIFO(eo->attr.mode));
	expect_error(e, send_req(e, FUSE_OPEN, eo->nodeid, &oi, sizeof(oi), NULL, NULL), -ENXIO);

	/* RENAME and RENAME2; "../x" refused */
	struct fuse_rename_in rn = { .newdir = FUSE_ROOT_ID };
	expect_ok(e, send_req(e, FUSE_RENAME, d, &rn, sizeof(rn), "fifo", "fifo2"), 0);
	struct fuse_rename2_in r2 = { .newdir = d, .flags = RENAME_NOREPLACE };
	expect_error(e, send_req(e, FUSE_RENAME2, FUSE_ROOT_ID, &r2, sizeof(r2), "fifo2", "esc"), -EEXIST);
	r2.flags = 0;
	expect_error(e, send_req(e, FUSE_RENAME2, d, &r2, sizeof(r2), "esc", "../x"), -EINVAL);
	expect_error(e, send_req(e, FUSE_RENAME, d, &rn, sizeof(rn), "..", "x"), -EINVAL);

	/* LINK */
	struct fuse_link_in li = { .oldnodeid = l };
	eo = expect_ok(e, send_req(e, FUSE_LINK, FUSE_ROOT_ID, &li, sizeof(li), "esc2", NULL), sizeof(*eo));
	assert_int_equal(eo->nodeid, l);
	assert_int_equal(eo->attr.nlink, 2);

	expect_error(e, send_req(e, FUSE_RMDIR, FUSE_ROOT_ID, NULL, 0, "d", NULL), -ENOTEMPTY);
	expect_ok(e, send_req(e, FUSE_UNLINK, d, NULL, 0, "esc", NULL), 0);
	expect_error(e, send_req(e, FUSE_UNLINK, d, NULL, 0, "esc", NULL), -ENOENT);
	expect_ok(e, send_req(e, FUSE_RMDIR, FUSE_ROOT_ID, NULL, 0, "d", NULL), 0);
}

static void test_readdirplus_wire(void **state)
{
	struct env *e = *state;
	char name[32];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "entry%02d", i);
		host_file(e, name, "x");
	}
	struct fuse_open_in oi = { .flags = O_RDONLY | O_DIRECTORY };
	const struct fuse_open_out *oo =
		expect_ok(e, send_req(e, FUSE_OPENDIR, FUSE_ROOT_ID, &oi, sizeof(oi), NULL, NULL), sizeof(*oo));
	uint64_t fh = oo->fh;
	size_t one = FUSE_DIRENTPLUS_SIZE(&(struct fuse_direntplus){ .dirent.namelen = 7 });
	uint64_t off = 0;
	int entries = 0, refs = 0;
	uint64_t nodes[32];
	for (int round = 0; round < 100; round++) {
		/* room for two entries and a bit: never a partial entry */
		struct fuse_read_in ri = { .fh = fh, .offset = off, .size = (uint32_t)(2 * one + 20) };
		const struct fuse_out_header *oh = send_req(e, FUSE_READDIRPLUS, FUSE_ROOT_ID, &ri, sizeof(ri),
							    NULL, NULL);
		assert_non_null(oh);
		assert_int_equal(oh->error, 0);
		size_t len = e->written - sizeof(*oh);
		assert_true(len <= 2 * one + 20);
		if (len == 0)
			break;
		size_t pos = 0;
		while (pos < len) {
			struct fuse_direntplus dp;
			memcpy(&dp, e->out + sizeof(*oh) + pos, sizeof(dp));
			size_t sz = FUSE_DIRENTPLUS_SIZE(&dp);
			assert_true(pos + sz <= len);
			const char *nm = (const char *)e->out + sizeof(*oh) + pos + sizeof(dp);
			bool dot = (dp.dirent.namelen == 1 && nm[0] == '.') ||
				   (dp.dirent.namelen == 2 && nm[0] == '.' && nm[1] == '.');
			if (dot) {
				assert_int_equal(dp.entry_out.nodeid, 0);
			} else {
				assert_int_not_equal(dp.entry_out.nodeid, 0);
				assert_int_equal(dp.entry_out.attr.size, 1);
				nodes[refs++] = dp.entry_out.nodeid;
			}
			entries++;
			off = dp.dirent.off;
			pos += sz;
		}
		assert_int_equal(pos, len);
	}
	assert_int_equal(entries, 22);
	assert_int_equal(refs, 20);
	/* each returned entry holds exactly one reference */
	struct fuse_getattr_in gi = { 0 };
	for (int i = 0; i < refs; i++) {
		struct fuse_forget_in fi = { .nlookup = 1 };
		assert_null(send_req(e, FUSE_FORGET, nodes[i], &fi, sizeof(fi), NULL, NULL));
		expect_error(e, send_req(e, FUSE_GETATTR, nodes[i], &gi, sizeof(gi), NULL, NULL), -EBADF);
	}
	/* plain READDIR: whole fuse_dirents */
	struct fuse_read_in ri = { .fh = fh, .offset = 0, .size = 4096 };
	const struct fuse_out_header *oh = send_req(e, FUSE_READDIR, FUSE_ROOT_ID, &ri, sizeof(ri), NULL, NULL);
	assert_int_equal(oh->error, 0);
	size_t len = e->written - sizeof(*oh), pos = 0;
	int n = 0;
	while (pos < len) {
		struct fuse_dirent d;
		memcpy(&d, e->out + sizeof(*oh) + pos, sizeof(d));
		pos += FUSE_DIRENT_SIZE(&d);
		n++;
	}
	assert_int_equal(pos, len);
	assert_int_equal(n, 22);
	struct fuse_release_in rel = { .fh = fh };
	expect_ok(e, send_req(e, FUSE_RELEASEDIR, FUSE_ROOT_ID, &rel, sizeof(rel), NULL, NULL), 0);
}

static void test_misc_ops(void **state)
{
	struct env *e = *state;
	const struct fuse_statfs_out *so =
		expect_ok(e, send_req(e, FUSE_STATFS, FUSE_ROOT_ID, NULL, 0, NULL, NULL), sizeof(*so));
	assert_true(so->st.bsize > 0);
	assert_int_equal(so->st.namelen, 255);

	/* xattrs: size probe, value, list, remove */
	struct fuse_setxattr_in sxh = { .size = 3, .flags = 0 };
	/* FUSE_SETXATTR without SETXATTR_EXT carries the 8-byte compat head */
	uint8_t req[64];
	memcpy(req, &sxh, FUSE_COMPAT_SETXATTR_IN_SIZE);
	memcpy(req + FUSE_COMPAT_SETXATTR_IN_SIZE, "user.k", 7);
	memcpy(req + FUSE_COMPAT_SETXATTR_IN_SIZE + 7, "abc", 3);
	expect_ok(e, send_req(e, FUSE_SETXATTR, FUSE_ROOT_ID, req, FUSE_COMPAT_SETXATTR_IN_SIZE + 10, NULL, NULL),
		  0);
	struct fuse_getxattr_in gx = { .size = 0 };
	const struct fuse_getxattr_out *gxo = expect_ok(
		e, send_req(e, FUSE_GETXATTR, FUSE_ROOT_ID, &gx, sizeof(gx), "user.k", NULL), sizeof(*gxo));
	assert_int_equal(gxo->size, 3);
	gx.size = 64;
	const char *v = expect_ok(e, send_req(e, FUSE_GETXATTR, FUSE_ROOT_ID, &gx, sizeof(gx), "user.k", NULL), 3);
	assert_memory_equal(v, "abc", 3);
	gx.size = 2;
	expect_error(e, send_req(e, FUSE_GETXATTR, FUSE_ROOT_ID, &gx, sizeof(gx), "user.k", NULL), -ERANGE);
	gx.size = 0;
	gxo = expect_ok(e, send_req(e, FUSE_LISTXATTR, FUSE_ROOT_ID, &gx, sizeof(gx), NULL, NULL), sizeof(*gxo));
	assert_true(gxo->size >= 7);
	expect_ok(e, send_req(e, FUSE_REMOVEXATTR, FUSE_ROOT_ID, NULL, 0, "user.k", NULL), 0);
	expect_error(e, send_req(e, FUSE_REMOVEXATTR, FUSE_ROOT_ID, NULL, 0, "user.k", NULL), -ENODATA);

	/* ACCESS, locks, ioctls */
	struct fuse_access_in ac = { .mask = R_OK | X_OK };
	expect_ok(e, send_req(e, FUSE_ACCESS, FUSE_ROOT_ID, &ac, sizeof(ac), NULL, NULL), 0);
	struct fuse_lk_in lk = { 0 };
	expect_error(e, send_req(e, FUSE_GETLK, FUSE_ROOT_ID, &lk, sizeof(lk), NULL, NULL), -ENOSYS);
	expect_error(e, send_req(e, FUSE_SETLK, FUSE_ROOT_ID, &lk, sizeof(lk), NULL, NULL), -ENOSYS);
	struct fuse_ioctl_in io = { .cmd = 0x5401, .out_size = 0 };
	expect_error(e, send_req(e, FUSE_IOCTL, FUSE_ROOT_ID, &io, sizeof(io), NULL, NULL), -ENOTTY);
	io = (struct fuse_ioctl_in){ .cmd = CKRUN_IOC_EXIT_CODE, .arg = 42 };
	expect_ok(e, send_req(e, FUSE_IOCTL, FUSE_ROOT_ID, &io, sizeof(io), NULL, NULL),
		  sizeof(struct fuse_ioctl_out));
	assert_int_equal(e->exit_calls, 1);
	assert_int_equal(e->exit_code, 42);
	struct fuse_syncfs_in sf = { 0 };
	expect_ok(e, send_req(e, FUSE_SYNCFS, FUSE_ROOT_ID, &sf, sizeof(sf), NULL, NULL), 0);

	/* LSEEK, FALLOCATE, COPY_FILE_RANGE on a fresh file */
	struct fuse_entry_out eo;
	struct fuse_open_out oo;
	create_op(e, FUSE_CREATE, "f", O_RDWR, 0644, &eo, &oo);
	struct fuse_fallocate_in fa = { .fh = oo.fh, .offset = 0, .length = 4096 };
	expect_ok(e, send_req(e, FUSE_FALLOCATE, eo.nodeid, &fa, sizeof(fa), NULL, NULL), 0);
	struct fuse_lseek_in ls = { .fh = oo.fh, .offset = 0, .whence = SEEK_END };
	const struct fuse_lseek_out *lo =
		expect_ok(e, send_req(e, FUSE_LSEEK, eo.nodeid, &ls, sizeof(ls), NULL, NULL), sizeof(*lo));
	assert_int_equal(lo->offset, 4096);
	struct fuse_copy_file_range_in cr = { .fh_in = oo.fh, .off_in = 0, .nodeid_out = eo.nodeid,
					      .fh_out = oo.fh, .off_out = 8192, .len = 100 };
	const struct fuse_write_out *wo =
		expect_ok(e, send_req(e, FUSE_COPY_FILE_RANGE, eo.nodeid, &cr, sizeof(cr), NULL, NULL), sizeof(*wo));
	assert_int_equal(wo->size, 100);
	/* TMPFILE */
	create_op(e, FUSE_TMPFILE, NULL, O_RDWR, 0644, &eo, &oo);
	assert_int_equal(eo.attr.nlink, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_lookup_getattr_forget),
		T(test_create_write_read),
		T(test_names_and_links),
		T(test_readdirplus_wire),
		T(test_misc_ops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
