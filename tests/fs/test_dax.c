/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DAX mappings (src/fs/dax.c) through the real FUSE server and passthrough,
 * over a real PROT_NONE window with guard regions on both sides: a request
 * that is refused must leave the window and the guards untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/dax.h"
#include "fs/limits.h"
#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "fs/server.h"
#include "../rm_tree.h"

#define MIB (1024u * 1024u)
#define GUARD (1 * MIB)
#define WIN (8 * MIB)
#define CHUNK (2 * MIB) /* what a 6.1 guest maps at a time (FUSE_DAX_SZ) */
#define PG 4096u

struct env {
	char dir[64];
	struct fuse_server *s;
	uint8_t *resv; /* guard | window | guard */
	size_t win;    /* the window's size */
	struct fs_dax_window w;
	uint64_t unique;
	uint8_t out[4096];
	size_t written;
};

static uint8_t inbuf[1 << 17];

/* One request; returns the reply's error (0 = ok), or 1 for no reply. */
static int req(struct env *e, uint32_t opcode, uint64_t nodeid, const void *a, size_t alen,
	       const void *b, size_t blen)
{
	struct fuse_in_header h = { .opcode = opcode, .unique = ++e->unique, .nodeid = nodeid,
				    .pid = 1 };
	size_t len = sizeof(h) + alen + blen;
	assert_true(len <= sizeof(inbuf));
	h.len = (uint32_t)len;
	memcpy(inbuf, &h, sizeof(h));
	if (alen)
		memcpy(inbuf + sizeof(h), a, alen);
	if (blen)
		memcpy(inbuf + sizeof(h) + alen, b, blen);
	struct iovec iv = { inbuf, len }, ov = { e->out, sizeof(e->out) };
	e->written = 0;
	assert_int_equal(fuse_server_handle(e->s, &iv, 1, &ov, 1, &e->written), 0);
	if (e->written == 0)
		return 1;
	const struct fuse_out_header *oh = (const void *)e->out;
	assert_int_equal(oh->unique, e->unique);
	return oh->error;
}

static int make_server_limits(struct env *e, bool ro, bool window, struct fs_limits *limits)
{
	struct fs_passthrough_opts o = { .root = e->dir, .limits = limits };
	struct fuse_server_config cfg = { .limits = limits };
	int rc = fs_passthrough_new(&o, &cfg.backend);
	if (rc < 0)
		return rc;
	if (ro && (rc = fs_readonly_new(cfg.backend, &cfg.backend)) < 0)
		return rc;
	if (window)
		cfg.dax = e->w;
	if ((rc = fuse_server_new(&cfg, &e->s)) < 0)
		return rc;
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
				   .flags = FUSE_MAP_ALIGNMENT | FUSE_INIT_EXT };
	if (req(e, FUSE_INIT, 0, &in, sizeof(in), NULL, 0) != 0)
		return -EIO;
	const struct fuse_init_out *io = (const void *)(e->out + sizeof(struct fuse_out_header));
	/* With a window, the guest learns the map alignment: the 2 MiB chunk. */
	if (window && (!(io->flags & FUSE_MAP_ALIGNMENT) || io->map_alignment != 21))
		return -EPROTO;
	return 0;
}

static int make_server(struct env *e, bool ro, bool window)
{
	return make_server_limits(e, ro, window, NULL);
}

