/* SPDX-License-Identifier: Apache-2.0 */
/* Inode and handle tables: ids, generations, bounds, pins. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/inode.h"

static int open_dev_null_path(void)
{
	int fd = open("/dev/null", O_PATH | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_root_and_ids(void **state)
{
	(void)state;
	struct fs_inode_table *t;
	assert_int_equal(fs_inode_table_new(8, 8, &t), 0);
	struct fs_inode_key k = { 1, 100, 7 };
	uint64_t root, id, id2;
	assert_int_equal(fs_inode_add_lookup(t, open_dev_null_path(), &k, S_IFDIR, &root), 0);
	assert_int_equal(root, FUSE_ROOT_ID);
	k.ino = 101;
	assert_int_equal(fs_inode_add_lookup(t, open_dev_null_path(), &k, S_IFREG, &id), 0);
	assert_int_not_equal(id, FUSE_ROOT_ID);
	assert_int_not_equal(id, 0);
	/* same key: same node, one more reference, fd count unchanged */
	assert_int_equal(fs_inode_add_lookup(t, open_dev_null_path(), &k, S_IFREG, &id2), 0);
	assert_int_equal(id, id2);
	assert_int_equal(fs_inode_nlookup(t, id), 2);
	assert_int_equal(fs_inode_count(t), 2);
	/* same ino on another mount is another inode */
	k.mnt_id = 8;
	assert_int_equal(fs_inode_add_lookup(t, open_dev_null_path(), &k, S_IFREG, &id2), 0);
	assert_int_not_equal(id, id2);
	fs_inode_forget(t, id2, 1);
	assert_int_equal(fs_inode_count(t), 2);

	/* never issued, zero, huge */
	struct fs_inode_ref r;
	assert_int_equal(fs_inode_get(t, 0, &r), -EBADF);
	assert_int_equal(fs_inode_get(t, 12345, &r), -EBADF);
	assert_int_equal(fs_inode_get(t, UINT64_MAX, &r), -EBADF);
	/* forgotten: the old id never resolves again, even when the slot is reused */
	fs_inode_forget(t, id, 2);
	assert_int_equal(fs_inode_get(t, id, &r), -EBADF);
	k.ino = 102;
	assert_int_equal(fs_inode_add_lookup(t, open_dev_null_path(), &k, S_IFREG, &id2), 0);
	assert_int_not_equal(id, id2);
	assert_int_equal((uint32_t)id, (uint32_t)id2); /* same slot, new generation */
	assert_int_equal(fs_inode_get(t, id, &r), -EBADF);
	/* forgetting the root does not remove it; unknown ids are ignored */
	fs_inode_forget(t, FUSE_ROOT_ID, 1000);
	fs_inode_forget(t, 999999, 1);
	assert_int_equal(fs_inode_get(t, FUSE_ROOT_ID, &r), 0);
	assert_int_equal(r.type, S_IFDIR);
	fs_inode_put(t, &r);
	fs_inode_table_free(t);
}

static void test_bound(void **state)
{
	(void)state;
	struct fs_inode_table *t;
	assert_int_equal(fs_inode_table_new(16, 16, &t), 0);
	uint64_t ids[100];
	int ok = 0, nfile = 0;
	for (int i = 0; i < 100; i++) {
		struct fs_inode_key k = { 1, (uint64_t)i + 1, 1 };
		int r = fs_inode_add_lookup(t, open_dev_null_path(), &k, S_IFREG, &ids[i]);
		if (r == 0)
			ok++;
		else if (r == -ENFILE)
			nfile++;
	}
	assert_int_equal(ok, 16);
	assert_int_equal(nfile, 84);
	assert_int_equal(fs_inode_count(t), 16);
	fs_inode_forget(t, ids[5], 1);
	struct fs_inode_key k = { 1, 5000, 1 };
	uint64_t id;
	assert_int_equal(fs_inode_add_lookup(t, open_dev_null_path(), &k, S_IFREG, &id), 0);
	assert_int_equal(fs_inode_add_lookup(t, open_dev_null_path(), &(struct fs_inode_key){ 1, 5001, 1 },
					     S_IFREG, &id), -ENFILE);
	fs_inode_table_free(t);
}

static void test_pin_outlives_forget(void **state)
{
	(void)state;
	struct fs_inode_table *t;
	assert_int_equal(fs_inode_table_new(4, 4, &t), 0);
	uint64_t root, id;
	assert_int_equal(fs_inode_add_lookup(t, open_dev_null_path(), &(struct fs_inode_key){ 1, 1, 1 },
					     S_IFDIR, &root), 0);
	int fd = open_dev_null_path();
	assert_int_equal(fs_inode_add_lookup(t, fd, &(struct fs_inode_key){ 1, 2, 1 }, S_IFREG, &id), 0);
	struct fs_inode_ref r;
	assert_int_equal(fs_inode_get(t, id, &r), 0);
	assert_int_equal(r.fd, fd);
	fs_inode_forget(t, id, 1);
	/* the guest forgot it: it no longer resolves, but the pinned fd stays open */
	struct fs_inode_ref r2;
	assert_int_equal(fs_inode_get(t, id, &r2), -EBADF);
	assert_true(fd_is_open(fd));
	fs_inode_put(t, &r);
	assert_false(fd_is_open(fd));
	assert_int_equal(fs_inode_count(t), 1);
	fs_inode_table_free(t);
}

