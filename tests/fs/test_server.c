/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The FUSE server against a fake recording backend: byte-exact requests in,
 * byte-exact replies out, and what reached the backend.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs/server.h"

#ifndef FUSE_ALLOW_IDMAP
#define FUSE_ALLOW_IDMAP (1ULL << 40) /* newer <linux/fuse.h> only */
#endif

#define MIB (1u << 20)
#define BUFSZ (2 * MIB + 65536)
#define OH sizeof(struct fuse_out_header)
#define IH sizeof(struct fuse_in_header)

/* ---------------------------------------------------------------- fake backend */

struct rec {
	int calls;
	const char *last;   /* name of the last op called */
	struct fs_ctx ctx;
	uint64_t node, node2;
	char name[PATH_MAX + 16], name2[PATH_MAX + 16];
	uint32_t u32;
	bool flag;
	uint8_t in[256];    /* copy of the op's fixed argument struct */
	size_t in_len;
	uint8_t *data;      /* payload the op consumed (write, setxattr, ioctl) */
	size_t data_len;
	size_t out_limit;   /* bytes the op was allowed to write */
	int rc;             /* what every op returns */
	uint64_t init_in_flags;
	uint64_t init_clear; /* init clears these bits */
	uint64_t init_add;   /* and tries to add these */
	int init_rc;
	uint64_t fnode[32], fnl[32];
	int nforget;
	int destroyed, freed;
	const void *reply;  /* bytes to write into a data cursor */
	size_t reply_len;
	uint32_t needed;
	int fd;             /* file for read/write zero-copy */
	struct fuse_removemapping_one rm[4];
	uint32_t rm_count;
	const struct fs_dax_window *win;
};

/* Deterministic, position-dependent filler so a misplaced field shows. */
static void pattern(void *p, size_t n, uint8_t seed)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

#define REC(fs, opname)                              \
	struct rec *R = (fs);                        \
	R->calls++;                                  \
	R->last = opname;                            \
	if (c)                                       \
		R->ctx = *c

#define KEEP_IN(p)                                   \
	do {                                         \
		memcpy(R->in, (p), sizeof(*(p)));    \
		R->in_len = sizeof(*(p));            \
	} while (0)

static void keep_name(char *dst, const char *s)
{
	snprintf(dst, PATH_MAX + 16, "%s", s);
}

static int emit(struct rec *R, struct fs_iobuf *out)
{
	R->out_limit = fs_iobuf_remaining(out);
	if (R->reply_len && fs_iobuf_write(out, R->reply, R->reply_len) < 0)
		return -ERANGE;
	return R->rc;
}

static int f_init(void *fs, const struct fuse_init_in *in, uint64_t *flags)
{
	struct rec *R = fs;
	(void)in;
	R->calls++;
	R->last = "init";
	R->init_in_flags = *flags;
	*flags &= ~R->init_clear;
	*flags |= R->init_add;
	return R->init_rc;
}
static void f_destroy(void *fs)
{
	struct rec *R = fs;
	R->destroyed++;
}
static int f_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    struct fuse_entry_out *out)
{
	REC(fs, "lookup");
	R->node = parent;
	keep_name(R->name, name);
	pattern(out, sizeof(*out), 1);
	return R->rc;
}
static void f_forget(void *fs, uint64_t nodeid, uint64_t nlookup)
{
	struct rec *R = fs;
	R->calls++;
	R->last = "forget";
	if (R->nforget < 32) {
		R->fnode[R->nforget] = nodeid;
		R->fnl[R->nforget] = nlookup;
	}
	R->nforget++;
}
static int f_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	REC(fs, "getattr");
	R->node = nodeid;
	KEEP_IN(in);
	pattern(out, sizeof(*out), 2);
	return R->rc;
}
static int f_setattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_setattr_in *in, struct fuse_attr_out *out)
{
	REC(fs, "setattr");
	R->node = nodeid;
	KEEP_IN(in);
	pattern(out, sizeof(*out), 3);
	return R->rc;
}
static int f_readlink(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fs_iobuf *out)
{
	REC(fs, "readlink");
	R->node = nodeid;
	return emit(R, out);
}
static int f_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const char *target, struct fuse_entry_out *out)
{
	REC(fs, "symlink");
	R->node = parent;
	keep_name(R->name, name);
	keep_name(R->name2, target);
	pattern(out, sizeof(*out), 4);
	return R->rc;
}
static int f_mknod(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		   const struct fuse_mknod_in *in, struct fuse_entry_out *out)
{
	REC(fs, "mknod");
	R->node = parent;
	keep_name(R->name, name);
	KEEP_IN(in);
	pattern(out, sizeof(*out), 5);
	return R->rc;
}
static int f_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		   const struct fuse_mkdir_in *in, struct fuse_entry_out *out)
{
	REC(fs, "mkdir");
	R->node = parent;
	keep_name(R->name, name);
	KEEP_IN(in);
	pattern(out, sizeof(*out), 6);
	return R->rc;
}
static int f_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	REC(fs, "unlink");
	R->node = parent;
	keep_name(R->name, name);
	return R->rc;
}
static int f_rmdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	REC(fs, "rmdir");
	R->node = parent;
	keep_name(R->name, name);
	return R->rc;
}
static int f_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    uint64_t newparent, const char *newname, uint32_t flags)
{
	REC(fs, "rename");
	R->node = parent;
	R->node2 = newparent;
	keep_name(R->name, name);
	keep_name(R->name2, newname);
	R->u32 = flags;
	return R->rc;
}
static int f_link(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
		  const char *newname, struct fuse_entry_out *out)
{
	REC(fs, "link");
	R->node = nodeid;
	R->node2 = newparent;
	keep_name(R->name, newname);
	pattern(out, sizeof(*out), 7);
	return R->rc;
}
static int f_open(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		  const struct fuse_open_in *in, struct fuse_open_out *out)
{
	REC(fs, "open");
	R->node = nodeid;
	KEEP_IN(in);
	pattern(out, sizeof(*out), 8);
	return R->rc;
}
static int f_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    const struct fuse_create_in *in, struct fuse_entry_out *entry,
		    struct fuse_open_out *open)
{
	REC(fs, "create");
	R->node = parent;
	keep_name(R->name, name);
	KEEP_IN(in);
	pattern(entry, sizeof(*entry), 9);
	pattern(open, sizeof(*open), 10);
	return R->rc;
}
static int f_read(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		  const struct fuse_read_in *in, struct fs_iobuf *out)
{
	REC(fs, "read");
	R->node = nodeid;
	KEEP_IN(in);
	if (R->fd >= 0) {
		ssize_t n;

		R->out_limit = fs_iobuf_remaining(out);
		n = fs_iobuf_pread(out, R->fd, in->size, (off_t)in->offset);
		return n < 0 ? (int)n : R->rc;
	}
	return emit(R, out);
}
static int f_write(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		   const struct fuse_write_in *in, struct fs_iobuf *data, struct fuse_write_out *out)
{
	REC(fs, "write");
	R->node = nodeid;
	KEEP_IN(in);
	R->data_len = fs_iobuf_remaining(data);
	if (R->fd >= 0) {
		ssize_t n = fs_iobuf_pwrite(data, R->fd, in->size, (off_t)in->offset);

		if (n < 0)
			return (int)n;
		out->size = (uint32_t)n;
	} else {
		free(R->data);
		R->data = malloc(R->data_len + 1);
		assert_int_equal(fs_iobuf_read(data, R->data, R->data_len), 0);
		pattern(out, sizeof(*out), 11);
	}
	return R->rc;
}
static int f_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fuse_statfs_out *out,
		    uint64_t *st_flags)
{
	REC(fs, "statfs");
	R->node = nodeid;
	pattern(out, sizeof(*out), 12);
	*st_flags = 0xffffffffffffffffull; /* must not reach the wire */
	return R->rc;
}
static int f_release(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_release_in *in)
{
	REC(fs, "release");
	R->node = nodeid;
	KEEP_IN(in);
	return R->rc;
}
static int f_flush(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_flush_in *in)
{
	REC(fs, "flush");
	R->node = nodeid;
	KEEP_IN(in);
	return R->rc;
}
static int f_fsync(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_fsync_in *in)
{
	REC(fs, "fsync");
	R->node = nodeid;
	KEEP_IN(in);
	return R->rc;
}
static int f_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_open_in *in, struct fuse_open_out *out)
{
	REC(fs, "opendir");
	R->node = nodeid;
	KEEP_IN(in);
	pattern(out, sizeof(*out), 13);
	return R->rc;
}
static int f_readdir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_read_in *in, bool plus, struct fs_iobuf *out)
{
	REC(fs, plus ? "readdirplus" : "readdir");
	R->node = nodeid;
	R->flag = plus;
	KEEP_IN(in);
	return emit(R, out);
}
static int f_releasedir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_release_in *in)
{
	REC(fs, "releasedir");
	R->node = nodeid;
	KEEP_IN(in);
	return R->rc;
}
static int f_fsyncdir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_fsync_in *in)
{
	REC(fs, "fsyncdir");
	R->node = nodeid;
	KEEP_IN(in);
	return R->rc;
}
static int f_setxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		      const void *value, size_t size, uint32_t flags)
{
	REC(fs, "setxattr");
	R->node = nodeid;
	keep_name(R->name, name);
	free(R->data);
	R->data = malloc(size + 1);
	memcpy(R->data, value, size);
	R->data_len = size;
	R->u32 = flags;
	return R->rc;
}
static int f_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		      uint32_t size, struct fs_iobuf *out, uint32_t *needed)
{
	REC(fs, "getxattr");
	R->node = nodeid;
	keep_name(R->name, name);
	R->u32 = size;
	if (size == 0) {
		*needed = R->needed;
		return R->rc;
	}
	return emit(R, out);
}
static int f_listxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t size,
		       struct fs_iobuf *out, uint32_t *needed)
{
	REC(fs, "listxattr");
	R->node = nodeid;
	R->u32 = size;
	if (size == 0) {
		*needed = R->needed;
		return R->rc;
	}
	return emit(R, out);
}
static int f_removexattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name)
{
	REC(fs, "removexattr");
	R->node = nodeid;
	keep_name(R->name, name);
	return R->rc;
}
static int f_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t mask)
{
	REC(fs, "access");
	R->node = nodeid;
	R->u32 = mask;
	return R->rc;
}
static int f_fallocate(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_fallocate_in *in)
{
	REC(fs, "fallocate");
	R->node = nodeid;
	KEEP_IN(in);
	return R->rc;
}
static int f_lseek(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		   const struct fuse_lseek_in *in, struct fuse_lseek_out *out)
{
	REC(fs, "lseek");
	R->node = nodeid;
	KEEP_IN(in);
	pattern(out, sizeof(*out), 14);
	return R->rc;
}
static int f_copy_file_range(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			     const struct fuse_copy_file_range_in *in, struct fuse_write_out *out)
{
	REC(fs, "copy_file_range");
	R->node = nodeid;
	KEEP_IN(in);
	pattern(out, sizeof(*out), 15);
	return R->rc;
}
static int f_ioctl(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_ioctl_in *in,
		   struct fs_iobuf *data_in, struct fs_iobuf *out, struct fuse_ioctl_out *res)
{
	REC(fs, "ioctl");
	R->node = nodeid;
	KEEP_IN(in);
	R->data_len = fs_iobuf_remaining(data_in);
	free(R->data);
	R->data = malloc(R->data_len + 1);
	assert_int_equal(fs_iobuf_read(data_in, R->data, R->data_len), 0);
	res->result = 77;
	return emit(R, out);
}
static int f_getlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_lk_in *in,
		   struct fuse_lk_out *out)
{
	REC(fs, "getlk");
	R->node = nodeid;
	KEEP_IN(in);
	pattern(out, sizeof(*out), 16);
	return R->rc;
}
static int f_setlk(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_lk_in *in,
		   bool sleep)
{
	REC(fs, sleep ? "setlkw" : "setlk");
	R->node = nodeid;
	R->flag = sleep;
	KEEP_IN(in);
	return R->rc;
}
static int f_syncfs(void *fs, const struct fs_ctx *c, uint64_t nodeid)
{
	REC(fs, "syncfs");
	R->node = nodeid;
	return R->rc;
}
static int f_tmpfile(void *fs, const struct fs_ctx *c, uint64_t parent,
		     const struct fuse_create_in *in, struct fuse_entry_out *entry,
		     struct fuse_open_out *open)
{
	REC(fs, "tmpfile");
	R->node = parent;
	KEEP_IN(in);
	pattern(entry, sizeof(*entry), 17);
	pattern(open, sizeof(*open), 18);
	return R->rc;
}
static int f_setupmapping(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			  const struct fuse_setupmapping_in *in, const struct fs_dax_window *w)
{
	REC(fs, "setupmapping");
	R->node = nodeid;
	KEEP_IN(in);
	R->win = w;
	return R->rc;
}
static int f_removemapping(void *fs, const struct fs_ctx *c, const struct fuse_removemapping_one *one,
			   uint32_t count, const struct fs_dax_window *w)
{
	REC(fs, "removemapping");
	R->rm_count = count;
	for (uint32_t i = 0; i < count && i < 4; i++)
		R->rm[i] = one[i];
	R->win = w;
	return R->rc;
}

