/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-console over fake guest memory: control handshake, output to a pipe, input from a pipe. */
#define virtio_console_config virtio_console_config_wire
#include <linux/virtio_console.h>
#undef virtio_console_config

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_driver.h"
#include "virtio/console.h"
#include "virtio/mmio_dev.h"

#define FEAT ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_CONSOLE_F_MULTIPORT))
#define CTRL_RX 2
#define CTRL_TX 3
#define BUF(k) (FAKE_GPA + 0x100000 + (uint64_t)(k) * 0x1000)

struct fx {
	struct guest_mem mem;
	struct virtio_mmio_dev *t;
	int in[2], out[2], err[2];
	int nq;
	struct tq q[10];
	int nbuf;
};

static int setup_common(void **state, bool named)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || fake_mem_init(&f->mem))
		return -1;
	if (pipe2(f->in, O_CLOEXEC) || pipe2(f->out, O_CLOEXEC) || pipe2(f->err, O_CLOEXEC))
		return -1;
	struct virtio_console_config cfg = {
		.in_fd = f->in[0], .out_fd = f->out[1], .err_fd = named ? f->err[1] : -1,
		.named_ports = named,
	};
	if (virtio_console_new(&cfg, &f->mem, &f->t))
		return -1;
	f->nq = virtio_mmio_num_queues(f->t);
	*state = f;
	return 0;
}

static int setup1(void **state) { return setup_common(state, false); }
static int setup4(void **state) { return setup_common(state, true); }

static int teardown(void **state)
{
	struct fx *f = *state;
	virtio_mmio_free(f->t);
	for (int i = 0; i < 2; i++) {
		close(f->in[i]);
		close(f->out[i]);
		close(f->err[i]);
	}
	fake_mem_free(&f->mem);
	free(f);
	return 0;
}

static void kick(struct fx *f, int q)
{
	td_wr(f->t, VIRTIO_MMIO_QUEUE_NOTIFY, (uint32_t)q);
}

static uint64_t next_buf(struct fx *f)
{
	return BUF(f->nbuf++);
}

static void start(struct fx *f)
{
	td_negotiate(f->t, FEAT);
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (int k = 0; k < f->nq; k++)
		td_setup_queue(f->t, &f->q[k], k);
	td_driver_ok(f->t);
	assert_false(virtio_mmio_is_broken(f->t));
	/* Control receive buffers, as the Linux driver fills them. */
	for (int i = 0; i < 12; i++) {
		struct tbuf b = { next_buf(f), 64, true };
		td_post(&f->mem, &f->q[CTRL_RX], &b, 1);
	}
	kick(f, CTRL_RX);
}

static void send_ctrl(struct fx *f, uint32_t id, uint16_t event, uint16_t value)
{
	uint64_t gpa = next_buf(f);
	struct virtio_console_control m = { htole32(id), htole16(event), htole16(value) };
	memcpy(fake_ptr(&f->mem, gpa), &m, sizeof(m));
	struct tbuf b = { gpa, sizeof(m), false };
	td_post(&f->mem, &f->q[CTRL_TX], &b, 1);
	kick(f, CTRL_TX);
	uint32_t len = 99;
	assert_true(td_wait_used(&f->mem, &f->q[CTRL_TX], NULL, &len));
	assert_int_equal(len, 0);
}

/* Next control message from the device; returns its name part length. */
static size_t recv_ctrl(struct fx *f, uint32_t *id, uint16_t *event, uint16_t *value, char *name)
{
	uint32_t head = 0, len = 0;
	assert_true(td_wait_used(&f->mem, &f->q[CTRL_RX], &head, &len));
	assert_true(len >= sizeof(struct virtio_console_control));
	struct vring_desc *d = (struct vring_desc *)fake_ptr(&f->mem, f->q[CTRL_RX].desc) + head;
	const uint8_t *p = fake_ptr(&f->mem, le64toh(d->addr));
	struct virtio_console_control m;
	memcpy(&m, p, sizeof(m));
	*id = le32toh(m.id);
	*event = le16toh(m.event);
	*value = le16toh(m.value);
	size_t n = len - sizeof(m);
	if (name) {
		memcpy(name, p + sizeof(m), n);
		name[n] = 0;
	}
	return n;
}

