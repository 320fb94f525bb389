/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio-fs device end to end over fake guest memory, with the real FUSE server and a fake backend. */
#define virtio_fs_config virtio_fs_config_wire
#include <linux/virtio_fs.h>
#undef virtio_fs_config

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/fuse.h>
#include <linux/virtio_ring.h>

#include "fake_driver.h"
#include "fs/passthrough.h"
#include "virtio/fs.h"
#include "virtio/mmio_dev.h"

#define FEAT ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) | \
	      (1ULL << VIRTIO_RING_F_INDIRECT_DESC))
#define HIPRIO 0
#define REQ 1
#define REQ_GPA(k)   (FAKE_GPA + 0x100000 + (uint64_t)(k) * 0x2000)
#define REPLY_GPA(k) (REQ_GPA(k) + 0x1000)
#define TABLE_GPA    (FAKE_GPA + 0x60000)

struct fake_fs {
	int inits;
	int getattrs;
	int frees;
	int forgets;
	bool blocking;   /* getattr waits for a byte on block_rd (a slow host file) */
	int block_rd;
	int entered;     /* getattrs that started (atomic) */
};

static int ff_init(void *fs, const struct fuse_init_in *in, uint64_t *flags)
{
	(void)in;
	(void)flags;
	((struct fake_fs *)fs)->inits++;
	return 0;
}

static int ff_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	(void)c;
	(void)in;
	struct fake_fs *ff = fs;
	__atomic_add_fetch(&ff->entered, 1, __ATOMIC_SEQ_CST);
	if (ff->blocking) {
		char byte;
		assert_int_equal(read(ff->block_rd, &byte, 1), 1);
	}
	ff->getattrs++;
	out->attr.ino = nodeid;
	out->attr.mode = S_IFDIR | 0755;
	out->attr.nlink = 2;
	return 0;
}

static void ff_forget(void *fs, uint64_t nodeid, uint64_t nlookup)
{
	(void)nodeid;
	(void)nlookup;
	((struct fake_fs *)fs)->forgets++;
}

static void ff_free(void *fs)
{
	((struct fake_fs *)fs)->frees++;
}

static const struct fs_ops fake_ops = {
	.init = ff_init,
	.getattr = ff_getattr,
	.forget = ff_forget,
};

struct fx {
	struct guest_mem mem;
	struct fake_fs fs;
	struct virtio_mmio_dev *t;
	struct tq q[2];
	uint64_t unique;
};

static int new_dev(struct fx *f, const char *tag, uint64_t dax_size)
{
	static char dax_dummy;
	struct virtio_fs_config cfg = {
		.tag = tag,
		.backend = { .ops = &fake_ops, .fs = &f->fs, .free = ff_free },
		.dax_host = dax_size ? &dax_dummy : NULL,
		.dax_gpa = dax_size ? 0x200000000ULL : 0,
		.dax_size = dax_size,
	};
	return virtio_fs_new(&cfg, &f->mem, &f->t);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || fake_mem_init(&f->mem))
		return -1;
	if (new_dev(f, "myfs", 0))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	virtio_mmio_free(f->t); /* joins a running worker */
	assert_int_equal(f->fs.frees, 1);
	fake_mem_free(&f->mem);
	free(f);
	return 0;
}

static void start(struct fx *f)
{
	td_negotiate(f->t, FEAT);
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_FEATURES_OK);
	td_setup_queue(f->t, &f->q[0], 0);
	td_setup_queue(f->t, &f->q[1], 1);
	td_driver_ok(f->t);
	assert_false(virtio_mmio_is_broken(f->t));
}

/* Write a request (header + args) at REQ_GPA(k); returns its length. */
static uint32_t make_req(struct fx *f, int k, uint32_t opcode, uint64_t nodeid, const void *arg,
			 uint32_t arglen)
{
	struct fuse_in_header h = {
		.len = (uint32_t)sizeof(h) + arglen, .opcode = opcode, .unique = ++f->unique,
		.nodeid = nodeid,
	};
	uint8_t *p = fake_ptr(&f->mem, REQ_GPA(k));
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), arg, arglen);
	memset(fake_ptr(&f->mem, REPLY_GPA(k)), 0xaa, 0x1000);
	return h.len;
}

