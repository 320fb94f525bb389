/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-mmio version 2 register file (<linux/virtio_mmio.h>). Generic over
 * devices: each supplies a struct virtio_dev_ops (mmio_dev.h).
 *
 * Only 32-bit accesses reach registers below the config space, as the spec
 * requires; anything else reads 0 and writes are dropped. Queue notify
 * normally never gets here (KVM ioeventfd); a direct write is forwarded to the
 * queue's eventfd so both paths look the same to the worker.
 */
#include "virtio/mmio_dev.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#define MMIO_MAGIC   0x74726976u /* "virt" */
#define MMIO_VERSION 2u
#define MMIO_VENDOR  0u

struct mmio_queue {
	uint32_t num;
	bool ready;
	uint64_t desc, avail, used;
	int notify_fd;
};

struct virtio_mmio_dev {
	const struct virtio_dev_ops *ops;
	void *dev;
	struct guest_mem mem;

	pthread_mutex_t lock; /* register file; held across activate and the join of a stopped worker */
	uint32_t status;      /* atomic: the worker sets NEEDS_RESET */
	uint32_t int_status;  /* atomic: the worker sets bits, the vCPU acks */
	uint32_t dev_feat_sel;
	uint32_t drv_feat_sel;
	uint64_t features;    /* offered: ops->features or ops->device_features(dev) */
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t shm_sel;
	bool active;          /* started (DRIVER_OK); a stop is due */
	bool worker_running;  /* a worker thread exists (until joined) */
	bool stop_pending;    /* the worker was asked to stop; join and forget the queues */
	pthread_t worker;
	int stop_fd;          /* eventfd: readable = the worker must stop */

	struct mmio_queue q[VIRTIO_MMIO_MAX_QUEUES];
	struct vq vq[VIRTIO_MMIO_MAX_QUEUES];
	int irq_fd;
};

static void kick(int fd)
{
	uint64_t one = 1;
	/* EAGAIN means the counter is already huge: the reader wakes anyway. */
	ssize_t r = write(fd, &one, sizeof(one));
	(void)r;
}

static void drain(int fd)
{
	uint64_t v;
	ssize_t r = read(fd, &v, sizeof(v));
	(void)r;
}

int virtio_mmio_new(const struct virtio_dev_ops *ops, void *dev, const struct guest_mem *mem,
		    struct virtio_mmio_dev **out)
{
	int err = -EINVAL;
	if (ops->num_queues <= 0 || ops->num_queues > VIRTIO_MMIO_MAX_QUEUES || mem->nr < 0 ||
	    mem->nr > GUEST_MEM_MAX_REGIONS)
		goto err_dev;
	struct virtio_mmio_dev *t = calloc(1, sizeof(*t));
	err = -ENOMEM;
	if (!t)
		goto err_dev;
	t->ops = ops;
	t->dev = dev;
	t->features = ops->device_features ? ops->device_features(dev) : ops->features;
	t->mem = *mem;
	t->irq_fd = -1;
	t->stop_fd = -1;
	for (int i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		t->q[i].notify_fd = -1;
	err = -pthread_mutex_init(&t->lock, NULL);
	if (err)
		goto err_t;
	t->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->irq_fd < 0)
		goto err_fds;
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->stop_fd < 0)
		goto err_fds;
	for (int i = 0; i < ops->num_queues; i++) {
		t->q[i].notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t->q[i].notify_fd < 0)
			goto err_fds;
	}
	*out = t;
	return 0;

err_fds:
	err = -errno;
	for (int i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		if (t->q[i].notify_fd >= 0)
			close(t->q[i].notify_fd);
	if (t->irq_fd >= 0)
		close(t->irq_fd);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	pthread_mutex_destroy(&t->lock);
err_t:
	free(t);
err_dev:
	ops->free(dev);
	return err;
}

