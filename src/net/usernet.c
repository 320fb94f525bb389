/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user-mode network (see usernet.h): libslirp behind a datagram
 * socketpair, one poll loop on one thread.
 *
 * The loop, each round: libslirp lists the sockets it wants polled and the
 * time of its next TCP timer; we add the stop eventfd and the guest end of
 * the socketpair, poll, then (1) flush frames queued for the guest, (2) feed
 * up to FRAMES_PER_ROUND guest frames to the stack, (3) let the stack serve
 * its sockets, (4) fire due timers.
 *
 * Frames to the guest are sent without blocking; the socketpair holds what
 * its send buffer admits (net.core.wmem_max caps it), so bursts wait in a
 * bounded queue and the loop polls for POLLOUT; beyond the queue a frame is
 * dropped and counted (TCP resends it). The pure ACKs the stack answers a
 * batch of guest frames with are queued, not sent one by one: those that a
 * later frame of the same connection supersedes are dropped (tcp_ack.h) and
 * the rest leave in one sendmmsg call, at the end of the batch or before the
 * next frame of another kind (order is kept). Data frames still leave at
 * once, so the device delivers them while the stack makes more.
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
#include "net/tcp_ack.h"

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
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h> /* also found without pkg-config (meson.build) */

#define FRAMES_PER_ROUND 64
#define SEND_BATCH 64             /* frames per sendmmsg call */
#define OUTQ_LEN 256              /* frames waiting for the guest end */
#define FRAME_MAX 65536           /* larger datagrams are cut: counted as bad */
#define MIN_SOCKETS 16
#define SOCK_BUF (4 << 20)        /* socketpair buffers: a burst of full-size frames */

struct timer {
	struct timer *next;
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
};

struct frame {
	uint8_t *data;
	size_t len;
};

struct usernet {
	Slirp *slirp;
	int fd;      /* our end of the socketpair */
	int stop_fd;
	pthread_t thread;
	bool started;
	int (*thread_init)(void *);
	void *thread_arg;

	struct pollfd *pfds;
	size_t nr_pfds, cap_pfds;
	struct timer *timers;
	struct frame outq[OUTQ_LEN];
	unsigned outq_head, outq_len;
	uint8_t *rxbuf;
	bool batching; /* answers to guest frames go to outq first (tcp_ack.h) */

	unsigned max_sockets;
	long baseline_sockets; /* sockets open when the network started */
	unsigned sockets_ub;   /* upper bound of the sockets held now */
	uint64_t round, recount_round;

