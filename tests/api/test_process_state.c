/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library leaves process-wide state alone outside krun_start_enter:
 * umask, cwd, signal dispositions and mask, open fds.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>

#include "helpers.h"

struct snapshot {
	mode_t umask;
	char cwd[PATH_MAX];
	struct sigaction act[NSIG];
	sigset_t mask;
	int nfds;
};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void take(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->umask = umask(022);
	umask(s->umask);
	assert_non_null(getcwd(s->cwd, sizeof(s->cwd)));
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, NULL, &s->act[sig]); /* fails harmlessly for invalid numbers */
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &s->mask), 0);
	s->nfds = count_fds();
}

static void api_leaves_process_state_alone(void **state)
{
	const char *const argv[] = { "-c", "true", NULL };
	const char *const rl[] = { "7=1:2", NULL };
	struct snapshot before, after;
	char *dir = make_temp_dir();
	char *kernel = make_file_in(dir, "k", "not a kernel");

	(void)state;
	umask(027); /* an unusual value that a stray umask() would change */
	take(&before);

	for (int round = 0; round < 2; round++) {
		int32_t id = krun_create_ctx();

		assert_true(id >= 0);
		assert_int_equal(krun_set_log_level(KRUN_LOG_LEVEL_OFF), 0);
		assert_int_equal(krun_set_log_level(KRUN_LOG_LEVEL_OFF), 0);
		assert_int_equal(krun_set_vm_config(id, 1, 128), 0);
		assert_int_equal(krun_set_root(id, dir), 0);
		assert_int_equal(krun_add_virtiofs3(id, "ro", dir, 0, true), 0);
		assert_int_equal(krun_add_virtiofs(id, "bad", "/nonexistent/dir"), -ENOENT);
		assert_int_equal(krun_set_exec(id, "/bin/sh", argv, NULL), 0);
		assert_int_equal(krun_set_env(id, NULL), 0);
		assert_int_equal(krun_set_workdir(id, "/"), 0);
		assert_int_equal(krun_set_rlimits(id, rl), 0);
		assert_int_equal(krun_set_kernel(id, kernel, KRUN_KERNEL_FORMAT_ELF, NULL, NULL), 0);
		assert_int_equal(krun_set_console_output(id, "/dev/null"), 0);
		assert_int_equal(ckrun_set_boot_timeout(id, 1), 0);
		assert_true(krun_get_max_vcpus() != 0);
		assert_int_equal(krun_check_nested_virt(), 0);
		if (round == 0) {
			assert_int_equal(krun_free_ctx(id), 0);
		} else {
			/* The real VMM refuses the bogus kernel: setup fails, state intact. */
			assert_true(ckrun_start_and_wait((uint32_t)id) < 0);
		}
	}

	take(&after);
	assert_int_equal(after.umask, before.umask);
	assert_string_equal(after.cwd, before.cwd);
	for (int sig = 1; sig < NSIG; sig++) {
		if (before.act[sig].sa_handler != after.act[sig].sa_handler ||
		    before.act[sig].sa_flags != after.act[sig].sa_flags)
			fail_msg("disposition of signal %d changed", sig);
	}
	assert_memory_equal(&after.mask, &before.mask, sizeof(sigset_t));
	assert_int_equal(after.nfds, before.nfds);

	unlink(kernel);
	rmdir(dir);
	free(kernel);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(api_leaves_process_state_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
