/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The FUSE server reads each value of a request from guest memory once
 * (issue 21, item 3). The request's bytes live in guest RAM, which another
 * vCPU may change while the server parses it; a name whose NUL is found by
 * one read and copied by a second read can reach the backend unterminated.
 *
 *  - read_once_*: deterministic. The name lives in a page that changes after
 *    the first instruction that reads it (a SIGSEGV on the PROT_NONE page
 *    makes it readable with version A and sets the trap flag; the SIGTRAP one
 *    instruction later rewrites it to version B, where the NUL is gone). A
 *    server that reads the name twice hands the backend a name copied from
 *    B: "abcX..." with no NUL where A had one.
 *  - flipping_thread: a second thread flips the NUL byte while the server
 *    serves LOOKUPs; every name the backend gets must be "abc".
 */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ucontext.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs/server.h"

#define EFLAGS_TF 0x100

struct seen {
	int calls;
	int bad; /* calls with a name other than "abc" */
	char last[NAME_MAX + 2];
};

static struct seen g_seen;

static void note(const char *name)
{
	g_seen.calls++;
	if (strnlen(name, NAME_MAX + 1) != 3 || memcmp(name, "abc", 3) != 0) {
		g_seen.bad++;
		memcpy(g_seen.last, name, 16);
		g_seen.last[16] = '\0';
	}
}

static int b_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    struct fuse_entry_out *e)
{
	(void)fs, (void)c, (void)parent, (void)e;
	note(name);
	return -ENOENT;
}

static int b_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		   const struct fuse_mkdir_in *in, struct fuse_entry_out *e)
{
	(void)fs, (void)c, (void)parent, (void)in, (void)e;
	note(name);
	return -EROFS;
}

static int b_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const char *target, struct fuse_entry_out *e)
{
	(void)fs, (void)c, (void)parent, (void)e, (void)name;
	note(target);
	return -EROFS;
}

static const struct fs_ops ops = { .lookup = b_lookup, .mkdir = b_mkdir, .symlink = b_symlink };

static struct fuse_server *new_server(void)
{
	struct fuse_server_config cfg = { .backend = { .ops = &ops } };
	struct fuse_server *s = NULL;
	struct {
		struct fuse_in_header h;
		struct fuse_init_in in;
	} init = { .h = { .len = sizeof(init), .opcode = FUSE_INIT, .unique = 1 },
		   .in = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION } };
	uint8_t out[512];
	struct iovec iv = { &init, sizeof(init) }, ov = { out, sizeof(out) };
	size_t w;

	assert_int_equal(fuse_server_new(&cfg, &s), 0);
	assert_int_equal(fuse_server_handle(s, &iv, 1, &ov, 1, &w), 0);
	assert_int_equal(((struct fuse_out_header *)out)->error, 0);
	return s;
}

/* Serve one request made of `head` (header + fixed args, host memory) and
 * `tail` bytes of guest memory; returns the reply's error. */
static int serve(struct fuse_server *s, void *head, size_t hlen, void *tail, size_t tlen)
{
	uint8_t out[512];
	struct iovec iv[2] = { { head, hlen }, { tail, tlen } }, ov = { out, sizeof(out) };
	size_t w;

	((struct fuse_in_header *)head)->len = (uint32_t)(hlen + tlen);
	assert_int_equal(fuse_server_handle(s, iv, 2, &ov, 1, &w), 0);
	return ((struct fuse_out_header *)out)->error;
}

/* ---- the page that changes after its first read ---- */

static uint8_t *g_page;
static size_t g_psz;
static const char *g_ver_a, *g_ver_b; /* the name region's two versions */
static size_t g_off;                  /* where in the page the name region starts */
static volatile sig_atomic_t g_faults, g_traps;

static void put_version(const char *v)
{
	mprotect(g_page, g_psz, PROT_READ | PROT_WRITE);
	memset(g_page, 'X', g_psz);
	memcpy(g_page + g_off, v, 8);
	mprotect(g_page, g_psz, PROT_READ);
}

static void on_segv(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint8_t *a = si->si_addr;

	if (a < g_page || a >= g_page + g_psz) {
		signal(sig, SIG_DFL); /* a real crash: let it happen */
		return;
	}
	g_faults++;
	put_version(g_ver_a);
	uc->uc_mcontext.gregs[REG_EFL] |= EFLAGS_TF; /* one instruction, then SIGTRAP */
}

static void on_trap(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;

	(void)sig, (void)si;
	g_traps++;
	put_version(g_ver_b); /* every later read sees B */
	uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)EFLAGS_TF;
}

/* The handlers are installed per test: cmocka installs its own for SIGSEGV
 * around each test. */
