/* SPDX-License-Identifier: Apache-2.0 */
/* Every virtqueue rule over a fake guest memory: violations break the queue, never the process. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <linux/virtio_config.h>

#include "fake_mem.h"
#include "virtio/queue.h"

#define QSIZE 16
#define TABLE_GPA (FAKE_GPA + 0x30000)
#define FEAT_ALL ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) | \
		  (1ULL << VIRTIO_RING_F_INDIRECT_DESC))

struct fx {
	struct guest_mem mem;
	struct vq q;
	struct vq_chain c;
};

static int setup_feat(void **state, uint64_t feat)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || fake_mem_init(&f->mem))
		return -1;
	if (vq_init(&f->q, &f->mem, QSIZE, RING_DESC, RING_AVAIL, RING_USED, feat))
		return -1;
	*state = f;
	return 0;
}

static int setup(void **state) { return setup_feat(state, FEAT_ALL); }
static int setup_noevent(void **state) { return setup_feat(state, 1ULL << VIRTIO_F_VERSION_1); }

static int teardown(void **state)
{
	struct fx *f = *state;
	fake_mem_free(&f->mem);
	free(f);
	return 0;
}

static void assert_broken(struct fx *f, int r)
{
	assert_int_equal(r, -EIO);
	assert_true(f->q.broken);
	/* Sticky: nothing more comes out, nothing goes in. */
	assert_int_equal(vq_pop(&f->q, &f->c), -EIO);
	assert_int_equal(vq_push(&f->q, 0, 0), -EIO);
	assert_false(vq_should_notify(&f->q));
}

static void test_good_chain(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 3, DATA_GPA, 40, VRING_DESC_F_NEXT, 7);
	fake_desc(&f->mem, RING_DESC, 7, DATA_GPA + 100, 8, VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, RING_DESC, 1, DATA_GPA + 200, 64, VRING_DESC_F_WRITE, 0);
	assert_int_equal(vq_pop(&f->q, &f->c), 0);
	fake_post(&f->mem, QSIZE, 3);
	assert_true(vq_has_avail(&f->q));
	assert_int_equal(vq_pop(&f->q, &f->c), 1);
	assert_int_equal(f->c.head, 3);
	assert_int_equal(f->c.nr_rd, 2);
	assert_int_equal(f->c.nr_wr, 1);
	assert_int_equal(f->c.rd_len, 48);
	assert_int_equal(f->c.wr_len, 64);
	assert_ptr_equal(vq_chain_rd(&f->c)[0].iov_base, fake_ptr(&f->mem, DATA_GPA));
	assert_ptr_equal(vq_chain_rd(&f->c)[1].iov_base, fake_ptr(&f->mem, DATA_GPA + 100));
	assert_ptr_equal(vq_chain_wr(&f->c)[0].iov_base, fake_ptr(&f->mem, DATA_GPA + 200));
	assert_int_equal(vq_chain_wr(&f->c)[0].iov_len, 64);
	assert_int_equal(vq_pop(&f->q, &f->c), 0);

	assert_int_equal(vq_push(&f->q, 3, 17), 0);
	struct vring_used *u = fake_used(&f->mem);
	assert_int_equal(le16toh(u->idx), 1);
	assert_int_equal(le32toh(u->ring[0].id), 3);
	assert_int_equal(le32toh(u->ring[0].len), 17);
	assert_false(f->q.broken);
}

static void test_ring_wraps(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 4, 0, 0);
	for (int i = 0; i < 3 * QSIZE + 5; i++) {
		fake_post(&f->mem, QSIZE, 0);
		assert_int_equal(vq_pop(&f->q, &f->c), 1);
		assert_int_equal(vq_push(&f->q, 0, 0), 0);
	}
	assert_int_equal(le16toh(fake_used(&f->mem)->idx), 3 * QSIZE + 5);
	assert_false(f->q.broken);
}