static const struct fs_ops full_ops = {
	.init = f_init, .destroy = f_destroy, .lookup = f_lookup, .forget = f_forget,
	.getattr = f_getattr, .setattr = f_setattr, .readlink = f_readlink, .symlink = f_symlink,
	.mknod = f_mknod, .mkdir = f_mkdir, .unlink = f_unlink, .rmdir = f_rmdir,
	.rename = f_rename, .link = f_link, .open = f_open, .create = f_create, .read = f_read,
	.write = f_write, .statfs = f_statfs, .release = f_release, .flush = f_flush,
	.fsync = f_fsync, .opendir = f_opendir, .readdir = f_readdir, .releasedir = f_releasedir,
	.fsyncdir = f_fsyncdir, .setxattr = f_setxattr, .getxattr = f_getxattr,
	.listxattr = f_listxattr, .removexattr = f_removexattr, .access = f_access,
	.fallocate = f_fallocate, .lseek = f_lseek, .copy_file_range = f_copy_file_range,
	.ioctl = f_ioctl, .getlk = f_getlk, .setlk = f_setlk, .syncfs = f_syncfs,
	.tmpfile = f_tmpfile, .setupmapping = f_setupmapping, .removemapping = f_removemapping,
};

static const struct fs_ops empty_ops = { 0 };

static void f_free(void *fs)
{
	struct rec *R = fs;
	R->freed++;
}

/* ---------------------------------------------------------------- fixture */

struct fx {
	struct rec R;
	struct fuse_server *s;
	uint8_t *req;
	size_t rlen;
	uint8_t *out;
	size_t written;
	int ret;
	struct fuse_out_header oh;
	int32_t exit_code;
	int exit_calls;
	uint64_t unique;
};

static void on_exit_code(void *opaque, int32_t code)
{
	struct fx *f = opaque;
	f->exit_code = code;
	f->exit_calls++;
}

