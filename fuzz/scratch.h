/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fuzz targets' scratch directory: a share with a few entries of every
 * kind, next to a "secret" file outside it. Created once per process; on a
 * private tmpfs (size-capped, nodev) when the process may mount, so a
 * fuzzed FALLOCATE or WRITE can never fill the host disk.
 *
 *   <base>/secret        random marker bytes: must never appear in a reply
 *   <base>/share/        the share the server serves
 *       file  empty  dir/sub  dir/deeper/  link -> file  esc -> ../secret
 *       abs -> /etc/passwd  fifo  hard (second link of file)
 */
#ifndef CKRUN_FUZZ_SCRATCH_H
#define CKRUN_FUZZ_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCRATCH_MARK_LEN 32

struct scratch {
	char base[128];
	char share[160];
	char secret[160];
	bool tmpfs;
	uint8_t mark[SCRATCH_MARK_LEN];
	uint64_t mark_hash;
	char *outside; /* snapshot of everything outside the share */
};

/* Process-wide set-up for a fuzz target (never called by the library):
 * private mount namespace + tmpfs when possible, file size limit. Exits on
 * failure. */
void scratch_init(struct scratch *s);
/* Empty the share and build it again. */
void scratch_reset(struct scratch *s);
/* Canonical text of a tree: one line per entry (path, type, mode, uid, gid,
 * size, nlink, mtime, ctime, rdev, content or link hash, xattrs); atime
 * excluded. Caller frees. */
char *scratch_snapshot(const char *dir);
/* Everything outside the share: the base listing and the secret file. */
char *scratch_outside(const struct scratch *s);
/* True if the secret's bytes occur in buf. */
bool scratch_leaks(const struct scratch *s, const uint8_t *buf, size_t n);
/* abort() with both texts printed when they differ. */
void scratch_expect_same(const char *what, const char *before, const char *after);

#endif
