/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net over fake guest memory and a socketpair peer: frames both ways
 * in both framings, partial frames, back-pressure both ways, hostile chains,
 * hostile peer lengths, a peer that closes mid-frame, the path peers; and an
 * in-process peer (net/backend.h): hostile guest lengths, a flood with no
 * guest buffers (bounded, counted), stop while traffic flows.
 */
#define virtio_net_config virtio_net_config_wire
#include <linux/virtio_net.h>
#undef virtio_net_config

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_driver.h"
#include "net/peer.h"
#include "virtio/mmio_dev.h"
#include "virtio/net.h"

#define FEAT ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_RING_F_EVENT_IDX))
#define RXQ 0
#define TXQ 1
#define HDR 12
#define DATA (FAKE_GPA + 0x100000) /* 1 MiB of buffers up to the end of fake RAM */
#define DATA_END (FAKE_GPA + FAKE_SIZE)

static const uint8_t MAC[6] = { 0x02, 0x4b, 0x72, 0x75, 0x6e, 0x00 };

struct fx {
	struct guest_mem mem;
	struct virtio_mmio_dev *t;
	struct virtio_net *n;
	int sock;     /* the test's end of the peer */
	int dev_fd;   /* the device's end (owned by the device) */
	int type;
	struct tq q[2];
	uint64_t next; /* next free buffer gpa */
};

static int setup_type(void **state, int type)
{
	struct fx *f = calloc(1, sizeof(*f));
	int sv[2];
	if (!f || fake_mem_init(&f->mem) || socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv))
		return -1;
	struct virtio_net_config cfg = { .features = 0 };
	memcpy(cfg.mac, MAC, 6);
	if (net_peer_from_fd(sv[0], type == SOCK_STREAM ? NET_FRAMING_STREAM : NET_FRAMING_DGRAM, &cfg.peer))
		return -1;
	if (virtio_net_new(&cfg, &f->mem, &f->t, &f->n))
		return -1;
	f->sock = sv[1];
	f->dev_fd = sv[0];
	f->type = type;
	f->next = DATA;
	*state = f;
	return 0;
}

static int setup_stream(void **state) { return setup_type(state, SOCK_STREAM); }
static int setup_dgram(void **state) { return setup_type(state, SOCK_DGRAM); }

static int teardown(void **state)
{
	struct fx *f = *state;
	virtio_mmio_free(f->t);
	if (f->sock >= 0)
		close(f->sock);
	fake_mem_free(&f->mem);
	free(f);
	return 0;
}

static void start(struct fx *f)
{
	td_negotiate(f->t, FEAT);
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_FEATURES_OK);
	td_setup_queue(f->t, &f->q[RXQ], RXQ);
	td_setup_queue(f->t, &f->q[TXQ], TXQ);
	td_driver_ok(f->t);
	assert_false(virtio_mmio_is_broken(f->t));
}

static uint64_t alloc_buf(struct fx *f, uint32_t len)
{
	uint64_t g = f->next;
	f->next += (len + 15) & ~15u;
	assert_true(f->next <= DATA_END);
	return g;
}

static void kick(struct fx *f, int q)
{
	td_wr(f->t, VIRTIO_MMIO_QUEUE_NOTIFY, (uint32_t)q);
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

/* Post one TX chain: the header and the frame split over two descriptors. */
static void post_tx(struct fx *f, const uint8_t *frame, uint32_t len)
{
	uint64_t h = alloc_buf(f, HDR), d = alloc_buf(f, len);
	memset(fake_ptr(&f->mem, h), 0, HDR);
	memcpy(fake_ptr(&f->mem, d), frame, len);
	struct tbuf b[2] = { { h, HDR, false }, { d, len, false } };
	td_post(&f->mem, &f->q[TXQ], b, 2);
	kick(f, TXQ);
}

/* One TX chain in one descriptor (header and frame together), so that up to
 * TQ_SIZE chains can be in flight in the fake driver's ring. */
static void post_tx1(struct fx *f, const uint8_t *frame, uint32_t len)
{
	uint64_t g = alloc_buf(f, HDR + len);
	memset(fake_ptr(&f->mem, g), 0, HDR);
	memcpy(fake_ptr(&f->mem, g + HDR), frame, len);
	struct tbuf b = { g, HDR + len, false };
	td_post(&f->mem, &f->q[TXQ], &b, 1);
}

static uint64_t post_rx(struct fx *f, uint32_t len)
{
	uint64_t g = alloc_buf(f, len);
	struct tbuf b = { g, len, true };
	td_post(&f->mem, &f->q[RXQ], &b, 1);
	kick(f, RXQ);
	return g;
}

static void stats(struct fx *f, struct virtio_net_stats *s)
{
	virtio_net_get_stats(f->n, s);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Wait up to 5 s until the counter at offset off reaches want. */
static bool wait_stat(struct fx *f, size_t off, uint64_t want)
{
	for (int i = 0; i < 5000; i++) {
		struct virtio_net_stats s;
		stats(f, &s);
		if (*(uint64_t *)((uint8_t *)&s + off) >= want)
			return true;
		sleep_ms(1);
	}
	return false;
}
#define WAIT_STAT(f, field, want) wait_stat(f, offsetof(struct virtio_net_stats, field), want)

/* Wait up to 5 s until the device has stopped taking TX chains because the
 * peer is full: either a chain was put back (tx_stalls), or the device took
 * what it could while the driver was still posting, waits for POLLOUT and
 * the used index stays put for 200 ms with data waiting at the peer. */
static bool wait_tx_blocked(struct fx *f, unsigned txq)
{
	struct vring_used *u = fake_ptr(&f->mem, f->q[txq].used);
	uint16_t last = 0xffff;
	int still = 0;
	for (int i = 0; i < 5000; i++) {
		struct virtio_net_stats s;
		stats(f, &s);
		if (s.tx_stalls >= 1)
			return true;
		uint16_t now = le16toh(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE));
		int queued = 0;
		ioctl(f->sock, FIONREAD, &queued);
		still = (now == last && queued > 0) ? still + 1 : 0;
		if (still >= 200)
			return true;
		last = now;
		sleep_ms(1);
	}
	return false;
}

static void read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len > 0) {
		struct pollfd pf = { fd, POLLIN, 0 };
		assert_int_equal(poll(&pf, 1, 5000), 1);
		ssize_t r = read(fd, p, len);
		assert_true(r > 0);
		p += r;
		len -= (size_t)r;
	}
}

