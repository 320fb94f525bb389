/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net (device id 1): queue 0 receives (peer -> guest), queue 1
 * transmits (guest -> peer), 1024 entries each, no control queue, no
 * multiqueue. Every received frame is preceded by a 12-byte struct
 * virtio_net_hdr_v1 (all zero but num_buffers). Offered: VERSION_1, MAC,
 * EVENT_IDX, INDIRECT_DESC, MRG_RXBUF. No offloads: the guest computes
 * checksums and segments (docs/architecture.md says why) -- except on a tap
 * opened with a vnet header (the client asked for NET_FEATURE_* bits): then
 * the requested offloads the tap takes are offered too, the header passes
 * through both ways (the guest's read once into tx_hdr and checked against
 * the negotiated bits; the host kernel validates the rest) and the tap's
 * receive offloads follow the negotiated guest bits (net_activate).
 *
 * Without MRG_RXBUF a frame must fit one receive chain (a Linux guest then
 * posts 1518-byte chains and keeps MTU 1500). With it a frame takes as many
 * chains as it needs, num_buffers in the first chain's header says how many,
 * and their used elements are published together; so a guest can take
 * passt's 65520-byte MTU. A frame waits (reading stops) while the posted
 * chains are too few for it; it is a counted drop only when the whole ring
 * is posted and still too small.
 *
 * The device's worker (run, on the transport's thread, mmio_dev.h) polls the
 * stop eventfd, both queue kicks and the peer fd (non-blocking). State that
 * belongs to the peer connection (a partly read or partly written stream
 * frame) lives in the device, not the activation, so a driver reset never
 * puts the stream out of step.
 *
 * A transmitted frame of TX_DIRECT_MIN bytes or more goes straight from
 * guest memory to the peer (one sendmsg/writev) while nothing waits for the
 * peer; otherwise, and for what a stream peer did not take, it is copied into
 * txbuf, so frames stay in order and the chain can be returned.
 *
 * An in-process peer (net/backend.h, the user-mode network) runs on this
 * worker: its fds join the worker's poll set, each transmitted frame is
 * copied out of guest memory once (txbuf) and handed to it by a call, and
 * each frame it emits is written straight into the guest's receive buffers
 * (be_deliver). While the guest has posted none, frames wait in a queue of
 * at most HELD_FRAMES frames and HELD_BYTES bytes (beyond it they are
 * counted drops), and the peer is told to wait for no input, so it reads
 * nothing more from its sockets until the guest catches up.
 *
 * Bounds (docs/security.md): a frame is at most NET_FRAME_MAX bytes either
 * way; at most RX_BUF_CAP bytes are read ahead from the peer and at most
 * TX_BUF_CAP bytes wait for it. Reading stops while the guest posts no
 * receive buffers (the peer then blocks on its own socket buffer), and the
 * transmit queue is not consumed while the peer cannot take more, so neither
 * side can make the VMM queue more. Every frame not delivered is counted.
 */
/* The uapi header and our net.h both name a struct virtio_net_config:
 * take the wire one under another name. */
#define virtio_net_config virtio_net_config_wire
#include <linux/virtio_net.h>
#undef virtio_net_config

#include "virtio/net.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "virtio/mmio_dev.h"

#define NET_QUEUE_SIZE 1024
#define NET_RXQ 0
#define NET_TXQ 1
#define NET_NUM_QUEUES 2
#define HDR_LEN sizeof(struct virtio_net_hdr_v1)
/* Host-side buffering: read ahead from a stream peer, and frames waiting for the peer. */
#define RX_BUF_CAP (2 * (NET_STREAM_PREFIX + NET_FRAME_MAX))
#define TX_BUF_CAP (4 * (NET_STREAM_PREFIX + NET_FRAME_MAX))
/* Transmitted frames at least this long go straight from guest memory to the
 * peer (their copy costs more than a syscall); shorter ones are gathered in
 * txbuf and written together (one syscall and one peer wake-up for many
 * ACKs). */
#define TX_DIRECT_MIN 2048
/* Frames handled per direction before looking at the other fds again. */
#define BUDGET 256
/* In-process peer: frames held while the guest has no receive buffers. */
#define HELD_FRAMES 512
#define HELD_BYTES (4 << 20)

struct held_frame {
	size_t len;
	uint8_t data[];
};

struct virtio_net {
	struct virtio_mmio_dev *t;
	struct net_peer peer;
	struct virtio_net_config_wire cfg;
	uint64_t offloads;       /* offload bits offered (tap with a vnet header only) */
	uint64_t neg;            /* driver features of this activation */
	char name[16];

	struct net_backend be;      /* in-process peer (ops NULL: the fd peer) */
	struct virtio_net_stats st; /* updated with __atomic adds, read with loads */

	/* Worker state, kept across device resets (it belongs to the peer). */
	uint8_t *rxbuf;
	size_t rx_start, rx_end; /* stream: unparsed bytes; dgram: one frame in [0, rx_end) */
	bool rx_have;            /* dgram: a frame waits for a receive buffer */
	uint8_t *txbuf;
	size_t tx_off, tx_len;   /* bytes [tx_off, tx_len) not yet taken by the peer */
	uint64_t tx_buf_frames;  /* frames (partly) in txbuf, for counting a loss */
	bool peer_eof;           /* stream peer closed: deliver what is complete, read no more */
	bool peer_dead;          /* peer closed, failed or broke the framing: nothing goes to it */
	bool rx_blocked;         /* a frame waits and the guest has no buffer: wait for a kick */

