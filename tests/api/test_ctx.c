/* SPDX-License-Identifier: Apache-2.0 */
/* The context table: IDs, lookup, freeing, thread safety. */
#include <errno.h>
#include <pthread.h>

#include "helpers.h"

/* Must run first in this process: libkrun's IDs start at 0 and count up. */
static void ids_start_at_zero_and_are_sequential(void **state)
{
	(void)state;
	assert_int_equal(krun_create_ctx(), 0);
	assert_int_equal(krun_create_ctx(), 1);
	assert_int_equal(krun_create_ctx(), 2);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(krun_free_ctx(i), 0);
}

static void ids_are_not_reused_after_free(void **state)
{
	int32_t a, b;

	(void)state;
	a = krun_create_ctx();
	assert_true(a >= 0);
	assert_int_equal(krun_free_ctx((uint32_t)a), 0);
	b = krun_create_ctx();
	assert_int_equal(b, a + 1);
	assert_int_equal(krun_free_ctx((uint32_t)b), 0);
}

static void free_never_started_ctx(void **state)
{
	uint32_t id = new_ctx();
	char *dir = make_temp_dir();

	(void)state;
	/* A configured but never started context frees cleanly (ASan checks leaks). */
	assert_int_equal(krun_set_root(id, dir), 0);
	assert_int_equal(krun_set_workdir(id, "/tmp"), 0);
	assert_int_equal(krun_free_ctx(id), 0);
	assert_null(ckrun_ctx_config_for_test(id));
	rmdir(dir);
	free(dir);
}

static void free_twice_gives_enoent(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	assert_int_equal(krun_free_ctx(id), 0);
	assert_int_equal(krun_free_ctx(id), -ENOENT);
}

static void unknown_ctx_gives_enoent_everywhere(void **state)
{
	const char *const strv[] = { "A=1", NULL };
	const char *const rl[] = { "7=1:2", NULL };
	char *dir = make_temp_dir();
	char *file = make_file_in(dir, "k", "x");

	(void)state;
	assert_int_equal(krun_free_ctx(NO_SUCH_CTX), -ENOENT);
	assert_int_equal(krun_set_vm_config(NO_SUCH_CTX, 1, 128), -ENOENT);
	assert_int_equal(krun_set_root(NO_SUCH_CTX, dir), -ENOENT);
	assert_int_equal(krun_add_virtiofs(NO_SUCH_CTX, "t", dir), -ENOENT);
	assert_int_equal(krun_add_virtiofs2(NO_SUCH_CTX, "t", dir, 0), -ENOENT);
	assert_int_equal(krun_add_virtiofs3(NO_SUCH_CTX, "t", dir, 0, true), -ENOENT);
	assert_int_equal(krun_set_exec(NO_SUCH_CTX, "/bin/true", NULL, strv), -ENOENT);
	assert_int_equal(krun_set_env(NO_SUCH_CTX, strv), -ENOENT);
	assert_int_equal(krun_set_workdir(NO_SUCH_CTX, "/"), -ENOENT);
	assert_int_equal(krun_set_rlimits(NO_SUCH_CTX, rl), -ENOENT);
	assert_int_equal(krun_set_kernel(NO_SUCH_CTX, file, KRUN_KERNEL_FORMAT_ELF, NULL, NULL),
			 -ENOENT);
	assert_int_equal(krun_set_console_output(NO_SUCH_CTX, "/dev/null"), -ENOENT);
	assert_int_equal(krun_set_nested_virt(NO_SUCH_CTX, false), -ENOENT);
	assert_int_equal(krun_split_irqchip(NO_SUCH_CTX, false), -ENOENT);
	assert_int_equal(krun_set_snd_device(NO_SUCH_CTX, false), -ENOENT);
	assert_int_equal(krun_disable_implicit_vsock(NO_SUCH_CTX), -ENOENT);
	assert_int_equal(ckrun_set_boot_timeout(NO_SUCH_CTX, 5), -ENOENT);
	assert_int_equal(krun_start_enter(NO_SUCH_CTX), -ENOENT);
	assert_int_equal(ckrun_start_and_wait(NO_SUCH_CTX), -ENOENT);
	unlink(file);
	rmdir(dir);
	free(file);
	free(dir);
}

/* A freed context is gone for every setter, not only for krun_free_ctx. */
static void freed_ctx_is_unknown_to_setters(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	assert_int_equal(krun_free_ctx(id), 0);
	assert_int_equal(krun_set_vm_config(id, 1, 128), -ENOENT);
	assert_int_equal(krun_set_workdir(id, "/"), -ENOENT);
}

#define THREADS 8
#define PER_THREAD 1000

static pthread_barrier_t start_line;

static void *create_many(void *arg)
{
	int32_t *ids = arg;

	/* All threads start together, to collide inside the table as often as possible. */
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < PER_THREAD; i++)
		ids[i] = krun_create_ctx();
	return NULL;
}

/* Concurrent creation hands out each ID once, with no gap. */
static void concurrent_create_gives_unique_sequential_ids(void **state)
{
	static int32_t ids[THREADS][PER_THREAD];
	pthread_t th[THREADS];
	int32_t first = krun_create_ctx(), lo = INT32_MAX, hi = -1;
	static bool seen[THREADS * PER_THREAD];

	(void)state;
	assert_true(first >= 0);
	assert_int_equal(krun_free_ctx((uint32_t)first), 0);
	assert_int_equal(pthread_barrier_init(&start_line, NULL, THREADS), 0);
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, create_many, ids[t]), 0);
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_join(th[t], NULL), 0);
	pthread_barrier_destroy(&start_line);
	for (int t = 0; t < THREADS; t++) {
		for (int i = 0; i < PER_THREAD; i++) {
			int32_t id = ids[t][i];

			assert_true(id > first);
			assert_true(id <= first + THREADS * PER_THREAD);
			assert_false(seen[id - first - 1]);
			seen[id - first - 1] = true;
			lo = id < lo ? id : lo;
			hi = id > hi ? id : hi;
		}
	}
	assert_int_equal(lo, first + 1);
	assert_int_equal(hi, first + THREADS * PER_THREAD);
	for (int t = 0; t < THREADS; t++)
		for (int i = 0; i < PER_THREAD; i++)
			assert_int_equal(krun_free_ctx((uint32_t)ids[t][i]), 0);
}

/* Two contexts do not share configuration. */
static void contexts_are_independent(void **state)
{
	uint32_t a = new_ctx(), b = new_ctx();

	(void)state;
	assert_int_equal(krun_set_vm_config(a, 2, 256), 0);
	assert_int_equal(cfg_of(a)->vcpus, 2);
	assert_int_equal(cfg_of(b)->vcpus, 1);
	assert_int_equal(krun_free_ctx(a), 0);
	assert_int_equal(krun_free_ctx(b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_start_at_zero_and_are_sequential),
		cmocka_unit_test(ids_are_not_reused_after_free),
		cmocka_unit_test(free_never_started_ctx),
		cmocka_unit_test(free_twice_gives_enoent),
		cmocka_unit_test(unknown_ctx_gives_enoent_everywhere),
		cmocka_unit_test(freed_ctx_is_unknown_to_setters),
		cmocka_unit_test(concurrent_create_gives_unique_sequential_ids),
		cmocka_unit_test(contexts_are_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
