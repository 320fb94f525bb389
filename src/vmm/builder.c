/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From the configuration record to a running VM and back:
 *   kernel file -> KVM VM -> guest memory -> vCPUs -> kernel + initramfs ->
 *   devices (virtio-console, then one virtio-fs per share, in call order) ->
 *   command line + zero page -> vCPU threads -> wait for the end -> release.
 * The calling thread waits (and runs the no-sign-of-life watchdog); vCPUs and
 * devices have their own threads, all owned by struct vm and stopped and
 * joined by vm_destroy, which is also the unwind path of every setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm/default_kernel.h"
#include "vmm/features.h"
#include "vmm/krunfw.h"
#include "vmm/privs.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

#if CKRUN_HAVE_DEVICES
#include "fs/augment.h"
#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "init/init_blob.h"
#include "init/workload.h"
#include "virtio/console.h"
#include "virtio/fs.h"
#endif

#define DEFAULT_BOOT_TIMEOUT_S 30.0
#define WATCHDOG_POLL_NS 50000000ULL /* 50 ms */
#define MAX_VCPUS 254                /* APIC ids 0..253, see mptable.c */

uint64_t vm_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void vm_request_end(struct vm *vm, enum vm_end why, int err)
{
	pthread_mutex_lock(&vm->lock);
	if (vm->end == VM_END_NONE) {
		vm->end = why;
		vm->end_error = err;
	}
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

#if CKRUN_HAVE_DEVICES
static void on_exit_code(void *opaque, int32_t code)
{
	struct vm *vm = opaque;
	atomic_store(&vm->guest_exit_code, code);
	atomic_store(&vm->guest_exit_code_set, true);
}
#endif

static struct vm *vm_alloc(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	vm->kvm_fd = vm->vm_fd = vm->out_fd = -1;
	for (size_t i = 0; i < sizeof(vm->vcpus) / sizeof(vm->vcpus[0]); i++)
		vm->vcpus[i].fd = -1;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&vm->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&vm->lock, NULL);
	i8042_init(&vm->kbd);
	return vm;
}

/* Stop and release everything, in the reverse order of creation. */
static void vm_destroy(struct vm *vm)
{
	atomic_store(&vm->stopping, true);
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]); /* joins */
	vm_free_devices(vm);                 /* device threads stop before RAM goes */
	if (vm->serial_ready)
		serial_destroy(&vm->serial);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm_memory_release(&vm->mem);
	if (vm->own_out_fd && vm->out_fd >= 0)
		close(vm->out_fd);
	i8042_destroy(&vm->kbd);
	pthread_mutex_destroy(&vm->lock);
	pthread_cond_destroy(&vm->cond);
	free(vm);
}

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

/* wl: the workload file's bytes (NULL: none served); outlives the devices. */
static int add_devices(struct vm *vm, const struct ckrun_config *cfg, const uint8_t *wl, size_t wl_len)
{
#if CKRUN_HAVE_DEVICES
	int err;
	struct virtio_mmio_dev *dev;
	bool ttys = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
	struct virtio_console_config cc = {
		.in_fd = cfg->console_output ? -1 : STDIN_FILENO,
		.out_fd = vm->out_fd,
		.err_fd = cfg->console_output ? -1 : STDERR_FILENO,
		.named_ports = !cfg->console_output && !ttys,
	};
	if ((err = virtio_console_new(&cc, &vm->mem.gm, &dev)) || (err = vm_add_virtio(vm, dev)))
		return err;

	for (int i = 0; i < cfg->nr_shares; i++) {
		const struct ckrun_share *sh = &cfg->shares[i];
		struct fs_passthrough_opts po = { .root = sh->path, .xattr = true };
		struct fs_backend be;
		if ((err = fs_passthrough_new(&po, &be)))
			return err;
		if (sh->read_only && (err = fs_readonly_new(be, &be)))
			return err;
		if (strcmp(sh->tag, CKRUN_ROOT_TAG) == 0 && !cfg->no_implicit_init) {
			/* The boot root serves the embedded guest init (init=/init.krun)
			 * and its workload file, also on a read-only root: virtual files
			 * are read-only anyway. */
			struct fs_virtual_file files[] = {
				{ CKRUN_INIT_NAME, ckrun_init_blob, ckrun_init_blob_size, CKRUN_INIT_MODE },
				{ WORKLOAD_NAME, wl, wl_len, WORKLOAD_MODE },
			};
			if ((err = fs_augment_new(be, files, wl ? 2 : 1, &be)))
				return err;
		}
		struct virtio_fs_config fc = {
			.tag = sh->tag,
			.backend = be,
			.dax_host = vm->mem.shm_host[i],
			.dax_gpa = vm->mem.plan.shm[i].gpa,
			.dax_size = vm->mem.plan.shm[i].size,
			.exit_code = on_exit_code,
			.opaque = vm,
		};
		if ((err = virtio_fs_new(&fc, &vm->mem.gm, &dev)) || (err = vm_add_virtio(vm, dev)))
			return err;
	}
	return 0;
#else
	/* Built without the virtio layer: only a guest that needs no device runs. */
	if (cfg->nr_shares > 0) {
		fprintf(stderr, "ckrun: this build has no virtio-fs device\n");
		return -ENOSYS;
	}
	(void)vm;
	(void)wl;
	(void)wl_len;
	return 0;
#endif
}

