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
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/dax.h"
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

static int make_server(struct env *e, bool ro, bool window)
{
	struct fs_passthrough_opts o = { .root = e->dir };
	struct fuse_server_config cfg = { 0 };
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
	/* With a window, the guest learns the map alignment (log2 of the page). */
	if (window && (!(io->flags & FUSE_MAP_ALIGNMENT) || io->map_alignment != 12))
		return -EPROTO;
	return 0;
}

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	strcpy(e->dir, "/tmp/ckrun-dax-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	assert_int_equal(chmod(e->dir, 0755), 0);
	e->resv = mmap(NULL, GUARD + WIN + GUARD, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(e->resv != MAP_FAILED);
	e->w.base = e->resv + GUARD;
	e->w.size = WIN;
	return e;
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
	munmap(e->resv, GUARD + WIN + GUARD);
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

/* Every page of guard|window|guard is still anonymous PROT_NONE. */
static void assert_all_clear(struct env *e)
{
	for (size_t off = 0; off < GUARD + WIN + GUARD; off += PG) {
		char p[5];
		bool file;
		assert_true(map_at(e->resv + off, p, &file));
		assert_string_equal(p, "---p");
		assert_false(file);
	}
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
		many[i] = (struct fuse_removemapping_one){ .moffset = 0, .len = PG };
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