	struct vq_chain chain;   /* worker only: TX */
	struct vq_chain rx_chain; /* worker only: RX (an in-process peer delivers during TX) */
	struct iovec *tx_iov;    /* IOV_MAX entries: one frame sent straight from guest memory */
	bool mrg;                /* MRG_RXBUF negotiated in this activation */
	struct virtio_net_hdr_v1 tx_hdr; /* worker only: the header of the frame being sent (vnet_hdr) */
	struct vq_used *rx_used; /* NET_QUEUE_SIZE entries: the chains of one merged frame */

	/* In-process peer, worker only. */
	struct net_pollset ps;
	struct vq *rxq;          /* while the worker runs */
	bool rx_used_pending;    /* frames delivered this round: maybe interrupt */
	bool rx_violation;       /* the receive ring broke during a delivery */
	struct held_frame **held; /* HELD_FRAMES slots, a ring */
	unsigned held_head, held_len;
	size_t held_bytes;
};

#define COUNT(n, field, v) __atomic_fetch_add(&(n)->st.field, (uint64_t)(v), __ATOMIC_RELAXED)

void virtio_net_get_stats(const struct virtio_net *n, struct virtio_net_stats *s)
{
	const uint64_t *src = (const uint64_t *)&n->st;
	uint64_t *dst = (uint64_t *)s;
	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

#define F(bit) (1ULL << (bit))

/* The receive offloads a driver with these features takes, as TUN_F_* bits. */
static unsigned tun_offloads(uint64_t f)
{
	if (!(f & F(VIRTIO_NET_F_GUEST_CSUM)))
		return 0;
	return TUN_F_CSUM | (f & F(VIRTIO_NET_F_GUEST_TSO4) ? TUN_F_TSO4 : 0) |
	       (f & F(VIRTIO_NET_F_GUEST_TSO6) ? TUN_F_TSO6 : 0) | (f & F(VIRTIO_NET_F_GUEST_UFO) ? TUN_F_UFO : 0);
}

/*
 * The offload bits offered: those the client asked for that this peer can
 * carry. Only a tap with a vnet header can (the host kernel checksums and
 * segments); every other peer takes plain frames. Transmit offloads need
 * IFF_VNET_HDR only; receive offloads what TUNSETOFFLOAD accepted. A bit
 * whose prerequisite is not offered is not offered either (virtio 1.x
 * 5.1.3.1: the TSO/UFO bits need their CSUM bit).
 */
static uint64_t tap_offer(const struct net_peer *p, uint64_t asked)
{
	if (!p->vnet_hdr)
		return 0;
	uint64_t o = 0;
	if (asked & F(VIRTIO_NET_F_CSUM))
		o |= F(VIRTIO_NET_F_CSUM) |
		     (asked & (F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6) | F(VIRTIO_NET_F_HOST_UFO)));
	if ((asked & F(VIRTIO_NET_F_GUEST_CSUM)) && (p->tap_offloads & TUN_F_CSUM)) {
		o |= F(VIRTIO_NET_F_GUEST_CSUM);
		if ((asked & F(VIRTIO_NET_F_GUEST_TSO4)) && (p->tap_offloads & TUN_F_TSO4))
			o |= F(VIRTIO_NET_F_GUEST_TSO4);
		if ((asked & F(VIRTIO_NET_F_GUEST_TSO6)) && (p->tap_offloads & TUN_F_TSO6))
			o |= F(VIRTIO_NET_F_GUEST_TSO6);
		if ((asked & F(VIRTIO_NET_F_GUEST_UFO)) && (p->tap_offloads & TUN_F_UFO))
			o |= F(VIRTIO_NET_F_GUEST_UFO);
	}
	return o;
}

/* The gso_type (without the ECN bit) is one these features allow. */
static bool gso_allowed(uint8_t gso, uint64_t f, unsigned tso4, unsigned tso6, unsigned ufo)
{
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return f & F(tso4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return f & F(tso6);
	case VIRTIO_NET_HDR_GSO_UDP:
		return f & F(ufo);
	default:
		return false;
	}
}

/*
 * The guest's header of a frame for the tap (a host copy, read once): true
 * if it asks only for what was negotiated. The host kernel checks the rest
 * (csum_start/offset and hdr_len against the frame) and refuses a bad one
 * with EINVAL, counted as tx_drop_hdr too. Unknown flag bits are ignored
 * (virtio 1.x 5.1.6.2.2) and num_buffers means nothing on transmit.
 */
static bool tx_hdr_fix(const struct virtio_net *n, struct virtio_net_hdr_v1 *h)
{
	h->flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->num_buffers = 0;
	if (h->flags && !(n->neg & F(VIRTIO_NET_F_CSUM)))
		return false;
	if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN)
		return false; /* HOST_ECN is never offered */
	if (!gso_allowed(h->gso_type, n->neg, VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_TSO6, VIRTIO_NET_F_HOST_UFO))
		return false;
	return h->gso_type == VIRTIO_NET_HDR_GSO_NONE || le16toh(h->gso_size) != 0;
}

/*
 * The tap's header of a received frame: true if this driver may take it. The
 * tap hands only what TUNSETOFFLOAD allowed, but a frame read before a
 * driver reset may have been allowed by the previous driver. DATA_VALID
 * without GUEST_CSUM is dropped from the flags (the frame is checksummed).
 */