static void make_server(struct fx *f, const struct fs_ops *ops, void *dax_base, uint64_t dax_size)
{
	struct fuse_server_config cfg = {
		.backend = { .ops = ops, .fs = &f->R, .free = f_free },
		.dax = { .base = dax_base, .size = dax_size },
		.exit_code = on_exit_code,
		.opaque = f,
	};

	if (f->s)
		fuse_server_free(f->s);
	f->s = NULL;
	memset(&f->R, 0, sizeof(f->R));
	f->R.fd = -1;
	assert_int_equal(fuse_server_new(&cfg, &f->s), 0);
	assert_non_null(f->s);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->req = calloc(1, BUFSZ);
	f->out = calloc(1, BUFSZ);
	make_server(f, &full_ops, NULL, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fuse_server_free(f->s);
	free(f->R.data);
	free(f->req);
	free(f->out);
	free(f);
	return 0;
}

/* Request builder: header, then arguments appended in order. */
static void rq(struct fx *f, uint32_t opcode, uint64_t nodeid)
{
	struct fuse_in_header h = {
		.opcode = opcode,
		.unique = ++f->unique * 0x0101010101ull,
		.nodeid = nodeid,
		.uid = 1000,
		.gid = 1001,
		.pid = 4242,
	};

	memset(f->req, 0, 4096);
	memcpy(f->req, &h, sizeof(h));
	f->rlen = sizeof(h);
}

static void add(struct fx *f, const void *p, size_t n)
{
	memcpy(f->req + f->rlen, p, n);
	f->rlen += n;
}

static void add_str(struct fx *f, const char *s)
{
	add(f, s, strlen(s) + 1);
}

static void fin(struct fx *f)
{
	uint32_t len = (uint32_t)f->rlen;

	memcpy(f->req, &len, sizeof(len));
}

static uint64_t req_unique(const struct fx *f)
{
	struct fuse_in_header h;

	memcpy(&h, f->req, sizeof(h));
	return h.unique;
}

/* Send the built request with one in and one out iovec of out_room bytes. */
static void send_room(struct fx *f, size_t out_room)
{
	struct iovec in = { f->req, f->rlen };
	struct iovec out = { f->out, out_room };

	memset(f->out, 0xEE, out_room < 8192 ? out_room + 64 : 8192);
	f->written = 12345;
	f->ret = fuse_server_handle(f->s, &in, 1, &out, 1, &f->written);
	memcpy(&f->oh, f->out, sizeof(f->oh));
}

static void send_req(struct fx *f)
{
	fin(f);
	send_room(f, BUFSZ);
}

/* A reply with this error and body length, addressed to the request. */
static void expect_reply(struct fx *f, int err, size_t body)
{
	assert_int_equal(f->ret, 0);
	assert_int_equal(f->written, OH + body);
	assert_int_equal(f->oh.len, OH + body);
	assert_int_equal(f->oh.error, err);
	assert_int_equal(f->oh.unique, req_unique(f));
}

static void expect_noreply(struct fx *f)
{
	assert_int_equal(f->ret, 0);
	assert_int_equal(f->written, 0);
	assert_int_equal(f->out[0], 0xEE); /* nothing written */
}

static void expect_body(struct fx *f, size_t off, uint8_t seed, size_t n)
{
	uint8_t want[512];

	pattern(want, n, seed);
	assert_memory_equal(f->out + OH + off, want, n);
}

static void expect_ctx(struct fx *f)
{
	assert_int_equal(f->R.ctx.uid, 1000);
	assert_int_equal(f->R.ctx.gid, 1001);
	assert_int_equal(f->R.ctx.pid, 4242);
	assert_int_equal(f->R.ctx.unique, req_unique(f));
}

static void send_init(struct fx *f, uint32_t major, uint32_t minor, uint64_t flags)
{
	struct fuse_init_in in = {
		.major = major,
		.minor = minor,
		.max_readahead = 0x20000,
		.flags = (uint32_t)flags,
		.flags2 = (uint32_t)(flags >> 32),
	};

	rq(f, FUSE_INIT, 0);
	add(f, &in, sizeof(in));
	send_req(f);
}

static struct fuse_init_out init_reply(struct fx *f)
{
	struct fuse_init_out o;

	memcpy(&o, f->out + OH, sizeof(o));
	return o;
}

#define ALL_GUEST_FLAGS 0xffffffffffffffffull

static void do_init_ok(struct fx *f)
{
	send_init(f, 7, FUSE_KERNEL_MINOR_VERSION, FUSE_INIT_EXT | FUSE_ASYNC_READ);
	expect_reply(f, 0, sizeof(struct fuse_init_out));
	f->R.calls = 0;
	f->R.last = NULL;
}

static int setup_init(void **state)
{
	setup(state);
	do_init_ok(*state);
	return 0;
}

/* ---------------------------------------------------------------- iobuf */

static void test_iobuf_rw_across_iovecs(void **state)
{
	(void)state;
	char a[3], b[0 + 1], c[5];
	struct iovec v[4] = { { a, 3 }, { b, 0 }, { c, 5 }, { NULL, 0 } };
	struct fs_iobuf o = { .iov = v, .iovcnt = 4, .limit = SIZE_MAX };
	struct fs_iobuf i;
	char got[8];

	assert_int_equal(fs_iobuf_remaining(&o), 8);
	assert_int_equal(fs_iobuf_write(&o, "abcdefg", 7), 0);
	assert_int_equal(fs_iobuf_remaining(&o), 1);
	/* too much: refused, cursor unchanged */
	assert_int_equal(fs_iobuf_write(&o, "xy", 2), -ENOSPC);
	assert_int_equal(fs_iobuf_remaining(&o), 1);
	assert_int_equal(fs_iobuf_write(&o, "h", 1), 0);
	assert_int_equal(fs_iobuf_remaining(&o), 0);
	assert_int_equal(fs_iobuf_write(&o, "", 0), 0);
	assert_memory_equal(a, "abc", 3);
	assert_memory_equal(c, "defgh", 5);

	i = (struct fs_iobuf){ .iov = v, .iovcnt = 4, .limit = 6 };
	assert_int_equal(fs_iobuf_remaining(&i), 6);
	assert_int_equal(fs_iobuf_skip(&i, 2), 0);
	assert_int_equal(fs_iobuf_read(&i, got, 5), -EINVAL); /* limit 4 left */
	assert_int_equal(fs_iobuf_read(&i, got, 4), 0);
	assert_memory_equal(got, "cdef", 4);
	assert_int_equal(fs_iobuf_skip(&i, 1), -EINVAL);
	assert_int_equal(fs_iobuf_remaining(&i), 0);
}

static void test_iobuf_saturating_sum(void **state)
{
	(void)state;
	char x;
	/* Lengths that would wrap a naive sum: the cursor stays at its limit. */
	struct iovec v[2] = { { &x, SIZE_MAX - 1 }, { &x, 16 } };
	struct fs_iobuf b = { .iov = v, .iovcnt = 2, .limit = SIZE_MAX };
	struct fs_iobuf empty = { .iov = NULL, .iovcnt = 0, .limit = 100 };

	assert_int_equal(fs_iobuf_remaining(&b), SIZE_MAX);
	assert_int_equal(fs_iobuf_remaining(&empty), 0);
	assert_int_equal(fs_iobuf_read(&empty, &x, 1), -EINVAL);
}

static void test_iobuf_pread_pwrite(void **state)
{
	(void)state;
	enum { N = 100, SZ = 7 };
	int fd = memfd_create("iobuf", 0);
	static char cells[N][SZ];
	static char cells2[N][SZ];
	struct iovec v[N], v2[N];
	char src[N * SZ], back[N * SZ];
	struct fs_iobuf b;

	assert_true(fd >= 0);
	for (int i = 0; i < N; i++) {
		v[i] = (struct iovec){ cells[i], SZ };
		v2[i] = (struct iovec){ cells2[i], SZ };
	}
	pattern(src, sizeof(src), 9);
	memcpy(cells, src, sizeof(src));
	/* more iovecs than one preadv batch, from offset 3 */
	b = (struct fs_iobuf){ .iov = v, .iovcnt = N, .limit = SIZE_MAX };
	assert_int_equal(fs_iobuf_skip(&b, 3), 0);
	assert_int_equal(fs_iobuf_pwrite(&b, fd, N * SZ - 3, 10), N * SZ - 3);
	assert_int_equal(fs_iobuf_remaining(&b), 0);
	assert_int_equal(pread(fd, back, N * SZ - 3, 10), N * SZ - 3);
	assert_memory_equal(back, src + 3, N * SZ - 3);

	/* read back, asking for more than the cursor holds: clipped */
	b = (struct fs_iobuf){ .iov = v2, .iovcnt = N, .limit = 500 };
	assert_int_equal(fs_iobuf_pread(&b, fd, 100000, 10), 500);
	assert_memory_equal(cells2, src + 3, 500);
	/* at EOF: short */
	b = (struct fs_iobuf){ .iov = v2, .iovcnt = N, .limit = SIZE_MAX };
	assert_int_equal(fs_iobuf_pread(&b, fd, N * SZ, 10 + N * SZ - 3 - 5), 5);
	assert_int_equal(fs_iobuf_remaining(&b), N * SZ - 5);
	/* errors come back as -errno */
	assert_int_equal(fs_iobuf_pread(&b, -1, 10, 0), -EBADF);
	assert_int_equal(fs_iobuf_pread(&b, fd, 10, -1), -EINVAL);
	close(fd);
}

static void test_name_valid(void **state)
{
	(void)state;
	char longname[NAME_MAX + 2];

	assert_true(fs_name_is_valid("a"));
	assert_true(fs_name_is_valid("..."));
	assert_true(fs_name_is_valid(".hidden"));
	assert_false(fs_name_is_valid(NULL));
	assert_false(fs_name_is_valid(""));
	assert_false(fs_name_is_valid("."));
	assert_false(fs_name_is_valid(".."));
	assert_false(fs_name_is_valid("a/b"));
	assert_false(fs_name_is_valid("/"));
	assert_false(fs_name_is_valid("a/"));
	memset(longname, 'x', NAME_MAX);
	longname[NAME_MAX] = '\0';
	assert_true(fs_name_is_valid(longname));
	longname[NAME_MAX] = 'x';
	longname[NAME_MAX + 1] = '\0';
	assert_false(fs_name_is_valid(longname));
}

/* ---------------------------------------------------------------- INIT */

#define SERVER_SET                                                                  \
	((uint64_t)(FUSE_ASYNC_READ | FUSE_PARALLEL_DIROPS | FUSE_BIG_WRITES |      \
		    FUSE_AUTO_INVAL_DATA | FUSE_ASYNC_DIO | FUSE_HAS_IOCTL_DIR |        \
		    FUSE_ATOMIC_O_TRUNC | FUSE_MAX_PAGES | FUSE_DO_READDIRPLUS |        \
		    FUSE_READDIRPLUS_AUTO | FUSE_HANDLE_KILLPRIV_V2 | FUSE_SUBMOUNTS |  \
		    FUSE_INIT_EXT))

static void test_init_versions(void **state)
{
	struct fx *f = *state;
	struct fuse_init_out o;

	send_init(f, 7, 26, 0);
	expect_reply(f, -EPROTO, 0);
	send_init(f, 6, 99, 0);
	expect_reply(f, -EPROTO, 0);
	send_init(f, 0, 0, 0);
	expect_reply(f, -EPROTO, 0);

	/* newer major: our version only, session not started */
	send_init(f, 8, 0, ALL_GUEST_FLAGS);
	expect_reply(f, 0, sizeof(struct fuse_init_out));
	o = init_reply(f);
	assert_int_equal(o.major, 7);
	assert_int_equal(o.minor, FUSE_KERNEL_MINOR_VERSION);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.max_write, 0);
	assert_int_equal(f->R.calls, 0); /* backend init not called */
	rq(f, FUSE_GETATTR, 1);
	add(f, &(struct fuse_getattr_in){ 0 }, sizeof(struct fuse_getattr_in));
	send_req(f);
	expect_reply(f, -EIO, 0);

	send_init(f, 7, 31, 0);
	expect_reply(f, 0, sizeof(struct fuse_init_out));
	o = init_reply(f);
	assert_int_equal(o.major, 7);
	assert_int_equal(o.minor, 31);

	/* a second INIT in the same session */
	send_init(f, 7, 31, 0);
	expect_reply(f, -EIO, 0);

	/* DESTROY ends the session; a new INIT is accepted, minor capped */
	rq(f, FUSE_DESTROY, 0);
	send_req(f);
	expect_reply(f, 0, 0);
	assert_int_equal(f->R.destroyed, 1);
	send_init(f, 7, 99, 0);
	expect_reply(f, 0, sizeof(struct fuse_init_out));
	o = init_reply(f);
	assert_int_equal(o.minor, FUSE_KERNEL_MINOR_VERSION);

	make_server(f, &full_ops, NULL, 0);
	send_init(f, 7, 27, 0);
	expect_reply(f, 0, sizeof(struct fuse_init_out));
	assert_int_equal(init_reply(f).minor, 27);
}

static void test_init_flags(void **state)
{
	struct fx *f = *state;
	struct fuse_init_out o;

	send_init(f, 7, 38, ALL_GUEST_FLAGS);
	expect_reply(f, 0, sizeof(struct fuse_init_out));
	o = init_reply(f);
	/* the backend saw guest & server set, writeback included (guest offered) */
	assert_int_equal(f->R.init_in_flags, SERVER_SET | FUSE_WRITEBACK_CACHE);
	/* and the reply carries what the backend left: all of it here */
	assert_int_equal(o.flags, (uint32_t)(SERVER_SET | FUSE_WRITEBACK_CACHE));
	assert_int_equal(o.flags2, 0);
	assert_false(((uint64_t)o.flags2 << 32) & FUSE_ALLOW_IDMAP);
	assert_false(o.flags & (FUSE_POSIX_LOCKS | FUSE_FLOCK_LOCKS | FUSE_MAP_ALIGNMENT |
				FUSE_SETXATTR_EXT | FUSE_POSIX_ACL | FUSE_HANDLE_KILLPRIV));
	assert_int_equal(o.max_readahead, 0x20000);
	assert_int_equal(o.max_write, MIB);
	assert_int_equal(o.max_pages, 256);
	assert_int_equal(o.time_gran, 1);
	assert_int_equal(o.map_alignment, 0);
	assert_int_equal(o.max_background, 65535);
	for (int i = 0; i < 7; i++)
		assert_int_equal(o.unused[i], 0);

	/* backend clears writeback and readdirplus: the reply follows it */
	make_server(f, &full_ops, NULL, 0);
	f->R.init_clear = FUSE_WRITEBACK_CACHE | FUSE_DO_READDIRPLUS;
	send_init(f, 7, 38, ALL_GUEST_FLAGS);
	o = init_reply(f);
	assert_int_equal(o.flags, (uint32_t)(SERVER_SET & ~(uint64_t)FUSE_DO_READDIRPLUS));

	/* a backend cannot add bits: not even ones the guest offered */
	make_server(f, &full_ops, NULL, 0);
	f->R.init_add = FUSE_ALLOW_IDMAP | FUSE_POSIX_LOCKS | FUSE_MAP_ALIGNMENT;
	send_init(f, 7, 38, ALL_GUEST_FLAGS);
	o = init_reply(f);
	assert_int_equal(o.flags, (uint32_t)(SERVER_SET | FUSE_WRITEBACK_CACHE));
	assert_int_equal(o.flags2, 0);
	assert_int_equal(o.map_alignment, 0);

	/* the guest offers little: only the intersection */
	make_server(f, &full_ops, NULL, 0);
	send_init(f, 7, 38, FUSE_ASYNC_READ | FUSE_POSIX_LOCKS | FUSE_BIG_WRITES);
	assert_int_equal(f->R.init_in_flags, FUSE_ASYNC_READ | FUSE_BIG_WRITES);
	assert_int_equal(init_reply(f).flags, FUSE_ASYNC_READ | FUSE_BIG_WRITES);

	/* flags2 ignored without INIT_EXT */
	make_server(f, &full_ops, NULL, 0);
	send_init(f, 7, 38, (0xffffffffull << 32) | FUSE_ASYNC_READ);
	assert_int_equal(f->R.init_in_flags, FUSE_ASYNC_READ);
	assert_int_equal(init_reply(f).flags2, 0);

	/* no backend init: writeback never enabled */
	make_server(f, &empty_ops, NULL, 0);
	send_init(f, 7, 38, ALL_GUEST_FLAGS);
	expect_reply(f, 0, sizeof(struct fuse_init_out));
	assert_int_equal(init_reply(f).flags, (uint32_t)SERVER_SET);

	/* backend init fails: error reply, and INIT may be retried */
	make_server(f, &full_ops, NULL, 0);
	f->R.init_rc = -ENOMEM;
	send_init(f, 7, 38, 0);
	expect_reply(f, -ENOMEM, 0);
	f->R.init_rc = 0;
	send_init(f, 7, 38, 0);
	expect_reply(f, 0, sizeof(struct fuse_init_out));
}

