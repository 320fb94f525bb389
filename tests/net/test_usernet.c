/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user-mode network without a VM: a small harness plays the virtio-net
 * worker (one thread driving the backend interface, net/backend.h, the way
 * src/virtio/net.c does) and passes frames over a socketpair, on whose other
 * end the test is the guest, sending hand-built Ethernet frames and reading
 * the stack's. Every address involved is the test host's loopback or the
 * stack's virtual network; nothing leaves the machine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/peer.h"
#include "net/usernet.h"

/* ---- the harness: the device worker's part, on a socketpair ---- */

struct harness {
	struct usernet *u;
	struct net_backend be;
	int fd; /* the harness's end */
	int stop_fd;
	pthread_t th;
	struct net_pollset ps;
	bool input_off; /* fill with want_input false (the device's back-pressure) */
	uint8_t buf[NET_FRAME_MAX + 4096]; /* an oversized test frame fits whole */
};

static void h_deliver(void *dev, const uint8_t *frame, size_t len)
{
	struct harness *h = dev;
	ssize_t r = send(h->fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)r; /* a full socketpair loses the frame, as a full device queue would */
}

static void *h_thread(void *arg)
{
	struct harness *h = arg;
	for (;;) {
		int timeout = -1;
		h->ps.nr = 0;
		/* No cmocka asserts on this thread: slots 0 and 1 are checked by the test's own polls. */
		net_pollset_add(&h->ps, h->stop_fd, POLLIN);
		net_pollset_add(&h->ps, h->fd, POLLIN);
		h->be.ops->fill(h->be.be, &h->ps, &timeout, !__atomic_load_n(&h->input_off, __ATOMIC_RELAXED));
		if (poll(h->ps.fds, h->ps.nr, timeout) < 0)
			continue;
		if (h->ps.fds[0].revents)
			break;
		if (h->ps.fds[1].revents & POLLIN)
			for (int i = 0; i < 64; i++) {
				ssize_t n = recv(h->fd, h->buf, sizeof(h->buf), MSG_DONTWAIT);
				if (n < 0)
					break;
				h->be.ops->input(h->be.be, h->buf, (size_t)n);
			}
		h->be.ops->dispatch(h->be.be, &h->ps);
	}
	return NULL;
}

/* Take u and run it; *gfd: the guest's end of the socketpair. */
static struct harness *harness_start(struct usernet *u, int *gfd)
{
	struct harness *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	int sz = 4 << 20;
	for (int i = 0; i < 2; i++) {
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	h->u = u;
	h->fd = sv[0];
	*gfd = sv[1];
	h->stop_fd = eventfd(0, EFD_CLOEXEC);
	assert_true(h->stop_fd >= 0);
	usernet_backend(u, &h->be);
	assert_non_null(h->be.ops);
	h->be.ops->attach(h->be.be, h_deliver, h);
	assert_int_equal(pthread_create(&h->th, NULL, h_thread, h), 0);
	return h;
}

/* Stop the harness's thread and free the network with it. */
static void harness_stop(struct harness *h)
{
	uint64_t one = 1;
	assert_int_equal(write(h->stop_fd, &one, sizeof(one)), (ssize_t)sizeof(one));
	pthread_join(h->th, NULL);
	h->be.ops->free(h->be.be);
	net_pollset_free(&h->ps);
	close(h->fd);
	close(h->stop_fd);
	free(h);
}

/* usernet_new + harness_start, which must work. */
static struct harness *start_net(const struct usernet_config *c, int *gfd)
{
	struct usernet *u;
	assert_int_equal(usernet_new(c, &u), 0);
	return harness_start(u, gfd);
}

static const uint8_t guest_mac[ETH_ALEN] = { 0x5a, 0x94, 0xef, 0xe4, 0x0c, 0xee };

static long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;
	struct dirent *e;
	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

static uint32_t addr(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static uint16_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t csum(const void *data, size_t len)
{
	return htons((uint16_t)~csum_add(0, data, len));
}

/* TCP/UDP checksum over the IPv4 pseudo-header and the segment. */
static uint16_t l4_csum(const struct iphdr *ip, const void *seg, size_t len)
{
	uint8_t ph[12];
	memcpy(ph, &ip->saddr, 4);
	memcpy(ph + 4, &ip->daddr, 4);
	ph[8] = 0;
	ph[9] = ip->protocol;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	uint32_t s = csum_add(0, ph, sizeof(ph));
	return htons((uint16_t)~csum_add(s, seg, len));
}

/* An IPv4 frame from the guest: Ethernet + IP header around payload (an L4 header and data). */
static size_t ip_frame(uint8_t *buf, uint8_t proto, uint32_t src, uint32_t dst, const void *l4, size_t l4len)
{
	struct ethhdr eh;
	memset(eh.h_dest, 0xff, ETH_ALEN); /* the stack accepts any destination MAC */
	memcpy(eh.h_source, guest_mac, ETH_ALEN);
	eh.h_proto = htons(ETH_P_IP);
	struct iphdr ip = { .version = 4, .ihl = 5, .ttl = 64, .protocol = proto, .saddr = src, .daddr = dst };
	ip.tot_len = htons((uint16_t)(sizeof(ip) + l4len));
	ip.id = htons(1);
	ip.check = csum(&ip, sizeof(ip));
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), &ip, sizeof(ip));
	memcpy(buf + sizeof(eh) + sizeof(ip), l4, l4len);
	uint8_t *seg = buf + sizeof(eh) + sizeof(ip); /* 2 bytes off 4-byte alignment: memcpy only */
	size_t at = proto == IPPROTO_TCP ? offsetof(struct tcphdr, check)
		    : proto == IPPROTO_UDP ? offsetof(struct udphdr, check)
					   : offsetof(struct icmphdr, checksum);
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_ICMP) {
		uint16_t ck = 0;
		memcpy(seg + at, &ck, sizeof(ck));
		ck = proto == IPPROTO_ICMP ? csum(seg, l4len) : l4_csum(&ip, seg, l4len);
		memcpy(seg + at, &ck, sizeof(ck));
	}
	return sizeof(eh) + sizeof(ip) + l4len;
}

