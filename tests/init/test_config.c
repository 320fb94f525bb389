/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest init's workload configuration: the three .krun_config.json shapes,
 * environment precedence, KRUN_RLIMITS, argv choice, exit statuses, console
 * port discovery. DATA_DIR is set by meson.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "init/config.h"

static void load(const char *name, struct init_config *c, int want)
{
	char path[PATH_MAX], err[256];
	snprintf(path, sizeof(path), "%s/%s", DATA_DIR, name);
	int rc = init_config_load(path, c, err, sizeof(err));
	if (rc != want)
		fail_msg("%s: rc %d (want %d): %s", name, rc, want, err);
	if (want < 0)
		assert_true(err[0] != '\0' || want == -ENOENT);
}

static size_t count(char **l)
{
	size_t n = 0;
	while (l && l[n])
		n++;
	return n;
}

static void test_oci(void **state)
{
	(void)state;
	struct init_config c;
	load("oci.json", &c, 0);
	assert_int_equal(count(c.argv), 3);
	assert_string_equal(c.argv[0], "/bin/sh");
	assert_string_equal(c.argv[2], "echo \"oci\" 'quoted' caf\xc3\xa9");
	assert_int_equal(count(c.env), 4);
	assert_string_equal(c.env[3], "FOO=bar baz");
	assert_string_equal(c.cwd, "/work");
	init_config_free(&c);
	assert_null(c.argv);
}

static void test_flat(void **state)
{
	(void)state;
	struct init_config c;
	load("flat.json", &c, 0);
	assert_int_equal(count(c.argv), 2);
	assert_string_equal(c.argv[1], "flat");
	assert_string_equal(c.env[1], "A=1");
	assert_string_equal(c.cwd, "/tmp");
	init_config_free(&c);

	load("flat_entrypoint.json", &c, 0);
	assert_int_equal(count(c.argv), 3);
	assert_string_equal(c.argv[0], "/bin/sh");
	assert_string_equal(c.argv[1], "-c");
	assert_string_equal(c.argv[2], "echo entry");
	assert_null(c.env);
	assert_null(c.cwd); /* "" means none */
	init_config_free(&c);

	load("flat_lower.json", &c, 0);
	assert_string_equal(c.argv[0], "/bin/true");
	assert_string_equal(c.env[0], "X=y");
	assert_string_equal(c.cwd, "/srv");
	init_config_free(&c);
}

static void test_nested(void **state)
{
	(void)state;
	struct init_config c;
	load("nested.json", &c, 0);
	assert_int_equal(count(c.argv), 3);
	assert_string_equal(c.argv[0], "/bin/busybox");
	assert_string_equal(c.argv[2], "nested");
	assert_string_equal(c.env[1], "NESTED=1");
	assert_string_equal(c.cwd, "/var");
	init_config_free(&c);

	load("image_lower.json", &c, 0);
	assert_int_equal(count(c.argv), 1);
	assert_string_equal(c.argv[0], "/bin/sh");
	assert_string_equal(c.cwd, "/");
	init_config_free(&c);
}

static void test_bad_files(void **state)
{
	(void)state;
	struct init_config c;
	load("bad_type.json", &c, -EINVAL);
	assert_null(c.argv);
	load("bad_syntax.json", &c, -EINVAL);
	load("does-not-exist.json", &c, -ENOENT);
	/* a directory is not a config file */
	char err[64];
	assert_int_equal(init_config_load(DATA_DIR, &c, err, sizeof(err)), -EINVAL);
}

static void test_wrong_shapes(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"[]", "\"x\"", "{\"process\":{\"args\":{}}}", "{\"Cmd\":[[]]}", "{\"Cmd\":1}",
		"{\"WorkingDir\":[\"/\"]}", "{\"Entrypoint\":{\"a\":1}}", "{\"env\":\"A=1\",\"cwd\":7}",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct json_value *v;
		struct init_config c;
		char err[128] = "";
		assert_int_equal(json_parse(docs[i], strlen(docs[i]), &v, NULL, 0), 0);
		int rc = init_config_from_json(v, &c, err, sizeof(err));
		json_free(v);
		if (rc == 0)
			fail_msg("accepted %s", docs[i]);
		assert_true(err[0] != '\0');
	}
	/* {} is valid and empty */
	struct json_value *v;
	struct init_config c;
	assert_int_equal(json_parse("{}", 2, &v, NULL, 0), 0);
	assert_int_equal(init_config_from_json(v, &c, NULL, 0), 0);
	assert_null(c.argv);
	assert_null(c.env);
	assert_null(c.cwd);
	json_free(v);
}

