/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ckrun_vm_run end to end with hand-made tiny guests on /dev/kvm (they need
 * no Linux, so they also run on a PVM host): the reset exit, the triple-fault
 * exit, the boot marker, the serial console, several vCPUs, the
 * no-sign-of-life watchdog, and setup failures - each leaving no fd, thread
 * or mapping behind.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/kvm.h>

/* The guest RAM sizes these tests use (32 MiB; 4160 MiB = 3328 MiB below the
 * hole + 832 MiB above). */
#define LEAKCHECK_MAP_SIZES (32ULL << 20), (3328ULL << 20), (832ULL << 20)
#include "leakcheck.h"
#include "tinyguest.h"
#include "vmm/layout.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"
#include "capture.h"

static struct tiny_files tf;

static int setup(void **state)
{
	(void)state;
	return tiny_files_make(&tf, "/tmp/ckrun-vmm-test-XXXXXX");
}

static int teardown(void **state)
{
	(void)state;
	tiny_files_remove(&tf);
	return 0;
}

static void cfg_for(struct ckrun_config *c, const char *kernel)
{
	memset(c, 0, sizeof(*c));
	c->vcpus = 1;
	c->ram_mib = 32;
	c->kernel_path = (char *)kernel;
	c->kernel_format = VM_KERNEL_FORMAT_ELF;
	c->console_output = tf.out_path;
}

static void test_reset_exit(void **state)
{
	(void)state;
	need_kvm();
	struct ckrun_config c;
	cfg_for(&c, tf.ok_elf);
	unlink(tf.out_path);
	struct snapshot before = snap();
	struct vm_result r;
	assert_int_equal(ckrun_vm_run_ex(&c, &r), 0);
	assert_same(before, snap());
	assert_int_equal(r.end, VM_END_RESET);
	/* No status reported: 0, libkrun's contract. */
	assert_int_equal(r.exit_code, 0);
	assert_true(r.marker_ns >= r.running_ns && r.marker_ns <= r.end_ns);
	assert_true(r.done_ns >= r.end_ns);
	char buf[64] = { 0 };
	FILE *f = fopen(tf.out_path, "r");
	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	assert_string_equal(buf, "OK\n");

	int code = -1;
	assert_int_equal(ckrun_vm_run(&c, &code), 0);
	assert_int_equal(code, 0);
}

static void test_smp_and_big_ram(void **state)
{
	(void)state;
	need_kvm();
	struct ckrun_config c;
	cfg_for(&c, tf.ok_elf);
	struct snapshot before = snap();
	struct vm_result r;
	c.vcpus = 4; /* the APs wait for INIT/SIPI until the BSP resets: they must be kicked */
	assert_int_equal(ckrun_vm_run_ex(&c, &r), 0);
	assert_int_equal(r.end, VM_END_RESET);
	c.vcpus = 1;
	c.ram_mib = 4096 + 64; /* across the MMIO hole (reserved, never touched) */
	assert_int_equal(ckrun_vm_run_ex(&c, &r), 0);
	assert_int_equal(r.end, VM_END_RESET);
	assert_same(before, snap());
}

/* Guest RAM's host mappings start on 2 MiB boundaries, like its guest
 * addresses (0 and 4 GiB), so KVM may map it with 2 MiB nested page table
 * entries; both halves of a RAM that spans the MMIO hole, and no leak. */