static void send_syn(int fd, uint16_t sport, const char *dst, uint16_t dport)
{
	struct tcphdr th = { 0 };
	th.source = htons(sport);
	th.dest = htons(dport);
	th.seq = htonl(1000);
	th.doff = 5;
	th.syn = 1;
	th.window = htons(65535);
	uint8_t buf[128];
	size_t n = ip_frame(buf, IPPROTO_TCP, addr(USERNET_GUEST_ADDR), addr(dst), &th, sizeof(th));
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
}

static void send_udp(int fd, uint16_t sport, const char *dst, uint16_t dport)
{
	uint8_t seg[sizeof(struct udphdr) + 4] = { 0 };
	struct udphdr uh = { .source = htons(sport), .dest = htons(dport), .len = htons(sizeof(seg)) };
	memcpy(seg, &uh, sizeof(uh));
	memcpy(seg + sizeof(uh), "ping", 4);
	uint8_t buf[128];
	size_t n = ip_frame(buf, IPPROTO_UDP, addr(USERNET_GUEST_ADDR), addr(dst), seg, sizeof(seg));
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
}

/* ARP request "who has 10.0.2.2, tell 10.0.2.15": also teaches the stack the guest's MAC. */
static void send_arp_request(int fd)
{
	uint8_t buf[sizeof(struct ethhdr) + sizeof(struct ether_arp)];
	struct ethhdr eh;
	memset(eh.h_dest, 0xff, ETH_ALEN);
	memcpy(eh.h_source, guest_mac, ETH_ALEN);
	eh.h_proto = htons(ETH_P_ARP);
	struct ether_arp a = { 0 };
	a.arp_hrd = htons(ARPHRD_ETHER);
	a.arp_pro = htons(ETH_P_IP);
	a.arp_hln = ETH_ALEN;
	a.arp_pln = 4;
	a.arp_op = htons(ARPOP_REQUEST);
	memcpy(a.arp_sha, guest_mac, ETH_ALEN);
	uint32_t spa = addr(USERNET_GUEST_ADDR), tpa = addr(USERNET_GATEWAY);
	memcpy(a.arp_spa, &spa, 4);
	memcpy(a.arp_tpa, &tpa, 4);
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), &a, sizeof(a));
	assert_int_equal(send(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
}

typedef bool (*frame_match)(const uint8_t *f, size_t len, void *arg);

/* Read frames from the stack until one matches (true) or timeout_ms passes (false). */
static bool wait_frame(int fd, frame_match m, void *arg, int timeout_ms, uint8_t *out, size_t *out_len)
{
	static uint8_t buf[65536];
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return false;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			continue;
		if (m(buf, (size_t)n, arg)) {
			if (out) {
				memcpy(out, buf, (size_t)n);
				*out_len = (size_t)n;
			}
			return true;
		}
	}
}