static void write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		assert_true(w > 0);
		p += w;
		len -= (size_t)w;
	}
}

static void send_stream_frame(int fd, const uint8_t *frame, uint32_t len)
{
	uint32_t be = htobe32(len);
	write_all(fd, &be, 4);
	write_all(fd, frame, len);
}

/* The used element for the next RX buffer: check header and frame. */
static void expect_rx(struct fx *f, uint64_t gpa, const uint8_t *frame, uint32_t len)
{
	uint32_t ulen = 0;
	assert_true(td_wait_used(&f->mem, &f->q[RXQ], NULL, &ulen));
	assert_int_equal(ulen, HDR + len);
	struct virtio_net_hdr_v1 h;
	memcpy(&h, fake_ptr(&f->mem, gpa), HDR);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(le16toh(h.num_buffers), 1);
	assert_memory_equal(fake_ptr(&f->mem, gpa + HDR), frame, len);
}

static void test_config_and_features(void **state)
{
	struct fx *f = *state;
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_DEVICE_ID, 4), VIRTIO_ID_NET);
	td_wr(f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint32_t lo = virtio_mmio_read(f->t, VIRTIO_MMIO_DEVICE_FEATURES, 4);
	td_wr(f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	uint32_t hi = virtio_mmio_read(f->t, VIRTIO_MMIO_DEVICE_FEATURES, 4);
	uint64_t feat = lo | (uint64_t)hi << 32;
	assert_true(feat & (1ULL << VIRTIO_NET_F_MAC));
	assert_true(feat & (1ULL << VIRTIO_F_VERSION_1));
	assert_true(feat & (1ULL << VIRTIO_RING_F_EVENT_IDX));
	assert_true(feat & (1ULL << VIRTIO_NET_F_MRG_RXBUF));
	/* No offloads: a stream or datagram peer carries plain frames (docs/architecture.md). */
	assert_false(feat & ((1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
			     (1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO4) |
			     (1ULL << VIRTIO_NET_F_CTRL_VQ)));
	for (int i = 0; i < 6; i++)
		assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + (uint64_t)i, 1), MAC[i]);
	assert_int_equal(virtio_mmio_num_queues(f->t), 2);
}

/* A socket peer asked for every offload (COMPAT_NET_FEATURES and more) still
 * offers none: only a tap with a vnet header can carry them (test_net_tap.c). */
static void test_socket_peer_no_offloads(void **state)
{
	(void)state;
	const uint64_t offl = (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
			      (1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6) |
			      (1ULL << VIRTIO_NET_F_GUEST_UFO) | (1ULL << VIRTIO_NET_F_HOST_TSO4) |
			      (1ULL << VIRTIO_NET_F_HOST_TSO6) | (1ULL << VIRTIO_NET_F_HOST_UFO);
	for (int type = 0; type < 2; type++) {
		struct guest_mem mem;
		int sv[2];
		assert_int_equal(fake_mem_init(&mem), 0);
		assert_int_equal(socketpair(AF_UNIX, (type ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0, sv), 0);
		struct virtio_net_config cfg = { .features = (uint32_t)offl };
		memcpy(cfg.mac, MAC, 6);
		assert_int_equal(net_peer_from_fd(sv[0], type ? NET_FRAMING_DGRAM : NET_FRAMING_STREAM, &cfg.peer), 0);
		assert_false(cfg.peer.vnet_hdr);
		struct virtio_mmio_dev *t;
		assert_int_equal(virtio_net_new(&cfg, &mem, &t, NULL), 0);
		td_wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
		uint64_t feat = virtio_mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES, 4);
		td_wr(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
		feat |= (uint64_t)virtio_mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES, 4) << 32;
		assert_int_equal(feat, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) |
					       (1ULL << VIRTIO_RING_F_EVENT_IDX) | (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |
					       (1ULL << VIRTIO_NET_F_MRG_RXBUF));
		/* A driver asking for an offload anyway is refused at FEATURES_OK. */
		td_negotiate(t, FEAT | (1ULL << VIRTIO_NET_F_HOST_TSO4));
		assert_false(virtio_mmio_read(t, VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_FEATURES_OK);
		virtio_mmio_free(t);
		close(sv[1]);
		fake_mem_free(&mem);
	}
}

static void test_stream_both_ways(void **state)
{
	struct fx *f = *state;
	start(f);
	uint8_t frame[1514], got[1514];
	for (unsigned k = 0; k < 5; k++) {
		uint32_t len = 60 + k * 363;
		fill(frame, len, k);
		post_tx(f, frame, len);
		uint32_t be;
		read_full(f->sock, &be, 4);
		assert_int_equal(be32toh(be), len);
		read_full(f->sock, got, len);
		assert_memory_equal(got, frame, len);
		uint32_t ulen = 99;
		assert_true(td_wait_used(&f->mem, &f->q[TXQ], NULL, &ulen));
		assert_int_equal(ulen, 0);

		fill(frame, len, k + 100);
		uint64_t g = post_rx(f, HDR + 1518);
		send_stream_frame(f->sock, frame, len);
		expect_rx(f, g, frame, len);
	}
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.tx_frames, 5);
	assert_int_equal(s.rx_frames, 5);
	assert_int_equal(s.rx_drop_big + s.rx_drop_bad_len + s.tx_drop_bad + s.tx_drop_peer, 0);
}

/* The length prefix and the frame arrive in pieces, as a stream may deliver them. */
static void test_stream_partial_rx(void **state)
{
	struct fx *f = *state;
	start(f);
	uint8_t frame[300];
	fill(frame, sizeof(frame), 7);
	uint64_t g = post_rx(f, HDR + 1518);
	uint32_t be = htobe32(sizeof(frame));
	write_all(f->sock, &be, 2);
	sleep_ms(50);
	write_all(f->sock, (uint8_t *)&be + 2, 2);
	write_all(f->sock, frame, 100);
	sleep_ms(50);
	uint32_t ulen;
	struct vring_used *u = fake_ptr(&f->mem, f->q[RXQ].used);
	assert_int_equal(le16toh(u->idx), 0); /* nothing delivered before the frame is whole */
	write_all(f->sock, frame + 100, sizeof(frame) - 100);
	expect_rx(f, g, frame, sizeof(frame));
	(void)ulen;
}

/* No receive buffers: the device stops reading and counts a stall; buffers resume delivery in order. */
static void test_rx_backpressure(void **state)
{
	struct fx *f = *state;
	start(f);
	uint8_t frame[3][200];
	for (int k = 0; k < 3; k++) {
		fill(frame[k], 200, (unsigned)k + 20);
		send_stream_frame(f->sock, frame[k], 200);
	}
	kick(f, RXQ); /* a kick with no buffers */
	assert_true(WAIT_STAT(f, rx_stalls, 1));
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_frames, 0);
	uint64_t g[3];
	for (int k = 0; k < 3; k++)
		g[k] = post_rx(f, HDR + 1518);
	for (int k = 0; k < 3; k++)
		expect_rx(f, g[k], frame[k], 200);
	stats(f, &s);
	assert_int_equal(s.rx_frames, 3);
	assert_int_equal(s.rx_drop_big + s.rx_drop_bad_len + s.rx_drop_partial, 0);
}

