/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the default guest kernel when the library is loaded.
 *
 * crun (1.7-1.20, Debian's 1.8.1 among them) dlopen()s libkrun.so.1 in its
 * own process, forks the container, and calls every krun_* function - the
 * first being krun_create_ctx - only in the container's PID 1, after
 * pivot_root into the container's rootfs and after closing every fd >= 3.
 * The host's kernel file (or libkrunfw.so.5) cannot be reached from there,
 * so the library must have it in memory before: this constructor runs in the
 * crun process at dlopen() time and the container inherits the memory.
 * krun_create_ctx repeats the attempt (newer crun calls it on the host), and
 * the builder falls back to the copy when the file is gone (builder.c).
 * Nothing here changes process-wide state besides the library's own copy;
 * no fd stays open.
 */
#include <errno.h>

#include "api/preload.h"
#include "vmm/default_kernel.h"
#include "vmm/krunfw.h"

void ckrun_preload_kernel(void)
{
	/* libkrunfw is libkrun's default, looked at only when no file is installed. */
	if (default_kernel_preload() == -ENOENT)
		krunfw_preload();
}

__attribute__((constructor)) static void preload_at_load(void)
{
	ckrun_preload_kernel();
}
