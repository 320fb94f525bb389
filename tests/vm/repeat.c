// SPDX-License-Identifier: Apache-2.0
/*
 * Starts N VMs one after another in one process with the returning extension
 * (ckrun_start_and_wait) and checks that nothing is left behind in the caller:
 * open fds, threads, and entries in the temporary directory are counted before
 * and after. Each VM runs `/bin/sh -c "exit K"` for K = i % 50 and must return K.
 * Usage: repeat KERNEL ROOTDIR N TMPDIR
 */
#include <stdio.h>
#include <stdlib.h>

#include "ckrun.h"
#include "libkrun.h"
#include "../dircount.h"

static int run_one(const char *kernel, const char *root, int code)
{
	char arg[32];
	snprintf(arg, sizeof(arg), "exit %d", code);
	const char *const argv[] = { "-c", arg, NULL };
	const char *const envp[] = { NULL };
	int ctx = krun_create_ctx();
	if (ctx < 0)
		return ctx;
	int rc;
	if ((rc = krun_set_kernel((uint32_t)ctx, kernel, KRUN_KERNEL_FORMAT_RAW, NULL, NULL)) ||
	    (rc = krun_set_root((uint32_t)ctx, root)) ||
	    (rc = krun_set_exec((uint32_t)ctx, "/bin/sh", argv, envp)) ||
	    (rc = ckrun_set_boot_timeout((uint32_t)ctx, 150))) {
		krun_free_ctx((uint32_t)ctx);
		return rc;
	}
	return ckrun_start_and_wait((uint32_t)ctx);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: repeat KERNEL ROOTDIR N TMPDIR\n");
		return 2;
	}
	int n = atoi(argv[3]);
	/* One VM first, so lazily created process-wide state (the libkrunfw probe,
	 * the dynamic loader's bookkeeping) is not counted as a leak. */
	if (run_one(argv[1], argv[2], 0) != 0) {
		fprintf(stderr, "repeat: warm-up VM failed\n");
		return 1;
	}
	int fds0 = count_dir("/proc/self/fd"), thr0 = count_dir("/proc/self/task"), tmp0 = count_dir(argv[4]);
	int bad = 0;
	for (int i = 1; i <= n; i++) {
		int want = i % 50;
		int got = run_one(argv[1], argv[2], want);
		if (got != want) {
			fprintf(stderr, "repeat: VM %d returned %d, expected %d\n", i, got, want);
			bad++;
		}
	}
	int fds1 = count_dir("/proc/self/fd"), thr1 = count_dir("/proc/self/task"), tmp1 = count_dir(argv[4]);
	printf("repeat: %d VMs; fds %d -> %d, threads %d -> %d, tmp entries %d -> %d\n", n, fds0, fds1,
	       thr0, thr1, tmp0, tmp1);
	if (fds1 != fds0 || thr1 != thr0 || tmp1 != tmp0) {
		fprintf(stderr, "repeat: resources left behind\n");
		bad++;
	}
	return bad ? 1 : 0;
}