/* The peer stops reading: the device keeps at most its bound, stops taking
 * chains, and every frame arrives intact and in order once the peer reads. */
static void test_tx_backpressure(void **state)
{
	struct fx *f = *state;
	start(f);
	/* The device's socket buffer is what the peer does not read yet: keep it small. */
	int small = 4096;
	setsockopt(f->dev_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	enum { N = 15, LEN = 60000 };
	static uint8_t frame[LEN], got[LEN];
	for (unsigned k = 0; k < N; k++) {
		fill(frame, LEN, k);
		post_tx1(f, frame, LEN);
	}
	kick(f, TXQ);
	assert_true(wait_tx_blocked(f, TXQ));
	sleep_ms(100);
	struct vring_used *u = fake_ptr(&f->mem, f->q[TXQ].used);
	uint16_t done = le16toh(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE));
	assert_true(done < N); /* chains wait in the guest's queue, not in the VMM */
	for (unsigned k = 0; k < N; k++) {
		uint32_t be;
		read_full(f->sock, &be, 4);
		assert_int_equal(be32toh(be), LEN);
		read_full(f->sock, got, LEN);
		fill(frame, LEN, k);
		assert_memory_equal(got, frame, LEN);
	}
	for (unsigned k = 0; k < N; k++)
		assert_true(td_wait_used(&f->mem, &f->q[TXQ], NULL, NULL));
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.tx_frames, N);
	assert_int_equal(s.tx_drop_peer + s.tx_drop_bad, 0);
}

/* Receive chains too small: shorter than the header (returned empty) or than the frame (frame dropped). */
static void test_rx_small_buffers(void **state)
{
	struct fx *f = *state;
	start(f);
	uint8_t big[1000], small[20];
	fill(big, sizeof(big), 1);
	fill(small, sizeof(small), 2);
	post_rx(f, 8);
	uint64_t g = post_rx(f, HDR + 100);
	send_stream_frame(f->sock, big, sizeof(big));
	send_stream_frame(f->sock, small, sizeof(small));
	uint32_t ulen = 99;
	assert_true(td_wait_used(&f->mem, &f->q[RXQ], NULL, &ulen));
	assert_int_equal(ulen, 0);
	expect_rx(f, g, small, sizeof(small));
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_buf_unusable, 1);
	assert_int_equal(s.rx_drop_big, 1);
	assert_int_equal(s.rx_frames, 1);
	assert_false(virtio_mmio_is_broken(f->t));
}

/* Transmit chains too short or too long (64 KiB+ of garbage): counted, nothing reaches the peer. */
static void test_tx_bad_chains(void **state)
{
	struct fx *f = *state;
	start(f);
	uint8_t junk[16];
	fill(junk, sizeof(junk), 3);
	uint64_t h = alloc_buf(f, 10);
	struct tbuf b1 = { h, 10, false };
	td_post(&f->mem, &f->q[TXQ], &b1, 1); /* shorter than the header */
	post_tx(f, junk, 13);                  /* shorter than an Ethernet header */
	uint64_t g = alloc_buf(f, HDR + 70000);
	fill(fake_ptr(&f->mem, g), HDR + 70000, 9);
	struct tbuf b2[2] = { { g, HDR + 35000, false }, { g + HDR + 35000, 35000, false } };
	td_post(&f->mem, &f->q[TXQ], b2, 2);
	kick(f, TXQ);
	for (int k = 0; k < 3; k++)
		assert_true(td_wait_used(&f->mem, &f->q[TXQ], NULL, NULL));
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.tx_drop_bad, 3);
	assert_int_equal(s.tx_frames, 0);
	struct pollfd pf = { f->sock, POLLIN, 0 };
	assert_int_equal(poll(&pf, 1, 50), 0);
	/* The device still works. */
	uint8_t frame[64], got[68];
	fill(frame, 64, 4);
	post_tx(f, frame, 64);
	read_full(f->sock, got, 68);
	assert_memory_equal(got + 4, frame, 64);
	assert_false(virtio_mmio_is_broken(f->t));
}

/* A descriptor outside guest RAM breaks the device (DEVICE_NEEDS_RESET), no crash. */
static void test_tx_chain_outside_ram(void **state)
{
	struct fx *f = *state;
	start(f);
	struct tbuf b = { FAKE_GPA + FAKE_SIZE - 8, 4096, false };
	td_post(&f->mem, &f->q[TXQ], &b, 1);
	kick(f, TXQ);
	for (int i = 0; i < 5000 && !virtio_mmio_is_broken(f->t); i++)
		sleep_ms(1);
	assert_true(virtio_mmio_is_broken(f->t));
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* A length of 0 is skipped (the stream stays in step); a length of 2^31 ends the peer. */
static void test_stream_bad_lengths(void **state)
{
	struct fx *f = *state;
	start(f);
	uint8_t frame[80];
	fill(frame, sizeof(frame), 5);
	uint64_t g = post_rx(f, HDR + 1518);
	uint32_t zero = 0;
	write_all(f->sock, &zero, 4);
	send_stream_frame(f->sock, frame, sizeof(frame));
	expect_rx(f, g, frame, sizeof(frame));
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_drop_bad_len, 1);

	post_rx(f, HDR + 1518);
	uint32_t huge = htobe32(1u << 31);
	write_all(f->sock, &huge, 4);
	write_all(f->sock, frame, sizeof(frame));
	assert_true(WAIT_STAT(f, peer_failed, 1));
	stats(f, &s);
	assert_int_equal(s.rx_drop_bad_len, 2);
	assert_int_equal(s.rx_frames, 1);
	/* Frames for a failed peer are counted drops; the device stays usable for the guest. */
	post_tx(f, frame, sizeof(frame));
	assert_true(WAIT_STAT(f, tx_drop_peer, 1));
	assert_false(virtio_mmio_is_broken(f->t));
}

