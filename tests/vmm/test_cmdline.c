/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel command line builder: order, quoting, overflow. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/vm.h"

#define PROLOG_RW "reboot=k panic=-1 panic_print=0 nomodule console=hvc0 root=/dev//dev/root rootfstype=virtiofs rw quiet no-kvmapf init=/init.krun"
#define PROLOG_RO "reboot=k panic=-1 panic_print=0 nomodule console=hvc0 root=/dev//dev/root rootfstype=virtiofs ro quiet no-kvmapf init=/init.krun"

static char buf[LAYOUT_CMDLINE_MAX];

static void cfg_init(struct ckrun_config *c)
{
	memset(c, 0, sizeof(*c));
	c->vcpus = 1;
	c->ram_mib = 128;
	c->implicit_vsock_disabled = true; /* no implicit network: see test_implicit_net */
}

static void test_default_prolog(void **state)
{
	(void)state;
	struct ckrun_config c;
	cfg_init(&c);
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, PROLOG_RW);
}

/* The implicit network's eth0 configuration, before the devices, when this build has it. */
static void test_implicit_net(void **state)
{
	(void)state;
	struct ckrun_config c;
	cfg_init(&c);
	uint64_t base = 0xd0000000;
	int irq = 5;
	assert_int_equal(cmdline_build(&c, &base, &irq, 1, buf, sizeof(buf)), 0);
	assert_null(strstr(buf, "CKRUN_NET="));
	c.implicit_vsock_disabled = false;
	assert_int_equal(cmdline_build(&c, &base, &irq, 1, buf, sizeof(buf)), 0);
	if (vm_implicit_net(&c))
		assert_string_equal(buf, PROLOG_RW " CKRUN_NET=10.0.2.15/24,10.0.2.2,10.0.2.3"
						   " virtio_mmio.device=4K@0xd0000000:5");
	else
		assert_string_equal(buf, PROLOG_RW " virtio_mmio.device=4K@0xd0000000:5");
}

static void test_read_only_root(void **state)
{
	(void)state;
	struct ckrun_config c;
	cfg_init(&c);
	strcpy(c.shares[0].tag, "data");
	c.shares[0].read_only = true; /* not the root: stays rw */
	strcpy(c.shares[1].tag, CKRUN_ROOT_TAG);
	c.shares[1].read_only = false;
	c.nr_shares = 2;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, PROLOG_RW);
	c.shares[1].read_only = true;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, PROLOG_RO);
}

static void test_full_order(void **state)
{
	(void)state;
	struct ckrun_config c;
	cfg_init(&c);
	char *argv[] = { "-c", "echo hi there", NULL };
	char *envp[] = { "HOME=/root", "A=b c", NULL };
	char *rl[] = { "6=4096:8192", "7=1024:2048", NULL };
	c.exec_path = "/bin/sh";
	c.workdir = "/work dir";
	c.argv = argv;
	c.envp = envp;
	c.rlimits = rl;
	uint64_t bases[] = { 0xd0000000, 0xd0001000 };
	int irqs[] = { 5, 6 };
	assert_int_equal(cmdline_build(&c, bases, irqs, 2, buf, sizeof(buf)), 0);
	assert_string_equal(buf, PROLOG_RW " KRUN_INIT=/bin/sh KRUN_WORKDIR=\"/work dir\""
				     " KRUN_RLIMITS=\"6=4096:8192,7=1024:2048\" \"HOME=/root\" \"A=b c\""
				     " virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6"
				     " -- \"-c\" \"echo hi there\"");
}

/* NET_FLAG_DHCP_CLIENT on a network device: KRUN_DHCP=1 for the guest init, as libkrun. */
static void test_dhcp_flag(void **state)
{
	(void)state;
	struct ckrun_config c;
	cfg_init(&c);
	char *envp[] = { "A=b", NULL };
	c.envp = envp;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	assert_null(strstr(buf, "KRUN_DHCP"));
	c.dhcp_client = true;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, PROLOG_RW " KRUN_DHCP=1 \"A=b\"");
}