static void arm(const char *a, const char *b, size_t off)
{
	struct sigaction sa = { .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_segv;
	assert_int_equal(sigaction(SIGSEGV, &sa, NULL), 0);
	sa.sa_sigaction = on_trap;
	assert_int_equal(sigaction(SIGTRAP, &sa, NULL), 0);
	g_ver_a = a;
	g_ver_b = b;
	g_off = off;
	g_faults = g_traps = 0;
	mprotect(g_page, g_psz, PROT_NONE);
}

static int setup(void **state)
{
	(void)state;
	g_psz = (size_t)sysconf(_SC_PAGESIZE);
	g_page = mmap(NULL, g_psz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return g_page == MAP_FAILED ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	signal(SIGSEGV, SIG_DFL);
	signal(SIGTRAP, SIG_DFL);
	munmap(g_page, g_psz);
	return 0;
}

/* A: "abc" and its NUL; B: the NUL replaced (and no NUL anywhere in the page). */
static const char VER_A[8] = { 'a', 'b', 'c', 0, 'X', 'X', 'X', 'X' };
static const char VER_B[8] = { 'a', 'b', 'c', 'X', 'X', 'X', 'X', 'X' };

static void check_once(const char *what)
{
	if (g_seen.bad)
		fail_msg("%s: the backend got a name read twice from guest memory: \"%s\" (%d of %d calls)",
			 what, g_seen.last, g_seen.bad, g_seen.calls);
	/* The name's bytes were read from the changing page at least once. */
	assert_true(g_faults >= 1);
}

static void read_once_lookup(void **state)
{
	struct fuse_server *s = new_server();
	struct fuse_in_header h = { .opcode = FUSE_LOOKUP, .unique = 2, .nodeid = FUSE_ROOT_ID };
	int err;

	(void)state;
	memset(&g_seen, 0, sizeof(g_seen));
	arm(VER_A, VER_B, 0);
	err = serve(s, &h, sizeof(h), g_page, 64);
	/* Read once: either the copy holds A's NUL (ENOENT from the backend) or
	 * no NUL at all (EINVAL); never a name from B. */
	assert_true(err == -ENOENT || err == -EINVAL);
	check_once("LOOKUP");
	fuse_server_free(s);
}

static void read_once_mkdir(void **state)
{
	struct fuse_server *s = new_server();
	struct {
		struct fuse_in_header h;
		struct fuse_mkdir_in in;
	} r = { .h = { .opcode = FUSE_MKDIR, .unique = 3, .nodeid = FUSE_ROOT_ID }, .in = { .mode = 0755 } };
	int err;

	(void)state;
	memset(&g_seen, 0, sizeof(g_seen));
	arm(VER_A, VER_B, 100); /* not at the start of the page */
	err = serve(s, &r, sizeof(r), g_page + 100, 200);
	assert_true(err == -EROFS || err == -EINVAL);
	check_once("MKDIR");
	fuse_server_free(s);
}

/* SYMLINK's second string (the target, PATH_MAX bound) follows the name. */
static void read_once_symlink_target(void **state)
{
	struct fuse_server *s = new_server();
	struct fuse_in_header h = { .opcode = FUSE_SYMLINK, .unique = 4, .nodeid = FUSE_ROOT_ID };
	uint8_t r[sizeof(h) + 4];
	int err;

	(void)state;
	memcpy(r, &h, sizeof(h));
	memcpy(r + sizeof(h), "lnk", 4);
	memset(&g_seen, 0, sizeof(g_seen));
	arm(VER_A, VER_B, 0);
	err = serve(s, r, sizeof(r), g_page, 300);
	assert_true(err == -EROFS || err == -EINVAL);
	check_once("SYMLINK target");
	fuse_server_free(s);
}

/* ---- a second thread flips the NUL while requests are served ---- */

struct flipper {
	volatile char *byte;
	atomic_bool stop;
	unsigned long flips;
};

static void *flip(void *arg)
{
	struct flipper *f = arg;

	while (!atomic_load_explicit(&f->stop, memory_order_relaxed)) {
		*f->byte = 'X';
		*f->byte = '\0';
		f->flips++;
	}
	return NULL;
}

static void flipping_thread(void **state)
{
	struct fuse_server *s = new_server();
	struct fuse_in_header h = { .opcode = FUSE_LOOKUP, .nodeid = FUSE_ROOT_ID };
	char *name = calloc(1, 4096);
	struct flipper f = { .byte = NULL };
	pthread_t t;
	struct timespec t0, t1;
	int enoent = 0, einval = 0;

	(void)state;
	assert_non_null(name);
	memset(name, 'X', 4096);
	memcpy(name, "abc", 4);
	f.byte = name + 3;
	atomic_init(&f.stop, false);
	memset(&g_seen, 0, sizeof(g_seen));
	assert_int_equal(pthread_create(&t, NULL, flip, &f), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0;; i++) {
		h.unique = 10 + i;
		int err = serve(s, &h, sizeof(h), name, 300);
		if (err == -ENOENT)
			enoent++;
		else if (err == -EINVAL || err == -ENAMETOOLONG)
			einval++;
		else
			fail_msg("unexpected reply %d", err);
		if ((i & 1023) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (t1.tv_sec - t0.tv_sec >= 2)
				break;
		}
	}
	atomic_store(&f.stop, true);
	pthread_join(t, NULL);
	print_message("flipping thread: %d names served, %d refused, %lu flips\n", enoent, einval, f.flips);
	if (g_seen.bad)
		fail_msg("the backend got %d names other than \"abc\" (last \"%s\")", g_seen.bad, g_seen.last);
	assert_true(enoent > 0);
	free(name);
	fuse_server_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_once_lookup),
		cmocka_unit_test(read_once_mkdir),
		cmocka_unit_test(read_once_symlink_target),
		cmocka_unit_test(flipping_thread),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
