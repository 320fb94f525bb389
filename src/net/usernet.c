/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user-mode network (see usernet.h): libslirp driven by the poll loop of
 * the virtio-net device's worker (backend.h).
 *
 * Each round of that loop: fill lists the sockets libslirp wants polled (and
 * while the device holds frames the guest has no room for, only their
 * output side: the stack then reads nothing more from its sockets, so a
 * sender outside waits in TCP instead of the VMM queueing) and the time of
 * its next timer; after the poll, the guest's frames go to slirp_input one
 * by one and dispatch lets the stack serve its sockets and fire due timers.
 * Every frame the stack emits goes to the device at once (deliver), which
 * copies it into the guest's receive buffers.
 *
 * The socket bound: every guest frame that can make the stack open a host
 * socket (TCP SYN, UDP, ICMP echo) is admitted only while an upper bound of
 * the sockets held stays under max_sockets: the sockets this process holds
 * beyond those it held at the start, recounted from /proc/self/fd at most
 * once per round when the running estimate (+1 per admitted frame) reaches
 * the limit.
 */
#include "net/usernet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/features.h"

#if CKRUN_HAVE_SLIRP
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/peer.h"

#include <slirp/libslirp.h> /* also found without pkg-config (meson.build) */

#define MIN_SOCKETS 16

struct timer {
	struct timer *next;
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
};

struct usernet {
	Slirp *slirp;
	net_deliver_fn deliver;
	void *dev;

	struct net_pollset *ps; /* during fill: where cb_add_poll adds */
	const struct net_pollset *ready; /* during dispatch */
	bool want_input;
	struct timer *timers;

	unsigned max_sockets;
	long baseline_sockets; /* sockets open when the network started */
	unsigned sockets_ub;   /* upper bound of the sockets held now */
	uint64_t round, recount_round;

	_Atomic uint64_t from_guest, to_guest, dropped_bad, dropped_limit;
};

bool usernet_available(void)
{
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct usernet *u = opaque;
	/* The device copies it, or counts it lost (as libslirp allows: TCP
	 * retransmits, the rest is datagrams). */
	if (u->deliver) {
		atomic_fetch_add_explicit(&u->to_guest, 1, memory_order_relaxed);
		u->deliver(u->dev, buf, len);
	}
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	(void)opaque;
	(void)msg; /* guest misbehaviour: dropped by libslirp; not worth a console line each */
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- timers (libslirp 4.7 makes one, for IPv6 router advertisements) ---- */

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct usernet *u = opaque;
	struct timer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->id = id;
	t->cb_opaque = cb_opaque;
	t->expire_ms = -1;
	t->next = u->timers;
	u->timers = t;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct usernet *u = opaque;
	for (struct timer **p = &u->timers; *p; p = &(*p)->next)
		if (*p == timer) {
			*p = ((struct timer *)timer)->next;
			free(timer);
			return;
		}
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	(void)opaque;
	((struct timer *)timer)->expire_ms = expire_ms;
}

static void cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_notify(void *opaque)
{
	(void)opaque; /* only the device's worker calls libslirp: nothing to wake */
}

static const SlirpCb callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
	.timer_new_opaque = cb_timer_new_opaque,
};

/* ---- poll set ---- */

static int cb_add_poll(int fd, int events, void *opaque)
{
	struct usernet *u = opaque;
	short ev = 0;
	if ((events & SLIRP_POLL_IN) && u->want_input)
		ev |= POLLIN;
	if ((events & SLIRP_POLL_PRI) && u->want_input)
		ev |= POLLPRI;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	/* -1 (not polled, or no room): libslirp then sees no events for this fd this round. */
	if (!ev)
		return -1;
	int idx = net_pollset_add(u->ps, fd, ev);
	return idx < 0 ? -1 : idx;
}

