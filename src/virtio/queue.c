/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueue walking with every guest-supplied value checked (the
 * Firecracker rules): next < size, at most `size` hops per chain (no loops),
 * avail idx at most `size` ahead, addr+len inside guest RAM, indirect tables
 * checked the same way, readable buffers before writable ones.
 *
 * Ring words are read and written with __atomic accesses on naturally aligned
 * fields (alignment is checked at vq_init); descriptors are copied out once
 * before use so the guest cannot change them between check and use.
 */
#include "virtio/queue.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <linux/virtio_config.h>

/* Byte offsets inside the rings, from the uapi structs. */
#define AVAIL_FLAGS   offsetof(struct vring_avail, flags)
#define AVAIL_IDX     offsetof(struct vring_avail, idx)
#define AVAIL_RING(i) (offsetof(struct vring_avail, ring) + sizeof(__virtio16) * (size_t)(i))
#define USED_FLAGS    offsetof(struct vring_used, flags)
#define USED_IDX      offsetof(struct vring_used, idx)
#define USED_RING(i)  (offsetof(struct vring_used, ring) + sizeof(struct vring_used_elem) * (size_t)(i))

static inline uint16_t ld16(const uint8_t *base, size_t off)
{
	return le16toh(__atomic_load_n((const uint16_t *)(const void *)(base + off), __ATOMIC_RELAXED));
}

static inline void st16(uint8_t *base, size_t off, uint16_t v)
{
	__atomic_store_n((uint16_t *)(void *)(base + off), htole16(v), __ATOMIC_RELAXED);
}

static inline void st32(uint8_t *base, size_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(void *)(base + off), htole32(v), __ATOMIC_RELAXED);
}

static int fail(struct vq *q)
{
	q->broken = true;
	return -EIO;
}

static bool aligned_ptr(const void *p, size_t a)
{
	return ((uintptr_t)p & (a - 1)) == 0;
}

void vq_reset(struct vq *q)
{
	memset(q, 0, sizeof(*q));
}

int vq_init(struct vq *q, const struct guest_mem *mem, uint32_t size, uint64_t desc_gpa,
	    uint64_t avail_gpa, uint64_t used_gpa, uint64_t features)
{
	vq_reset(q);
	if (size == 0 || size > VQ_MAX_SIZE || (size & (size - 1)) != 0)
		return -EINVAL;
	if ((desc_gpa & (VRING_DESC_ALIGN_SIZE - 1)) || (avail_gpa & (VRING_AVAIL_ALIGN_SIZE - 1)) ||
	    (used_gpa & (VRING_USED_ALIGN_SIZE - 1)))
		return -EINVAL;

	/* Always include the event words: a driver may use them later and a
	 * ring that ends exactly at the end of RAM without them is suspicious
	 * anyway (the spec sizes the rings with them). */
	uint64_t desc_len = (uint64_t)sizeof(struct vring_desc) * size;
	uint64_t avail_len = AVAIL_RING(size) + sizeof(__virtio16);
	uint64_t used_len = USED_RING(size) + sizeof(__virtio16);
	uint8_t *d = guest_mem_ptr(mem, desc_gpa, desc_len);
	uint8_t *a = guest_mem_ptr(mem, avail_gpa, avail_len);
	uint8_t *u = guest_mem_ptr(mem, used_gpa, used_len);
	if (!d || !a || !u)
		return -EINVAL;
	/* Host mappings are page aligned in the VMM; a test's fake memory must be too. */
	if (!aligned_ptr(d, VRING_DESC_ALIGN_SIZE) || !aligned_ptr(a, VRING_AVAIL_ALIGN_SIZE) ||
	    !aligned_ptr(u, VRING_USED_ALIGN_SIZE))
		return -EINVAL;

	q->mem = mem;
	q->size = (uint16_t)size; /* 32768 fits */
	q->desc = d;
	q->avail = a;
	q->used = u;
	q->event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	q->indirect = features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	/* Both indexes start at 0 for a freshly set-up queue (spec 2.7). */
	q->used_idx = 0;
	q->last_avail = 0;
	return 0;
}

