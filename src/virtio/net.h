/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net (device id 1): one RX and one TX queue, the MAC in config space,
 * frames exchanged with a peer (net/peer.h, or an in-process one:
 * net/backend.h) by one worker thread.
 */
#ifndef CKRUN_VIRTIO_NET_H
#define CKRUN_VIRTIO_NET_H

#include <stdint.h>

#include "net/backend.h"
#include "net/peer.h"
#include "virtio/guest_mem.h"
#include "virtio/mmio.h"

struct virtio_net_config {
	/* The peer: an fd (peer) or, when backend.ops is set, a stack that runs
	 * on the device's worker (net/backend.h; peer.fd is then -1). The device
	 * owns whichever it is from the call on, even on failure. */
	struct net_peer peer;
	struct net_backend backend;
	uint8_t mac[6];
	/* NET_FEATURE_* bits the client asked for (libkrun's API; each is the
	 * VIRTIO_NET_F_* bit of the same number). Offered to the guest only on
	 * a tap opened with a vnet header (peer.vnet_hdr), as far as the tap
	 * takes them; every other peer carries plain frames (docs/api.md). */
	uint32_t features;
	/* The guest's name for it ("eth0"), for the loss summary printed on
	 * stderr when the device goes away after dropping frames. May be NULL. */
	const char *name;
};

/* Counters, each only ever increased (read them any time). */
struct virtio_net_stats {
	uint64_t rx_frames, rx_bytes;   /* delivered to the guest */
	uint64_t tx_frames, tx_bytes;   /* taken from the guest and queued for the peer */
	uint64_t rx_drop_big;           /* frame longer than the receive chain (MRG_RXBUF: the whole posted ring) */
	uint64_t rx_drop_bad_len;       /* peer frame shorter than an Ethernet header or longer than NET_FRAME_MAX */
	uint64_t rx_drop_partial;       /* peer closed in the middle of a frame */
	uint64_t rx_buf_unusable;       /* guest receive buffer shorter than the virtio-net header: returned empty */
	uint64_t tx_drop_bad;           /* guest frame shorter than a header or longer than NET_FRAME_MAX */
	uint64_t tx_drop_peer;          /* peer gone or refused the frame */
	uint64_t rx_stalls;             /* times reading the peer stopped for lack of guest buffers */
	uint64_t tx_stalls;             /* times the guest's transmit queue waited for the peer */
	uint64_t rx_drop_queue;         /* in-process peer: frame for a guest with no buffers, queue full */
	uint64_t peer_failed;           /* 1 once the peer is closed, failed or broke the framing */
	uint64_t tx_drop_hdr;           /* tap with a vnet header: the guest's header asked for what was not
					 * negotiated, or the host kernel refused it (EINVAL) */
	uint64_t rx_drop_hdr;           /* tap with a vnet header: the tap's header needs an offload this
					 * driver did not negotiate (a frame read before a driver reset) */
};

struct virtio_net;

/* 0 or -errno. *net (optional) stays valid until virtio_mmio_free(*out). */
int virtio_net_new(const struct virtio_net_config *cfg, const struct guest_mem *mem,
		   struct virtio_mmio_dev **out, struct virtio_net **net);

void virtio_net_get_stats(const struct virtio_net *n, struct virtio_net_stats *s);

#endif
