/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interfaces of the VMM (src/vmm). One struct vm per running guest;
 * nothing here is process-global, so several VMs can run in one process.
 */
#ifndef CKRUN_VMM_VM_H
#define CKRUN_VMM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>
#include <linux/kvm.h>

#include "abi/config.h"
#include "virtio/guest_mem.h"
#include "vmm/layout.h"

struct virtio_mmio_dev;

/* ---- memory.c: guest RAM and DAX windows ---- */

struct mem_window {
	uint64_t gpa;
	uint64_t size;
};

/* Where everything goes, computed without touching KVM (unit-tested). */
struct mem_plan {
	uint64_t ram_size;      /* bytes */
	uint64_t low_size;      /* RAM at [0, low_size) */
	uint64_t high_size;     /* RAM at [4 GiB, 4 GiB + high_size) */
	int nr_shm;
	struct mem_window shm[CKRUN_MAX_SHARES];
	uint64_t end;           /* first guest address above everything */
};

/*
 * Plan RAM of ram_mib MiB plus nr_shm DAX windows (sizes in shm_sizes; 0 means
 * none and gets size 0). phys_limit: the guest-physical limit (1 << MAXPHYADDR).
 * -EINVAL for 0 RAM or a layout beyond phys_limit.
 */
int mem_plan_compute(uint64_t ram_mib, const uint64_t *shm_sizes, int nr_shm, uint64_t phys_limit,
		     struct mem_plan *out);

/* The e820 map for a plan: conventional RAM, RAM from 1 MiB to the hole, RAM above 4 GiB. */
int mem_plan_e820(const struct mem_plan *p, struct boot_e820_entry *e, int max);

struct vm_memory {
	struct mem_plan plan;
	struct guest_mem gm;      /* RAM only, for devices and the loader */
	void *low, *high;         /* RAM mappings (NULL when absent) */
	void *shm_host[CKRUN_MAX_SHARES]; /* PROT_NONE reservations */
};

int vm_memory_setup(int vm_fd, const struct mem_plan *plan, struct vm_memory *m);
void vm_memory_release(struct vm_memory *m);
/* Guest RAM into a new file NAME in DIRFD (O_EXCL), at file offset = guest-
 * physical address, all-zero pages left as holes: 0 or -errno. */
int vm_memory_dump(const struct vm_memory *m, int dirfd, const char *name);
/* Bytes of guest RAM currently resident in the host (mincore). */
uint64_t vm_memory_resident(const struct vm_memory *m);

/* ---- loader.c: kernel images ---- */

/* Values of libkrun's KRUN_KERNEL_FORMAT_* (include/libkrun.h). */
enum {
	VM_KERNEL_FORMAT_RAW = 0,
	VM_KERNEL_FORMAT_ELF = 1,
	VM_KERNEL_FORMAT_PE_GZ = 2,
	VM_KERNEL_FORMAT_IMAGE_BZ2 = 3,
	VM_KERNEL_FORMAT_IMAGE_GZ = 4,
	VM_KERNEL_FORMAT_IMAGE_ZSTD = 5,
};

/* KERNEL_BUNDLE: libkrunfw's pre-laid-out image, copied as is (krunfw.h). */
enum kernel_kind { KERNEL_BZIMAGE, KERNEL_ELF, KERNEL_BUNDLE };

struct kernel_image {
	enum kernel_kind kind;
	uint8_t *data;     /* the whole file (malloc'd), or borrowed: a bundle or a preloaded file */
	size_t size;
	bool borrowed;     /* data belongs to libkrunfw or the preload: never freed */
	/* Parsed: */
	struct setup_header hdr; /* bzImage: the file's setup header; ELF: zero */
	size_t pm_offset;        /* bzImage: file offset of the protected-mode part */
	uint64_t load_addr;      /* bzImage: where the protected-mode part goes */
	uint64_t entry;          /* 64-bit entry point (guest-physical) */
	uint64_t end;            /* highest guest address the kernel needs (exclusive) */
};

/* Read and validate a kernel file. -ENOENT/-EACCES..., -ENOEXEC (not a kernel
 * we can boot), -ENOTSUP (a format ckrun does not load). */
int kernel_image_open(const char *path, uint32_t format, struct kernel_image *k);
/* A kernel file's bytes (malloc'd, the caller frees): -errno from open/read,
 * -EINVAL if not a regular file, -ENOEXEC if empty or over 512 MiB. Keeps no fd. */
int kernel_file_read(const char *path, uint8_t **data, size_t *size);
/* Parse an image held in memory that outlives k (a preloaded default kernel):
 * data is borrowed, never freed or written. */