/* The worker's thread: the device's run, then (once a stop was asked for) its reset. */
static void *worker_main(void *arg)
{
	struct virtio_mmio_dev *t = arg;
	t->ops->run(t->dev, t, t->stop_fd);
	/* A worker that gave up early (broken device) keeps the driver's state
	 * until the driver resets the device, as if it were still serving. */
	struct pollfd pf = { .fd = t->stop_fd, .events = POLLIN };
	while (poll(&pf, 1, -1) < 0 && errno == EINTR)
		;
	if (t->ops->reset)
		t->ops->reset(t->dev);
	return NULL;
}

/* DRIVER_OK: activate, then the worker with every signal blocked (signals
 * belong to the application's threads; a closed output pipe then gives the
 * worker EPIPE instead of killing the process). 0 or -errno. Lock held. */
static int start_device(struct virtio_mmio_dev *t)
{
	int err = t->ops->activate ? t->ops->activate(t->dev, t) : 0;
	if (err || !t->ops->run)
		return err;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&t->worker, NULL, worker_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return err;
	t->worker_running = true;
	return 0;
}

/* Ask a running device to stop: its worker ends and resets the device on
 * its own thread; without a worker the reset runs here. Lock held. */
static void request_stop(struct virtio_mmio_dev *t)
{
	if (!t->active)
		return;
	t->active = false;
	if (t->worker_running)
		kick(t->stop_fd);
	else if (t->ops->reset)
		t->ops->reset(t->dev);
}

/* Wait for a stopping worker (it is usually done by now). Lock held. */
static void join_worker(struct virtio_mmio_dev *t)
{
	if (!t->worker_running)
		return;
	pthread_join(t->worker, NULL);
	drain(t->stop_fd);
	t->worker_running = false;
}

/* Forget everything the driver set up. Lock held, worker joined. */
static void forget_driver(struct virtio_mmio_dev *t)
{
	for (int i = 0; i < t->ops->num_queues; i++) {
		int fd = t->q[i].notify_fd;
		memset(&t->q[i], 0, sizeof(t->q[i]));
		t->q[i].notify_fd = fd;
		drain(fd); /* a stale kick must not reach the next incarnation */
		vq_reset(&t->vq[i]);
	}
	t->dev_feat_sel = t->drv_feat_sel = 0;
	t->driver_features = 0;
	t->queue_sel = 0;
	t->shm_sel = 0;
	__atomic_store_n(&t->int_status, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->status, 0, __ATOMIC_SEQ_CST);
}

/* The driver wrote status 0: stop the device; a running worker is joined and
 * the queues forgotten at the next register access (finish_reset). Lock held. */
static void do_reset(struct virtio_mmio_dev *t)
{
	request_stop(t);
	if (t->worker_running) {
		t->stop_pending = true;
		return;
	}
	forget_driver(t);
}

/* Complete a reset the driver asked for, before the driver sees any register. Lock held. */
static void finish_reset(struct virtio_mmio_dev *t)
{
	if (!t->stop_pending)
		return;
	join_worker(t);
	forget_driver(t);
	t->stop_pending = false;
}