static void test_override_prolog(void **state)
{
	(void)state;
	struct ckrun_config c;
	cfg_init(&c);
	c.kernel_cmdline = "console=ttyS0 reboot=k";
	char *argv[] = { "x", NULL };
	c.argv = argv;
	uint64_t base = 0xd0000000;
	int irq = 5;
	assert_int_equal(cmdline_build(&c, &base, &irq, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "console=ttyS0 reboot=k virtio_mmio.device=4K@0xd0000000:5 -- \"x\"");
	/* An empty override is an empty prolog, not the default. */
	c.kernel_cmdline = "";
	c.argv = NULL;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_empty_lists(void **state)
{
	(void)state;
	struct ckrun_config c;
	cfg_init(&c);
	char *none[] = { NULL };
	c.argv = none;
	c.envp = none;
	c.rlimits = none;
	c.workdir = "";
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, PROLOG_RW " KRUN_WORKDIR=\"\"");
}

static void test_unquotable(void **state)
{
	(void)state;
	struct ckrun_config c;
	char *bad_arg[] = { "a\"b", NULL };
	char *bad_env[] = { "A=\"x\"", NULL };
	char *no_eq[] = { "JUSTNAME", NULL };
	char *eq_first[] = { "=v", NULL };
	char *bad_rl[] = { "6=1 2", NULL };

	cfg_init(&c);
	c.argv = bad_arg;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -EINVAL);
	assert_string_equal(buf, "");
	cfg_init(&c);
	c.envp = bad_env;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -EINVAL);
	c.envp = no_eq;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -EINVAL);
	c.envp = eq_first;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -EINVAL);
	cfg_init(&c);
	c.exec_path = "/bin/\"sh";
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -EINVAL);
	cfg_init(&c);
	c.workdir = "\"";
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -EINVAL);
	cfg_init(&c);
	c.rlimits = bad_rl;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -EINVAL);
}

static void test_overflow(void **state)
{
	(void)state;
	struct ckrun_config c;
	cfg_init(&c);
	size_t plen = strlen(PROLOG_RW);
	/* Exactly fits (plen chars + NUL), then one byte short. */
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, plen + 1), 0);
	assert_string_equal(buf, PROLOG_RW);
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, plen), -E2BIG);
	assert_string_equal(buf, "");
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, 0), -EINVAL);

	/* 4096 arguments of 32 bytes: far beyond 64 KiB. */
	char **argv = calloc(4097, sizeof(char *));
	assert_non_null(argv);
	char arg[33];
	memset(arg, 'a', 32);
	arg[32] = '\0';
	for (int i = 0; i < 4096; i++)
		argv[i] = arg;
	c.argv = argv;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -E2BIG);
	assert_string_equal(buf, "");
	/* The kernel hands init at most 32 arguments (argv[0] among them) and
	 * cuts the line at 2048 bytes: refused rather than a guest panic. */
	argv[32] = NULL;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -E2BIG);
	argv[31] = NULL;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	assert_true(strlen(buf) == plen + 3 + 31 * 35);
	argv[31] = arg;
	argv[30] = NULL;
	char *env[32];
	for (int i = 0; i < 29; i++)
		env[i] = "K=v";
	env[29] = NULL;
	c.envp = env; /* 29 + HOME + TERM = 31 variables */
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	c.exec_path = "/bin/sh"; /* 32 */
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	c.workdir = "/"; /* 33 */
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -E2BIG);
	c.workdir = NULL;
	c.envp = NULL;
	c.exec_path = NULL;
	/* 2048 bytes. */
	char *longarg = malloc(2100);
	memset(longarg, 'l', 2099);
	longarg[2099] = '\0';
	char *one[] = { longarg, NULL };
	c.argv = one;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -E2BIG);
	free(longarg);
	free(argv);

	/* A long override alone. */
	char *big = malloc(LAYOUT_CMDLINE_MAX + 1);
	assert_non_null(big);
	memset(big, 'x', LAYOUT_CMDLINE_MAX);
	big[LAYOUT_CMDLINE_MAX] = '\0';
	cfg_init(&c);
	c.kernel_cmdline = big;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -E2BIG);
	big[LAYOUT_CMDLINE_MAX - 1] = '\0';
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	free(big);
}

