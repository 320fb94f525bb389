/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The workload file: how the VMM hands the guest init what to run (program,
 * working directory, arguments, environment, rlimits) without the kernel
 * command line's limits (32 arguments, 32 variables, no '"', ~2 KiB).
 *
 * The VMM serves it as a virtual read-only file at the root of the
 * "/dev/root" share, next to /init.krun; the init reads it once. Format, all
 * integers little-endian u32:
 *
 *   "CKRUNWL1"                       8 bytes
 *   5 lists, in this order:          exec path (0 or 1 entry), workdir (0 or 1),
 *                                    argv (without argv[0]), env, rlimits
 *     count, then count x (length, bytes)   a string holds no NUL byte
 *
 * Nothing follows the last list. Compiled into both the library (encoder)
 * and the guest init (decoder).
 */
#ifndef CKRUN_ABI_WORKLOAD_H
#define CKRUN_ABI_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define WORKLOAD_NAME "ckrun-workload"   /* at the share's root */
#define WORKLOAD_MODE (S_IFREG | 0444)
#define WORKLOAD_MAGIC "CKRUNWL1"
#define WORKLOAD_MAGIC_LEN 8
#define WORKLOAD_MAX_LIST 4096           /* entries per list: libkrun's MAX_ARGS */
#define WORKLOAD_MAX_BYTES (16u << 20)   /* the whole file; exec takes far less (ARG_MAX) */

enum { WL_EXEC, WL_WORKDIR, WL_ARGV, WL_ENV, WL_RLIMITS, WL_NR_LISTS };

/* Every list NULL-terminated, never NULL once decoded (possibly empty). */
struct workload {
	char **list[WL_NR_LISTS];
};

/*
 * Host: encode. lists[i] may be NULL (empty). 0 with a malloc'd *out, or
 * -E2BIG (a list over WORKLOAD_MAX_LIST, or over WORKLOAD_MAX_BYTES in all),
 * -EINVAL (WL_EXEC/WL_WORKDIR with more than one entry), -ENOMEM.
 */
int workload_encode(char *const *const lists[WL_NR_LISTS], uint8_t **out, size_t *len);

/* Guest: decode. 0, -EINVAL (malformed), -E2BIG (over a bound), -ENOMEM. */
int workload_decode(const uint8_t *buf, size_t len, struct workload *w);
void workload_free(struct workload *w);

/* Guest: read and decode the file at path. -ENOENT when there is none. */
int workload_load(const char *path, struct workload *w);

#endif