static void kick(struct fx *f, int q)
{
	td_wr(f->t, VIRTIO_MMIO_QUEUE_NOTIFY, (uint32_t)q);
}

static void do_init(struct fx *f)
{
	struct fuse_init_in in = { .major = 7, .minor = 31, .max_readahead = 65536 };
	uint32_t len = make_req(f, 0, FUSE_INIT, 0, &in, sizeof(in));
	/* Reply header and body in separate buffers, as the Linux driver does. */
	struct tbuf b[3] = {
		{ REQ_GPA(0), len, false },
		{ REPLY_GPA(0), sizeof(struct fuse_out_header), true },
		{ REPLY_GPA(0) + sizeof(struct fuse_out_header), sizeof(struct fuse_init_out), true },
	};
	uint16_t head = td_post(&f->mem, &f->q[REQ], b, 3);
	/* The ioeventfd path: the VMM's KVM ioeventfd writes this eventfd. */
	uint64_t one = 1;
	assert_int_equal(write(virtio_mmio_notify_fd(f->t, REQ), &one, 8), 8);

	uint32_t id, used_len;
	assert_true(td_wait_used(&f->mem, &f->q[REQ], &id, &used_len));
	assert_int_equal(id, head);
	struct fuse_out_header oh;
	struct fuse_init_out out;
	memcpy(&oh, fake_ptr(&f->mem, REPLY_GPA(0)), sizeof(oh));
	memcpy(&out, fake_ptr(&f->mem, REPLY_GPA(0) + sizeof(oh)), sizeof(out));
	assert_int_equal(oh.error, 0);
	assert_int_equal(oh.unique, f->unique);
	assert_int_equal(oh.len, sizeof(oh) + sizeof(out));
	assert_int_equal(used_len, oh.len); /* used length = bytes written */
	assert_int_equal(out.major, 7);
	assert_int_equal(f->fs.inits, 1);
}

static void test_identity_and_config(void **state)
{
	struct fx *f = *state;
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_DEVICE_ID, 4), 26);
	assert_int_equal(virtio_mmio_num_queues(f->t), 2);
	td_wr(f->t, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_QUEUE_NUM_MAX, 4), 1024);
	td_wr(f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint32_t lo = virtio_mmio_read(f->t, VIRTIO_MMIO_DEVICE_FEATURES, 4);
	td_wr(f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	uint32_t hi = virtio_mmio_read(f->t, VIRTIO_MMIO_DEVICE_FEATURES, 4);
	assert_int_equal(((uint64_t)hi << 32 | lo), FEAT);

	char tag[37] = {0};
	for (int i = 0; i < 36; i++)
		tag[i] = (char)virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + i, 1);
	assert_string_equal(tag, "myfs");
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + 8, 4), 0); /* NUL padded */
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG +
					  offsetof(struct virtio_fs_config_wire, num_request_queues), 4), 1);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + 40, 1), 0); /* past the end */
	/* No DAX window: SHM length reads all ones. */
	td_wr(f->t, VIRTIO_MMIO_SHM_SEL, 0);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_SHM_LEN_LOW, 4), 0xffffffff);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_SHM_LEN_HIGH, 4), 0xffffffff);
}