static void test_next_out_of_range(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 4, VRING_DESC_F_NEXT, QSIZE);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_head_out_of_range(void **state)
{
	struct fx *f = *state;
	fake_post(&f->mem, QSIZE, QSIZE + 3);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_loop(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 4, VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, RING_DESC, 1, DATA_GPA, 4, VRING_DESC_F_NEXT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_loop_of_empty_buffers(void **state)
{
	struct fx *f = *state;
	/* Empty buffers use no iovec, so only the hop limit stops this loop. */
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 0, VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, RING_DESC, 1, DATA_GPA, 0, VRING_DESC_F_NEXT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_loop_of_empty_buffers(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, TABLE_GPA, 0, DATA_GPA, 0, VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, TABLE_GPA, 1, DATA_GPA, 0, VRING_DESC_F_NEXT, 0);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_self_loop(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 5, DATA_GPA, 4, VRING_DESC_F_NEXT, 5);
	fake_post(&f->mem, QSIZE, 5);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_longest_legal_chain(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < QSIZE; i++)
		fake_desc(&f->mem, RING_DESC, i, DATA_GPA + i * 8, 8,
			  i < QSIZE - 1 ? VRING_DESC_F_NEXT : 0, i + 1);
	fake_post(&f->mem, QSIZE, 0);
	assert_int_equal(vq_pop(&f->q, &f->c), 1);
	assert_int_equal(f->c.nr_rd, QSIZE);
}

static void test_avail_too_far_ahead(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 4, 0, 0);
	fake_avail(&f->mem)->idx = htole16(QSIZE + 1);
	assert_false(vq_has_avail(&f->q));
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_avail_exactly_full(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 4, 0, 0);
	fake_avail(&f->mem)->idx = htole16(QSIZE); /* ring entries all 0 = desc 0 */
	for (int i = 0; i < QSIZE; i++)
		assert_int_equal(vq_pop(&f->q, &f->c), 1);
	assert_int_equal(vq_pop(&f->q, &f->c), 0);
}

static void test_addr_outside_ram(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, FAKE_GPA + FAKE_SIZE, 4, 0, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_addr_below_ram(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, FAKE_GPA - 8, 4, 0, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_addr_straddles_end(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, FAKE_GPA + FAKE_SIZE - 8, 9, VRING_DESC_F_WRITE, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_addr_len_overflow(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, UINT64_MAX - 15, 0x1000, 0, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_len_zero_skipped(void **state)
{
	struct fx *f = *state;
	/* A zero-length buffer transfers nothing: tolerated (even at a bogus
	 * address, since it is never mapped) and left out of the iovecs. */
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 16, VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, RING_DESC, 1, UINT64_MAX, 0, VRING_DESC_F_NEXT, 2);
	fake_desc(&f->mem, RING_DESC, 2, DATA_GPA + 64, 32, VRING_DESC_F_WRITE, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_int_equal(vq_pop(&f->q, &f->c), 1);
	assert_int_equal(f->c.nr_rd, 1);
	assert_int_equal(f->c.nr_wr, 1);
	assert_int_equal(f->c.rd_len, 16);
	assert_int_equal(f->c.wr_len, 32);
}

static void test_len_zero_writable_then_readable(void **state)
{
	struct fx *f = *state;
	/* Order still counts for an empty buffer. */
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 0, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, RING_DESC, 1, DATA_GPA, 8, 0, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_readable_after_writable(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 8, VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, RING_DESC, 1, DATA_GPA + 8, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	fake_desc(&f->mem, RING_DESC, 2, DATA_GPA + 16, 8, 0, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_good(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, TABLE_GPA, 0, DATA_GPA, 40, VRING_DESC_F_NEXT, 2);
	fake_desc(&f->mem, TABLE_GPA, 2, DATA_GPA + 64, 100, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	fake_desc(&f->mem, TABLE_GPA, 1, DATA_GPA + 256, 10, VRING_DESC_F_WRITE, 0);
	/* The WRITE flag on the table descriptor itself is ignored. */
	fake_desc(&f->mem, RING_DESC, 4, TABLE_GPA, 3 * 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	fake_post(&f->mem, QSIZE, 4);
	assert_int_equal(vq_pop(&f->q, &f->c), 1);
	assert_int_equal(f->c.head, 4);
	assert_int_equal(f->c.nr_rd, 1);
	assert_int_equal(f->c.nr_wr, 2);
	assert_int_equal(f->c.wr_len, 110);
	assert_ptr_equal(vq_chain_wr(&f->c)[1].iov_base, fake_ptr(&f->mem, DATA_GPA + 256));
}

static void test_indirect_after_direct(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, TABLE_GPA, 0, DATA_GPA + 64, 100, VRING_DESC_F_WRITE, 0);
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 8, VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, RING_DESC, 1, TABLE_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_int_equal(vq_pop(&f->q, &f->c), 1);
	assert_int_equal(f->c.nr_rd, 1);
	assert_int_equal(f->c.nr_wr, 1);
}

static void test_indirect_not_negotiated(void **state)
{
	struct fx *f = *state;
	assert_int_equal(vq_init(&f->q, &f->mem, QSIZE, RING_DESC, RING_AVAIL, RING_USED,
				 1ULL << VIRTIO_F_VERSION_1), 0);
	fake_desc(&f->mem, TABLE_GPA, 0, DATA_GPA, 8, 0, 0);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_bad_len(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, TABLE_GPA, 0, DATA_GPA, 8, 0, 0);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, 24, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_zero_len(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, 0, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_table_too_big(void **state)
{
	struct fx *f = *state;
	/* More entries than any legal chain (the table lies in RAM, its first entry is fine). */
	fake_desc(&f->mem, TABLE_GPA, 0, DATA_GPA, 8, 0, 0);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, (VQ_MAX_SIZE + 1) * 16, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_nested(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, TABLE_GPA + 0x100, 0, DATA_GPA, 8, 0, 0);
	fake_desc(&f->mem, TABLE_GPA, 0, TABLE_GPA + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_with_next(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, TABLE_GPA, 0, DATA_GPA, 8, 0, 0);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, RING_DESC, 1, DATA_GPA, 8, 0, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_outside_ram(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, RING_DESC, 0, FAKE_GPA + FAKE_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_next_out_of_range(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, TABLE_GPA, 0, DATA_GPA, 8, VRING_DESC_F_NEXT, 2); /* table has 2 */
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_loop(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, TABLE_GPA, 0, DATA_GPA, 8, VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, TABLE_GPA, 1, DATA_GPA, 8, VRING_DESC_F_NEXT, 0);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_buffer_outside_ram(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, TABLE_GPA, 0, FAKE_GPA + FAKE_SIZE, 8, 0, 0);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, 16, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_indirect_readable_after_writable(void **state)
{
	struct fx *f = *state;
	fake_desc(&f->mem, TABLE_GPA, 0, DATA_GPA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, TABLE_GPA, 1, DATA_GPA, 8, 0, 0);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_too_many_buffers(void **state)
{
	struct fx *f = *state;
	/* An indirect table can describe more buffers than we accept. */
	unsigned n = VQ_MAX_IOV + 1;
	for (unsigned i = 0; i < n; i++)
		fake_desc(&f->mem, TABLE_GPA, i, DATA_GPA + i, 1, i + 1 < n ? VRING_DESC_F_NEXT : 0, i + 1);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, n * 16, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
}

static void test_max_buffers_ok(void **state)
{
	struct fx *f = *state;
	unsigned n = VQ_MAX_IOV;
	for (unsigned i = 0; i < n; i++)
		fake_desc(&f->mem, TABLE_GPA, i, DATA_GPA + i, 1, i + 1 < n ? VRING_DESC_F_NEXT : 0, i + 1);
	fake_desc(&f->mem, RING_DESC, 0, TABLE_GPA, n * 16, VRING_DESC_F_INDIRECT, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_int_equal(vq_pop(&f->q, &f->c), 1);
	assert_int_equal(f->c.nr_rd, VQ_MAX_IOV);
}

static void test_chain_too_long_in_bytes(void **state)
{
	struct fx *f = *state;
	/* A large second region (address space only, never touched). */
	size_t big = 512u << 20;
	void *p = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	uint64_t gpa = 1ULL << 32;
	f->mem.r[1] = (struct guest_mem_region){ .gpa = gpa, .size = big, .hva = p };
	f->mem.nr = 2;
	fake_desc(&f->mem, RING_DESC, 0, gpa, 200u << 20, VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, RING_DESC, 1, gpa, 100u << 20, VRING_DESC_F_WRITE, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
	f->mem.nr = 1;
	munmap(p, big);
}

static void test_buffer_across_regions(void **state)
{
	struct fx *f = *state;
	/* Two adjacent regions: a buffer spanning both is refused (one host mapping per iovec). */
	void *p = aligned_alloc(4096, 4096);
	assert_non_null(p);
	f->mem.r[1] = (struct guest_mem_region){ .gpa = FAKE_GPA + FAKE_SIZE, .size = 4096, .hva = p };
	f->mem.nr = 2;
	fake_desc(&f->mem, RING_DESC, 0, FAKE_GPA + FAKE_SIZE - 8, 16, 0, 0);
	fake_post(&f->mem, QSIZE, 0);
	assert_broken(f, vq_pop(&f->q, &f->c));
	f->mem.nr = 1;
	free(p);
}

static void test_ring_setup_rules(void **state)
{
	struct fx *f = *state;
	struct vq q;
	uint64_t ft = FEAT_ALL;
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, RING_DESC, RING_AVAIL, RING_USED, ft), 0);
	assert_int_equal(vq_init(&q, &f->mem, 0, RING_DESC, RING_AVAIL, RING_USED, ft), -EINVAL);
	assert_int_equal(vq_init(&q, &f->mem, 12, RING_DESC, RING_AVAIL, RING_USED, ft), -EINVAL);
	assert_int_equal(vq_init(&q, &f->mem, 65536, RING_DESC, RING_AVAIL, RING_USED, ft), -EINVAL);
	/* misaligned */
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, RING_DESC + 8, RING_AVAIL, RING_USED, ft), -EINVAL);
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, RING_DESC, RING_AVAIL + 1, RING_USED, ft), -EINVAL);
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, RING_DESC, RING_AVAIL, RING_USED + 2, ft), -EINVAL);
	/* outside RAM or running off its end */
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, 0, RING_AVAIL, RING_USED, ft), -EINVAL);
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, RING_DESC, FAKE_GPA + FAKE_SIZE, RING_USED, ft), -EINVAL);
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, FAKE_GPA + FAKE_SIZE - 16 * QSIZE + 16,
				 RING_AVAIL, RING_USED, ft), -EINVAL);
	/* used ring without room for avail_event */
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, RING_DESC, RING_AVAIL,
				 FAKE_GPA + FAKE_SIZE - (4 + 8 * QSIZE), ft), -EINVAL);
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, RING_DESC, RING_AVAIL,
				 FAKE_GPA + FAKE_SIZE - (4 + 8 * QSIZE + 4), ft), 0);
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, RING_DESC, RING_AVAIL, UINT64_MAX - 3, ft), -EINVAL);
	/* A queue that failed setup refuses to work. */
	assert_int_equal(vq_init(&q, &f->mem, QSIZE, 0, RING_AVAIL, RING_USED, ft), -EINVAL);
	assert_int_equal(vq_pop(&q, &f->c), -EIO);
}

