/* SPDX-License-Identifier: Apache-2.0 */
/* ckrun-run's argument parsing: accepted forms, --help, every error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckrun-run-args.h"

static char out_buf[8192], err_buf[4096];

static int parse(struct run_opts *o, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	va_start(ap, o);
	argv[argc++] = "ckrun-run";
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	static char *saved[64];
	memcpy(saved, argv, sizeof(argv)); /* o->args points into argv: keep it alive */
	memset(out_buf, 0, sizeof(out_buf));
	memset(err_buf, 0, sizeof(err_buf));
	FILE *out = fmemopen(out_buf, sizeof(out_buf) - 1, "w");
	FILE *err = fmemopen(err_buf, sizeof(err_buf) - 1, "w");
	assert_non_null(out);
	assert_non_null(err);
	int rc = run_parse_args(argc, saved, o, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

static void test_minimal(void **state)
{
	(void)state;
	struct run_opts o;
	assert_int_equal(parse(&o, "/root", "/bin/sh", "-c", "exit 42", NULL), RUN_PARSE_OK);
	assert_string_equal(o.root, "/root");
	assert_string_equal(o.cmd, "/bin/sh");
	assert_string_equal(o.args[0], "-c");
	assert_string_equal(o.args[1], "exit 42");
	assert_null(o.args[2]);
	assert_int_equal(o.cpus, 1);
	assert_int_equal(o.mem_mib, 256);
	assert_null(o.kernel);
	assert_null(o.kernel_cmdline);
	assert_false(o.ro_root);
	assert_int_equal(o.log_level, -1);
	assert_int_equal(strncmp(o.env[0], "PATH=", 5), 0);
	assert_null(o.env[1]);
	assert_string_equal(err_buf, "");
	assert_false(o.env_given);
	run_opts_free(&o);

	/* no CMD: the guest reads /.krun_config.json */
	assert_int_equal(parse(&o, "-e", "A=b", "/root", "--", NULL), RUN_PARSE_OK);
	assert_null(o.cmd);
	assert_null(o.args);
	assert_true(o.env_given);
	assert_string_equal(o.env[1], "A=b");
	run_opts_free(&o);
}

static void test_all_options(void **state)
{
	(void)state;
	struct run_opts o;
	assert_int_equal(parse(&o, "--cpus", "4", "-m", "1024", "--volume", "/a:b:c:tag1:ro",
			       "-v", "/data:work", "-v", "/x:y:rw", "--kernel", "/k/bzImage",
			       "--kernel-cmdline", "console=hvc0 init=/x",
			       "-e", "A=1 2", "--env", "PATH=/bin", "-w", "/tmp", "--ro-root",
			       "--console", "/tmp/c.log", "--log-level", "3", "/r", "--", "-weird",
			       "--cpus", NULL),
			 RUN_PARSE_OK);
	assert_int_equal(o.cpus, 4);
	assert_int_equal(o.mem_mib, 1024);
	assert_int_equal(o.nr_volumes, 3);
	assert_string_equal(o.volumes[0].path, "/a:b:c");
	assert_string_equal(o.volumes[0].tag, "tag1");
	assert_true(o.volumes[0].read_only);
	assert_string_equal(o.volumes[1].path, "/data");
	assert_string_equal(o.volumes[1].tag, "work");
	assert_false(o.volumes[1].read_only);
	assert_string_equal(o.volumes[2].tag, "y");
	assert_false(o.volumes[2].read_only);
	assert_string_equal(o.kernel, "/k/bzImage");
	assert_string_equal(o.kernel_cmdline, "console=hvc0 init=/x");
	assert_string_equal(o.env[0], "PATH=/bin");
	assert_string_equal(o.env[1], "A=1 2");
	assert_null(o.env[2]);
	assert_string_equal(o.workdir, "/tmp");
	assert_true(o.ro_root);
	assert_string_equal(o.console, "/tmp/c.log");
	assert_int_equal(o.log_level, 3);
	assert_string_equal(o.cmd, "-weird");
	assert_string_equal(o.args[0], "--cpus"); /* CMD's options are CMD's */
	run_opts_free(&o);

	/* options after ROOTDIR belong to CMD even without -- */
	assert_int_equal(parse(&o, "/r", "ls", "-l", "--cpus", NULL), RUN_PARSE_OK);
	assert_string_equal(o.cmd, "ls");
	assert_string_equal(o.args[1], "--cpus");
	assert_int_equal(o.cpus, 1);
	run_opts_free(&o);
}

static void test_help(void **state)
{
	(void)state;
	struct run_opts o;
	assert_int_equal(parse(&o, "--help", NULL), RUN_PARSE_HELP);
	static const char *const mentioned[] = { "--cpus", "--mem", "--volume", "--kernel",
						 "--kernel-cmdline",
						 "--env", "--workdir", "--ro-root", "--console",
						 "--log-level", "--help", "ROOTDIR", "CMD",
						 "dev/ proc/ sys/", "127", "126", "125" };
	for (size_t i = 0; i < sizeof(mentioned) / sizeof(mentioned[0]); i++)
		if (!strstr(out_buf, mentioned[i]))
			fail_msg("--help does not mention %s", mentioned[i]);
	assert_int_equal(parse(&o, "-c", "2", "-h", "/r", "x", NULL), RUN_PARSE_HELP);
}

/* ckrun-run with `n` times "opt val", then a root and a command (output to /dev/null). */
static int parse_repeated(const char *opt, const char *val, int n)
{
	char *argv[2 * (RUN_MAX_ENV + 2) + 4];
	int argc = 0;
	assert_true(n <= RUN_MAX_ENV + 1 && RUN_MAX_VOLUMES <= RUN_MAX_ENV);
	argv[argc++] = "ckrun-run";
	for (int i = 0; i < n; i++) {
		argv[argc++] = (char *)opt;
		argv[argc++] = (char *)val;
	}
	argv[argc++] = "/r";
	argv[argc++] = "sh";
	argv[argc] = NULL;
	struct run_opts o;
	FILE *devnull = fopen("/dev/null", "w");
	assert_non_null(devnull);
	int ret = run_parse_args(argc, argv, &o, devnull, devnull);
	fclose(devnull);
	return ret;
}

static void test_errors(void **state)
{
	(void)state;
	struct run_opts o;
	static const struct {
		const char *args[8];
		const char *msg;
	} cases[] = {
		{ { NULL }, "missing ROOTDIR" },
		{ { "/r", "", NULL }, "CMD is empty" },
		{ { "/r", "--", "", NULL }, "CMD is empty" },
		{ { "", "sh", NULL }, "ROOTDIR is empty" },
		{ { "--cpus", "0", "/r", "sh", NULL }, "invalid --cpus" },
		{ { "--cpus", "256", "/r", "sh", NULL }, "invalid --cpus" },
		{ { "--cpus", "two", "/r", "sh", NULL }, "invalid --cpus" },
		{ { "--cpus", "-1", "/r", "sh", NULL }, "invalid --cpus" },
		{ { "--cpus", "1x", "/r", "sh", NULL }, "invalid --cpus" },
		{ { "--mem", "", "/r", "sh", NULL }, "invalid --mem" },
		{ { "--mem", "99999999999999999999", "/r", "sh", NULL }, "invalid --mem" },
		{ { "--volume", "/only", "/r", "sh", NULL }, "invalid --volume" },
		{ { "--volume", ":tag", "/r", "sh", NULL }, "invalid --volume" },
		{ { "--volume", "/d:", "/r", "sh", NULL }, "invalid --volume" },
		{ { "--volume", "/d:/dev/root", "/r", "sh", NULL }, "invalid --volume" },
		{ { "--volume", "/d:0123456789012345678901234567890123456", "/r", "sh", NULL },
		  "invalid --volume" },
		{ { "--env", "NOEQUALS", "/r", "sh", NULL }, "invalid --env" },
		{ { "--env", "=v", "/r", "sh", NULL }, "invalid --env" },
		{ { "--workdir", "rel", "/r", "sh", NULL }, "invalid --workdir" },
		{ { "--log-level", "6", "/r", "sh", NULL }, "invalid --log-level" },
		{ { "--kernel", "", "/r", "sh", NULL }, "--kernel needs" },
		{ { "--kernel-cmdline", "quiet", "/r", "sh", NULL }, "--kernel-cmdline needs --kernel" },
		{ { "--bogus", "/r", "sh", NULL }, "unknown option '--bogus'" },
		{ { "-z", "/r", "sh", NULL }, "unknown option '-z'" },
		{ { "/r", "sh", "--cpus", NULL }, NULL }, /* fine: CMD's argument */
		{ { "/r", NULL }, NULL },                 /* fine: .krun_config.json */
		{ { "/r", "--", NULL }, NULL },
		{ { "--cpus", NULL }, "needs an argument" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;
		int rc = parse(&o, a[0], a[0] ? a[1] : NULL, a[0] && a[1] ? a[2] : NULL,
			       a[0] && a[1] && a[2] ? a[3] : NULL,
			       a[0] && a[1] && a[2] && a[3] ? a[4] : NULL, NULL);
		if (!cases[i].msg) {
			assert_int_equal(rc, RUN_PARSE_OK);
			run_opts_free(&o);
			continue;
		}
		if (rc != RUN_PARSE_ERROR)
			fail_msg("case %zu accepted", i);
		if (!strstr(err_buf, cases[i].msg))
			fail_msg("case %zu: message '%s' lacks '%s'", i, err_buf, cases[i].msg);
		assert_non_null(strstr(err_buf, "--help"));
	}
	/* too many volumes / env entries */
	assert_int_equal(parse_repeated("-v", "/d:t", RUN_MAX_VOLUMES + 1), RUN_PARSE_ERROR);
	assert_int_equal(parse_repeated("-e", "K=V", RUN_MAX_ENV + 1), RUN_PARSE_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
