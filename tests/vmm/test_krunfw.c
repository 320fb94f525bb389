/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default-kernel lookup order: krun_set_kernel's path, then the installed
 * default ($CKRUN_KERNEL here), then libkrunfw.so.5 - here a fake one
 * (fake_krunfw.c, found through LD_LIBRARY_PATH) whose bundle is a tiny guest
 * run on /dev/kvm. With the argument "missing" (and CKRUN_KRUNFW_PATH pointing
 * nowhere) the case where all three are absent: -ENOENT with one message.
 */
#include <dirent.h>
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

#include "libkrun.h"
/* The guest RAM size used here (32 MiB). */
#define LEAKCHECK_MAP_SIZES (32ULL << 20)
#include "leakcheck.h"
#include "tinyguest.h"
#include "vmm/krunfw.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"
#include "capture.h"

static struct tiny_files tf;
static char err_path[128];

static int setup(void **state)
{
	(void)state;
	if (tiny_files_make(&tf, "/tmp/ckrun-krunfw-test-XXXXXX"))
		return -1;
	snprintf(err_path, sizeof(err_path), "%s/stderr", tf.dir);
	/* The installed default does not exist unless a test says otherwise. */
	setenv("CKRUN_KERNEL", "/nonexistent/ckrun/vmlinuz", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(err_path);
	tiny_files_remove(&tf);
	return 0;
}

static void cfg_default(struct ckrun_config *c)
{
	memset(c, 0, sizeof(*c));
	c->vcpus = 1;
	c->ram_mib = 32;
	c->kernel_path = NULL; /* the default kernel */
	c->console_output = tf.out_path;
}

/* No kernel path, no installed default: libkrunfw's bundle boots, entered at entry_addr. */
static void test_bundle_boots(void **state)
{
	(void)state;
	need_kvm();
	/* krun_create_ctx loads libkrunfw (before any VM exists), as in libkrun. */
	int32_t ctx = krun_create_ctx();
	assert_true(ctx >= 0);
	assert_int_equal(krun_free_ctx((uint32_t)ctx), 0);
	assert_string_equal(krunfw_error(), "");

	struct ckrun_config c;
	cfg_default(&c);
	unlink(tf.out_path);
	struct snapshot before = snap();
	struct vm_result r;
	assert_int_equal(ckrun_vm_run_ex(&c, &r), 0);
	assert_same(before, snap());
	assert_int_equal(r.end, VM_END_RESET);
	/* No status reported: 0, libkrun's contract. */
	assert_int_equal(r.exit_code, 0);
	assert_true(r.marker_ns >= r.running_ns && r.marker_ns <= r.end_ns);
	char buf[64];
	read_file(tf.out_path, buf, sizeof(buf));
	assert_string_equal(buf, "FW\n");
}

/* krun_set_kernel's path, then an existing default, come before libkrunfw. */
static void test_lookup_order(void **state)
{
	(void)state;
	need_kvm();
	struct ckrun_config c;
	char buf[64], err[512];
	struct vm_result r;

	cfg_default(&c);
	c.kernel_path = tf.ok_elf;
	c.kernel_format = VM_KERNEL_FORMAT_ELF;
	unlink(tf.out_path);
	assert_int_equal(ckrun_vm_run_ex(&c, &r), 0);
	read_file(tf.out_path, buf, sizeof(buf));
	assert_string_equal(buf, "OK\n");

	cfg_default(&c);
	setenv("CKRUN_KERNEL", tf.ok_elf, 1);
	unlink(tf.out_path);
	assert_int_equal(ckrun_vm_run_ex(&c, &r), 0);
	read_file(tf.out_path, buf, sizeof(buf));
	assert_string_equal(buf, "OK\n");

	/* An explicit path that does not exist is an error, not a fallback. */
	cfg_default(&c);
	c.kernel_path = "/nonexistent/explicit/vmlinuz";
	assert_int_equal(run_capture(&c, &r, err_path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/explicit/vmlinuz"));
	/* A default that exists but is broken is reported, not skipped. */
	cfg_default(&c);
	setenv("CKRUN_KERNEL", tf.bad_kernel, 1);
	assert_int_equal(run_capture(&c, &r, err_path, err, sizeof(err)), -ENOEXEC);
	setenv("CKRUN_KERNEL", "/nonexistent/ckrun/vmlinuz", 1);
}

/* Bundles that do not fit: before any copy, and leaving nothing behind. */
static void test_bad_bundles(void **state)
{
	(void)state;
	need_kvm();
	struct ckrun_config c;
	struct vm_result r;
	char err[512];
	cfg_default(&c);
	struct snapshot before = snap();

	setenv("FAKE_KRUNFW_MODE", "big", 1); /* 48 MiB at 2 MiB in 32 MiB of RAM */
	assert_int_equal(run_capture(&c, &r, err_path, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "does not fit"));
	setenv("FAKE_KRUNFW_MODE", "hole", 1); /* reaches into the MMIO hole */
	assert_int_equal(run_capture(&c, &r, err_path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, KRUNFW_SONAME));
	setenv("FAKE_KRUNFW_MODE", "null", 1); /* libkrunfw gives no kernel */
	assert_int_equal(run_capture(&c, &r, err_path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "gave no kernel"));
	unsetenv("FAKE_KRUNFW_MODE");

	assert_same(before, snap());
}

/* kernel_image_from_bundle's checks, without KVM. */
static void test_bundle_checks(void **state)
{
	(void)state;
	static const uint8_t code[64];
	struct kernel_image k;
	const uint64_t M = 1ULL << 20, hole = LAYOUT_MMIO_HOLE_START;

	assert_int_equal(kernel_image_from_bundle(NULL, 64, 2 * M, 2 * M, &k), -EINVAL);
	assert_int_equal(kernel_image_from_bundle(code, 0, 2 * M, 2 * M, &k), -EINVAL);
	assert_int_equal(kernel_image_from_bundle(code, 64, 0x9000, 0x9000, &k), -EINVAL); /* below 1 MiB */
	assert_int_equal(kernel_image_from_bundle(code, 64, hole, hole, &k), -EINVAL);
	assert_int_equal(kernel_image_from_bundle(code, 64, UINT64_MAX - 8, UINT64_MAX - 8, &k), -EINVAL);
	assert_int_equal(kernel_image_from_bundle(code, SIZE_MAX, 2 * M, 2 * M, &k), -EINVAL); /* wraps */
	assert_int_equal(kernel_image_from_bundle(code, 64, 2 * M, 2 * M + 64, &k), -EINVAL); /* entry past end */
	assert_int_equal(kernel_image_from_bundle(code, 64, 2 * M, 2 * M - 1, &k), -EINVAL);  /* entry before */
	assert_int_equal(kernel_image_from_bundle(code, 64, hole - 64, hole - 1, &k), 0);      /* last fit */
	kernel_image_free(&k);

	assert_int_equal(kernel_image_from_bundle(code, 64, 2 * M, 2 * M + 8, &k), 0);
	assert_int_equal(k.kind, KERNEL_BUNDLE);
	assert_true(k.borrowed);
	assert_int_equal(k.entry, 2 * M + 8);
	assert_int_equal(k.end, 2 * M + 64);
	kernel_image_free(&k); /* borrowed: not freed (ASan would catch a free of static data) */
	assert_null(k.data);
}

/* "missing": CKRUN_KRUNFW_PATH names no library, the default does not exist. */
static void test_missing_everything(void **state)
{
	(void)state;
	/* The library's absence is no error for krun_create_ctx. */
	int32_t ctx = krun_create_ctx();
	assert_true(ctx >= 0);
	assert_int_equal(krun_free_ctx((uint32_t)ctx), 0);
	struct krunfw_bundle b;
	assert_int_equal(krunfw_get_bundle(&b), -ENOENT);
	assert_null(b.data);
	assert_true(krunfw_error()[0] != '\0');

	struct ckrun_config c;
	struct vm_result r;
	char err[512];
	cfg_default(&c);
	struct snapshot before = snap();
	assert_int_equal(run_capture(&c, &r, err_path, err, sizeof(err)), -ENOENT);
	assert_same(before, snap());
	/* One line naming all three places. */
	assert_non_null(strstr(err, "krun_set_kernel"));
	assert_non_null(strstr(err, "/nonexistent/ckrun/vmlinuz"));
	assert_non_null(strstr(err, KRUNFW_SONAME));
	char *nl = strchr(err, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "missing") == 0) {
		const struct CMUnitTest tests[] = { cmocka_unit_test(test_missing_everything) };
		return cmocka_run_group_tests(tests, setup, teardown);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_checks),
		cmocka_unit_test(test_bundle_boots),
		cmocka_unit_test(test_lookup_order),
		cmocka_unit_test(test_bad_bundles),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
