/* SPDX-License-Identifier: Apache-2.0 */
/* A fake guest memory for the virtio tests: one page-aligned malloc'd region. */
#ifndef CKRUN_TESTS_FAKE_MEM_H
#define CKRUN_TESTS_FAKE_MEM_H

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "virtio/guest_mem.h"

#define FAKE_GPA  0x100000ULL      /* not 0, so gpa/offset mix-ups show */
#define FAKE_SIZE (2ULL << 20)

static inline int fake_mem_init(struct guest_mem *m)
{
	void *p = aligned_alloc(4096, FAKE_SIZE);
	if (!p)
		return -1;
	memset(p, 0, FAKE_SIZE);
	memset(m, 0, sizeof(*m));
	m->r[0] = (struct guest_mem_region){ .gpa = FAKE_GPA, .size = FAKE_SIZE, .hva = p };
	m->nr = 1;
	return 0;
}

static inline void fake_mem_free(struct guest_mem *m)
{
	free(m->r[0].hva);
}

static inline void *fake_ptr(struct guest_mem *m, uint64_t gpa)
{
	return m->r[0].hva + (gpa - FAKE_GPA);
}

/* Standard test ring placement inside the fake memory. */
#define RING_DESC  (FAKE_GPA + 0x0)
#define RING_AVAIL (FAKE_GPA + 0x10000)
#define RING_USED  (FAKE_GPA + 0x20000)
#define DATA_GPA   (FAKE_GPA + 0x40000)

static inline void fake_desc(struct guest_mem *m, uint64_t table, unsigned i, uint64_t addr,
			     uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc *d = (struct vring_desc *)fake_ptr(m, table) + i;
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

static inline struct vring_avail *fake_avail(struct guest_mem *m)
{
	return fake_ptr(m, RING_AVAIL);
}

static inline struct vring_used *fake_used(struct guest_mem *m)
{
	return fake_ptr(m, RING_USED);
}

/* Post head at the next avail slot and publish it. */
static inline void fake_post(struct guest_mem *m, unsigned qsize, uint16_t head)
{
	struct vring_avail *a = fake_avail(m);
	uint16_t idx = le16toh(a->idx);
	a->ring[idx & (qsize - 1)] = htole16(head);
	__atomic_store_n(&a->idx, htole16((uint16_t)(idx + 1)), __ATOMIC_RELEASE);
}

#endif
