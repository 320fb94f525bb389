/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dax-run: the VM launcher of the DAX VM cases (tests/vm/cases/dax-*.sh).
 * Like examples/ckrun-run, but the shared directory gets a DAX window of a
 * chosen size (krun_add_virtiofs3's shm_size). The root share has none.
 *
 *   dax-run KERNEL ROOTDIR MEM_MIB SHAREDIR TAG rw|ro SHM_MIB CMD [ARGS...]
 *
 * The kernel command line is libkrun's default prolog plus an explicit
 * root=/dev//dev/root: a 6.1 kernel without CONFIG_BLOCK (the project kernel
 * before 04:20 UTC on 2026-11-22) mounts a nodev root (virtiofs) only when
 * root= names it; it strips one "/dev/" from the name, which leaves the root
 * share's tag "/dev/root". With CONFIG_BLOCK the same name takes the same
 * path (no block device of that name exists), so it works with both.
 *
 * Ends inside krun_start_enter with the guest's exit status; 125 when the VM
 * could not be started.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkrun.h"

int main(int argc, char **argv)
{
	int32_t ctx, rc;
	char *end;

	if (argc < 9) {
		fprintf(stderr, "usage: %s KERNEL ROOTDIR MEM_MIB SHAREDIR TAG rw|ro SHM_MIB CMD [ARGS...]\n",
			argv[0]);
		return 2;
	}
	unsigned long mem = strtoul(argv[3], &end, 10);
	if (*end || mem == 0 || mem > 65536)
		return 2;
	unsigned long long shm = strtoull(argv[7], &end, 10);
	if (*end || shm > (1ull << 20))
		return 2;
	bool ro = strcmp(argv[6], "ro") == 0;
	if (!ro && strcmp(argv[6], "rw") != 0)
		return 2;

	ctx = krun_create_ctx();
	if (ctx < 0)
		return 125;
#define CHECK(call)                                                               \
	do {                                                                      \
		if ((rc = (call)) < 0) {                                          \
			fprintf(stderr, "dax-run: %s: %s\n", #call, strerror(-rc)); \
			return 125;                                               \
		}                                                                 \
	} while (0)
	CHECK(krun_set_vm_config((uint32_t)ctx, 1, (uint32_t)mem));
	CHECK(krun_add_virtiofs3((uint32_t)ctx, KRUN_FS_ROOT_TAG, argv[2], 0, false));
	CHECK(krun_add_virtiofs3((uint32_t)ctx, argv[5], argv[4], shm << 20, ro));
	/* DAX_RUN_VERBOSE=1: the guest kernel's boot messages too (no "quiet"). */
	const char *v = getenv("DAX_RUN_VERBOSE");
	bool quiet = !(v && *v == '1');
	char cmdline[256];
	snprintf(cmdline, sizeof(cmdline),
		 "reboot=k panic=-1 panic_print=0 nomodule console=hvc0 rootfstype=virtiofs "
		 "root=/dev//dev/root rw%s no-kvmapf no_timer_check init=/init.krun", quiet ? " quiet" : "");
	CHECK(krun_set_kernel((uint32_t)ctx, argv[1], KRUN_KERNEL_FORMAT_RAW, NULL, cmdline));
	static const char *const env[] = { "PATH=/bin:/sbin", "HOME=/", NULL };
	CHECK(krun_set_exec((uint32_t)ctx, argv[8], (const char *const *)&argv[9], env));
	rc = krun_start_enter((uint32_t)ctx);
	fprintf(stderr, "dax-run: krun_start_enter: %s\n", strerror(-rc));
	return 125;
}
