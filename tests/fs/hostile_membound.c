/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-request memory bound (issue 11, item 3; docs/security.md): a single
 * request makes the server + passthrough allocate at most REQ_MEM_BOUND bytes
 * of transient memory, whatever sizes the guest writes into it. Persistent
 * state (the inode and handle tables, whose growth a request may trigger) is
 * bounded separately by the tables' limits and is subtracted (see measure()).
 *
 * Every malloc/calloc/realloc/free of the library is counted through the
 * linker's --wrap (meson.build); the peak of live bytes during one
 * fuse_server_handle, minus what is still live after it, is the transient
 * memory of that request.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/passthrough.h"
#include "fs/server.h"
#include "../rm_tree.h"

/* The documented bound: the largest request the server accepts
 * (1 MiB payload + 4 KiB of header and fixed arguments). */
#define REQ_MEM_BOUND ((1u << 20) + 4096u)

/* ---- counting allocator ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static long long live, peak;

static void account(void *p, int sign)
{
	if (!p)
		return;
	live += sign * (long long)malloc_usable_size(p);
	if (live > peak)
		peak = live;
}

void *__wrap_malloc(size_t n)
{
	void *p = __real_malloc(n);

	account(p, 1);
	return p;
}

void *__wrap_calloc(size_t n, size_t m)
{
	void *p = __real_calloc(n, m);

	account(p, 1);
	return p;
}

void *__wrap_realloc(void *p, size_t n)
{
	/* The old block is live until realloc returns; count it as such. */
	size_t old = p ? malloc_usable_size(p) : 0;
	void *q = __real_realloc(p, n);

	if (q) {
		live += (long long)malloc_usable_size(q);
		if (live > peak)
			peak = live;
		live -= (long long)old;
	}
	return q;
}

void __wrap_free(void *p)
{
	account(p, -1);
	__real_free(p);
}

/* ---- requests ---- */

struct env {
	char dir[64];
	struct fuse_server *s;
	uint8_t *req, *rep;
};

#define BIG (2u << 20)

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct fs_passthrough_opts o = { .xattr = true };
	struct fuse_server_config cfg = { 0 };
	char p[128];

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "/tmp/ckrun-membound-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	/* A directory large enough that READDIRPLUS fills 1 MiB. */
	for (int i = 0; i < 3000; i++) {
		int fd;

		snprintf(p, sizeof(p), "%s/entry-with-a-longish-name-%05d", e->dir, i);
		fd = open(p, O_WRONLY | O_CREAT, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	o.root = e->dir;
	assert_int_equal(fs_passthrough_new(&o, &cfg.backend), 0);
	assert_int_equal(fuse_server_new(&cfg, &e->s), 0);
	e->req = calloc(1, BIG);
	e->rep = calloc(1, BIG);
	assert_non_null(e->req);
	assert_non_null(e->rep);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	fuse_server_free(e->s);
	free(e->req);
	free(e->rep);
	assert_int_equal(rm_tree(e->dir), 0);
	free(e);
	return 0;
}

static size_t hdr(struct env *e, uint32_t op, uint64_t node)
{
	struct fuse_in_header h = { .opcode = op, .nodeid = node, .unique = 9, .pid = 1 };

	memcpy(e->req, &h, sizeof(h));
	return sizeof(h);
}

/* Handle one request of n bytes (header len = n unless lie != 0); return the
 * transient bytes it allocated; *err = the reply's error.
 *
 * Transient = peak - before - 2 * kept, where kept is what stays allocated
 * after the request (inode/handle table growth, capped by the tables'
 * limits): a table that grows by realloc briefly holds its old and its new
 * block, i.e. up to twice the growth. What is left is the request's own
 * buffers, which must stay under the bound. */
static long long measure(struct env *e, size_t n, uint32_t lie, size_t outsz, int *err)
{
	struct iovec in = { e->req, n }, out = { e->rep, outsz };
	uint32_t len = lie ? lie : (uint32_t)n;
	size_t written = 0;
	long long before;

	memcpy(e->req, &len, sizeof(len));
	before = live;
	peak = live;
	assert_int_equal(fuse_server_handle(e->s, &in, 1, &out, 1, &written), 0);
	*err = written >= sizeof(struct fuse_out_header) ? ((struct fuse_out_header *)e->rep)->error : 0;
	return peak - before - 2 * (live > before ? live - before : 0);
}

static uint64_t do_init_lookup(struct env *e, const char *name)
{
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
				   .flags = FUSE_DO_READDIRPLUS };
	size_t n = hdr(e, FUSE_INIT, 0);
	int err;

	memcpy(e->req + n, &in, sizeof(in));
	(void)measure(e, n + sizeof(in), 0, 4096, &err);
	assert_int_equal(err, 0);
	n = hdr(e, FUSE_LOOKUP, FUSE_ROOT_ID);
	memcpy(e->req + n, name, strlen(name) + 1);
	(void)measure(e, n + strlen(name) + 1, 0, 4096, &err);
	assert_int_equal(err, 0);
	return ((struct fuse_entry_out *)(e->rep + sizeof(struct fuse_out_header)))->nodeid;
}

