/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user-mode network: a TCP/IP stack inside the VMM process (libslirp),
 * driven by one thread of its own, whose guest side is one end of a
 * socketpair(AF_UNIX, SOCK_DGRAM) carrying one Ethernet frame per datagram.
 * A virtio-net device attaches to that end exactly as to a unixgram peer.
 *
 * The guest's outbound TCP/UDP/ICMP echo become this process's own sockets
 * (in its network namespace); host forwards listen on this process's side
 * and connect to the guest. Nothing here knows about virtqueues or KVM.
 *
 * Threads: usernet_start creates the stack, binds every host forward (on the
 * caller's thread, so a port in use fails the start) and starts the thread;
 * usernet_stop (its owner's only way to stop it) signals a stop eventfd,
 * joins, and frees everything. All libslirp calls happen on that thread,
 * or before it starts / after it was joined.
 */
#ifndef CKRUN_NET_USERNET_H
#define CKRUN_NET_USERNET_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/guest_net.h"

#define USERNET_MAX_FWDS 4096 /* libkrun scans at most this many port-map entries */
#define USERNET_MAX_SOCKETS_CAP 4096

struct usernet_fwd {
	uint16_t host_port;  /* on all host addresses (0.0.0.0), TCP */
	uint16_t guest_port; /* on USERNET_GUEST_ADDR */
};

struct usernet_config {
	/* Let the guest reach the host's 127.0.0.1 through the gateway address
	 * (off by default: the host's loopback services are not the guest's). */
	bool host_loopback;
	const struct usernet_fwd *fwds;
	int nr_fwds;
	/* Say on stderr when ICMP echo cannot work (no ping sockets allowed). */
	bool warn_ping;
	/* Bound on the sockets the guest can make this process hold; 0 picks
	 * the default: RLIMIT_NOFILE soft / 8 within [16, USERNET_MAX_SOCKETS_CAP]. */
	unsigned max_sockets;
	/* Run first on the network thread (e.g. drop privileges); non-zero
	 * stops the thread before it reads any guest frame. May be NULL. */
	int (*thread_init)(void *arg);
	void *thread_arg;
};

struct usernet_stats {
	uint64_t frames_from_guest;  /* handed to the stack */
	uint64_t frames_to_guest;    /* sent on the socketpair */
	uint64_t dropped_to_guest;   /* output queue full */
	uint64_t dropped_bad;        /* runt or oversized frames from the guest */
	uint64_t dropped_limit;      /* new flows refused at the socket bound */
	uint64_t acks_thinned;       /* superseded pure ACKs not sent (tcp_ack.h) */
	unsigned max_sockets;        /* the bound in force */
	bool running;                /* false once the thread has ended */
};

struct usernet;

/*
 * Start a user-mode network. *guest_fd receives the guest end of the
 * socketpair (the caller owns it; closing it does not stop the network).
 * Errors: -EADDRINUSE (a forward's host port is taken; a message names it),
 * -ENOMEM, -EINVAL, or -errno from socketpair/eventfd/pthread_create.
 */
int usernet_start(const struct usernet_config *cfg, struct usernet **out, int *guest_fd);

/* Stop the thread, close its sockets, free everything. NULL is a no-op. */
void usernet_stop(struct usernet *u);

void usernet_get_stats(struct usernet *u, struct usernet_stats *st);

/* True when this build has a user-mode network (libslirp). */
bool usernet_available(void);

#endif
