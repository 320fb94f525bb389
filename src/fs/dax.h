/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-fs DAX for the passthrough backend: FUSE_SETUPMAPPING maps a range of
 * a host file into the share's DAX window (host memory that is also a KVM
 * memory slot), FUSE_REMOVEMAPPING puts PROT_NONE anonymous memory back.
 * The server (server.c) has already checked moffset+len against the window;
 * everything is checked again here, so a backend call from elsewhere is safe.
 */
#ifndef CKRUN_FS_DAX_H
#define CKRUN_FS_DAX_H

#include "fs/backend.h"

/* Most entries one REMOVEMAPPING may carry. A 6.1 guest sends at most
 * PAGE_SIZE / sizeof(struct fuse_removemapping_one) (256 with 4 KiB pages). */
#define FS_DAX_REMOVE_MAX 4096u

/* Opens node `nodeid` (a regular file only) with O_RDONLY or O_RDWR; returns
 * an fd the caller closes, or -errno. */
typedef int (*fs_dax_open_fn)(void *fs, uint64_t nodeid, int flags);

/* 0 or -errno. -EINVAL: unaligned, empty, overflowing, outside the window,
 * unknown flags. The window range is PROT_NONE again after any failure. */
int fs_dax_setupmapping(void *fs, fs_dax_open_fn open_file, uint64_t nodeid,
			const struct fuse_setupmapping_in *in, const struct fs_dax_window *w);

/* Same signature as fs_ops.removemapping. Every entry is checked before any
 * is applied; count 0 is a no-op; count > FS_DAX_REMOVE_MAX -> -EINVAL. */
int fs_dax_removemapping(void *fs, const struct fs_ctx *c, const struct fuse_removemapping_one *one,
			 uint32_t count, const struct fs_dax_window *w);

#endif
