/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An in-process peer of a virtio-net device: a network stack that runs on
 * the device's worker thread (src/virtio/net.c) instead of behind an fd, so
 * a frame crosses between the guest's rings and the stack by a function
 * call, with no socket and no thread switch in between (usernet.c).
 *
 * The worker's round: it puts its own fds (stop, queue kicks) into a poll
 * set, calls fill (the backend adds its fds and may shorten the timeout),
 * polls, hands each frame the guest transmitted to input, then calls
 * dispatch (the backend serves its ready fds and due timers). Frames toward
 * the guest go through the deliver function given to attach, only from
 * within input and dispatch, on the worker's thread; the device copies the
 * frame before deliver returns (into the guest's receive buffers, or into a
 * bounded queue while the guest has posted none, or it counts a drop).
 *
 * Ownership: the device owns the backend from virtio_net_new on (even on
 * failure) and calls free once its worker has been joined. The backend never
 * starts a thread; between two activations of the driver nobody calls it.
 */
#ifndef CKRUN_NET_BACKEND_H
#define CKRUN_NET_BACKEND_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable poll set, filled afresh each round. */
struct net_pollset {
	struct pollfd *fds;
	size_t nr, cap;
};

/* Append fd; its index, or -ENOMEM (the set is unchanged). */
int net_pollset_add(struct net_pollset *s, int fd, short events);
void net_pollset_free(struct net_pollset *s);

typedef void (*net_deliver_fn)(void *dev, const uint8_t *frame, size_t len);

struct net_backend_ops {
	/* Once, when the device takes the backend: where frames for the guest go. */
	void (*attach)(void *be, net_deliver_fn deliver, void *dev);
	/* Add the fds to wait for; lower *timeout_ms (-1: none) to the next timer.
	 * want_input false: the device holds frames the guest has no room for,
	 * so wait for nothing that would only make more (back-pressure). */
	void (*fill)(void *be, struct net_pollset *ps, int *timeout_ms, bool want_input);
	/* After the poll: serve what is ready in ps (as left by fill), fire due timers. */
	void (*dispatch)(void *be, const struct net_pollset *ps);
	/* One frame the guest transmitted, in host memory, 0..NET_FRAME_MAX bytes:
	 * the backend checks it (a bad frame is its counted drop). */
	void (*input)(void *be, const uint8_t *frame, size_t len);
	void (*free)(void *be);
};

struct net_backend {
	const struct net_backend_ops *ops; /* NULL: no backend */
	void *be;
};

#endif