static void test_worst_cases(void **state)
{
	struct env *e = *state;
	uint64_t f = do_init_lookup(e, "entry-with-a-longish-name-00000");
	long long m, worst = 0;
	size_t n;
	int err;

	/* SETXATTR with the largest value: the one contiguous copy. */
	{
		struct fuse_setxattr_in sx = { .size = 1u << 20 };

		n = hdr(e, FUSE_SETXATTR, f);
		memcpy(e->req + n, &sx, FUSE_COMPAT_SETXATTR_IN_SIZE);
		n += FUSE_COMPAT_SETXATTR_IN_SIZE;
		memcpy(e->req + n, "user.big", 9);
		n += 9;
		memset(e->req + n, 'v', sx.size);
		n += sx.size;
		m = measure(e, n, 0, 4096, &err);
		print_message("setxattr: %lld\n", m);
		assert_true(m >= (long long)(1u << 20)); /* the copy was counted */
		worst = m > worst ? m : worst;
		/* One byte over: refused before any allocation. */
		sx.size = (1u << 20) + 1;
		memcpy(e->req + sizeof(struct fuse_in_header), &sx, FUSE_COMPAT_SETXATTR_IN_SIZE);
		m = measure(e, n + 1, 0, 4096, &err);
		assert_true(err == -ENOMEM || err == -EIO);
		assert_true(m < 4096);
	}
	/* GETXATTR / LISTXATTR with the largest sizes. */
	{
		struct fuse_getxattr_in gx = { .size = 1u << 20 };

		n = hdr(e, FUSE_GETXATTR, f);
		memcpy(e->req + n, &gx, sizeof(gx));
		n += sizeof(gx);
		memcpy(e->req + n, "user.big", 9);
		m = measure(e, n + 9, 0, BIG, &err);
		worst = m > worst ? m : worst;
		n = hdr(e, FUSE_LISTXATTR, f);
		memcpy(e->req + n, &gx, sizeof(gx));
		m = measure(e, n + sizeof(gx), 0, BIG, &err);
		worst = m > worst ? m : worst;
	}
	/* READDIR / READDIRPLUS of 1 MiB into a 2 MiB reply buffer. */
	{
		struct fuse_open_in oi = { .flags = O_RDONLY };
		struct fuse_read_in ri = { .size = 1u << 20 };

		n = hdr(e, FUSE_OPENDIR, FUSE_ROOT_ID);
		memcpy(e->req + n, &oi, sizeof(oi));
		(void)measure(e, n + sizeof(oi), 0, 4096, &err);
		assert_int_equal(err, 0);
		ri.fh = ((struct fuse_open_out *)(e->rep + sizeof(struct fuse_out_header)))->fh;
		for (int plus = 0; plus < 2; plus++) {
			n = hdr(e, plus ? FUSE_READDIRPLUS : FUSE_READDIR, FUSE_ROOT_ID);
			memcpy(e->req + n, &ri, sizeof(ri));
			m = measure(e, n + sizeof(ri), 0, BIG, &err);
			assert_int_equal(err, 0);
			print_message("readdir%s: %lld\n", plus ? "plus" : "", m);
			worst = m > worst ? m : worst;
		}
	}
	/* READ and WRITE of 1 MiB go straight between file and guest buffers. */
	{
		struct fuse_open_in oi = { .flags = O_RDWR };
		struct fuse_write_in wi = { .size = 1u << 20 };
		struct fuse_read_in ri = { .size = 1u << 20 };

		n = hdr(e, FUSE_OPEN, f);
		memcpy(e->req + n, &oi, sizeof(oi));
		(void)measure(e, n + sizeof(oi), 0, 4096, &err);
		assert_int_equal(err, 0);
		wi.fh = ri.fh = ((struct fuse_open_out *)(e->rep + sizeof(struct fuse_out_header)))->fh;
		n = hdr(e, FUSE_WRITE, f);
		memcpy(e->req + n, &wi, sizeof(wi));
		n += sizeof(wi);
		memset(e->req + n, 'w', wi.size);
		m = measure(e, n + wi.size, 0, 4096, &err);
		assert_int_equal(err, 0);
		assert_true(m < 64 * 1024);
		n = hdr(e, FUSE_READ, f);
		memcpy(e->req + n, &ri, sizeof(ri));
		m = measure(e, n + sizeof(ri), 0, BIG, &err);
		assert_int_equal(err, 0);
		assert_true(m < 64 * 1024);
	}
	print_message("worst transient allocation of one request: %lld bytes (bound %u)\n", worst,
		      REQ_MEM_BOUND);
	assert_true(worst <= (long long)REQ_MEM_BOUND);
}

/* Every opcode with 2 MiB of guest bytes behind it, honest and lying
 * lengths, sizes at their maximum (0xff fill): still within the bound. */
static void test_every_opcode(void **state)
{
	struct env *e = *state;
	long long m, worst = 0;
	int err;

	(void)do_init_lookup(e, "entry-with-a-longish-name-00001");
	for (uint32_t op = 1; op <= 60; op++) {
		const uint8_t fills[] = { 0x00, 0xff, 0x41 };

		if (op == FUSE_INIT || op == FUSE_DESTROY)
			continue;
		for (size_t k = 0; k < sizeof(fills); k++) {
			const uint32_t lens[] = { 0, (1u << 20) + 4096u, 1u << 20, 200 };

			for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
				size_t n = hdr(e, op, FUSE_ROOT_ID);

				memset(e->req + n, fills[k], BIG - n);
				/* NUL-terminate early names so name-taking ops get further. */
				e->req[n + 40] = 0;
				m = measure(e, lens[j] ? lens[j] : BIG, lens[j], BIG, &err);
				worst = m > worst ? m : worst;
			}
		}
	}
	print_message("worst transient allocation over all opcodes: %lld bytes\n", worst);
	assert_true(worst <= (long long)REQ_MEM_BOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_worst_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_opcode, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
