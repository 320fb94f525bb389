/* SPDX-License-Identifier: Apache-2.0 */
/* The passthrough backend: serves one host directory, confined to it. */
#ifndef CKRUN_FS_PASSTHROUGH_H
#define CKRUN_FS_PASSTHROUGH_H

#include "fs/backend.h"

struct fs_limits;

struct fs_passthrough_opts {
	const char *root;        /* host directory; must exist */
	unsigned max_inode_fds;  /* bound on O_PATH fds held; 0 = default */
	bool xattr;              /* pass extended attributes through */
	bool writeback;          /* offer FUSE_WRITEBACK_CACHE (default off) */
	double entry_timeout;    /* seconds; 0 = default (5 s) */
	double attr_timeout;
	/* The VM's budgets shared by all its shares (limits.h); NULL: a
	 * private one, as if this were the VM's only share. */
	struct fs_limits *limits;
};

/* 0 or -errno; fills *out (ops, state, free). */
int fs_passthrough_new(const struct fs_passthrough_opts *o, struct fs_backend *out);

#endif
