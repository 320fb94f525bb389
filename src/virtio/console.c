/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-console (device id 3) with VIRTIO_CONSOLE_F_MULTIPORT.
 *
 * Port 0 is the console (hvc0): output to out_fd, input from in_fd. With
 * named ports, ports 1..3 are "krun-stdin" (input from in_fd; port 0 then
 * gets no input so the two never split one stream), "krun-stdout" (out_fd)
 * and "krun-stderr" (err_fd); the guest init finds them by name.
 *
 * Queues (spec 5.3.2): port 0 rx/tx = 0/1, control rx/tx = 2/3, port p rx/tx
 * = 2+2p / 3+2p. The worker (the transport starts and stops it, mmio_dev.h)
 * polls the queue eventfds, the input fds (only while the guest has receive
 * buffers) and the transport's stop eventfd.
 * Putting a tty into raw mode is the VMM's business, not ours.
 */
/* The uapi header and our console.h both name a struct virtio_console_config:
 * take the wire one under another name. */
#define virtio_console_config virtio_console_config_wire
#include <linux/virtio_console.h>
#undef virtio_console_config

#include "abi/guest.h"
#include "virtio/console.h"

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include "virtio/mmio_dev.h"

#define CON_MAX_PORTS   4
#define CON_QUEUE_SIZE  256
#define CON_CTRL_RX     2
#define CON_CTRL_TX     3
#define CON_PENDING_MAX 32 /* queued control messages; DEVICE_READY makes at most 4 per port */
#define CON_NAME_MAX    32
/* Bound on writing queued output when the device stops: a host reader that
 * stopped reading must not hold up the VM's end forever. */
#define CON_DRAIN_MS    2000

struct con_port {
	const char *name;  /* NULL for the console port */
	bool console;
	int in_fd;         /* -1: no input */
	int out_fd;        /* -1: guest output is discarded */
	bool in_eof;       /* input ended or failed: stop polling it */
	bool in_starved;   /* no receive buffers: wait for a kick */
	bool guest_open;   /* the guest has the port open (PORT_OPEN from the driver) */
};

struct con_msg {
	uint32_t id;
	uint16_t event;
	uint16_t value;
	const char *name; /* appended for PORT_NAME */
};

struct console_dev {
	struct virtio_mmio_dev *t;
	struct con_port port[CON_MAX_PORTS];
	int nr_ports;
	/* Worker-only state. */
	int stop_fd; /* the transport's, for the worker's lifetime */
	struct con_msg pending[CON_PENDING_MAX];
	int pend_head, pend_cnt;
	struct vq_chain chain;
	int64_t drain_deadline; /* CLOCK_MONOTONIC ms; non-zero during the final drain */
};

static int port_rxq(int p) { return p == 0 ? 0 : 2 + 2 * p; }
static int port_txq(int p) { return port_rxq(p) + 1; }

static void con_config_read(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct console_dev *c = dev;
	struct virtio_console_config_wire cfg = {
		.cols = 0,
		.rows = 0,
		.max_nr_ports = htole32((uint32_t)c->nr_ports),
		.emerg_wr = 0,
	};
	memcpy(buf, (const uint8_t *)&cfg + off, len);
}

static void queue_msg(struct console_dev *c, uint32_t id, uint16_t event, uint16_t value,
		      const char *name)
{
	if (c->pend_cnt == CON_PENDING_MAX)
		return; /* a driver repeating DEVICE_READY can't grow this */
	c->pending[(c->pend_head + c->pend_cnt) % CON_PENDING_MAX] =
		(struct con_msg){ .id = id, .event = event, .value = value, .name = name };
	c->pend_cnt++;
}