static void test_init_dax_alignment(void **state)
{
	struct fx *f = *state;
	static char window[1];
	struct fuse_init_out o;

	make_server(f, &full_ops, window, 1 << 20);
	send_init(f, 7, 38, ALL_GUEST_FLAGS);
	o = init_reply(f);
	assert_true(o.flags & FUSE_MAP_ALIGNMENT);
	/* The 2 MiB chunk a Linux guest maps (issue 21: page granularity let
	 * a guest fill the process's memory regions). */
	assert_int_equal(1u << o.map_alignment, 2u << 20);

	make_server(f, &full_ops, window, 1 << 20);
	send_init(f, 7, 38, FUSE_ASYNC_READ);
	o = init_reply(f);
	assert_false(o.flags & FUSE_MAP_ALIGNMENT);
	assert_int_equal(o.map_alignment, 0);
}

static void test_init_compat_struct(void **state)
{
	struct fx *f = *state;
	/* An older guest sends only major, minor, max_readahead, flags. */
	uint32_t head[4] = { 7, 28, 4096, FUSE_ASYNC_READ | FUSE_INIT_EXT };

	rq(f, FUSE_INIT, 0);
	add(f, head, sizeof(head));
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_init_out));
	assert_int_equal(init_reply(f).minor, 28);
	assert_int_equal(init_reply(f).flags, FUSE_ASYNC_READ | FUSE_INIT_EXT);

	/* shorter than that: malformed */
	make_server(f, &full_ops, NULL, 0);
	rq(f, FUSE_INIT, 0);
	add(f, head, 12);
	send_req(f);
	expect_reply(f, -EIO, 0);
}

static void test_before_init(void **state)
{
	struct fx *f = *state;

	rq(f, FUSE_LOOKUP, 1);
	add_str(f, "a");
	send_req(f);
	expect_reply(f, -EIO, 0);
	assert_int_equal(f->R.calls, 0);
	/* FORGET before INIT: dropped, no reply */
	rq(f, FUSE_FORGET, 5);
	add(f, &(struct fuse_forget_in){ 1 }, sizeof(struct fuse_forget_in));
	send_req(f);
	expect_noreply(f);
	assert_int_equal(f->R.nforget, 0);
}

/* ---------------------------------------------------------------- opcodes */

static void test_lookup(void **state)
{
	struct fx *f = *state;

	rq(f, FUSE_LOOKUP, 7);
	add_str(f, "hello.txt");
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_entry_out));
	expect_body(f, 0, 1, sizeof(struct fuse_entry_out));
	assert_string_equal(f->R.last, "lookup");
	assert_int_equal(f->R.node, 7);
	assert_string_equal(f->R.name, "hello.txt");
	expect_ctx(f);

	f->R.rc = -ENOENT;
	send_req(f);
	expect_reply(f, -ENOENT, 0);
}

static void test_forget_batch_forget(void **state)
{
	struct fx *f = *state;
	struct fuse_batch_forget_in b = { .count = 3 };
	struct fuse_forget_one one[3] = { { 10, 1 }, { 11, 2 }, { 12, 3 } };

	rq(f, FUSE_FORGET, 9);
	add(f, &(struct fuse_forget_in){ 5 }, sizeof(struct fuse_forget_in));
	send_req(f);
	expect_noreply(f);
	assert_int_equal(f->R.nforget, 1);
	assert_int_equal(f->R.fnode[0], 9);
	assert_int_equal(f->R.fnl[0], 5);

	f->R.nforget = 0;
	rq(f, FUSE_BATCH_FORGET, 0);
	add(f, &b, sizeof(b));
	add(f, one, sizeof(one));
	send_req(f);
	expect_noreply(f);
	assert_int_equal(f->R.nforget, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(f->R.fnode[i], 10 + i);
		assert_int_equal(f->R.fnl[i], 1 + i);
	}

	/* a count larger than the request: the whole batch is dropped */
	f->R.nforget = 0;
	b.count = 4;
	rq(f, FUSE_BATCH_FORGET, 0);
	add(f, &b, sizeof(b));
	add(f, one, sizeof(one));
	send_req(f);
	expect_noreply(f);
	assert_int_equal(f->R.nforget, 0);
	b.count = UINT32_MAX;
	memcpy(f->req + IH, &b, sizeof(b));
	send_req(f);
	expect_noreply(f);
	assert_int_equal(f->R.nforget, 0);

	/* FORGET without its argument, or with a lying length: dropped */
	rq(f, FUSE_FORGET, 9);
	add(f, "abc", 3);
	send_req(f);
	expect_noreply(f);
	rq(f, FUSE_FORGET, 9);
	add(f, &(struct fuse_forget_in){ 5 }, sizeof(struct fuse_forget_in));
	fin(f);
	f->rlen -= 1;
	send_room(f, BUFSZ);
	expect_noreply(f);
	assert_int_equal(f->R.nforget, 0);

	/* INTERRUPT: no reply either */
	rq(f, FUSE_INTERRUPT, 0);
	add(f, &(struct fuse_interrupt_in){ 1 }, sizeof(struct fuse_interrupt_in));
	send_req(f);
	expect_noreply(f);

	/* no reply buffer at all is fine for these */
	rq(f, FUSE_FORGET, 9);
	add(f, &(struct fuse_forget_in){ 5 }, sizeof(struct fuse_forget_in));
	fin(f);
	{
		struct iovec in = { f->req, f->rlen };
		size_t w = 1;

		assert_int_equal(fuse_server_handle(f->s, &in, 1, NULL, 0, &w), 0);
		assert_int_equal(w, 0);
		assert_int_equal(f->R.nforget, 1);
	}
}

static void test_getattr_setattr(void **state)
{
	struct fx *f = *state;
	struct fuse_getattr_in g;
	struct fuse_setattr_in sa;

	pattern(&g, sizeof(g), 30);
	rq(f, FUSE_GETATTR, 3);
	add(f, &g, sizeof(g));
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_attr_out));
	expect_body(f, 0, 2, sizeof(struct fuse_attr_out));
	assert_int_equal(f->R.node, 3);
	assert_memory_equal(f->R.in, &g, sizeof(g));
	expect_ctx(f);

	pattern(&sa, sizeof(sa), 31);
	rq(f, FUSE_SETATTR, 4);
	add(f, &sa, sizeof(sa));
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_attr_out));
	expect_body(f, 0, 3, sizeof(struct fuse_attr_out));
	assert_string_equal(f->R.last, "setattr");
	assert_int_equal(f->R.node, 4);
	assert_memory_equal(f->R.in, &sa, sizeof(sa));

	/* argument one byte short */
	rq(f, FUSE_SETATTR, 4);
	add(f, &sa, sizeof(sa) - 1);
	f->R.calls = 0;
	send_req(f);
	expect_reply(f, -EIO, 0);
	assert_int_equal(f->R.calls, 0);
}

static void test_readlink(void **state)
{
	struct fx *f = *state;

	f->R.reply = "../target";
	f->R.reply_len = 9;
	rq(f, FUSE_READLINK, 12);
	send_req(f);
	expect_reply(f, 0, 9);
	assert_memory_equal(f->out + OH, "../target", 9);
	assert_int_equal(f->R.node, 12);
	assert_int_equal(f->R.out_limit, PATH_MAX);
}

static void test_symlink(void **state)
{
	struct fx *f = *state;

	rq(f, FUSE_SYMLINK, 2);
	add_str(f, "lnk");
	add_str(f, "/etc/passwd");
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_entry_out));
	expect_body(f, 0, 4, sizeof(struct fuse_entry_out));
	assert_int_equal(f->R.node, 2);
	assert_string_equal(f->R.name, "lnk");
	assert_string_equal(f->R.name2, "/etc/passwd");

	/* target without NUL */
	rq(f, FUSE_SYMLINK, 2);
	add_str(f, "lnk");
	add(f, "abc", 3);
	f->R.calls = 0;
	send_req(f);
	expect_reply(f, -EINVAL, 0);
	assert_int_equal(f->R.calls, 0);
}

static void test_mknod_mkdir(void **state)
{
	struct fx *f = *state;
	struct fuse_mknod_in mn;
	struct fuse_mkdir_in md;

	pattern(&mn, sizeof(mn), 40);
	rq(f, FUSE_MKNOD, 5);
	add(f, &mn, sizeof(mn));
	add_str(f, "fifo");
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_entry_out));
	expect_body(f, 0, 5, sizeof(struct fuse_entry_out));
	assert_memory_equal(f->R.in, &mn, sizeof(mn));
	assert_string_equal(f->R.name, "fifo");
	assert_int_equal(f->R.node, 5);

	pattern(&md, sizeof(md), 41);
	rq(f, FUSE_MKDIR, 6);
	add(f, &md, sizeof(md));
	add_str(f, "dir");
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_entry_out));
	expect_body(f, 0, 6, sizeof(struct fuse_entry_out));
	assert_memory_equal(f->R.in, &md, sizeof(md));
	assert_string_equal(f->R.name, "dir");
	assert_int_equal(f->R.node, 6);
}

static void test_unlink_rmdir(void **state)
{
	struct fx *f = *state;

	rq(f, FUSE_UNLINK, 8);
	add_str(f, "f");
	send_req(f);
	expect_reply(f, 0, 0);
	assert_string_equal(f->R.last, "unlink");
	assert_string_equal(f->R.name, "f");
	assert_int_equal(f->R.node, 8);

	f->R.rc = -ENOTEMPTY;
	rq(f, FUSE_RMDIR, 9);
	add_str(f, "d");
	send_req(f);
	expect_reply(f, -ENOTEMPTY, 0);
	assert_string_equal(f->R.last, "rmdir");
	assert_string_equal(f->R.name, "d");
	assert_int_equal(f->R.node, 9);
}

static void test_rename_rename2(void **state)
{
	struct fx *f = *state;

	rq(f, FUSE_RENAME, 10);
	add(f, &(struct fuse_rename_in){ .newdir = 11 }, sizeof(struct fuse_rename_in));
	add_str(f, "old");
	add_str(f, "new");
	send_req(f);
	expect_reply(f, 0, 0);
	assert_int_equal(f->R.node, 10);
	assert_int_equal(f->R.node2, 11);
	assert_string_equal(f->R.name, "old");
	assert_string_equal(f->R.name2, "new");
	assert_int_equal(f->R.u32, 0);

	rq(f, FUSE_RENAME2, 12);
	add(f, &(struct fuse_rename2_in){ .newdir = 13, .flags = 2 }, sizeof(struct fuse_rename2_in));
	add_str(f, "a");
	add_str(f, "b");
	send_req(f);
	expect_reply(f, 0, 0);
	assert_int_equal(f->R.node, 12);
	assert_int_equal(f->R.node2, 13);
	assert_string_equal(f->R.name, "a");
	assert_string_equal(f->R.name2, "b");
	assert_int_equal(f->R.u32, 2);

	/* second name missing */
	rq(f, FUSE_RENAME2, 12);
	add(f, &(struct fuse_rename2_in){ .newdir = 13 }, sizeof(struct fuse_rename2_in));
	add_str(f, "a");
	f->R.calls = 0;
	send_req(f);
	expect_reply(f, -EINVAL, 0);
	assert_int_equal(f->R.calls, 0);
}

