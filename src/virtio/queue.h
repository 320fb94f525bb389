/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueues (virtio 1.x, <linux/virtio_ring.h>) over guest memory.
 *
 * Everything the guest supplies is hostile: ring addresses, avail index,
 * descriptor addresses, lengths, flags and next links are all checked. Any
 * violation sets q->broken and every later call fails with -EIO; the device
 * then marks itself DEVICE_NEEDS_RESET (see mmio_dev.h). Nothing here aborts.
 *
 * One struct vq is used by one thread at a time (the device worker); the
 * guest is the only concurrent party, and the barriers below order our ring
 * accesses against it.
 */
#ifndef CKRUN_VIRTIO_QUEUE_H
#define CKRUN_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_ring.h>

#include "virtio/guest_mem.h"

/* Bounds on one chain: buffers (readable + writable) and bytes per chain. */
#define VQ_MAX_IOV        1024
#define VQ_MAX_CHAIN_LEN  (256u << 20)
#define VQ_MAX_SIZE       32768 /* largest split queue size (spec maximum) */

struct vq {
	const struct guest_mem *mem;
	uint16_t size;          /* power of two, 0 = not set up */
	bool event_idx;         /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;          /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool broken;            /* a guest violation was seen; stop using this queue */

	uint8_t *desc;          /* host pointers, checked at vq_init */
	uint8_t *avail;
	uint8_t *used;

	uint16_t last_avail;    /* next avail ring slot to consume */
	uint16_t used_idx;      /* next used index to publish */
	uint16_t signalled_used;
	bool signalled_used_valid;
};

/* One popped chain: iov[0, nr_rd) device-readable (the request),
 * iov[nr_rd, nr_rd + nr_wr) device-writable (the reply buffers). */
struct vq_chain {
	uint16_t head;
	int nr_rd;
	int nr_wr;
	size_t rd_len;
	size_t wr_len;
	bool seen_wr;           /* a writable descriptor (even an empty one) was seen */
	struct iovec iov[VQ_MAX_IOV];
};

static inline const struct iovec *vq_chain_rd(const struct vq_chain *c) { return c->iov; }
static inline const struct iovec *vq_chain_wr(const struct vq_chain *c) { return c->iov + c->nr_rd; }

/*
 * Set up a queue of `size` entries at the given guest addresses. Checks size
 * (power of two, 1..VQ_MAX_SIZE), alignment (desc 16, avail 2, used 4) and
 * that each ring, including the event-index words, lies inside guest RAM.
 * features: the negotiated feature bits. 0 or -EINVAL (queue left unusable).
 */
int vq_init(struct vq *q, const struct guest_mem *mem, uint32_t size, uint64_t desc_gpa,
	    uint64_t avail_gpa, uint64_t used_gpa, uint64_t features);

/* Forget everything (device reset). */
void vq_reset(struct vq *q);

/*
 * Take the next available chain. 1 = *c filled, 0 = ring empty,
 * -EIO = guest violation (q->broken set) or queue not usable.
 */
int vq_pop(struct vq *q, struct vq_chain *c);

/* Give back the chain just popped, unused (e.g. no input was ready after all). */
void vq_unpop(struct vq *q);

/* Return a chain; len = bytes actually written into its writable part. 0 or -EIO. */
int vq_push(struct vq *q, uint16_t head, uint32_t len);

/* Several chains returned together (a frame spread over mergeable receive
 * buffers): all elements are written, then the used index moves once, so the
 * driver never sees part of the batch. 0 or -EIO. */
struct vq_used {
	uint16_t head;
	uint32_t len;
};
int vq_push_many(struct vq *q, const struct vq_used *u, unsigned n);

/* After pushing: must the driver be interrupted? (EVENT_IDX or NO_INTERRUPT) */
bool vq_should_notify(struct vq *q);

/* Ask the driver not to kick us while we are draining. */
void vq_disable_notify(struct vq *q);
/* Ask for kicks again; true if buffers arrived meanwhile (drain again). */
bool vq_enable_notify(struct vq *q);

/* Are there chains we have not consumed? (false on a broken queue) */
bool vq_has_avail(struct vq *q);

/* Gather up to len bytes out of / scatter into guest buffers; returns bytes copied. */
size_t vq_iov_read(const struct iovec *iov, int cnt, void *buf, size_t len);
size_t vq_iov_write(const struct iovec *iov, int cnt, const void *buf, size_t len);

#endif