/* Copy descriptor i of a table out of guest memory (fields little endian). */
static void read_desc(const uint8_t *table, uint32_t i, struct vring_desc *out)
{
	struct vring_desc d;
	memcpy(&d, table + (size_t)i * sizeof(d), sizeof(d));
	/* The copy is the only read: without this the compiler may drop the
	 * local copy and load each field from guest memory again where used,
	 * after another vCPU changed it. */
	__asm__ volatile("" ::: "memory");
	out->addr = le64toh(d.addr);
	out->len = le32toh(d.len);
	out->flags = le16toh(d.flags);
	out->next = le16toh(d.next);
}

/* Add one plain (non-indirect) buffer to the chain. */
static int add_buf(struct vq *q, struct vq_chain *c, const struct vring_desc *d)
{
	bool wr = d->flags & VRING_DESC_F_WRITE;
	if (!wr && c->seen_wr)
		return fail(q); /* readable after writable */
	c->seen_wr |= wr;
	if (d->len == 0)
		return 0; /* nothing to transfer; tolerated, not mapped */
	if (c->nr_rd + c->nr_wr >= VQ_MAX_IOV)
		return fail(q);
	if ((uint64_t)c->rd_len + c->wr_len + d->len > VQ_MAX_CHAIN_LEN)
		return fail(q);
	void *p = guest_mem_ptr(q->mem, d->addr, d->len);
	if (!p)
		return fail(q); /* outside RAM, straddling regions, or addr+len overflows */
	struct iovec *v = &c->iov[c->nr_rd + c->nr_wr];
	v->iov_base = p;
	v->iov_len = d->len;
	if (wr) {
		c->nr_wr++;
		c->wr_len += d->len;
	} else {
		c->nr_rd++;
		c->rd_len += d->len;
	}
	return 0;
}

/* Walk an indirect table referenced by descriptor d. */
static int walk_indirect(struct vq *q, struct vq_chain *c, const struct vring_desc *d)
{
	if (!q->indirect)
		return fail(q);
	if (d->flags & VRING_DESC_F_NEXT)
		return fail(q); /* spec: INDIRECT and NEXT are exclusive */
	if (d->len == 0 || d->len % sizeof(struct vring_desc) != 0)
		return fail(q);
	uint32_t n = d->len / sizeof(struct vring_desc);
	if (n > VQ_MAX_SIZE)
		return fail(q); /* no legal chain is longer than the largest queue */
	const uint8_t *table = guest_mem_ptr(q->mem, d->addr, d->len);
	if (!table)
		return fail(q);

	uint32_t i = 0;
	for (uint32_t hops = 0;; hops++) {
		if (hops >= n)
			return fail(q); /* loop inside the table */
		struct vring_desc e;
		read_desc(table, i, &e);
		if (e.flags & VRING_DESC_F_INDIRECT)
			return fail(q); /* no nested tables */
		int r = add_buf(q, c, &e);
		if (r)
			return r;
		if (!(e.flags & VRING_DESC_F_NEXT))
			return 0;
		if (e.next >= n)
			return fail(q);
		i = e.next;
	}
}

static uint16_t avail_idx_acquire(const struct vq *q)
{
	/* Acquire: the ring entries and descriptors behind this index were
	 * written by the driver before it published the index. */
	uint16_t v = __atomic_load_n((const uint16_t *)(const void *)(q->avail + AVAIL_IDX),
				     __ATOMIC_ACQUIRE);
	return le16toh(v);
}

/* Number of unconsumed entries, or -EIO if the driver claims more than the ring holds. */
static int pending(struct vq *q)
{
	uint16_t n = (uint16_t)(avail_idx_acquire(q) - q->last_avail);
	if (n > q->size)
		return fail(q);
	return n;
}

bool vq_has_avail(struct vq *q)
{
	if (q->broken || q->size == 0)
		return false;
	return pending(q) > 0;
}

int vq_pop(struct vq *q, struct vq_chain *c)
{
	if (q->broken || q->size == 0)
		return -EIO;
	int n = pending(q);
	if (n <= 0)
		return n;

	uint16_t head = ld16(q->avail, AVAIL_RING(q->last_avail & (q->size - 1)));
	if (head >= q->size)
		return fail(q);
	q->last_avail++;

	c->head = head;
	c->nr_rd = c->nr_wr = 0;
	c->rd_len = c->wr_len = 0;
	c->seen_wr = false;

	uint16_t i = head;
	for (uint32_t hops = 0;; hops++) {
		if (hops >= q->size)
			return fail(q); /* chain longer than the ring: a loop */
		struct vring_desc d;
		read_desc(q->desc, i, &d);
		int r;
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* The table ends the chain (NEXT is rejected inside). */
			return walk_indirect(q, c, &d) ? -EIO : 1;
		}
		r = add_buf(q, c, &d);
		if (r)
			return r;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 1;
		if (d.next >= q->size)
			return fail(q);
		i = d.next;
	}
}