/* The peer closes mid-frame: the complete frame before it arrives, the partial one is counted. */
static void test_stream_peer_close_mid_frame(void **state)
{
	struct fx *f = *state;
	start(f);
	uint8_t frame[500];
	fill(frame, sizeof(frame), 6);
	send_stream_frame(f->sock, frame, sizeof(frame));
	uint32_t be = htobe32(400);
	write_all(f->sock, &be, 4);
	write_all(f->sock, frame, 100);
	close(f->sock);
	f->sock = -1;
	/* Reading stops while the guest has no buffer; the close is seen once it posts one. */
	uint64_t g = post_rx(f, HDR + 1518);
	expect_rx(f, g, frame, sizeof(frame));
	assert_true(WAIT_STAT(f, peer_failed, 1));
	assert_true(WAIT_STAT(f, rx_drop_partial, 1));
	post_tx(f, frame, 60);
	assert_true(WAIT_STAT(f, tx_drop_peer, 1));
	assert_false(virtio_mmio_is_broken(f->t));
}

/* Driver reset in the middle of a stream frame: the stream stays in step across it. */
static void test_stream_reset_keeps_framing(void **state)
{
	struct fx *f = *state;
	start(f);
	uint8_t frame[700];
	fill(frame, sizeof(frame), 8);
	uint32_t be = htobe32(sizeof(frame));
	write_all(f->sock, &be, 4);
	write_all(f->sock, frame, 300);
	sleep_ms(50);
	td_wr(f->t, VIRTIO_MMIO_STATUS, 0); /* reset */
	struct fx tmp = *f;
	f->q[RXQ] = (struct tq){ 0 };
	f->q[TXQ] = (struct tq){ 0 };
	memset(fake_ptr(&f->mem, FAKE_GPA + 0x80000), 0, 0x8000);
	(void)tmp;
	start(f);
	write_all(f->sock, frame + 300, sizeof(frame) - 300);
	uint64_t g = post_rx(f, HDR + 1518);
	expect_rx(f, g, frame, sizeof(frame));
}

static void test_dgram_both_ways(void **state)
{
	struct fx *f = *state;
	start(f);
	uint8_t frame[1514], got[NET_FRAME_MAX + 8];
	fill(frame, sizeof(frame), 11);
	post_tx(f, frame, 1514);
	struct pollfd pf = { f->sock, POLLIN, 0 };
	assert_int_equal(poll(&pf, 1, 5000), 1);
	assert_int_equal(recv(f->sock, got, sizeof(got), 0), 1514); /* one datagram, no prefix */
	assert_memory_equal(got, frame, 1514);

	uint64_t g = post_rx(f, HDR + 1518);
	assert_int_equal(send(f->sock, frame, 600, 0), 600);
	expect_rx(f, g, frame, 600);

	/* A runt and an oversized datagram are counted and skipped. */
	static uint8_t huge[NET_FRAME_MAX + 1];
	int big = 1 << 20;
	setsockopt(f->sock, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	assert_int_equal(send(f->sock, frame, 5, 0), 5);
	assert_int_equal(send(f->sock, huge, sizeof(huge), 0), (ssize_t)sizeof(huge));
	assert_int_equal(send(f->sock, frame, 0, 0), 0);
	assert_int_equal(send(f->sock, frame, 70, 0), 70);
	g = post_rx(f, HDR + 1518);
	expect_rx(f, g, frame, 70);
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_drop_bad_len, 3);
	assert_int_equal(s.rx_frames, 2);
}

/* A datagram peer that stops reading: frames wait in the guest's queue, none is lost. */
static void test_dgram_tx_backpressure(void **state)
{
	struct fx *f = *state;
	start(f);
	int n = 0;
	uint8_t frame[1000];
	/* A small send buffer holds a few datagrams: the device must wait for the peer. */
	int small = 4096;
	setsockopt(f->dev_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	for (unsigned k = 0; k < 14; k++) {
		fill(frame, sizeof(frame), k);
		post_tx1(f, frame, sizeof(frame));
	}
	kick(f, TXQ);
	(void)n;
	assert_true(wait_tx_blocked(f, TXQ));
	/* Drain and count: all 14 arrive in order, even if the device had to wait. */
	for (unsigned k = 0; k < 14; k++) {
		uint8_t got[1100];
		struct pollfd pf = { f->sock, POLLIN, 0 };
		assert_int_equal(poll(&pf, 1, 5000), 1);
		assert_int_equal(recv(f->sock, got, sizeof(got), 0), 1000);
		fill(frame, sizeof(frame), k);
		assert_memory_equal(got, frame, 1000);
	}
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.tx_drop_peer, 0);
}

/* ---- Mergeable receive buffers (MRG_RXBUF negotiated) ---- */

#define FEAT_MRG (FEAT | (1ULL << VIRTIO_NET_F_MRG_RXBUF))

static void start_mrg(struct fx *f)
{
	td_negotiate(f->t, FEAT_MRG);
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_FEATURES_OK);
	td_setup_queue(f->t, &f->q[RXQ], RXQ);
	td_setup_queue(f->t, &f->q[TXQ], TXQ);
	td_driver_ok(f->t);
}

struct rxc {
	uint16_t head;
	uint64_t gpa;
	uint32_t len;
};

/* Post one receive chain of len bytes in one descriptor (no kick). */
static struct rxc post_rx_nokick(struct fx *f, uint32_t len)
{
	struct rxc c = { 0, alloc_buf(f, len), len };
	struct tbuf b = { c.gpa, len, true };
	c.head = td_post(&f->mem, &f->q[RXQ], &b, 1);
	return c;
}