static void test_dax_window_and_tags(void **state)
{
	struct fx *f = *state;
	struct fake_fs fs2 = {0};
	struct fx g = { .mem = f->mem };
	assert_int_equal(new_dev(&g, "abcdefghijabcdefghijabcdefghijabcdef", 512ULL << 20), 0);
	td_wr(g.t, VIRTIO_MMIO_SHM_SEL, 0);
	assert_int_equal(virtio_mmio_read(g.t, VIRTIO_MMIO_SHM_LEN_LOW, 4), 512u << 20);
	assert_int_equal(virtio_mmio_read(g.t, VIRTIO_MMIO_SHM_LEN_HIGH, 4), 0);
	assert_int_equal(virtio_mmio_read(g.t, VIRTIO_MMIO_SHM_BASE_LOW, 4), 0);
	assert_int_equal(virtio_mmio_read(g.t, VIRTIO_MMIO_SHM_BASE_HIGH, 4), 2);
	td_wr(g.t, VIRTIO_MMIO_SHM_SEL, 1);
	assert_int_equal(virtio_mmio_read(g.t, VIRTIO_MMIO_SHM_LEN_LOW, 4), 0xffffffff);
	/* A 36-byte tag fills the field without a NUL. */
	assert_int_equal(virtio_mmio_read(g.t, VIRTIO_MMIO_CONFIG + 35, 1), 'f');
	virtio_mmio_free(g.t);
	assert_int_equal(g.fs.frees, 1);

	/* Too long, empty or missing tags: -EINVAL and the backend is freed. */
	struct fx h = { .mem = f->mem };
	assert_int_equal(new_dev(&h, "abcdefghijabcdefghijabcdefghijabcdefg", 0), -EINVAL);
	assert_int_equal(h.fs.frees, 1);
	assert_int_equal(new_dev(&h, "", 0), -EINVAL);
	assert_int_equal(new_dev(&h, NULL, 0), -EINVAL);
	assert_int_equal(h.fs.frees, 3);
	(void)fs2;
}

static void test_fuse_init_end_to_end(void **state)
{
	struct fx *f = *state;
	start(f);
	do_init(f);
	struct pollfd p = { .fd = virtio_mmio_irq_fd(f->t), .events = POLLIN };
	assert_int_equal(poll(&p, 1, 1000), 1);
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_INTERRUPT_STATUS, 4) & VIRTIO_MMIO_INT_VRING);
}

