/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ckrun_vm_run_ex: from the configuration record to a finished VM, in four
 * steps, each below in this order:
 *
 *   plan     check the record, choose and read the kernel (a bad path or
 *            image costs nothing else)
 *   build    KVM VM -> guest memory -> console output and serial -> vCPUs ->
 *            kernel + initramfs in guest RAM -> workload file -> devices
 *            (device_list.c) ->
 *            command line + zero page
 *   run      start the vCPUs and wait for the end; the calling thread runs
 *            the no-sign-of-life watchdog meanwhile
 *   collect  the exit status and the figures of struct vm_result
 *
 * One owner per resource: the plan owns the kernel image and the reference
 * on the default kernel's held copy, released once (plan_release) right
 * after build, when the kernel is in guest RAM or the build failed; the
 * struct vm owns everything else (fds, memory, vCPU and device threads),
 * released by vm_destroy (vm.c) whatever was built.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/workload.h"
#include "vmm/default_kernel.h"
#include "vmm/krunfw.h"
#include "vmm/privs.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

#define DEFAULT_BOOT_TIMEOUT_S 30.0
#define MAX_VCPUS 254                /* APIC ids 0..253, see mptable.c */

/* ckrun_set_boot_timeout() first, then CKRUN_BOOT_TIMEOUT (seconds), then 30 s. */
static double boot_timeout_s(const struct ckrun_config *cfg)
{
	if (cfg->boot_timeout_s)
		return cfg->boot_timeout_s;
	const char *e = getenv("CKRUN_BOOT_TIMEOUT");
	if (e && *e) {
		char *end;
		double v = strtod(e, &end);
		if (*end == '\0' && v > 0)
			return v;
	}
	return DEFAULT_BOOT_TIMEOUT_S;
}