static bool rx_hdr_fix(const struct virtio_net *n, struct virtio_net_hdr_v1 *h)
{
	bool csum = n->neg & F(VIRTIO_NET_F_GUEST_CSUM);
	h->flags &= csum ? (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID) : VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->num_buffers = 0;
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !csum)
		return false;
	if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN)
		return false; /* GUEST_ECN is never offered */
	return gso_allowed(h->gso_type, n->neg, VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6,
			   VIRTIO_NET_F_GUEST_UFO);
}

static void net_config_read(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct virtio_net *n = dev;
	memcpy(buf, (const uint8_t *)&n->cfg + off, len);
}

static void peer_fail(struct virtio_net *n)
{
	if (n->tx_len > n->tx_off)
		COUNT(n, tx_drop_peer, n->tx_buf_frames);
	n->tx_off = n->tx_len = 0;
	n->tx_buf_frames = 0;
	if (n->peer_dead)
		return;
	n->peer_dead = true;
	n->peer_eof = true;
	__atomic_store_n(&n->st.peer_failed, 1, __ATOMIC_RELAXED);
}

/* Errors after which a datagram peer can never take a frame again. */
static bool fatal_send_errno(int e)
{
	return e == EPIPE || e == ECONNREFUSED || e == ENOTCONN || e == ECONNRESET || e == EBADF ||
	       e == EBADFD || e == ENOTSOCK;
}

