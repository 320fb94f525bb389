/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One share's backend stack, composed in one place: passthrough on the host
 * directory, the read-only wrapper when the share is read-only, and the
 * virtual files at its root (the guest init on the boot root) on top.
 */
#ifndef CKRUN_FS_SHARE_H
#define CKRUN_FS_SHARE_H

#include <stdbool.h>

#include "fs/augment.h"
#include "fs/backend.h"

struct fs_limits;

struct fs_share_opts {
	const char *path;                         /* host directory; must exist */
	bool read_only;                           /* every mutation -> EROFS */
	const struct fs_virtual_file *root_extras; /* read-only files at the root; NULL = none */
	int nr_root_extras;
	struct fs_limits *limits;                 /* the VM's, shared by its shares; NULL: private */
};

/* 0 with *out (the caller owns it: out->free), or -errno with nothing held. */
int fs_share_new(const struct fs_share_opts *o, struct fs_backend *out);

#endif
