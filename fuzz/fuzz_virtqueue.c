/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the split-virtqueue walker (src/virtio/queue.c) over a fake
 * guest memory of two adjacent regions, each its own allocation, filled from
 * the input (descriptor table, rings, indirect tables: fuzz_format.h).
 * Chains are popped until the ring is empty or the queue breaks, each one is
 * pushed back, and notification suppression is exercised.
 *
 * Invariants (abort() when broken): every iovec of a popped chain lies inside
 * one region; counts and byte totals agree with the iovecs and stay under
 * VQ_MAX_IOV / VQ_MAX_CHAIN_LEN; readable buffers come before writable ones
 * by construction of nr_rd/nr_wr; a broken queue stays broken.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/queue.h"

#include "fuzz_check.h"
#include "fuzz_format.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vq_chain chain; /* large: not on the stack */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

static bool inside(const struct guest_mem *m, const struct iovec *v)
{
	for (int i = 0; i < m->nr; i++) {
		const uint8_t *b = m->r[i].hva, *p = v->iov_base;

		if (p >= b && v->iov_len <= m->r[i].size && p - b <= (ptrdiff_t)(m->r[i].size - v->iov_len))
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem m = { 0 };
	struct vq q;
	uint64_t features = 0;
	uint32_t qsize;
	size_t img;
	int popped = 0;

	if (size < FZ_VQ_HDR)
		return 0;
	m.nr = 2;
	m.r[0] = (struct guest_mem_region){ .gpa = FZ_VQ_GPA0, .size = FZ_VQ_SIZE0 };
	m.r[1] = (struct guest_mem_region){ .gpa = FZ_VQ_GPA1, .size = FZ_VQ_SIZE1 };
	/* Page aligned like the VMM's mappings; exact size so ASan flags overruns. */
	m.r[0].hva = aligned_alloc(4096, FZ_VQ_SIZE0);
	m.r[1].hva = aligned_alloc(4096, FZ_VQ_SIZE1);
	CHECK(m.r[0].hva && m.r[1].hva);
	memset(m.r[0].hva, 0, FZ_VQ_SIZE0);
	memset(m.r[1].hva, 0, FZ_VQ_SIZE1);
	img = size - FZ_VQ_HDR;
	if (img > FZ_VQ_SIZE0 + FZ_VQ_SIZE1)
		img = FZ_VQ_SIZE0 + FZ_VQ_SIZE1;
	memcpy(m.r[0].hva, data + FZ_VQ_HDR, img < FZ_VQ_SIZE0 ? img : FZ_VQ_SIZE0);
	if (img > FZ_VQ_SIZE0)
		memcpy(m.r[1].hva, data + FZ_VQ_HDR + FZ_VQ_SIZE0, img - FZ_VQ_SIZE0);

	qsize = 1u << (data[0] % 9);
	if (data[1] & 1)
		features |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
	if (data[1] & 2)
		features |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	if (vq_init(&q, &m, qsize, FZ_VQ_GPA0 + (data[2] | data[3] << 8),
		    FZ_VQ_GPA0 + (data[4] | data[5] << 8), FZ_VQ_GPA0 + (data[6] | data[7] << 8),
		    features) < 0)
		goto out;

	vq_disable_notify(&q);
	/* Bounded: rings may overlap, so our own used-ring writes can publish
	 * "new" avail entries; that is guest nonsense, not a device fault. */
	for (bool unpopped = false; popped < 2 * (int)qsize + 2;) {
		int rc = vq_pop(&q, &chain);
		size_t rd = 0, wr = 0;

		CHECK(rc == 1 || rc == 0 || rc == -EIO);
		if (rc == -EIO) {
			CHECK(q.broken);
			CHECK(vq_pop(&q, &chain) == -EIO);
			CHECK(!vq_has_avail(&q));
			break;
		}
		if (rc == 0) {
			if (!vq_enable_notify(&q))
				break;
			continue; /* the input cannot add buffers meanwhile: loop ends below */
		}
		popped++;
		CHECK(chain.head < qsize);
		CHECK(chain.nr_rd >= 0 && chain.nr_wr >= 0 && chain.nr_rd + chain.nr_wr <= VQ_MAX_IOV);
		for (int i = 0; i < chain.nr_rd + chain.nr_wr; i++) {
			CHECK(chain.iov[i].iov_len > 0);
			CHECK(inside(&m, &chain.iov[i]));
			*(i < chain.nr_rd ? &rd : &wr) += chain.iov[i].iov_len;
		}
		CHECK(rd == chain.rd_len && wr == chain.wr_len);
		CHECK(rd + wr <= VQ_MAX_CHAIN_LEN);
		/* Touch every byte the device may read or write. */
		{
			static uint8_t sink[4096];

			for (int i = 0; i < chain.nr_rd; i++)
				vq_iov_read(&chain.iov[i], 1, sink,
					    chain.iov[i].iov_len < sizeof(sink) ? chain.iov[i].iov_len : sizeof(sink));
			vq_iov_write(vq_chain_wr(&chain), chain.nr_wr, sink, sizeof(sink) < wr ? sizeof(sink) : wr);
		}
		if ((data[1] & 4) && !unpopped) {
			unpopped = true;
			popped--;
			vq_unpop(&q);
			continue;
		}
		CHECK(vq_push(&q, chain.head, (uint32_t)wr) == 0);
		(void)vq_should_notify(&q);
	}
out:
	free(m.r[0].hva);
	free(m.r[1].hva);
	return 0;
}
