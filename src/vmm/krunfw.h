/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libkrunfw, the last place the default kernel is looked for (after
 * krun_set_kernel's path and the installed CKRUN_DATADIR/vmlinuz or
 * $CKRUN_KERNEL). libkrunfw.so.5 exports
 *   char *krunfw_get_kernel(uint64_t *load_addr, uint64_t *entry_addr, size_t *size);
 * returning a host pointer to a pre-laid-out kernel image (a "bundle") that
 * goes to guest-physical load_addr and is entered at entry_addr in 64-bit mode.
 */
#ifndef CKRUN_VMM_KRUNFW_H
#define CKRUN_VMM_KRUNFW_H

#include <stddef.h>
#include <stdint.h>

/* dlopen name; $CKRUN_KRUNFW_PATH (read once, at the first load) overrides it. */
#define KRUNFW_SONAME "libkrunfw.so.5"

struct krunfw_bundle {
	const uint8_t *data; /* libkrunfw's read-only data; valid for the process lifetime */
	size_t size;
	uint64_t load_addr;  /* guest-physical */
	uint64_t entry;      /* guest-physical */
};

/*
 * Load libkrunfw once per process (thread-safe, idempotent). Called by
 * krun_create_ctx, i.e. before crun enters the container's root, where the
 * library would no longer be found. A missing library is not an error here.
 */
void krunfw_preload(void);

/* The bundle (loading libkrunfw first if needed); -ENOENT if libkrunfw is
 * absent, lacks krunfw_get_kernel, or gives no kernel. The fields are not
 * validated here (see kernel_image_from_bundle). */
int krunfw_get_bundle(struct krunfw_bundle *out);

/* Why libkrunfw is unavailable (dlerror text or a short reason); "" when loaded. */
const char *krunfw_error(void);

#endif
