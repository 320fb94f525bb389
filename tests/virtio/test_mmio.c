/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-mmio register semantics with a fake device. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "fake_driver.h"
#include "fake_mem.h"
#include "virtio/mmio_dev.h"

#define FAKE_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) | 0x5)

struct fake_dev {
	/* With a worker (worker_ops): where and when the reset ran. */
	pthread_t reset_thread;
	int reset_delay_ms;
	int runs;
	int activations;
	int resets;
	int frees;
	int activate_result;
	bool has_shm;
	struct virtio_mmio_dev *seen;
	uint8_t config[10];
};

static void fd_config_read(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct fake_dev *d = dev;
	memcpy(buf, d->config + off, len);
}

static int fd_activate(void *dev, struct virtio_mmio_dev *t)
{
	struct fake_dev *d = dev;
	d->activations++;
	d->seen = t;
	return d->activate_result;
}

static void fd_reset(void *dev)
{
	((struct fake_dev *)dev)->resets++;
}

static bool fd_shm(void *dev, uint32_t id, uint64_t *base, uint64_t *len)
{
	struct fake_dev *d = dev;
	if (!d->has_shm || id != 0)
		return false;
	*base = 0x123456789000ULL;
	*len = 0x240000000ULL;
	return true;
}

static void fd_free(void *dev)
{
	((struct fake_dev *)dev)->frees++;
}

static const struct virtio_dev_ops fake_ops = {
	.device_id = 42,
	.num_queues = 2,
	.queue_num_max = 256,
	.features = FAKE_FEATURES,
	.config_len = sizeof(((struct fake_dev *)0)->config),
	.config_read = fd_config_read,
	.activate = fd_activate,
	.reset = fd_reset,
	.shm = fd_shm,
	.free = fd_free,
};

/* The worker waits for its stop like a real device; its reset is slow. */
static void fd_run(void *dev, struct virtio_mmio_dev *t, int stop_fd)
{
	struct fake_dev *d = dev;
	(void)t;
	__atomic_add_fetch(&d->runs, 1, __ATOMIC_SEQ_CST);
	struct pollfd p = { .fd = stop_fd, .events = POLLIN };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

static void fd_slow_reset(void *dev)
{
	struct fake_dev *d = dev;
	d->reset_thread = pthread_self();
	usleep((useconds_t)d->reset_delay_ms * 1000);
	d->resets++;
}

static const struct virtio_dev_ops worker_ops = {
	.device_id = 42,
	.num_queues = 2,
	.queue_num_max = 256,
	.features = FAKE_FEATURES,
	.config_len = sizeof(((struct fake_dev *)0)->config),
	.config_read = fd_config_read,
	.activate = fd_activate,
	.run = fd_run,
	.reset = fd_slow_reset,
	.free = fd_free,
};

struct fx {
	struct guest_mem mem;
	struct fake_dev dev;
	struct virtio_mmio_dev *t;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f || fake_mem_init(&f->mem))
		return -1;
	for (unsigned i = 0; i < sizeof(f->dev.config); i++)
		f->dev.config[i] = (uint8_t)(0x10 + i);
	if (virtio_mmio_new(&fake_ops, &f->dev, &f->mem, &f->t))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	virtio_mmio_free(f->t);
	assert_int_equal(f->dev.frees, 1);
	fake_mem_free(&f->mem);
	free(f);
	return 0;
}

static uint32_t rd(struct fx *f, uint64_t off) { return virtio_mmio_read(f->t, off, 4); }
static void wr(struct fx *f, uint64_t off, uint32_t v) { virtio_mmio_write(f->t, off, v, 4); }

static bool fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 0) == 1;
}

static void negotiate(struct fx *f, uint64_t feat)
{
	td_negotiate(f->t, feat);
}

static void setup_queue(struct fx *f, uint32_t q, uint32_t num, uint64_t desc, uint64_t avail,
			uint64_t used)
{
	wr(f, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	wr(f, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void test_identity(void **state)
{
	struct fx *f = *state;
	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(f, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_ID), 42);
	assert_int_equal(rd(f, VIRTIO_MMIO_VENDOR_ID), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), 0);
	/* Registers only answer aligned 32-bit accesses. */
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_MAGIC_VALUE + 1, 4), 0);
	assert_int_equal(virtio_mmio_num_queues(f->t), 2);
	assert_true(virtio_mmio_notify_fd(f->t, 0) >= 0);
	assert_true(virtio_mmio_notify_fd(f->t, 1) >= 0);
	assert_int_equal(virtio_mmio_notify_fd(f->t, 2), -1);
	assert_int_equal(virtio_mmio_notify_fd(f->t, -1), -1);
	assert_true(virtio_mmio_irq_fd(f->t) >= 0);
}