int kernel_image_from_memory(const uint8_t *data, size_t size, uint32_t format, struct kernel_image *k);
/* Parse an in-memory image (k->data/k->size already set); used by _open and tests. */
int kernel_image_parse(struct kernel_image *k, uint32_t format);
/* A libkrunfw bundle: size bytes at data go to load_addr, entered at entry.
 * -EINVAL unless it lies within [1 MiB, MMIO hole) with entry inside it.
 * data is borrowed (libkrunfw is never unloaded). */
int kernel_image_from_bundle(const uint8_t *data, size_t size, uint64_t load_addr, uint64_t entry,
			     struct kernel_image *k);
void kernel_image_free(struct kernel_image *k);

/* ---- decompress.c: compressed kernels ---- */

/*
 * Find and decompress the stream of a VM_KERNEL_FORMAT_IMAGE_* format in
 * data: each occurrence of its magic in turn (at most 16), until one
 * decompresses completely, within max bytes, to something accept() takes.
 * 0 with a malloc'd *out; -ENOEXEC no such stream, or none holds what accept
 * wants; -EBADMSG the stream is corrupt or truncated; -EFBIG it decompresses
 * to more than max; -ENOMEM; -EINVAL not a compressed format.
 */
int kernel_decompress(const uint8_t *data, size_t size, uint32_t format, size_t max,
		      int (*accept)(const uint8_t *d, size_t n), uint8_t **out, size_t *out_len);
/* Copy into guest RAM; -ENOMEM if it does not fit below the MMIO hole. */
int kernel_image_load(const struct kernel_image *k, const struct guest_mem *gm, uint64_t low_size);
/* Host files the VMM reads whole (kernel, initramfs): open path read-only as
 * a regular file: its fd and *size, or -errno (-EINVAL: not a regular file). */
int vmm_file_open(const char *path, uint64_t *size);
/* The console output file, opened for writing, created or truncated: its fd or -errno. */
int vmm_file_create(const char *path);
/* Read exactly len bytes from fd: 0, -errno, or -EIO when the file ends first. */
int vmm_file_read(int fd, void *dst, uint64_t len);

/* ---- boot.c: zero page, page tables, GDT, registers ---- */

struct boot_info {
	uint64_t entry;
	uint64_t initrd_gpa, initrd_size;
	size_t cmdline_len; /* without NUL */
};

/* Place the initramfs at the top of low RAM; -ENOENT etc. for the file, -ENOMEM if it does not fit. */
int boot_load_initrd(const char *path, const struct kernel_image *k, const struct guest_mem *gm,
		     uint64_t low_size, uint64_t *gpa, uint64_t *size);
/* Zero page, command line, GDT, page tables, MP table. */
int boot_setup_memory(const struct kernel_image *k, const struct mem_plan *p, const struct guest_mem *gm,
		      const char *cmdline, uint64_t initrd_gpa, uint64_t initrd_size, int nr_cpus);
void boot_fill_sregs(struct kvm_sregs *s);
void boot_fill_regs(struct kvm_regs *r, uint64_t entry);

/* ---- mptable.c ---- */

/* Size in bytes of the MP floating pointer + configuration table for nr_cpus. */
size_t mptable_size(int nr_cpus);
/* Build it into buf (guest address base_gpa); -EINVAL if it does not fit in len. */
int mptable_build(uint8_t *buf, size_t len, uint64_t base_gpa, int nr_cpus);

/* ---- cmdline.c ---- */

/* How the workload (program, workdir, args, env, rlimits) reaches the guest. */
enum workload_channel {
	WORKLOAD_ON_CMDLINE,  /* the client's own init: KRUN_* and args, the kernel's limits */
	WORKLOAD_FILE,        /* ckrun's init: the workload file only (abi/workload.h) */
	WORKLOAD_FILE_AND_CMDLINE, /* ckrun's init served, but the client's command line may
				    * name another init: also on it when it fits, else left off */
};
enum workload_channel cmdline_workload_channel(const struct ckrun_config *cfg);

/* Build the kernel command line for cfg with nr_devs virtio-mmio devices
 * (bases/irqs). -E2BIG when longer than cap-1. With WORKLOAD_ON_CMDLINE:
 * -EINVAL for a value that cannot be quoted (contains '"') or an env entry
 * without '=', -E2BIG beyond the kernel's 32 arguments / 32 variables for
 * init or its 2048-byte command line. */
int cmdline_build(const struct ckrun_config *cfg, const uint64_t *dev_base, const int *dev_irq, int nr_devs,
		  char *buf, size_t cap);

/* ---- serial.c: 8250 UART ---- */

struct serial {
	pthread_mutex_t lock;
	int out_fd;
	int vm_fd;           /* for KVM_IRQ_LINE; -1 in tests */
	int irq;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thri_pending;
	bool irq_level;
	size_t buf_len;
	char buf[256];
	atomic_bool *activity; /* set on output: a sign of life */
};

