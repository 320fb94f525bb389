/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting: krun_start_enter and ckrun_start_and_wait consume the context,
 * hand the configuration to the VMM, and end the process with (or return)
 * the guest's exit status. A fake VMM stands in for ckrun_vm_run here.
 */
#include <errno.h>
#include <sys/wait.h>

#include "helpers.h"
#include "api/start.h"

static struct {
	int calls;
	int ret;        /* what the fake VMM returns */
	int code;       /* the exit code it reports */
	unsigned vcpus; /* what it saw */
	int nr_shares;
	char tag0[CKRUN_TAG_MAX + 1];
	int log_level;
	uint32_t boot_timeout_s;
} fake;

static int fake_vm_run(const struct ckrun_config *cfg, int *exit_code)
{
	fake.calls++;
	fake.vcpus = cfg->vcpus;
	fake.nr_shares = cfg->nr_shares;
	if (cfg->nr_shares > 0)
		memcpy(fake.tag0, cfg->shares[0].tag, sizeof(fake.tag0));
	fake.log_level = cfg->log_level;
	fake.boot_timeout_s = cfg->boot_timeout_s;
	*exit_code = fake.code;
	return fake.ret;
}

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	ckrun_set_vm_runner_for_test(fake_vm_run);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ckrun_set_vm_runner_for_test(NULL);
	krun_set_log_level(KRUN_LOG_LEVEL_OFF);
	return 0;
}

static void start_and_wait_returns_guest_status(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	fake.code = 42;
	assert_int_equal(ckrun_start_and_wait(id), 42);
	assert_int_equal(fake.calls, 1);
}

static void start_and_wait_consumes_ctx(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	assert_int_equal(ckrun_start_and_wait(id), 0);
	assert_null(ckrun_ctx_config_for_test(id));
	assert_int_equal(krun_free_ctx(id), -ENOENT);
	assert_int_equal(ckrun_start_and_wait(id), -ENOENT);
	assert_int_equal(fake.calls, 1);
}

static void vmm_gets_the_configuration(void **state)
{
	uint32_t id = new_ctx();
	char *dir = make_temp_dir();

	(void)state;
	assert_int_equal(krun_set_vm_config(id, 2, 256), 0);
	assert_int_equal(krun_set_root(id, dir), 0);
	assert_int_equal(ckrun_set_boot_timeout(id, 9), 0);
	assert_int_equal(krun_set_log_level(KRUN_LOG_LEVEL_INFO), 0);
	assert_int_equal(ckrun_start_and_wait(id), 0);
	assert_int_equal(fake.vcpus, 2);
	assert_int_equal(fake.nr_shares, 1);
	assert_string_equal(fake.tag0, "/dev/root");
	assert_int_equal(fake.boot_timeout_s, 9);
	/* The log level in force at start travels in the record. */
	assert_int_equal(fake.log_level, KRUN_LOG_LEVEL_INFO);
	rmdir(dir);
	free(dir);
}

static void vmm_error_is_returned_and_ctx_consumed(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	fake.ret = -ENOEXEC;
	fake.code = 3; /* must not be mistaken for a status */
	assert_int_equal(ckrun_start_and_wait(id), -ENOEXEC);
	assert_int_equal(krun_free_ctx(id), -ENOENT);

	id = new_ctx();
	fake.ret = -ENOMEM;
	assert_int_equal(krun_start_enter(id), -ENOMEM);
	assert_int_equal(krun_free_ctx(id), -ENOENT);
}

static void positive_vmm_return_is_an_error(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	fake.ret = 1;
	assert_int_equal(ckrun_start_and_wait(id), -EIO);
}

static void status_is_eight_bits(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	fake.code = 256 + 7;
	assert_int_equal(ckrun_start_and_wait(id), 7);
}

/* krun_start_enter ends the process with _exit(status), flushing stdio first. */
static void start_enter_exits_with_guest_status(void **state)
{
	int p[2], status;
	char buf[64] = { 0 };
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDOUT_FILENO);
		setvbuf(stdout, NULL, _IOFBF, 4096);
		printf("buffered-before-start");
		fake.code = 42;
		uint32_t id = (uint32_t)krun_create_ctx();

		krun_start_enter(id);
		_exit(99); /* only reached if krun_start_enter returned */
	}
	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
	assert_true(read(p[0], buf, sizeof(buf) - 1) > 0);
	assert_string_equal(buf, "buffered-before-start");
	close(p[0]);
}

/* The real VMM, given a file that is no kernel, fails and still consumes the context. */
static void real_vmm_failure_returns_errno(void **state)
{
	char *dir = make_temp_dir();
	char *kernel = make_file_in(dir, "bogus", "this is not a kernel image");
	uint32_t id = new_ctx();

	(void)state;
	ckrun_set_vm_runner_for_test(NULL);
	assert_int_equal(krun_set_kernel(id, kernel, KRUN_KERNEL_FORMAT_ELF, NULL, NULL), 0);
	assert_int_equal(krun_set_root(id, dir), 0);
	assert_true(ckrun_start_and_wait(id) < 0);
	assert_int_equal(krun_free_ctx(id), -ENOENT);
	unlink(kernel);
	rmdir(dir);
	free(kernel);
	free(dir);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(start_and_wait_returns_guest_status),
		T(start_and_wait_consumes_ctx),
		T(vmm_gets_the_configuration),
		T(vmm_error_is_returned_and_ctx_consumed),
		T(positive_vmm_return_is_an_error),
		T(status_is_eight_bits),
		T(start_enter_exits_with_guest_status),
		T(real_vmm_failure_returns_errno),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