static uint64_t process_rss(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "re");
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * The installed default ($CKRUN_KERNEL or CKRUN_DATADIR/vmlinuz, see
 * default_kernel.h): the copy read ahead of time when it came from that same
 * path, else the file now; when the file does not exist (e.g. after crun's
 * pivot_root into a container), the copy read ahead of time whatever its
 * path. -ENOENT when there is neither. *held: a reference on the held copy
 * was taken (also on failure; the plan's owner puts it, plan_release).
 */
static int open_default_kernel(struct kernel_image *k, const char **used, bool *held)
{
	const char *kpath = default_kernel_path(), *hpath;
	const uint8_t *data;
	size_t size;
	bool have = default_kernel_get(&data, &size, &hpath) == 0;
	int err;

	*used = kpath;
	*held = have;
	if (have && strcmp(hpath, kpath) == 0)
		return kernel_image_from_memory(data, size, VM_KERNEL_FORMAT_RAW, k);
	err = kernel_image_open(kpath, VM_KERNEL_FORMAT_RAW, k); /* detect bzImage or ELF */
	if (err != -ENOENT || !have)
		return err;
	*used = hpath;
	return kernel_image_from_memory(data, size, VM_KERNEL_FORMAT_RAW, k);
}

/* Why a kernel file cannot be booted, in words (buf: room for the text). */
static const char *kernel_error(uint32_t format, int err, char *buf, size_t len)
{
	bool compressed = format == VM_KERNEL_FORMAT_IMAGE_GZ || format == VM_KERNEL_FORMAT_IMAGE_BZ2 ||
			  format == VM_KERNEL_FORMAT_IMAGE_ZSTD;
	const char *what = format == VM_KERNEL_FORMAT_IMAGE_GZ    ? "gzip"
			   : format == VM_KERNEL_FORMAT_IMAGE_BZ2 ? "bzip2"
								  : "zstd";
	if (!compressed)
		return strerror(-err);
	switch (err) {
	case -ENOEXEC:
		snprintf(buf, len, "no %s stream in it decompresses to a bootable x86_64 ELF kernel", what);
		return buf;
	case -EBADMSG:
		snprintf(buf, len, "its %s stream is corrupt or truncated", what);
		return buf;
	case -EFBIG:
		snprintf(buf, len, "its %s stream decompresses to more than 512 MiB", what);
		return buf;
	default:
		return strerror(-err);
	}
}

/*
 * krun_set_kernel's path; else the installed default (open_default_kernel);
 * else, only when there is none, libkrunfw's bundle (libkrun's own default).
 */
static int choose_kernel(const struct ckrun_config *cfg, struct kernel_image *k, bool *held)
{
	int err;
	if (cfg->kernel_path) {
		char why[128];
		if ((err = kernel_image_open(cfg->kernel_path, cfg->kernel_format, k)))
			fprintf(stderr, "ckrun: cannot boot kernel %s: %s\n", cfg->kernel_path,
				kernel_error(cfg->kernel_format, err, why, sizeof(why)));
		return err;
	}
	const char *kpath;
	err = open_default_kernel(k, &kpath, held);
	if (err != -ENOENT) {
		if (err)
			fprintf(stderr, "ckrun: cannot boot kernel %s: %s\n", kpath, strerror(-err));
		return err;
	}
	struct krunfw_bundle b;
	if ((err = krunfw_get_bundle(&b))) {
		const char *why = krunfw_error();
		fprintf(stderr, "ckrun: no kernel: none set with krun_set_kernel, %s does not exist, %s %s\n", kpath,
			KRUNFW_SONAME, *why ? why : "gave no kernel");
		return -ENOENT;
	}
	if ((err = kernel_image_from_bundle(b.data, b.size, b.load_addr, b.entry, k)))
		fprintf(stderr,
			"ckrun: %s's kernel (%zu bytes at 0x%llx, entry 0x%llx) does not fit below the MMIO hole\n",
			KRUNFW_SONAME, b.size, (unsigned long long)b.load_addr, (unsigned long long)b.entry);
	return err;
}

/* ---- plan ---- */

struct vm_plan {
	struct kernel_image kernel;
	bool kernel_held; /* a reference on the default kernel's held copy */
	double timeout_s; /* the no-sign-of-life watchdog */
};

static int plan(const struct ckrun_config *cfg, struct vm_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (!cfg || cfg->vcpus < 1 || cfg->vcpus > MAX_VCPUS || cfg->ram_mib == 0 || cfg->nr_shares < 0 ||
	    cfg->nr_shares > CKRUN_MAX_SHARES)
		return -EINVAL;
	p->timeout_s = boot_timeout_s(cfg);
	return choose_kernel(cfg, &p->kernel, &p->kernel_held);
}

/* The only release of the kernel image and of the default kernel's copy. */
static void plan_release(struct vm_plan *p)
{
	kernel_image_free(&p->kernel);
	if (p->kernel_held)
		default_kernel_put();
	p->kernel_held = false;
}

/* ---- build ---- */

static int build_memory(struct vm *vm, const struct ckrun_config *cfg)
{
	uint64_t shm_sizes[CKRUN_MAX_SHARES]; /* one DAX window per share */
	for (int i = 0; i < cfg->nr_shares; i++)
		shm_sizes[i] = cfg->shares[i].shm_size;
	struct mem_plan mp;
	int err;
	if ((err = kvm_open_vm(&vm->kvm_fd, &vm->vm_fd, &vm->run_size))) {
		fprintf(stderr, "ckrun: cannot create a KVM VM: %s\n", strerror(-err));
		return err;
	}
	if ((err = kvm_supported_cpuid(vm->kvm_fd, &vm->cpuid)))
		return err;
	if ((err = kvm_cpuid_nested(vm->cpuid, cfg->nested_virt))) {
		fprintf(stderr, "ckrun: nested virtualization was asked for, but KVM offers no VMX/SVM\n");
		return err;
	}
	if ((err = mem_plan_compute(cfg->ram_mib, shm_sizes, cfg->nr_shares, kvm_phys_limit(vm->cpuid), &mp))) {
		fprintf(stderr, "ckrun: %u MiB of RAM (plus DAX windows) does not fit the guest address space\n",
			cfg->ram_mib);
		return err;
	}
	return vm_memory_setup(vm->vm_fd, &mp, &vm->mem);
}

/* Console output (a file, or stdout) and the serial port writing to it. */
static int build_console(struct vm *vm, const struct ckrun_config *cfg)
{
	if (cfg->console_output) {
		vm->out_fd = vmm_file_create(cfg->console_output);
		if (vm->out_fd < 0) {
			int err = vm->out_fd;
			fprintf(stderr, "ckrun: cannot open the console output %s: %s\n", cfg->console_output,
				strerror(-err));
			return err;
		}
		vm->own_out_fd = true;
	} else {
		vm->out_fd = STDOUT_FILENO;
	}
	serial_init(&vm->serial, vm->out_fd, vm->vm_fd, LAYOUT_COM1_IRQ, &vm->activity);
	vm->serial_ready = true;
	return 0;
}

static int build_vcpus(struct vm *vm, const struct ckrun_config *cfg, uint64_t entry)
{
	int err;
	for (int i = 0; i < cfg->vcpus; i++) {
		vm->nr_vcpus = i + 1; /* vm_destroy releases a partly set-up vCPU too */
		if ((err = vcpu_create(vm, &vm->vcpus[i], i, vm->cpuid)))
			return err;
	}
	return vcpu_set_entry(&vm->vcpus[0], entry);
}

struct initrd {
	uint64_t gpa, size; /* size 0: none */
};

/* The kernel and the initramfs in guest RAM. */
static int build_load(struct vm *vm, const struct ckrun_config *cfg, const struct kernel_image *k,
		      struct initrd *rd)
{
	const struct mem_plan *mp = &vm->mem.plan;
	int err;
	if ((err = kernel_image_load(k, &vm->mem.gm, mp->low_size))) {
		fprintf(stderr, "ckrun: the kernel does not fit in %u MiB of RAM\n", cfg->ram_mib);
		return err;
	}
	if (cfg->initramfs_path &&
	    (err = boot_load_initrd(cfg->initramfs_path, k, &vm->mem.gm, mp->low_size, &rd->gpa, &rd->size))) {
		fprintf(stderr, "ckrun: cannot load initramfs %s: %s\n", cfg->initramfs_path, strerror(-err));
		return err;
	}
	return 0;
}

/* The command line (naming every device on the bus) and the zero page. */
static int build_boot_data(struct vm *vm, const struct ckrun_config *cfg, const struct kernel_image *k,
			   const struct initrd *rd)
{
	uint64_t bases[LAYOUT_VIRTIO_MAX_DEVS];
	int irqs[LAYOUT_VIRTIO_MAX_DEVS];
	for (int i = 0; i < vm->nr_devs; i++) {
		bases[i] = vm->devs[i].base;
		irqs[i] = vm->devs[i].irq;
	}
	char *cmdline = malloc(LAYOUT_CMDLINE_MAX);
	if (!cmdline)
		return -ENOMEM;
	int err = cmdline_build(cfg, bases, irqs, vm->nr_devs, cmdline, LAYOUT_CMDLINE_MAX);
	if (!err)
		err = boot_setup_memory(k, &vm->mem.plan, &vm->mem.gm, cmdline, rd->gpa, rd->size, cfg->vcpus);
	free(cmdline);
	if (err)
		fprintf(stderr, "ckrun: cannot set up the kernel command line / boot data: %s\n", strerror(-err));
	return err;
}

/* The workload file for ckrun's init (vm->workload, served by the root
 * share), unless the workload travels on the command line. */
static int build_workload(struct vm *vm, const struct ckrun_config *cfg)
{
	if (cmdline_workload_channel(cfg) == WORKLOAD_ON_CMDLINE)
		return 0;
	char *exec[] = { cfg->exec_path, NULL }, *workdir[] = { cfg->workdir, NULL };
	char *const *const lists[WL_NR_LISTS] = {
		[WL_EXEC] = exec, [WL_WORKDIR] = workdir, [WL_ARGV] = cfg->argv,
		[WL_ENV] = cfg->envp, [WL_RLIMITS] = cfg->rlimits,
	};
	int err = workload_encode(lists, &vm->workload, &vm->workload_len);
	if (err == -E2BIG)
		fprintf(stderr, "ckrun: the workload (program, arguments, environment) is larger than %u bytes\n",
			WORKLOAD_MAX_BYTES);
	return err;
}

/* *out is set as soon as the VM exists: the caller destroys it, built or not. */
static int build(const struct ckrun_config *cfg, const struct vm_plan *p, struct vm **out)
{
	struct vm *vm = *out = vm_new();
	if (!vm)
		return -ENOMEM;
	if (kvm_host_is_pvm())
		fprintf(stderr,
			"ckrun: this host's /dev/kvm is PVM (kvm_pvm), which cannot run a standard Linux guest; "
			"the guest will likely hang and be stopped after %.0f s (CKRUN_BOOT_TIMEOUT)\n",
			p->timeout_s);
	struct initrd rd = { 0, 0 };
	int err;
	/* What the vCPU threads reduce themselves to; the device workers they
	 * start inherit it, the implicit network's stack among them. */
	vm->privs_keep = privs_keep_for(cfg);
	vm->privs_seccomp = privs_seccomp_wanted();
	vm->privs_seccomp_net = vm_implicit_net(cfg);
	if ((err = build_memory(vm, cfg)) || (err = build_console(vm, cfg)) ||
	    (err = build_vcpus(vm, cfg, p->kernel.entry)) || (err = build_load(vm, cfg, &p->kernel, &rd)) ||
	    (err = build_workload(vm, cfg)) || (err = vm_add_devices(vm, cfg)))
		return err;
	return build_boot_data(vm, cfg, &p->kernel, &rd);
}

/* ---- run ---- */

static int run(struct vm *vm, const struct vm_plan *p, struct vm_result *res)
{
	int err;
	res->running_ns = vm_now_ns();
	for (int i = 0; i < vm->nr_vcpus; i++)
		if ((err = vcpu_start(&vm->vcpus[i])))
			return err;
	err = vm_wait_end(vm, p->timeout_s);
	res->end_ns = vm_now_ns();
	return err;
}

/* ---- collect ---- */

/* run's outcome -> the run's result; res->end_ns != 0: the guest ran and ended. */
static int collect(struct vm *vm, const struct ckrun_config *cfg, const struct vm_plan *p, int err,
		   struct vm_result *res)
{
	res->marker_ns = atomic_load(&vm->marker_ns);
	if (!res->end_ns)
		return err;
	if (err == -ETIMEDOUT) {
		fprintf(stderr,
			"ckrun: the guest showed no sign of life within %.0f s (no exit to the VMM, no console "
			"output)%s; stopped\n",
			p->timeout_s, kvm_host_is_pvm() ? " - expected on a PVM host" : "");
	} else if (vm->end == VM_END_ERROR) {
		err = vm->end_error ? vm->end_error : -EIO;
	} else if (atomic_load(&vm->guest_exit_code_set)) {
		res->exit_code = atomic_load(&vm->guest_exit_code);
	} else if (!cfg->initramfs_path) {
		/* libkrun's contract: no reported status means 0. The init always
		 * reports before it powers off, so say that the guest died. */
		/* How it ended tells a guest panic (reboot=k: a reset through the
		 * keyboard controller) from a triple fault (KVM_EXIT_SHUTDOWN). */
		fprintf(stderr, "ckrun: the guest ended without its init reporting an exit status (%s); exit "
				"status 0, as in libkrun\n",
			vm->end == VM_END_RESET ? "it reset through the keyboard controller: a guest kernel panic?"
						: "a triple fault or shutdown exit");
	}
	res->end = vm->end;
	res->guest_rss_bytes = vm_memory_resident(&vm->mem);
	res->rss_bytes = process_rss();
	return err;
}

int ckrun_vm_run_ex(const struct ckrun_config *cfg, struct vm_result *res)
{
	memset(res, 0, sizeof(*res));
	res->start_ns = vm_now_ns();

	struct vm_plan p;
	struct vm *vm = NULL;
	int err = plan(cfg, &p);
	if (!err)
		err = build(cfg, &p, &vm);
	plan_release(&p);
	/* The kernel is in guest RAM; when the process ends with this VM
	 * (krun_start_enter), the copy read ahead of time is dead weight. */
	if (!err && cfg->process_ends_with_vm)
		default_kernel_discard();
	if (!err)
		err = run(vm, &p, res);
	if (vm) {
		err = collect(vm, cfg, &p, err, res);
		vm_destroy(vm);
	}
	res->done_ns = vm_now_ns();
	return err;
}

int ckrun_vm_run(const struct ckrun_config *cfg, int *exit_code)
{
	struct vm_result res;
	int r = ckrun_vm_run_ex(cfg, &res);
	if (r == 0 && exit_code)
		*exit_code = res.exit_code;
	return r;
}