static void test_link(void **state)
{
	struct fx *f = *state;

	rq(f, FUSE_LINK, 20);
	add(f, &(struct fuse_link_in){ .oldnodeid = 21 }, sizeof(struct fuse_link_in));
	add_str(f, "hard");
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_entry_out));
	expect_body(f, 0, 7, sizeof(struct fuse_entry_out));
	assert_int_equal(f->R.node, 21);
	assert_int_equal(f->R.node2, 20);
	assert_string_equal(f->R.name, "hard");
}

static void test_open_opendir(void **state)
{
	struct fx *f = *state;
	struct fuse_open_in in = { .flags = 0x8002, .open_flags = 1 };

	rq(f, FUSE_OPEN, 30);
	add(f, &in, sizeof(in));
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_open_out));
	expect_body(f, 0, 8, sizeof(struct fuse_open_out));
	assert_memory_equal(f->R.in, &in, sizeof(in));
	assert_int_equal(f->R.node, 30);

	rq(f, FUSE_OPENDIR, 31);
	add(f, &in, sizeof(in));
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_open_out));
	expect_body(f, 0, 13, sizeof(struct fuse_open_out));
	assert_string_equal(f->R.last, "opendir");
	assert_int_equal(f->R.node, 31);
}

static void test_create_tmpfile(void **state)
{
	struct fx *f = *state;
	struct fuse_create_in in;

	pattern(&in, sizeof(in), 50);
	rq(f, FUSE_CREATE, 40);
	add(f, &in, sizeof(in));
	add_str(f, "new.txt");
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out));
	expect_body(f, 0, 9, sizeof(struct fuse_entry_out));
	expect_body(f, sizeof(struct fuse_entry_out), 10, sizeof(struct fuse_open_out));
	assert_memory_equal(f->R.in, &in, sizeof(in));
	assert_string_equal(f->R.name, "new.txt");
	assert_int_equal(f->R.node, 40);

	rq(f, FUSE_TMPFILE, 41);
	add(f, &in, sizeof(in));
	add_str(f, "/");
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out));
	expect_body(f, 0, 17, sizeof(struct fuse_entry_out));
	expect_body(f, sizeof(struct fuse_entry_out), 18, sizeof(struct fuse_open_out));
	assert_memory_equal(f->R.in, &in, sizeof(in));
	assert_int_equal(f->R.node, 41);

	/* reply room for the entry but not the open_out: refused before the backend */
	rq(f, FUSE_CREATE, 40);
	add(f, &in, sizeof(in));
	add_str(f, "new.txt");
	fin(f);
	f->R.calls = 0;
	send_room(f, OH + sizeof(struct fuse_entry_out) + 8);
	expect_reply(f, -EIO, 0);
	assert_int_equal(f->R.calls, 0);
}

static void test_read_zero_copy(void **state)
{
	struct fx *f = *state;
	struct fuse_read_in in = { .fh = 5, .offset = 100, .size = 1000 };
	char data[4096];
	int fd = memfd_create("read", 0);

	pattern(data, sizeof(data), 60);
	assert_int_equal(pwrite(fd, data, sizeof(data), 0), sizeof(data));
	f->R.fd = fd;

	rq(f, FUSE_READ, 50);
	add(f, &in, sizeof(in));
	send_req(f);
	expect_reply(f, 0, 1000);
	assert_memory_equal(f->out + OH, data + 100, 1000);
	assert_int_equal(f->R.node, 50);
	assert_memory_equal(f->R.in, &in, sizeof(in));
	assert_int_equal(f->R.out_limit, 1000);

	/* short at EOF */
	in.offset = 4000;
	rq(f, FUSE_READ, 50);
	add(f, &in, sizeof(in));
	send_req(f);
	expect_reply(f, 0, 96);
	assert_memory_equal(f->out + OH, data + 4000, 96);

	/* reply room smaller than size: clamped to the room */
	in.offset = 0;
	rq(f, FUSE_READ, 50);
	add(f, &in, sizeof(in));
	fin(f);
	send_room(f, OH + 300);
	expect_reply(f, 0, 300);
	assert_memory_equal(f->out + OH, data, 300);
	assert_int_equal(f->R.out_limit, 300);

	/* reply buffers scattered over many small iovecs, header split too */
	{
		enum { N = 150, SZ = 7 };
		struct iovec in_v = { f->req, f->rlen };
		struct iovec out_v[N];
		size_t w = 0;
		uint8_t flat[N * SZ];
		struct fuse_out_header oh;

		for (int i = 0; i < N; i++)
			out_v[i] = (struct iovec){ f->out + i * 64, SZ };
		assert_int_equal(fuse_server_handle(f->s, &in_v, 1, out_v, N, &w), 0);
		assert_int_equal(w, OH + 1000 < N * SZ ? OH + 1000 : N * SZ);
		for (int i = 0; i < N; i++)
			memcpy(flat + i * SZ, f->out + i * 64, SZ);
		memcpy(&oh, flat, sizeof(oh));
		assert_int_equal(oh.len, w);
		assert_int_equal(oh.error, 0);
		assert_memory_equal(flat + OH, data, w - OH);
	}
	close(fd);
}

static void test_read_oversized(void **state)
{
	struct fx *f = *state;
	struct fuse_read_in in = { .size = MIB + 1 };

	rq(f, FUSE_READ, 50);
	add(f, &in, sizeof(in));
	send_req(f);
	expect_reply(f, -ENOMEM, 0);
	assert_int_equal(f->R.calls, 0);

	rq(f, FUSE_READDIR, 50);
	add(f, &in, sizeof(in));
	send_req(f);
	expect_reply(f, -ENOMEM, 0);
	rq(f, FUSE_READDIRPLUS, 50);
	add(f, &in, sizeof(in));
	send_req(f);
	expect_reply(f, -ENOMEM, 0);
	assert_int_equal(f->R.calls, 0);

	/* exactly 1 MiB is allowed */
	in.size = MIB;
	f->R.reply = "x";
	f->R.reply_len = 1;
	rq(f, FUSE_READ, 50);
	add(f, &in, sizeof(in));
	send_req(f);
	expect_reply(f, 0, 1);
	assert_int_equal(f->R.out_limit, MIB);
}

static void test_write_zero_copy(void **state)
{
	struct fx *f = *state;
	struct fuse_write_in in = { .fh = 1, .offset = 10, .size = 5 };
	char back[16];
	int fd = memfd_create("write", 0);

	f->R.fd = fd;
	rq(f, FUSE_WRITE, 60);
	add(f, &in, sizeof(in));
	add(f, "HELLOWORLD", 10); /* more than size follows: only 5 may be used */
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_write_out));
	assert_int_equal(f->R.data_len, 5);
	{
		struct fuse_write_out wo;

		memcpy(&wo, f->out + OH, sizeof(wo));
		assert_int_equal(wo.size, 5);
		assert_int_equal(wo.padding, 0);
	}
	assert_int_equal(pread(fd, back, sizeof(back), 0), 15);
	assert_memory_equal(back + 10, "HELLO", 5);
	close(fd);
	f->R.fd = -1;

	/* payload split over many 1-byte iovecs reaches the backend intact */
	rq(f, FUSE_WRITE, 60);
	add(f, &in, sizeof(in));
	add(f, "abcde", 5);
	fin(f);
	{
		struct iovec v[IH + sizeof(in) + 5];
		struct iovec o = { f->out, 4096 };
		size_t w;

		for (size_t i = 0; i < f->rlen; i++)
			v[i] = (struct iovec){ f->req + i, 1 };
		assert_int_equal(fuse_server_handle(f->s, v, (int)f->rlen, &o, 1, &w), 0);
		assert_int_equal(w, OH + sizeof(struct fuse_write_out));
		assert_int_equal(f->R.data_len, 5);
		assert_memory_equal(f->R.data, "abcde", 5);
	}
}

static void test_write_malformed(void **state)
{
	struct fx *f = *state;
	struct fuse_write_in in = { .size = 6 };

	/* declared payload not all there */
	rq(f, FUSE_WRITE, 60);
	add(f, &in, sizeof(in));
	add(f, "abcde", 5);
	send_req(f);
	expect_reply(f, -EIO, 0);
	assert_int_equal(f->R.calls, 0);

	/* over max_write, even though the bytes are there */
	in.size = MIB + 1;
	rq(f, FUSE_WRITE, 60);
	add(f, &in, sizeof(in));
	fin(f);
	memset(f->req + f->rlen, 'w', MIB + 1);
	f->rlen += MIB + 1;
	send_req(f);
	expect_reply(f, -ENOMEM, 0);
	assert_int_equal(f->R.calls, 0);

	/* exactly max_write works */
	in.size = MIB;
	rq(f, FUSE_WRITE, 60);
	add(f, &in, sizeof(in));
	memset(f->req + f->rlen, 'w', MIB);
	f->rlen += MIB;
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_write_out));
	assert_int_equal(f->R.data_len, MIB);
}

static void test_statfs(void **state)
{
	struct fx *f = *state;

	rq(f, FUSE_STATFS, 1);
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_statfs_out));
	/* exactly the backend's struct; st_flags (all ones) is nowhere */
	expect_body(f, 0, 12, sizeof(struct fuse_statfs_out));
	assert_int_equal(f->out[OH + sizeof(struct fuse_statfs_out)], 0xEE);
}

static void test_release_flush_fsync(void **state)
{
	struct fx *f = *state;
	struct fuse_release_in rel;
	struct fuse_flush_in fl;
	struct fuse_fsync_in fs;
	static const struct {
		uint32_t op;
		const char *name;
	} rels[] = { { FUSE_RELEASE, "release" }, { FUSE_RELEASEDIR, "releasedir" } },
	  syncs[] = { { FUSE_FSYNC, "fsync" }, { FUSE_FSYNCDIR, "fsyncdir" } };

	pattern(&rel, sizeof(rel), 70);
	for (int i = 0; i < 2; i++) {
		rq(f, rels[i].op, 70 + i);
		add(f, &rel, sizeof(rel));
		send_req(f);
		expect_reply(f, 0, 0);
		assert_string_equal(f->R.last, rels[i].name);
		assert_int_equal(f->R.node, 70 + i);
		assert_memory_equal(f->R.in, &rel, sizeof(rel));
	}
	pattern(&fs, sizeof(fs), 71);
	for (int i = 0; i < 2; i++) {
		f->R.rc = -EIO - i;
		rq(f, syncs[i].op, 80 + i);
		add(f, &fs, sizeof(fs));
		send_req(f);
		expect_reply(f, -EIO - i, 0);
		assert_string_equal(f->R.last, syncs[i].name);
		assert_int_equal(f->R.node, 80 + i);
		assert_memory_equal(f->R.in, &fs, sizeof(fs));
	}
	f->R.rc = 0;
	pattern(&fl, sizeof(fl), 72);
	rq(f, FUSE_FLUSH, 90);
	add(f, &fl, sizeof(fl));
	send_req(f);
	expect_reply(f, 0, 0);
	assert_string_equal(f->R.last, "flush");
	assert_memory_equal(f->R.in, &fl, sizeof(fl));
}

