/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user-mode network: a TCP/IP stack inside the VMM process (libslirp)
 * that runs on the worker thread of the virtio-net device it serves, as that
 * device's in-process peer (backend.h): frames pass between the guest's
 * rings and the stack by function calls, as in QEMU's -netdev user.
 *
 * The guest's outbound TCP/UDP/ICMP echo become this process's own sockets
 * (in its network namespace); host forwards listen on this process's side
 * and connect to the guest. Nothing here knows about virtqueues or KVM.
 *
 * Threads: usernet_new creates the stack and binds every host forward on the
 * caller's thread (so a port in use fails the start); from usernet_backend
 * on, the device owns it and calls it only from its worker; the device's
 * free releases it. No thread of its own.
 */
#ifndef CKRUN_NET_USERNET_H
#define CKRUN_NET_USERNET_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/guest_net.h"
#include "net/backend.h"

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
};

/* Counters, each only ever increased (read them from any thread). */
struct usernet_stats {
	uint64_t frames_from_guest;  /* handed to the stack */
	uint64_t frames_to_guest;    /* handed to the device (its counters say what became of them) */
	uint64_t dropped_bad;        /* runt or oversized frames from the guest */
	uint64_t dropped_limit;      /* new flows refused at the socket bound */
	unsigned max_sockets;        /* the bound in force */
};

struct usernet;

/*
 * Create a user-mode network and bind its host forwards.
 * Errors: -EADDRINUSE (a forward's host port is taken; a message names it),
 * -ENOMEM, -EINVAL, -ENOTSUP (built without libslirp).
 */
int usernet_new(const struct usernet_config *cfg, struct usernet **out);

/* The device-facing side (backend.h). Whoever takes it owns u: it frees u
 * with ops->free. */
void usernet_backend(struct usernet *u, struct net_backend *out);

/* Release a network no device took. NULL is a no-op. */
void usernet_free(struct usernet *u);

/* Valid until the owner frees u. */
void usernet_get_stats(struct usernet *u, struct usernet_stats *st);

/* True when this build has a user-mode network (libslirp). */
bool usernet_available(void);

#endif