static ssize_t peer_send(struct virtio_net *n, const void *p, size_t len)
{
	if (n->peer.is_socket)
		return send(n->peer.fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	return write(n->peer.fd, p, len);
}

/* Hand txbuf to the peer. true: empty now; false: the peer is full (wait for POLLOUT). */
static bool tx_flush(struct virtio_net *n)
{
	while (n->tx_off < n->tx_len) {
		ssize_t w = peer_send(n, n->txbuf + n->tx_off, n->tx_len - n->tx_off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
				return false;
			if (n->peer.framing == NET_FRAMING_STREAM || fatal_send_errno(errno)) {
				peer_fail(n);
				return true;
			}
			/* e.g. a tap that is down (EIO), or a frame the peer refuses: this frame only. */
			if (errno == EINVAL && n->peer.vnet_hdr)
				COUNT(n, tx_drop_hdr, 1); /* the host kernel refused the guest's header */
			else
				COUNT(n, tx_drop_peer, 1);
			break;
		}
		if (n->peer.framing == NET_FRAMING_DGRAM)
			break; /* one datagram is all or nothing */
		n->tx_off += (size_t)w;
	}
	n->tx_off = n->tx_len = 0;
	n->tx_buf_frames = 0;
	return true;
}

/* Copy len bytes starting skip bytes into the iovecs. */
static void iov_copy_out(const struct iovec *iov, int cnt, size_t skip, uint8_t *dst, size_t len)
{
	for (int i = 0; i < cnt && len > 0; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		size_t m = iov[i].iov_len - skip;
		if (m > len)
			m = len;
		memcpy(dst, (const uint8_t *)iov[i].iov_base + skip, m);
		dst += m;
		len -= m;
		skip = 0;
	}
}

/* Copy src into the iovecs starting skip bytes in. */
static void iov_copy_in(const struct iovec *iov, int cnt, size_t skip, const uint8_t *src, size_t len)
{
	for (int i = 0; i < cnt && len > 0; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		size_t m = iov[i].iov_len - skip;
		if (m > len)
			m = len;
		memcpy((uint8_t *)iov[i].iov_base + skip, src, m);
		src += m;
		len -= m;
		skip = 0;
	}
}

/*
 * Send a frame straight from the guest's buffers while nothing waits in
 * txbuf (one copy, by the kernel, instead of two). pre: what goes before it
 * (a stream's length, a vnet header), in host memory. true: done with it
 * (sent whole; a stream's unsent tail, at most one frame, copied into
 * txbuf; or a counted loss); false: nothing sent, buffer it as before. The
 * frame's bytes are not looked at, only passed on; its length is the host's
 * copy.
 */
static bool tx_direct(struct virtio_net *n, const struct vq_chain *c, size_t flen, const uint8_t *pre,
		      size_t prelen)
{
	bool dgram = n->peer.framing == NET_FRAMING_DGRAM;
	size_t need = flen + prelen;
	struct iovec *v = n->tx_iov;
	int cnt = 0;
	if (prelen)
		v[cnt++] = (struct iovec){ .iov_base = (void *)pre, .iov_len = prelen };
	const struct iovec *rd = vq_chain_rd(c);
	size_t skip = HDR_LEN;
	for (int i = 0; i < c->nr_rd; i++) {
		if (skip >= rd[i].iov_len) {
			skip -= rd[i].iov_len;
			continue;
		}
		if (cnt == IOV_MAX)
			return false; /* more pieces than one call takes: copy instead */
		v[cnt++] = (struct iovec){ .iov_base = (uint8_t *)rd[i].iov_base + skip,
					   .iov_len = rd[i].iov_len - skip };
		skip = 0;
	}
	ssize_t w;
	do {
		if (n->peer.is_socket) {
			struct msghdr m = { .msg_iov = v, .msg_iovlen = (size_t)cnt };
			w = sendmsg(n->peer.fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		} else {
			w = writev(n->peer.fd, v, cnt);
		}
	} while (w < 0 && errno == EINTR);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return false;
		if (errno == EINVAL && n->peer.vnet_hdr)
			COUNT(n, tx_drop_hdr, 1); /* the host kernel refused the guest's header */
		else
			COUNT(n, tx_drop_peer, 1);
		if (!dgram || fatal_send_errno(errno))
			peer_fail(n);
		return true;
	}
	COUNT(n, tx_frames, 1);
	COUNT(n, tx_bytes, flen);
	if (dgram || (size_t)w >= need)
		return true; /* a datagram is all or nothing */
	/* The stream took part of it: the rest waits for POLLOUT, in order. */
	size_t done = (size_t)w, pos = 0;
	if (done < prelen) {
		memcpy(n->txbuf, pre + done, prelen - done);
		pos = prelen - done;
		done = prelen;
	}
	iov_copy_out(rd, c->nr_rd, HDR_LEN + (done - prelen), n->txbuf + pos, need - done);
	n->tx_off = 0;
	n->tx_len = pos + (need - done);
	n->tx_buf_frames = 1;
	return true;
}

/* The guest's vnet header of chain c into n->tx_hdr (read once): true if it may go to the tap. */
static bool tx_vnet_hdr(struct virtio_net *n, const struct vq_chain *c)
{
	iov_copy_out(vq_chain_rd(c), c->nr_rd, 0, (uint8_t *)&n->tx_hdr, HDR_LEN);
	return tx_hdr_fix(n, &n->tx_hdr);
}

/*
 * Guest -> peer. Returns 1 if the budget ran out with work left, 0 otherwise,
 * -EIO on a guest violation. *used: chains were returned.
 */
static int process_tx(struct virtio_net *n, struct vq *q, bool *used)
{
	if (n->tx_len > n->tx_off && !tx_flush(n))
		return 0; /* still waiting for the peer */
	vq_disable_notify(q);
	for (int k = 0;; k++) {
		if (k == BUDGET) {
			if (n->peer.framing == NET_FRAMING_STREAM)
				tx_flush(n);
			return 1;
		}
		int r = vq_pop(q, &n->chain);
		if (r < 0)
			return -EIO;
		if (r == 0) {
			if (n->tx_len > n->tx_off && !tx_flush(n))
				return 0; /* POLLOUT resumes us; the guest need not kick */
			if (vq_enable_notify(q))
				continue;
			return 0;
		}
		const struct vq_chain *c = &n->chain;
		/* rd_len was summed from lengths copied once out of the ring. */
		if (c->rd_len < HDR_LEN + ETH_HLEN || c->rd_len - HDR_LEN > NET_FRAME_MAX) {
			COUNT(n, tx_drop_bad, 1);
		} else if (n->peer.vnet_hdr && !tx_vnet_hdr(n, c)) {
			COUNT(n, tx_drop_hdr, 1);
		} else {
			bool dgram = n->peer.framing == NET_FRAMING_DGRAM;
			size_t flen = c->rd_len - HDR_LEN;
			/* What goes before the frame: a stream's length or the tap's vnet header. */
			uint32_t be = htobe32((uint32_t)flen);
			const uint8_t *pre = dgram ? (const uint8_t *)&n->tx_hdr : (const uint8_t *)&be;
			size_t prelen = dgram ? (n->peer.vnet_hdr ? HDR_LEN : 0) : NET_STREAM_PREFIX;
			size_t need = flen + prelen;
			/* A datagram peer holds one frame here, a stream peer up to TX_BUF_CAP. */
			bool full = n->tx_len > n->tx_off && (dgram || TX_BUF_CAP - n->tx_len < need);
			if (full && !tx_flush(n)) {
				vq_unpop(q);
				COUNT(n, tx_stalls, 1);
				return 0; /* the peer is full: leave the chain in the guest's queue */
			}
			if (n->be.ops) {
				/* Copied once out of guest memory; the chain goes back
				 * before the peer answers (its answers may need the RX
				 * ring, never this chain). */
				iov_copy_out(vq_chain_rd(c), c->nr_rd, HDR_LEN, n->txbuf, flen);
				COUNT(n, tx_frames, 1);
				COUNT(n, tx_bytes, flen);
				if (vq_push(q, c->head, 0) < 0)
					return -EIO;
				*used = true;
				n->be.ops->input(n->be.be, n->txbuf, flen);
				continue;
			}
			if (n->peer_dead) {
				COUNT(n, tx_drop_peer, 1);
			} else if (flen >= TX_DIRECT_MIN && n->tx_len == n->tx_off && tx_direct(n, c, flen, pre, prelen)) {
				/* sent, or its tail buffered, or counted */
			} else {
				uint8_t *p = n->txbuf + n->tx_len;
				memcpy(p, pre, prelen);
				p += prelen;
				iov_copy_out(vq_chain_rd(c), c->nr_rd, HDR_LEN, p, flen);
				n->tx_len += need;
				n->tx_buf_frames++;
				COUNT(n, tx_frames, 1);
				COUNT(n, tx_bytes, flen);
				if (dgram)
					tx_flush(n); /* a full peer keeps it pending: the next chain waits */
			}
		}
		if (vq_push(q, c->head, 0) < 0)
			return -EIO;
		*used = true;
	}
}

/* Make room at the end of a stream buffer by moving the unparsed bytes down. */
static void rx_compact(struct virtio_net *n)
{
	if (n->rx_start == 0)
		return;
	memmove(n->rxbuf, n->rxbuf + n->rx_start, n->rx_end - n->rx_start);
	n->rx_end -= n->rx_start;
	n->rx_start = 0;
}

static bool rx_room(const struct virtio_net *n)
{
	if (n->peer.framing == NET_FRAMING_DGRAM)
		return !n->rx_have;
	return n->rx_end < RX_BUF_CAP || n->rx_start > 0;
}

/* The next complete frame from the peer, if any. */
static bool rx_next(struct virtio_net *n, const uint8_t **frame, size_t *len)
{
	if (n->peer.framing == NET_FRAMING_DGRAM) {
		size_t pre = n->peer.vnet_hdr ? HDR_LEN : 0; /* the tap's header, at rxbuf */
		*frame = n->rxbuf + pre;
		*len = n->rx_end - pre;
		return n->rx_have;
	}
	for (;;) {
		size_t avail = n->rx_end - n->rx_start;
		if (avail >= NET_STREAM_PREFIX) {
			uint32_t be;
			memcpy(&be, n->rxbuf + n->rx_start, sizeof(be));
			uint32_t l = be32toh(be);
			if (l > NET_FRAME_MAX) {
				/* Skipping it would mean trusting a length we refuse: the
				 * stream cannot be followed any more. */
				COUNT(n, rx_drop_bad_len, 1);
				n->rx_start = n->rx_end = 0;
				peer_fail(n);
				return false;
			}
			if (avail - NET_STREAM_PREFIX >= l) {
				if (l < ETH_HLEN) {
					COUNT(n, rx_drop_bad_len, 1); /* a runt (or 0): skip it, stay in step */
					n->rx_start += NET_STREAM_PREFIX + l;
					continue;
				}
				*frame = n->rxbuf + n->rx_start + NET_STREAM_PREFIX;
				*len = l;
				return true;
			}
		}
		if (n->peer_eof && avail > 0) {
			COUNT(n, rx_drop_partial, 1);
			n->rx_start = n->rx_end = 0;
		}
		if (n->rx_start == n->rx_end)
			n->rx_start = n->rx_end = 0;
		return false;
	}
}

static void rx_consume(struct virtio_net *n, size_t len)
{
	if (n->peer.framing == NET_FRAMING_DGRAM) {
		n->rx_have = false;
		return;
	}
	n->rx_start += NET_STREAM_PREFIX + len;
	if (n->rx_start == n->rx_end)
		n->rx_start = n->rx_end = 0;
}

/* Read from the peer. true: something was read (look for frames again). */
static bool rx_fill(struct virtio_net *n)
{
	if (n->peer_eof || n->peer_dead || !rx_room(n))
		return false;
	if (n->peer.framing == NET_FRAMING_DGRAM) {
		/* One byte more than the largest frame shows a truncated datagram. */
		size_t pre = n->peer.vnet_hdr ? HDR_LEN : 0;
		ssize_t r = read(n->peer.fd, n->rxbuf, pre + NET_FRAME_MAX + 1);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return false;
			peer_fail(n);
			return false;
		}
		if (r < (ssize_t)(pre + ETH_HLEN) || r > (ssize_t)(pre + NET_FRAME_MAX)) {
			COUNT(n, rx_drop_bad_len, 1);
			return true;
		}
		n->rx_end = (size_t)r;
		n->rx_have = true;
		return true;
	}
	if (RX_BUF_CAP - n->rx_end < NET_STREAM_PREFIX + NET_FRAME_MAX)
		rx_compact(n);
	ssize_t r = read(n->peer.fd, n->rxbuf + n->rx_end, RX_BUF_CAP - n->rx_end);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return false;
		peer_fail(n);
		n->rx_start = n->rx_end = 0;
		return false;
	}
	if (r == 0) {
		/* Complete frames already read are still delivered; a partial one is counted. */
		n->peer_eof = true;
		__atomic_store_n(&n->st.peer_failed, 1, __ATOMIC_RELAXED);
		return true;
	}
	n->rx_end += (size_t)r;
	return true;
}

