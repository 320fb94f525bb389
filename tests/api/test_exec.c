/* SPDX-License-Identifier: Apache-2.0 */
/* The workload and boot settings: exec, env, workdir, rlimits, kernel, console. */
#include <errno.h>

#include "helpers.h"
#include "api/strv.h"
#include "vmm/layout.h"

extern char **environ;

static uint32_t id;

static int setup(void **state)
{
	(void)state;
	id = new_ctx();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return krun_free_ctx(id);
}

static size_t count(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static bool contains(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* A NULL-terminated array of n copies of "x=1" (caller frees the array only). */
static const char **big_array(size_t n)
{
	const char **v = calloc(n + 1, sizeof(*v));

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = "x=1";
	return v;
}

static void exec_argv_excludes_argv0(void **state)
{
	const char *const argv[] = { "-c", "echo hi", NULL };
	const char *const envp[] = { "A=1", NULL };
	const struct ckrun_config *c;

	(void)state;
	assert_int_equal(krun_set_exec(id, "/bin/sh", argv, envp), 0);
	c = cfg_of(id);
	assert_string_equal(c->exec_path, "/bin/sh");
	/* Stored exactly as given: argv[0] is not expected and not added. */
	assert_int_equal(count(c->argv), 2);
	assert_string_equal(c->argv[0], "-c");
	assert_string_equal(c->argv[1], "echo hi");
	assert_int_equal(count(c->envp), 1);
	assert_string_equal(c->envp[0], "A=1");
	assert_true(c->env_set);
}

static void exec_null_argv_means_no_arguments(void **state)
{
	const char *const envp[] = { NULL };

	(void)state;
	assert_int_equal(krun_set_exec(id, "/bin/true", NULL, envp), 0);
	assert_int_equal(count(cfg_of(id)->argv), 0);
	/* An empty environment is kept empty, not replaced by the caller's. */
	assert_non_null(cfg_of(id)->envp);
	assert_int_equal(count(cfg_of(id)->envp), 0);
}

static void exec_copies_strings(void **state)
{
	char arg[] = "original", path[] = "/bin/echo";
	const char *argv[] = { arg, NULL };
	const char *const envp[] = { NULL };

	(void)state;
	assert_int_equal(krun_set_exec(id, path, argv, envp), 0);
	arg[0] = 'X';
	path[1] = 'X';
	argv[0] = "changed";
	assert_string_equal(cfg_of(id)->argv[0], "original");
	assert_string_equal(cfg_of(id)->exec_path, "/bin/echo");
}

static void exec_null_envp_copies_environ_at_call_time(void **state)
{
	(void)state;
	assert_int_equal(setenv("CKRUN_TEST_VAR", "before", 1), 0);
	size_t n = count(environ);

	assert_int_equal(krun_set_exec(id, "/bin/true", NULL, NULL), 0);
	assert_int_equal(setenv("CKRUN_TEST_VAR", "after", 1), 0);
	assert_int_equal(setenv("CKRUN_TEST_LATER", "1", 1), 0);
	assert_true(cfg_of(id)->env_set);
	assert_int_equal(count(cfg_of(id)->envp), n);
	assert_true(contains(cfg_of(id)->envp, "CKRUN_TEST_VAR=before"));
	assert_false(contains(cfg_of(id)->envp, "CKRUN_TEST_LATER=1"));
	unsetenv("CKRUN_TEST_VAR");
	unsetenv("CKRUN_TEST_LATER");
}

static void set_env_null_copies_environ(void **state)
{
	(void)state;
	assert_int_equal(setenv("CKRUN_TEST_ENV", "yes", 1), 0);
	assert_int_equal(krun_set_env(id, NULL), 0);
	unsetenv("CKRUN_TEST_ENV");
	assert_true(contains(cfg_of(id)->envp, "CKRUN_TEST_ENV=yes"));
	assert_int_equal(count(cfg_of(id)->envp), count(environ) + 1);
}

static void set_env_replaces(void **state)
{
	const char *const e1[] = { "A=1", "B=2", NULL };
	const char *const e2[] = { "C=3", NULL };

	(void)state;
	assert_int_equal(krun_set_env(id, e1), 0);
	assert_int_equal(krun_set_env(id, e2), 0);
	assert_int_equal(count(cfg_of(id)->envp), 1);
	assert_string_equal(cfg_of(id)->envp[0], "C=3");
}

static void exec_replaces_earlier_exec(void **state)
{
	const char *const a1[] = { "1", "2", NULL };
	const char *const a2[] = { "3", NULL };
	const char *const envp[] = { NULL };

	(void)state;
	assert_int_equal(krun_set_exec(id, "/one", a1, envp), 0);
	assert_int_equal(krun_set_exec(id, "/two", a2, envp), 0);
	assert_string_equal(cfg_of(id)->exec_path, "/two");
	assert_int_equal(count(cfg_of(id)->argv), 1);
	assert_string_equal(cfg_of(id)->argv[0], "3");
}

static void exec_null_path_is_einval(void **state)
{
	const char *const envp[] = { NULL };

	(void)state;
	assert_int_equal(krun_set_exec(id, NULL, NULL, envp), -EINVAL);
	assert_null(cfg_of(id)->exec_path);
	assert_false(cfg_of(id)->env_set);
}

static void argv_over_4096_is_e2big(void **state)
{
	const char **big = big_array(CKRUN_MAX_ARGS + 1);
	const char *const envp[] = { NULL };

	(void)state;
	assert_int_equal(krun_set_exec(id, "/bin/true", big, envp), -E2BIG);
	assert_null(cfg_of(id)->exec_path);
	big[CKRUN_MAX_ARGS] = NULL; /* exactly 4096 is allowed */
	assert_int_equal(krun_set_exec(id, "/bin/true", big, envp), 0);
	assert_int_equal(count(cfg_of(id)->argv), CKRUN_MAX_ARGS);
	free(big);
}

static void env_over_4096_is_e2big(void **state)
{
	const char **big = big_array(CKRUN_MAX_ARGS + 1);

	(void)state;
	assert_int_equal(krun_set_env(id, big), -E2BIG);
	assert_int_equal(krun_set_exec(id, "/bin/true", NULL, big), -E2BIG);
	assert_false(cfg_of(id)->env_set);
	big[CKRUN_MAX_ARGS] = NULL;
	assert_int_equal(krun_set_env(id, big), 0);
	assert_int_equal(count(cfg_of(id)->envp), CKRUN_MAX_ARGS);
	free(big);
}

static void strv_count_stops_after_cap(void **state)
{
	/* An array without terminator within reach is not walked further. */
	const char *v[4] = { "a", "b", "c", "d" };

	(void)state;
	assert_int_equal(ckrun_strv_count(v, 2), 3);
	assert_int_equal(ckrun_strv_count(NULL, 2), 0);
}

static void workdir_stored_and_null_is_einval(void **state)
{
	(void)state;
	assert_int_equal(krun_set_workdir(id, NULL), -EINVAL);
	assert_null(cfg_of(id)->workdir);
	assert_int_equal(krun_set_workdir(id, "/srv"), 0);
	assert_int_equal(krun_set_workdir(id, "/work dir"), 0);
	assert_string_equal(cfg_of(id)->workdir, "/work dir");
}

static void rlimits_stored(void **state)
{
	const char *const rl[] = { "7=1024:2048", "4=0:18446744073709551615", NULL };

	(void)state;
	assert_int_equal(krun_set_rlimits(id, rl), 0);
	assert_int_equal(count(cfg_of(id)->rlimits), 2);
	assert_string_equal(cfg_of(id)->rlimits[0], "7=1024:2048");
	assert_string_equal(cfg_of(id)->rlimits[1], "4=0:18446744073709551615");
}

static void rlimits_null_is_einval(void **state)
{
	(void)state;
	assert_int_equal(krun_set_rlimits(id, NULL), -EINVAL);
}

/* As libkrun (whose init skips what it cannot parse): a malformed entry is
 * dropped, the call succeeds and keeps the others (issue 20). */
static void rlimits_malformed_are_skipped(void **state)
{
	static const char *const bad[] = {
		"", "7", "7=", "7=1", "7=1:", "=1:2", "7=1:2:3", "x=1:2", "7=a:2", "7=1:2 ",
		" 7=1:2", "7=-1:2", "7=1,8=1:2", "99=1:2", "7=3:2", "7=18446744073709551616:1",
		"7:1", ":1:2", "7::1:2",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *const rl[] = { "7=1:2", bad[i], "8:3:4", NULL };

		if (krun_set_rlimits(id, rl) != 0)
			fail_msg("rlimit \"%s\" failed the call", bad[i]);
		assert_int_equal(count(cfg_of(id)->rlimits), 2);
		assert_string_equal(cfg_of(id)->rlimits[0], "7=1:2");
		assert_string_equal(cfg_of(id)->rlimits[1], "8:3:4");
	}
}

/* libkrun's init also reads "ID:CUR:MAX". */
static void rlimits_colon_form_stored(void **state)
{
	const char *const rl[] = { "7:1024:2048", NULL };

	(void)state;
	assert_int_equal(krun_set_rlimits(id, rl), 0);
	assert_int_equal(count(cfg_of(id)->rlimits), 1);
	assert_string_equal(cfg_of(id)->rlimits[0], "7:1024:2048");
}

static void rlimits_over_4096_is_e2big(void **state)
{
	const char **big = calloc(CKRUN_MAX_ARGS + 2, sizeof(*big));

	(void)state;
	for (size_t i = 0; i <= CKRUN_MAX_ARGS; i++)
		big[i] = "7=1:2";
	assert_int_equal(krun_set_rlimits(id, big), -E2BIG);
	free(big);
}

struct files {
	char *dir, *kernel, *initrd;
};

static struct files make_files(void)
{
	struct files f;

	f.dir = make_temp_dir();
	f.kernel = make_file_in(f.dir, "vmlinux", "not really a kernel");
	f.initrd = make_file_in(f.dir, "initrd", "not really an initrd");
	return f;
}

static void drop_files(struct files *f)
{
	unlink(f->kernel);
	unlink(f->initrd);
	rmdir(f->dir);
	free(f->kernel);
	free(f->initrd);
	free(f->dir);
}

static void kernel_stored(void **state)
{
	struct files f = make_files();
	const struct ckrun_config *c;

	(void)state;
	assert_int_equal(krun_set_kernel(id, f.kernel, KRUN_KERNEL_FORMAT_ELF, f.initrd,
					 "console=ttyS0"), 0);
	c = cfg_of(id);
	assert_string_equal(c->kernel_path, f.kernel);
	assert_int_equal(c->kernel_format, KRUN_KERNEL_FORMAT_ELF);
	assert_string_equal(c->initramfs_path, f.initrd);
	assert_string_equal(c->kernel_cmdline, "console=ttyS0");
	/* Again without initramfs and command line: both are cleared. */
	assert_int_equal(krun_set_kernel(id, f.kernel, KRUN_KERNEL_FORMAT_RAW, NULL, NULL), 0);
	assert_int_equal(c->kernel_format, KRUN_KERNEL_FORMAT_RAW);
	assert_null(c->initramfs_path);
	assert_null(c->kernel_cmdline);
	drop_files(&f);
}

/* The compressed formats are taken (issue 20); the VMM decompresses them. */
static void kernel_compressed_formats_accepted(void **state)
{
	struct files f = make_files();
	static const uint32_t fmts[] = { KRUN_KERNEL_FORMAT_IMAGE_GZ, KRUN_KERNEL_FORMAT_IMAGE_BZ2,
					 KRUN_KERNEL_FORMAT_IMAGE_ZSTD };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(krun_set_kernel(id, f.kernel, fmts[i], NULL, NULL), 0);
		assert_int_equal(cfg_of(id)->kernel_format, fmts[i]);
	}
	drop_files(&f);
}

static void kernel_bad_arguments(void **state)
{
	struct files f = make_files();
	char *missing, *longcmd;

	(void)state;
	assert_true(asprintf(&missing, "%s/missing", f.dir) > 0);
	longcmd = malloc(LAYOUT_CMDLINE_MAX + 1);
	memset(longcmd, 'a', LAYOUT_CMDLINE_MAX);
	longcmd[LAYOUT_CMDLINE_MAX] = '\0';

	assert_int_equal(krun_set_kernel(id, NULL, KRUN_KERNEL_FORMAT_ELF, NULL, NULL), -EINVAL);
	assert_int_equal(krun_set_kernel(id, missing, KRUN_KERNEL_FORMAT_ELF, NULL, NULL), -ENOENT);
	assert_int_equal(krun_set_kernel(id, f.dir, KRUN_KERNEL_FORMAT_ELF, NULL, NULL), -EINVAL);
	assert_int_equal(krun_set_kernel(id, f.kernel, KRUN_KERNEL_FORMAT_ELF, missing, NULL),
			 -ENOENT);
	assert_int_equal(krun_set_kernel(id, f.kernel, KRUN_KERNEL_FORMAT_PE_GZ, NULL, NULL),
			 -EINVAL);
	assert_int_equal(krun_set_kernel(id, f.kernel, 6, NULL, NULL), -EINVAL);
	assert_int_equal(krun_set_kernel(id, f.kernel, KRUN_KERNEL_FORMAT_ELF, NULL, longcmd),
			 -EINVAL);
	assert_null(cfg_of(id)->kernel_path);
	free(longcmd);
	free(missing);
	drop_files(&f);
}

static void console_output_set_once(void **state)
{
	(void)state;
	assert_int_equal(krun_set_console_output(id, NULL), -EINVAL);
	assert_int_equal(krun_set_console_output(id, "/tmp/console.log"), 0);
	assert_int_equal(krun_set_console_output(id, "/tmp/other.log"), -EINVAL);
	assert_string_equal(cfg_of(id)->console_output, "/tmp/console.log");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(exec_argv_excludes_argv0),
		T(exec_null_argv_means_no_arguments),
		T(exec_copies_strings),
		T(exec_null_envp_copies_environ_at_call_time),
		T(set_env_null_copies_environ),
		T(set_env_replaces),
		T(exec_replaces_earlier_exec),
		T(exec_null_path_is_einval),
		T(argv_over_4096_is_e2big),
		T(env_over_4096_is_e2big),
		T(strv_count_stops_after_cap),
		T(workdir_stored_and_null_is_einval),
		T(rlimits_stored),
		T(rlimits_null_is_einval),
		T(rlimits_malformed_are_skipped),
		T(rlimits_colon_form_stored),
		T(rlimits_over_4096_is_e2big),
		T(kernel_stored),
		T(kernel_bad_arguments),
		T(kernel_compressed_formats_accepted),
		T(console_output_set_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