static void test_event_idx_interrupts(void **state)
{
	struct fx *f = *state;
	struct vring_avail *a = fake_avail(&f->mem);
	__virtio16 *used_event = &a->ring[QSIZE];

	/* First decision signals. */
	assert_int_equal(vq_push(&f->q, 0, 0), 0);
	assert_true(vq_should_notify(&f->q));
	/* Nothing new: no interrupt. */
	assert_false(vq_should_notify(&f->q));
	/* Driver wants an interrupt once used idx passes 5. */
	*used_event = htole16(5);
	assert_int_equal(vq_push(&f->q, 0, 0), 0); /* used = 2 */
	assert_false(vq_should_notify(&f->q));
	for (int i = 0; i < 3; i++)
		assert_int_equal(vq_push(&f->q, 0, 0), 0); /* used = 5 */
	assert_false(vq_should_notify(&f->q));
	assert_int_equal(vq_push(&f->q, 0, 0), 0); /* used = 6: crossed 5 */
	assert_true(vq_should_notify(&f->q));
	/* A batch that jumps over used_event still signals once. */
	*used_event = htole16(7);
	for (int i = 0; i < 4; i++)
		assert_int_equal(vq_push(&f->q, 0, 0), 0); /* used = 10 */
	assert_true(vq_should_notify(&f->q));
	/* NO_INTERRUPT is ignored with EVENT_IDX. */
	a->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	*used_event = htole16(10);
	assert_int_equal(vq_push(&f->q, 0, 0), 0);
	assert_true(vq_should_notify(&f->q));
}