/* Deliver queued control messages into the driver's control receive buffers. */
static bool flush_ctrl(struct console_dev *c, struct vq *q)
{
	bool used = false;
	while (c->pend_cnt > 0 && q->size) {
		int r = vq_pop(q, &c->chain);
		if (r <= 0)
			break;
		struct con_msg *m = &c->pending[c->pend_head];
		uint8_t buf[sizeof(struct virtio_console_control) + CON_NAME_MAX];
		struct virtio_console_control hdr = {
			.id = htole32(m->id), .event = htole16(m->event), .value = htole16(m->value),
		};
		size_t len = sizeof(hdr);
		memcpy(buf, &hdr, sizeof(hdr));
		if (m->name) {
			size_t n = strnlen(m->name, CON_NAME_MAX);
			memcpy(buf + len, m->name, n);
			len += n;
		}
		size_t w = 0;
		if (c->chain.wr_len >= len)
			w = vq_iov_write(vq_chain_wr(&c->chain), c->chain.nr_wr, buf, len);
		/* A buffer too small for the message gets nothing: the message is dropped. */
		vq_push(q, c->chain.head, (uint32_t)w);
		c->pend_head = (c->pend_head + 1) % CON_PENDING_MAX;
		c->pend_cnt--;
		used = true;
	}
	return used;
}