void vq_unpop(struct vq *q)
{
	if (!q->broken && q->size)
		q->last_avail--;
}

int vq_push(struct vq *q, uint16_t head, uint32_t len)
{
	if (q->broken || q->size == 0)
		return -EIO;
	if (head >= q->size)
		return fail(q); /* our bug, but never write outside the ring */
	size_t slot = q->used_idx & (q->size - 1);
	st32(q->used, USED_RING(slot) + offsetof(struct vring_used_elem, id), head);
	st32(q->used, USED_RING(slot) + offsetof(struct vring_used_elem, len), len);
	q->used_idx++;
	/* Release: the element (and the reply bytes) are visible before the index. */
	__atomic_store_n((uint16_t *)(void *)(q->used + USED_IDX), htole16(q->used_idx),
			 __ATOMIC_RELEASE);
	return 0;
}

int vq_push_many(struct vq *q, const struct vq_used *u, unsigned n)
{
	if (q->broken || q->size == 0)
		return -EIO;
	if (n > q->size)
		return fail(q); /* our bug: more than the ring holds */
	for (unsigned i = 0; i < n; i++) {
		if (u[i].head >= q->size)
			return fail(q);
		size_t slot = (uint16_t)(q->used_idx + i) & (q->size - 1);
		st32(q->used, USED_RING(slot) + offsetof(struct vring_used_elem, id), u[i].head);
		st32(q->used, USED_RING(slot) + offsetof(struct vring_used_elem, len), u[i].len);
	}
	q->used_idx = (uint16_t)(q->used_idx + n);
	/* One release for all: the driver sees every element of the batch or none. */
	__atomic_store_n((uint16_t *)(void *)(q->used + USED_IDX), htole16(q->used_idx),
			 __ATOMIC_RELEASE);
	return 0;
}

bool vq_should_notify(struct vq *q)
{
	if (q->broken || q->size == 0)
		return false;
	/* Full fence: our used->idx store must be visible before we read the
	 * driver's suppression state, or both sides may decide not to act. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(ld16(q->avail, AVAIL_FLAGS) & VRING_AVAIL_F_NO_INTERRUPT);

	uint16_t old = q->signalled_used;
	bool valid = q->signalled_used_valid;
	uint16_t new = q->used_idx;
	q->signalled_used = new;
	q->signalled_used_valid = true;
	if (!valid)
		return true; /* first decision after setup: signal to be safe */
	uint16_t used_event = ld16(q->avail, AVAIL_RING(q->size));
	return vring_need_event(used_event, new, old);
}

void vq_disable_notify(struct vq *q)
{
	if (q->broken || q->size == 0)
		return;
	/* With EVENT_IDX the driver kicks only when it passes avail_event,
	 * which we simply stop advancing while draining. */
	if (!q->event_idx)
		st16(q->used, USED_FLAGS, ld16(q->used, USED_FLAGS) | VRING_USED_F_NO_NOTIFY);
}

bool vq_enable_notify(struct vq *q)
{
	if (q->broken || q->size == 0)
		return false;
	if (q->event_idx)
		st16(q->used, USED_RING(q->size), q->last_avail); /* avail_event */
	else
		st16(q->used, USED_FLAGS,
		     ld16(q->used, USED_FLAGS) & (uint16_t)~VRING_USED_F_NO_NOTIFY);
	/* Full fence: publish "kick me" before re-reading avail->idx, else a
	 * buffer added in between would wait for a kick that never comes. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vq_has_avail(q);
}

size_t vq_iov_read(const struct iovec *iov, int cnt, void *buf, size_t len)
{
	size_t done = 0;
	for (int i = 0; i < cnt && done < len; i++) {
		size_t n = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;
		memcpy((uint8_t *)buf + done, iov[i].iov_base, n);
		done += n;
	}
	return done;
}

size_t vq_iov_write(const struct iovec *iov, int cnt, const void *buf, size_t len)
{
	size_t done = 0;
	for (int i = 0; i < cnt && done < len; i++) {
		size_t n = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;
		memcpy(iov[i].iov_base, (const uint8_t *)buf + done, n);
		done += n;
	}
	return done;
}