void serial_init(struct serial *s, int out_fd, int vm_fd, int irq, atomic_bool *activity);
void serial_destroy(struct serial *s); /* flushes */
uint8_t serial_in(struct serial *s, unsigned off);
void serial_out(struct serial *s, unsigned off, uint8_t v);

/* ---- vcpu.c ---- */

struct vm;

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool started;
};

int vcpu_create(struct vm *vm, struct vcpu *c, int id, const struct kvm_cpuid2 *cpuid);
int vcpu_set_entry(struct vcpu *c, uint64_t entry); /* boot CPU: long-mode sregs and regs */
int vcpu_start(struct vcpu *c);
void vcpu_kick(struct vcpu *c);
void vcpu_destroy(struct vcpu *c); /* joins the thread if started (after a kick), closes the fd */

/* ---- kvm.c ---- */

bool kvm_host_is_pvm(void);
int kvm_open_vm(int *kvm_fd, int *vm_fd, size_t *run_size);
int kvm_supported_cpuid(int kvm_fd, struct kvm_cpuid2 **out);
uint64_t kvm_phys_limit(const struct kvm_cpuid2 *cpuid);
/*
 * KVM offers VMX (Intel) or SVM (AMD) in its supported CPUID when its module
 * has nested=1. Keep them only when nested virtualization was asked for (as
 * libkrun), else clear them: -ENOTSUP if asked for and there is neither.
 * KVM itself then handles the nested state and its MSRs (VM_HSAVE_PA and
 * EFER.SVME on AMD, the VMX capability MSRs it derives from CPUID on Intel).
 */
int kvm_cpuid_nested(struct kvm_cpuid2 *cpuid, bool nested);

/* ---- devices.c: virtio-mmio devices on the bus ---- */

struct vm_virtio {
	struct virtio_mmio_dev *dev;
	uint64_t base;
	int irq;
};

int vm_add_virtio(struct vm *vm, struct virtio_mmio_dev *dev);

/* ---- netdev.c: network devices (the device list's virtio-net entry) ---- */

struct net_peer;
/* cfg->nets[] (the legacy device already appended by the API's start):
 * eth0, eth1, ... Instance i opens its peer (in the start call, before the
 * vCPU threads drop privileges) and makes a virtio-net device on it. */
int vm_net_count(const struct ckrun_config *cfg);
int vm_net_make(struct vm *vm, const struct ckrun_config *cfg, int i, struct virtio_mmio_dev **dev);
/* One virtio-net device on an already open peer (e.g. net_peer_from_fd on a
 * socketpair end), added to the bus after the listed devices. The device owns
 * the peer from the call on, also on failure. name: the guest's interface
 * name, for the device's loss report. */
int vm_add_net(struct vm *vm, struct net_peer *peer, const uint8_t mac[6], uint32_t features,
	       const char *name);
bool vm_mmio_access(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len, bool is_write);
void vm_free_devices(struct vm *vm);

/* ---- pio.c: legacy port I/O (UART, i8042, CMOS, boot marker) ---- */

void vm_pio_access(struct vm *vm, uint16_t port, uint8_t *data, unsigned size, bool is_write);
struct i8042 {
	pthread_mutex_t lock;
	uint8_t ctr;     /* controller configuration byte */
	uint8_t out;     /* output buffer */
	bool out_full;
	uint8_t pending; /* command waiting for its data byte */
};
void i8042_init(struct i8042 *k);
void i8042_destroy(struct i8042 *k);
uint8_t i8042_in(struct vm *vm, uint16_t port);
void i8042_out(struct vm *vm, uint16_t port, uint8_t v);

/* ---- usernet_dev.c: the implicit network (src/net/usernet.h) ---- */

struct vm;
/* The VM gets the implicit eth0: libkrun's condition, and this build has it. */
bool vm_implicit_net(const struct ckrun_config *cfg);
/* The command-line variable that tells the guest init eth0's configuration. */
int vm_implicit_net_cmdline(char *buf, size_t cap);
/* device_list.c's entry: 1 when the VM gets it (else 0, saying on stderr
 * when the client wanted a network the build cannot give). */
int vm_implicit_net_count(const struct ckrun_config *cfg);
/* Make the user-mode network (its host forwards bound now: a port in use
 * fails the start) and the virtio-net device that owns it and runs it. */
int vm_implicit_net_make(struct vm *vm, const struct ckrun_config *cfg, int i, struct virtio_mmio_dev **dev);


/* ---- vm.c: the VM object ---- */

enum vm_end {
	VM_END_NONE = 0,
	VM_END_RESET,     /* i8042 reset (reboot=k), the normal end */
	VM_END_SHUTDOWN,  /* triple fault / KVM_EXIT_SHUTDOWN / system event */
	VM_END_ERROR,     /* a vCPU could not continue */
};