static void test_feature_select(void **state)
{
	struct fx *f = *state;
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), (uint32_t)FAKE_FEATURES);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), (uint32_t)(FAKE_FEATURES >> 32));
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1 = bit 32 */
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);
}

static void test_features_ok_needs_version1(void **state)
{
	struct fx *f = *state;
	negotiate(f, 0x5); /* no VERSION_1 */
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	negotiate(f, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 40)); /* not offered */
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK, 0);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	negotiate(f, (1ULL << VIRTIO_F_VERSION_1) | 0x1);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK,
			 VIRTIO_CONFIG_S_FEATURES_OK);
	assert_int_equal(virtio_mmio_driver_features(f->t), (1ULL << VIRTIO_F_VERSION_1) | 0x1);
	/* Frozen after FEATURES_OK. */
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 0x4);
	assert_int_equal(virtio_mmio_driver_features(f->t), (1ULL << VIRTIO_F_VERSION_1) | 0x1);
}

static void test_driver_ok_without_features_ok(void **state)
{
	struct fx *f = *state;
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->dev.activations, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK, 0);
}

static void test_queue_setup_and_reset(void **state)
{
	struct fx *f = *state;
	negotiate(f, FAKE_FEATURES);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	setup_queue(f, 0, 64, RING_DESC, RING_AVAIL, RING_USED);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
	struct vq *q = virtio_mmio_queue(f->t, 0);
	assert_non_null(q);
	assert_int_equal(q->size, 64);
	assert_true(q->event_idx);
	assert_ptr_equal(q->desc, fake_ptr(&f->mem, RING_DESC));
	/* Layout frozen while ready. */
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	assert_int_equal(q->size, 64);
	/* Queue selector out of range. */
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 7);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_null(virtio_mmio_queue(f->t, 7));

	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->dev.activations, 1);
	assert_ptr_equal(f->dev.seen, f->t);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK);
	/* Writing DRIVER_OK again does not activate twice. */
	wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS));
	assert_int_equal(f->dev.activations, 1);

	/* Reset: the device stops, queue state and features are forgotten. */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(f->dev.resets, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(q->size, 0);
	assert_int_equal(virtio_mmio_driver_features(f->t), 0);
	/* A second reset with nothing running does not call the device. */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(f->dev.resets, 1);

	/* And the device can be brought up again. */
	negotiate(f, FAKE_FEATURES);
	setup_queue(f, 0, 64, RING_DESC, RING_AVAIL, RING_USED);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->dev.activations, 2);
}

static void test_bad_queue_marks_broken(void **state)
{
	struct fx *f = *state;
	int irq = virtio_mmio_irq_fd(f->t);
	negotiate(f, FAKE_FEATURES);
	setup_queue(f, 1, 64, FAKE_GPA + FAKE_SIZE, RING_AVAIL, RING_USED); /* desc outside RAM */
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_true(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	assert_true(fd_readable(irq));
	/* A broken device is not started. */
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->dev.activations, 0);
	/* The driver cannot clear NEEDS_RESET except by reset. */
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);

	/* Bad sizes: above the maximum, not a power of two. */
	negotiate(f, FAKE_FEATURES);
	setup_queue(f, 0, 512, RING_DESC, RING_AVAIL, RING_USED);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(virtio_mmio_is_broken(f->t));
	wr(f, VIRTIO_MMIO_STATUS, 0);
	negotiate(f, FAKE_FEATURES);
	setup_queue(f, 0, 100, RING_DESC, RING_AVAIL, RING_USED);
	assert_true(virtio_mmio_is_broken(f->t));
	wr(f, VIRTIO_MMIO_STATUS, 0);
	/* Misaligned used ring. */
	negotiate(f, FAKE_FEATURES);
	setup_queue(f, 0, 16, RING_DESC, RING_AVAIL, RING_USED + 2);
	assert_true(virtio_mmio_is_broken(f->t));
}

static void test_activate_failure_breaks(void **state)
{
	struct fx *f = *state;
	f->dev.activate_result = -ENOMEM;
	negotiate(f, FAKE_FEATURES);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->dev.activations, 1);
	assert_true(virtio_mmio_is_broken(f->t));
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(f->dev.resets, 0); /* never ran, nothing to stop */
}

static void test_interrupts(void **state)
{
	struct fx *f = *state;
	int irq = virtio_mmio_irq_fd(f->t);
	assert_false(fd_readable(irq));
	virtio_mmio_signal_used(f->t);
	assert_true(fd_readable(irq));
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	virtio_mmio_set_broken(f->t);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* Interrupt status is read-only. */
	wr(f, VIRTIO_MMIO_INTERRUPT_STATUS, 3);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}