	_Atomic uint64_t from_guest, to_guest, dropped_to_guest, dropped_bad, dropped_limit, acks_thinned;
	atomic_bool running;
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

/* ---- the frame queue toward the guest ---- */

/* Send queued frames until the socket is full. */
static void outq_flush(struct usernet *u)
{
	while (u->outq_len) {
		struct mmsghdr mm[SEND_BATCH];
		struct iovec iov[SEND_BATCH];
		unsigned k;
		for (k = 0; k < u->outq_len && k < SEND_BATCH; k++) {
			struct frame *f = &u->outq[(u->outq_head + k) % OUTQ_LEN];
			iov[k] = (struct iovec){ .iov_base = f->data, .iov_len = f->len };
			mm[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[k], .msg_iovlen = 1 } };
		}
		int r = sendmmsg(u->fd, mm, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			return;
		if (r < 0)
			atomic_fetch_add(&u->dropped_to_guest, 1); /* the device end is gone: this frame */
		else
			atomic_fetch_add(&u->to_guest, (uint64_t)r);
		unsigned done = r < 0 ? 1 : (unsigned)r;
		for (unsigned i = 0; i < done; i++) {
			struct frame *f = &u->outq[u->outq_head];
			free(f->data);
			f->data = NULL;
			u->outq_head = (u->outq_head + 1) % OUTQ_LEN;
			u->outq_len--;
		}
		if (r >= 0 && (unsigned)r < k)
			return; /* the socket is full: POLLOUT resumes */
	}
}

/* Drop the queued pure ACKs a later queued frame supersedes, then send. */
static void outq_thin_flush(struct usernet *u)
{
	const uint8_t *frames[OUTQ_LEN];
	size_t lens[OUTQ_LEN];
	bool drop[OUTQ_LEN] = { false };
	unsigned n = u->outq_len;
	for (unsigned i = 0; i < n; i++) {
		struct frame *f = &u->outq[(u->outq_head + i) % OUTQ_LEN];
		frames[i] = f->data;
		lens[i] = f->len;
	}
	if (n > 1 && tcp_ack_thin(frames, lens, n, drop)) {
		unsigned kept = 0;
		for (unsigned i = 0; i < n; i++) {
			struct frame *f = &u->outq[(u->outq_head + i) % OUTQ_LEN];
			if (drop[i]) {
				free(f->data);
				atomic_fetch_add(&u->acks_thinned, 1);
				continue;
			}
			u->outq[(u->outq_head + kept++) % OUTQ_LEN] = *f;
		}
		for (unsigned i = kept; i < n; i++)
			u->outq[(u->outq_head + i) % OUTQ_LEN].data = NULL;
		u->outq_len = kept;
	}
	outq_flush(u);
}

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct usernet *u = opaque;
	/* In a batch, pure ACKs wait for the batch's end: later ones may supersede them. */
	bool hold = u->batching && tcp_ack_is_pure(buf, len);
	if (u->batching && u->outq_len == OUTQ_LEN)
		outq_thin_flush(u); /* make room: the batch so far leaves now */
	if (u->outq_len == 0 && !hold) {
		ssize_t n = send(u->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0) {
			atomic_fetch_add(&u->to_guest, 1);
			return (ssize_t)len;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
			atomic_fetch_add(&u->dropped_to_guest, 1);
			return (ssize_t)len;
		}
	}
	uint8_t *copy = u->outq_len < OUTQ_LEN ? malloc(len) : NULL;
	if (!copy) {
		/* As libslirp allows: TCP retransmits, the rest is datagrams. */
		atomic_fetch_add(&u->dropped_to_guest, 1);
		return (ssize_t)len;
	}
	memcpy(copy, buf, len);
	struct frame *f = &u->outq[(u->outq_head + u->outq_len) % OUTQ_LEN];
	f->data = copy;
	f->len = len;
	u->outq_len++;
	if (u->batching && !hold)
		outq_thin_flush(u); /* held ACKs, then this frame, in order */
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
	(void)opaque; /* the loop is the only caller of libslirp: nothing to wake */
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

static int pfd_add(struct usernet *u, int fd, short events)
{
	if (u->nr_pfds == u->cap_pfds) {
		size_t cap = u->cap_pfds ? u->cap_pfds * 2 : 64;
		struct pollfd *p = realloc(u->pfds, cap * sizeof(*p));
		if (!p)
			return -1;
		u->pfds = p;
		u->cap_pfds = cap;
	}
	u->pfds[u->nr_pfds] = (struct pollfd){ .fd = fd, .events = events };
	return (int)u->nr_pfds++;
}

static int cb_add_poll(int fd, int events, void *opaque)
{
	struct usernet *u = opaque;
	short ev = 0;
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	/* -1 (no room): libslirp then sees no events for this fd this round. */
	return pfd_add(u, fd, ev);
}

static int cb_get_revents(int idx, void *opaque)
{
	struct usernet *u = opaque;
	if (idx < 0 || (size_t)idx >= u->nr_pfds)
		return 0;
	short re = u->pfds[idx].revents;
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
	atomic_fetch_add(&u->dropped_limit, 1);
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

/* ---- the thread ---- */

static void read_guest_frames(struct usernet *u)
{
	u->batching = true;
	for (int i = 0; i < FRAMES_PER_ROUND; i++) {
		ssize_t n = recv(u->fd, u->rxbuf, FRAME_MAX, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			break; /* EAGAIN, or the device end is gone: the owner stops us */
		if (n < ETH_HLEN || n > FRAME_MAX) {
			atomic_fetch_add(&u->dropped_bad, 1);
			continue;
		}
		if (opens_flow(u->rxbuf, (size_t)n) && !admit_new_flow(u))
			continue;
		atomic_fetch_add(&u->from_guest, 1);
		slirp_input(u->slirp, u->rxbuf, (int)n);
	}
	u->batching = false;
	outq_thin_flush(u);
}

static void *usernet_thread(void *arg)
{
	struct usernet *u = arg;

	/* A name to tell it from the device workers in /proc (the bench's counters). */
	pthread_setname_np(pthread_self(), "ckrun-usernet");
	if (u->thread_init && u->thread_init(u->thread_arg)) {
		fprintf(stderr, "ckrun: the user-mode network could not drop its privileges; stopped\n");
		atomic_store(&u->running, false);
		return NULL;
	}
	for (;;) {
		uint32_t timeout = UINT32_MAX;
		u->round++;
		u->nr_pfds = 0;
		pfd_add(u, u->stop_fd, POLLIN); /* slots 0 and 1 exist from the start */
		pfd_add(u, u->fd, (short)((u->outq_len < OUTQ_LEN ? POLLIN : 0) | (u->outq_len ? POLLOUT : 0)));
		slirp_pollfds_fill(u->slirp, &timeout, cb_add_poll, u);

		int64_t now = now_ms();
		for (struct timer *t = u->timers; t; t = t->next)
			if (t->expire_ms >= 0) {
				int64_t left = t->expire_ms > now ? t->expire_ms - now : 0;
				if (left < (int64_t)timeout)
					timeout = (uint32_t)left;
			}
		int ms = timeout > INT_MAX ? -1 : (int)timeout;
		int r = poll(u->pfds, u->nr_pfds, ms);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && (u->pfds[0].revents & POLLIN))
			break;
		if (r > 0 && (u->pfds[1].revents & POLLOUT))
			outq_flush(u);
		if (r > 0 && (u->pfds[1].revents & POLLIN))
			read_guest_frames(u);
		slirp_pollfds_poll(u->slirp, r < 0, cb_get_revents, u);

		now = now_ms();
		for (struct timer *t = u->timers; t; t = t->next)
			if (t->expire_ms >= 0 && t->expire_ms <= now) {
				t->expire_ms = -1;
				slirp_handle_timer(u->slirp, t->id, t->cb_opaque);
				break; /* the handler may re-arm or free timers: next round */
			}
	}
	atomic_store(&u->running, false);
	return NULL;
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

static void set_bufs(int fd)
{
	int sz = SOCK_BUF;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

static void usernet_free(struct usernet *u)
{
	if (u->slirp)
		slirp_cleanup(u->slirp); /* closes its sockets, frees its timers */
	while (u->timers) {
		struct timer *t = u->timers;
		u->timers = t->next;
		free(t);
	}
	for (unsigned i = 0; i < u->outq_len; i++)
		free(u->outq[(u->outq_head + i) % OUTQ_LEN].data);
	if (u->fd >= 0)
		close(u->fd);
	if (u->stop_fd >= 0)
		close(u->stop_fd);
	free(u->pfds);
	free(u->rxbuf);
	free(u);
}

int usernet_start(const struct usernet_config *cfg, struct usernet **out, int *guest_fd)
{
	if (!cfg || !out || !guest_fd || cfg->nr_fwds < 0 || cfg->nr_fwds > USERNET_MAX_FWDS ||
	    (cfg->nr_fwds && !cfg->fwds))
		return -EINVAL;
	struct usernet *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->fd = u->stop_fd = -1;
	int sv[2] = { -1, -1 }, err;

	u->rxbuf = malloc(FRAME_MAX);
	u->cap_pfds = 64; /* the loop's own two slots never need a realloc */
	u->pfds = calloc(u->cap_pfds, sizeof(*u->pfds));
	if (!u->rxbuf || !u->pfds) {
		err = -ENOMEM;
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    (u->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		err = -errno;
		goto fail;
	}
	u->fd = sv[0];
	set_bufs(sv[0]);
	set_bufs(sv[1]);

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
	u->thread_init = cfg->thread_init;
	u->thread_arg = cfg->thread_arg;
	atomic_store(&u->running, true);

	/* The thread takes no signals: the embedder's handlers run elsewhere. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&u->thread, NULL, usernet_thread, u);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		atomic_store(&u->running, false);
		goto fail;
	}
	u->started = true;
	*out = u;
	*guest_fd = sv[1];
	return 0;

fail:
	if (sv[1] >= 0)
		close(sv[1]);
	if (u->fd < 0 && sv[0] >= 0)
		close(sv[0]);
	usernet_free(u);
	return err;
}

void usernet_stop(struct usernet *u)
{
	if (!u)
		return;
	if (u->started) {
		uint64_t one = 1;
		while (write(u->stop_fd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
		pthread_join(u->thread, NULL);
	}
	usernet_free(u);
}

void usernet_get_stats(struct usernet *u, struct usernet_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!u)
		return;
	st->frames_from_guest = atomic_load(&u->from_guest);
	st->frames_to_guest = atomic_load(&u->to_guest);
	st->dropped_to_guest = atomic_load(&u->dropped_to_guest);
	st->dropped_bad = atomic_load(&u->dropped_bad);
	st->dropped_limit = atomic_load(&u->dropped_limit);
	st->acks_thinned = atomic_load(&u->acks_thinned);
	st->max_sockets = u->max_sockets;
	st->running = atomic_load(&u->running);
}

#else /* !CKRUN_HAVE_SLIRP */

bool usernet_available(void)
{
	return false;
}

int usernet_start(const struct usernet_config *cfg, struct usernet **out, int *guest_fd)
{
	(void)cfg;
	(void)out;
	(void)guest_fd;
	return -ENOTSUP;
}

void usernet_stop(struct usernet *u)
{
	(void)u;
}

void usernet_get_stats(struct usernet *u, struct usernet_stats *st)
{
	(void)u;
	memset(st, 0, sizeof(*st));
}

#endif
