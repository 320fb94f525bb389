/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device side of the virtio-mmio transport (private to src/virtio):
 * a device (fs.c, console.c) describes itself with a designated-initializer
 * ops table and gets its queues, its interrupt and its worker thread from
 * the transport.
 *
 * The worker's lifecycle lives here, once for every device: on DRIVER_OK the
 * transport calls activate (under its lock), then starts a thread with every
 * signal blocked that calls run(dev, t, stop_fd). A device reset (status 0)
 * or virtio_mmio_free makes stop_fd readable; run returns, and reset runs
 * right after it on the worker's thread, so the device's reset work (joining
 * nothing, but e.g. closing every inode fd) never runs on a vCPU thread. The
 * vCPU that wrote status 0 returns at once; the transport joins the worker
 * and forgets the queues at the device's next register access (or at free),
 * so the guest sees a completed reset, as before, whenever it looks.
 *
 * Threads: register accesses come from vCPU threads (serialised by the
 * transport's lock); activate is called under that lock. A worker only uses
 * its queues, virtio_mmio_signal_used and virtio_mmio_set_broken, which take
 * no lock.
 */
#ifndef CKRUN_VIRTIO_MMIO_DEV_H
#define CKRUN_VIRTIO_MMIO_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/guest_mem.h"
#include "virtio/mmio.h"
#include "virtio/queue.h"

#define VIRTIO_MMIO_MAX_QUEUES 16 /* console: 4 ports x 2 + 2 control */

struct virtio_dev_ops {
	uint32_t device_id;               /* VIRTIO_ID_* */
	int num_queues;                   /* <= VIRTIO_MMIO_MAX_QUEUES */
	uint16_t queue_num_max;
	uint64_t features;                /* offered; VIRTIO_F_VERSION_1 is required */
	/* Offered instead of .features when they depend on the device's
	 * configuration (virtio-net on a tap with offloads); asked once, in
	 * virtio_mmio_new. May be NULL. */
	uint64_t (*device_features)(void *dev);
	uint32_t config_len;              /* bytes of device config space */
	/* Copy config bytes [off, off+len) into buf; the transport checked the bounds. */
	void (*config_read)(void *dev, uint32_t off, void *buf, uint32_t len);
	/* DRIVER_OK, under the transport's lock, before the worker starts: reset the
	 * device's per-driver state. 0 or -errno (the transport then marks the
	 * device broken and starts nothing). May be NULL. */
	int (*activate)(void *dev, struct virtio_mmio_dev *t);
	/* The worker: serve the queues until stop_fd (an eventfd, never read by
	 * the device) is readable, then return. May return early when it cannot
	 * go on (after virtio_mmio_set_broken). NULL: a device with no worker. */
	void (*run)(void *dev, struct virtio_mmio_dev *t, int stop_fd);
	/* After run returned and a stop was asked for, on the worker's thread
	 * (without a worker: on the resetting thread): forget the driver's state.
	 * May block. May be NULL. */
	void (*reset)(void *dev);
	/* Shared-memory region `id`: true and base/len if it exists. May be NULL. */
	bool (*shm)(void *dev, uint32_t id, uint64_t *base, uint64_t *len);
	/* Release the device (its worker, if any, has been joined). */
	void (*free)(void *dev);
};

/* 0 or -errno; on failure ops->free(dev) has been called. mem is copied. */
int virtio_mmio_new(const struct virtio_dev_ops *ops, void *dev, const struct guest_mem *mem,
		    struct virtio_mmio_dev **out);

/* For a device's worker (valid between activate and reset). */
struct vq *virtio_mmio_queue(struct virtio_mmio_dev *t, int q);
uint64_t virtio_mmio_driver_features(const struct virtio_mmio_dev *t);
/* Used buffers were added: set the VRING interrupt bit and signal the irq eventfd. */
void virtio_mmio_signal_used(struct virtio_mmio_dev *t);
/* Guest violation: set DEVICE_NEEDS_RESET, raise a config interrupt. The device stops serving. */
void virtio_mmio_set_broken(struct virtio_mmio_dev *t);
bool virtio_mmio_is_broken(const struct virtio_mmio_dev *t);
uint32_t virtio_mmio_status(const struct virtio_mmio_dev *t);

#endif