static void test_ram_host_alignment(void **state)
{
	(void)state;
	need_kvm();
	struct snapshot before = snap();
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	assert_true(kvm >= 0);
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	assert_true(vm >= 0);
	struct mem_plan p;
	assert_int_equal(mem_plan_compute(4096 + 64, NULL, 0, LAYOUT_PHYS_LIMIT, &p), 0);
	for (int round = 0; round < 4; round++) {
		/* A small mapping in between moves the next free host address. */
		void *nudge = mmap(NULL, 4096 * (size_t)(round + 1), PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(nudge != MAP_FAILED);
		struct vm_memory m;
		assert_int_equal(vm_memory_setup(vm, &p, &m), 0);
		assert_int_equal((uintptr_t)m.low % LAYOUT_RAM_HOST_ALIGN, 0);
		assert_non_null(m.high);
		assert_int_equal((uintptr_t)m.high % LAYOUT_RAM_HOST_ALIGN, 0);
		vm_memory_release(&m);
		munmap(nudge, 4096 * (size_t)(round + 1));
	}
	close(vm);
	close(kvm);
	assert_same(before, snap());
}

/* The RAM dump ckrun's stderr (err) names, as a path in dir. */
static void crash_dump_path(const char *err, const char *dir, char *path, size_t len)
{
	const char *w = strstr(err, "ckrun: guest RAM written to CKRUN_CRASH_DIR/");
	assert_non_null(w);
	char name[96];
	assert_int_equal(sscanf(w, "ckrun: guest RAM written to CKRUN_CRASH_DIR/%95s", name), 1);
	snprintf(path, len, "%s/%s", dir, name);
}

/* A triple fault on an unmapped IDT, and its RAM dump: in the test host the
 * dump stays in the test host's CKRUN_CRASH_DIR, where its /init walks the
 * guest's page tables (the harness check expects "idt-broken" for this
 * guest); elsewhere it goes to a scratch directory and is checked here. */
static void test_triple_fault_idt_unmapped(void **state)
{
	(void)state;
	need_kvm();
	struct ckrun_config c;
	cfg_for(&c, tf.idt_elf);
	unsetenv("CKRUN_TRACE");
	const char *host_dir = getenv("CKRUN_CRASH_DIR");
	if (!host_dir)
		setenv("CKRUN_CRASH_DIR", tf.dir, 1);
	char path[160], err[4096];
	snprintf(path, sizeof(path), "%s/stderr", tf.dir);
	struct snapshot before = snap();
	struct vm_result r;
	int rc = run_capture(&c, &r, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, 0);
	assert_int_equal(r.end, VM_END_SHUTDOWN);
	assert_non_null(strstr(err, "ckrun: guest RAM written to CKRUN_CRASH_DIR/ckrun-ram."));
	char dump[256];
	crash_dump_path(err, host_dir ? host_dir : tf.dir, dump, sizeof(dump));
	/* The boot page tables are in it: PML4 slot 0 present, slot 1 (the IDT's) not. */
	int fd = open(dump, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	uint64_t pml4[2];
	assert_int_equal(pread(fd, pml4, sizeof(pml4), (off_t)LAYOUT_PML4_ADDR), (ssize_t)sizeof(pml4));
	close(fd);
	assert_true(pml4[0] & 1);
	assert_int_equal(pml4[1], 0);
	if (!host_dir) {
		unlink(dump);
		unsetenv("CKRUN_CRASH_DIR");
	}
	assert_same(before, snap());
}

static void test_triple_fault(void **state)
{
	(void)state;
	need_kvm();
	struct ckrun_config c;
	cfg_for(&c, tf.fault_elf);
	unsetenv("CKRUN_TRACE");
	/* The test host's /init sets one; put it back at the end. */
	char *host_dir = getenv("CKRUN_CRASH_DIR") ? strdup(getenv("CKRUN_CRASH_DIR")) : NULL;
	unsetenv("CKRUN_CRASH_DIR");
	char path[160], err[4096];
	snprintf(path, sizeof(path), "%s/stderr", tf.dir);
	struct snapshot before = snap();
	struct vm_result r;
	assert_int_equal(run_capture(&c, &r, path, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(r.end, VM_END_SHUTDOWN);
	assert_int_equal(r.marker_ns, 0);
	/* Without CKRUN_TRACE too: the registers at the fault, so that a guest
	 * that dies before its console exists can be mapped to a symbol. */
	assert_non_null(strstr(err, "ckrun: vCPU 0: SHUTDOWN exit (triple fault): rip "));
	assert_non_null(strstr(err, "ckrun: vCPU 0: exits by KVM_EXIT_* number: "));
	/* The exit before the fault, with the guest's RIP there (the code runs
	 * at 1 MiB): on AMD the registers above are the reset state. */
	assert_non_null(strstr(err, "ckrun: vCPU 0: the last 2 exits, oldest first"));
	assert_non_null(strstr(err, " IO write port 0x80 len 1 rip 10000"));
	/* No CKRUN_CRASH_DIR: no dump. */
	assert_null(strstr(err, "guest RAM written"));
	assert_same(before, snap());

	/* With it: guest RAM in one sparse file, at file offset = guest-physical
	 * address (the code the tiny guest ran sits at 1 MiB), and only one
	 * such file. */
	setenv("CKRUN_CRASH_DIR", tf.dir, 1);
	int rc = run_capture(&c, &r, path, err, sizeof(err));
	unsetenv("CKRUN_CRASH_DIR");
	unlink(path);
	assert_int_equal(rc, 0);
	assert_int_equal(r.end, VM_END_SHUTDOWN);
	char dump[256];
	crash_dump_path(err, tf.dir, dump, sizeof(dump));
	int fd = open(dump, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 32LL << 20);
	assert_true(st.st_blocks * 512 < (1LL << 20)); /* zero pages are holes */
	uint8_t code[sizeof(tiny_fault_code)];
	assert_int_equal(pread(fd, code, sizeof(code), (off_t)TINY_LOAD_ADDR), (ssize_t)sizeof(code));
	assert_memory_equal(code, tiny_fault_code, sizeof(code));
	close(fd);
	unlink(dump);
	if (host_dir)
		setenv("CKRUN_CRASH_DIR", host_dir, 1);
	free(host_dir);
	assert_same(before, snap());
}

static void test_watchdog(void **state)
{
	(void)state;
	need_kvm();
	struct ckrun_config c;
	cfg_for(&c, tf.spin_elf);
	c.vcpus = 2;
	setenv("CKRUN_BOOT_TIMEOUT", "1", 1);
	unsetenv("CKRUN_TRACE");
	char path[160], err[4096];
	snprintf(path, sizeof(path), "%s/stderr", tf.dir);
	struct snapshot before = snap();
	struct vm_result r;
	assert_int_equal(run_capture(&c, &r, path, err, sizeof(err)), -ETIMEDOUT);
	unlink(path);
	unsetenv("CKRUN_BOOT_TIMEOUT");
	assert_same(before, snap());
	/* Each vCPU says where the lifeless guest sat, without CKRUN_TRACE. */
	assert_non_null(strstr(err, "ckrun: the guest showed no sign of life within 1 s"));
	assert_non_null(strstr(err, "ckrun: vCPU 0: stopped: no sign of life: rip "));
	assert_non_null(strstr(err, "ckrun: vCPU 1: stopped: no sign of life: rip "));
	assert_true(r.end_ns - r.running_ns >= 1000000000ULL);
	assert_true(r.end_ns - r.running_ns < 10000000000ULL);
}

static void test_setup_failures(void **state)
{
	(void)state;
	struct ckrun_config c;
	struct snapshot before = snap();
	int code = 12345;

	cfg_for(&c, "/nonexistent/vmlinuz");
	assert_int_equal(ckrun_vm_run(&c, &code), -ENOENT);
	cfg_for(&c, tf.bad_kernel);
	assert_int_equal(ckrun_vm_run(&c, &code), -ENOEXEC);
	c.kernel_format = VM_KERNEL_FORMAT_IMAGE_GZ; /* no gzip stream in it */
	assert_int_equal(ckrun_vm_run(&c, &code), -ENOEXEC);
	c.kernel_format = VM_KERNEL_FORMAT_PE_GZ;
	assert_int_equal(ckrun_vm_run(&c, &code), -ENOTSUP);
	cfg_for(&c, tf.ok_elf);
	c.vcpus = 0;
	assert_int_equal(ckrun_vm_run(&c, &code), -EINVAL);
	c.vcpus = 255;
	assert_int_equal(ckrun_vm_run(&c, &code), -EINVAL);
	cfg_for(&c, tf.ok_elf);
	c.ram_mib = 0;
	assert_int_equal(ckrun_vm_run(&c, &code), -EINVAL);
	assert_int_equal(code, 12345); /* untouched on failure */
	assert_int_equal(ckrun_vm_run(NULL, &code), -EINVAL);
	assert_same(before, snap());

	/* The ones below fail after the VM, its memory and vCPUs exist. */
	need_kvm();
	cfg_for(&c, tf.ok_elf);
	c.ram_mib = UINT32_MAX; /* 4 PiB: beyond the guest address space */
	assert_int_equal(ckrun_vm_run(&c, &code), -EINVAL);
	c.ram_mib = 1024 * 1024; /* 1 TiB: beyond the 39-bit guest address space */
	assert_int_equal(ckrun_vm_run(&c, &code), -EINVAL);
	cfg_for(&c, tf.ok_elf);
	c.vcpus = 4;
	c.initramfs_path = "/nonexistent/initramfs";
	assert_int_equal(ckrun_vm_run(&c, &code), -ENOENT);
	cfg_for(&c, tf.ok_elf);
	c.ram_mib = 1; /* the kernel at 1 MiB does not fit */
	assert_int_equal(ckrun_vm_run(&c, &code), -ENOMEM);
	cfg_for(&c, tf.ok_elf);
	char *argv[] = { "a\"b", NULL };
	c.argv = argv;
	assert_int_equal(ckrun_vm_run(&c, &code), -EINVAL);
	cfg_for(&c, tf.ok_elf);
	c.console_output = "/nonexistent/dir/console";
	assert_int_equal(ckrun_vm_run(&c, &code), -ENOENT);
	assert_int_equal(code, 12345);
	assert_same(before, snap());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_failures), cmocka_unit_test(test_reset_exit),
		cmocka_unit_test(test_smp_and_big_ram), cmocka_unit_test(test_triple_fault),
		cmocka_unit_test(test_watchdog), cmocka_unit_test(test_ram_host_alignment),
		cmocka_unit_test(test_triple_fault_idt_unmapped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
