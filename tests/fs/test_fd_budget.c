/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One fd budget for all shares of a VM (issue 21, item 2; fs/limits.h).
 *
 * The reproduction: with RLIMIT_NOFILE 1024, four read-only shares
 * and repeated OPENDIR without RELEASEDIR filled the process's fd table, after
 * which other shares' LOOKUP/OPENDIR, eventfd() and open("/dev/null") in the
 * VMM failed with EMFILE: each share had sized its tables from RLIMIT_NOFILE
 * alone. Here the limit is lowered to 256, four shares (the VM's limits
 * object) are filled by a hostile guest one after the other (OPENDIR until
 * refused, LOOKUP of many directories until refused), and then:
 *  - the last share still serves LOOKUP and OPENDIR (its floor);
 *  - the VMM still gets an eventfd and opens /dev/null, with the reserve left;
 *  - RELEASEDIR gives the fds back.
 * FD_BUDGET_PRIVATE=1 gives each share a private budget instead (the shape
 * before the fix): the same run then exhausts the process (expected to fail).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/limits.h"
#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "fs/server.h"
#include "../dircount.h"
#include "../rm_tree.h"

#define NOFILE 256u
#define SHARES 4
#define DIRS 200 /* per share: more than any share may hold */

struct share {
	char dir[64];
	struct fuse_server *s;
	uint64_t unique;
	uint8_t out[4096];
};

static int open_fds(void)
{
	int n = count_fds();
	assert_true(n >= 0);
	return n;
}

/* One request; the reply's error, *body = its body. */
static int req(struct share *sh, uint32_t op, uint64_t node, const void *a, size_t alen, const void **body)
{
	uint8_t in[512];
	struct fuse_in_header h = { .opcode = op, .unique = ++sh->unique, .nodeid = node, .len = (uint32_t)(sizeof(h) + alen) };
	struct iovec iv = { in, h.len }, ov = { sh->out, sizeof(sh->out) };
	size_t w;

	assert_true(h.len <= sizeof(in));
	memcpy(in, &h, sizeof(h));
	memcpy(in + sizeof(h), a, alen);
	assert_int_equal(fuse_server_handle(sh->s, &iv, 1, &ov, 1, &w), 0);
	if (body)
		*body = sh->out + sizeof(struct fuse_out_header);
	return ((struct fuse_out_header *)sh->out)->error;
}

static void share_new(struct share *sh, struct fs_limits *l)
{
	struct fs_passthrough_opts o = { .root = sh->dir, .limits = l };
	struct fuse_server_config cfg = { .limits = l };
	struct fuse_init_in init = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION };
	char p[PATH_MAX];

	strcpy(sh->dir, "/tmp/ckrun-fdb-XXXXXX");
	assert_non_null(mkdtemp(sh->dir));
	for (int i = 0; i < DIRS; i++) {
		snprintf(p, sizeof(p), "%s/d%d", sh->dir, i);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	assert_int_equal(fs_passthrough_new(&o, &cfg.backend), 0);
	assert_int_equal(fs_readonly_new(cfg.backend, &cfg.backend), 0);
	assert_int_equal(fuse_server_new(&cfg, &sh->s), 0);
	assert_int_equal(req(sh, FUSE_INIT, 0, &init, sizeof(init), NULL), 0);
}

static void share_free(struct share *sh)
{
	fuse_server_free(sh->s);
	rm_tree(sh->dir);
}

static int opendir_root(struct share *sh, uint64_t *fh)
{
	struct fuse_open_in in = { .flags = O_RDONLY };
	const void *body;
	int err = req(sh, FUSE_OPENDIR, FUSE_ROOT_ID, &in, sizeof(in), &body);
	if (err == 0 && fh)
		*fh = ((const struct fuse_open_out *)body)->fh;
	return err;
}

static int lookup(struct share *sh, int i)
{
	char name[16];
	snprintf(name, sizeof(name), "d%d", i);
	return req(sh, FUSE_LOOKUP, FUSE_ROOT_ID, name, strlen(name) + 1, NULL);
}

/* A hostile guest on one share: OPENDIR until refused, LOOKUP of every
 * directory; returns how many of each succeeded. */
static void fill(struct share *sh, int *opened, int *looked)
{
	int err = 0;

	*opened = *looked = 0;
	for (int i = 0; i < 4 * (int)NOFILE && (err = opendir_root(sh, NULL)) == 0; i++)
		(*opened)++;
	if (err != -ENFILE && err != -EMFILE)
		fail_msg("OPENDIR ended with %d after %d", err, *opened);
	for (int i = 0; i < DIRS; i++)
		if (lookup(sh, i) == 0)
			(*looked)++;
}