static void root_share(struct ckrun_config *c, bool read_only)
{
	strcpy(c->shares[0].tag, CKRUN_ROOT_TAG);
	c->shares[0].read_only = read_only;
	c->nr_shares = 1;
}

/* With ckrun's init on the root share, the workload travels in the workload
 * file: nothing of it on the command line, so quotes, entries without '='
 * and thousands of entries are no error (issue 20). */
static void test_workload_file_channel(void **state)
{
	(void)state;
	struct ckrun_config c;
	char *argv[] = { "a\"b", "x y", NULL };
	char *envp[] = { "Q=\"", "NOEQ", "=v", NULL };
	char *rl[] = { "7:1:2", NULL };
	cfg_init(&c);
	root_share(&c, false);
	c.exec_path = "/bin/\"sh";
	c.workdir = "/\"";
	c.argv = argv;
	c.envp = envp;
	c.rlimits = rl;
	assert_int_equal(cmdline_workload_channel(&c), WORKLOAD_FILE);
	uint64_t base = 0xd0000000;
	int irq = 5;
	assert_int_equal(cmdline_build(&c, &base, &irq, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, PROLOG_RW " virtio_mmio.device=4K@0xd0000000:5");
	/* KRUN_DHCP is a boot setting, not the workload: still on the line. */
	c.dhcp_client = true;
	assert_int_equal(cmdline_build(&c, &base, &irq, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, PROLOG_RW " KRUN_DHCP=1 virtio_mmio.device=4K@0xd0000000:5");
	c.dhcp_client = false;

	char **many = calloc(4097, sizeof(char *));
	for (int i = 0; i < 4096; i++)
		many[i] = "V=x";
	c.argv = many;
	c.envp = many;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, PROLOG_RW);

	/* krun_disable_implicit_init: the client's init reads the command line. */
	c.no_implicit_init = true;
	assert_int_equal(cmdline_workload_channel(&c), WORKLOAD_ON_CMDLINE);
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -E2BIG);
	c.argv = argv;
	c.envp = NULL;
	c.exec_path = "/bin/sh";
	c.workdir = NULL;
	c.rlimits = NULL;
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), -EINVAL);
	argv[0] = "ab";
	assert_int_equal(cmdline_build(&c, NULL, NULL, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, PROLOG_RW " KRUN_INIT=/bin/sh -- \"ab\" \"x y\"");

	/* The client's own command line with ckrun's init served: the KRUN_*
	 * way too when it fits (another init may be named), else left off. */
	c.no_implicit_init = false;
	c.kernel_cmdline = "console=hvc0 init=/init.krun";
	assert_int_equal(cmdline_workload_channel(&c), WORKLOAD_FILE_AND_CMDLINE);
	assert_int_equal(cmdline_build(&c, &base, &irq, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "console=hvc0 init=/init.krun KRUN_INIT=/bin/sh"
				 " virtio_mmio.device=4K@0xd0000000:5 -- \"ab\" \"x y\"");
	c.argv = many;
	assert_int_equal(cmdline_build(&c, &base, &irq, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "console=hvc0 init=/init.krun virtio_mmio.device=4K@0xd0000000:5");
	free(many);

	/* No root share (a kernel with its own initramfs): the command line. */
	cfg_init(&c);
	c.exec_path = "/bin/sh";
	assert_int_equal(cmdline_workload_channel(&c), WORKLOAD_ON_CMDLINE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_prolog),
		cmocka_unit_test(test_implicit_net), cmocka_unit_test(test_read_only_root),
		cmocka_unit_test(test_full_order),     cmocka_unit_test(test_override_prolog),
		cmocka_unit_test(test_empty_lists),    cmocka_unit_test(test_unquotable),
		cmocka_unit_test(test_overflow),       cmocka_unit_test(test_workload_file_channel),
		cmocka_unit_test(test_dhcp_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