/* Copy bytes [off, off + len) of (hdr, frame) into the iovecs, from their start. */
static void rx_copy_window(const struct iovec *iov, int cnt, const struct virtio_net_hdr_v1 *h,
			   const uint8_t *frame, size_t off, size_t len)
{
	size_t skip = 0;
	if (off < HDR_LEN) {
		size_t m = HDR_LEN - off < len ? HDR_LEN - off : len;
		iov_copy_in(iov, cnt, 0, (const uint8_t *)h + off, m);
		skip = m;
		off += m;
		len -= m;
	}
	iov_copy_in(iov, cnt, skip, frame + (off - HDR_LEN), len);
}

/*
 * One frame over as many receive chains as it needs (MRG_RXBUF): the header
 * starts the first chain, num_buffers says how many follow, and all used
 * elements are published at once (the driver takes num_buffers elements as
 * soon as it sees the first). Returns 1 when the frame is done with
 * (delivered or a counted drop), 0 when the guest must post more buffers
 * (every chain taken is given back, the frame stays), -EIO on a violation.
 */
/* The next receive chain into n->rx_chain: 1. None posted: 0, with the driver's
 * next kick asked for (it comes once one more buffer is posted) and the wait
 * counted; -EIO on a broken ring. */
static int rx_pop(struct virtio_net *n, struct vq *q)
{
	for (;;) {
		int r = vq_pop(q, &n->rx_chain);
		if (r < 0)
			return -EIO;
		if (r > 0)
			return 1;
		if (!vq_enable_notify(q)) {
			n->rx_blocked = true;
			COUNT(n, rx_stalls, 1);
			return 0;
		}
		/* buffers arrived meanwhile */
	}
}

