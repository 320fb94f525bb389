/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Benchmark launcher (not a test): boots a ckrun microVM through the public
 * libkrun API with the root shared under the tag "rootfs" and an explicit
 * kernel command line carrying root=rootfs, so the root mounts on guest
 * kernels built without CONFIG_BLOCK (the project's kernel today), where
 * the libkrun convention (no root=, tag /dev/root) mounts nothing. The guest
 * init /init.krun must then be a file in ROOTDIR (bench/vm-compare.sh copies
 * the build's init there). Otherwise as examples/ckrun-run:
 *
 *   ckrun_bench [--dax DIR TAG WINDOW_MIB] KERNEL MEM_MIB CONSOLE ROOTDIR RO_DIR RO_TAG CMD [ARGS...]
 *
 * RO_DIR is shared read-only under RO_TAG ("-" for none). --dax adds a
 * read-write share of DIR under TAG with a DAX window of WINDOW_MIB MiB
 * (krun_add_virtiofs3's shm_size; the guest mounts it with -o dax). Exits
 * with CMD's status (the process ends inside krun_start_enter), 125 on a
 * launch error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkrun.h"

#define CMDLINE "reboot=k panic=-1 panic_print=0 nomodule console=hvc0 rootfstype=virtiofs " \
		"root=rootfs rw quiet no-kvmapf init=/init.krun"

static int fail(const char *what, int rc)
{
	fprintf(stderr, "ckrun_bench: %s: %s\n", what, strerror(-rc));
	return 125;
}

int main(int argc, char **argv)
{
	const char *dax_dir = NULL, *dax_tag = NULL;
	uint64_t dax_mib = 0;
	if (argc > 4 && strcmp(argv[1], "--dax") == 0) {
		char *end;
		dax_dir = argv[2];
		dax_tag = argv[3];
		dax_mib = strtoull(argv[4], &end, 10);
		if (*end || dax_mib == 0 || dax_mib > (1u << 20)) {
			fprintf(stderr, "ckrun_bench: bad --dax WINDOW_MIB %s\n", argv[4]);
			return 125;
		}
		argv += 4;
		argc -= 4;
	}
	if (argc < 8) {
		fprintf(stderr, "usage: ckrun_bench [--dax DIR TAG WINDOW_MIB] KERNEL MEM_MIB CONSOLE ROOTDIR RO_DIR RO_TAG CMD [ARGS...]\n");
		return 125;
	}
	int ctx = krun_create_ctx();
	if (ctx < 0)
		return fail("krun_create_ctx", ctx);
	uint32_t c = (uint32_t)ctx;
	int rc;
	static const char *const env[] = { "PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/", NULL };
	if ((rc = krun_set_vm_config(c, 1, (uint32_t)atoi(argv[2]))) < 0)
		return fail("krun_set_vm_config", rc);
	if ((rc = krun_add_virtiofs3(c, "rootfs", argv[4], 0, false)) < 0)
		return fail("krun_add_virtiofs3 root", rc);
	if (strcmp(argv[5], "-") != 0 && (rc = krun_add_virtiofs3(c, argv[6], argv[5], 0, true)) < 0)
		return fail("krun_add_virtiofs3 ro", rc);
	if (dax_dir && (rc = krun_add_virtiofs3(c, dax_tag, dax_dir, dax_mib << 20, false)) < 0)
		return fail("krun_add_virtiofs3 dax", rc);
	if ((rc = krun_set_kernel(c, argv[1], KRUN_KERNEL_FORMAT_RAW, NULL, CMDLINE)) < 0)
		return fail("krun_set_kernel", rc);
	if ((rc = krun_set_exec(c, argv[7], (const char *const *)&argv[8], env)) < 0)
		return fail("krun_set_exec", rc);
	if ((rc = krun_set_console_output(c, argv[3])) < 0)
		return fail("krun_set_console_output", rc);
	rc = krun_start_enter(c);
	return fail("krun_start_enter", rc);
}
