/* SPDX-License-Identifier: Apache-2.0 */
/* A tiny virtio driver for tests: sets up queues through the mmio registers and
 * posts chains into fake guest memory, then waits for the device's used ring. */
#ifndef CKRUN_TESTS_FAKE_DRIVER_H
#define CKRUN_TESTS_FAKE_DRIVER_H

#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "fake_mem.h"
#include "virtio/mmio.h"

#define TQ_SIZE 16

struct tq {
	uint64_t desc, avail, used;
	uint16_t next_desc;
	uint16_t last_used;
};

struct tbuf {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

static inline void td_wr(struct virtio_mmio_dev *t, uint64_t off, uint32_t v)
{
	virtio_mmio_write(t, off, v, 4);
}

/* Queue k's rings live at base + k * 0x4000 (desc, avail, used 4 KiB apart). */
static inline void td_setup_queue_at(struct virtio_mmio_dev *t, struct tq *q, int k, uint64_t base)
{
	uint64_t b = base + (uint64_t)k * 0x4000;
	*q = (struct tq){ .desc = b, .avail = b + 0x1000, .used = b + 0x2000 };
	td_wr(t, VIRTIO_MMIO_QUEUE_SEL, (uint32_t)k);
	td_wr(t, VIRTIO_MMIO_QUEUE_NUM, TQ_SIZE);
	td_wr(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q->desc);
	td_wr(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(q->desc >> 32));
	td_wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)q->avail);
	td_wr(t, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(q->avail >> 32));
	td_wr(t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)q->used);
	td_wr(t, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(q->used >> 32));
	td_wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* The first device's queues: rings at FAKE_GPA + 0x80000 + k * 0x4000. */
static inline void td_setup_queue(struct virtio_mmio_dev *t, struct tq *q, int k)
{
	td_setup_queue_at(t, q, k, FAKE_GPA + 0x80000);
}

static inline void td_negotiate(struct virtio_mmio_dev *t, uint64_t feat)
{
	td_wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	td_wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	td_wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)feat);
	td_wr(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	td_wr(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(feat >> 32));
	td_wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				     VIRTIO_CONFIG_S_FEATURES_OK);
}

static inline void td_driver_ok(struct virtio_mmio_dev *t)
{
	td_wr(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				     VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Post one chain (descriptors taken round-robin) and publish it; returns the head. */
static inline uint16_t td_post(struct guest_mem *m, struct tq *q, const struct tbuf *b, int n)
{
	uint16_t head = q->next_desc;
	for (int i = 0; i < n; i++) {
		uint16_t d = (uint16_t)((q->next_desc + i) % TQ_SIZE);
		uint16_t nx = (uint16_t)((d + 1) % TQ_SIZE);
		uint16_t fl = (uint16_t)((b[i].write ? VRING_DESC_F_WRITE : 0) |
					 (i + 1 < n ? VRING_DESC_F_NEXT : 0));
		fake_desc(m, q->desc, d, b[i].gpa, b[i].len, fl, nx);
	}
	q->next_desc = (uint16_t)((q->next_desc + n) % TQ_SIZE);
	struct vring_avail *a = fake_ptr(m, q->avail);
	uint16_t idx = le16toh(a->idx);
	a->ring[idx % TQ_SIZE] = htole16(head);
	__atomic_store_n(&a->idx, htole16((uint16_t)(idx + 1)), __ATOMIC_RELEASE);
	return head;
}

/* Wait up to 5 s for the next used element; true and id, len set when it came. */
static inline bool td_wait_used(struct guest_mem *m, struct tq *q, uint32_t *id, uint32_t *len)
{
	struct vring_used *u = fake_ptr(m, q->used);
	for (int i = 0; i < 5000; i++) {
		uint16_t idx = le16toh(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE));
		if (idx != q->last_used) {
			struct vring_used_elem *e = &u->ring[q->last_used % TQ_SIZE];
			if (id)
				*id = le32toh(e->id);
			if (len)
				*len = le32toh(e->len);
			q->last_used++;
			return true;
		}
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

#endif
