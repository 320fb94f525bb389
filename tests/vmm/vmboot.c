/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmboot: boot a kernel with ckrun's VMM and report how it ended.
 *   vmboot KERNEL INITRAMFS|- CMDLINE|- CPUS MEM_MIB
 * CMDLINE "-" keeps libkrun's default prolog. Prints one line:
 *   vmboot: rc=<r> exit_code=<c> end=<reset|shutdown|error|none>
 *           marker_ms=<t|-> end_ms=<t> done_ms=<t> rss_kib=<k> guest_rss_kib=<k>
 * (times from the start of the run) and exits 0 when rc == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/config.h"
#include "vmm/vm.h"

static const char *end_name(enum vm_end e)
{
	switch (e) {
	case VM_END_RESET:
		return "reset";
	case VM_END_SHUTDOWN:
		return "shutdown";
	case VM_END_ERROR:
		return "error";
	default:
		return "none";
	}
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: %s KERNEL INITRAMFS|- CMDLINE|- CPUS MEM_MIB\n", argv[0]);
		return 2;
	}
	struct ckrun_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.kernel_path = argv[1];
	cfg.kernel_format = VM_KERNEL_FORMAT_RAW;
	cfg.initramfs_path = strcmp(argv[2], "-") ? argv[2] : NULL;
	cfg.kernel_cmdline = strcmp(argv[3], "-") ? argv[3] : NULL;
	cfg.vcpus = (uint8_t)atoi(argv[4]);
	cfg.ram_mib = (uint32_t)strtoul(argv[5], NULL, 10);

	struct vm_result r;
	int rc = ckrun_vm_run_ex(&cfg, &r);
	fflush(stdout);
	char marker[32] = "-";
	if (r.marker_ns)
		snprintf(marker, sizeof(marker), "%.1f", (double)(r.marker_ns - r.start_ns) / 1e6);
	printf("vmboot: rc=%d exit_code=%d end=%s running_ms=%.1f marker_ms=%s end_ms=%.1f done_ms=%.1f "
	       "rss_kib=%llu guest_rss_kib=%llu\n",
	       rc, r.exit_code, end_name(r.end),
	       r.running_ns ? (double)(r.running_ns - r.start_ns) / 1e6 : 0.0, marker, r.end_ns ? (double)(r.end_ns - r.start_ns) / 1e6 : 0.0,
	       (double)(r.done_ns - r.start_ns) / 1e6, (unsigned long long)(r.rss_bytes >> 10),
	       (unsigned long long)(r.guest_rss_bytes >> 10));
	return rc == 0 ? 0 : 1;
}