static void test_xattrs(void **state)
{
	struct fx *f = *state;
	uint32_t head[2] = { 4, 1 }; /* compat setxattr_in: size, flags */
	struct fuse_getxattr_in g = { .size = 0 };
	struct fuse_getxattr_out go;

	rq(f, FUSE_SETXATTR, 100);
	add(f, head, sizeof(head));
	add_str(f, "user.k");
	add(f, "v\0lu", 4);
	send_req(f);
	expect_reply(f, 0, 0);
	assert_int_equal(f->R.node, 100);
	assert_string_equal(f->R.name, "user.k");
	assert_int_equal(f->R.data_len, 4);
	assert_memory_equal(f->R.data, "v\0lu", 4);
	assert_int_equal(f->R.u32, 1);

	/* value shorter than declared */
	head[0] = 5;
	rq(f, FUSE_SETXATTR, 100);
	add(f, head, sizeof(head));
	add_str(f, "user.k");
	add(f, "v\0lu", 4);
	f->R.calls = 0;
	send_req(f);
	expect_reply(f, -EIO, 0);
	/* oversized value */
	head[0] = MIB + 1;
	memcpy(f->req + IH, head, sizeof(head));
	send_req(f);
	expect_reply(f, -ENOMEM, 0);
	assert_int_equal(f->R.calls, 0);

	/* size 0: the needed size comes back in getxattr_out */
	f->R.needed = 1234;
	rq(f, FUSE_GETXATTR, 101);
	add(f, &g, sizeof(g));
	add_str(f, "user.k");
	send_req(f);
	expect_reply(f, 0, sizeof(go));
	memcpy(&go, f->out + OH, sizeof(go));
	assert_int_equal(go.size, 1234);
	assert_int_equal(go.padding, 0);
	assert_string_equal(f->R.name, "user.k");
	assert_int_equal(f->R.node, 101);

	/* size > 0: the value itself, window limited to size */
	g.size = 10;
	f->R.reply = "value";
	f->R.reply_len = 5;
	rq(f, FUSE_GETXATTR, 101);
	add(f, &g, sizeof(g));
	add_str(f, "user.k");
	send_req(f);
	expect_reply(f, 0, 5);
	assert_memory_equal(f->out + OH, "value", 5);
	assert_int_equal(f->R.out_limit, 10);
	assert_int_equal(f->R.u32, 10);
	/* the value does not fit in size: backend's -ERANGE comes back */
	g.size = 3;
	memcpy(f->req + IH, &g, sizeof(g));
	send_req(f);
	expect_reply(f, -ERANGE, 0);
	/* oversized */
	g.size = MIB + 1;
	memcpy(f->req + IH, &g, sizeof(g));
	f->R.calls = 0;
	send_req(f);
	expect_reply(f, -ENOMEM, 0);
	assert_int_equal(f->R.calls, 0);

	/* listxattr: same two forms, no name */
	f->R.needed = 99;
	g.size = 0;
	rq(f, FUSE_LISTXATTR, 102);
	add(f, &g, sizeof(g));
	send_req(f);
	expect_reply(f, 0, sizeof(go));
	memcpy(&go, f->out + OH, sizeof(go));
	assert_int_equal(go.size, 99);
	assert_string_equal(f->R.last, "listxattr");
	g.size = 100;
	f->R.reply = "a\0b\0";
	f->R.reply_len = 4;
	rq(f, FUSE_LISTXATTR, 102);
	add(f, &g, sizeof(g));
	send_req(f);
	expect_reply(f, 0, 4);
	assert_memory_equal(f->out + OH, "a\0b\0", 4);
	g.size = MIB + 1;
	memcpy(f->req + IH, &g, sizeof(g));
	send_req(f);
	expect_reply(f, -ENOMEM, 0);

	rq(f, FUSE_REMOVEXATTR, 103);
	add_str(f, "user.gone");
	send_req(f);
	expect_reply(f, 0, 0);
	assert_string_equal(f->R.last, "removexattr");
	assert_string_equal(f->R.name, "user.gone");
	assert_int_equal(f->R.node, 103);
}

static void test_readdir(void **state)
{
	struct fx *f = *state;
	struct fuse_read_in in = { .fh = 3, .offset = 2, .size = 64 };
	uint8_t dirents[48];

	pattern(dirents, sizeof(dirents), 80);
	f->R.reply = dirents;
	f->R.reply_len = sizeof(dirents);
	rq(f, FUSE_READDIR, 110);
	add(f, &in, sizeof(in));
	send_req(f);
	expect_reply(f, 0, sizeof(dirents));
	assert_memory_equal(f->out + OH, dirents, sizeof(dirents));
	assert_false(f->R.flag);
	assert_int_equal(f->R.out_limit, 64);
	assert_memory_equal(f->R.in, &in, sizeof(in));

	rq(f, FUSE_READDIRPLUS, 111);
	add(f, &in, sizeof(in));
	send_req(f);
	expect_reply(f, 0, sizeof(dirents));
	assert_true(f->R.flag);
	assert_string_equal(f->R.last, "readdirplus");
	assert_int_equal(f->R.node, 111);

	/* a backend error after writing part: header-only error reply */
	f->R.rc = -EBADF;
	send_req(f);
	expect_reply(f, -EBADF, 0);
}

static void test_access_fallocate_lseek_cfr_syncfs(void **state)
{
	struct fx *f = *state;
	struct fuse_fallocate_in fa;
	struct fuse_lseek_in ls;
	struct fuse_copy_file_range_in cr;

	rq(f, FUSE_ACCESS, 120);
	add(f, &(struct fuse_access_in){ .mask = 6 }, sizeof(struct fuse_access_in));
	send_req(f);
	expect_reply(f, 0, 0);
	assert_string_equal(f->R.last, "access");
	assert_int_equal(f->R.u32, 6);
	assert_int_equal(f->R.node, 120);

	pattern(&fa, sizeof(fa), 90);
	rq(f, FUSE_FALLOCATE, 121);
	add(f, &fa, sizeof(fa));
	send_req(f);
	expect_reply(f, 0, 0);
	assert_memory_equal(f->R.in, &fa, sizeof(fa));

	pattern(&ls, sizeof(ls), 91);
	rq(f, FUSE_LSEEK, 122);
	add(f, &ls, sizeof(ls));
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_lseek_out));
	expect_body(f, 0, 14, sizeof(struct fuse_lseek_out));
	assert_memory_equal(f->R.in, &ls, sizeof(ls));

	pattern(&cr, sizeof(cr), 92);
	rq(f, FUSE_COPY_FILE_RANGE, 123);
	add(f, &cr, sizeof(cr));
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_write_out));
	expect_body(f, 0, 15, sizeof(struct fuse_write_out));
	assert_memory_equal(f->R.in, &cr, sizeof(cr));
	assert_int_equal(f->R.node, 123);

	rq(f, FUSE_SYNCFS, 1);
	add(f, &(struct fuse_syncfs_in){ 0 }, sizeof(struct fuse_syncfs_in));
	send_req(f);
	expect_reply(f, 0, 0);
	assert_string_equal(f->R.last, "syncfs");
}

static void test_locks(void **state)
{
	struct fx *f = *state;
	struct fuse_lk_in lk;

	pattern(&lk, sizeof(lk), 100);
	rq(f, FUSE_GETLK, 130);
	add(f, &lk, sizeof(lk));
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_lk_out));
	expect_body(f, 0, 16, sizeof(struct fuse_lk_out));
	assert_memory_equal(f->R.in, &lk, sizeof(lk));

	rq(f, FUSE_SETLK, 131);
	add(f, &lk, sizeof(lk));
	send_req(f);
	expect_reply(f, 0, 0);
	assert_false(f->R.flag);
	rq(f, FUSE_SETLKW, 132);
	add(f, &lk, sizeof(lk));
	send_req(f);
	expect_reply(f, 0, 0);
	assert_true(f->R.flag);
	assert_int_equal(f->R.node, 132);
}

static void test_ioctl(void **state)
{
	struct fx *f = *state;
	struct fuse_ioctl_in in = { .fh = 1, .cmd = 0x1234, .arg = 9, .in_size = 3, .out_size = 4 };
	struct fuse_ioctl_out res;

	f->R.reply = "OUT!";
	f->R.reply_len = 4;
	rq(f, FUSE_IOCTL, 140);
	add(f, &in, sizeof(in));
	add(f, "xyz", 3);
	send_req(f);
	expect_reply(f, 0, sizeof(res) + 4);
	memcpy(&res, f->out + OH, sizeof(res));
	assert_int_equal(res.result, 77);
	assert_memory_equal(f->out + OH + sizeof(res), "OUT!", 4);
	assert_int_equal(f->R.data_len, 3);
	assert_memory_equal(f->R.data, "xyz", 3);
	assert_int_equal(f->R.out_limit, 4);
	assert_memory_equal(f->R.in, &in, sizeof(in));

	/* in_size larger than the payload */
	in.in_size = 4;
	memcpy(f->req + IH, &in, sizeof(in));
	f->R.calls = 0;
	send_room(f, BUFSZ);
	expect_reply(f, -EIO, 0);
	in.in_size = 0;
	in.out_size = MIB + 1;
	memcpy(f->req + IH, &in, sizeof(in));
	send_room(f, BUFSZ);
	expect_reply(f, -ENOMEM, 0);
	assert_int_equal(f->R.calls, 0);
}

static void test_exit_code_ioctl(void **state)
{
	struct fx *f = *state;
	struct fuse_ioctl_in in = { .cmd = CKRUN_IOC_EXIT_CODE, .arg = 42 };
	struct fuse_ioctl_out res;

	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) { /* a backend with no ops at all: still consumed */
			make_server(f, &empty_ops, NULL, 0);
			do_init_ok(f);
			in.arg = (uint64_t)(uint32_t)-3;
		}
		rq(f, FUSE_IOCTL, 777); /* any node */
		add(f, &in, sizeof(in));
		send_req(f);
		expect_reply(f, 0, sizeof(res));
		memcpy(&res, f->out + OH, sizeof(res));
		assert_int_equal(res.result, 0);
		assert_int_equal(res.flags, 0);
		assert_int_equal(f->exit_calls, pass + 1);
		assert_int_equal(f->exit_code, pass == 0 ? 42 : -3);
		assert_int_equal(f->R.calls, 0); /* never reached the backend */
	}
}

