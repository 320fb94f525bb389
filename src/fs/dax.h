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

/* The unit of every mapping: Linux guests map their window in 2 MiB ranges
 * at 2 MiB window and file offsets (FUSE_DAX_SHIFT in fs/fuse/dax.c, not in
 * a uapi header), and the server advertises it as INIT's map_alignment (the
 * guest accepts any value up to its own shift). A coarser unit than the page
 * bounds the process's memory regions per window to size / 2 MiB. */
#define FS_DAX_SHIFT 21
#define FS_DAX_CHUNK ((uint64_t)1 << FS_DAX_SHIFT)

struct fs_limits;

/* Which chunks of one window are mapped, and their charge to the VM's cap
 * (limits.h, FS_DAX_MAX_LIVE_CHUNKS). The server creates one per window;
 * limits NULL: a private cap. 0 or -ENOMEM. */
int fs_dax_map_new(uint64_t window_size, struct fs_limits *limits, struct fs_dax_map **out);
void fs_dax_map_free(struct fs_dax_map *m);
/* Chunks mapped now (tests, statistics). */
uint64_t fs_dax_map_live(struct fs_dax_map *m);

/* Most entries one REMOVEMAPPING may carry. A 6.1 guest sends at most
 * PAGE_SIZE / sizeof(struct fuse_removemapping_one) (256 with 4 KiB pages). */
#define FS_DAX_REMOVE_MAX 4096u

/* Opens node `nodeid` (a regular file only) with O_RDONLY or O_RDWR; returns
 * an fd the caller closes, or -errno. */
typedef int (*fs_dax_open_fn)(void *fs, uint64_t nodeid, int flags);

/* 0 or -errno. -EINVAL: not in whole chunks (moffset, len, foffset), empty,
 * overflowing, outside the window, unknown flags; -ENOMEM: the VM's cap on
 * live chunks is reached (w->map). The window range is PROT_NONE again after
 * any failure. */
int fs_dax_setupmapping(void *fs, fs_dax_open_fn open_file, uint64_t nodeid,
			const struct fuse_setupmapping_in *in, const struct fs_dax_window *w);

/* Same signature as fs_ops.removemapping. Every entry is checked (whole
 * chunks inside the window) before any is applied; count 0 is a no-op;
 * count > FS_DAX_REMOVE_MAX -> -EINVAL. */
int fs_dax_removemapping(void *fs, const struct fs_ctx *c, const struct fuse_removemapping_one *one,
			 uint32_t count, const struct fs_dax_window *w);

#endif