static bool is_arp_reply_from_gateway(const uint8_t *f, size_t len, void *arg)
{
	(void)arg;
	struct ethhdr eh;
	struct ether_arp a;
	if (len < sizeof(eh) + sizeof(a))
		return false;
	memcpy(&eh, f, sizeof(eh));
	memcpy(&a, f + sizeof(eh), sizeof(a));
	uint32_t gw = addr(USERNET_GATEWAY);
	return ntohs(eh.h_proto) == ETH_P_ARP && ntohs(a.arp_op) == ARPOP_REPLY && memcmp(a.arp_spa, &gw, 4) == 0 &&
	       memcmp(eh.h_dest, guest_mac, ETH_ALEN) == 0;
}

struct tcp_want {
	uint16_t dport; /* toward the guest */
	bool syn, ack, rst;
	uint16_t got_sport;
};

static bool is_tcp_to_guest(const uint8_t *f, size_t len, void *arg)
{
	struct tcp_want *w = arg;
	struct ethhdr eh;
	struct iphdr ip;
	struct tcphdr th;
	if (len < sizeof(eh) + sizeof(ip) + sizeof(th))
		return false;
	memcpy(&eh, f, sizeof(eh));
	memcpy(&ip, f + sizeof(eh), sizeof(ip));
	if (ntohs(eh.h_proto) != ETH_P_IP || ip.protocol != IPPROTO_TCP || ip.daddr != addr(USERNET_GUEST_ADDR))
		return false;
	memcpy(&th, f + sizeof(eh) + (size_t)ip.ihl * 4, sizeof(th));
	if (ntohs(th.dest) != w->dport)
		return false;
	if ((bool)th.syn != w->syn || (bool)th.ack != w->ack || (bool)th.rst != w->rst)
		return false;
	w->got_sport = ntohs(th.source);
	return true;
}

/* A free TCP port on the loopback (a race with other processes is harmless here: a test fails). */
static uint16_t free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &l), 0);
	close(s);
	return ntohs(a.sin_port);
}

/* A non-blocking connect to 127.0.0.1:port, under way or done. */
static int connect_loopback_nb(uint16_t port)
{
	int cs = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int r = connect(cs, (struct sockaddr *)&a, sizeof(a));
	assert_true(r == 0 || errno == EINPROGRESS);
	return cs;
}

static int loopback_listener(uint16_t *port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s, 256), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &l), 0);
	*port = ntohs(a.sin_port);
	return s;
}

/* ---- tests ---- */

static void test_start_stop_clean(void **state)
{
	(void)state;
	long before = count_fds();
	for (int i = 0; i < 3; i++) {
		int gfd;
		struct usernet_config c = { 0 };
		struct harness *h = start_net(&c, &gfd);
		struct usernet_stats st;
		usernet_get_stats(h->u, &st);
		assert_true(st.max_sockets >= 16);
		harness_stop(h);
		close(gfd);
		/* Never given to a device: freed by its creator. */
		struct usernet *u;
		assert_int_equal(usernet_new(&c, &u), 0);
		usernet_free(u);
	}
	assert_int_equal(count_fds(), before);
	usernet_free(NULL);
}

static void test_arp_answered(void **state)
{
	(void)state;
	int gfd;
	struct usernet_config c = { 0 };
	struct harness *h = start_net(&c, &gfd);
	send_arp_request(gfd);
	assert_true(wait_frame(gfd, is_arp_reply_from_gateway, NULL, 2000, NULL, NULL));
	harness_stop(h);
	close(gfd);
}

/* DHCP (RFC 2131) has no system header: the few fixed offsets of a BOOTP message, spelled here. */
enum { BOOTP_OP = 0, BOOTP_HTYPE = 1, BOOTP_HLEN = 2, BOOTP_XID = 4, BOOTP_FLAGS = 10, BOOTP_YIADDR = 16,
       BOOTP_CHADDR = 28, BOOTP_COOKIE = 236, BOOTP_OPTIONS = 240 };