static void expect_ctrl(struct fx *f, uint32_t id, uint16_t event, uint16_t value, const char *name)
{
	uint32_t i;
	uint16_t e, v;
	char buf[64];
	recv_ctrl(f, &i, &e, &v, buf);
	assert_int_equal(i, id);
	assert_int_equal(e, event);
	assert_int_equal(v, value);
	if (name)
		assert_string_equal(buf, name);
}

static void test_config_and_features(void **state)
{
	struct fx *f = *state;
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_DEVICE_ID, 4), 3);
	assert_int_equal(f->nq, 4);
	td_wr(f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_DEVICE_FEATURES, 4) &
		    (1u << VIRTIO_CONSOLE_F_MULTIPORT));
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG +
					  offsetof(struct virtio_console_config_wire, max_nr_ports), 4), 1);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + 12, 1), 0); /* past the end */
}

static void test_console_port(void **state)
{
	struct fx *f = *state;
	start(f);
	send_ctrl(f, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
	expect_ctrl(f, 0, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	send_ctrl(f, 0, VIRTIO_CONSOLE_PORT_READY, 1);
	expect_ctrl(f, 0, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
	expect_ctrl(f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	send_ctrl(f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	/* Junk control messages are consumed and ignored. */
	send_ctrl(f, 77, VIRTIO_CONSOLE_PORT_READY, 1);
	send_ctrl(f, 0, 999, 1);

	/* Guest output reaches out_fd, split over two buffers. */
	uint64_t a = next_buf(f), b = next_buf(f);
	memcpy(fake_ptr(&f->mem, a), "hello, ", 7);
	memcpy(fake_ptr(&f->mem, b), "console\n", 8);
	struct tbuf tx[2] = { { a, 7, false }, { b, 8, false } };
	td_post(&f->mem, &f->q[1], tx, 2);
	kick(f, 1);
	uint32_t len;
	assert_true(td_wait_used(&f->mem, &f->q[1], NULL, &len));
	assert_int_equal(len, 0);
	char got[32] = {0};
	assert_int_equal(read(f->out[0], got, sizeof(got)), 15);
	assert_string_equal(got, "hello, console\n");

	/* Host input reaches the guest's receive buffer. */
	uint64_t r = next_buf(f);
	struct tbuf rx = { r, 64, true };
	td_post(&f->mem, &f->q[0], &rx, 1);
	kick(f, 0);
	assert_int_equal(write(f->in[1], "typed", 5), 5);
	assert_true(td_wait_used(&f->mem, &f->q[0], NULL, &len));
	assert_int_equal(len, 5);
	assert_memory_equal(fake_ptr(&f->mem, r), "typed", 5);

	/* Input with no receive buffer waits for one. */
	assert_int_equal(write(f->in[1], "later", 5), 5);
	usleep(20000);
	struct vring_used *u = fake_ptr(&f->mem, f->q[0].used);
	assert_int_equal(le16toh(u->idx), 1);
	uint64_t r2 = next_buf(f);
	struct tbuf rx2 = { r2, 64, true };
	td_post(&f->mem, &f->q[0], &rx2, 1);
	kick(f, 0);
	assert_true(td_wait_used(&f->mem, &f->q[0], NULL, &len));
	assert_int_equal(len, 5);
	assert_memory_equal(fake_ptr(&f->mem, r2), "later", 5);

	/* Interrupts were raised. */
	struct pollfd p = { .fd = virtio_mmio_irq_fd(f->t), .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_INTERRUPT_STATUS, 4) & VIRTIO_MMIO_INT_VRING);
}

static void test_named_ports(void **state)
{
	struct fx *f = *state;
	assert_int_equal(f->nq, 10);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + 4, 4), 4);
	start(f);
	send_ctrl(f, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
	for (uint32_t p = 0; p < 4; p++)
		expect_ctrl(f, p, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	send_ctrl(f, 0, VIRTIO_CONSOLE_PORT_READY, 1);
	expect_ctrl(f, 0, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
	expect_ctrl(f, 0, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	const char *names[] = { NULL, "krun-stdin", "krun-stdout", "krun-stderr" };
	for (uint32_t p = 1; p < 4; p++) {
		send_ctrl(f, p, VIRTIO_CONSOLE_PORT_READY, 1);
		expect_ctrl(f, p, VIRTIO_CONSOLE_PORT_NAME, 1, names[p]);
		expect_ctrl(f, p, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
	}

	/* krun-stderr (port 3, tx queue 9) goes to err_fd, hvc0 to out_fd. */
	uint64_t a = next_buf(f);
	memcpy(fake_ptr(&f->mem, a), "oops", 4);
	struct tbuf tx = { a, 4, false };
	td_post(&f->mem, &f->q[9], &tx, 1);
	kick(f, 9);
	assert_true(td_wait_used(&f->mem, &f->q[9], NULL, NULL));
	char got[16] = {0};
	assert_int_equal(read(f->err[0], got, sizeof(got)), 4);
	assert_string_equal(got, "oops");

	/* stdin goes to krun-stdin (port 1, rx queue 4), not to hvc0. */
	uint64_t r0 = next_buf(f), r1 = next_buf(f);
	struct tbuf rx0 = { r0, 64, true }, rx1 = { r1, 64, true };
	td_post(&f->mem, &f->q[0], &rx0, 1);
	td_post(&f->mem, &f->q[4], &rx1, 1);
	kick(f, 0);
	kick(f, 4);
	assert_int_equal(write(f->in[1], "data", 4), 4);
	/* Linux drops input for a closed port: it waits in the pipe until the guest opens it. */
	usleep(30000);
	struct vring_used *u4 = fake_ptr(&f->mem, f->q[4].used);
	assert_int_equal(u4->idx, 0);
	send_ctrl(f, 1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	uint32_t len;
	assert_true(td_wait_used(&f->mem, &f->q[4], NULL, &len));
	assert_int_equal(len, 4);
	assert_memory_equal(fake_ptr(&f->mem, r1), "data", 4);
	struct vring_used *u0 = fake_ptr(&f->mem, f->q[0].used);
	assert_int_equal(u0->idx, 0);

	/* End of input: the guest is told the host side closed (its reader sees EOF). */
	uint64_t r2 = next_buf(f);
	struct tbuf rx2 = { r2, 64, true };
	td_post(&f->mem, &f->q[4], &rx2, 1);
	kick(f, 4);
	for (int i = 0; i < 2; i++) { /* the handshake used all control buffers */
		struct tbuf b = { next_buf(f), 64, true };
		td_post(&f->mem, &f->q[CTRL_RX], &b, 1);
	}
	kick(f, CTRL_RX);
	close(f->in[1]);
	f->in[1] = -1;
	expect_ctrl(f, 1, VIRTIO_CONSOLE_PORT_OPEN, 0, NULL);
	assert_int_equal(u4->idx, 1); /* the spare buffer stays unused */
}

static void test_hostile_chain_breaks_device(void **state)
{
	struct fx *f = *state;
	start(f);
	/* A transmit chain pointing outside guest RAM. */
	struct tbuf bad = { FAKE_GPA + FAKE_SIZE + 0x1000, 16, false };
	td_post(&f->mem, &f->q[1], &bad, 1);
	kick(f, 1);
	for (int i = 0; i < 5000 && !virtio_mmio_is_broken(f->t); i++)
		usleep(1000);
	assert_true(virtio_mmio_is_broken(f->t));
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_INTERRUPT_STATUS, 4) & VIRTIO_MMIO_INT_CONFIG);
	/* The guest resets and starts over; the device works again. */
	td_wr(f->t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4), 0);
	memset(f->mem.r[0].hva, 0, 0x100000); /* fresh rings */
	f->nbuf = 0;
	start(f);
	send_ctrl(f, 0, VIRTIO_CONSOLE_DEVICE_READY, 1);
	expect_ctrl(f, 0, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
}

/* Queue n 4 KiB transmit buffers on port 0 (patterned), without a kick. */
static void post_output(struct fx *f, int n, uint8_t seed)
{
	for (int i = 0; i < n; i++) {
		uint64_t g = next_buf(f);
		uint8_t *p = fake_ptr(&f->mem, g);
		for (int k = 0; k < 4096; k++)
			p[k] = (uint8_t)(seed + i * 7 + k);
		struct tbuf b = { g, 4096, false };
		td_post(&f->mem, &f->q[1], &b, 1);
	}
}

static void expect_output(struct fx *f, int n, uint8_t seed)
{
	uint8_t buf[4096];
	for (int i = 0; i < n; i++) {
		size_t got = 0;
		while (got < sizeof(buf)) {
			ssize_t r = read(f->out[0], buf + got, sizeof(buf) - got);
			assert_true(r > 0);
			got += (size_t)r;
		}
		for (int k = 0; k < 4096; k++)
			assert_int_equal(buf[k], (uint8_t)(seed + i * 7 + k));
	}
	char extra;
	assert_int_equal(read(f->out[0], &extra, 1), -1); /* nothing more */
	assert_int_equal(errno, EAGAIN);
}

/*
 * Output the guest queued right before a reset or the VM's end (its kick
 * still in flight, here never sent) is written out, not dropped: 64 KiB on
 * a device reset, 64 KiB on virtio_mmio_free.
 */
static void test_stop_drains_output(void **state)
{
	struct fx *f = *state;
	assert_true(fcntl(f->out[0], F_SETPIPE_SZ, 256 * 1024) >= 256 * 1024);
	assert_int_equal(fcntl(f->out[0], F_SETFL, O_NONBLOCK), 0);
	start(f);
	post_output(f, 16, 1);
	td_wr(f->t, VIRTIO_MMIO_STATUS, 0);
	/* The reset is complete once status reads back 0 (a driver waits for
	 * that before it starts over, virtio 1.1 section 2.1.2). */
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4), 0);
	expect_output(f, 16, 1);

	memset(f->mem.r[0].hva, 0, 0x100000);
	f->nbuf = 0;
	start(f);
	post_output(f, 16, 9);
	virtio_mmio_free(f->t);
	f->t = NULL; /* teardown's free is a no-op */
	expect_output(f, 16, 9);
}

/* A host reader that stopped reading delays the stop by at most the drain bound. */
static void test_stop_with_stuck_reader_is_bounded(void **state)
{
	struct fx *f = *state;
	assert_int_equal(fcntl(f->out[1], F_SETFL, O_NONBLOCK), 0);
	uint8_t junk[4096] = {0};
	while (write(f->out[1], junk, sizeof(junk)) > 0)
		;
	assert_int_equal(errno, EAGAIN); /* the pipe is full */
	start(f);
	post_output(f, 4, 3);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	td_wr(f->t, VIRTIO_MMIO_STATUS, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_true(secs < 5.0);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4), 0);
}

/* A driver repeating DEVICE_READY cannot grow the device's queue of control
 * messages (docs/security.md, "Bounds"): with no receive buffer free, at most
 * 32 (CON_PENDING_MAX) wait; the rest are dropped. */
static void test_ctrl_messages_bounded(void **state)
{
	struct fx *f = *state;
	start(f); /* 12 control receive buffers */
	uint64_t gpa = next_buf(f), rb = next_buf(f);
	struct virtio_console_control m = { htole32(0), htole16(VIRTIO_CONSOLE_DEVICE_READY), htole16(1) };
	memcpy(fake_ptr(&f->mem, gpa), &m, sizeof(m));
	for (int i = 0; i < 100; i++) {
		struct tbuf b = { gpa, sizeof(m), false };
		td_post(&f->mem, &f->q[CTRL_TX], &b, 1);
		kick(f, CTRL_TX);
		assert_true(td_wait_used(&f->mem, &f->q[CTRL_TX], NULL, NULL));
	}
	int got = 0;
	for (int i = 0; i < 12; i++, got++)
		expect_ctrl(f, 0, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
	/* 88 more were asked for: 32 wait for buffers */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 16; i++) {
			struct tbuf b = { rb, 64, true };
			td_post(&f->mem, &f->q[CTRL_RX], &b, 1);
		}
		kick(f, CTRL_RX);
		for (int i = 0; i < 16; i++, got++)
			assert_true(td_wait_used(&f->mem, &f->q[CTRL_RX], NULL, NULL));
	}
	struct tbuf b = { rb, 64, true };
	td_post(&f->mem, &f->q[CTRL_RX], &b, 1);
	kick(f, CTRL_RX);
	usleep(200000);
	struct vring_used *u = fake_ptr(&f->mem, f->q[CTRL_RX].used);
	assert_int_equal(le16toh(u->idx), (uint16_t)got); /* nothing more was queued */
	assert_int_equal(got, 12 + 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctrl_messages_bounded, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_config_and_features, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_console_port, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_named_ports, setup4, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_chain_breaks_device, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_stop_drains_output, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_stop_with_stuck_reader_is_bounded, setup1, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