static int rx_merged(struct virtio_net *n, struct vq *q, struct virtio_net_hdr_v1 h, const uint8_t *frame,
		     size_t len, bool *used)
{
	const size_t total = HDR_LEN + len;
	/* Where the first chain keeps its header: num_buffers is known last. */
	struct iovec hdr_iov[HDR_LEN];
	int hdr_cnt = 0;
	size_t done = 0;
	unsigned k = 0;
	while (done < total) {
		int r = rx_pop(n, q);
		if (r < 0)
			return r;
		if (r == 0) {
			/* Too few buffers for this frame yet: wait, do not drop. */
			for (unsigned i = 0; i < k; i++)
				vq_unpop(q);
			return 0;
		}
		const struct vq_chain *c = &n->rx_chain;
		if (k == 0 && c->wr_len < HDR_LEN) {
			/* Cannot start a frame: give it back empty, as without MRG_RXBUF. */
			COUNT(n, rx_buf_unusable, 1);
			if (vq_push(q, c->head, 0) < 0)
				return -EIO;
			*used = true;
			continue;
		}
		if (k == 0) {
			const struct iovec *w = vq_chain_wr(c);
			size_t cover = 0;
			for (int i = 0; i < c->nr_wr && cover < HDR_LEN && hdr_cnt < (int)HDR_LEN; i++) {
				if (w[i].iov_len == 0)
					continue;
				hdr_iov[hdr_cnt] = w[i];
				if (hdr_iov[hdr_cnt].iov_len > HDR_LEN - cover)
					hdr_iov[hdr_cnt].iov_len = HDR_LEN - cover;
				cover += hdr_iov[hdr_cnt++].iov_len;
			}
		}
		size_t m = c->wr_len < total - done ? c->wr_len : total - done;
		rx_copy_window(vq_chain_wr(c), c->nr_wr, &h, frame, done, m);
		n->rx_used[k++] = (struct vq_used){ .head = c->head, .len = (uint32_t)m };
		done += m;
		if (done < total && k >= q->size) {
			/* Every entry of the ring is posted and the frame still does
			 * not fit: the guest can never take it. */
			for (unsigned i = 0; i < k; i++)
				vq_unpop(q);
			COUNT(n, rx_drop_big, 1);
			return 1;
		}
	}
	h.num_buffers = htole16((uint16_t)k);
	iov_copy_in(hdr_iov, hdr_cnt, 0, (const uint8_t *)&h, HDR_LEN);
	if (vq_push_many(q, n->rx_used, k) < 0)
		return -EIO;
	*used = true;
	COUNT(n, rx_frames, 1);
	COUNT(n, rx_bytes, len);
	return 1;
}

/*
 * One frame, after the virtio-net header h (num_buffers is set here), into
 * the guest's receive buffers. 1: done with it (delivered or a counted
 * drop); 0: the guest must post buffers first (rx_blocked is set, the frame
 * stays with the caller); -EIO on a violation.
 */
static int rx_place(struct virtio_net *n, struct vq *q, struct virtio_net_hdr_v1 h, const uint8_t *frame,
		    size_t len, bool *used)
{
	if (n->mrg)
		return rx_merged(n, q, h, frame, len, used);
	for (;;) {
		int r = rx_pop(n, q);
		if (r <= 0)
			return r;
		const struct vq_chain *c = &n->rx_chain;
		if (c->wr_len < HDR_LEN) {
			/* Useless for any frame: give it back empty (the driver counts a length error). */
			COUNT(n, rx_buf_unusable, 1);
			if (vq_push(q, c->head, 0) < 0)
				return -EIO;
			*used = true;
			continue;
		}
		if (c->wr_len - HDR_LEN < len) {
			COUNT(n, rx_drop_big, 1);
			vq_unpop(q); /* the buffer may fit the next frame */
			return 1;
		}
		h.num_buffers = htole16(1);
		iov_copy_in(vq_chain_wr(c), c->nr_wr, 0, (const uint8_t *)&h, HDR_LEN);
		iov_copy_in(vq_chain_wr(c), c->nr_wr, HDR_LEN, frame, len);
		if (vq_push(q, c->head, (uint32_t)(HDR_LEN + len)) < 0)
			return -EIO;
		*used = true;
		COUNT(n, rx_frames, 1);
		COUNT(n, rx_bytes, len);
		return 1;
	}
}

/* Peer -> guest. Same returns as process_tx. */
static int process_rx(struct virtio_net *n, struct vq *q, bool *used)
{
	for (int k = 0; k < BUDGET; k++) {
		const uint8_t *frame;
		size_t len;
		if (!rx_next(n, &frame, &len)) {
			if (rx_fill(n))
				continue;
			return 0;
		}
		/* All zero from a plain peer; a tap's own (rxbuf starts with it) with a vnet header. */
		struct virtio_net_hdr_v1 h;
		memset(&h, 0, sizeof(h));
		if (n->peer.vnet_hdr) {
			memcpy(&h, n->rxbuf, HDR_LEN);
			if (!rx_hdr_fix(n, &h)) {
				COUNT(n, rx_drop_hdr, 1);
				rx_consume(n, len);
				continue;
			}
		}
		int r = rx_place(n, q, h, frame, len, used);
		if (r <= 0)
			return r;
		rx_consume(n, len);
	}
	return 1;
}

/* ---- the in-process peer (net/backend.h) ---- */

static void held_pop(struct virtio_net *n)
{
	struct held_frame *h = n->held[n->held_head];
	n->held[n->held_head] = NULL;
	n->held_bytes -= h->len;
	n->held_head = (n->held_head + 1) % HELD_FRAMES;
	n->held_len--;
	free(h);
}

