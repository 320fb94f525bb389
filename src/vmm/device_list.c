/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The devices of a VM, in the order the guest finds them on the bus (MMIO
 * window, IRQ, virtio_mmio.device= on the command line): one entry per kind
 * of device in device_list[] below, with a count (how many instances the
 * configuration asks for) and a make function (instance i of the
 * configuration -> the device's own config -> the device).
 *
 * Adding a device: the device in its own file (src/virtio/<name>.c, with its
 * own config struct and <name>_new), its configuration entries in the record
 * (src/abi/config.h, e.g. an array and a count like shares), and one entry
 * here with its count and make function. Nothing else in the VMM changes:
 * bus slots, IRQs, the command line and teardown follow from the list.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "abi/init_blob.h"
#include "abi/workload.h"
#include "fs/limits.h"
#include "fs/share.h"
#include "virtio/console.h"
#include "virtio/fs.h"
#include "vmm/vm.h"

struct device_kind {
	const char *name;
	/* Instances of this kind cfg asks for (0: none). */
	int (*count)(const struct ckrun_config *cfg);
	/* Create instance i (0 <= i < count) on vm's guest memory: 0 with *dev, or -errno. */
	int (*make)(struct vm *vm, const struct ckrun_config *cfg, int i, struct virtio_mmio_dev **dev);
};

/* ---- virtio-console: always one; hvc0, plus the stdio ports when stdio is not a terminal ---- */

static int console_count(const struct ckrun_config *cfg)
{
	(void)cfg;
	return 1;
}

static int console_make(struct vm *vm, const struct ckrun_config *cfg, int i, struct virtio_mmio_dev **dev)
{
	(void)i;
	bool ttys = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
	struct virtio_console_config cc = {
		.in_fd = cfg->console_output ? -1 : STDIN_FILENO,
		.out_fd = vm->out_fd,
		.err_fd = cfg->console_output ? -1 : STDERR_FILENO,
		.named_ports = !cfg->console_output && !ttys,
	};
	return virtio_console_new(&cc, &vm->mem.gm, dev);
}

/* ---- virtio-fs: one per share, in call order, each with its DAX window ---- */

static int fs_count(const struct ckrun_config *cfg)
{
	return cfg->nr_shares;
}

static int fs_make(struct vm *vm, const struct ckrun_config *cfg, int i, struct virtio_mmio_dev **dev)
{
	const struct ckrun_share *sh = &cfg->shares[i];
	/* The boot root serves the embedded guest init (init=CKRUN_INIT_PATH)
	 * and its workload file (abi/workload.h), also on a read-only root:
	 * virtual files are read-only anyway. Not when the client brings its
	 * own init (krun_disable_implicit_init). */
	struct fs_virtual_file extras[] = {
		{ CKRUN_INIT_NAME, ckrun_init_blob, ckrun_init_blob_size, CKRUN_INIT_MODE },
		{ WORKLOAD_NAME, vm->workload, vm->workload_len, WORKLOAD_MODE },
	};
	bool root = strcmp(sh->tag, CKRUN_ROOT_TAG) == 0 && !cfg->no_implicit_init;
	/* One fd budget and one DAX cap for all shares (fs/limits.h), made with
	 * the first; the VM keeps a reference until it is destroyed. */
	if (!vm->fs_limits) {
		int e = fs_limits_new((unsigned)cfg->nr_shares, 0, (unsigned)-1, &vm->fs_limits);
		if (e)
			return e;
	}
	struct fs_share_opts so = {
		.limits = vm->fs_limits,
		.path = sh->path,
		.read_only = sh->read_only,
		.root_extras = root ? extras : NULL,
		.nr_root_extras = root ? (vm->workload ? 2 : 1) : 0,
	};
	struct virtio_fs_config fc = {
		.tag = sh->tag,
		.dax_host = vm->mem.shm_host[i],
		.dax_gpa = vm->mem.plan.shm[i].gpa,
		.dax_size = vm->mem.plan.shm[i].size,
		.exit_code = vm_guest_exit_code,
		.opaque = vm,
		.limits = vm->fs_limits,
	};
	int err = fs_share_new(&so, &fc.backend);
	if (err)
		return err;
	return virtio_fs_new(&fc, &vm->mem.gm, dev); /* owns the backend, also on failure */
}

/* ---- virtio-net: one per network device, in call order (eth0, eth1, ...): netdev.c ---- */

/* The list: the console first (hvc0 is the guest's console=), then the
 * shares, then the network devices, or the implicit network's eth0
 * (usernet_dev.c). */
static const struct device_kind device_list[] = {
	{ "virtio-console", console_count, console_make },
	{ "virtio-fs", fs_count, fs_make },
	{ "virtio-net", vm_net_count, vm_net_make },
	/* Only when the client configured no network device (libkrun's implicit TSI rule). */
	{ "virtio-net (implicit network)", vm_implicit_net_count, vm_implicit_net_make },
};

int vm_add_devices(struct vm *vm, const struct ckrun_config *cfg)
{
	for (size_t k = 0; k < sizeof(device_list) / sizeof(device_list[0]); k++) {
		const struct device_kind *kind = &device_list[k];
		int n = kind->count(cfg);
		for (int i = 0; i < n; i++) {
			struct virtio_mmio_dev *dev;
			int err = kind->make(vm, cfg, i, &dev);
			if (!err)
				err = vm_add_virtio(vm, dev); /* owns dev, also on failure */
			if (err) {
				fprintf(stderr, "ckrun: cannot add %s device %d: %s\n", kind->name, i, strerror(-err));
				return err;
			}
		}
	}
	return 0;
}