static uint16_t rx_used_idx(struct fx *f)
{
	struct vring_used *u = fake_ptr(&f->mem, f->q[RXQ].used);
	return le16toh(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE));
}

/* The frame arrived over chains c[0..nc): one used element per chain in
 * order, num_buffers = nc in the first header, the bytes in sequence. */
static void expect_merged(struct fx *f, const struct rxc *c, int nc, const uint8_t *frame, uint32_t len)
{
	static uint8_t got[HDR + NET_FRAME_MAX];
	size_t off = 0;
	for (int i = 0; i < nc; i++) {
		uint32_t id = 0xffff, ulen = 0;
		assert_true(td_wait_used(&f->mem, &f->q[RXQ], &id, &ulen));
		assert_int_equal(id, c[i].head);
		assert_true(ulen <= c[i].len);
		if (i + 1 < nc)
			assert_int_equal(ulen, c[i].len); /* only the last chain is partly filled */
		assert_true(off + ulen <= sizeof(got));
		memcpy(got + off, fake_ptr(&f->mem, c[i].gpa), ulen);
		off += ulen;
	}
	assert_int_equal(off, HDR + len);
	struct virtio_net_hdr_v1 h;
	memcpy(&h, got, HDR);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(le16toh(h.num_buffers), nc);
	assert_memory_equal(got + HDR, frame, len);
}

/* A frame that fits one chain: num_buffers 1, as without the feature. */
static void test_mrg_one_chain(void **state)
{
	struct fx *f = *state;
	start_mrg(f);
	uint8_t frame[1000];
	fill(frame, sizeof(frame), 30);
	struct rxc c = post_rx_nokick(f, HDR + 1518);
	kick(f, RXQ);
	send_stream_frame(f->sock, frame, sizeof(frame));
	expect_merged(f, &c, 1, frame, sizeof(frame));
}

/* 3000 bytes over two 2048-byte chains. */
static void test_mrg_two_chains(void **state)
{
	struct fx *f = *state;
	start_mrg(f);
	static uint8_t frame[3000];
	fill(frame, sizeof(frame), 31);
	struct rxc c[3] = { post_rx_nokick(f, 2048), post_rx_nokick(f, 2048), post_rx_nokick(f, 2048) };
	kick(f, RXQ);
	send_stream_frame(f->sock, frame, sizeof(frame));
	expect_merged(f, c, 2, frame, sizeof(frame));
	assert_int_equal(rx_used_idx(f), 2); /* the third chain is left for the next frame */
	send_stream_frame(f->sock, frame, 100);
	expect_merged(f, &c[2], 1, frame, 100);
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_frames, 2);
	assert_int_equal(s.rx_bytes, 3100);
}

/* The largest frame the device carries (NET_FRAME_MAX) over 9 chains; the
 * first chain's header is split over two descriptors (5 + 7 bytes). */
static void test_mrg_many_chains_max_frame(void **state)
{
	struct fx *f = *state;
	start_mrg(f);
	static uint8_t frame[NET_FRAME_MAX];
	fill(frame, sizeof(frame), 32);
	struct rxc c[9];
	uint64_t g = alloc_buf(f, 8192);
	struct tbuf b[2] = { { g, 5, true }, { g + 5, 8192 - 5, true } };
	c[0] = (struct rxc){ td_post(&f->mem, &f->q[RXQ], b, 2), g, 8192 };
	for (int i = 1; i < 9; i++)
		c[i] = post_rx_nokick(f, 8192);
	kick(f, RXQ);
	send_stream_frame(f->sock, frame, sizeof(frame));
	expect_merged(f, c, 9, frame, sizeof(frame));
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_frames, 1);
	assert_int_equal(s.rx_drop_big + s.rx_drop_bad_len + s.rx_buf_unusable, 0);
}

/* Too few buffers posted for the frame: nothing is published (no partial
 * frame), nothing is dropped; one more buffer delivers it whole. */
static void test_mrg_wait_for_buffers(void **state)
{
	struct fx *f = *state;
	start_mrg(f);
	static uint8_t frame[5000];
	fill(frame, sizeof(frame), 33);
	struct rxc c[3] = { post_rx_nokick(f, 2048), post_rx_nokick(f, 2048) };
	kick(f, RXQ);
	send_stream_frame(f->sock, frame, sizeof(frame));
	assert_true(WAIT_STAT(f, rx_stalls, 1));
	sleep_ms(50);
	assert_int_equal(rx_used_idx(f), 0);
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_frames + s.rx_drop_big, 0);
	c[2] = post_rx_nokick(f, 2048);
	kick(f, RXQ);
	expect_merged(f, c, 3, frame, sizeof(frame));
	stats(f, &s);
	assert_int_equal(s.rx_frames, 1);
	assert_int_equal(s.rx_drop_big, 0);
}

/* The whole ring posted (TQ_SIZE chains of 256 bytes) cannot hold the frame:
 * a counted drop, and the chains serve the next frame. */
static void test_mrg_frame_bigger_than_ring(void **state)
{
	struct fx *f = *state;
	start_mrg(f);
	static uint8_t frame[5000];
	fill(frame, sizeof(frame), 34);
	struct rxc c[TQ_SIZE];
	for (int i = 0; i < TQ_SIZE; i++)
		c[i] = post_rx_nokick(f, 256);
	kick(f, RXQ);
	send_stream_frame(f->sock, frame, sizeof(frame));
	send_stream_frame(f->sock, frame, 300); /* 312 bytes: two chains */
	expect_merged(f, c, 2, frame, 300);
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_drop_big, 1);
	assert_int_equal(s.rx_frames, 1);
	assert_false(virtio_mmio_is_broken(f->t));
}

/* A first chain too short for the header is returned empty and counted; the
 * frame starts in the next one. */
static void test_mrg_short_first_chain(void **state)
{
	struct fx *f = *state;
	start_mrg(f);
	uint8_t frame[2500];
	fill(frame, sizeof(frame), 35);
	struct rxc tiny = post_rx_nokick(f, 8);
	struct rxc c[2] = { post_rx_nokick(f, 2048), post_rx_nokick(f, 2048) };
	kick(f, RXQ);
	send_stream_frame(f->sock, frame, sizeof(frame));
	uint32_t id = 0xffff, ulen = 99;
	assert_true(td_wait_used(&f->mem, &f->q[RXQ], &id, &ulen));
	assert_int_equal(id, tiny.head);
	assert_int_equal(ulen, 0);
	expect_merged(f, c, 2, frame, sizeof(frame));
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_buf_unusable, 1);
}