/* The workload file for ckrun's init, unless it reads the command line. */
static int make_workload(const struct ckrun_config *cfg, uint8_t **wl, size_t *len)
{
	*wl = NULL;
	*len = 0;
	if (cmdline_workload_channel(cfg) == WORKLOAD_ON_CMDLINE)
		return 0;
	char *exec[] = { cfg->exec_path, NULL }, *workdir[] = { cfg->workdir, NULL };
	char *const *const lists[WL_NR_LISTS] = {
		[WL_EXEC] = exec, [WL_WORKDIR] = workdir, [WL_ARGV] = cfg->argv,
		[WL_ENV] = cfg->envp, [WL_RLIMITS] = cfg->rlimits,
	};
	int err = workload_encode(lists, wl, len);
	if (err == -E2BIG)
		fprintf(stderr, "ckrun: the workload (program, arguments, environment) is larger than %u bytes\n",
			WORKLOAD_MAX_BYTES);
	return err;
}

/* Wait for the guest to end; the watchdog stops a guest that never shows life. */
static int wait_for_end(struct vm *vm, double timeout_s)
{
	uint64_t deadline = vm_now_ns() + (uint64_t)(timeout_s * 1e9);
	bool alive = false;
	int r = 0;
	pthread_mutex_lock(&vm->lock);
	while (vm->end == VM_END_NONE) {
		if (!alive && atomic_load(&vm->activity))
			alive = true;
		if (alive) {
			pthread_cond_wait(&vm->cond, &vm->lock);
			continue;
		}
		uint64_t now = vm_now_ns();
		if (now >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		uint64_t until = now + WATCHDOG_POLL_NS < deadline ? now + WATCHDOG_POLL_NS : deadline;
		struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ULL),
				       .tv_nsec = (long)(until % 1000000000ULL) };
		pthread_cond_timedwait(&vm->cond, &vm->lock, &ts);
	}
	pthread_mutex_unlock(&vm->lock);
	return r;
}

/*
 * The installed default ($CKRUN_KERNEL or CKRUN_DATADIR/vmlinuz, see
 * default_kernel.h): the copy read ahead of time when it came from that same
 * path, else the file now; when the file does not exist (e.g. after crun's
 * pivot_root into a container), the copy read ahead of time whatever its
 * path. -ENOENT when there is neither. *borrowed: the held copy is in use
 * (default_kernel_put once the image is in guest RAM; *used points into it
 * until then).
 */