static void test_getattr_indirect(void **state)
{
	struct fx *f = *state;
	start(f);
	do_init(f);
	struct fuse_getattr_in ga = {0};
	uint32_t len = make_req(f, 1, FUSE_GETATTR, 1, &ga, sizeof(ga));
	/* An indirect table: request, reply header, reply body. */
	fake_desc(&f->mem, TABLE_GPA, 0, REQ_GPA(1), len, VRING_DESC_F_NEXT, 1);
	fake_desc(&f->mem, TABLE_GPA, 1, REPLY_GPA(1), sizeof(struct fuse_out_header),
		  VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	fake_desc(&f->mem, TABLE_GPA, 2, REPLY_GPA(1) + sizeof(struct fuse_out_header), 512,
		  VRING_DESC_F_WRITE, 0);
	uint16_t d = f->q[REQ].next_desc;
	fake_desc(&f->mem, f->q[REQ].desc, d, TABLE_GPA, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	f->q[REQ].next_desc = (uint16_t)((d + 1) % TQ_SIZE);
	struct vring_avail *a = fake_ptr(&f->mem, f->q[REQ].avail);
	uint16_t idx = a->idx;
	a->ring[idx % TQ_SIZE] = d;
	__atomic_store_n(&a->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
	kick(f, REQ);

	uint32_t id, used_len;
	assert_true(td_wait_used(&f->mem, &f->q[REQ], &id, &used_len));
	assert_int_equal(id, d);
	struct fuse_out_header oh;
	struct fuse_attr_out out;
	memcpy(&oh, fake_ptr(&f->mem, REPLY_GPA(1)), sizeof(oh));
	memcpy(&out, fake_ptr(&f->mem, REPLY_GPA(1) + sizeof(oh)), sizeof(out));
	assert_int_equal(oh.error, 0);
	assert_int_equal(used_len, sizeof(oh) + sizeof(out));
	assert_int_equal(out.attr.ino, 1);
	assert_int_equal(out.attr.mode, S_IFDIR | 0755);
	assert_int_equal(f->fs.getattrs, 1);
}

static void test_many_requests_wrap(void **state)
{
	struct fx *f = *state;
	start(f);
	do_init(f);
	/* More requests than the ring holds, in batches, so indexes wrap. */
	for (int round = 0; round < 10; round++) {
		for (int k = 0; k < 4; k++) {
			struct fuse_getattr_in ga = {0};
			uint32_t len = make_req(f, 2 + k, FUSE_GETATTR, 1, &ga, sizeof(ga));
			struct tbuf b[2] = { { REQ_GPA(2 + k), len, false }, { REPLY_GPA(2 + k), 256, true } };
			td_post(&f->mem, &f->q[REQ], b, 2);
		}
		kick(f, REQ);
		for (int k = 0; k < 4; k++) {
			uint32_t used_len;
			assert_true(td_wait_used(&f->mem, &f->q[REQ], NULL, &used_len));
			assert_int_equal(used_len, sizeof(struct fuse_out_header) + sizeof(struct fuse_attr_out));
		}
	}
	assert_int_equal(f->fs.getattrs, 40);
	assert_false(virtio_mmio_is_broken(f->t));
	/* After draining, the worker asked for a kick at the next new buffer (avail_event). */
	struct vring_avail *a = fake_ptr(&f->mem, f->q[REQ].avail);
	struct vring_used *u = fake_ptr(&f->mem, f->q[REQ].used);
	__virtio16 *avail_event = (__virtio16 *)&u->ring[TQ_SIZE];
	for (int i = 0; i < 1000 && __atomic_load_n(avail_event, __ATOMIC_ACQUIRE) != a->idx; i++)
		usleep(1000);
	assert_int_equal(le16toh(*avail_event), le16toh(a->idx));
}

static bool irq_pending(struct fx *f, int timeout_ms)
{
	struct pollfd p = { .fd = virtio_mmio_irq_fd(f->t), .events = POLLIN };
	return poll(&p, 1, timeout_ms) == 1;
}

static void post_getattr(struct fx *f, int k)
{
	struct fuse_getattr_in ga = {0};
	uint32_t len = make_req(f, k, FUSE_GETATTR, 1, &ga, sizeof(ga));
	struct tbuf b[2] = { { REQ_GPA(k), len, false }, { REPLY_GPA(k), 256, true } };
	td_post(&f->mem, &f->q[REQ], b, 2);
	kick(f, REQ);
}

static void test_event_idx_suppresses_interrupts(void **state)
{
	struct fx *f = *state;
	start(f);
	do_init(f);
	uint64_t v;
	assert_int_equal(read(virtio_mmio_irq_fd(f->t), &v, sizeof(v)), 8);
	/* used idx is 1; the driver wants an interrupt only once it passes 4. */
	struct vring_avail *a = fake_ptr(&f->mem, f->q[REQ].avail);
	__atomic_store_n(&a->ring[TQ_SIZE], htole16(4), __ATOMIC_RELEASE);
	for (int k = 0; k < 3; k++) {
		post_getattr(f, 2 + k);
		assert_true(td_wait_used(&f->mem, &f->q[REQ], NULL, NULL));
	}
	assert_false(irq_pending(f, 50)); /* used idx 4: not past the event yet */
	post_getattr(f, 5);
	assert_true(td_wait_used(&f->mem, &f->q[REQ], NULL, NULL));
	assert_true(irq_pending(f, 1000)); /* used idx 5 crossed it */
}

static void test_hiprio_forget(void **state)
{
	struct fx *f = *state;
	start(f);
	do_init(f);
	struct fuse_forget_in fi = { .nlookup = 1 };
	uint32_t len = make_req(f, 3, FUSE_FORGET, 1, &fi, sizeof(fi));
	struct tbuf b = { REQ_GPA(3), len, false };
	td_post(&f->mem, &f->q[HIPRIO], &b, 1);
	kick(f, HIPRIO);
	uint32_t used_len = 99;
	assert_true(td_wait_used(&f->mem, &f->q[HIPRIO], NULL, &used_len));
	assert_int_equal(used_len, 0); /* FORGET gets no reply */
	assert_false(virtio_mmio_is_broken(f->t));
}

static void test_reply_too_small_is_not_fatal(void **state)
{
	struct fx *f = *state;
	start(f);
	do_init(f);
	struct fuse_getattr_in ga = {0};
	uint32_t len = make_req(f, 4, FUSE_GETATTR, 1, &ga, sizeof(ga));
	struct tbuf b[2] = { { REQ_GPA(4), len, false }, { REPLY_GPA(4), 8, true } };
	td_post(&f->mem, &f->q[REQ], b, 2);
	kick(f, REQ);
	uint32_t used_len = 99;
	assert_true(td_wait_used(&f->mem, &f->q[REQ], NULL, &used_len));
	assert_int_equal(used_len, 0);
	/* A request with no readable part at all. */
	struct tbuf w = { REPLY_GPA(4), 256, true };
	td_post(&f->mem, &f->q[REQ], &w, 1);
	kick(f, REQ);
	assert_true(td_wait_used(&f->mem, &f->q[REQ], NULL, &used_len));
	assert_false(virtio_mmio_is_broken(f->t));
	/* The device still serves. */
	len = make_req(f, 4, FUSE_GETATTR, 1, &ga, sizeof(ga));
	struct tbuf ok[2] = { { REQ_GPA(4), len, false }, { REPLY_GPA(4), 256, true } };
	td_post(&f->mem, &f->q[REQ], ok, 2);
	kick(f, REQ);
	assert_true(td_wait_used(&f->mem, &f->q[REQ], NULL, &used_len));
	assert_int_equal(used_len, sizeof(struct fuse_out_header) + sizeof(struct fuse_attr_out));
}

static void test_hostile_chain_then_reset(void **state)
{
	struct fx *f = *state;
	start(f);
	do_init(f);
	/* A descriptor whose next points past the queue. */
	uint16_t d = f->q[REQ].next_desc;
	fake_desc(&f->mem, f->q[REQ].desc, d, REQ_GPA(5), 40, VRING_DESC_F_NEXT, 500);
	struct vring_avail *a = fake_ptr(&f->mem, f->q[REQ].avail);
	uint16_t idx = a->idx;
	a->ring[idx % TQ_SIZE] = d;
	__atomic_store_n(&a->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
	kick(f, REQ);
	for (int i = 0; i < 5000 && !virtio_mmio_is_broken(f->t); i++)
		usleep(1000);
	assert_true(virtio_mmio_is_broken(f->t));
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_INTERRUPT_STATUS, 4) & VIRTIO_MMIO_INT_CONFIG);
	/* Further kicks are swallowed, nothing crashes. */
	kick(f, REQ);
	kick(f, HIPRIO);
	usleep(10000);
	/* Reset joins the worker; the device comes back. */
	td_wr(f->t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4), 0);
	memset(f->mem.r[0].hva, 0, 0x100000);
	start(f);
	/* The reset ended the FUSE session: a fresh INIT is accepted. */
	f->fs.inits = 0;
	do_init(f);
	assert_false(virtio_mmio_is_broken(f->t));
}

/*
 * One request on the request queue, reply header and body in one buffer at
 * REPLY_GPA(k). Returns the reply's error field; *body points at the body.
 */
static int32_t call(struct fx *f, int k, uint32_t opcode, uint64_t nodeid, const void *arg, uint32_t arglen,
		    const void **body)
{
	uint32_t len = make_req(f, k, opcode, nodeid, arg, arglen);
	struct tbuf b[2] = { { REQ_GPA(k), len, false }, { REPLY_GPA(k), 0x1000, true } };
	td_post(&f->mem, &f->q[REQ], b, 2);
	kick(f, REQ);
	uint32_t used_len = 0;
	assert_true(td_wait_used(&f->mem, &f->q[REQ], NULL, &used_len));
	struct fuse_out_header oh;
	assert_true(used_len >= sizeof(oh));
	memcpy(&oh, fake_ptr(&f->mem, REPLY_GPA(k)), sizeof(oh));
	assert_int_equal(oh.unique, f->unique);
	assert_int_equal(oh.len, used_len);
	if (body)
		*body = (const uint8_t *)fake_ptr(&f->mem, REPLY_GPA(k)) + sizeof(oh);
	return oh.error;
}

static int32_t call_init(struct fx *f)
{
	struct fuse_init_in in = { .major = 7, .minor = 31, .max_readahead = 65536 };
	return call(f, 0, FUSE_INIT, 0, &in, sizeof(in), NULL);
}

static int32_t call_lookup(struct fx *f, const char *name, uint64_t *nodeid)
{
	const void *body;
	int32_t e = call(f, 1, FUSE_LOOKUP, FUSE_ROOT_ID, name, (uint32_t)strlen(name) + 1, &body);
	if (e == 0) {
		struct fuse_entry_out eo;
		memcpy(&eo, body, sizeof(eo));
		*nodeid = eo.nodeid;
	}
	return e;
}

static int32_t call_getattr(struct fx *f, uint64_t nodeid)
{
	struct fuse_getattr_in ga = {0};
	return call(f, 2, FUSE_GETATTR, nodeid, &ga, sizeof(ga), NULL);
}

/*
 * A device reset (status 0) ends the FUSE session: with the real passthrough
 * backend, node ids and handles of the old session are gone, the next driver
 * must (and may) send INIT again, and a lookup starts from the root alone.
 */
static void test_reset_ends_fuse_session(void **state)
{
	struct fx *f0 = *state;
	char dir[] = "/tmp/ckrun-test-fs-reset.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/a", dir);
	int fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/b", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);

	struct fx g = { .mem = f0->mem };
	struct fs_passthrough_opts po = { .root = dir };
	struct virtio_fs_config cfg = { .tag = "pt" };
	assert_int_equal(fs_passthrough_new(&po, &cfg.backend), 0);
	assert_int_equal(virtio_fs_new(&cfg, &g.mem, &g.t), 0);
	struct fx *f = &g;
	memset(f->mem.r[0].hva, 0, 0x100000);

	start(f);
	assert_int_equal(call_getattr(f, FUSE_ROOT_ID), -EIO); /* before INIT */
	assert_int_equal(call_init(f), 0);
	assert_int_equal(call_init(f), -EIO); /* one session at a time */
	uint64_t a_old = 0, b_old = 0;
	assert_int_equal(call_lookup(f, "a", &a_old), 0);
	assert_int_equal(call_lookup(f, "b", &b_old), 0);
	assert_true(a_old != FUSE_ROOT_ID && b_old != FUSE_ROOT_ID && a_old != b_old);
	struct fuse_open_in oi = { .flags = O_RDONLY };
	const void *body;
	assert_int_equal(call(f, 3, FUSE_OPEN, a_old, &oi, sizeof(oi), &body), 0);
	struct fuse_open_out oo;
	memcpy(&oo, body, sizeof(oo));
	assert_int_equal(call_getattr(f, a_old), 0);

	/* The driver goes away without DESTROY: a device reset. */
	td_wr(f->t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4), 0);
	memset(f->mem.r[0].hva, 0, 0x100000);
	f->q[0] = f->q[1] = (struct tq){ 0 };
	start(f);

	/* Nothing but INIT before the new session, then INIT is accepted. */
	assert_int_equal(call_getattr(f, FUSE_ROOT_ID), -EIO);
	assert_int_equal(call_init(f), 0);
	/* The old session's node ids and handle are unknown now. */
	assert_int_not_equal(call_getattr(f, a_old), 0);
	assert_int_not_equal(call_getattr(f, b_old), 0);
	struct fuse_read_in ri = { .fh = oo.fh, .size = 16 };
	assert_int_not_equal(call(f, 3, FUSE_READ, a_old, &ri, sizeof(ri), NULL), 0);
	/* The root and fresh lookups work. */
	assert_int_equal(call_getattr(f, FUSE_ROOT_ID), 0);
	uint64_t b_new = 0;
	assert_int_equal(call_lookup(f, "b", &b_new), 0);
	assert_int_equal(call_getattr(f, b_new), 0);
	assert_false(virtio_mmio_is_broken(f->t));

	virtio_mmio_free(g.t);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a", dir);
	unlink(path);
	rmdir(dir);
}