static void test_many_and_rehash(void **state)
{
	(void)state;
	struct fs_inode_table *t;
	assert_int_equal(fs_inode_table_new(3000, 3000, &t), 0);
	static uint64_t ids[3000];
	for (int i = 0; i < 3000; i++)
		assert_int_equal(fs_inode_add_lookup(t, open_dev_null_path(),
						     &(struct fs_inode_key){ 2, (uint64_t)i * 7919, 3 },
						     S_IFREG, &ids[i]), 0);
	for (int i = 0; i < 3000; i++) {
		uint64_t id;
		assert_int_equal(fs_inode_add_lookup(t, open_dev_null_path(),
						     &(struct fs_inode_key){ 2, (uint64_t)i * 7919, 3 },
						     S_IFREG, &id), 0);
		assert_int_equal(id, ids[i]);
	}
	for (int i = 1; i < 3000; i++)
		fs_inode_forget(t, ids[i], 2);
	assert_int_equal(fs_inode_count(t), 1);
	fs_inode_table_free(t);
}

static void test_handles(void **state)
{
	(void)state;
	struct fs_handle_table *t;
	assert_int_equal(fs_handle_table_new(2, &t), 0);
	uint64_t fh1, fh2, fh3;
	int fd1 = open("/dev/null", O_RDONLY);
	assert_int_equal(fs_handle_add(t, fd1, 5, &fh1), 0);
	assert_int_equal(fs_handle_add(t, open("/dev/null", O_RDONLY), 6, &fh2), 0);
	assert_int_equal(fs_handle_add(t, open("/dev/null", O_RDONLY), 7, &fh3), -ENFILE);
	struct fs_handle_ref h;
	assert_int_equal(fs_handle_get(t, fh1, 6, &h), -EBADF); /* wrong node */
	assert_int_equal(fs_handle_get(t, 0, 5, &h), -EBADF);
	assert_int_equal(fs_handle_get(t, 77, 5, &h), -EBADF);
	assert_int_equal(fs_handle_get(t, fh1, 5, &h), 0);
	assert_int_equal(h.fd, fd1);
	assert_int_equal(fs_handle_remove(t, fh1, 6), -EBADF);
	assert_int_equal(fs_handle_remove(t, fh1, 5), 0);
	assert_true(fd_is_open(fd1)); /* still pinned */
	struct fs_handle_ref h2;
	assert_int_equal(fs_handle_get(t, fh1, 5, &h2), -EBADF);
	assert_int_equal(fs_handle_remove(t, fh1, 5), -EBADF); /* double release */
	fs_handle_put(t, &h);
	assert_false(fd_is_open(fd1));
	assert_int_equal(fs_handle_count(t), 1);
	assert_int_equal(fs_handle_add(t, open("/dev/null", O_RDONLY), 7, &fh3), 0);
	assert_int_not_equal(fh3, fh1);
	fs_handle_table_free(t);
}

/* The eviction tests' start: a fresh directory (`dir`, a mkdtemp template) as
 * the root of a table of at most `max_fds` fds, and `n` empty files f000...
 * looked up once each (their node ids and inode numbers), within the bound. */
static struct fs_inode_table *evict_setup(char *dir, unsigned max_fds, int n, uint64_t *ids,
					  ino_t *inos)
{
	assert_non_null(mkdtemp(dir));
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct fs_inode_table *t;
	assert_int_equal(fs_inode_table_new(max_fds, 1000, &t), 0);
	struct fs_inode_key k;
	mode_t type;
	uint64_t root;
	assert_int_equal(fs_inode_key_of(dfd, &k, &type), 0);
	assert_int_equal(fs_inode_add_lookup(t, dfd, &k, type, &root), 0);
	assert_int_equal(root, FUSE_ROOT_ID);
	char name[64];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/f%03d", dir, i);
		int c = open(name, O_CREAT | O_WRONLY, 0600);
		assert_true(c >= 0);
		close(c);
		int fd = open(name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		assert_true(fd >= 0);
		struct stat st;
		assert_int_equal(fstat(fd, &st), 0);
		inos[i] = st.st_ino;
		assert_int_equal(fs_inode_key_of(fd, &k, &type), 0);
		assert_int_equal(fs_inode_add_lookup(t, fd, &k, type, &ids[i]), 0);
		assert_true(fs_inode_fd_count(t) <= max_fds);
	}
	return t;
}

static void evict_teardown(struct fs_inode_table *t, const char *dir, int n)
{
	fs_inode_table_free(t);
	char name[64];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/f%03d", dir, i);
		unlink(name);
	}
	rmdir(dir);
}