void virtio_mmio_free(struct virtio_mmio_dev *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	request_stop(t);
	join_worker(t);
	t->stop_pending = false;
	pthread_mutex_unlock(&t->lock);
	t->ops->free(t->dev);
	for (int i = 0; i < t->ops->num_queues; i++)
		close(t->q[i].notify_fd);
	close(t->irq_fd);
	close(t->stop_fd);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int virtio_mmio_num_queues(const struct virtio_mmio_dev *t)
{
	return t->ops->num_queues;
}

int virtio_mmio_notify_fd(const struct virtio_mmio_dev *t, int q)
{
	if (q < 0 || q >= t->ops->num_queues)
		return -1;
	return t->q[q].notify_fd;
}

int virtio_mmio_irq_fd(const struct virtio_mmio_dev *t)
{
	return t->irq_fd;
}

struct vq *virtio_mmio_queue(struct virtio_mmio_dev *t, int q)
{
	if (q < 0 || q >= t->ops->num_queues)
		return NULL;
	return &t->vq[q];
}

uint64_t virtio_mmio_driver_features(const struct virtio_mmio_dev *t)
{
	return t->driver_features;
}

void virtio_mmio_signal_used(struct virtio_mmio_dev *t)
{
	__atomic_or_fetch(&t->int_status, VIRTIO_MMIO_INT_VRING, __ATOMIC_SEQ_CST);
	kick(t->irq_fd);
}

void virtio_mmio_set_broken(struct virtio_mmio_dev *t)
{
	__atomic_or_fetch(&t->status, VIRTIO_CONFIG_S_NEEDS_RESET, __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&t->int_status, VIRTIO_MMIO_INT_CONFIG, __ATOMIC_SEQ_CST);
	kick(t->irq_fd);
}

bool virtio_mmio_is_broken(const struct virtio_mmio_dev *t)
{
	return __atomic_load_n(&t->status, __ATOMIC_SEQ_CST) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

uint32_t virtio_mmio_status(const struct virtio_mmio_dev *t)
{
	return __atomic_load_n(&t->status, __ATOMIC_SEQ_CST);
}

static struct mmio_queue *sel_queue(struct virtio_mmio_dev *t)
{
	if (t->queue_sel >= (uint32_t)t->ops->num_queues)
		return NULL;
	return &t->q[t->queue_sel];
}

static uint32_t read_config(struct virtio_mmio_dev *t, uint64_t off, unsigned size)
{
	if (size != 1 && size != 2 && size != 4)
		return 0;
	if (off > t->ops->config_len || size > t->ops->config_len - off)
		return 0;
	uint8_t buf[4] = {0};
	t->ops->config_read(t->dev, (uint32_t)off, buf, size);
	switch (size) {
	case 1:
		return buf[0];
	case 2:
		return (uint32_t)buf[0] | (uint32_t)buf[1] << 8;
	default:
		return (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
		       (uint32_t)buf[3] << 24;
	}
}

static uint32_t read_reg(struct virtio_mmio_dev *t, uint64_t offset)
{
	struct mmio_queue *q;
	uint64_t base, len;

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return MMIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (t->dev_feat_sel > 1)
			return 0;
		return (uint32_t)(t->features >> (32 * t->dev_feat_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return sel_queue(t) ? t->ops->queue_num_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		q = sel_queue(t);
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return __atomic_load_n(&t->int_status, __ATOMIC_SEQ_CST);
	case VIRTIO_MMIO_STATUS:
		return __atomic_load_n(&t->status, __ATOMIC_SEQ_CST);
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		if (!t->ops->shm || !t->ops->shm(t->dev, t->shm_sel, &base, &len)) {
			base = ~0ULL; /* "no region": length (and base) all ones */
			len = ~0ULL;
		}
		if (offset == VIRTIO_MMIO_SHM_LEN_LOW)
			return (uint32_t)len;
		if (offset == VIRTIO_MMIO_SHM_LEN_HIGH)
			return (uint32_t)(len >> 32);
		if (offset == VIRTIO_MMIO_SHM_BASE_LOW)
			return (uint32_t)base;
		return (uint32_t)(base >> 32);
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0; /* config space never changes after creation */
	default:
		return 0; /* write-only or unknown registers */
	}
}

/* FEATURES_OK: accept only a subset of what we offered, with VERSION_1. */
static bool features_acceptable(const struct virtio_mmio_dev *t)
{
	uint64_t f = t->driver_features;
	return (f & ~t->features) == 0 && (f & (1ULL << VIRTIO_F_VERSION_1));
}

static void write_status(struct virtio_mmio_dev *t, uint32_t v)
{
	if (v == 0) {
		do_reset(t);
		return;
	}
	uint32_t old = __atomic_load_n(&t->status, __ATOMIC_SEQ_CST), nv;
	bool start;
	/* A CAS loop: a worker may set NEEDS_RESET concurrently and must not be lost. */
	do {
		/* NEEDS_RESET belongs to the device: keep it, never let the driver set it. */
		nv = (v & ~VIRTIO_CONFIG_S_NEEDS_RESET) | (old & VIRTIO_CONFIG_S_NEEDS_RESET);
		if ((nv & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
		    !features_acceptable(t))
			nv &= ~VIRTIO_CONFIG_S_FEATURES_OK; /* the driver reads it back and gives up */
		start = (nv & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK);
		if (start && !(nv & VIRTIO_CONFIG_S_FEATURES_OK)) {
			nv &= ~VIRTIO_CONFIG_S_DRIVER_OK;
			start = false;
		}
	} while (!__atomic_compare_exchange_n(&t->status, &old, nv, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	v = nv;

	if (start && !t->active && !(v & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		/* Re-derive the queues with the final features, in case a
		 * queue was made ready before FEATURES_OK. */
		for (int i = 0; i < t->ops->num_queues; i++) {
			struct mmio_queue *q = &t->q[i];
			if (q->ready && vq_init(&t->vq[i], &t->mem, q->num, q->desc, q->avail,
						q->used, t->driver_features) != 0) {
				virtio_mmio_set_broken(t);
				return;
			}
		}
		if (start_device(t) == 0)
			t->active = true;
		else
			virtio_mmio_set_broken(t);
	}
}

static void write_queue_ready(struct virtio_mmio_dev *t, struct mmio_queue *q, uint32_t v)
{
	int idx = (int)(q - t->q);
	if (v == 0) {
		/* Only meaningful before DRIVER_OK; a running worker keeps its view. */
		if (!t->active) {
			q->ready = false;
			vq_reset(&t->vq[idx]);
		}
		return;
	}
	if (q->ready || t->active)
		return;
	if (q->num > t->ops->queue_num_max ||
	    vq_init(&t->vq[idx], &t->mem, q->num, q->desc, q->avail, q->used,
		    t->driver_features) != 0) {
		virtio_mmio_set_broken(t);
		return;
	}
	q->ready = true;
}

static void set_half(uint64_t *x, bool high, uint32_t v)
{
	if (high)
		*x = (*x & 0xffffffffULL) | (uint64_t)v << 32;
	else
		*x = (*x & ~0xffffffffULL) | v;
}

static void write_reg(struct virtio_mmio_dev *t, uint64_t offset, uint32_t v)
{
	struct mmio_queue *q = sel_queue(t);
	/* Queue layout is frozen once the queue is ready or the device runs. */
	bool q_writable = q && !q->ready && !t->active;
	uint32_t status = __atomic_load_n(&t->status, __ATOMIC_SEQ_CST);

	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_feat_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->drv_feat_sel <= 1 && !(status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_half(&t->driver_features, t->drv_feat_sel == 1, v);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_feat_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (q_writable)
			q->num = v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q)
			write_queue_ready(t, q, v);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (v < (uint32_t)t->ops->num_queues)
			kick(t->q[v].notify_fd);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		__atomic_and_fetch(&t->int_status, ~v, __ATOMIC_SEQ_CST);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(t, v);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (q_writable)
			set_half(&q->desc, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		if (q_writable)
			set_half(&q->avail, offset == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		if (q_writable)
			set_half(&q->used, offset == VIRTIO_MMIO_QUEUE_USED_HIGH, v);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		t->shm_sel = v;
		break;
	default:
		break; /* read-only, legacy or unknown: ignored */
	}
}

uint32_t virtio_mmio_read(struct virtio_mmio_dev *t, uint64_t offset, unsigned size)
{
	uint32_t v;
	pthread_mutex_lock(&t->lock);
	finish_reset(t);
	if (offset >= VIRTIO_MMIO_CONFIG)
		v = read_config(t, offset - VIRTIO_MMIO_CONFIG, size);
	else if (size != 4 || (offset & 3))
		v = 0;
	else
		v = read_reg(t, offset);
	pthread_mutex_unlock(&t->lock);
	return v;
}

void virtio_mmio_write(struct virtio_mmio_dev *t, uint64_t offset, uint32_t value, unsigned size)
{
	/* Config space is read-only for our devices: writes are dropped. */
	if (offset >= VIRTIO_MMIO_CONFIG || size != 4 || (offset & 3))
		return;
	pthread_mutex_lock(&t->lock);
	finish_reset(t);
	write_reg(t, offset, value);
	pthread_mutex_unlock(&t->lock);
}