static int open_default_kernel(struct kernel_image *k, const char **used, bool *borrowed)
{
	const char *kpath = default_kernel_path(), *hpath;
	const uint8_t *data;
	size_t size;
	bool have = default_kernel_get(&data, &size, &hpath) == 0;
	int err;

	*used = kpath;
	*borrowed = have;
	if (have && strcmp(hpath, kpath) == 0)
		return kernel_image_from_memory(data, size, VM_KERNEL_FORMAT_RAW, k);
	err = kernel_image_open(kpath, VM_KERNEL_FORMAT_RAW, k); /* detect bzImage or ELF */
	if (err != -ENOENT || !have) {
		if (have)
			default_kernel_put();
		*borrowed = false;
		return err;
	}
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
static int choose_kernel(const struct ckrun_config *cfg, struct kernel_image *k, bool *borrowed)
{
	int err;
	*borrowed = false;
	if (cfg->kernel_path) {
		char why[128];
		if ((err = kernel_image_open(cfg->kernel_path, cfg->kernel_format, k)))
			fprintf(stderr, "ckrun: cannot boot kernel %s: %s\n", cfg->kernel_path,
				kernel_error(cfg->kernel_format, err, why, sizeof(why)));
		return err;
	}
	const char *kpath;
	err = open_default_kernel(k, &kpath, borrowed);
	if (err != -ENOENT) {
		if (err) {
			fprintf(stderr, "ckrun: cannot boot kernel %s: %s\n", kpath, strerror(-err));
			if (*borrowed)
				default_kernel_put();
			*borrowed = false;
		}
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

int ckrun_vm_run_ex(const struct ckrun_config *cfg, struct vm_result *res)
{
	int err;
	memset(res, 0, sizeof(*res));
	res->start_ns = vm_now_ns();
	if (!cfg || cfg->vcpus < 1 || cfg->vcpus > MAX_VCPUS || cfg->ram_mib == 0 || cfg->nr_shares < 0 ||
	    cfg->nr_shares > CKRUN_MAX_SHARES) {
		res->done_ns = vm_now_ns();
		return -EINVAL;
	}

	/* The kernel first: a bad path or image costs nothing else. */
	struct kernel_image k;
	bool borrowed; /* k borrows the default kernel's held copy */
	if ((err = choose_kernel(cfg, &k, &borrowed))) {
		res->done_ns = vm_now_ns();
		return err;
	}

	uint64_t shm_sizes[CKRUN_MAX_SHARES];
	for (int i = 0; i < cfg->nr_shares; i++)
		shm_sizes[i] = cfg->shares[i].shm_size;

	struct vm *vm = vm_alloc();
	if (!vm) {
		kernel_image_free(&k);
		if (borrowed)
			default_kernel_put();
		res->done_ns = vm_now_ns();
		return -ENOMEM;
	}
	struct kvm_cpuid2 *cpuid = NULL;
	struct mem_plan plan;
	uint8_t *wl = NULL; /* the workload file, served until vm_destroy */
	size_t wl_len = 0;

	if (kvm_host_is_pvm())
		fprintf(stderr,
			"ckrun: this host's /dev/kvm is PVM (kvm_pvm), which cannot run a standard Linux guest; "
			"the guest will likely hang and be stopped after %.0f s (CKRUN_BOOT_TIMEOUT)\n",
			boot_timeout_s(cfg));

	if ((err = kvm_open_vm(&vm->kvm_fd, &vm->vm_fd, &vm->run_size))) {
		fprintf(stderr, "ckrun: cannot create a KVM VM: %s\n", strerror(-err));
		goto out;
	}
	if ((err = kvm_supported_cpuid(vm->kvm_fd, &cpuid)))
		goto out;
	if ((err = kvm_cpuid_nested(cpuid, cfg->nested_virt))) {
		fprintf(stderr, "ckrun: nested virtualization was asked for, but KVM offers no VMX/SVM\n");
		goto out;
	}
	if ((err = mem_plan_compute(cfg->ram_mib, shm_sizes, cfg->nr_shares, kvm_phys_limit(cpuid), &plan))) {
		fprintf(stderr, "ckrun: %u MiB of RAM (plus DAX windows) does not fit the guest address space\n",
			cfg->ram_mib);
		goto out;
	}
	if ((err = vm_memory_setup(vm->vm_fd, &plan, &vm->mem)))
		goto out;

	if (cfg->console_output) {
		vm->out_fd = vmm_file_create(cfg->console_output);
		if (vm->out_fd < 0) {
			err = vm->out_fd;
			fprintf(stderr, "ckrun: cannot open the console output %s: %s\n", cfg->console_output,
				strerror(-err));
			goto out;
		}
		vm->own_out_fd = true;
	} else {
		vm->out_fd = STDOUT_FILENO;
	}
	serial_init(&vm->serial, vm->out_fd, vm->vm_fd, LAYOUT_COM1_IRQ, &vm->activity);
	vm->serial_ready = true;

	for (int i = 0; i < cfg->vcpus; i++) {
		vm->nr_vcpus = i + 1; /* vm_destroy releases a partly set-up vCPU too */
		if ((err = vcpu_create(vm, &vm->vcpus[i], i, cpuid)))
			goto out;
	}
	if ((err = vcpu_set_entry(&vm->vcpus[0], k.entry)))
		goto out;

	if ((err = kernel_image_load(&k, &vm->mem.gm, plan.low_size))) {
		fprintf(stderr, "ckrun: the kernel does not fit in %u MiB of RAM\n", cfg->ram_mib);
		goto out;
	}
	uint64_t initrd_gpa = 0, initrd_size = 0;
	if (cfg->initramfs_path &&
	    (err = boot_load_initrd(cfg->initramfs_path, &k, &vm->mem.gm, plan.low_size, &initrd_gpa, &initrd_size))) {
		fprintf(stderr, "ckrun: cannot load initramfs %s: %s\n", cfg->initramfs_path, strerror(-err));
		goto out;
	}

	if ((err = make_workload(cfg, &wl, &wl_len)) || (err = add_devices(vm, cfg, wl, wl_len)))
		goto out;

	uint64_t bases[LAYOUT_VIRTIO_MAX_DEVS];
	int irqs[LAYOUT_VIRTIO_MAX_DEVS];
	for (int i = 0; i < vm->nr_devs; i++) {
		bases[i] = vm->devs[i].base;
		irqs[i] = vm->devs[i].irq;
	}
	char *cmdline = malloc(LAYOUT_CMDLINE_MAX);
	if (!cmdline) {
		err = -ENOMEM;
		goto out;
	}
	err = cmdline_build(cfg, bases, irqs, vm->nr_devs, cmdline, LAYOUT_CMDLINE_MAX);
	if (!err)
		err = boot_setup_memory(&k, &plan, &vm->mem.gm, cmdline, initrd_gpa, initrd_size, cfg->vcpus);
	free(cmdline);
	if (err) {
		fprintf(stderr, "ckrun: cannot set up the kernel command line / boot data: %s\n", strerror(-err));
		goto out;
	}
	kernel_image_free(&k);
	if (borrowed)
		default_kernel_put();
	borrowed = false;
	/* The kernel is in guest RAM; when the process ends with this VM
	 * (krun_start_enter), the copy read ahead of time is dead weight. */
	if (cfg->process_ends_with_vm)
		default_kernel_discard();

	vm->privs_keep = privs_keep_for(cfg);
	vm->privs_seccomp = privs_seccomp_wanted();
	double timeout = boot_timeout_s(cfg);
	res->running_ns = vm_now_ns();
	for (int i = 0; i < vm->nr_vcpus; i++)
		if ((err = vcpu_start(&vm->vcpus[i])))
			goto out;

	err = wait_for_end(vm, timeout);
	res->end_ns = vm_now_ns();
	if (err == -ETIMEDOUT) {
		fprintf(stderr,
			"ckrun: the guest showed no sign of life within %.0f s (no exit to the VMM, no console "
			"output)%s; stopped\n",
			timeout, kvm_host_is_pvm() ? " - expected on a PVM host" : "");
	} else if (vm->end == VM_END_ERROR) {
		err = vm->end_error ? vm->end_error : -EIO;
	} else if (atomic_load(&vm->guest_exit_code_set)) {
		res->exit_code = atomic_load(&vm->guest_exit_code);
	} else if (!cfg->initramfs_path) {
		/* libkrun's contract: no reported status means 0. The init always
		 * reports before it powers off, so say that the guest died. */
		fprintf(stderr, "ckrun: the guest ended without its init reporting an exit status (a guest "
				"kernel panic?); exit status 0, as in libkrun\n");
	}
	res->end = vm->end;
	res->guest_rss_bytes = vm_memory_resident(&vm->mem);
	res->rss_bytes = process_rss();

out:
	kernel_image_free(&k);
	if (borrowed)
		default_kernel_put();
	free(cpuid);
	res->marker_ns = atomic_load(&vm->marker_ns);
	vm_destroy(vm);
	free(wl);
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