static bool is_dhcp_offer(const uint8_t *f, size_t len, void *arg)
{
	uint32_t *yiaddr = arg;
	struct ethhdr eh;
	struct iphdr ip;
	struct udphdr uh;
	size_t off = sizeof(eh);
	if (len < off + sizeof(ip))
		return false;
	memcpy(&eh, f, sizeof(eh));
	memcpy(&ip, f + off, sizeof(ip));
	if (ntohs(eh.h_proto) != ETH_P_IP || ip.protocol != IPPROTO_UDP)
		return false;
	off += (size_t)ip.ihl * 4;
	if (len < off + sizeof(uh) + BOOTP_OPTIONS + 3)
		return false;
	memcpy(&uh, f + off, sizeof(uh));
	if (ntohs(uh.dest) != 68)
		return false;
	const uint8_t *b = f + off + sizeof(uh);
	if (b[BOOTP_OP] != 2 || memcmp(b + BOOTP_XID, "\x12\x34\x56\x78", 4) != 0)
		return false;
	/* option 53 (message type) = 2 (OFFER) comes first in libslirp's reply */
	if (b[BOOTP_OPTIONS] != 53 || b[BOOTP_OPTIONS + 2] != 2)
		return false;
	memcpy(yiaddr, b + BOOTP_YIADDR, 4);
	return true;
}

static void test_dhcp_offer(void **state)
{
	(void)state;
	int gfd;
	struct usernet_config c = { 0 };
	struct harness *h = start_net(&c, &gfd);

	uint8_t seg[sizeof(struct udphdr) + 300] = { 0 };
	struct udphdr uh = { .source = htons(68), .dest = htons(67), .len = htons(sizeof(seg)) };
	memcpy(seg, &uh, sizeof(uh));
	uint8_t *b = seg + sizeof(uh);
	b[BOOTP_OP] = 1;
	b[BOOTP_HTYPE] = 1;
	b[BOOTP_HLEN] = ETH_ALEN;
	memcpy(b + BOOTP_XID, "\x12\x34\x56\x78", 4);
	b[BOOTP_FLAGS] = 0x80; /* broadcast */
	memcpy(b + BOOTP_CHADDR, guest_mac, ETH_ALEN);
	memcpy(b + BOOTP_COOKIE, "\x63\x82\x53\x63", 4);
	uint8_t opts[] = { 53, 1, 1, 255 }; /* DISCOVER */
	memcpy(b + BOOTP_OPTIONS, opts, sizeof(opts));
	uint8_t buf[512];
	size_t n = ip_frame(buf, IPPROTO_UDP, 0, 0xffffffff, seg, sizeof(seg));
	assert_int_equal(send(gfd, buf, n, 0), (ssize_t)n);

	uint32_t yiaddr = 0;
	assert_true(wait_frame(gfd, is_dhcp_offer, &yiaddr, 2000, NULL, NULL));
	assert_int_equal(yiaddr, addr(USERNET_GUEST_ADDR));
	harness_stop(h);
	close(gfd);
}

static void test_hostfwd_syn_to_guest(void **state)
{
	(void)state;
	uint16_t hp = free_port();
	struct usernet_fwd fw = { .host_port = hp, .guest_port = 80 };
	struct usernet_config c = { .fwds = &fw, .nr_fwds = 1 };
	int gfd;
	struct harness *h = start_net(&c, &gfd);
	send_arp_request(gfd); /* the stack learns the guest's MAC */
	assert_true(wait_frame(gfd, is_arp_reply_from_gateway, NULL, 2000, NULL, NULL));

	int cs = connect_loopback_nb(hp);
	struct tcp_want w = { .dport = 80, .syn = true };
	assert_true(wait_frame(gfd, is_tcp_to_guest, &w, 3000, NULL, NULL));

	/* The forward listens on every host address, as libkrun's TSI does for a guest listening on any. */
	struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons(hp), .sin_addr.s_addr = htonl(INADDR_ANY) };
	int bs = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(bs, (struct sockaddr *)&b, sizeof(b)), -1);
	assert_int_equal(errno, EADDRINUSE);
	close(bs);
	close(cs);
	harness_stop(h);
	close(gfd);
}

static void test_hostfwd_port_in_use(void **state)
{
	(void)state;
	uint16_t hp;
	int ls = loopback_listener(&hp);
	struct usernet_fwd fw[2] = { { .host_port = free_port(), .guest_port = 22 }, { .host_port = hp, .guest_port = 80 } };
	struct usernet_config c = { .fwds = fw, .nr_fwds = 2 };
	struct usernet *u = (struct usernet *)&c; /* must come back NULL */
	long before = count_fds();
	assert_int_equal(usernet_new(&c, &u), -EADDRINUSE);
	assert_null(u);
	assert_int_equal(count_fds(), before); /* the first forward's listener is gone too */
	close(ls);
}