static void test_env_precedence(void **state)
{
	(void)state;
	setenv("HOME", "/", 1);
	setenv("TERM", "linux", 1);
	setenv("KEEP", "kernel", 1);
	unsetenv("NEWVAR");
	unsetenv("KRUN_HOME");
	unsetenv("KRUN_TERM");
	char *env[] = { "HOME=/root", "TERM=xterm", "KEEP=config", "NEWVAR=a b=c", "noequals",
			"=empty", NULL };
	assert_int_equal(init_apply_env(env), 2);
	assert_string_equal(getenv("HOME"), "/root");
	assert_string_equal(getenv("TERM"), "xterm");
	assert_string_equal(getenv("KEEP"), "kernel");
	assert_string_equal(getenv("NEWVAR"), "a b=c");

	setenv("KRUN_HOME", "/home/u", 1);
	setenv("KRUN_TERM", "vt100", 1);
	init_apply_krun_overrides();
	assert_string_equal(getenv("HOME"), "/home/u");
	assert_string_equal(getenv("TERM"), "vt100");
	assert_int_equal(init_apply_env(NULL), 0);
}

static void test_rlimits(void **state)
{
	(void)state;
	struct init_rlimit rl[4];
	int skipped = -1;
	assert_int_equal(init_parse_rlimits("\"7=1024:2048,4=0:unlimited\"", rl, 4, &skipped), 2);
	assert_int_equal(skipped, 0);
	assert_int_equal(rl[0].resource, 7);
	assert_int_equal(rl[0].lim.rlim_cur, 1024);
	assert_int_equal(rl[0].lim.rlim_max, 2048);
	assert_int_equal(rl[1].resource, 4);
	assert_int_equal(rl[1].lim.rlim_cur, 0);
	assert_true(rl[1].lim.rlim_max == RLIM_INFINITY);
	assert_int_equal(init_parse_rlimits("6=-1:-1,", rl, 4, NULL), 1);
	assert_true(rl[0].lim.rlim_cur == RLIM_INFINITY);
	assert_int_equal(init_parse_rlimits("", rl, 4, NULL), 0);
	assert_int_equal(init_parse_rlimits(NULL, rl, 4, NULL), 0);
	/* more entries than room: only max stored */
	assert_int_equal(init_parse_rlimits("1=1:1,2=2:2,3=3:3", rl, 2, NULL), 2);
	static const char *const bad[] = {
		"7", "7=", "7=1", "7=1:", "x=1:1", "7=a:1", "7=1:b", "999=1:1", "-1=1:1",
		"7=1:1:1", "7=99999999999999999999999:1", "7 =1:1", "=1:1", "7:1", ":1:1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (init_parse_rlimits(bad[i], rl, 4, &skipped) != 0 || skipped != 1)
			fail_msg("accepted %s", bad[i]);
}

/* libkrun's init also takes "ID:CUR:MAX", and skips a bad entry instead of
 * dropping every limit (issue 20). */
static void test_rlimits_colon_and_skip(void **state)
{
	(void)state;
	struct init_rlimit rl[4];
	int skipped = -1;
	assert_int_equal(init_parse_rlimits("7:1024:2048,bogus,4=1:2,7=x:1", rl, 4, &skipped), 2);
	assert_int_equal(skipped, 2);
	assert_int_equal(rl[0].resource, 7);
	assert_int_equal(rl[0].lim.rlim_cur, 1024);
	assert_int_equal(rl[0].lim.rlim_max, 2048);
	assert_int_equal(rl[1].resource, 4);
	assert_int_equal(rl[1].lim.rlim_cur, 1);
	assert_int_equal(rl[1].lim.rlim_max, 2);
}

/* The workload file's environment comes first and verbatim (entries
 * without '=' too); the kernel's variables follow unless overridden. */
static void test_merge_env(void **state)
{
	(void)state;
	char *first[] = { "B=1", "NOEQ", "A=\"q\" x\ny", "HOME=/h", NULL };
	char *rest[] = { "HOME=/", "TERM=linux", "A=old", "NOEQ=z", "C=3", NULL };
	char **m = init_merge_env(first, rest);
	assert_non_null(m);
	const char *want[] = { "B=1", "NOEQ", "A=\"q\" x\ny", "HOME=/h", "TERM=linux", "C=3", NULL };
	for (int i = 0; want[i]; i++)
		assert_string_equal(m[i], want[i]);
	assert_null(m[6]);
	free(m);
	m = init_merge_env(NULL, rest);
	assert_non_null(m);
	assert_string_equal(m[0], "HOME=/");
	assert_null(m[5]);
	free(m);
}

static void test_choose_argv(void **state)
{
	(void)state;
	char *args[] = { "a b", "c", NULL };
	char *cfg[] = { "/bin/cfg", "x", NULL };
	char **v = init_choose_argv("/bin/prog", args, 2, cfg);
	assert_string_equal(v[0], "/bin/prog");
	assert_string_equal(v[1], "a b");
	assert_string_equal(v[2], "c");
	assert_null(v[3]);
	free(v);
	v = init_choose_argv(NULL, args, 2, cfg);
	assert_string_equal(v[0], "/bin/cfg");
	assert_null(v[2]);
	free(v);
	v = init_choose_argv("", args, 2, NULL);
	assert_string_equal(v[0], "a b");
	assert_null(v[2]);
	free(v);
	v = init_choose_argv(NULL, args, 0, NULL);
	assert_string_equal(v[0], "/bin/sh");
	assert_null(v[1]);
	free(v);
	v = init_choose_argv("/x", args, 0, NULL);
	assert_string_equal(v[0], "/x");
	assert_null(v[1]);
	free(v);
}

static void test_exit_code(void **state)
{
	(void)state;
	int codes[] = { 0, 1, 42, 125, 255 };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		pid_t p = fork();
		assert_true(p >= 0);
		if (p == 0)
			_exit(codes[i]);
		int st;
		assert_int_equal(waitpid(p, &st, 0), p);
		assert_int_equal(init_exit_code(st), codes[i]);
	}
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		signal(SIGTERM, SIG_DFL);
		raise(SIGTERM);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_int_equal(init_exit_code(st), 128 + SIGTERM);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

static void test_find_port(void **state)
{
	(void)state;
	char dir[] = "/tmp/ckrun-ports-XXXXXX", p[PATH_MAX], out[64];
	assert_non_null(mkdtemp(dir));
	const char *ents[][2] = { { "vport0p0", "" }, { "vport0p1", "krun-stdin\n" },
				  { "vport0p2", "krun-stdout\n" }, { "vport0p3", "krun-stderr" } };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, ents[i][0]);
		assert_int_equal(mkdir(p, 0755), 0);
		snprintf(p, sizeof(p), "%s/%s/name", dir, ents[i][0]);
		write_file(p, ents[i][1]);
	}
	assert_int_equal(init_find_port(dir, "/dev", "krun-stdout", out, sizeof(out)), 0);
	assert_string_equal(out, "/dev/vport0p2");
	assert_int_equal(init_find_port(dir, "/dev", "krun-stderr", out, sizeof(out)), 0);
	assert_string_equal(out, "/dev/vport0p3");
	assert_int_equal(init_find_port(dir, "/dev", "krun-std", out, sizeof(out)), -ENOENT);
	assert_int_equal(init_find_port(dir, "/dev", "krun-stdin", out, 8), -ENAMETOOLONG);
	assert_int_equal(init_find_port("/nonexistent-dir", "/dev", "krun-stdin", out, sizeof(out)),
			 -ENOENT);
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s/name", dir, ents[i][0]);
		unlink(p);
		snprintf(p, sizeof(p), "%s/%s", dir, ents[i][0]);
		rmdir(p);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_wrong_shapes),
		cmocka_unit_test(test_env_precedence),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_rlimits_colon_and_skip),
		cmocka_unit_test(test_merge_env),
		cmocka_unit_test(test_choose_argv),
		cmocka_unit_test(test_exit_code),
		cmocka_unit_test(test_find_port),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