static void handle_ctrl(struct console_dev *c, const struct virtio_console_control *m)
{
	uint32_t id = le32toh(m->id);
	uint16_t event = le16toh(m->event), value = le16toh(m->value);

	switch (event) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		if (value != 1)
			break;
		for (int p = 0; p < c->nr_ports; p++)
			queue_msg(c, (uint32_t)p, VIRTIO_CONSOLE_PORT_ADD, 1, NULL);
		break;
	case VIRTIO_CONSOLE_PORT_READY:
		if (id >= (uint32_t)c->nr_ports || value != 1)
			break;
		if (c->port[id].console)
			queue_msg(c, id, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
		if (c->port[id].name)
			queue_msg(c, id, VIRTIO_CONSOLE_PORT_NAME, 1, c->port[id].name);
		/* The host end is connected: without this a guest write would block. */
		queue_msg(c, id, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
		break;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (id < (uint32_t)c->nr_ports)
			c->port[id].guest_open = value != 0;
		break;
	default:
		break; /* PORT_REMOVE, RESIZE, ... from the driver mean nothing to us */
	}
}

static bool process_ctrl_tx(struct console_dev *c, struct vq *q)
{
	bool used = false;
	int r;
	while ((r = vq_pop(q, &c->chain)) == 1) {
		struct virtio_console_control m;
		if (vq_iov_read(vq_chain_rd(&c->chain), c->chain.nr_rd, &m, sizeof(m)) == sizeof(m))
			handle_ctrl(c, &m);
		vq_push(q, c->chain.head, 0);
		used = true;
	}
	return used;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Write everything, waiting for room with poll. Once the device is stopping
 * (the stop fd fired, c->drain_deadline set), only the drain deadline ends
 * the wait, so output the guest queued is written unless the reader stopped
 * reading.
 */
static int write_out(struct console_dev *c, int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		struct pollfd pf[2] = { { .fd = fd, .events = POLLOUT }, { .fd = c->stop_fd, .events = POLLIN } };
		nfds_t nf = 2;
		int timeout = -1;
		if (c->drain_deadline) {
			int64_t left = c->drain_deadline - now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			timeout = (int)left;
			nf = 1;
		}
		int pr = poll(pf, nf, timeout);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pr == 0)
			return -ETIMEDOUT;
		if (nf == 2 && pf[1].revents) {
			/* Stopping: this output still goes out, within the drain bound. */
			c->drain_deadline = now_ms() + CON_DRAIN_MS;
			continue;
		}
		if (pf[0].revents & (POLLERR | POLLNVAL))
			return -EIO;
		/* At most a pipe buffer at a time: after POLLOUT that cannot block. */
		size_t chunk = n < 4096 ? n : 4096;
		ssize_t w = write(fd, p, chunk);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static bool process_tx(struct console_dev *c, struct con_port *port, struct vq *q)
{
	bool used = false;
	int r;
	while ((r = vq_pop(q, &c->chain)) == 1) {
		if (port->out_fd >= 0) {
			for (int i = 0; i < c->chain.nr_rd; i++) {
				const struct iovec *v = &vq_chain_rd(&c->chain)[i];
				int w = write_out(c, port->out_fd, v->iov_base, v->iov_len);
				if (w == -ETIMEDOUT)
					break; /* the reader stopped reading: the chain is returned anyway */
			}
		}
		vq_push(q, c->chain.head, 0);
		used = true;
	}
	return used;
}

/* Input is readable: move what is there into one receive buffer. */
static bool process_rx(struct console_dev *c, struct con_port *port, struct vq *q)
{
	int r = vq_pop(q, &c->chain);
	if (r <= 0) {
		port->in_starved = r == 0;
		return false;
	}
	if (c->chain.nr_wr == 0) {
		vq_push(q, c->chain.head, 0);
		return true;
	}
	ssize_t n = readv(port->in_fd, vq_chain_wr(&c->chain), c->chain.nr_wr);
	if (n > 0) {
		vq_push(q, c->chain.head, (uint32_t)n);
		return true;
	}
	vq_unpop(q);
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		port->in_eof = true;
		/* Tell the guest the host end is gone, so its reader sees EOF
		 * instead of waiting forever. hvc0 has no such notion. */
		if (!port->console)
			queue_msg(c, (uint32_t)(port - c->port), VIRTIO_CONSOLE_PORT_OPEN, 0, NULL);
	}
	return false;
}

static void notify(struct console_dev *c, struct vq *q, bool used)
{
	if (used && vq_should_notify(q))
		virtio_mmio_signal_used(c->t);
}

static void drain_fd(int fd)
{
	uint64_t v;
	ssize_t r = read(fd, &v, sizeof(v));
	(void)r;
}

/*
 * Stopping (device reset or VM end): write out what the guest already queued
 * on every port, bounded by CON_DRAIN_MS in all. The last lines a guest
 * prints before powering off are often still in a transmit queue (a port
 * write does not wait for the host), and its kick may arrive together with
 * the stop.
 */
static void final_drain(struct console_dev *c)
{
	struct virtio_mmio_dev *t = c->t;
	if (virtio_mmio_is_broken(t)) {
		c->drain_deadline = 0;
		return;
	}
	if (!c->drain_deadline) /* else a write saw the stop first: one bound for all */
		c->drain_deadline = now_ms() + CON_DRAIN_MS;
	for (int p = 0; p < c->nr_ports; p++) {
		struct vq *tx = virtio_mmio_queue(t, port_txq(p));
		if (tx->size)
			notify(c, tx, process_tx(c, &c->port[p], tx));
	}
	c->drain_deadline = 0;
}

static void con_run(void *dev, struct virtio_mmio_dev *t, int stop_fd)
{
	struct console_dev *c = dev;
	int nq = 2 + 2 * c->nr_ports;
	c->stop_fd = stop_fd;

	for (;;) {
		/* [0] stop, [1..nq] queue kicks, then input fds. */
		struct pollfd pf[1 + 2 + 2 * CON_MAX_PORTS + CON_MAX_PORTS];
		int in_slot[CON_MAX_PORTS];
		int n = 0;
		bool broken = virtio_mmio_is_broken(t);
		pf[n++] = (struct pollfd){ .fd = c->stop_fd, .events = POLLIN };
		for (int i = 0; i < nq; i++)
			pf[n++] = (struct pollfd){ .fd = broken ? -1 : virtio_mmio_notify_fd(t, i),
						   .events = POLLIN };
		for (int p = 0; p < c->nr_ports; p++) {
			struct con_port *port = &c->port[p];
			struct vq *q = virtio_mmio_queue(t, port_rxq(p));
			in_slot[p] = -1;
			/* Linux drops data that arrives while the port is closed:
			 * leave it in the fd until the guest opens the port. */
			if (broken || port->in_fd < 0 || port->in_eof || port->in_starved ||
			    !port->guest_open || !q->size)
				continue;
			in_slot[p] = n;
			pf[n++] = (struct pollfd){ .fd = port->in_fd, .events = POLLIN };
		}
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			virtio_mmio_set_broken(t); /* cannot wait any more: say so */
			break;
		}
		if (pf[0].revents) {
			final_drain(c);
			break;
		}

		for (int i = 0; i < nq; i++) {
			if (pf[1 + i].revents & POLLIN)
				drain_fd(pf[1 + i].fd);
		}
		/* Kicks on a receive queue mean new buffers: input may flow again. */
		for (int p = 0; p < c->nr_ports; p++)
			if (pf[1 + port_rxq(p)].revents & POLLIN)
				c->port[p].in_starved = false;

		struct vq *ctx = virtio_mmio_queue(t, CON_CTRL_TX);
		struct vq *crx = virtio_mmio_queue(t, CON_CTRL_RX);
		if (ctx->size)
			notify(c, ctx, process_ctrl_tx(c, ctx));
		for (int p = 0; p < c->nr_ports; p++) {
			struct vq *tx = virtio_mmio_queue(t, port_txq(p));
			struct vq *rx = virtio_mmio_queue(t, port_rxq(p));
			if (tx->size)
				notify(c, tx, process_tx(c, &c->port[p], tx));
			if (in_slot[p] >= 0 && (pf[in_slot[p]].revents & (POLLIN | POLLHUP | POLLERR)))
				notify(c, rx, process_rx(c, &c->port[p], rx));
		}
		/* Last: replies to the driver's messages and input EOF notices. */
		if (crx->size)
			notify(c, crx, flush_ctrl(c, crx));
		for (int i = 0; i < nq; i++) {
			if (virtio_mmio_queue(t, i)->broken) {
				virtio_mmio_set_broken(t);
				break;
			}
		}
	}
}