/* Guest SYN to the gateway address at a port where a loopback server listens. */
static bool loopback_reachable(bool allow)
{
	uint16_t port;
	int ls = loopback_listener(&port);
	struct usernet_config c = { .host_loopback = allow };
	int gfd;
	struct harness *h = start_net(&c, &gfd);
	send_arp_request(gfd);
	assert_true(wait_frame(gfd, is_arp_reply_from_gateway, NULL, 2000, NULL, NULL));
	send_syn(gfd, 40000, USERNET_GATEWAY, port);

	struct pollfd p = { .fd = ls, .events = POLLIN };
	bool connected = poll(&p, 1, 1500) == 1;
	struct tcp_want synack = { .dport = 40000, .syn = true, .ack = true };
	bool got_synack = wait_frame(gfd, is_tcp_to_guest, &synack, connected ? 2000 : 300, NULL, NULL);
	assert_int_equal(connected, got_synack);
	harness_stop(h);
	close(gfd);
	close(ls);
	return connected;
}

static void test_loopback_denied_by_default(void **state)
{
	(void)state;
	assert_false(loopback_reachable(false));
}

static void test_loopback_when_allowed(void **state)
{
	(void)state;
	assert_true(loopback_reachable(true));
}

/* A TCP segment from the guest (sport -> 10.0.2.2:dport) with flags and data. */
static size_t tcp_frame(uint8_t *buf, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, bool syn,
			const uint8_t *data, size_t len)
{
	uint8_t seg[sizeof(struct tcphdr) + 1500];
	struct tcphdr th = { 0 };
	th.source = htons(sport);
	th.dest = htons(dport);
	th.seq = htonl(seq);
	th.ack_seq = htonl(ack);
	th.doff = 5;
	th.syn = syn;
	th.ack = !syn;
	th.window = htons(65535);
	assert_true(len <= 1500);
	memcpy(seg, &th, sizeof(th));
	if (len)
		memcpy(seg + sizeof(th), data, len);
	return ip_frame(buf, IPPROTO_TCP, addr(USERNET_GUEST_ADDR), addr(USERNET_GATEWAY), seg, sizeof(th) + len);
}

/* The TCP header of a frame toward the guest from port sport, or false. */
static bool tcp_from(const uint8_t *f, size_t len, uint16_t dport, struct tcphdr *th)
{
	struct ethhdr eh;
	struct iphdr ip;
	if (len < sizeof(eh) + sizeof(ip) + sizeof(*th))
		return false;
	memcpy(&eh, f, sizeof(eh));
	memcpy(&ip, f + sizeof(eh), sizeof(ip));
	if (ntohs(eh.h_proto) != ETH_P_IP || ip.protocol != IPPROTO_TCP || ip.daddr != addr(USERNET_GUEST_ADDR))
		return false;
	memcpy(th, f + sizeof(eh) + (size_t)ip.ihl * 4, sizeof(*th));
	return ntohs(th->dest) == dport;
}

/*
 * A guest upload: a burst of in-order segments handed over in one call. The
 * host peer gets every byte in order; the ACKs the guest sees only ever go
 * forward and end at the last byte.
 */
