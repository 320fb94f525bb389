/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VMM sides of libkrun's behaviours (issue 20): VMX/SVM reach the guest's
 * CPUID only with nested virtualization, and the console output file is
 * truncated when the VM starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/vm.h"

static struct kvm_cpuid2 *cpuid_with(uint32_t leaf1_ecx, uint32_t ext1_ecx)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 3 * sizeof(struct kvm_cpuid_entry2));
	assert_non_null(c);
	c->nent = 3;
	c->entries[0].function = 0;
	c->entries[0].ecx = 0xffffffff; /* not a leaf that carries VMX/SVM */
	c->entries[1].function = 1;
	c->entries[1].ecx = leaf1_ecx;
	c->entries[2].function = 0x80000001;
	c->entries[2].ecx = ext1_ecx;
	return c;
}

static void test_cpuid_nested(void **state)
{
	(void)state;
	/* AMD host with nested=1: SVM (0x80000001 ECX bit 2) offered by KVM. */
	struct kvm_cpuid2 *c = cpuid_with(0x80000001u, 0x7u);
	assert_int_equal(kvm_cpuid_nested(c, false), 0);
	assert_int_equal(c->entries[2].ecx, 0x3u); /* hidden without nested */
	assert_int_equal(c->entries[1].ecx, 0x80000001u);
	assert_int_equal(c->entries[0].ecx, 0xffffffffu);
	free(c);
	c = cpuid_with(0x80000001u, 0x7u);
	assert_int_equal(kvm_cpuid_nested(c, true), 0);
	assert_int_equal(c->entries[2].ecx, 0x7u); /* kept */
	free(c);
	/* Intel: VMX is leaf 1 ECX bit 5. */
	c = cpuid_with(0x20u | 0x1u, 0);
	assert_int_equal(kvm_cpuid_nested(c, false), 0);
	assert_int_equal(c->entries[1].ecx, 0x1u);
	free(c);
	c = cpuid_with(0x20u, 0);
	assert_int_equal(kvm_cpuid_nested(c, true), 0);
	assert_int_equal(c->entries[1].ecx, 0x20u);
	free(c);
	/* Asked for, but KVM offers neither (nested=0): refused. */
	c = cpuid_with(0x1u, 0x3u);
	assert_int_equal(kvm_cpuid_nested(c, true), -ENOTSUP);
	free(c);
}

static void test_console_output_truncated(void **state)
{
	(void)state;
	char path[] = "/tmp/ckrun-console-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "old output of an earlier VM\n", 28), 28);
	close(fd);
	fd = vmm_file_create(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "new\n", 4), 4);
	close(fd);
	char buf[64];
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "new\n", 4);
	close(fd);
	unlink(path);
	/* Created when missing; errors as -errno. */
	fd = vmm_file_create(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(vmm_file_create("/nonexistent-dir/x"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuid_nested),
		cmocka_unit_test(test_console_output_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