static void test_direct_notify(void **state)
{
	struct fx *f = *state;
	int q0 = virtio_mmio_notify_fd(f->t, 0), q1 = virtio_mmio_notify_fd(f->t, 1);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_false(fd_readable(q0));
	assert_true(fd_readable(q1));
	uint64_t v;
	assert_int_equal(read(q1, &v, sizeof(v)), 8);
	assert_int_equal(v, 1);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 2); /* no such queue */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	assert_false(fd_readable(q0));
	assert_false(fd_readable(q1));
}

static void test_shm_registers(void **state)
{
	struct fx *f = *state;
	/* No region. */
	wr(f, VIRTIO_MMIO_SHM_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffff);
	/* With region 0. */
	f->dev.has_shm = true;
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_LOW), 0x40000000);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_HIGH), 0x2);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_BASE_LOW), 0x56789000);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_BASE_HIGH), 0x1234);
	/* Other selectors have none. */
	wr(f, VIRTIO_MMIO_SHM_SEL, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffff);
	wr(f, VIRTIO_MMIO_SHM_SEL, 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
}

static void test_config_space(void **state)
{
	struct fx *f = *state;
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG, 1), 0x10);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + 1, 2), 0x1211);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + 6, 4), 0x19181716);
	/* Crossing the end, past the end, odd sizes, far away. */
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + 8, 4), 0);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + 9, 1), 0x19);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG + 10, 1), 0);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG, 3), 0);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG, 8), 0);
	assert_int_equal(virtio_mmio_read(f->t, 0xfff, 4), 0);
	assert_int_equal(virtio_mmio_read(f->t, UINT64_MAX, 4), 0);
	assert_int_equal(virtio_mmio_read(f->t, UINT64_MAX - 2, 4), 0);
	/* Writes are dropped. */
	virtio_mmio_write(f->t, VIRTIO_MMIO_CONFIG, 0xdeadbeef, 4);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_CONFIG, 1), 0x10);
}

static void test_unknown_registers(void **state)
{
	struct fx *f = *state;
	/* Legacy and unknown registers read 0 and ignore writes without harm. */
	for (uint64_t off = 0; off < VIRTIO_MMIO_CONFIG; off += 4)
		if (off != VIRTIO_MMIO_STATUS)
			virtio_mmio_write(f->t, off, 0xffffffff, 4);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_PFN), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(f->dev.activations, 0);
}

static double since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

/*
 * The transport runs the worker and the device's reset work off the thread
 * that writes the registers (a vCPU's): a status-0 write returns before a
 * slow reset ends, the reset runs on the worker's thread, and the next
 * register access sees the reset completed (status 0, queues forgotten).
 */
static void test_worker_reset_off_the_register_thread(void **state)
{
	(void)state;
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(fake_mem_init(&f->mem), 0);
	f->dev.reset_delay_ms = 300;
	assert_int_equal(virtio_mmio_new(&worker_ops, &f->dev, &f->mem, &f->t), 0);
	negotiate(f, FAKE_FEATURES);
	setup_queue(f, 0, 64, RING_DESC, RING_AVAIL, RING_USED);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->dev.activations, 1);
	for (int i = 0; i < 5000 && !__atomic_load_n(&f->dev.runs, __ATOMIC_SEQ_CST); i++)
		usleep(1000);
	assert_int_equal(__atomic_load_n(&f->dev.runs, __ATOMIC_SEQ_CST), 1);

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_true(since(&t0) < 0.15); /* did not wait for the 300 ms reset */
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0); /* waits for it */
	assert_true(since(&t0) >= 0.29);
	assert_int_equal(f->dev.resets, 1);
	assert_false(pthread_equal(f->dev.reset_thread, pthread_self()));
	assert_int_equal(virtio_mmio_queue(f->t, 0)->size, 0);

	/* Up again, then freed while running: free stops and joins the worker. */
	f->dev.reset_delay_ms = 0;
	negotiate(f, FAKE_FEATURES);
	setup_queue(f, 0, 64, RING_DESC, RING_AVAIL, RING_USED);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(f->dev.activations, 2);
	virtio_mmio_free(f->t);
	assert_int_equal(f->dev.runs, 2);
	assert_int_equal(f->dev.resets, 2);
	assert_int_equal(f->dev.frees, 1);
	fake_mem_free(&f->mem);
	free(f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_feature_select),
		T(test_features_ok_needs_version1),
		T(test_driver_ok_without_features_ok),
		T(test_queue_setup_and_reset),
		T(test_bad_queue_marks_broken),
		T(test_activate_failure_breaks),
		T(test_interrupts),
		T(test_direct_notify),
		T(test_shm_registers),
		T(test_config_space),
		T(test_unknown_registers),
		cmocka_unit_test(test_worker_reset_off_the_register_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