static void test_upload_burst(void **state)
{
	(void)state;
	uint16_t port;
	int ls = loopback_listener(&port);
	struct usernet_config c = { .host_loopback = true };
	int gfd;
	struct harness *h = start_net(&c, &gfd);
	send_arp_request(gfd);
	assert_true(wait_frame(gfd, is_arp_reply_from_gateway, NULL, 2000, NULL, NULL));

	const uint16_t sport = 41000;
	uint8_t f[2048];
	size_t fl;
	uint32_t iss = 5000;
	fl = tcp_frame(f, sport, port, iss, 0, true, NULL, 0);
	assert_int_equal(send(gfd, f, fl, 0), (ssize_t)fl);
	int hs = -1;
	struct pollfd p = { .fd = ls, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 3000), 1);
	hs = accept(ls, NULL, NULL);
	assert_true(hs >= 0);
	struct tcp_want w = { .dport = sport, .syn = true, .ack = true };
	uint8_t out[2048];
	size_t outl;
	assert_true(wait_frame(gfd, is_tcp_to_guest, &w, 3000, out, &outl));
	struct tcphdr sa;
	assert_true(tcp_from(out, outl, sport, &sa));
	uint32_t rseq = ntohl(sa.seq) + 1;
	fl = tcp_frame(f, sport, port, iss + 1, rseq, false, NULL, 0);
	assert_int_equal(send(gfd, f, fl, 0), (ssize_t)fl);

	/* Within the stack's advertised window, in one sendmmsg. */
	enum { SEG = 1000, NSEG = 32 };
	size_t window = ntohs(sa.window);
	int nseg = (int)(window / SEG < NSEG ? window / SEG : NSEG);
	assert_true(nseg >= 8);
	static uint8_t frames[NSEG][2048];
	struct mmsghdr mm[NSEG];
	struct iovec iov[NSEG];
	uint8_t data[SEG];
	for (int i = 0; i < nseg; i++) {
		for (int b = 0; b < SEG; b++)
			data[b] = (uint8_t)(i * 31 + b);
		size_t l = tcp_frame(frames[i], sport, port, iss + 1 + (uint32_t)(i * SEG), rseq, false, data, SEG);
		iov[i] = (struct iovec){ .iov_base = frames[i], .iov_len = l };
		mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	assert_int_equal(sendmmsg(gfd, mm, (unsigned)nseg, 0), nseg);

	/* Every byte arrives at the host, in order. */
	size_t total = (size_t)nseg * SEG, got = 0;
	uint8_t rb[4096];
	while (got < total) {
		p = (struct pollfd){ .fd = hs, .events = POLLIN };
		assert_int_equal(poll(&p, 1, 3000), 1);
		ssize_t n = recv(hs, rb, sizeof(rb), 0);
		assert_true(n > 0);
		for (ssize_t k = 0; k < n; k++, got++)
			assert_int_equal(rb[k], (uint8_t)((got / SEG) * 31 + got % SEG));
	}
	/* The guest's ACKs: strictly increasing, the last covering everything. */
	uint32_t last = iss + 1, want = iss + 1 + (uint32_t)total;
	int acks = 0;
	while (last != want) {
		struct pollfd q = { .fd = gfd, .events = POLLIN };
		assert_int_equal(poll(&q, 1, 3000), 1);
		ssize_t n = recv(gfd, out, sizeof(out), 0);
		struct tcphdr th;
		if (n <= 0 || !tcp_from(out, (size_t)n, sport, &th))
			continue;
		uint32_t a = ntohl(th.ack_seq);
		assert_true((int32_t)(a - last) > 0);
		last = a;
		acks++;
	}
	struct usernet_stats st;
	usernet_get_stats(h->u, &st);
	print_message("upload: %d segments, %d ACKs to the guest\n", nseg, acks);
	assert_true(st.frames_from_guest >= (uint64_t)nseg + 3); /* ARP, SYN, ACK, the burst */
	assert_true(acks >= 1);
	close(hs);
	harness_stop(h);
	close(gfd);
	close(ls);
}

/* A guest opening flows as fast as it can: the sockets held stay within the bound. */
static void test_flood_bounded(void **state)
{
	(void)state;
	uint16_t port;
	int ls = loopback_listener(&port); /* never accepts: every connection stays open */
	const unsigned max = 16;
	struct usernet_config c = { .host_loopback = true, .max_sockets = max };
	int gfd;
	struct harness *h = start_net(&c, &gfd);
	long base = count_fds();
	send_arp_request(gfd);
	assert_true(wait_frame(gfd, is_arp_reply_from_gateway, NULL, 2000, NULL, NULL));

	const int n = 200;
	for (int i = 0; i < n; i++) {
		if (i % 3 == 0)
			send_udp(gfd, (uint16_t)(20000 + i), USERNET_GATEWAY, port);
		else
			send_syn(gfd, (uint16_t)(30000 + i), USERNET_GATEWAY, port);
		if (i % 8 == 0)
			usleep(2000); /* let the loop run rounds in between */
	}
	/* Wait until every frame has been handled: admitted + refused = sent. */
	struct usernet_stats st;
	for (int t = 0; t < 300; t++) {
		usernet_get_stats(h->u, &st);
		if (st.frames_from_guest - 1 + st.dropped_limit >= (uint64_t)n)
			break;
		usleep(10000);
	}
	assert_int_equal(st.frames_from_guest - 1 + st.dropped_limit, n);
	long held = count_fds() - base;
	print_message("flood: %d flows sent, %llu refused at the bound of %u, %ld fds held\n", n,
		      (unsigned long long)st.dropped_limit, st.max_sockets, held);
	assert_int_equal(st.max_sockets, max);
	assert_true(st.dropped_limit >= (uint64_t)(n - (int)max));
	assert_true(held <= (long)max);
	assert_true(held > 0);

	harness_stop(h);
	close(gfd);
	close(ls);
}