static void test_event_idx_kicks(void **state)
{
	struct fx *f = *state;
	struct vring_used *u = fake_used(&f->mem);
	__virtio16 *avail_event = (__virtio16 *)&u->ring[QSIZE];
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 4, 0, 0);

	fake_post(&f->mem, QSIZE, 0);
	fake_post(&f->mem, QSIZE, 0);
	vq_disable_notify(&f->q);
	assert_int_equal(u->flags, 0); /* EVENT_IDX: flags untouched */
	assert_int_equal(vq_pop(&f->q, &f->c), 1);
	assert_int_equal(vq_pop(&f->q, &f->c), 1);
	assert_int_equal(vq_pop(&f->q, &f->c), 0);
	assert_false(vq_enable_notify(&f->q));
	assert_int_equal(le16toh(*avail_event), 2);
	/* A buffer that raced in before re-enable is found by the re-check. */
	fake_post(&f->mem, QSIZE, 0);
	assert_true(vq_enable_notify(&f->q));
	assert_int_equal(le16toh(*avail_event), 2);
}

static void test_flags_interrupts_and_kicks(void **state)
{
	struct fx *f = *state;
	struct vring_avail *a = fake_avail(&f->mem);
	struct vring_used *u = fake_used(&f->mem);
	fake_desc(&f->mem, RING_DESC, 0, DATA_GPA, 4, 0, 0);

	assert_int_equal(vq_push(&f->q, 0, 0), 0);
	assert_true(vq_should_notify(&f->q));
	a->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(vq_push(&f->q, 0, 0), 0);
	assert_false(vq_should_notify(&f->q));

	vq_disable_notify(&f->q);
	assert_int_equal(le16toh(u->flags) & VRING_USED_F_NO_NOTIFY, VRING_USED_F_NO_NOTIFY);
	assert_false(vq_enable_notify(&f->q));
	assert_int_equal(le16toh(u->flags) & VRING_USED_F_NO_NOTIFY, 0);
	fake_post(&f->mem, QSIZE, 0);
	vq_disable_notify(&f->q);
	assert_true(vq_enable_notify(&f->q));
}