static void test_dax(void **state)
{
	struct fx *f = *state;
	static char window[1];
	struct fuse_setupmapping_in sm = { .fh = 1, .foffset = 0, .len = 4096, .flags = 1,
					   .moffset = 8192 };
	struct fuse_removemapping_in rmi = { .count = 2 };
	struct fuse_removemapping_one one[2] = { { 0, 4096 }, { 8192, 4096 } };

	/* no window: ENOSYS even though the backend has the ops */
	rq(f, FUSE_SETUPMAPPING, 150);
	add(f, &sm, sizeof(sm));
	send_req(f);
	expect_reply(f, -ENOSYS, 0);
	rq(f, FUSE_REMOVEMAPPING, 150);
	add(f, &rmi, sizeof(rmi));
	add(f, one, sizeof(one));
	send_req(f);
	expect_reply(f, -ENOSYS, 0);
	assert_int_equal(f->R.calls, 0);

	make_server(f, &full_ops, window, 1 << 20);
	do_init_ok(f);
	rq(f, FUSE_SETUPMAPPING, 150);
	add(f, &sm, sizeof(sm));
	send_req(f);
	expect_reply(f, 0, 0);
	assert_memory_equal(f->R.in, &sm, sizeof(sm));
	assert_ptr_equal(f->R.win->base, window);
	assert_int_equal(f->R.win->size, 1 << 20);

	/* outside the window, and a wrapping moffset + len */
	sm.moffset = (1 << 20) - 4095;
	memcpy(f->req + IH, &sm, sizeof(sm));
	f->R.calls = 0;
	send_room(f, BUFSZ);
	expect_reply(f, -EINVAL, 0);
	sm.moffset = UINT64_MAX - 100;
	sm.len = 4096;
	memcpy(f->req + IH, &sm, sizeof(sm));
	send_room(f, BUFSZ);
	expect_reply(f, -EINVAL, 0);
	assert_int_equal(f->R.calls, 0);

	rq(f, FUSE_REMOVEMAPPING, 150);
	add(f, &rmi, sizeof(rmi)); /* 4 bytes: the entries follow unaligned */
	add(f, one, sizeof(one));
	send_req(f);
	expect_reply(f, 0, 0);
	assert_int_equal(f->R.rm_count, 2);
	assert_memory_equal(f->R.rm, one, sizeof(one));

	/* counts the request does not back */
	f->R.calls = 0;
	for (int i = 0; i < 2; i++) {
		rmi.count = i == 0 ? 3 : UINT32_MAX;
		memcpy(f->req + IH, &rmi, sizeof(rmi));
		send_room(f, BUFSZ);
		expect_reply(f, -EIO, 0);
	}
	/* an entry outside the window */
	rmi.count = 2;
	one[1].len = UINT64_MAX;
	rq(f, FUSE_REMOVEMAPPING, 150);
	add(f, &rmi, sizeof(rmi));
	add(f, one, sizeof(one));
	send_req(f);
	expect_reply(f, -EINVAL, 0);
	assert_int_equal(f->R.calls, 0);
}

static void test_destroy_and_free(void **state)
{
	struct fx *f = *state;

	/* free after INIT without DESTROY: destroy then free, once each */
	fuse_server_free(f->s);
	f->s = NULL;
	assert_int_equal(f->R.destroyed, 1);
	assert_int_equal(f->R.freed, 1);

	/* fuse_server_new without ops: -EINVAL and the backend is freed */
	{
		struct fuse_server *s = (void *)1;
		struct fuse_server_config cfg = { .backend = { .ops = NULL, .fs = &f->R, .free = f_free } };

		assert_int_equal(fuse_server_new(&cfg, &s), -EINVAL);
		assert_null(s);
		assert_int_equal(f->R.freed, 2);
	}
	fuse_server_free(NULL);
	make_server(f, &full_ops, NULL, 0);
}

/* ---------------------------------------------------------------- dispositions */

enum disp { D_REPLY_OK, D_NOREPLY, D_ENOSYS };

/* What every opcode 0..FUSE_TMPFILE (and beyond) gets with a backend that
 * implements nothing: ENOSYS, except the server-handled ones. */
static enum disp disposition_without_ops(uint32_t op)
{
	switch (op) {
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
	case FUSE_NOTIFY_REPLY:
		return D_NOREPLY;
	case FUSE_DESTROY:
	case FUSE_INIT:
		return D_REPLY_OK;
	default:
		return D_ENOSYS;
	}
}

static void send_generic(struct fx *f, uint32_t op, uint64_t node)
{
	uint8_t args[200] = { 0 };

	rq(f, op, node);
	if (op == FUSE_INIT) {
		struct fuse_init_in in = { .major = 7, .minor = 38 };
		add(f, &in, sizeof(in));
	} else {
		/* zeros: big enough for any fixed struct; names become "" */
		add(f, args, sizeof(args));
	}
	send_req(f);
}

static void test_every_opcode_without_ops(void **state)
{
	struct fx *f = *state;
	uint32_t extra[] = { FUSE_TMPFILE + 1, 52, 100, 4096, 1048576, 436207616, UINT32_MAX };

	make_server(f, &empty_ops, NULL, 0);
	do_init_ok(f);
	for (uint32_t op = 0; op <= FUSE_TMPFILE + (uint32_t)(sizeof(extra) / sizeof(extra[0])); op++) {
		uint32_t code = op <= FUSE_TMPFILE ? op : extra[op - FUSE_TMPFILE - 1];
		enum disp d = disposition_without_ops(code);

		if (code == FUSE_INIT)
			continue; /* a session is running: covered in test_init_versions */
		send_generic(f, code, 1);
		switch (d) {
		case D_NOREPLY:
			expect_noreply(f);
			break;
		case D_REPLY_OK:
			expect_reply(f, 0, 0);
			do_init_ok(f); /* DESTROY ended the session */
			break;
		case D_ENOSYS:
			expect_reply(f, -ENOSYS, 0);
			break;
		}
	}
	assert_int_equal(f->R.calls, 0);
}

/* With every op implemented, each opcode reaches exactly the op named here. */
static void test_every_opcode_reaches_its_op(void **state)
{
	struct fx *f = *state;
	static const char *const want[FUSE_TMPFILE + 1] = {
		[FUSE_LOOKUP] = "lookup", [FUSE_FORGET] = "forget", [FUSE_GETATTR] = "getattr",
		[FUSE_SETATTR] = "setattr", [FUSE_READLINK] = "readlink", [FUSE_SYMLINK] = "symlink",
		[FUSE_MKNOD] = "mknod", [FUSE_MKDIR] = "mkdir", [FUSE_UNLINK] = "unlink",
		[FUSE_RMDIR] = "rmdir", [FUSE_RENAME] = "rename", [FUSE_LINK] = "link",
		[FUSE_OPEN] = "open", [FUSE_READ] = "read", [FUSE_WRITE] = "write",
		[FUSE_STATFS] = "statfs", [FUSE_RELEASE] = "release", [FUSE_FSYNC] = "fsync",
		[FUSE_SETXATTR] = "setxattr", [FUSE_GETXATTR] = "getxattr",
		[FUSE_LISTXATTR] = "listxattr", [FUSE_REMOVEXATTR] = "removexattr",
		[FUSE_FLUSH] = "flush", [FUSE_OPENDIR] = "opendir", [FUSE_READDIR] = "readdir",
		[FUSE_RELEASEDIR] = "releasedir", [FUSE_FSYNCDIR] = "fsyncdir",
		[FUSE_GETLK] = "getlk", [FUSE_SETLK] = "setlk", [FUSE_SETLKW] = "setlkw",
		[FUSE_ACCESS] = "access", [FUSE_CREATE] = "create", [FUSE_IOCTL] = "ioctl",
		[FUSE_BATCH_FORGET] = NULL, /* count 0: nothing to forget */
		[FUSE_FALLOCATE] = "fallocate", [FUSE_READDIRPLUS] = "readdirplus",
		[FUSE_RENAME2] = "rename", [FUSE_LSEEK] = "lseek",
		[FUSE_COPY_FILE_RANGE] = "copy_file_range", [FUSE_SYNCFS] = "syncfs",
		[FUSE_TMPFILE] = "tmpfile",
	};

	for (uint32_t op = 0; op <= FUSE_TMPFILE; op++) {
		if (op == FUSE_INIT || op == FUSE_DESTROY)
			continue;
		f->R.last = NULL;
		f->R.calls = 0;
		send_generic(f, op, 5);
		if (want[op]) {
			assert_non_null(f->R.last);
			assert_string_equal(f->R.last, want[op]);
			assert_int_equal(f->R.calls, 1);
		} else {
			assert_int_equal(f->R.calls, 0);
		}
	}
}

/* ---------------------------------------------------------------- malformed */

static void test_short_header(void **state)
{
	struct fx *f = *state;
	struct iovec in = { f->req, 0 };
	struct iovec out = { f->out, 4096 };
	size_t w = 99;

	rq(f, FUSE_GETATTR, 1);
	add(f, &(struct fuse_getattr_in){ 0 }, sizeof(struct fuse_getattr_in));
	fin(f);
	/* fewer than 16 bytes: not even a unique to answer */
	for (size_t n = 0; n < 16; n++) {
		in.iov_len = n;
		memset(f->out, 0xEE, 64);
		assert_int_equal(fuse_server_handle(f->s, &in, 1, &out, 1, &w), -EINVAL);
		assert_int_equal(w, 0);
		assert_int_equal(f->out[0], 0xEE);
	}
	/* 16..39 bytes: an EIO reply addressed to the unique */
	for (size_t n = 16; n < IH; n++) {
		f->rlen = n;
		send_room(f, 4096);
		expect_reply(f, -EIO, 0);
	}
	assert_int_equal(f->R.calls, 0);
	{
		struct fuse_server *s = f->s;

		assert_int_equal(fuse_server_handle(s, NULL, 0, &out, 1, &w), -EINVAL);
	}
}

