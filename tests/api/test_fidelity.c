/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libkrun's answers where ckrun used to differ (issue 20): the implicit init
 * can be turned off, krun_setuid/krun_setgid are applied by the start call
 * before the VM is built, nested virtualization follows the host's KVM
 * module, and each refuses an unknown context first.
 */
#include <errno.h>
#include <grp.h>
#include <sys/wait.h>

#include "helpers.h"
#include "api/start.h"
#include "api/validate.h"

/* What the fake VMM saw: the process's IDs when the VM was to be built. */
struct seen {
	uid_t uid, euid;
	gid_t gid, egid;
	bool no_implicit_init, nested;
};

static struct seen seen;
static int runs;

static int fake_vm_run(const struct ckrun_config *cfg, int *exit_code)
{
	seen.uid = getuid();
	seen.euid = geteuid();
	seen.gid = getgid();
	seen.egid = getegid();
	seen.no_implicit_init = cfg->no_implicit_init;
	seen.nested = cfg->nested_virt;
	runs++;
	*exit_code = 7;
	return 0;
}

static void unknown_context_first(void **state)
{
	const uint8_t *data;
	size_t len;

	(void)state;
	assert_int_equal(krun_setuid(NO_SUCH_CTX, 0), -ENOENT);
	assert_int_equal(krun_setgid(NO_SUCH_CTX, 0), -ENOENT);
	assert_int_equal(krun_disable_implicit_init(NO_SUCH_CTX), -ENOENT);
	assert_int_equal(krun_set_nested_virt(NO_SUCH_CTX, true), -ENOENT);
	assert_int_equal(krun_set_nested_virt(NO_SUCH_CTX, false), -ENOENT);
	assert_int_equal(krun_get_default_init(&data, &len), 0); /* no context involved */
}

static void disable_implicit_init_recorded(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	assert_false(cfg_of(id)->no_implicit_init);
	assert_int_equal(krun_disable_implicit_init(id), 0);
	assert_true(cfg_of(id)->no_implicit_init);
	/* Twice is fine; the root may be added before or after. */
	assert_int_equal(krun_disable_implicit_init(id), 0);
	assert_int_equal(krun_free_ctx(id), 0);
}

/* In a child: the IDs are changed for the whole process, gid first, before
 * the VM runs; the start call returns -errno when a change is refused. */
static void setuid_setgid_applied_by_start(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = 0;
		ckrun_set_vm_runner_for_test(fake_vm_run);
		uint32_t id = (uint32_t)krun_create_ctx();
		bool root = geteuid() == 0;
		uid_t uid = root ? 65534 : getuid();
		gid_t gid = root ? 65534 : getgid();
		if (krun_setgid(id, gid) || krun_setuid(id, uid))
			_exit(10);
		/* Recorded, not applied, by the setters. */
		if (root && (getuid() != 0 || getgid() != 0))
			_exit(11);
		if (root)
			setgroups(0, NULL);
		int r = ckrun_start_and_wait(id);
		bad |= r != 7;
		bad |= runs != 1 || seen.uid != uid || seen.euid != uid || seen.gid != gid || seen.egid != gid;
		if (bad)
			_exit(12);
		/* A change the process may not make: -EPERM, and no VM. */
		id = (uint32_t)krun_create_ctx();
		if (krun_setuid(id, root ? 0 : uid + 1))
			_exit(13);
		r = ckrun_start_and_wait(id);
		_exit(r == -EPERM && runs == 1 ? 0 : 14);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static char *write_param(const char *dir, const char *name, const char *text)
{
	char *p = make_file_in(dir, name, text);
	return p;
}

static void nested_param_read_as_libkrun(void **state)
{
	(void)state;
	char *dir = make_temp_dir();
	char *y = write_param(dir, "y", "Y\n"), *one = write_param(dir, "one", "1\n");
	char *n = write_param(dir, "n", "N\n"), *zero = write_param(dir, "zero", "0\n");
	char *missing;
	assert_true(asprintf(&missing, "%s/missing", dir) > 0);
	const char *p1[] = { missing, y, NULL }, *p2[] = { one, NULL }, *p3[] = { n, zero, missing, NULL };
	const char *p4[] = { NULL };
	assert_int_equal(ckrun_kvm_nested(p1), 1);
	assert_int_equal(ckrun_kvm_nested(p2), 1);
	assert_int_equal(ckrun_kvm_nested(p3), 0);
	assert_int_equal(ckrun_kvm_nested(p4), 0);
	char *files[] = { y, one, n, zero };
	for (int i = 0; i < 4; i++) {
		unlink(files[i]);
		free(files[i]);
	}
	rmdir(dir);
	free(missing);
	free(dir);
}

/* krun_check_nested_virt answers for the host; krun_set_nested_virt(true)
 * works exactly when it says 1. */
static void nested_follows_the_host(void **state)
{
	static const char *const params[] = CKRUN_KVM_NESTED_PARAMS;
	uint32_t id = new_ctx();

	(void)state;
	int host = ckrun_kvm_nested(params);
	assert_int_equal(krun_check_nested_virt(), host);
	assert_int_equal(krun_set_nested_virt(id, false), 0);
	assert_false(cfg_of(id)->nested_virt);
	assert_int_equal(krun_set_nested_virt(id, true), host == 1 ? 0 : -ENOTSUP);
	assert_int_equal(cfg_of(id)->nested_virt, host == 1);
	assert_int_equal(krun_free_ctx(id), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unknown_context_first),
		cmocka_unit_test(disable_implicit_init_recorded),
		cmocka_unit_test(setuid_setgid_applied_by_start),
		cmocka_unit_test(nested_param_read_as_libkrun),
		cmocka_unit_test(nested_follows_the_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