static int con_activate(void *dev, struct virtio_mmio_dev *t)
{
	struct console_dev *c = dev;
	c->t = t;
	c->pend_head = c->pend_cnt = 0;
	c->drain_deadline = 0;
	for (int p = 0; p < c->nr_ports; p++) {
		c->port[p].in_starved = false;
		c->port[p].guest_open = false;
	}
	return 0;
}

static void con_free(void *dev)
{
	free(dev);
}

/* The device with nports ports: receiveq/transmitq of port 0, the control
 * queues, then a queue pair per further port. */
#define CONSOLE_OPS(nports)                                                                     \
	{                                                                                       \
		.device_id = VIRTIO_ID_CONSOLE,                                                 \
		.num_queues = 2 + 2 * (nports),                                                 \
		.queue_num_max = CON_QUEUE_SIZE,                                                \
		.features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_CONSOLE_F_MULTIPORT), \
		.config_len = sizeof(struct virtio_console_config_wire),                        \
		.config_read = con_config_read,                                                 \
		.activate = con_activate,                                                       \
		.run = con_run,                                                                 \
		.free = con_free,                                                               \
	}

static const struct virtio_dev_ops console_ops_1 = CONSOLE_OPS(1);
static const struct virtio_dev_ops console_ops_4 = CONSOLE_OPS(4);

int virtio_console_new(const struct virtio_console_config *cfg, const struct guest_mem *mem,
		       struct virtio_mmio_dev **out)
{
	struct console_dev *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->stop_fd = -1;
	bool named = cfg->named_ports && cfg->err_fd >= 0;
	c->port[0] = (struct con_port){
		.console = true, .in_fd = named ? -1 : cfg->in_fd, .out_fd = cfg->out_fd,
	};
	c->nr_ports = 1;
	if (named) {
		c->port[1] = (struct con_port){ .name = CKRUN_PORT_STDIN, .in_fd = cfg->in_fd, .out_fd = -1 };
		c->port[2] = (struct con_port){ .name = CKRUN_PORT_STDOUT, .in_fd = -1, .out_fd = cfg->out_fd };
		c->port[3] = (struct con_port){ .name = CKRUN_PORT_STDERR, .in_fd = -1, .out_fd = cfg->err_fd };
		c->nr_ports = 4;
	}
	return virtio_mmio_new(named ? &console_ops_4 : &console_ops_1, c, mem, out);
}