/* The held frames, oldest first, into the guest's buffers. Same returns as process_tx. */
static int process_held(struct virtio_net *n, struct vq *q, bool *used)
{
	for (int k = 0; k < BUDGET && n->held_len; k++) {
		struct held_frame *h = n->held[n->held_head];
		struct virtio_net_hdr_v1 hdr;
		memset(&hdr, 0, sizeof(hdr)); /* an in-process peer's frames are plain */
		int r = rx_place(n, q, hdr, h->data, h->len, used);
		if (r <= 0)
			return r;
		held_pop(n);
	}
	return n->held_len ? 1 : 0;
}

/* A frame from the in-process peer, during its input or dispatch on this worker. */
static void be_deliver(void *dev, const uint8_t *frame, size_t len)
{
	struct virtio_net *n = dev;
	if (len < ETH_HLEN || len > NET_FRAME_MAX) {
		COUNT(n, rx_drop_bad_len, 1);
		return;
	}
	/* Straight into the ring unless older frames wait (order is kept). */
	if (!n->held_len && !n->rx_blocked && !n->rx_violation && n->rxq && n->rxq->size) {
		struct virtio_net_hdr_v1 hdr;
		memset(&hdr, 0, sizeof(hdr));
		int r = rx_place(n, n->rxq, hdr, frame, len, &n->rx_used_pending);
		if (r > 0)
			return;
		if (r < 0)
			n->rx_violation = true; /* the worker marks the device broken after this round */
	}
	if (n->held_len == HELD_FRAMES || n->held_bytes + len > HELD_BYTES) {
		COUNT(n, rx_drop_queue, 1);
		return;
	}
	struct held_frame *h = malloc(sizeof(*h) + len);
	if (!h) {
		COUNT(n, rx_drop_queue, 1);
		return;
	}
	h->len = len;
	memcpy(h->data, frame, len);
	n->held[(n->held_head + n->held_len) % HELD_FRAMES] = h;
	n->held_len++;
	n->held_bytes += len;
}

static void drain_fd(int fd)
{
	uint64_t v;
	ssize_t r = read(fd, &v, sizeof(v));
	(void)r;
}

static void net_run(void *dev, struct virtio_mmio_dev *t, int stop_fd)
{
	struct virtio_net *n = dev;
	struct vq *rxq = virtio_mmio_queue(t, NET_RXQ);
	struct vq *txq = virtio_mmio_queue(t, NET_TXQ);
	const bool be = n->be.ops != NULL;
	n->rxq = rxq;
	if (be) /* told apart from the other workers in /proc (the bench's thread counters) */
		pthread_setname_np(pthread_self(), "ckrun-netstack");

	bool more = true; /* buffers posted before DRIVER_OK, data read before a reset */
	for (;;) {
		bool broken = virtio_mmio_is_broken(t);
		int timeout = more && !broken ? 0 : -1;
		struct net_pollset *ps = &n->ps;
		ps->nr = 0;
		/* Its own four slots fit the capacity allocated at creation. */
		net_pollset_add(ps, stop_fd, POLLIN);
		net_pollset_add(ps, broken ? -1 : virtio_mmio_notify_fd(t, NET_RXQ), POLLIN);
		net_pollset_add(ps, broken ? -1 : virtio_mmio_notify_fd(t, NET_TXQ), POLLIN);
		short pev = 0;
		if (!broken && !be && !n->peer_dead) {
			if (!n->peer_eof && !n->rx_blocked && rx_room(n) && rxq->size)
				pev |= POLLIN;
			if (n->tx_len > n->tx_off)
				pev |= POLLOUT;
		}
		/* Not polled without interest: a hung-up peer would wake us forever. */
		net_pollset_add(ps, pev ? n->peer.fd : -1, pev);
		if (be && !broken)
			n->be.ops->fill(n->be.be, ps, &timeout, n->held_len == 0);
		if (poll(ps->fds, ps->nr, timeout) < 0) {
			if (errno == EINTR)
				continue;
			virtio_mmio_set_broken(t); /* cannot wait any more: say so */
			break;
		}
		struct pollfd *pf = ps->fds;
		if (pf[0].revents)
			break;
		if (pf[1].revents & POLLIN) {
			drain_fd(pf[1].fd);
			n->rx_blocked = false;
		}
		if (pf[2].revents & POLLIN)
			drain_fd(pf[2].fd);
		more = false;
		if (broken)
			continue; /* kicks are swallowed until the driver resets us */

		bool used = false;
		int r = 0;
		if (be && rxq->size && !n->rx_blocked) {
			/* Held frames first: what the peer emits below may then go straight in. */
			r = process_held(n, rxq, &n->rx_used_pending);
			more |= r > 0;
		}
		bool signal = false;
		if (r >= 0 && txq->size) {
			r = process_tx(n, txq, &used);
			signal = used && vq_should_notify(txq);
			/* An in-process peer answers within the round: one interrupt
			 * (virtio-mmio has one per device) for both queues, below. */
			if (signal && !be) {
				virtio_mmio_signal_used(t);
				signal = false;
			}
			more |= r > 0;
		}
		if (r >= 0 && be && !n->rx_violation)
			n->be.ops->dispatch(n->be.be, ps);
		if (r >= 0 && !be && rxq->size && !n->rx_blocked) {
			used = false;
			r = process_rx(n, rxq, &used);
			n->rx_used_pending |= used;
			more |= r > 0;
		}
		if (n->rx_used_pending) {
			n->rx_used_pending = false;
			signal |= vq_should_notify(rxq);
		}
		if (signal)
			virtio_mmio_signal_used(t);
		if (r < 0 || n->rx_violation || rxq->broken || txq->broken)
			virtio_mmio_set_broken(t);
	}
	n->rxq = NULL;
}