/* Frames the stack cannot use are counted, and it keeps answering. */
static void test_bad_frames(void **state)
{
	(void)state;
	int gfd;
	struct usernet_config c = { 0 };
	struct harness *h = start_net(&c, &gfd);
	uint8_t junk[70000];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7);
	assert_int_equal(send(gfd, junk, 0, 0), 0);                /* empty */
	assert_int_equal(send(gfd, junk, 5, 0), 5);                /* runt */
	assert_int_equal(send(gfd, junk, 66000, 0), 66000);        /* oversized */
	for (size_t len = 14; len < 200; len += 3)                 /* garbage of every small length */
		assert_int_equal(send(gfd, junk, len, 0), (ssize_t)len);
	send_arp_request(gfd);
	assert_true(wait_frame(gfd, is_arp_reply_from_gateway, NULL, 2000, NULL, NULL));
	struct usernet_stats st;
	usernet_get_stats(h->u, &st);
	assert_int_equal(st.dropped_bad, 3);
	harness_stop(h);
	close(gfd);
}

/*
 * Back-pressure: while the device holds frames the guest has no room for
 * (fill's want_input false), the stack waits for no input at all, so a host
 * connection to a forward is not even accepted; once the guest catches up it
 * is, and its SYN reaches the guest.
 */
static void test_no_input_while_held(void **state)
{
	(void)state;
	uint16_t hp = free_port();
	struct usernet_fwd fw = { .host_port = hp, .guest_port = 80 };
	struct usernet_config c = { .fwds = &fw, .nr_fwds = 1 };
	struct usernet *u;
	assert_int_equal(usernet_new(&c, &u), 0);

	/* What fill asks to poll, with and without input. */
	struct net_backend be;
	usernet_backend(u, &be);
	struct net_pollset ps = { 0 };
	int timeout = -1;
	be.ops->fill(be.be, &ps, &timeout, true);
	bool listen_polled = false;
	for (size_t i = 0; i < ps.nr; i++)
		listen_polled |= (ps.fds[i].events & POLLIN) != 0;
	assert_true(listen_polled);
	ps.nr = 0;
	be.ops->fill(be.be, &ps, &timeout, false);
	for (size_t i = 0; i < ps.nr; i++)
		assert_int_equal(ps.fds[i].events & (POLLIN | POLLPRI), 0);
	net_pollset_free(&ps);

	int gfd;
	struct harness *h = harness_start(u, &gfd);
	__atomic_store_n(&h->input_off, true, __ATOMIC_RELAXED);
	send_arp_request(gfd); /* a round with input off, and the stack learns the guest's MAC */
	assert_true(wait_frame(gfd, is_arp_reply_from_gateway, NULL, 2000, NULL, NULL));

	int cs = connect_loopback_nb(hp);
	struct tcp_want w = { .dport = 80, .syn = true };
	assert_false(wait_frame(gfd, is_tcp_to_guest, &w, 500, NULL, NULL));

	__atomic_store_n(&h->input_off, false, __ATOMIC_RELAXED);
	send_arp_request(gfd); /* wake the harness: its next round polls for input */
	assert_true(wait_frame(gfd, is_tcp_to_guest, &w, 3000, NULL, NULL));
	close(cs);
	harness_stop(h);
	close(gfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_stop_clean),
		cmocka_unit_test(test_arp_answered),
		cmocka_unit_test(test_dhcp_offer),
		cmocka_unit_test(test_hostfwd_syn_to_guest),
		cmocka_unit_test(test_hostfwd_port_in_use),
		cmocka_unit_test(test_loopback_denied_by_default),
		cmocka_unit_test(test_loopback_when_allowed),
		cmocka_unit_test(test_upload_burst),
		cmocka_unit_test(test_flood_bounded),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_no_input_while_held),
	};
	if (!usernet_available()) {
		/* A build without libslirp: the stub must refuse, never pretend. */
		struct usernet_config c = { 0 };
		struct usernet *u;
		return usernet_new(&c, &u) == -ENOTSUP ? 0 : 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