static void one_budget(void **state)
{
	struct share sh[SHARES];
	struct fs_limits *l = NULL;
	bool private = getenv("FD_BUDGET_PRIVATE") != NULL;
	int opened, looked, efd, nfd;

	(void)state;
	if (!private)
		assert_int_equal(fs_limits_new(SHARES, 0, (unsigned)-1, &l), 0);
	for (int i = 0; i < SHARES; i++)
		share_new(&sh[i], l);
	for (int i = 0; i < SHARES - 1; i++) {
		fill(&sh[i], &opened, &looked);
		print_message("share %d: %d OPENDIR, %d LOOKUP held; process fds %d of %u\n", i, opened, looked,
			      open_fds(), NOFILE);
		assert_true(opened > 0);
	}
	if (l)
		print_message("budget %u, used %u\n", fs_limits_fd_budget(l), fs_limits_fd_used(l));

	/* the last share still serves */
	uint64_t fh = 0;
	assert_int_equal(lookup(&sh[SHARES - 1], 7), 0);
	assert_int_equal(opendir_root(&sh[SHARES - 1], &fh), 0);
	/* and the VMM still gets its fds, with the reserve left */
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		fail_msg("eventfd: %s", strerror(errno));
	nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nfd < 0)
		fail_msg("open /dev/null: %s", strerror(errno));
	int now = open_fds();
	print_message("process fds with every share filled: %d of %u\n", now, NOFILE);
	assert_true(now <= (int)(NOFILE - FS_FD_RESERVE_MIN));
	close(efd);
	close(nfd);

	/* RELEASEDIR gives an fd back */
	struct fuse_release_in rel = { .fh = fh };
	assert_int_equal(req(&sh[SHARES - 1], FUSE_RELEASEDIR, FUSE_ROOT_ID, &rel, sizeof(rel), NULL), 0);
	if (l) {
		unsigned used = fs_limits_fd_used(l);
		assert_true(used <= fs_limits_fd_budget(l));
		for (int i = 0; i < SHARES; i++)
			share_free(&sh[i]);
		assert_int_equal(fs_limits_fd_used(l), 0);
		fs_limits_unref(l);
	} else {
		for (int i = 0; i < SHARES; i++)
			share_free(&sh[i]);
	}
}

/* The accounting itself: floors, the shared part, giving back. */
static void accounting(void **state)
{
	struct fs_limits *l;
	struct fs_fd_account a, b;
	unsigned got = 0;

	(void)state;
	/* 1000 fds, 10 open: reserve 250, budget 740; two shares: floors 32 */
	assert_int_equal(fs_limits_new(2, 1000, 10, &l), 0);
	assert_int_equal(fs_limits_fd_budget(l), 740);
	assert_int_equal(fs_fd_account_open(&a, l), 0);
	assert_int_equal(fs_fd_account_open(&b, l), 0);
	while (fs_fd_take(&a) == 0)
		got++;
	assert_int_equal(got, 740 - 32); /* everything but b's floor */
	for (int i = 0; i < 32; i++)
		assert_int_equal(fs_fd_take(&b), 0);
	assert_int_equal(fs_fd_take(&b), -ENFILE);
	fs_fd_give(&a, 1);
	assert_int_equal(fs_fd_take(&b), 0); /* the shared part is shared */
	assert_int_equal(fs_fd_take(&a), -ENFILE);
	assert_int_equal(fs_limits_fd_used(l), 740);
	fs_fd_account_close(&a);
	assert_int_equal(fs_limits_fd_used(l), 33);
	fs_fd_account_close(&b);
	assert_int_equal(fs_limits_fd_used(l), 0);
	fs_limits_unref(l);

	/* a tiny limit: floors shrink, never below 2 */
	assert_int_equal(fs_limits_new(8, 70, 10, &l), 0);
	assert_true(fs_limits_fd_budget(l) >= 16);
	fs_limits_unref(l);
}

/*
 * Heap per inode entry, measured: a share that holds FILES node ids while its
 * fds are few (as root, entries past the fd bound are kept as file handles:
 * the costlier kind). Bounds the inode tables' memory at
 * FS_MAX_INODE_ENTRIES_VM * FS_INODE_ENTRY_BYTES per VM.
 */
#define FILES 16400 /* just past a doubling of the slot array: the worst ratio */

static void inode_heap(void **state)
{
	struct share sh;
	struct fs_limits *l;
	char p[PATH_MAX], name[16];
	int ok = 0;

	(void)state;
	assert_int_equal(fs_limits_new(1, 0, (unsigned)-1, &l), 0);
	share_new(&sh, l);
	for (int i = 0; i < FILES; i++) {
		snprintf(p, sizeof(p), "%s/f%d", sh.dir, i);
		int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(lookup(&sh, 0), 0); /* warm up: the first entry past the root */
	struct mallinfo2 before = mallinfo2();
	for (int i = 0; i < FILES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		if (req(&sh, FUSE_LOOKUP, FUSE_ROOT_ID, name, strlen(name) + 1, NULL) == 0)
			ok++;
	}
	struct mallinfo2 after = mallinfo2();
	double per = (double)(after.uordblks - before.uordblks) / (ok ? ok : 1);
	print_message("%d entries held with %u fds: %.1f bytes of heap each (bound %u); per VM at most %u entries\n",
		      ok, fs_limits_fd_used(l), per, FS_INODE_ENTRY_BYTES, FS_MAX_INODE_ENTRIES_VM);
	if (geteuid() == 0)
		assert_int_equal(ok, FILES); /* eviction: every entry held */
	assert_true(ok > 0);
	assert_true(per <= FS_INODE_ENTRY_BYTES);
	share_free(&sh);
	fs_limits_unref(l);
}

int main(void)
{
	struct rlimit rl;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accounting),
		cmocka_unit_test(one_budget),
		cmocka_unit_test(inode_heap),
	};

	/* The limits object reads the soft limit when it is made. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = NOFILE;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
