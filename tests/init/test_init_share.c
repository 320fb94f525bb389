/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The root share as the VMM builds it: passthrough (a temporary host
 * directory) [-> read-only wrapper] -> augment serving the embedded init.
 * Checks that the embedded blob is byte-identical to the built init.krun, is
 * a static executable, and is served virtually without touching the host.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs/augment.h"
#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "abi/init_blob.h"

static const struct fs_ctx ctx = { .unique = 1 };

/* Call through the share's composed table, routed by node id as the server
 * routes a request. */
#define CALL(b, op, node, ...) FS_CALL(fs_table_for((b).table, (node)), op, &ctx, (node), __VA_ARGS__)

struct share {
	char dir[64];
	struct fs_backend b;
};

static void make_share(struct share *s, bool ro)
{
	strcpy(s->dir, "/tmp/ckrun-init-share-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	char p[128];
	snprintf(p, sizeof(p), "%s/hello", s->dir);
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hi", 2), 2);
	close(fd);

	struct fs_passthrough_opts po = { .root = s->dir };
	struct fs_backend be;
	assert_int_equal(fs_passthrough_new(&po, &be), 0);
	if (ro)
		assert_int_equal(fs_readonly_new(be, &be), 0);
	struct fs_virtual_file init = { CKRUN_INIT_NAME, ckrun_init_blob, ckrun_init_blob_size,
					CKRUN_INIT_MODE };
	assert_int_equal(fs_augment_new(be, &init, 1, &s->b), 0);
	if (s->b.table->init.fn) {
		struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION,
					   .minor = FUSE_KERNEL_MINOR_VERSION };
		uint64_t flags = 0;
		assert_int_equal(FS_CALL(s->b.table, init, &in, &flags), 0);
	}
}

static void drop_share(struct share *s)
{
	char p[128];
	FS_CALL_VOID(s->b.table, destroy);
	s->b.free(s->b.fs);
	/* nothing but what the test made may be there */
	snprintf(p, sizeof(p), "%s/%s", s->dir, CKRUN_INIT_NAME);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s/hello", s->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/newdir", s->dir);
	rmdir(p);
	assert_int_equal(rmdir(s->dir), 0);
}

/* Reads the whole virtual init through the backend, 60000 bytes at a time. */
static unsigned char *read_all(struct share *s, uint64_t node, size_t *len)
{
	unsigned char *buf = malloc(ckrun_init_blob_size + 1);
	assert_non_null(buf);
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	assert_int_equal(CALL(s->b, open, node, &oi, &oo), 0);
	size_t off = 0;
	for (;;) {
		struct iovec iov = { buf + off, ckrun_init_blob_size + 1 - off };
		struct fs_iobuf out = { .iov = &iov, .iovcnt = 1, .limit = 60000 };
		struct fuse_read_in ri = { .fh = oo.fh, .offset = off, .size = 60000 };
		assert_int_equal(CALL(s->b, read, node, &ri, &out), 0);
		size_t got = 60000 - out.limit;
		if (got == 0)
			break;
		off += got;
	}
	struct fuse_release_in rel = { .fh = oo.fh };
	assert_int_equal(CALL(s->b, release, node, &rel), 0);
	*len = off;
	return buf;
}

static void test_blob_is_the_static_init(void **state)
{
	(void)state;
	/* byte-identical to the built file */
	int fd = open(INIT_KRUN_PATH, O_RDONLY);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((size_t)st.st_size, ckrun_init_blob_size);
	unsigned char *file = malloc(ckrun_init_blob_size);
	assert_non_null(file);
	assert_int_equal(read(fd, file, ckrun_init_blob_size), (ssize_t)ckrun_init_blob_size);
	close(fd);
	assert_memory_equal(file, ckrun_init_blob, ckrun_init_blob_size);
	free(file);

	/* an x86-64 executable with no program interpreter: statically linked */
	assert_true(ckrun_init_blob_size > sizeof(Elf64_Ehdr));
	Elf64_Ehdr eh;
	memcpy(&eh, ckrun_init_blob, sizeof(eh));
	assert_memory_equal(eh.e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh.e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh.e_machine, EM_X86_64);
	assert_int_equal(eh.e_type, ET_EXEC);
	assert_true(eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) <= ckrun_init_blob_size);
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, ckrun_init_blob + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		assert_int_not_equal(ph.p_type, PT_INTERP);
		assert_int_not_equal(ph.p_type, PT_DYNAMIC);
	}
}

static void check_served(struct share *s)
{
	struct fuse_entry_out eo;
	assert_int_equal(CALL(s->b, lookup, FUSE_ROOT_ID, CKRUN_INIT_NAME, &eo), 0);
	assert_int_equal(eo.attr.mode, S_IFREG | 0755);
	assert_int_equal(eo.attr.size, ckrun_init_blob_size);
	struct fuse_attr_out ao;
	struct fuse_getattr_in gi = { 0 };
	assert_int_equal(CALL(s->b, getattr, eo.nodeid, &gi, &ao), 0);
	assert_int_equal(ao.attr.size, ckrun_init_blob_size);
	size_t len;
	unsigned char *got = read_all(s, eo.nodeid, &len);
	assert_int_equal(len, ckrun_init_blob_size);
	assert_memory_equal(got, ckrun_init_blob, len);
	free(got);

	/* the real files are still there */
	struct fuse_entry_out he;
	assert_int_equal(CALL(s->b, lookup, FUSE_ROOT_ID, "hello", &he), 0);
	assert_int_equal(he.attr.size, 2);
	assert_false(he.nodeid & (1ULL << 63));
	FS_CALL_VOID(fs_table_for(s->b.table, he.nodeid), forget, he.nodeid, 1);

	/* the name cannot be taken */
	struct fuse_create_in ci = { .flags = O_WRONLY | O_CREAT, .mode = 0644 };
	struct fuse_open_out oo;
	assert_int_equal(CALL(s->b, create, FUSE_ROOT_ID, CKRUN_INIT_NAME, &ci, &eo, &oo),
			 -EEXIST);
	assert_int_equal(CALL(s->b, unlink, FUSE_ROOT_ID, CKRUN_INIT_NAME), -EPERM);
}

static void test_read_write_root(void **state)
{
	(void)state;
	struct share s;
	make_share(&s, false);
	check_served(&s);
	struct fuse_mkdir_in mi = { .mode = 0755 };
	struct fuse_entry_out eo;
	assert_int_equal(CALL(s.b, mkdir, FUSE_ROOT_ID, "newdir", &mi, &eo), 0);
	FS_CALL_VOID(fs_table_for(s.b.table, eo.nodeid), forget, eo.nodeid, 1);
	char p[128];
	snprintf(p, sizeof(p), "%s/newdir", s.dir);
	assert_int_equal(access(p, F_OK), 0);
	drop_share(&s);
}

static void test_read_only_root(void **state)
{
	(void)state;
	struct share s;
	make_share(&s, true);
	check_served(&s);
	struct fuse_mkdir_in mi = { .mode = 0755 };
	struct fuse_entry_out eo;
	assert_int_equal(CALL(s.b, mkdir, FUSE_ROOT_ID, "newdir", &mi, &eo), -EROFS);
	char p[128];
	snprintf(p, sizeof(p), "%s/newdir", s.dir);
	assert_int_equal(access(p, F_OK), -1);
	drop_share(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blob_is_the_static_init),
		cmocka_unit_test(test_read_write_root),
		cmocka_unit_test(test_read_only_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