static void test_lying_lengths(void **state)
{
	struct fx *f = *state;
	uint32_t len;

	rq(f, FUSE_LOOKUP, 1);
	add_str(f, "name");
	fin(f);
	/* len larger than the bytes present */
	len = (uint32_t)f->rlen + 1;
	memcpy(f->req, &len, 4);
	send_room(f, 4096);
	expect_reply(f, -EIO, 0);
	/* len smaller than a header */
	for (len = 0; len < IH; len += 13) {
		memcpy(f->req, &len, 4);
		send_room(f, 4096);
		expect_reply(f, -EIO, 0);
	}
	/* huge */
	len = UINT32_MAX;
	memcpy(f->req, &len, 4);
	send_room(f, 4096);
	expect_reply(f, -EIO, 0);
	/* len shorter than the present bytes cuts the name's NUL off */
	len = (uint32_t)f->rlen - 1;
	memcpy(f->req, &len, 4);
	send_room(f, 4096);
	expect_reply(f, -EINVAL, 0);
	assert_int_equal(f->R.calls, 0);
	/* and bytes present past len are ignored */
	len = (uint32_t)f->rlen;
	memcpy(f->req, &len, 4);
	f->rlen += 100;
	send_room(f, 4096);
	expect_reply(f, 0, sizeof(struct fuse_entry_out));
	assert_string_equal(f->R.name, "name");
}

static void test_request_over_maximum(void **state)
{
	struct fx *f = *state;
	struct fuse_write_in in = { .size = 10 };

	rq(f, FUSE_WRITE, 1);
	add(f, &in, sizeof(in));
	f->rlen = MIB + 4096 + 1;
	send_req(f);
	expect_reply(f, -ENOMEM, 0);
	assert_int_equal(f->R.calls, 0);
}

static void test_names(void **state)
{
	struct fx *f = *state;
	char longname[NAME_MAX + 2];

	/* no NUL anywhere */
	rq(f, FUSE_LOOKUP, 1);
	add(f, "abc", 3);
	send_req(f);
	expect_reply(f, -EINVAL, 0);
	/* empty request body */
	rq(f, FUSE_UNLINK, 1);
	send_req(f);
	expect_reply(f, -EINVAL, 0);
	/* NAME_MAX is fine, one more is ENAMETOOLONG */
	memset(longname, 'n', sizeof(longname));
	longname[NAME_MAX] = '\0';
	rq(f, FUSE_MKDIR, 1);
	add(f, &(struct fuse_mkdir_in){ 0755, 022 }, sizeof(struct fuse_mkdir_in));
	add_str(f, longname);
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_entry_out));
	assert_int_equal(strlen(f->R.name), NAME_MAX);
	f->R.calls = 0;
	longname[NAME_MAX] = 'n';
	longname[NAME_MAX + 1] = '\0';
	rq(f, FUSE_MKDIR, 1);
	add(f, &(struct fuse_mkdir_in){ 0755, 022 }, sizeof(struct fuse_mkdir_in));
	add_str(f, longname);
	send_req(f);
	expect_reply(f, -ENAMETOOLONG, 0);
	assert_int_equal(f->R.calls, 0);
	/* the server passes odd names on: rejecting them is the backend's job */
	rq(f, FUSE_LOOKUP, 1);
	add_str(f, "..");
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_entry_out));
	assert_string_equal(f->R.name, "..");
}

static void test_name_spanning_iovecs(void **state)
{
	struct fx *f = *state;
	struct iovec v[3];
	struct iovec out = { f->out, 4096 };
	size_t w;

	rq(f, FUSE_RENAME, 1);
	add(f, &(struct fuse_rename_in){ .newdir = 2 }, sizeof(struct fuse_rename_in));
	add_str(f, "first");
	add_str(f, "second");
	fin(f);
	/* split inside the header, inside the first name and inside the second */
	v[0] = (struct iovec){ f->req, 20 };
	v[1] = (struct iovec){ f->req + 20, IH + 8 + 3 - 20 };
	v[2] = (struct iovec){ f->req + IH + 8 + 3, f->rlen - (IH + 8 + 3) };
	assert_int_equal(fuse_server_handle(f->s, v, 3, &out, 1, &w), 0);
	assert_int_equal(w, OH);
	assert_string_equal(f->R.name, "first");
	assert_string_equal(f->R.name2, "second");
	assert_int_equal(f->R.node2, 2);

	/* every byte its own iovec, with empty iovecs in between */
	{
		static struct iovec one[2 * 4096];
		char longname[NAME_MAX + 2];
		int cnt = 0;

		f->R.name[0] = f->R.name2[0] = '\0';
		for (size_t i = 0; i < f->rlen; i++) {
			one[cnt++] = (struct iovec){ f->req + i, 1 };
			one[cnt++] = (struct iovec){ f->req, 0 };
		}
		assert_int_equal(fuse_server_handle(f->s, one, cnt, &out, 1, &w), 0);
		assert_int_equal(w, OH);
		assert_string_equal(f->R.name, "first");
		assert_string_equal(f->R.name2, "second");

		/* too long a name, byte by byte: ENAMETOOLONG, not a read past */
		memset(longname, 'q', sizeof(longname));
		longname[NAME_MAX + 1] = '\0';
		rq(f, FUSE_LOOKUP, 1);
		add_str(f, longname);
		fin(f);
		cnt = 0;
		for (size_t i = 0; i < f->rlen; i++)
			one[cnt++] = (struct iovec){ f->req + i, 1 };
		f->R.calls = 0;
		assert_int_equal(fuse_server_handle(f->s, one, cnt, &out, 1, &w), 0);
		memcpy(&f->oh, f->out, sizeof(f->oh));
		assert_int_equal(f->oh.error, -ENAMETOOLONG);
		assert_int_equal(f->R.calls, 0);
		/* and without the NUL, the last byte cut by len: EINVAL */
		rq(f, FUSE_LOOKUP, 1);
		add(f, "abc", 3);
		fin(f);
		cnt = 0;
		for (size_t i = 0; i < f->rlen + 1; i++) /* one NUL byte past len */
			one[cnt++] = (struct iovec){ f->req + i, 1 };
		assert_int_equal(fuse_server_handle(f->s, one, cnt, &out, 1, &w), 0);
		memcpy(&f->oh, f->out, sizeof(f->oh));
		assert_int_equal(f->oh.error, -EINVAL);
	}
}

static void test_total_extlen(void **state)
{
	struct fx *f = *state;
	uint16_t ext;

	/* 8 bytes of extension after the name are cut off */
	rq(f, FUSE_LOOKUP, 1);
	add_str(f, "abc");
	add(f, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	ext = 1;
	memcpy(f->req + offsetof(struct fuse_in_header, total_extlen), &ext, 2);
	send_req(f);
	expect_reply(f, 0, sizeof(struct fuse_entry_out));
	assert_string_equal(f->R.name, "abc");
	/* extensions claimed larger than the arguments */
	ext = 2;
	memcpy(f->req + offsetof(struct fuse_in_header, total_extlen), &ext, 2);
	f->R.calls = 0;
	send_req(f);
	expect_reply(f, -EIO, 0);
	assert_int_equal(f->R.calls, 0);
}

static void test_reply_buffer_too_small(void **state)
{
	struct fx *f = *state;

	rq(f, FUSE_LOOKUP, 1);
	add_str(f, "x");
	fin(f);
	/* smaller than the out header: -errno, nothing written, backend not called */
	for (size_t room = 0; room < OH; room++) {
		send_room(f, room);
		assert_int_equal(f->ret, -ENOSPC);
		assert_int_equal(f->written, 0);
		assert_int_equal(f->out[0], 0xEE);
	}
	/* header fits, the entry does not: EIO reply, backend not called */
	send_room(f, OH + sizeof(struct fuse_entry_out) - 1);
	expect_reply(f, -EIO, 0);
	assert_int_equal(f->R.calls, 0);
	/* the reply header itself split across iovecs */
	{
		struct iovec in = { f->req, f->rlen };
		struct iovec out[3] = { { f->out, 5 }, { f->out + 100, 0 }, { f->out + 200, 2000 } };
		struct fuse_out_header oh;
		size_t w;

		assert_int_equal(fuse_server_handle(f->s, &in, 1, out, 3, &w), 0);
		assert_int_equal(w, OH + sizeof(struct fuse_entry_out));
		memcpy(&oh, f->out, 5);
		memcpy((char *)&oh + 5, f->out + 200, OH - 5);
		assert_int_equal(oh.len, w);
		assert_int_equal(oh.error, 0);
		assert_int_equal(oh.unique, req_unique(f));
	}
}

static void test_null_op_enosys(void **state)
{
	struct fx *f = *state;
	static struct fs_ops ops; /* outlives the test: teardown frees the server */

	ops = full_ops;

	ops.lookup = NULL;
	ops.write = NULL;
	make_server(f, &ops, NULL, 0);
	do_init_ok(f);
	rq(f, FUSE_LOOKUP, 1);
	add_str(f, "a");
	send_req(f);
	expect_reply(f, -ENOSYS, 0);
	rq(f, FUSE_WRITE, 1);
	add(f, &(struct fuse_write_in){ .size = 1 }, sizeof(struct fuse_write_in));
	add(f, "a", 1);
	send_req(f);
	expect_reply(f, -ENOSYS, 0);
	assert_int_equal(f->R.calls, 0);
	/* an op still there works */
	rq(f, FUSE_UNLINK, 1);
	add_str(f, "a");
	send_req(f);
	expect_reply(f, 0, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TI(fn) cmocka_unit_test_setup_teardown(fn, setup_init, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iobuf_rw_across_iovecs),
		cmocka_unit_test(test_iobuf_saturating_sum),
		cmocka_unit_test(test_iobuf_pread_pwrite),
		cmocka_unit_test(test_name_valid),
		T(test_init_versions),
		T(test_init_flags),
		T(test_init_dax_alignment),
		T(test_init_compat_struct),
		T(test_before_init),
		TI(test_lookup),
		TI(test_forget_batch_forget),
		TI(test_getattr_setattr),
		TI(test_readlink),
		TI(test_symlink),
		TI(test_mknod_mkdir),
		TI(test_unlink_rmdir),
		TI(test_rename_rename2),
		TI(test_link),
		TI(test_open_opendir),
		TI(test_create_tmpfile),
		TI(test_read_zero_copy),
		TI(test_read_oversized),
		TI(test_write_zero_copy),
		TI(test_write_malformed),
		TI(test_statfs),
		TI(test_release_flush_fsync),
		TI(test_xattrs),
		TI(test_readdir),
		TI(test_access_fallocate_lseek_cfr_syncfs),
		TI(test_locks),
		TI(test_ioctl),
		TI(test_exit_code_ioctl),
		TI(test_dax),
		TI(test_destroy_and_free),
		TI(test_every_opcode_without_ops),
		TI(test_every_opcode_reaches_its_op),
		TI(test_short_header),
		TI(test_lying_lengths),
		TI(test_request_over_maximum),
		TI(test_names),
		TI(test_name_spanning_iovecs),
		TI(test_total_extlen),
		TI(test_reply_buffer_too_small),
		TI(test_null_op_enosys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