/* DRIVER_OK, under the transport's lock, before the worker starts. */
static int net_activate(void *dev, struct virtio_mmio_dev *t)
{
	struct virtio_net *n = dev;
	n->t = t;
	n->rx_blocked = false;
	n->rx_violation = false;
	n->neg = virtio_mmio_driver_features(t);
	n->mrg = n->neg & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
	if (n->peer.vnet_hdr) {
		/* What the tap may hand us is what this driver takes (QEMU does
		 * the same on the guest's features). */
		int err = net_peer_tap_set_offload(&n->peer, tun_offloads(n->neg));
		if (err)
			return err;
	}
	/* A frame the previous driver had not received yet, or a stream frame
	 * half written to the peer, is the peer connection's, not the driver's:
	 * it stays for this activation. */
	return 0;
}

/* Losses are never silent: say what was dropped (stderr, as the VMM's other errors). */
static void report_losses(const struct virtio_net *n)
{
	struct virtio_net_stats s;
	virtio_net_get_stats(n, &s);
	uint64_t lost = s.rx_drop_big + s.rx_drop_bad_len + s.rx_drop_partial + s.rx_buf_unusable +
			s.tx_drop_bad + s.tx_drop_peer + s.tx_drop_hdr + s.rx_drop_hdr + s.rx_drop_queue;
	if (!lost && !s.peer_failed)
		return;
	fprintf(stderr,
		"ckrun: network device %s: %s; dropped: rx too big for the guest's buffer %" PRIu64
		", rx bad length %" PRIu64 ", rx cut by the peer's close %" PRIu64 ", rx buffers unusable %" PRIu64
		", tx bad %" PRIu64 ", tx to a failed peer %" PRIu64 ", tx bad vnet header %" PRIu64
		", rx vnet header not negotiated %" PRIu64 ", rx with no guest buffer and a full queue %" PRIu64
		" (delivered rx %" PRIu64 ", tx %" PRIu64 ")\n",
		n->name[0] ? n->name : "?", s.peer_failed ? "the peer closed or failed" : "peer still connected",
		s.rx_drop_big, s.rx_drop_bad_len, s.rx_drop_partial, s.rx_buf_unusable, s.tx_drop_bad, s.tx_drop_peer,
		s.tx_drop_hdr, s.rx_drop_hdr, s.rx_drop_queue, s.rx_frames, s.tx_frames);
}

static void net_free(void *dev)
{
	struct virtio_net *n = dev;
	report_losses(n);
	net_peer_close(&n->peer);
	if (n->be.ops)
		n->be.ops->free(n->be.be);
	while (n->held_len)
		held_pop(n);
	free(n->held);
	net_pollset_free(&n->ps);
	free(n->rxbuf);
	free(n->txbuf);
	free(n->rx_used);
	free(n->tx_iov);
	free(n);
}

static uint64_t net_device_features(void *dev)
{
	const struct virtio_net *n = dev;
	return (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_RING_F_EVENT_IDX) |
	       (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_NET_F_MRG_RXBUF) | n->offloads;
}

static const struct virtio_dev_ops net_ops = {
	.device_id = VIRTIO_ID_NET,
	.num_queues = NET_NUM_QUEUES,
	.queue_num_max = NET_QUEUE_SIZE,
	.device_features = net_device_features,
	.config_len = sizeof(struct virtio_net_config_wire),
	.config_read = net_config_read,
	.activate = net_activate,
	.run = net_run,
	.free = net_free,
};

int virtio_net_new(const struct virtio_net_config *cfg, const struct guest_mem *mem,
		   struct virtio_mmio_dev **out, struct virtio_net **net)
{
	struct net_peer peer = cfg->peer;
	struct net_backend backend = cfg->backend;
	struct virtio_net *n = calloc(1, sizeof(*n));
	if (!n) {
		net_peer_close(&peer);
		if (backend.ops)
			backend.ops->free(backend.be);
		return -ENOMEM;
	}
	n->peer = peer;
	n->be = backend;
	n->rxbuf = malloc(RX_BUF_CAP);
	n->txbuf = malloc(TX_BUF_CAP);
	n->rx_used = calloc(NET_QUEUE_SIZE, sizeof(*n->rx_used));
	n->tx_iov = calloc(IOV_MAX, sizeof(*n->tx_iov));
	n->ps.cap = 64;
	n->ps.fds = calloc(n->ps.cap, sizeof(*n->ps.fds));
	if (n->be.ops)
		n->held = calloc(HELD_FRAMES, sizeof(*n->held));
	bool no_peer = n->be.ops ? n->peer.fd >= 0 : n->peer.fd < 0; /* exactly one of them */
	if (!n->rxbuf || !n->txbuf || !n->rx_used || !n->tx_iov || !n->ps.fds || (n->be.ops && !n->held) || no_peer) {
		int err = no_peer ? -EBADF : -ENOMEM;
		net_free(n);
		return err;
	}
	if (n->be.ops)
		n->be.ops->attach(n->be.be, be_deliver, n);
	memcpy(n->cfg.mac, cfg->mac, sizeof(n->cfg.mac));
	/* NET_FEATURE_* are the virtio-net bits of the same numbers (api/krun_net.c checks). */
	n->offloads = tap_offer(&n->peer, cfg->features);
	if (cfg->name)
		snprintf(n->name, sizeof(n->name), "%s", cfg->name);
	if (net)
		*net = n;
	return virtio_mmio_new(&net_ops, n, mem, out); /* calls net_free on failure */
}