static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_addr(void)
{
	switch (rnd() % 8) {
	case 0:
		return rnd(); /* anywhere */
	case 1:
		return FAKE_GPA + FAKE_SIZE - rnd() % 64; /* near the end */
	case 2:
		return FAKE_GPA - rnd() % 64; /* just below */
	case 3:
		return TABLE_GPA + (rnd() % 4) * 16; /* an indirect table */
	default:
		return DATA_GPA + rnd() % 0x10000;
	}
}

static uint32_t rnd_len(void)
{
	switch (rnd() % 6) {
	case 0:
		return (uint32_t)rnd();
	case 1:
		return 0;
	case 2:
		return (uint32_t)(rnd() % 8) * 16;
	default:
		return (uint32_t)(rnd() % 0x2000);
	}
}

/* Random rings: the walker must answer 1, 0 or -EIO and never hand out memory outside RAM. */
static void test_random_rings(void **state)
{
	struct fx *f = *state;
	const uint8_t *lo = f->mem.r[0].hva, *hi = lo + FAKE_SIZE;
	int popped = 0, broken = 0;
	for (int iter = 0; iter < 4000; iter++) {
		for (unsigned i = 0; i < QSIZE; i++)
			fake_desc(&f->mem, RING_DESC, i, rnd_addr(), rnd_len(), (uint16_t)(rnd() % 8),
				  (uint16_t)(rnd() % (QSIZE + 4)));
		for (unsigned i = 0; i < 64; i++)
			fake_desc(&f->mem, TABLE_GPA, i, rnd_addr(), rnd_len(), (uint16_t)(rnd() % 8),
				  (uint16_t)(rnd() % 70));
		struct vring_avail *a = fake_avail(&f->mem);
		for (unsigned i = 0; i < QSIZE; i++)
			a->ring[i] = htole16((uint16_t)(rnd() % (QSIZE + 2)));
		a->idx = htole16((uint16_t)(f->q.last_avail + rnd() % (QSIZE + 3)));
		for (;;) {
			int r = vq_pop(&f->q, &f->c);
			if (r == 0)
				break;
			if (r < 0) {
				assert_int_equal(r, -EIO);
				assert_true(f->q.broken);
				broken++;
				memset(fake_used(&f->mem), 0, 0x1000);
				a->idx = 0;
				assert_int_equal(vq_init(&f->q, &f->mem, QSIZE, RING_DESC, RING_AVAIL,
							 RING_USED, FEAT_ALL), 0);
				break;
			}
			popped++;
			assert_true(f->c.nr_rd + f->c.nr_wr <= VQ_MAX_IOV);
			size_t total = 0;
			for (int i = 0; i < f->c.nr_rd + f->c.nr_wr; i++) {
				const uint8_t *b = f->c.iov[i].iov_base;
				assert_true(b >= lo && b + f->c.iov[i].iov_len <= hi);
				total += f->c.iov[i].iov_len;
			}
			assert_int_equal(total, f->c.rd_len + f->c.wr_len);
			assert_int_equal(vq_push(&f->q, f->c.head, 0), 0);
		}
	}
	/* Both outcomes were exercised. */
	assert_true(popped > 100);
	assert_true(broken > 100);
}