static void test_reset_while_idle_and_free_running(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 20; i++) {
		start(f);
		td_wr(f->t, VIRTIO_MMIO_STATUS, 0);
	}
	start(f); /* left running: teardown's virtio_mmio_free must join it */
}

/*
 * Issue 11 item 3: a request that blocks in the backend (a slow host file)
 * holds only its own device's worker. The worker takes one request at a
 * time, so the device never has more than one request in flight: the rest
 * stay in the guest's ring, in guest memory, costing the VMM nothing. A
 * second device keeps answering meanwhile.
 */
static void test_blocked_worker_isolation(void **state)
{
	struct fx *f = *state;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	start(f);
	do_init(f);
	f->fs.block_rd = pfd[0];
	f->fs.blocking = true;

	/* Six GETATTRs on device A: the first blocks in the backend. */
	for (int k = 0; k < 6; k++) {
		struct fuse_getattr_in ga = {0};
		uint32_t len = make_req(f, 2 + k, FUSE_GETATTR, 1, &ga, sizeof(ga));
		struct tbuf b[2] = { { REQ_GPA(2 + k), len, false }, { REPLY_GPA(2 + k), 256, true } };
		td_post(&f->mem, &f->q[REQ], b, 2);
	}
	kick(f, REQ);
	for (int i = 0; i < 5000 && __atomic_load_n(&f->fs.entered, __ATOMIC_SEQ_CST) == 0; i++)
		usleep(1000);
	assert_int_equal(__atomic_load_n(&f->fs.entered, __ATOMIC_SEQ_CST), 1);

	/* Device B, on the same guest memory, answers while A is stuck. */
	struct fx g = { .mem = f->mem, .unique = 1000 };
	assert_int_equal(new_dev(&g, "other", 0), 0);
	td_negotiate(g.t, FEAT);
	td_setup_queue_at(g.t, &g.q[0], 0, FAKE_GPA + 0xa0000);
	td_setup_queue_at(g.t, &g.q[1], 1, FAKE_GPA + 0xa0000);
	td_driver_ok(g.t);
	for (int round = 0; round < 3; round++) {
		struct fuse_init_in in = { .major = 7, .minor = 31, .max_readahead = 65536 };
		struct fuse_getattr_in ga = {0};
		uint32_t len = round == 0 ? make_req(&g, 20, FUSE_INIT, 0, &in, sizeof(in))
					  : make_req(&g, 20, FUSE_GETATTR, 1, &ga, sizeof(ga));
		struct tbuf b[2] = { { REQ_GPA(20), len, false }, { REPLY_GPA(20), 256, true } };
		td_post(&g.mem, &g.q[REQ], b, 2);
		td_wr(g.t, VIRTIO_MMIO_QUEUE_NOTIFY, REQ);
		uint32_t used_len = 0;
		assert_true(td_wait_used(&g.mem, &g.q[REQ], NULL, &used_len));
		struct fuse_out_header oh;
		memcpy(&oh, fake_ptr(&g.mem, REPLY_GPA(20)), sizeof(oh));
		assert_int_equal(oh.error, 0);
	}
	assert_int_equal(g.fs.getattrs, 2);

	/* A still has exactly one request in flight and has answered none. */
	usleep(20000);
	assert_int_equal(__atomic_load_n(&f->fs.entered, __ATOMIC_SEQ_CST), 1);
	struct vring_used *u = fake_ptr(&f->mem, f->q[REQ].used);
	assert_int_equal(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE), f->q[REQ].last_used);

	/* Unblock: all six complete, one after the other. */
	assert_int_equal(write(pfd[1], "xxxxxx", 6), 6);
	for (int k = 0; k < 6; k++) {
		uint32_t used_len;
		assert_true(td_wait_used(&f->mem, &f->q[REQ], NULL, &used_len));
		assert_int_equal(used_len, sizeof(struct fuse_out_header) + sizeof(struct fuse_attr_out));
	}
	assert_int_equal(f->fs.getattrs, 6);
	f->fs.blocking = false;
	virtio_mmio_free(g.t);
	assert_int_equal(g.fs.frees, 1);
	close(pfd[0]);
	close(pfd[1]);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity_and_config),
		T(test_dax_window_and_tags),
		T(test_fuse_init_end_to_end),
		T(test_getattr_indirect),
		T(test_many_requests_wrap),
		T(test_hiprio_forget),
		T(test_event_idx_suppresses_interrupts),
		T(test_reply_too_small_is_not_fatal),
		T(test_hostile_chain_then_reset),
		T(test_reset_while_idle_and_free_running),
		T(test_blocked_worker_isolation),
		T(test_reset_ends_fuse_session),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