/* Eviction: more entries than fds; evicted inodes come back from file handles. */
static void test_eviction(void **state)
{
	(void)state;
	char dir[] = "/tmp/ckrun-inode-XXXXXX";
	enum { N = 100 };
	uint64_t ids[N];
	ino_t inos[N];
	struct fs_inode_table *t = evict_setup(dir, 8, N, ids, inos);
	struct fs_inode_key k;
	mode_t type;
	char name[64];
	assert_int_equal(fs_inode_count(t), N + 1);
	/* every node still resolves, to the right file, within the fd bound */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < N; i++) {
			struct fs_inode_ref r;
			assert_int_equal(fs_inode_get(t, ids[i], &r), 0);
			struct stat st;
			assert_int_equal(fstat(r.fd, &st), 0);
			assert_int_equal(st.st_ino, inos[i]);
			fs_inode_put(t, &r);
			assert_true(fs_inode_fd_count(t) <= 8);
		}
	}
	/* a repeated lookup of an evicted inode finds the same node */
	snprintf(name, sizeof(name), "%s/f000", dir);
	int fd = open(name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	assert_int_equal(fs_inode_key_of(fd, &k, &type), 0);
	uint64_t again;
	assert_int_equal(fs_inode_add_lookup(t, fd, &k, type, &again), 0);
	assert_int_equal(again, ids[0]);
	assert_int_equal(fs_inode_nlookup(t, ids[0]), 2);
	/* pinned entries are never evicted: with all 7 non-root fds pinned, a
	 * further inode needs an fd that cannot be freed */
	struct fs_inode_ref pins[7];
	for (int i = 0; i < 7; i++)
		assert_int_equal(fs_inode_get(t, ids[10 + i], &pins[i]), 0);
	struct fs_inode_ref r;
	assert_int_equal(fs_inode_get(t, ids[50], &r), -ENFILE);
	for (int i = 0; i < 7; i++)
		fs_inode_put(t, &pins[i]);
	assert_int_equal(fs_inode_get(t, ids[50], &r), 0);
	fs_inode_put(t, &r);
	/* a deleted, evicted inode: ESTALE, not a crash and not another file */
	for (int i = 60; i < 70; i++) {
		snprintf(name, sizeof(name), "%s/f%03d", dir, i);
		assert_int_equal(unlink(name), 0);
	}
	for (int i = 0; i < 10; i++) { /* push 60..69 out */
		assert_int_equal(fs_inode_get(t, ids[i], &r), 0);
		fs_inode_put(t, &r);
	}
	int stale = 0;
	for (int i = 60; i < 70; i++) {
		int ret = fs_inode_get(t, ids[i], &r);
		if (ret == -ESTALE)
			stale++;
		else {
			assert_int_equal(ret, 0); /* still held open: nlink 0 */
			struct stat st;
			assert_int_equal(fstat(r.fd, &st), 0);
			assert_int_equal(st.st_nlink, 0);
			fs_inode_put(t, &r);
		}
	}
	assert_true(stale >= 1);
	/* forgetting everything releases all but the root */
	for (int i = 0; i < N; i++)
		fs_inode_forget(t, ids[i], 2);
	assert_int_equal(fs_inode_count(t), 1);
	assert_int_equal(fs_inode_fd_count(t), 1);
	evict_teardown(t, dir, N);
}

/* Several threads pin, check and release evictable inodes at once: every
 * pinned fd is the right file and stays open while pinned. */
struct stress {
	struct fs_inode_table *t;
	const uint64_t *ids;
	const ino_t *inos;
	int n;
	unsigned seed;
	int errors;
};

static void *stress_thread(void *arg)
{
	struct stress *s = arg;
	for (int k = 0; k < 3000; k++) {
		int i = (int)(rand_r(&s->seed) % (unsigned)s->n);
		struct fs_inode_ref r;
		int ret = fs_inode_get(s->t, s->ids[i], &r);
		if (ret == -ENFILE)
			continue; /* all fds pinned by the other threads right now */
		struct stat st;
		if (ret != 0 || fstat(r.fd, &st) != 0 || st.st_ino != s->inos[i])
			s->errors++;
		if (ret == 0)
			fs_inode_put(s->t, &r);
	}
	return NULL;
}

static void test_eviction_threads(void **state)
{
	(void)state;
	char dir[] = "/tmp/ckrun-inode-XXXXXX";
	enum { N = 50 };
	static uint64_t ids[N];
	static ino_t inos[N];
	struct fs_inode_table *t = evict_setup(dir, 6, N, ids, inos);
	pthread_t th[4];
	struct stress s[4];
	for (int i = 0; i < 4; i++) {
		s[i] = (struct stress){ .t = t, .ids = ids, .inos = inos, .n = N, .seed = (unsigned)i + 1 };
		assert_int_equal(pthread_create(&th[i], NULL, stress_thread, &s[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(s[i].errors, 0);
	}
	assert_true(fs_inode_fd_count(t) <= 6);
	evict_teardown(t, dir, N);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_and_ids),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_pin_outlives_forget),
		cmocka_unit_test(test_many_and_rehash),
		cmocka_unit_test(test_handles),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_eviction_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