/* A batch of used elements (a frame over mergeable buffers): each element in
 * its slot across the ring's wrap, the index moved by the whole batch; a
 * batch larger than the ring or a head outside it breaks the queue. */
static void test_push_many(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < QSIZE - 2; i++)
		assert_int_equal(vq_push(&f->q, 0, 0), 0);
	const struct vq_used b[4] = { { 5, 100 }, { 9, 4096 }, { 2, 1 }, { 15, 0 } };
	assert_int_equal(vq_push_many(&f->q, b, 4), 0);
	struct vring_used *u = fake_used(&f->mem);
	assert_int_equal(le16toh(u->idx), QSIZE + 2);
	for (int i = 0; i < 4; i++) {
		const struct vring_used_elem *e = &u->ring[(QSIZE - 2 + i) % QSIZE];
		assert_int_equal(le32toh(e->id), b[i].head);
		assert_int_equal(le32toh(e->len), b[i].len);
	}
	assert_int_equal(vq_push_many(&f->q, b, 0), 0);
	assert_int_equal(le16toh(u->idx), QSIZE + 2);
	struct vq_used many[QSIZE + 1] = { { 0, 0 } };
	assert_broken(f, vq_push_many(&f->q, many, QSIZE + 1));
}

static void test_push_many_bad_head(void **state)
{
	struct fx *f = *state;
	const struct vq_used b[2] = { { 1, 10 }, { QSIZE, 10 } };
	assert_broken(f, vq_push_many(&f->q, b, 2));
	assert_int_equal(le16toh(fake_used(&f->mem)->idx), 0); /* nothing published */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TN(fn) cmocka_unit_test_setup_teardown(fn, setup_noevent, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_chain),
		T(test_ring_wraps),
		T(test_push_many),
		T(test_push_many_bad_head),
		T(test_next_out_of_range),
		T(test_head_out_of_range),
		T(test_loop),
		T(test_loop_of_empty_buffers),
		T(test_indirect_loop_of_empty_buffers),
		T(test_self_loop),
		T(test_longest_legal_chain),
		T(test_avail_too_far_ahead),
		T(test_avail_exactly_full),
		T(test_addr_outside_ram),
		T(test_addr_below_ram),
		T(test_addr_straddles_end),
		T(test_addr_len_overflow),
		T(test_len_zero_skipped),
		T(test_len_zero_writable_then_readable),
		T(test_readable_after_writable),
		T(test_indirect_good),
		T(test_indirect_after_direct),
		T(test_indirect_not_negotiated),
		T(test_indirect_bad_len),
		T(test_indirect_zero_len),
		T(test_indirect_table_too_big),
		T(test_indirect_nested),
		T(test_indirect_with_next),
		T(test_indirect_outside_ram),
		T(test_indirect_next_out_of_range),
		T(test_indirect_loop),
		T(test_indirect_buffer_outside_ram),
		T(test_indirect_readable_after_writable),
		T(test_too_many_buffers),
		T(test_max_buffers_ok),
		T(test_chain_too_long_in_bytes),
		T(test_buffer_across_regions),
		T(test_ring_setup_rules),
		T(test_event_idx_interrupts),
		T(test_event_idx_kicks),
		TN(test_flags_interrupts_and_kicks),
		T(test_random_rings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