/* One running guest. vm_destroy releases every field, whatever was set up. */
struct vm {
	int kvm_fd, vm_fd;
	size_t run_size;
	struct kvm_cpuid2 *cpuid; /* the host's supported CPUID, for each vCPU */
	int nr_vcpus;
	struct vcpu vcpus[256];
	struct vm_memory mem;
	struct serial serial;
	bool serial_ready;
	struct i8042 kbd;
	struct vm_virtio devs[LAYOUT_VIRTIO_MAX_DEVS];
	int nr_devs;
	int out_fd;
	bool own_out_fd;
	uint8_t *workload;   /* the workload file the root share serves (abi/workload.h); NULL: none */
	size_t workload_len;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum vm_end end;     /* under lock */
	int end_error;       /* -errno for VM_END_ERROR */

	atomic_bool stopping;
	atomic_bool activity;        /* any exit to the VMM or console output */
	atomic_bool lifeless;        /* stopped for want of activity: vCPUs say where they were */
	atomic_uint_fast64_t marker_ns; /* first boot-marker write, CLOCK_MONOTONIC */
	atomic_int guest_exit_code;
	atomic_bool guest_exit_code_set;
	uint64_t privs_keep; /* capabilities the vCPU/device threads keep (privs.h) */
	bool privs_seccomp;  /* and the seccomp allow-list (CKRUN_SECCOMP=1) */
	bool privs_seccomp_net; /* with the socket calls: the implicit network's stack runs on a worker */
	uint64_t start_ns;   /* vm_new, for the trace's times */
	/* $CKRUN_CRASH_DIR, opened by vm_new (before any privilege drop): a
	 * triple fault writes guest RAM there once (vm_crash_dump); -1: off. */
	int crash_dirfd;
	int crash_dir_err;   /* -errno of its open, told at the fault */
	atomic_bool crash_dumped;
	/* What all shares may take from the process together (fs/limits.h):
	 * made with the first share; each share holds its own reference. */
	struct fs_limits *fs_limits;
};

/* An empty VM (no fd, no thread yet), or NULL without memory. */
struct vm *vm_new(void);
/* Stop every thread (vCPUs, then devices) and release everything. */
void vm_destroy(struct vm *vm);

/* After a triple fault: guest RAM to $CKRUN_CRASH_DIR, once per VM, named
 * ckrun-ram.TID.T (TID: the vCPU thread that saw the fault, as tracers name
 * it), and a line on stderr naming the file (nothing when the knob is unset). */
void vm_crash_dump(struct vm *vm);
/* Called from vCPU threads (and devices) to end the VM; the first call wins. */
void vm_request_end(struct vm *vm, enum vm_end why, int err);
/*
 * Wait until the VM ends: 0, or -ETIMEDOUT when the guest showed no sign of
 * life (vm->activity) within timeout_s (the no-sign-of-life watchdog).
 */
int vm_wait_end(struct vm *vm, double timeout_s);
/* The exit-code ioctl's sink (virtio-fs exit_code callback; opaque: the vm). */
void vm_guest_exit_code(void *opaque, int32_t code);

/* CKRUN_TRACE=1: the VMM says on stderr why and how the guest ended (the
 * ending exit with the vCPU's registers, each vCPU's exit counts, the end
 * reason) and the guest kernel logs everything to the serial port from its
 * first line (earlyprintk), so a guest that dies before its virtio console
 * exists still leaves its last words (docs/testing.md, "Inner guest deaths"). */
bool vm_trace_enabled(void);

uint64_t vm_now_ns(void);

/* ---- device_list.c: the devices a configuration asks for ---- */

/*
 * Create every device of cfg, kind by kind in device_list's order and each
 * kind's instances in configuration order, and put them on the bus
 * (vm_add_virtio). 0 or -errno; vm_destroy frees what was added.
 */
int vm_add_devices(struct vm *vm, const struct ckrun_config *cfg);

/* ---- builder.c: configuration -> plan -> build -> run -> collect ---- */

/* The result of a run, for tests and benchmarks (ckrun_vm_run keeps only the exit code). */
struct vm_result {
	int exit_code;
	enum vm_end end;
	uint64_t start_ns;   /* ckrun_vm_run_ex entry */
	uint64_t running_ns; /* vCPUs started */
	uint64_t marker_ns;  /* 0 when the guest never wrote the boot marker */
	uint64_t end_ns;     /* the guest ended */
	uint64_t done_ns;    /* everything released */
	uint64_t rss_bytes;       /* process RSS when the guest ended */
	uint64_t guest_rss_bytes; /* of which guest RAM pages */
};

int ckrun_vm_run_ex(const struct ckrun_config *cfg, struct vm_result *res);

#endif
