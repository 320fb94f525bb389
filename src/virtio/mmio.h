/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport (version 2) as the VMM sees it. The VMM routes
 * MMIO exits in [base, base + LAYOUT_VIRTIO_MMIO_SIZE) to read/write below,
 * registers each queue's notify eventfd as a KVM ioeventfd on offset 0x50
 * (datamatch = queue index) and the irq eventfd as a KVM irqfd on the
 * device's IRQ line. Devices (fs.c, console.c) run their own worker threads;
 * nothing device-specific runs on a vCPU thread.
 */
#ifndef CKRUN_VIRTIO_MMIO_H
#define CKRUN_VIRTIO_MMIO_H

#include <stdint.h>

struct virtio_mmio_dev;

/* Register access from a vCPU thread; size is 1, 2 or 4. Bad accesses are ignored / read 0. */
uint32_t virtio_mmio_read(struct virtio_mmio_dev *d, uint64_t offset, unsigned size);
void virtio_mmio_write(struct virtio_mmio_dev *d, uint64_t offset, uint32_t value, unsigned size);

int virtio_mmio_num_queues(const struct virtio_mmio_dev *d);
/* eventfd the guest's QueueNotify for queue q is routed to (KVM ioeventfd). */
int virtio_mmio_notify_fd(const struct virtio_mmio_dev *d, int q);
/* eventfd the device signals to raise its interrupt (KVM irqfd). */
int virtio_mmio_irq_fd(const struct virtio_mmio_dev *d);

/* Stops the device's threads, releases everything. Safe on NULL. */
void virtio_mmio_free(struct virtio_mmio_dev *d);

#endif