static int cb_get_revents(int idx, void *opaque)
{
	struct usernet *u = opaque;
	if (idx < 0 || (size_t)idx >= u->ready->nr)
		return 0;
	short re = u->ready->fds[idx].revents;
	int r = 0;
	if (re & POLLIN)
		r |= SLIRP_POLL_IN;
	if (re & POLLOUT)
		r |= SLIRP_POLL_OUT;
	if (re & POLLPRI)
		r |= SLIRP_POLL_PRI;
	if (re & POLLERR)
		r |= SLIRP_POLL_ERR;
	if (re & POLLHUP)
		r |= SLIRP_POLL_HUP;
	return r;
}

/* ---- the socket bound ---- */

/*
 * Open sockets of this process, or -1 without /proc. Sockets, not all fds:
 * the rest of the VMM opens and closes files while the network runs, and a
 * closed file must not make room for a guest socket.
 */
static long count_sockets(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	long n = 0;
	struct dirent *e;
	char link[16];
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		ssize_t l = readlinkat(dirfd(d), e->d_name, link, sizeof(link));
		if (l >= 7 && memcmp(link, "socket:", 7) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* May a guest frame that can open a host socket go through? */
static bool admit_new_flow(struct usernet *u)
{
	if (u->sockets_ub < u->max_sockets) {
		u->sockets_ub++;
		return true;
	}
	if (u->recount_round != u->round && u->baseline_sockets >= 0) {
		u->recount_round = u->round;
		long n = count_sockets();
		if (n >= 0)
			u->sockets_ub = n > u->baseline_sockets ? (unsigned)(n - u->baseline_sockets) : 0;
		if (u->sockets_ub < u->max_sockets) {
			u->sockets_ub++;
			return true;
		}
	}
	atomic_fetch_add_explicit(&u->dropped_limit, 1, memory_order_relaxed);
	return false;
}

/*
 * Whether a guest frame may make the stack open a host socket: a TCP SYN,
 * a UDP datagram (except DHCP, answered by the stack itself), an ICMP echo
 * request. Malformed headers are left to libslirp, which drops them.
 */
static bool opens_flow(const uint8_t *f, size_t len)
{
	if (len < ETH_HLEN)
		return false;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	const uint8_t *l3 = f + ETH_HLEN;
	size_t l3len = len - ETH_HLEN;
	uint8_t proto;
	const uint8_t *l4;
	size_t l4len;

	if (type == ETH_P_IP) {
		struct iphdr ip;
		if (l3len < sizeof(ip))
			return false;
		memcpy(&ip, l3, sizeof(ip));
		size_t hl = (size_t)ip.ihl * 4;
		if (hl < sizeof(ip) || hl > l3len)
			return false;
		if (ntohs(ip.frag_off) & IP_OFFMASK)
			return false; /* a later fragment: the first one carried the ports */
		proto = ip.protocol;
		l4 = l3 + hl;
		l4len = l3len - hl;
		if (proto == IPPROTO_ICMP)
			return l4len >= 1 && l4[0] == ICMP_ECHO;
	} else if (type == ETH_P_IPV6) {
		struct ip6_hdr ip6;
		if (l3len < sizeof(ip6))
			return false;
		memcpy(&ip6, l3, sizeof(ip6));
		proto = ip6.ip6_nxt;
		l4 = l3 + sizeof(ip6);
		l4len = l3len - sizeof(ip6);
		if (proto == IPPROTO_ICMPV6)
			return l4len >= 1 && l4[0] == ICMP6_ECHO_REQUEST;
	} else {
		return false;
	}
	if (proto == IPPROTO_TCP) {
		struct tcphdr th;
		if (l4len < sizeof(th))
			return false;
		memcpy(&th, l4, sizeof(th));
		return th.syn && !th.ack;
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr uh;
		if (l4len < sizeof(uh))
			return false;
		memcpy(&uh, l4, sizeof(uh));
		return ntohs(uh.dest) != 67;
	}
	return false;
}

/* ---- the device's side (backend.h), on its worker ---- */

static void be_attach(void *be, net_deliver_fn deliver, void *dev)
{
	struct usernet *u = be;
	u->deliver = deliver;
	u->dev = dev;
}

static void be_fill(void *be, struct net_pollset *ps, int *timeout_ms, bool want_input)
{
	struct usernet *u = be;
	uint32_t timeout = UINT32_MAX;
	u->round++;
	u->ps = ps;
	u->want_input = want_input;
	slirp_pollfds_fill(u->slirp, &timeout, cb_add_poll, u);
	u->ps = NULL;

	int64_t now = now_ms();
	for (struct timer *t = u->timers; t; t = t->next)
		if (t->expire_ms >= 0) {
			int64_t left = t->expire_ms > now ? t->expire_ms - now : 0;
			if (left < (int64_t)timeout)
				timeout = (uint32_t)left;
		}
	if (timeout <= INT_MAX && (*timeout_ms < 0 || (int)timeout < *timeout_ms))
		*timeout_ms = (int)timeout;
}

static void be_dispatch(void *be, const struct net_pollset *ps)
{
	struct usernet *u = be;
	u->ready = ps;
	slirp_pollfds_poll(u->slirp, 0, cb_get_revents, u);
	u->ready = NULL;

	int64_t now = now_ms();
	for (struct timer *t = u->timers; t; t = t->next)
		if (t->expire_ms >= 0 && t->expire_ms <= now) {
			t->expire_ms = -1;
			slirp_handle_timer(u->slirp, t->id, t->cb_opaque);
			break; /* the handler may re-arm or free timers: next round */
		}
}

static void be_input(void *be, const uint8_t *frame, size_t len)
{
	struct usernet *u = be;
	if (len < ETH_HLEN || len > NET_FRAME_MAX) {
		atomic_fetch_add_explicit(&u->dropped_bad, 1, memory_order_relaxed);
		return;
	}
	if (opens_flow(frame, len) && !admit_new_flow(u))
		return;
	atomic_fetch_add_explicit(&u->from_guest, 1, memory_order_relaxed);
	slirp_input(u->slirp, frame, (int)len);
}

static void be_free(void *be)
{
	usernet_free(be);
}

static const struct net_backend_ops usernet_ops = {
	.attach = be_attach,
	.fill = be_fill,
	.dispatch = be_dispatch,
	.input = be_input,
	.free = be_free,
};

void usernet_backend(struct usernet *u, struct net_backend *out)
{
	*out = (struct net_backend){ .ops = &usernet_ops, .be = u };
}

/* ---- start and stop ---- */

static unsigned default_max_sockets(void)
{
	struct rlimit rl;
	rlim_t soft = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		soft = rl.rlim_cur;
	/* At most half of the fd reserve the shares leave the VMM,
	 * max(64, RLIMIT_NOFILE / 4) (src/fs/limits.h). */
	rlim_t n = soft == RLIM_INFINITY ? USERNET_MAX_SOCKETS_CAP : soft / 8;
	if (n > USERNET_MAX_SOCKETS_CAP)
		n = USERNET_MAX_SOCKETS_CAP;
	if (n < MIN_SOCKETS)
		n = MIN_SOCKETS;
	return (unsigned)n;
}

/* ICMP echo needs an unprivileged ping socket: say once if they are refused. */
static void check_ping_sockets(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s >= 0) {
		close(s);
		return;
	}
	fprintf(stderr,
		"ckrun: ICMP echo (ping) from the guest will get no reply: this process may not open ping "
		"sockets (%s; its group must be within net.ipv4.ping_group_range, e.g. sysctl -w "
		"net.ipv4.ping_group_range=\"0 2147483647\")\n",
		strerror(errno));
}

void usernet_free(struct usernet *u)
{
	if (!u)
		return;
	if (u->slirp)
		slirp_cleanup(u->slirp); /* closes its sockets, frees its timers */
	while (u->timers) {
		struct timer *t = u->timers;
		u->timers = t->next;
		free(t);
	}
	free(u);
}

int usernet_new(const struct usernet_config *cfg, struct usernet **out)
{
	if (!cfg || !out || cfg->nr_fwds < 0 || cfg->nr_fwds > USERNET_MAX_FWDS || (cfg->nr_fwds && !cfg->fwds))
		return -EINVAL;
	*out = NULL;
	struct usernet *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	int err;

	SlirpConfig sc = { .version = 4 };
	sc.restricted = 0;
	sc.in_enabled = true;
	inet_pton(AF_INET, USERNET_NETWORK, &sc.vnetwork);
	inet_pton(AF_INET, USERNET_NETMASK, &sc.vnetmask);
	inet_pton(AF_INET, USERNET_GATEWAY, &sc.vhost);
	inet_pton(AF_INET, USERNET_GUEST_ADDR, &sc.vdhcp_start);
	inet_pton(AF_INET, USERNET_DNS, &sc.vnameserver);
	sc.in6_enabled = true;
	inet_pton(AF_INET6, USERNET_PREFIX6, &sc.vprefix_addr6);
	sc.vprefix_len = USERNET_PREFIX6_LEN;
	inet_pton(AF_INET6, USERNET_GATEWAY6, &sc.vhost6);
	inet_pton(AF_INET6, USERNET_DNS6, &sc.vnameserver6);
	sc.if_mtu = USERNET_MTU;
	sc.if_mru = USERNET_MTU;
	sc.disable_host_loopback = !cfg->host_loopback;
	sc.enable_emu = false; /* libslirp: "isn't safe" */

	u->slirp = slirp_new(&sc, &callbacks, u);
	if (!u->slirp) {
		err = -ENOMEM;
		goto fail;
	}

	struct in_addr any = { .s_addr = htonl(INADDR_ANY) }, guest;
	inet_pton(AF_INET, USERNET_GUEST_ADDR, &guest);
	for (int i = 0; i < cfg->nr_fwds; i++) {
		errno = 0;
		if (slirp_add_hostfwd(u->slirp, 0, any, cfg->fwds[i].host_port, guest, cfg->fwds[i].guest_port) < 0) {
			err = errno ? -errno : -EADDRINUSE;
			fprintf(stderr, "ckrun: port map %u:%u: cannot listen on host TCP port %u: %s\n",
				cfg->fwds[i].host_port, cfg->fwds[i].guest_port, cfg->fwds[i].host_port, strerror(-err));
			goto fail;
		}
	}
	if (cfg->warn_ping)
		check_ping_sockets();

	u->max_sockets = cfg->max_sockets ? cfg->max_sockets : default_max_sockets();
	u->baseline_sockets = count_sockets();
	*out = u;
	return 0;

fail:
	usernet_free(u);
	return err;
}

void usernet_get_stats(struct usernet *u, struct usernet_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!u)
		return;
	st->frames_from_guest = atomic_load(&u->from_guest);
	st->frames_to_guest = atomic_load(&u->to_guest);
	st->dropped_bad = atomic_load(&u->dropped_bad);
	st->dropped_limit = atomic_load(&u->dropped_limit);
	st->max_sockets = u->max_sockets;
}

#else /* !CKRUN_HAVE_SLIRP */

bool usernet_available(void)
{
	return false;
}

int usernet_new(const struct usernet_config *cfg, struct usernet **out)
{
	(void)cfg;
	(void)out;
	return -ENOTSUP;
}

void usernet_backend(struct usernet *u, struct net_backend *out)
{
	(void)u;
	*out = (struct net_backend){ .ops = NULL };
}

void usernet_free(struct usernet *u)
{
	(void)u;
}

void usernet_get_stats(struct usernet *u, struct usernet_stats *st)
{
	(void)u;
	memset(st, 0, sizeof(*st));
}

#endif
