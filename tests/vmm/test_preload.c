/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default kernel read ahead of time (src/vmm/default_kernel.c), in the
 * situation crun creates: the VM is built in a process whose root is a
 * directory without the kernel (chroot here, pivot_root in crun), whose
 * environment no longer names it, and whose fds >= 3 were all closed. The
 * kernel file itself is deleted first. A child that did not preload fails
 * with -ENOENT (so the check means something); one that did boots the tiny
 * guest. Own process: the preloaded copy is process-wide and permanent.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define LEAKCHECK_MAP_SIZES (32ULL << 20) /* the child's guest RAM */
#include "leakcheck.h"
#include "tinyguest.h"
#include "vmm/default_kernel.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

static char dir[64], root[96], kernel[128], console[128];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ckrun-preload-test-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", dir);
	snprintf(console, sizeof(console), "%s/console.out", root);
	if (mkdir(root, 0755) || tiny_write_elf(kernel, tiny_ok_code, sizeof(tiny_ok_code)))
		return -1;
	/* libkrunfw must not stand in for the preloaded kernel. */
	setenv("CKRUN_KRUNFW_PATH", "/nonexistent/libkrunfw.so.5", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char p[160];
	unlink(console);
	snprintf(p, sizeof(p), "%s/dev/kvm", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/dev", root);
	rmdir(p);
	rmdir(root);
	unlink(kernel);
	rmdir(dir);
	return 0;
}

/*
 * In a child: enter `root` as crun's container would (no kernel there, the
 * environment replaced, fds >= 3 closed) and run the default kernel.
 * The child's exit status: 0 the VM ran (the parent checks its console;
 * the tiny guest reports no exit status), 10 + -errno when it could not.
 */
static int run_in_container_like_child(void)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (chroot(root) || chdir("/"))
			_exit(2);
		close_range(3, ~0U, 0);
		clearenv();
		setenv("CKRUN_KRUNFW_PATH", "/nonexistent/libkrunfw.so.5", 1);
		struct ckrun_config c;
		memset(&c, 0, sizeof(c));
		c.vcpus = 1;
		c.ram_mib = 32;
		c.console_output = "/console.out";
		struct vm_result r;
		int ret = ckrun_vm_run_ex(&c, &r);
		_exit(ret == 0 ? 0 : 10 + (-ret & 0x3f));
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_preloaded_kernel_survives_chroot_and_closed_fds(void **state)
{
	(void)state;
	struct stat st;
	need_kvm();
	assert_int_equal(stat("/dev/kvm", &st), 0);
	char p[160];
	snprintf(p, sizeof(p), "%s/dev", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/dev/kvm", root);
	assert_int_equal(mknod(p, S_IFCHR | 0666, st.st_rdev), 0);

	/* Without a preload: the kernel is out of reach. */
	setenv("CKRUN_KERNEL", kernel, 1);
	assert_int_equal(run_in_container_like_child(), 10 + ENOENT);

	/* The preload reads the file and keeps no fd (nor starts a thread). */
	struct snapshot before = snap();
	assert_int_equal(default_kernel_preload(), 0);
	assert_same(before, snap());
	const uint8_t *data;
	size_t size;
	const char *path;
	assert_int_equal(default_kernel_get(&data, &size, &path), 0);
	assert_string_equal(path, kernel);
	default_kernel_put();
	/* A second call keeps the first copy. */
	assert_int_equal(default_kernel_preload(), 0);
	const uint8_t *data2;
	assert_int_equal(default_kernel_get(&data2, &size, &path), 0);
	assert_ptr_equal(data, data2);
	default_kernel_put();

	/* The file is gone; the child's root and environment do not name it. */
	assert_int_equal(unlink(kernel), 0);
	unlink(console);
	assert_int_equal(run_in_container_like_child(), 0);
	char buf[16] = { 0 };
	FILE *f = fopen(console, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf, "OK\n");
}

/* kernel_image_from_memory: borrowed, parsed like a file, never freed. */
static void test_from_memory(void **state)
{
	(void)state;
	struct kernel_image k;
	static const uint8_t junk[] = "not a kernel";
	assert_int_equal(kernel_image_from_memory(NULL, 10, VM_KERNEL_FORMAT_RAW, &k), -EINVAL);
	assert_int_equal(kernel_image_from_memory(junk, 0, VM_KERNEL_FORMAT_RAW, &k), -EINVAL);
	assert_int_equal(kernel_image_from_memory(junk, sizeof(junk), VM_KERNEL_FORMAT_RAW, &k), -ENOEXEC);
	assert_null(k.data);
}

/* The held copy is freed once discarded and no VM borrows it; a borrower's
 * bytes stay valid until its put; a new preload reads the file again. */
static void test_discard(void **state)
{
	(void)state;
	const uint8_t *data;
	size_t size;
	const char *path;
	default_kernel_discard(); /* whatever an earlier test left */
	assert_int_equal(default_kernel_get(&data, &size, &path), -ENOENT);

	setenv("CKRUN_KERNEL", kernel, 1);
	assert_int_equal(tiny_write_elf(kernel, tiny_ok_code, sizeof(tiny_ok_code)), 0);
	struct stat st;
	assert_int_equal(stat(kernel, &st), 0);
	assert_int_equal(default_kernel_preload(), 0);
	assert_int_equal(default_kernel_get(&data, &size, &path), 0);
	assert_int_equal(size, (size_t)st.st_size);
	uint8_t first[4];
	memcpy(first, data, sizeof(first));
	default_kernel_discard();           /* borrowed: kept for now */
	assert_memory_equal(data, first, sizeof(first));
	assert_string_equal(path, kernel);
	default_kernel_put();               /* last borrower: freed */
	assert_int_equal(default_kernel_get(&data, &size, &path), -ENOENT);

	assert_int_equal(default_kernel_preload(), 0);
	assert_int_equal(default_kernel_get(&data, &size, &path), 0);
	default_kernel_put();
	default_kernel_discard();           /* no borrower: freed at once */
	assert_int_equal(default_kernel_get(&data, &size, &path), -ENOENT);
	/* A preload after a discard cancels nothing it should not: a copy
	 * read after the discard stays. */
	assert_int_equal(default_kernel_preload(), 0);
	assert_int_equal(default_kernel_get(&data, &size, &path), 0);
	default_kernel_put();
	assert_int_equal(default_kernel_get(&data, &size, &path), 0);
	default_kernel_put();
	default_kernel_discard();
	unsetenv("CKRUN_KERNEL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_memory),
		cmocka_unit_test(test_discard),
		cmocka_unit_test(test_preloaded_kernel_survives_chroot_and_closed_fds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
