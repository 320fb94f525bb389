/* SPDX-License-Identifier: Apache-2.0 */
/* The read-only wrapper: refuses every mutation with EROFS, fails closed. */
#ifndef CKRUN_FS_READONLY_H
#define CKRUN_FS_READONLY_H

#include "fs/backend.h"

/* Takes ownership of inner (also on failure). 0 or -errno. The result is a
 * composed share (out->table). */
int fs_readonly_new(struct fs_backend inner, struct fs_backend *out);

/* The read-only policy itself, one rule per operation (readonly.c). */
extern const struct fs_rules *const fs_readonly_rules;

#endif
