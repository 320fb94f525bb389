/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host/guest contract: every value the VMM and the guest init
 * (/init.krun, src/init) must agree on, spelled here and nowhere else.
 * Header-only and free of host types: the guest init is built from it too.
 */
#ifndef CKRUN_ABI_GUEST_H
#define CKRUN_ABI_GUEST_H

/* The virtio-fs tag of the share the guest boots from. The public header
 * spells it too (KRUN_FS_ROOT_TAG, include/libkrun.h: part of the libkrun
 * API); tests/api/test_virtiofs.c checks that the two agree. */
#define CKRUN_ROOT_TAG "/dev/root"

/* The guest init at the root share's root, served from the library
 * (abi/init_blob.h); the kernel starts it as init=CKRUN_INIT_PATH. */
#define CKRUN_INIT_NAME "init.krun"
#define CKRUN_INIT_PATH "/" CKRUN_INIT_NAME

/* The exit-code ioctl the guest init sends on "/" of the root share
 * (libkrun's _IO('v', 2)); the FUSE server answers it for any share. */
#define CKRUN_IOC_EXIT_CODE 0x7602u

/* Names of the virtio-console ports carrying the workload's stdio when the
 * host's stdio is not a terminal; the init finds them by name. */
#define CKRUN_PORT_STDIN  "krun-stdin"
#define CKRUN_PORT_STDOUT "krun-stdout"
#define CKRUN_PORT_STDERR "krun-stderr"

/* ckrun's boot marker: the guest writes any byte to this I/O port when its
 * workload starts (tests and benchmarks time guest userspace). The VMM's
 * address map (vmm/layout.h) lists it as LAYOUT_BOOT_MARKER_PORT. */
#define CKRUN_BOOT_MARKER_PORT 0x610

#endif
