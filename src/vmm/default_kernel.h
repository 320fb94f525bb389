/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The installed default guest kernel ($CKRUN_KERNEL, else
 * CKRUN_DATADIR/vmlinuz), read into memory ahead of time.
 *
 * Why: crun calls the krun API in the container's PID 1, after pivot_root
 * into the container's rootfs and after closing every fd >= 3 (see
 * docs/clients.md). By then the host's kernel file is out of reach. So the
 * library reads the file when it is loaded (a constructor, in the crun
 * process that dlopen()s it, before it forks the container) and again in
 * krun_create_ctx if that first attempt found nothing; the bytes live in
 * the process's memory, which the container process inherits, and no fd is
 * kept.
 */
#ifndef CKRUN_VMM_DEFAULT_KERNEL_H
#define CKRUN_VMM_DEFAULT_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* $CKRUN_KERNEL when set and non-empty, else CKRUN_DATADIR "/vmlinuz". */
const char *default_kernel_path(void);

/*
 * Read the default kernel file into memory unless a copy is already held
 * (and cancel a pending discard). Thread-safe; a missing file is not an
 * error (0 or -errno, for tests).
 */
int default_kernel_preload(void);

/*
 * Borrow the held copy: 0 with its bytes and the path it was read from,
 * valid until the matching default_kernel_put; else -ENOENT.
 */
int default_kernel_get(const uint8_t **data, size_t *size, const char **path);
void default_kernel_put(void);

/*
 * Nothing in this process will boot from the copy again (krun_start_enter's
 * VM has its kernel in guest RAM and the process ends with it): free it now,
 * or when its last borrower puts it. A later preload reads the file anew.
 */
void default_kernel_discard(void);

#endif
