/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host end of a virtio-net device: a connected, non-blocking fd and how
 * frames are delimited on it. Opening happens in the start call, on the
 * caller's thread, before any privilege is dropped (src/vmm); the device
 * worker (src/virtio/net.c) only reads and writes the fd afterwards.
 *
 * Framing:
 *   NET_FRAMING_STREAM  each frame = 4-byte big-endian length + Ethernet frame
 *                       (QEMU's -netdev stream, passt, gvisor-tap-vsock)
 *   NET_FRAMING_DGRAM   one datagram (or one tap read/write) = one frame
 */
#ifndef CKRUN_NET_PEER_H
#define CKRUN_NET_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/if_ether.h>

enum net_framing {
	NET_FRAMING_STREAM,
	NET_FRAMING_DGRAM,
};

/* Largest frame carried either way: an Ethernet + VLAN header and a maximal
 * IP packet. Longer frames are counted drops (a stream length above this
 * cannot be skipped safely: the peer is then treated as failed). */
#define NET_FRAME_MAX (ETH_HLEN + 4 + 65535)
/* Size of the stream length prefix. */
#define NET_STREAM_PREFIX 4

/* libkrun's socket buffer sizes (unixstream: SO_SNDBUF 16 MiB; unixgram with a path: 7 MiB each way). */
#define NET_STREAM_SNDBUF (16 << 20)
#define NET_DGRAM_BUF     (7 << 20)

struct net_peer {
	int fd;                 /* connected, O_NONBLOCK, O_CLOEXEC where we created it */
	enum net_framing framing;
	bool is_socket;         /* false for tap: write(2) instead of send(2) */
	/* Tap opened with IFF_VNET_HDR: every read and write starts with a
	 * 12-byte struct virtio_net_hdr_v1 (TUNSETVNETHDRSZ), which the device
	 * passes through between the guest and the host kernel. */
	bool vnet_hdr;
	unsigned tap_offloads;  /* vnet_hdr: the TUN_F_* receive offloads TUNSETOFFLOAD accepted */
	char *bound_path;       /* unixgram with a path: our own socket file, unlinked on close */
};

/* An fd the caller connected (socketpair end, passt --fd): made non-blocking;
 * stream sockets get SO_SNDBUF as in libkrun. Takes ownership of fd on
 * success only. -EBADF, -ENOTSOCK (not a socket), -EINVAL (wrong socket type). */
int net_peer_from_fd(int fd, enum net_framing framing, struct net_peer *out);

/* Connect a SOCK_STREAM unix socket to path. 0 or -errno. */
int net_peer_unixstream(const char *path, struct net_peer *out);

/*
 * A SOCK_DGRAM unix socket bound to $TMPDIR/krun-net-<pid>-<n>.sock (TMPDIR
 * unset: /tmp; n the first free number), connected to path; with vfkit the
 * 4 bytes "VFKT" are sent first (gvproxy's vfkit mode). 0 or -errno.
 */
int net_peer_unixgram(const char *path, bool vfkit, struct net_peer *out);

/*
 * Attach to the existing tap interface `name` (IFF_TAP | IFF_NO_PI). With
 * vnet_hdr (the client asked for offloads) also IFF_VNET_HDR, if the kernel
 * has it (TUNGETFEATURES; without it the tap stays plain and out->vnet_hdr
 * false), a 12-byte header (TUNSETVNETHDRSZ), and the receive offloads the
 * tap accepts probed into out->tap_offloads; the tap is left with none set
 * until the guest's driver negotiates (net_peer_tap_set_offload). 0 or -errno.
 */
int net_peer_tap(const char *name, bool vnet_hdr, struct net_peer *out);

/* TUNSETOFFLOAD: what the tap may hand us (TUN_F_CSUM, TUN_F_TSO4, ...). 0 or -errno. */
int net_peer_tap_set_offload(const struct net_peer *p, unsigned tun_flags);

/* Close the fd and unlink a bound socket file. Safe on a closed peer (fd -1). */
void net_peer_close(struct net_peer *p);

#endif