/* A receive chain that claims more than guest RAM holds (in the middle of a
 * merged frame): the device is marked broken, never a write outside RAM. */
static void test_mrg_chain_outside_ram(void **state)
{
	struct fx *f = *state;
	start_mrg(f);
	uint8_t frame[3000];
	fill(frame, sizeof(frame), 36);
	post_rx_nokick(f, 2048);
	struct tbuf b = { FAKE_GPA + FAKE_SIZE - 8, 4096, true };
	td_post(&f->mem, &f->q[RXQ], &b, 1);
	kick(f, RXQ);
	send_stream_frame(f->sock, frame, sizeof(frame));
	for (int i = 0; i < 5000 && !virtio_mmio_is_broken(f->t); i++)
		sleep_ms(1);
	assert_true(virtio_mmio_is_broken(f->t));
	assert_int_equal(rx_used_idx(f), 0);
}

/* A datagram peer over merged buffers too. */
static void test_mrg_dgram(void **state)
{
	struct fx *f = *state;
	start_mrg(f);
	static uint8_t frame[9000];
	fill(frame, sizeof(frame), 37);
	struct rxc c[3] = { post_rx_nokick(f, 4096), post_rx_nokick(f, 4096), post_rx_nokick(f, 4096) };
	kick(f, RXQ);
	int big = 1 << 20;
	setsockopt(f->sock, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	assert_int_equal(send(f->sock, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	expect_merged(f, c, 3, frame, sizeof(frame));
}

/* A long frame goes to a datagram peer straight from guest memory (header
 * and frame over two descriptors): one datagram, the frame's bytes only. */
static void test_dgram_tx_direct(void **state)
{
	struct fx *f = *state;
	start(f);
	static uint8_t frame[9000], got[9100];
	fill(frame, sizeof(frame), 40);
	post_tx(f, frame, sizeof(frame));
	struct pollfd pf = { f->sock, POLLIN, 0 };
	assert_int_equal(poll(&pf, 1, 5000), 1);
	assert_int_equal(recv(f->sock, got, sizeof(got), 0), (ssize_t)sizeof(frame));
	assert_memory_equal(got, frame, sizeof(frame));
	assert_true(td_wait_used(&f->mem, &f->q[TXQ], NULL, NULL));
	assert_true(WAIT_STAT(f, tx_frames, 1));
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.tx_bytes, sizeof(frame));
	assert_int_equal(s.tx_drop_peer + s.tx_drop_bad, 0);
}

/* ---- an in-process peer (net/backend.h): a fake stack on the worker ---- */

struct fake_be {
	int efd;          /* readable: dispatch delivers `burst` frames */
	int ev_idx;       /* its slot in this round's poll set, or -1 */
	unsigned burst;
	size_t frame_len;
	unsigned next_seq;
	bool echo;        /* input hands the frame straight back */
	bool keep_firing; /* efd is never drained: every round delivers */
	net_deliver_fn deliver;
	void *dev;
	/* read by the test with __atomic loads */
	unsigned inputs, fills_no_input;
	uint8_t last[NET_FRAME_MAX];
	size_t last_len;
	bool *freed;
};

static void fb_attach(void *be, net_deliver_fn deliver, void *dev)
{
	struct fake_be *b = be;
	b->deliver = deliver;
	b->dev = dev;
}

static void fb_fill(void *be, struct net_pollset *ps, int *timeout_ms, bool want_input)
{
	struct fake_be *b = be;
	(void)timeout_ms;
	b->ev_idx = -1;
	if (!want_input) {
		__atomic_fetch_add(&b->fills_no_input, 1, __ATOMIC_RELAXED);
		return;
	}
	b->ev_idx = net_pollset_add(ps, b->efd, POLLIN);
}

static void fb_dispatch(void *be, const struct net_pollset *ps)
{
	struct fake_be *b = be;
	if (b->ev_idx < 0 || !(ps->fds[b->ev_idx].revents & POLLIN))
		return;
	if (!b->keep_firing) {
		uint64_t v;
		ssize_t r = read(b->efd, &v, sizeof(v));
		(void)r;
	}
	static uint8_t frame[NET_FRAME_MAX];
	for (unsigned i = 0; i < b->burst; i++) {
		fill(frame, b->frame_len, b->next_seq++);
		b->deliver(b->dev, frame, b->frame_len);
	}
}

static void fb_input(void *be, const uint8_t *frame, size_t len)
{
	struct fake_be *b = be;
	memcpy(b->last, frame, len);
	b->last_len = len;
	__atomic_fetch_add(&b->inputs, 1, __ATOMIC_RELEASE);
	if (b->echo)
		b->deliver(b->dev, frame, len);
}

static void fb_free(void *be)
{
	struct fake_be *b = be;
	*b->freed = true;
	close(b->efd);
	free(b);
}

static const struct net_backend_ops fake_be_ops = {
	.attach = fb_attach, .fill = fb_fill, .dispatch = fb_dispatch, .input = fb_input, .free = fb_free,
};

struct fx_be {
	struct fx f; /* first: the shared helpers take it */
	struct fake_be *b;
	bool freed;
};

static int setup_be(void **state)
{
	struct fx_be *x = calloc(1, sizeof(*x));
	struct fake_be *b = calloc(1, sizeof(*b));
	if (!x || !b || fake_mem_init(&x->f.mem))
		return -1;
	b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	b->freed = &x->freed;
	b->frame_len = 60;
	struct virtio_net_config cfg = { .peer = { .fd = -1 }, .backend = { &fake_be_ops, b } };
	memcpy(cfg.mac, MAC, 6);
	if (b->efd < 0 || virtio_net_new(&cfg, &x->f.mem, &x->f.t, &x->f.n))
		return -1;
	x->b = b;
	x->f.sock = -1;
	x->f.dev_fd = -1;
	x->f.next = DATA;
	*state = x;
	return 0;
}

static int teardown_be(void **state)
{
	struct fx_be *x = *state;
	virtio_mmio_free(x->f.t);
	assert_true(x->freed); /* the device freed its peer */
	fake_mem_free(&x->f.mem);
	free(x);
	return 0;
}

static void fire(struct fake_be *b)
{
	uint64_t one = 1;
	assert_int_equal(write(b->efd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

/* Guest frames of length 0, a header cut short, a runt, one byte over
 * NET_FRAME_MAX: each a counted drop the peer never sees; then a good one
 * reaches it whole. */
static void test_be_tx_bad_lengths(void **state)
{
	struct fx_be *x = *state;
	struct fx *f = &x->f;
	start(f);
	static uint8_t frame[NET_FRAME_MAX + 1];
	fill(frame, sizeof(frame), 3);
	post_tx1(f, frame, 0);                 /* only the virtio-net header */
	uint64_t g = alloc_buf(f, 5);          /* not even a header */
	struct tbuf b5 = { g, 5, false };
	td_post(&f->mem, &f->q[TXQ], &b5, 1);
	post_tx1(f, frame, ETH_HLEN - 1);      /* runt */
	post_tx1(f, frame, NET_FRAME_MAX + 1); /* oversized */
	post_tx1(f, frame, 60);
	kick(f, TXQ);
	for (int i = 0; i < 5; i++)
		assert_true(td_wait_used(&f->mem, &f->q[TXQ], NULL, NULL));
	assert_true(WAIT_STAT(f, tx_frames, 1));
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.tx_drop_bad, 4);
	assert_int_equal(s.tx_frames, 1);
	assert_int_equal(__atomic_load_n(&x->b->inputs, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(x->b->last_len, 60);
	assert_memory_equal(x->b->last, frame, 60);
}

/* The peer answers from within input (during TX): the answer goes straight
 * into a posted receive buffer. */
static void test_be_echo(void **state)
{
	struct fx_be *x = *state;
	struct fx *f = &x->f;
	x->b->echo = true;
	start(f);
	uint64_t g = post_rx(f, HDR + 1518);
	uint8_t frame[1514];
	fill(frame, sizeof(frame), 9);
	post_tx(f, frame, sizeof(frame));
	expect_rx(f, g, frame, sizeof(frame));
	assert_true(td_wait_used(&f->mem, &f->q[TXQ], NULL, NULL));
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_frames, 1);
	assert_int_equal(s.rx_drop_queue + s.rx_stalls, 0); /* never held */
}

/* A flood from the stack while the guest posts no buffers: HELD_FRAMES (512)
 * wait, the rest are counted drops, the stack is asked for no input
 * meanwhile, and the held frames reach the guest in order once it posts. */
static void test_be_rx_flood_held(void **state)
{
	struct fx_be *x = *state;
	struct fx *f = &x->f;
	const unsigned burst = 2000, held = 512;
	x->b->burst = burst;
	start(f);
	fire(x->b);
	assert_true(WAIT_STAT(f, rx_drop_queue, burst - held));
	kick(f, TXQ); /* one more round: it sees frames held */
	for (int i = 0; i < 5000 && !__atomic_load_n(&x->b->fills_no_input, __ATOMIC_RELAXED); i++)
		sleep_ms(1);
	assert_true(__atomic_load_n(&x->b->fills_no_input, __ATOMIC_RELAXED) >= 1);
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_drop_queue, burst - held);
	assert_int_equal(s.rx_frames, 0);

	uint64_t bufs[TQ_SIZE];
	for (int i = 0; i < TQ_SIZE; i++)
		bufs[i] = alloc_buf(f, HDR + 128);
	uint8_t frame[60];
	for (unsigned seq = 0; seq < held; seq += TQ_SIZE) {
		for (int i = 0; i < TQ_SIZE; i++) {
			struct tbuf b = { bufs[i], HDR + 128, true };
			td_post(&f->mem, &f->q[RXQ], &b, 1);
		}
		kick(f, RXQ);
		for (int i = 0; i < TQ_SIZE; i++) {
			fill(frame, sizeof(frame), seq + (unsigned)i);
			expect_rx(f, bufs[i], frame, sizeof(frame));
		}
	}
	stats(f, &s);
	assert_int_equal(s.rx_frames, held);
	assert_int_equal(s.rx_drop_queue, burst - held);
}

/* The byte bound: frames of 60000 bytes, HELD_BYTES (4 MiB) holds 69. */
static void test_be_rx_flood_bytes(void **state)
{
	struct fx_be *x = *state;
	struct fx *f = &x->f;
	const unsigned burst = 100, held = (4u << 20) / 60000;
	x->b->burst = burst;
	x->b->frame_len = 60000;
	start(f);
	fire(x->b);
	assert_true(WAIT_STAT(f, rx_drop_queue, burst - held));
	sleep_ms(20);
	struct virtio_net_stats s;
	stats(f, &s);
	assert_int_equal(s.rx_drop_queue, burst - held);
	static uint8_t frame[60000];
	fill(frame, sizeof(frame), 0);
	uint64_t g = post_rx(f, HDR + 60000);
	expect_rx(f, g, frame, sizeof(frame)); /* the oldest first; the rest freed with the device */
}

/* Stop (free the device) while the stack delivers every round and the guest
 * transmits: the worker stops, the peer is freed once, nothing leaks (ASan). */
static void test_be_stop_while_flowing(void **state)
{
	struct fx_be *x = *state;
	struct fx *f = &x->f;
	x->b->burst = 8;
	x->b->frame_len = 1514;
	x->b->keep_firing = true;
	x->b->echo = true;
	start(f);
	fire(x->b);
	uint8_t frame[1514];
	fill(frame, sizeof(frame), 1);
	for (int i = 0; i < 8; i++)
		post_tx1(f, frame, sizeof(frame));
	kick(f, TXQ);
	/* The guest keeps taking frames; the stack keeps making more. */
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 4; i++)
			post_rx(f, HDR + 1518);
		for (int i = 0; i < 4; i++)
			assert_true(td_wait_used(&f->mem, &f->q[RXQ], NULL, NULL));
	}
	for (int i = 0; i < 4; i++)
		post_rx(f, HDR + 1518);
	struct virtio_net_stats s;
	stats(f, &s);
	assert_true(s.rx_frames >= 80);
	assert_int_equal(__atomic_load_n(&x->b->inputs, __ATOMIC_ACQUIRE), 8);
	virtio_mmio_free(f->t); /* frames still coming, some held */
	f->t = NULL;
	assert_true(x->freed);
}

/* A backend and an fd peer together are refused; both are released. */
static void test_be_new_checks(void **state)
{
	(void)state;
	struct guest_mem mem;
	assert_int_equal(fake_mem_init(&mem), 0);
	struct fake_be *b = calloc(1, sizeof(*b));
	bool freed = false;
	b->efd = eventfd(0, EFD_CLOEXEC);
	b->freed = &freed;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	struct virtio_net_config cfg = { .backend = { &fake_be_ops, b } };
	assert_int_equal(net_peer_from_fd(sv[0], NET_FRAMING_DGRAM, &cfg.peer), 0);
	struct virtio_mmio_dev *t;
	assert_int_equal(virtio_net_new(&cfg, &mem, &t, NULL), -EBADF);
	assert_true(freed);
	assert_int_equal(fcntl(sv[0], F_GETFD), -1); /* the peer's fd closed too */
	close(sv[1]);
	fake_mem_free(&mem);
}

static void test_peer_from_fd_checks(void **state)
{
	(void)state;
	int sv[2];
	struct net_peer p;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(net_peer_from_fd(sv[0], NET_FRAMING_STREAM, &p), -EINVAL);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(net_peer_from_fd(sv[0], NET_FRAMING_STREAM, &p), -EBADF);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(net_peer_from_fd(pfd[0], NET_FRAMING_DGRAM, &p), -ENOTSOCK);
	close(pfd[0]);
	close(pfd[1]);
	assert_int_equal(net_peer_unixstream("/nonexistent/sock", &p), -ENOENT);
	assert_int_equal(net_peer_tap("", false, &p), -EINVAL);
	assert_int_equal(net_peer_tap("0123456789abcdefXX", true, &p), -EINVAL);
}

/* unixgram with a path: our socket is bound under $TMPDIR, the greeting comes first, the file goes at close. */
static void test_unixgram_path_vfkit(void **state)
{
	(void)state;
	char dir[] = "/tmp/ckrun-net-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char spath[128];
	snprintf(spath, sizeof(spath), "%s/gvproxy.sock", dir);
	int srv = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, spath);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("TMPDIR", dir, 1);

	for (int vfkit = 1; vfkit >= 0; vfkit--) {
		struct net_peer p;
		assert_int_equal(net_peer_unixgram(spath, vfkit, &p), 0);
		assert_int_equal(p.framing, NET_FRAMING_DGRAM);
		char want[160];
		snprintf(want, sizeof(want), "%s/krun-net-%d-0.sock", dir, (int)getpid());
		assert_string_equal(p.bound_path, want);
		struct stat st;
		assert_int_equal(stat(want, &st), 0);
		assert_true(S_ISSOCK(st.st_mode));
		uint8_t buf[16];
		struct sockaddr_un from;
		socklen_t fl = sizeof(from);
		if (vfkit) {
			ssize_t r = recvfrom(srv, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
			assert_int_equal(r, 4);
			assert_memory_equal(buf, "VFKT", 4);
			assert_string_equal(from.sun_path, want);
			/* The peer answers to that address. */
			assert_int_equal(sendto(srv, "0123456789abcdef", 16, 0, (struct sockaddr *)&from, fl), 16);
			assert_int_equal(read(p.fd, buf, sizeof(buf)), 16);
		} else {
			assert_int_equal(recv(srv, buf, sizeof(buf), MSG_DONTWAIT), -1);
			assert_int_equal(errno, EAGAIN);
		}
		net_peer_close(&p);
		assert_int_equal(stat(want, &st), -1);
	}
	unsetenv("TMPDIR");
	close(srv);
	unlink(spath);
	rmdir(dir);
}

static void test_unixstream_path(void **state)
{
	(void)state;
	char dir[] = "/tmp/ckrun-net-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/passt.sock", dir);
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(srv, 1), 0);
	struct net_peer p;
	assert_int_equal(net_peer_unixstream(sa.sun_path, &p), 0);
	assert_int_equal(p.framing, NET_FRAMING_STREAM);
	assert_true(fcntl(p.fd, F_GETFL) & O_NONBLOCK);
	int c = accept(srv, NULL, NULL);
	assert_true(c >= 0);
	assert_int_equal(write(p.fd, "x", 1), 1);
	char b;
	assert_int_equal(read(c, &b, 1), 1);
	net_peer_close(&p);
	close(c);
	close(srv);
	unlink(sa.sun_path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_and_features, setup_stream, teardown),
		cmocka_unit_test(test_socket_peer_no_offloads),
		cmocka_unit_test_setup_teardown(test_stream_both_ways, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_stream_partial_rx, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_rx_backpressure, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_tx_backpressure, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_rx_small_buffers, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_tx_bad_chains, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_tx_chain_outside_ram, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_stream_bad_lengths, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_stream_peer_close_mid_frame, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_stream_reset_keeps_framing, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_dgram_both_ways, setup_dgram, teardown),
		cmocka_unit_test_setup_teardown(test_dgram_tx_backpressure, setup_dgram, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_one_chain, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_two_chains, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_many_chains_max_frame, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_wait_for_buffers, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_frame_bigger_than_ring, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_short_first_chain, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_chain_outside_ram, setup_stream, teardown),
		cmocka_unit_test_setup_teardown(test_mrg_dgram, setup_dgram, teardown),
		cmocka_unit_test_setup_teardown(test_dgram_tx_direct, setup_dgram, teardown),
		cmocka_unit_test_setup_teardown(test_be_tx_bad_lengths, setup_be, teardown_be),
		cmocka_unit_test_setup_teardown(test_be_echo, setup_be, teardown_be),
		cmocka_unit_test_setup_teardown(test_be_rx_flood_held, setup_be, teardown_be),
		cmocka_unit_test_setup_teardown(test_be_rx_flood_bytes, setup_be, teardown_be),
		cmocka_unit_test_setup_teardown(test_be_stop_while_flowing, setup_be, teardown_be),
		cmocka_unit_test(test_be_new_checks),
		cmocka_unit_test(test_peer_from_fd_checks),
		cmocka_unit_test(test_unixgram_path_vfkit),
		cmocka_unit_test(test_unixstream_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
