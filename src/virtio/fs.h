/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio-fs device (device id 26): one share, served by the FUSE server. */
#ifndef CKRUN_VIRTIO_FS_H
#define CKRUN_VIRTIO_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/backend.h"
#include "virtio/guest_mem.h"
#include "virtio/mmio.h"

struct virtio_fs_config {
	const char *tag;          /* at most 36 bytes */
	struct fs_backend backend; /* a share's stack (fs_share_new); the device takes ownership */
	/* DAX window (shm id 0); size 0 = none. host is a PROT_NONE reservation
	 * registered with KVM at guest address gpa. */
	void *dax_host;
	uint64_t dax_gpa;
	uint64_t dax_size;
	/* The exit-code ioctl (CKRUN_IOC_EXIT_CODE) from the guest: recorded for the VM's exit. */
	void (*exit_code)(void *opaque, int32_t code);
	void *opaque;
	/* The VM's budgets shared by all shares (fs/limits.h); NULL: private. */
	struct fs_limits *limits;
};

/* 0 or -errno; on failure the backend has been freed. */
int virtio_fs_new(const struct virtio_fs_config *cfg, const struct guest_mem *mem,
		  struct virtio_mmio_dev **out);

#endif