static struct env *env_new_win(size_t win)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	strcpy(e->dir, "/tmp/ckrun-dax-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	assert_int_equal(chmod(e->dir, 0755), 0);
	e->resv = mmap(NULL, GUARD + win + GUARD, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(e->resv != MAP_FAILED);
	e->win = win;
	e->w.base = e->resv + GUARD;
	e->w.size = win;
	return e;
}

static struct env *env_new(void)
{
	return env_new_win(WIN);
}

static int setup_rw(void **state)
{
	struct env *e = env_new();
	assert_int_equal(make_server(e, false, true), 0);
	*state = e;
	return 0;
}

static int setup_ro(void **state)
{
	struct env *e = env_new();
	assert_int_equal(make_server(e, true, true), 0);
	*state = e;
	return 0;
}

static int setup_nowin(void **state)
{
	struct env *e = env_new();
	assert_int_equal(make_server(e, false, false), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	fuse_server_free(e->s);
	munmap(e->resv, GUARD + e->win + GUARD);
	rm_tree(e->dir);
	free(e);
	return 0;
}

/* A host file of `len` bytes: byte i = (i * 7 + 3) & 0xff. */
static void host_file(struct env *e, const char *name, size_t len, mode_t mode)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", e->dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	uint8_t *b = malloc(len);
	assert_non_null(b);
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(write(fd, b, len), (ssize_t)len);
	free(b);
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static uint64_t lookup(struct env *e, const char *name)
{
	assert_int_equal(req(e, FUSE_LOOKUP, FUSE_ROOT_ID, name, strlen(name) + 1, NULL, 0), 0);
	const struct fuse_entry_out *eo = (const void *)(e->out + sizeof(struct fuse_out_header));
	return eo->nodeid;
}

/* A new host file of `len` patterned bytes, looked up by the guest: its node id. */
static uint64_t host_node(struct env *e, const char *name, size_t len)
{
	host_file(e, name, len, 0644);
	return lookup(e, name);
}

static int setup_map(struct env *e, uint64_t node, uint64_t foff, uint64_t moff, uint64_t len,
		     uint64_t flags)
{
	struct fuse_setupmapping_in in = { .fh = UINT64_MAX, .foffset = foff, .len = len,
					   .flags = flags, .moffset = moff };
	return req(e, FUSE_SETUPMAPPING, node, &in, sizeof(in), NULL, 0);
}

static int remove_map(struct env *e, uint32_t count, const struct fuse_removemapping_one *v,
		      uint32_t nv)
{
	struct fuse_removemapping_in in = { .count = count };
	return req(e, FUSE_REMOVEMAPPING, FUSE_ROOT_ID, &in, sizeof(in), v, nv * sizeof(*v));
}

/*
 * What /proc/self/maps says about `addr`: its permission string ("r--s") and
 * whether a file backs it. False when nothing is mapped there.
 */
static bool map_at(const void *addr, char perms[5], bool *file)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, ino;
		char p[5];
		if (sscanf(line, "%lx-%lx %4s %*x %*x:%*x %lu", &lo, &hi, p, &ino) != 4)
			continue;
		if ((uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			memcpy(perms, p, 5);
			*file = ino != 0;
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

/* [lo, hi) is covered by anonymous PROT_NONE regions only (one pass over
 * /proc/self/maps). */
static void assert_clear_between(uintptr_t lo, uintptr_t hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	uintptr_t covered = lo;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b, ino;
		char p[5];
		if (sscanf(line, "%lx-%lx %4s %*x %*x:%*x %lu", &a, &b, p, &ino) != 4)
			continue;
		if (b <= lo || a >= hi)
			continue;
		if (strcmp(p, "---p") != 0 || ino != 0)
			fail_msg("%lx-%lx is %s inode %lu inside %lx-%lx", a, b, p, ino, (unsigned long)lo,
				 (unsigned long)hi);
		if (a > covered)
			fail_msg("hole at %lx-%lx", (unsigned long)covered, a);
		covered = b;
	}
	fclose(f);
	if (covered < hi)
		fail_msg("hole at %lx-%lx", (unsigned long)covered, (unsigned long)hi);
}

/* Every page of guard|window|guard is still anonymous PROT_NONE. */
static void assert_all_clear(struct env *e)
{
	assert_clear_between((uintptr_t)e->resv, (uintptr_t)e->resv + GUARD + e->win + GUARD);
}

/* The window range [off, off+len) is anonymous PROT_NONE. */
static void assert_all_clear_range(struct env *e, size_t off, size_t len)
{
	assert_clear_between((uintptr_t)e->w.base + off, (uintptr_t)e->w.base + off + len);
}

static void assert_mapped(const void *addr, const char *perms)
{
	char p[5];
	bool file;
	assert_true(map_at(addr, p, &file));
	assert_string_equal(p, perms);
	assert_true(file);
}

/* A guest-like read mapping: a 2 MiB chunk of a shorter file, read through
 * the window, then removed. */
static void test_read_mapping(void **state)
{
	struct env *e = *state;
	uint64_t n = host_node(e, "f", 3 * PG + 100);
	assert_int_equal(setup_map(e, n, 0, CHUNK, CHUNK, FUSE_SETUPMAPPING_FLAG_READ), 0);
	const uint8_t *p = e->w.base + CHUNK;
	for (size_t i = 0; i < 3 * PG + 100; i++)
		if (p[i] != (uint8_t)(i * 7 + 3))
			fail_msg("byte %zu differs", i);
	assert_mapped(p, "r--s");
	assert_mapped(p + CHUNK - PG, "r--s");
	/* the rest of the window and the guards are untouched */
	char perms[5];
	bool file;
	assert_true(map_at(e->w.base + CHUNK - PG, perms, &file));
	assert_string_equal(perms, "---p");
	assert_true(map_at(e->w.base + 2 * CHUNK, perms, &file));
	assert_string_equal(perms, "---p");

	struct fuse_removemapping_one one = { .moffset = CHUNK, .len = CHUNK };
	assert_int_equal(remove_map(e, 1, &one, 1), 0);
	assert_all_clear(e);
	/* count 0: nothing to do */
	assert_int_equal(remove_map(e, 0, NULL, 0), 0);
}

/* A file range at a non-zero offset lands at the right window offset. */
static void test_offsets(void **state)
{
	struct env *e = *state;
	uint64_t n = host_node(e, "big", 3 * CHUNK);
	assert_int_equal(setup_map(e, n, CHUNK, 0, CHUNK, FUSE_SETUPMAPPING_FLAG_READ), 0);
	assert_int_equal(setup_map(e, n, 2 * CHUNK, WIN - CHUNK, CHUNK, FUSE_SETUPMAPPING_FLAG_READ), 0);
	const uint8_t *a = e->w.base, *b = (const uint8_t *)e->w.base + WIN - CHUNK;
	assert_int_equal(a[0], (uint8_t)(CHUNK * 7 + 3));
	assert_int_equal(a[12345], (uint8_t)((CHUNK + 12345) * 7 + 3));
	assert_int_equal(b[CHUNK - 1], (uint8_t)((3 * CHUNK - 1) * 7 + 3));
	/* remapping a slot in place (the guest reuses ranges) */
	assert_int_equal(setup_map(e, n, 0, 0, CHUNK, FUSE_SETUPMAPPING_FLAG_READ), 0);
	assert_int_equal(a[1], (uint8_t)(1 * 7 + 3));
	struct fuse_removemapping_one v[2] = { { .moffset = 0, .len = CHUNK },
					       { .moffset = WIN - CHUNK, .len = CHUNK } };
	assert_int_equal(remove_map(e, 2, v, 2), 0);
	assert_all_clear(e);
}

/* A write mapping on a read-write share changes the host file. */
static void test_write_mapping(void **state)
{
	struct env *e = *state;
	uint64_t n = host_node(e, "w", 2 * PG);
	assert_int_equal(setup_map(e, n, 0, 0, CHUNK,
				   FUSE_SETUPMAPPING_FLAG_READ | FUSE_SETUPMAPPING_FLAG_WRITE), 0);
	assert_mapped(e->w.base, "rw-s");
	memcpy((uint8_t *)e->w.base + PG + 10, "through the window", 18);
	assert_int_equal(msync(e->w.base, 2 * PG, MS_SYNC), 0);
	char p[PATH_MAX], buf[18];
	snprintf(p, sizeof(p), "%s/w", e->dir);
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, sizeof(buf), PG + 10), (ssize_t)sizeof(buf));
	close(fd);
	assert_memory_equal(buf, "through the window", 18);
	struct fuse_removemapping_one one = { .moffset = 0, .len = CHUNK };
	assert_int_equal(remove_map(e, 1, &one, 1), 0);
	assert_all_clear(e);
}

/* Hostile SETUPMAPPING requests: all refused, nothing mapped anywhere. */
static void test_setup_hostile(void **state)
{
	struct env *e = *state;
	const uint64_t R = FUSE_SETUPMAPPING_FLAG_READ;
	uint64_t n = host_node(e, "h", CHUNK);
	struct {
		uint64_t foff, moff, len, flags;
	} bad[] = {
		{ 0, 1, PG, R },                            /* unaligned moffset */
		{ 0, PG + 512, PG, R },
		{ 1, 0, PG, R },                            /* unaligned foffset */
		{ 0, 0, PG + 1, R },                        /* unaligned len */
		{ 0, 0, 0, R },                             /* empty */
		{ 0, WIN, PG, R },                          /* starts at the end */
		{ 0, WIN - PG, 2 * PG, R },                 /* crosses the end */
		{ 0, 0, WIN + PG, R },                      /* longer than the window */
		{ 0, UINT64_MAX - PG + 1, 2 * PG, R },      /* moffset + len wraps */
		{ 0, PG, UINT64_MAX - PG + 1, R },          /* len wraps */
		{ 0, UINT64_MAX & ~(uint64_t)(PG - 1), PG, R },
		{ (uint64_t)INT64_MAX + 1, 0, PG, R },      /* foffset not an off_t */
		{ UINT64_MAX - PG + 1, 0, 2 * PG, R },      /* foffset + len wraps */
		{ ((uint64_t)INT64_MAX & ~(uint64_t)(PG - 1)), 0, 2 * PG, R }, /* past INT64_MAX */
		{ 0, 0, PG, R | 4 },                        /* unknown flag */
		{ 0, 0, PG, UINT64_MAX },
		/* page-aligned but not whole 2 MiB chunks (issue 21) */
		{ 0, 0, PG, R },
		{ 0, PG, CHUNK, R },
		{ PG, 0, CHUNK, R },
		{ 0, CHUNK, CHUNK + PG, R },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = setup_map(e, n, bad[i].foff, bad[i].moff, bad[i].len, bad[i].flags);
		if (rc != -EINVAL)
			fail_msg("case %zu: %d", i, rc);
	}
	/* nodes that are not regular files, and nodes that do not exist */
	assert_int_equal(setup_map(e, FUSE_ROOT_ID, 0, 0, PG, R), -EINVAL);
	assert_int_not_equal(setup_map(e, 0x4242, 0, 0, PG, R), 0);
	assert_int_not_equal(setup_map(e, 0, 0, 0, PG, R), 0);
	assert_all_clear(e);
}

/* Hostile REMOVEMAPPING requests. */
static void test_remove_hostile(void **state)
{
	struct env *e = *state;
	uint64_t n = host_node(e, "r", CHUNK);
	assert_int_equal(setup_map(e, n, 0, 0, CHUNK, FUSE_SETUPMAPPING_FLAG_READ), 0);

	/* a count that lies: 3 announced, 1 sent; and UINT32_MAX announced */
	struct fuse_removemapping_one one = { .moffset = 0, .len = CHUNK };
	assert_int_equal(remove_map(e, 3, &one, 1), -EIO);
	assert_int_equal(remove_map(e, UINT32_MAX, &one, 1), -EIO);
	assert_int_equal(remove_map(e, 1, &one, 0), -EIO);
	assert_mapped(e->w.base, "r--s");

	/* one bad entry among good ones: nothing is removed */
	struct fuse_removemapping_one v[] = {
		{ .moffset = 0, .len = CHUNK },
		{ .moffset = PG, .len = 1 },
	};
	assert_int_equal(remove_map(e, 2, v, 2), -EINVAL);
	assert_mapped(e->w.base, "r--s");
	struct fuse_removemapping_one bad[] = {
		{ 1, PG },                               /* unaligned */
		{ 0, PG + 1 },
		{ 0, 0 },                                /* empty */
		{ WIN, PG },                             /* outside */
		{ WIN - PG, 2 * PG },
		{ UINT64_MAX - PG + 1, 2 * PG },         /* wraps */
		{ PG, UINT64_MAX - PG + 1 },
		{ 0, UINT64_MAX },                       /* "everything" is not a thing */
		{ UINT64_MAX, UINT64_MAX },
		{ 0, PG },                               /* not whole chunks */
		{ PG, CHUNK },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = remove_map(e, 1, &bad[i], 1);
		if (rc != -EINVAL)
			fail_msg("case %zu: %d", i, rc);
	}
	assert_mapped(e->w.base, "r--s");

	/* more entries than any guest sends, all of them valid: refused */
	uint32_t cnt = FS_DAX_REMOVE_MAX + 1;
	struct fuse_removemapping_one *many = calloc(cnt, sizeof(*many));
	assert_non_null(many);
	for (uint32_t i = 0; i < cnt; i++)
		many[i] = (struct fuse_removemapping_one){ .moffset = 0, .len = CHUNK };
	assert_int_equal(remove_map(e, cnt, many, cnt), -EINVAL);
	assert_mapped(e->w.base, "r--s");
	/* the cap itself is accepted */
	assert_int_equal(remove_map(e, FS_DAX_REMOVE_MAX, many, FS_DAX_REMOVE_MAX), 0);
	free(many);
	one = (struct fuse_removemapping_one){ .moffset = 0, .len = WIN };
	assert_int_equal(remove_map(e, 1, &one, 1), 0);
	assert_all_clear(e);
}

/* The backend entry points called directly with a bad window. */
static void test_direct_window_checks(void **state)
{
	struct env *e = *state;
	struct fuse_removemapping_one one = { .moffset = 0, .len = PG };
	struct fs_dax_window none = { 0 }, odd = { .base = (uint8_t *)e->w.base + 1, .size = WIN };
	assert_int_equal(fs_dax_removemapping(NULL, NULL, &one, 1, &none), -EINVAL);
	assert_int_equal(fs_dax_removemapping(NULL, NULL, &one, 1, &odd), -EINVAL);
	assert_int_equal(fs_dax_removemapping(NULL, NULL, &one, 1, NULL), -EINVAL);
	assert_int_equal(fs_dax_removemapping(NULL, NULL, NULL, 1, &e->w), -EINVAL);
	assert_all_clear(e);
}

/* No window: the server answers ENOSYS. */
static void test_no_window(void **state)
{
	struct env *e = *state;
	uint64_t n = host_node(e, "x", PG);
	assert_int_equal(setup_map(e, n, 0, 0, PG, FUSE_SETUPMAPPING_FLAG_READ), -ENOSYS);
	struct fuse_removemapping_one one = { .moffset = 0, .len = PG };
	assert_int_equal(remove_map(e, 1, &one, 1), -ENOSYS);
	assert_all_clear(e);
}

/* Read-only share: WRITE refused with EROFS, reads map PROT_READ. */
static void test_readonly_share(void **state)
{
	struct env *e = *state;
	uint64_t n = host_node(e, "ro", 2 * PG);
	assert_int_equal(setup_map(e, n, 0, 0, CHUNK,
				   FUSE_SETUPMAPPING_FLAG_READ | FUSE_SETUPMAPPING_FLAG_WRITE), -EROFS);
	assert_int_equal(setup_map(e, n, 0, 0, CHUNK, FUSE_SETUPMAPPING_FLAG_WRITE), -EROFS);
	assert_all_clear(e);
	assert_int_equal(setup_map(e, n, 0, 0, CHUNK, FUSE_SETUPMAPPING_FLAG_READ), 0);
	assert_mapped(e->w.base, "r--s");
	assert_int_equal(((const uint8_t *)e->w.base)[PG + 1], (uint8_t)((PG + 1) * 7 + 3));
	struct fuse_removemapping_one one = { .moffset = 0, .len = CHUNK };
	assert_int_equal(remove_map(e, 1, &one, 1), 0);
	assert_all_clear(e);
}

/*
 * A 0444 file that the serving process can only read: a read mapping works
 * (the file is opened O_RDONLY), a write mapping is refused by the host
 * (EACCES). Root would bypass the mode, so as root the check runs in a child
 * that has become uid/gid 65534.
 */
static int child_readonly_file(struct env *e)
{
	uint64_t n = lookup(e, "r444");
	if (setup_map(e, n, 0, 0, CHUNK, FUSE_SETUPMAPPING_FLAG_READ) != 0)
		return 10;
	if (((const uint8_t *)e->w.base)[100] != (uint8_t)(100 * 7 + 3))
		return 11;
	if (setup_map(e, n, 0, CHUNK, CHUNK,
		      FUSE_SETUPMAPPING_FLAG_READ | FUSE_SETUPMAPPING_FLAG_WRITE) != -EACCES)
		return 12;
	return 0;
}

static void test_readonly_file(void **state)
{
	struct env *e = *state;
	host_file(e, "r444", PG, 0444);
	if (geteuid() != 0) {
		assert_int_equal(child_readonly_file(e), 0);
		return;
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* a fresh server in the child, as the unprivileged user */
		fuse_server_free(e->s);
		e->s = NULL;
		if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		if (make_server(e, false, true) != 0)
			_exit(3);
		_exit(child_readonly_file(e));
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- issue 21: a guest must not fill the process's memory regions ---- */

#define BIG_WIN (512 * MIB) /* the launcher's default window */

/* Memory regions (VMAs) of this process now; in an env's guard|window|guard
 * only when e is not NULL. */
static unsigned count_maps_in(const struct env *e)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned n = 0;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (!e || (lo >= (uintptr_t)e->resv && hi <= (uintptr_t)e->resv + GUARD + e->win + GUARD))
			n++;
	}
	fclose(f);
	return n;
}

static unsigned count_maps(void)
{
	return count_maps_in(NULL);
}

static void *thread_fn(void *arg)
{
	return arg;
}

/* What an embedding process needs still works: a large malloc, a new
 * thread (its stack is a new mapping). */
static void assert_process_serves(void)
{
	uint8_t *big = malloc(64 * MIB);
	assert_non_null(big);
	memset(big, 1, 64 * MIB);
	free(big);
	pthread_t t;
	int token = 0;
	void *r = NULL;
	assert_int_equal(pthread_create(&t, NULL, thread_fn, &token), 0);
	assert_int_equal(pthread_join(t, &r), 0);
	assert_ptr_equal(r, &token);
}

static int setup_big(void **state)
{
	struct env *e = env_new_win(BIG_WIN);
	assert_int_equal(make_server(e, true, true), 0); /* read-only: the share */
	*state = e;
	return 0;
}

/*
 * The flood: SETUPMAPPING of every 4 KiB page of the default 512 MiB
 * window at file offset 0 (READ: allowed on a read-only share). With page
 * granularity each was a memory region and the process hit vm.max_map_count
 * (65,530); now each is refused. Then every 2 MiB chunk is mapped (all the
 * guest can have), and the process still serves: malloc, a thread, another
 * share's SETUPMAPPING, REMOVEMAPPING, the device reset.
 */
static void test_mapping_flood(void **state)
{
	struct env *e = *state;
	const uint64_t R = FUSE_SETUPMAPPING_FLAG_READ;
	host_file(e, "f", 3 * PG, 0644);
	uint64_t n = lookup(e, "f");
	unsigned before = count_maps();
	uint64_t refused = 0, mapped = 0;

	for (uint64_t off = 0; off < BIG_WIN; off += PG) {
		int rc = setup_map(e, n, 0, off, PG, R);
		if (rc == 0)
			mapped++;
		else if (rc == -EINVAL)
			refused++;
		else
			fail_msg("page flood: %d at offset %#llx after %llu mapped, %u regions", rc,
				 (unsigned long long)off, (unsigned long long)mapped, count_maps());
	}
	print_message("page flood: %llu refused, %llu mapped, regions %u -> %u\n",
		      (unsigned long long)refused, (unsigned long long)mapped, before, count_maps());
	assert_int_equal(mapped, 0);
	assert_process_serves();

	/* every chunk of the window */
	unsigned win_before = count_maps_in(e);
	for (uint64_t off = 0; off < BIG_WIN; off += CHUNK)
		assert_int_equal(setup_map(e, n, 0, off, CHUNK, R), 0);
	unsigned full = count_maps_in(e);
	print_message("all %llu chunks mapped: regions in the window %u -> %u, in the process %u -> %u\n",
		      (unsigned long long)(BIG_WIN / CHUNK), win_before, full, before, count_maps());
	/* one per chunk, plus the two guards */
	assert_true(full <= BIG_WIN / CHUNK + 2);
	assert_process_serves();

	/* another share with its own window still maps */
	struct env *o = env_new();
	assert_int_equal(make_server(o, false, true), 0);
	uint64_t on = host_node(o, "g", CHUNK);
	assert_int_equal(setup_map(o, on, 0, 0, CHUNK, R), 0);
	assert_mapped(o->w.base, "r--s");

	/* every other chunk removed: the most gaps there can be */
	for (uint64_t off = 0; off < BIG_WIN; off += 2 * CHUNK) {
		struct fuse_removemapping_one one = { .moffset = off, .len = CHUNK };
		assert_int_equal(remove_map(e, 1, &one, 1), 0);
	}
	assert_true(count_maps_in(e) <= BIG_WIN / CHUNK + 2);
	assert_process_serves();

	/* the device reset drops everything */
	fuse_server_reset(e->s);
	assert_all_clear(e);
	fuse_server_reset(o->s);
	assert_all_clear(o);
	teardown((void **)&o);
}

/*
 * Windows larger than the cap: two shares of one VM (one limits object), each
 * with a 12 GiB window (address space only), map chunks until the VM's cap
 * (FS_DAX_MAX_LIVE_CHUNKS) refuses with ENOMEM; a removal makes room for one;
 * the regions stay bounded; the reset gives everything back.
 */
static void test_mapping_cap(void **state)
{
	(void)state;
	const uint64_t R = FUSE_SETUPMAPPING_FLAG_READ;
	const size_t huge = (size_t)12 << 30;
	struct fs_limits *l;
	assert_int_equal(fs_limits_new(2, 0, (unsigned)-1, &l), 0);
	struct env *a = env_new_win(huge), *b = env_new_win(huge);
	assert_int_equal(make_server_limits(a, true, true, l), 0);
	assert_int_equal(make_server_limits(b, false, true, l), 0);
	host_file(a, "f", PG, 0644);
	host_file(b, "f", PG, 0644);
	uint64_t na = lookup(a, "f"), nb = lookup(b, "f");
	unsigned before = count_maps();
	uint64_t ok = 0;
	int rc = 0;

	/* alternate windows, skipping every other chunk: one gap per mapping */
	for (uint64_t i = 0; i < huge / CHUNK; i++) {
		struct env *e = (i & 1) ? b : a;
		rc = setup_map(e, (i & 1) ? nb : na, 0, (i / 2) * 2 * CHUNK, CHUNK, R);
		if (rc != 0)
			break;
		ok++;
	}
	unsigned in_a = count_maps_in(a), in_b = count_maps_in(b);
	print_message("cap: %llu chunks mapped in two 12 GiB windows, then %d; regions in the windows %u + %u, "
		      "in the process %u -> %u\n", (unsigned long long)ok, rc, in_a, in_b, before, count_maps());
	assert_int_equal(rc, -ENOMEM);
	assert_int_equal(ok, FS_DAX_MAX_LIVE_CHUNKS);
	assert_int_equal(fs_limits_dax_used(l), FS_DAX_MAX_LIVE_CHUNKS);
	/* per window: its mappings, a gap after each, the first gap, the guards */
	assert_true(in_a + in_b <= 2 * (2 * FS_DAX_MAX_LIVE_CHUNKS / 2 + 1 + 2));
	/* replacing a mapped chunk costs nothing */
	assert_int_equal(setup_map(a, na, 0, 0, CHUNK, R), 0);
	assert_process_serves();

	/* one removed, one more fits, and no second one */
	struct fuse_removemapping_one one = { .moffset = 0, .len = CHUNK };
	assert_int_equal(remove_map(a, 1, &one, 1), 0);
	assert_int_equal(setup_map(b, nb, 0, huge - CHUNK, CHUNK, R), 0);
	assert_int_equal(setup_map(a, na, 0, 0, CHUNK, R), -ENOMEM);
	assert_all_clear_range(a, 0, CHUNK);

	fuse_server_reset(a->s);
	fuse_server_reset(b->s);
	assert_int_equal(fs_limits_dax_used(l), 0);
	assert_all_clear(a);
	assert_all_clear(b);
	teardown((void **)&a);
	teardown((void **)&b);
	assert_int_equal(fs_limits_dax_used(l), 0);
	fs_limits_unref(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_mapping, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_offsets, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_write_mapping, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_setup_hostile, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_remove_hostile, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_direct_window_checks, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_no_window, setup_nowin, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_share, setup_ro, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_file, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_mapping_flood, setup_big, teardown),
		cmocka_unit_test(test_mapping_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
