/* SPDX-License-Identifier: Apache-2.0 */
/* Virtual read-only files at the root of a share (e.g. /init.krun), over another backend. */
#ifndef CKRUN_FS_AUGMENT_H
#define CKRUN_FS_AUGMENT_H

#include "fs/backend.h"

struct fs_virtual_file {
	const char *name;   /* one path component at the share's root */
	const void *data;   /* not copied: must outlive the backend */
	size_t size;
	uint32_t mode;      /* e.g. S_IFREG | 0755 */
};

/* Takes ownership of inner (also on failure). 0 or -errno. */
int fs_augment_new(struct fs_backend inner, const struct fs_virtual_file *files, int nr,
		   struct fs_backend *out);

#endif
