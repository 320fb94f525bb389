/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-fs (device id 26): queue 0 hiprio, queue 1 requests, 1024 entries
 * each. Every chain is one FUSE request handed to the transport-independent
 * server (fs/server.h) with the guest's buffers as iovecs, so READ/WRITE
 * payloads move between the file and guest memory without a copy.
 *
 * The worker (the transport starts and stops it, mmio_dev.h) epolls both
 * queue kicks and the stop fd, drains a queue with kicks off, then
 * re-enables and re-checks (EVENT_IDX), so a request posted in between is
 * never stranded. A reset ends the FUSE session on the worker's thread.
 */
/* The uapi header and our fs.h both name a struct virtio_fs_config:
 * take the wire one under another name. */
#define virtio_fs_config virtio_fs_config_wire
#include <linux/virtio_fs.h>
#undef virtio_fs_config

#include "virtio/fs.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "fs/server.h"
#include "virtio/mmio_dev.h"

#define FS_QUEUE_SIZE 1024
#define FS_NUM_QUEUES 2 /* hiprio + one request queue */

struct fs_dev {
	struct virtio_mmio_dev *t;
	struct fuse_server *server;
	struct virtio_fs_config_wire cfg;
	uint64_t dax_gpa;
	uint64_t dax_size;

	struct vq_chain chain; /* worker only */
};

static void fs_config_read(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct fs_dev *d = dev;
	memcpy(buf, (const uint8_t *)&d->cfg + off, len);
}

static bool fs_shm(void *dev, uint32_t id, uint64_t *base, uint64_t *len)
{
	struct fs_dev *d = dev;
	if (id != VIRTIO_FS_SHMCAP_ID_CACHE || d->dax_size == 0)
		return false;
	*base = d->dax_gpa;
	*len = d->dax_size;
	return true;
}

/* Serve every available chain of q. false if the guest broke the queue. */
static bool serve_queue(struct fs_dev *d, struct vq *q)
{
	for (;;) {
		vq_disable_notify(q);
		int r;
		while ((r = vq_pop(q, &d->chain)) == 1) {
			struct vq_chain *c = &d->chain;
			size_t written = 0;
			int e = fuse_server_handle(d->server, vq_chain_rd(c), c->nr_rd, vq_chain_wr(c),
						   c->nr_wr, &written);
			/* A request the server could not even answer: used length 0. */
			if (e < 0 || written > c->wr_len)
				written = 0;
			if (vq_push(q, c->head, (uint32_t)written) < 0)
				return false;
			if (vq_should_notify(q))
				virtio_mmio_signal_used(d->t);
		}
		if (r < 0)
			return false;
		if (!vq_enable_notify(q))
			return !q->broken;
	}
}

static void fs_serve(struct fs_dev *d, int epoll_fd)
{
	/* Buffers posted before DRIVER_OK (legal) are served without a kick. */
	bool ok = true;
	for (int i = 0; i < FS_NUM_QUEUES && ok; i++) {
		struct vq *q = virtio_mmio_queue(d->t, i);
		if (q->size)
			ok = serve_queue(d, q);
	}
	if (!ok)
		virtio_mmio_set_broken(d->t);

	for (;;) {
		struct epoll_event ev[FS_NUM_QUEUES + 1];
		int n = epoll_wait(epoll_fd, ev, FS_NUM_QUEUES + 1, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			virtio_mmio_set_broken(d->t); /* cannot wait any more: say so */
			break;
		}
		bool stop = false;
		for (int i = 0; i < n; i++) {
			int qi = (int)ev[i].data.u32;
			if (qi == FS_NUM_QUEUES) {
				stop = true;
				continue;
			}
			uint64_t v;
			ssize_t rr = read(virtio_mmio_notify_fd(d->t, qi), &v, sizeof(v));
			(void)rr;
			struct vq *q = virtio_mmio_queue(d->t, qi);
			/* Once broken, kicks are swallowed until the driver resets us. */
			if (virtio_mmio_is_broken(d->t) || !q->size)
				continue;
			if (!serve_queue(d, q))
				virtio_mmio_set_broken(d->t);
		}
		if (stop)
			break;
	}
}

static void fs_run(void *dev, struct virtio_mmio_dev *t, int stop_fd)
{
	struct fs_dev *d = dev;
	d->t = t;
	int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	bool ok = epoll_fd >= 0;
	for (int i = 0; i <= FS_NUM_QUEUES && ok; i++) {
		int fd = i < FS_NUM_QUEUES ? virtio_mmio_notify_fd(t, i) : stop_fd;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		ok = epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0;
	}
	if (ok)
		fs_serve(d, epoll_fd);
	else
		virtio_mmio_set_broken(t); /* cannot wait for requests: say so */
	if (epoll_fd >= 0)
		close(epoll_fd);
}

/* On the worker's thread, after it stopped (mmio_dev.h): the driver that
 * mounted is gone: its node ids, handles and DAX mappings go with it, and the
 * next driver starts with FUSE_INIT. */
static void fs_reset(void *dev)
{
	struct fs_dev *d = dev;
	fuse_server_reset(d->server);
}

static void fs_free(void *dev)
{
	struct fs_dev *d = dev;
	fuse_server_free(d->server);
	free(d);
}

static const struct virtio_dev_ops fs_ops = {
	.device_id = VIRTIO_ID_FS,
	.num_queues = FS_NUM_QUEUES,
	.queue_num_max = FS_QUEUE_SIZE,
	.features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
		    (1ULL << VIRTIO_RING_F_INDIRECT_DESC),
	.config_len = sizeof(struct virtio_fs_config_wire),
	.config_read = fs_config_read,
	.run = fs_run,
	.reset = fs_reset,
	.shm = fs_shm,
	.free = fs_free,
};

int virtio_fs_new(const struct virtio_fs_config *cfg, const struct guest_mem *mem,
		  struct virtio_mmio_dev **out)
{
	size_t tag_len = cfg->tag ? strlen(cfg->tag) : 0;
	if (tag_len == 0 || tag_len > sizeof(((struct virtio_fs_config_wire *)0)->tag) ||
	    (cfg->dax_size && !cfg->dax_host)) {
		if (cfg->backend.free)
			cfg->backend.free(cfg->backend.fs);
		return -EINVAL;
	}

	struct fuse_server_config scfg = {
		.backend = cfg->backend,
		.dax = { .base = cfg->dax_size ? cfg->dax_host : NULL, .size = cfg->dax_size },
		.exit_code = cfg->exit_code,
		.opaque = cfg->opaque,
		.limits = cfg->limits,
	};
	struct fuse_server *server;
	int err = fuse_server_new(&scfg, &server); /* frees the backend on failure */
	if (err)
		return err;

	struct fs_dev *d = calloc(1, sizeof(*d));
	if (!d) {
		fuse_server_free(server);
		return -ENOMEM;
	}
	d->server = server;
	/* Raw bytes, NUL padded; exactly 36 bytes is legal and unterminated. */
	memcpy(d->cfg.tag, cfg->tag, tag_len);
	d->cfg.num_request_queues = htole32(FS_NUM_QUEUES - 1);
	d->dax_gpa = cfg->dax_gpa;
	d->dax_size = cfg->dax_size;
	return virtio_mmio_new(&fs_ops, d, mem, out); /* calls fs_free on failure */
}
