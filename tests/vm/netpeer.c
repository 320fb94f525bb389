// SPDX-License-Identifier: Apache-2.0
/*
 * A network VM test through libkrun's API: boots a guest with one virtio-net
 * device on the backend MODE; the guest puts 192.168.127.2/24 on eth0 (as
 * go-microvm's guest does), checks its MAC and pings 192.168.127.1 (3 small
 * pings, 2 of 1,514-byte frames), while
 * the host side pings the guest. Traffic goes both ways and is counted on
 * the host side. Nothing leaves the machine: the socket modes carry frames
 * to this process only; tap mode runs in a private network namespace.
 *
 * Modes (the peer of the socket modes answers ARP and ICMP echo for .1 and
 * sends echo requests to .2 itself):
 *   stream       krun_add_net_unixstream(fd of a socketpair, flags 0) - go-microvm's call
 *   passt-fd     krun_set_passt_fd(fd) (legacy: MAC 5a:94:ef:e4:0c:ee)
 *   stream-path  krun_add_net_unixstream(path) to a listening socket here
 *   dgram        krun_add_net_unixgram(fd of a SOCK_DGRAM socketpair), then a
 *                second device (unixstream, MAC ...:01, unanswered) that must be eth1
 *   dgram-path   krun_add_net_unixgram(path, flags 0): no greeting may come
 *   vfkit        krun_add_net_unixgram(path, NET_FLAG_VFKIT): "VFKT" must come first
 *   hostile      stream, then the peer misbehaves after the guest's 5 pings: a
 *                length of 0, a 9000-byte junk frame (taken into mergeable
 *                buffers, dropped by the guest's IP layer), a length of 2^31,
 *                close; the guest's next pings must fail and the VM end
 *                normally (the loss report is on stderr)
 * In modes stream and dgram the guest also sets MTU 9000 and pings with
 * 8000 bytes: 8042-byte frames both ways in one piece (mergeable receive
 * buffers); the peer counts the frames above 1514 bytes it gets.
 *   tap          krun_add_net_tap("cktap0"): a tap with 192.168.127.1/24 in a
 *                private netns; the test host's kernel answers, a raw socket pings
 *   tap-offload  krun_add_net_tap("cktap0", COMPAT_NET_FEATURES | GUEST_TSO6 |
 *                HOST_TSO6): the guest (/tap-guest.sh in ROOTDIR, from
 *                tests/vm/net/tap-guest.sh) checks the negotiated offload
 *                bits, fetches TAP_BULK bytes from a server here and sends as
 *                many back, both compared with the pattern both sides make;
 *                at least 10 frames above 1,514 bytes must cross the tap
 *                each way (segmentation offloaded to the host kernel)
 *   tap-bulk     the same with features 0: no offload bit may be negotiated
 *                and no frame be longer than 1,514 bytes
 *   tap-qemu     the tap-offload workload with QEMU as the VMM instead of ckrun
 *                (ROOTDIR is then an initrd whose /init.tap runs tap-guest.sh):
 *                qemu-system-x86_64 -accel kvm -cpu host with -netdev
 *                tap,vnet_hdr=on on the same tap and a virtio-net-device; the
 *                comparison of tests/vm/cases/tap-upload-loop.sh
 * With NETPEER_IPERF3=PATH and NETPEER_IPERF_SECS=N (the bench, bench/net-tap.sh)
 * the tap modes also run PATH -s here and the guest iperf3 -c for N s each way.
 * Usage: netpeer MODE KERNEL ROOTDIR SCRATCHDIR
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <linux/if_tun.h>

#include "ckrun.h"
#include "libkrun.h"

#define GUEST_IP "192.168.127.2"
#define HOST_IP "192.168.127.1"
#define TAP_NAME "cktap0"
#define PING_ID 0x4b52

static uint8_t guest_mac[6] = { 0x02, 0x4b, 0x72, 0x75, 0x6e, 0x00 }; /* go-microvm's */
static const uint8_t legacy_mac[6] = { 0x5a, 0x94, 0xef, 0xe4, 0x0c, 0xee };
static uint8_t second_mac[6] = { 0x02, 0x4b, 0x72, 0x75, 0x6e, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

struct peer {
	int fd;
	bool stream;
	bool dgram_path; /* recvfrom/sendto with a learnt address */
	bool want_vfkit;
	int listen_fd;   /* stream-path: accept first */
	struct sockaddr_un to;
	socklen_t to_len;
	bool have_to;
	atomic_bool stop;
	/* results */
	bool greeting_ok, greeting_bad;
	int big_frames_in; /* longer than 1514 bytes: the big ping's requests */
	int arp_replies, echo_answered, pings_sent, pings_answered, frames_in, wrong_mac;
	bool know_guest;
	bool hostile, junk_sent;
	int spare[2];    /* dgram: the second device's socketpair */
	uint8_t seen_mac[6];
};

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)(b[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t r = read(fd, p, len);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static void send_frame(struct peer *p, const void *f, size_t len)
{
	if (p->stream) {
		uint32_t be = htonl((uint32_t)len);
		if (write_all(p->fd, &be, 4) == 0)
			write_all(p->fd, f, len);
	} else if (p->dgram_path) {
		if (p->have_to)
			sendto(p->fd, f, len, 0, (struct sockaddr *)&p->to, p->to_len);
	} else {
		send(p->fd, f, len, 0);
	}
}

static void send_ping(struct peer *p, uint16_t seq)
{
	uint8_t f[14 + 20 + 8 + 32];
	struct ether_header *eh = (void *)f;
	struct iphdr *ip = (void *)(f + 14);
	struct icmphdr *ic = (void *)(f + 34);
	memset(f, 0, sizeof(f));
	memcpy(eh->ether_dhost, p->seen_mac, 6);
	memcpy(eh->ether_shost, peer_mac, 6);
	eh->ether_type = htons(ETHERTYPE_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(20 + 8 + 32);
	ip->ttl = 64;
	ip->protocol = IPPROTO_ICMP;
	ip->saddr = inet_addr(HOST_IP);
	ip->daddr = inet_addr(GUEST_IP);
	ip->check = csum(ip, 20);
	ic->type = ICMP_ECHO;
	ic->un.echo.id = htons(PING_ID);
	ic->un.echo.sequence = htons(seq);
	memset(f + 42, 0xa5, 32);
	ic->checksum = csum(ic, 8 + 32);
	send_frame(p, f, sizeof(f));
	p->pings_sent++;
}

static void handle_frame(struct peer *p, uint8_t *f, size_t len)
{
	p->frames_in++;
	if (len > ETH_FRAME_LEN)
		p->big_frames_in++;
	if (len < sizeof(struct ether_header))
		return;
	struct ether_header *eh = (void *)f;
	uint16_t type = ntohs(eh->ether_type);
	if (type == ETHERTYPE_ARP && len >= 14 + sizeof(struct ether_arp)) {
		struct ether_arp *a = (void *)(f + 14);
		if (ntohs(a->ea_hdr.ar_op) != ARPOP_REQUEST || memcmp(a->arp_tpa, &(in_addr_t){ inet_addr(HOST_IP) }, 4))
			return;
		if (memcmp(eh->ether_shost, guest_mac, 6))
			p->wrong_mac++;
		memcpy(p->seen_mac, eh->ether_shost, 6);
		p->know_guest = true;
		uint8_t r[14 + sizeof(struct ether_arp)];
		struct ether_header *rh = (void *)r;
		struct ether_arp *ra = (void *)(r + 14);
		memcpy(rh->ether_dhost, eh->ether_shost, 6);
		memcpy(rh->ether_shost, peer_mac, 6);
		rh->ether_type = htons(ETHERTYPE_ARP);
		*ra = *a;
		ra->ea_hdr.ar_op = htons(ARPOP_REPLY);
		memcpy(ra->arp_sha, peer_mac, 6);
		memcpy(ra->arp_spa, a->arp_tpa, 4);
		memcpy(ra->arp_tha, a->arp_sha, 6);
		memcpy(ra->arp_tpa, a->arp_spa, 4);
		send_frame(p, r, sizeof(r));
		p->arp_replies++;
		return;
	}
	if (type != ETHERTYPE_IP || len < 14 + 20 + 8)
		return;
	struct iphdr *ip = (void *)(f + 14);
	size_t ihl = (size_t)ip->ihl * 4;
	size_t tot = ntohs(ip->tot_len);
	if (ip->protocol != IPPROTO_ICMP || ihl < 20 || tot > len - 14 || tot < ihl + 8)
		return;
	struct icmphdr *ic = (void *)(f + 14 + ihl);
	if (ic->type == ICMP_ECHO && ip->daddr == inet_addr(HOST_IP)) {
		if (memcmp(eh->ether_shost, guest_mac, 6))
			p->wrong_mac++;
		memcpy(eh->ether_dhost, eh->ether_shost, 6);
		memcpy(eh->ether_shost, peer_mac, 6);
		uint32_t a = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = a;
		ip->check = 0;
		ip->check = csum(ip, ihl);
		ic->type = ICMP_ECHOREPLY;
		ic->checksum = 0;
		ic->checksum = csum(ic, tot - ihl);
		send_frame(p, f, 14 + tot);
		p->echo_answered++;
	} else if (ic->type == ICMP_ECHOREPLY && ip->saddr == inet_addr(GUEST_IP) &&
		   ntohs(ic->un.echo.id) == PING_ID) {
		p->pings_answered++;
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* hostile: after the guest's pings, a length of 0, a frame too big for the
 * guest's buffers, a length of 2^31 with garbage, then the peer closes. */
static void send_junk(struct peer *p)
{
	static uint8_t big[9000];
	memset(big, 0x42, sizeof(big));
	memcpy(big, p->seen_mac, 6);
	memcpy(big + 6, peer_mac, 6);
	big[12] = 0x08; /* IPv4 ethertype; the content is junk */
	uint32_t be = 0;
	write_all(p->fd, &be, 4);
	be = htonl(sizeof(big));
	write_all(p->fd, &be, 4);
	write_all(p->fd, big, sizeof(big));
	be = htonl(1u << 31);
	write_all(p->fd, &be, 4);
	write_all(p->fd, big, 100);
	usleep(200000);
	close(p->fd);
	p->fd = -1;
	p->junk_sent = true;
}

static void *peer_thread(void *arg)
{
	struct peer *p = arg;
	static uint8_t buf[70000];
	uint64_t next_ping = 0;
	uint16_t seq = 0;
	if (p->listen_fd >= 0) {
		struct pollfd pf = { p->listen_fd, POLLIN, 0 };
		while (!atomic_load(&p->stop) && poll(&pf, 1, 200) == 0)
			;
		if (atomic_load(&p->stop))
			return NULL;
		p->fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (p->fd < 0)
			return NULL;
	}
	while (!atomic_load(&p->stop)) {
		if (p->hostile && !p->junk_sent && p->echo_answered >= 5)
			send_junk(p);
		if (p->junk_sent) {
			usleep(100000);
			continue;
		}
		if (p->know_guest && now_ms() >= next_ping) {
			send_ping(p, seq++);
			next_ping = now_ms() + 300;
		}
		struct pollfd pf = { p->fd, POLLIN, 0 };
		int r = poll(&pf, 1, 100);
		if (r <= 0)
			continue;
		if (p->stream) {
			uint32_t be;
			if (read_full(p->fd, &be, 4))
				break;
			uint32_t len = ntohl(be);
			if (len > sizeof(buf) || read_full(p->fd, buf, len))
				break;
			handle_frame(p, buf, len);
			continue;
		}
		struct sockaddr_un from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		if (p->dgram_path && !p->have_to) {
			/* The first datagram names the device's socket; with vfkit it must be the greeting. */
			memcpy(&p->to, &from, fl);
			p->to_len = fl;
			p->have_to = true;
			bool is_greeting = n == 4 && memcmp(buf, "VFKT", 4) == 0;
			if (p->want_vfkit) {
				p->greeting_ok = is_greeting;
				p->greeting_bad = !is_greeting;
				if (is_greeting)
					continue;
			} else if (is_greeting) {
				p->greeting_bad = true;
				continue;
			}
		}
		handle_frame(p, buf, (size_t)n);
	}
	return NULL;
}

/* ---- tap mode: a tap with the host address, in a private netns ---- */

static int ifreq_ioctl(int s, unsigned long req, struct ifreq *ifr)
{
	if (ioctl(s, req, ifr) < 0) {
		perror("netpeer: interface ioctl");
		return -1;
	}
	return 0;
}

static int if_up(int s, const char *name)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	if (ifreq_ioctl(s, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ifreq_ioctl(s, SIOCSIFFLAGS, &ifr);
}

static int tap_setup(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		perror("netpeer: unshare(CLONE_NEWNET)");
		return -1;
	}
	int t = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (t < 0) {
		perror("netpeer: /dev/net/tun");
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, TAP_NAME);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	/* Persistent, so ckrun attaches to an existing interface as its callers' setups do. */
	if (ifreq_ioctl(t, TUNSETIFF, &ifr) || ioctl(t, TUNSETPERSIST, 1) < 0) {
		close(t);
		return -1;
	}
	close(t);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, TAP_NAME);
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = inet_addr(HOST_IP);
	int err = ifreq_ioctl(s, SIOCSIFADDR, &ifr);
	sin->sin_addr.s_addr = inet_addr("255.255.255.0");
	err = err ? err : ifreq_ioctl(s, SIOCSIFNETMASK, &ifr);
	err = err ? err : if_up(s, TAP_NAME);
	err = err ? err : if_up(s, "lo");
	close(s);
	return err;
}

struct tap_pinger {
	atomic_bool stop;
	int sent, answered;
};

/* Whether this network namespace's ARP table holds the guest's address, resolved. */
static bool guest_arp_complete(void)
{
	FILE *f = fopen("/proc/net/arp", "re");
	if (!f)
		return false;
	char line[256], ip[64];
	unsigned flags;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%63s %*s %x", ip, &flags) == 2 && !strcmp(ip, GUEST_IP) && (flags & ATF_COM);
	fclose(f);
	return found;
}

/* The host pings the guest through the tap with a raw ICMP socket, once the
 * guest has spoken: echo requests sent earlier wait in the kernel's queue for
 * the unresolved neighbour and reach the guest in one burst with the ARP reply
 * its own first ping waits for; busybox ping's raw socket (SO_RCVBUF 7 KiB)
 * then holds the burst's copies and drops the reply to that ping (seen: the
 * guest's ICMP counters had 3 echo replies, ping counted 2). */
static void *tap_ping_thread(void *arg)
{
	struct tap_pinger *tp = arg;
	int s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s < 0) {
		perror("netpeer: raw socket");
		return NULL;
	}
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = inet_addr(GUEST_IP) };
	uint16_t seq = 0;
	uint64_t next = 0;
	while (!atomic_load(&tp->stop)) {
		if (next == 0 && !guest_arp_complete()) {
			usleep(50 * 1000);
			continue;
		}
		if (now_ms() >= next) {
			uint8_t m[8 + 32];
			struct icmphdr *ic = (void *)m;
			memset(m, 0x5a, sizeof(m));
			memset(ic, 0, 8);
			ic->type = ICMP_ECHO;
			ic->un.echo.id = htons(PING_ID);
			ic->un.echo.sequence = htons(seq++);
			ic->checksum = csum(m, sizeof(m));
			if (sendto(s, m, sizeof(m), 0, (struct sockaddr *)&to, sizeof(to)) > 0)
				tp->sent++;
			next = now_ms() + 300;
		}
		struct pollfd pf = { s, POLLIN, 0 };
		if (poll(&pf, 1, 100) <= 0)
			continue;
		uint8_t b[1500];
		ssize_t n = recv(s, b, sizeof(b), 0);
		if (n < 28)
			continue;
		struct iphdr *ip = (void *)b;
		struct icmphdr *ic = (void *)(b + ip->ihl * 4);
		if (ip->saddr == inet_addr(GUEST_IP) && ic->type == ICMP_ECHOREPLY && ntohs(ic->un.echo.id) == PING_ID)
			tp->answered++;
	}
	close(s);
	return NULL;
}

/* ---- tap-offload / tap-bulk: a verified bulk transfer each way over the tap ---- */

#define TAP_BULK (16u << 20)
#define BULK_PORT_DOWN 5001 /* host -> guest */
#define BULK_PORT_UP 5002   /* guest -> host */
/* The guest makes the same bytes with busybox: yes LINE | head -c N. */
static const char bulk_line[] = "ckrun-tap-offload-0123456789\n";
#define BULK_LINE_LEN (sizeof(bulk_line) - 1)

struct bulk {
	int port;
	bool up;             /* receive and compare, else send */
	atomic_bool stop;
	uint64_t bytes;      /* sent or received */
	uint64_t mismatches; /* received bytes that differ from the pattern */
	double secs;         /* first byte to last */
	bool done;
};

static int listen_on(int port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = inet_addr(HOST_IP) };
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0) {
		perror("netpeer: bulk listen");
		close(s);
		return -1;
	}
	return s;
}

static void *bulk_thread(void *arg)
{
	struct bulk *b = arg;
	int ls = listen_on(b->port);
	if (ls < 0)
		return NULL;
	int c = -1;
	while (!atomic_load(&b->stop) && c < 0) {
		struct pollfd pf = { ls, POLLIN, 0 };
		if (poll(&pf, 1, 200) == 1)
			c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	}
	close(ls);
	if (c < 0)
		return NULL;
	static __thread uint8_t buf[1 << 16];
	uint64_t start = 0;
	while (b->bytes < TAP_BULK && !atomic_load(&b->stop)) {
		struct pollfd pf = { c, b->up ? POLLIN : POLLOUT, 0 };
		if (poll(&pf, 1, 200) <= 0)
			continue;
		size_t want = TAP_BULK - b->bytes < sizeof(buf) ? TAP_BULK - b->bytes : sizeof(buf);
		ssize_t r;
		if (b->up) {
			r = recv(c, buf, want, MSG_DONTWAIT);
			if (r == 0)
				break;
			for (ssize_t i = 0; i < r; i++)
				b->mismatches += buf[i] != (uint8_t)bulk_line[(b->bytes + (uint64_t)i) % BULK_LINE_LEN];
		} else {
			for (size_t i = 0; i < want; i++)
				buf[i] = (uint8_t)bulk_line[(b->bytes + i) % BULK_LINE_LEN];
			r = send(c, buf, want, MSG_DONTWAIT | MSG_NOSIGNAL);
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			break;
		}
		if (!start)
			start = now_ms();
		b->bytes += (uint64_t)r;
	}
	b->secs = (double)(now_ms() - start) / 1000.0;
	b->done = b->bytes == TAP_BULK;
	close(c);
	return NULL;
}

/* This namespace's counters of ifname (/proc/net/dev): received and sent bytes and frames. */
static bool if_counters(const char *ifname, uint64_t *rxb, uint64_t *rxp, uint64_t *txb, uint64_t *txp)
{
	FILE *f = fopen("/proc/net/dev", "re");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = 0;
		char *name = line;
		while (*name == ' ')
			name++;
		if (strcmp(name, ifname))
			continue;
		unsigned long long v[16];
		found = sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			       &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) == 10;
		*rxb = v[0];
		*rxp = v[1];
		*txb = v[8];
		*txp = v[9];
	}
	fclose(f);
	return found;
}

/*
 * The tap's frames longer than a full-size Ethernet frame (1514 bytes), each
 * way, as a packet socket sees them: before the host kernel segments what it
 * sends and after it takes the guest's unsegmented frames. The interface's
 * averages cannot tell: the guest's ACKs lower them, and TCP sizes its TSO
 * frames by its rate (at least 2 segments each, but a slow, loaded run gets
 * few), so only "any frame above 1514" separates offloaded from not.
 */
struct tap_sizer {
	atomic_bool stop;
	int fd;
	unsigned long long frames, big_from_guest, big_to_guest, max_from_guest, max_to_guest;
};

static int tap_sizer_open(struct tap_sizer *z)
{
	z->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				 .sll_ifindex = (int)if_nametoindex(TAP_NAME) };
	if (z->fd < 0 || !a.sll_ifindex || bind(z->fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("netpeer: packet socket on the tap");
		return -1;
	}
	return 0;
}

static void *tap_sizer_thread(void *arg)
{
	struct tap_sizer *z = arg;
	while (!atomic_load(&z->stop)) {
		struct pollfd pf = { z->fd, POLLIN, 0 };
		if (poll(&pf, 1, 100) <= 0)
			continue;
		uint8_t b[64];
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		/* MSG_TRUNC: the frame's whole length, though only 64 bytes are copied. */
		ssize_t n = recvfrom(z->fd, b, sizeof(b), MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue;
		bool to_guest = from.sll_pkttype == PACKET_OUTGOING;
		unsigned long long len = (unsigned long long)n, *max = to_guest ? &z->max_to_guest : &z->max_from_guest;
		z->frames++;
		if (len > 1514)
			(*(to_guest ? &z->big_to_guest : &z->big_from_guest))++;
		if (len > *max)
			*max = len;
	}
	close(z->fd);
	return NULL;
}

/* NETPEER_IPERF3: an iperf3 server on the tap's host address, for the bench. Its pid or -1. */
static pid_t start_iperf3(void)
{
	const char *path = getenv("NETPEER_IPERF3");
	if (!path || !*path)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		execl(path, path, "-s", "-B", HOST_IP, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* A context with the guest and the network device of MODE; the peer's socket in *p. Its id or -errno. */
static int setup_vm(const char *kernel, const char *root, const char *mode, struct peer *p, const char *scratch,
		    int *dev_fd)
{
	char script[1024];
	bool hostile = !strcmp(mode, "hostile");
	bool big = !strcmp(mode, "stream") || !strcmp(mode, "dgram");
	const uint8_t *m = strcmp(mode, "passt-fd") == 0 ? legacy_mac : guest_mac;
	/* No double quotes: the kernel command line cannot carry them. */
	snprintf(script, sizeof(script),
		 "B=/bin/busybox; $B ip link set lo up && $B ip addr add " GUEST_IP "/24 dev eth0 && "
		 "$B ip link set eth0 up || exit 2; "
		 "mac=$($B cat /sys/class/net/eth0/address); "
		 "[ $mac = %02x:%02x:%02x:%02x:%02x:%02x ] || { echo netpeer-guest: eth0 has MAC $mac; exit 3; }; "
		 "%s"
		 "$B ping -c 3 -w 60 " HOST_IP " || { $B cat /proc/net/dev; $B grep -E ^Icmp: /proc/net/snmp; $B ip neigh; exit 4; }; "
		 /* Full-size frames both ways (1514 bytes on the wire). */
		 "$B ping -c 2 -s 1472 -w 30 " HOST_IP " || exit 6; "
		 "%s"
		 "%s"
		 "$B sleep 3; $B cat /proc/net/dev; echo netpeer-guest: done",
		 m[0], m[1], m[2], m[3], m[4], m[5],
		 !strcmp(mode, "dgram") ? "[ $($B cat /sys/class/net/eth1/address) = 02:4b:72:75:6e:01 ] || "
					  "{ echo netpeer-guest: eth1 missing or wrong MAC; exit 7; }; "
					: "",
		 big ? "$B ip link set eth0 mtu 9000 && $B ping -c 2 -s 8000 -w 30 " HOST_IP " || exit 8; " : "",
		 hostile ? "$B sleep 3; $B ping -c 2 -w 6 " HOST_IP " && { echo netpeer-guest: ping after the peer failed; exit 5; }; " : "");
	const char *const argv[] = { "-c", script, NULL };
	const char *const envp[] = { "PATH=/bin", NULL };
	int ctx = krun_create_ctx();
	if (ctx < 0)
		return ctx;
	uint32_t id = (uint32_t)ctx;
	int rc;
	if ((rc = krun_set_kernel(id, kernel, KRUN_KERNEL_FORMAT_RAW, NULL, NULL)) ||
	    (rc = krun_set_vm_config(id, 1, 256)) || (rc = krun_set_root(id, root)) ||
	    (rc = krun_set_exec(id, "/bin/sh", argv, envp)) || (rc = ckrun_set_boot_timeout(id, 200)))
		goto fail;

	int sv[2] = { -1, -1 };
	char path[108];
	*dev_fd = -1;
	snprintf(path, sizeof(path), "%s/peer.sock", scratch);
	if (!strcmp(mode, "stream") || !strcmp(mode, "passt-fd") || !strcmp(mode, "dgram") || hostile) {
		bool stream = strcmp(mode, "dgram") != 0;
		if (socketpair(AF_UNIX, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0, sv) < 0)
			return -errno;
		p->fd = sv[1];
		*dev_fd = sv[0];
		p->stream = stream;
		p->hostile = hostile;
		if (!strcmp(mode, "stream") || hostile)
			rc = krun_add_net_unixstream(id, NULL, sv[0], guest_mac, COMPAT_NET_FEATURES, 0);
		else if (!strcmp(mode, "passt-fd"))
			rc = krun_set_passt_fd(id, sv[0]);
		else {
			rc = krun_add_net_unixgram(id, NULL, sv[0], guest_mac, 0, 0);
			/* A second device, never answered: it must be eth1, with its own MAC. */
			if (!rc && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->spare) == 0)
				rc = krun_add_net_unixstream(id, NULL, p->spare[0], second_mac, 0, 0);
		}
	} else if (!strcmp(mode, "stream-path")) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		strcpy(sa.sun_path, path);
		p->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (bind(p->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(p->listen_fd, 1))
			return -errno;
		p->stream = true;
		rc = krun_add_net_unixstream(id, path, -1, guest_mac, COMPAT_NET_FEATURES, 0);
	} else if (!strcmp(mode, "dgram-path") || !strcmp(mode, "vfkit")) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		strcpy(sa.sun_path, path);
		p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)))
			return -errno;
		p->dgram_path = true;
		p->want_vfkit = !strcmp(mode, "vfkit");
		rc = krun_add_net_unixgram(id, path, -1, guest_mac, 0, p->want_vfkit ? NET_FLAG_VFKIT : 0);
	} else if (!strcmp(mode, "tap")) {
		char name[] = TAP_NAME;
		rc = krun_add_net_tap(id, name, guest_mac, 0, 0);
	} else if (!strcmp(mode, "tap-offload") || !strcmp(mode, "tap-bulk")) {
		char name[] = TAP_NAME;
		uint32_t feat = COMPAT_NET_FEATURES | NET_FEATURE_GUEST_TSO6 | NET_FEATURE_HOST_TSO6;
		rc = krun_add_net_tap(id, name, guest_mac, !strcmp(mode, "tap-offload") ? feat : 0, 0);
		const char *secs = getenv("NETPEER_IPERF_SECS");
		char bulk[16], *const gargv[] = { "/tap-guest.sh", !strcmp(mode, "tap-offload") ? "offload" : "plain",
						   bulk, (char *)(secs && *secs ? secs : "0"), NULL };
		snprintf(bulk, sizeof(bulk), "%u", TAP_BULK);
		const char *const genv[] = { "PATH=/bin:/usr/bin", NULL };
		if (!rc)
			rc = krun_set_exec(id, "/bin/sh", (const char *const *)gargv, genv);
	} else {
		fprintf(stderr, "netpeer: unknown mode %s\n", mode);
		rc = -EINVAL;
	}
	if (rc)
		goto fail;
	return ctx;
fail:
	fprintf(stderr, "netpeer: setting up the VM: %s\n", strerror(-rc));
	krun_free_ctx(id);
	return rc;
}

/* tap-qemu: QEMU on the tap, its console on our stdout. Its exit status, 128 + signal, or 127. */
static int run_qemu(const char *kernel, const char *initrd)
{
	pid_t pid = fork();
	if (pid == 0) {
		execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "microvm,isa-serial=on,acpi=off", "-accel",
		       "kvm", "-cpu", "host", "-m", "256", "-smp", "1", "-nodefaults", "-no-user-config", "-nographic",
		       "-serial", "stdio", "-no-reboot", "-netdev",
		       "tap,id=n0,ifname=" TAP_NAME ",script=no,downscript=no,vnet_hdr=on", "-device",
		       "virtio-net-device,netdev=n0,mac=02:4b:72:75:6e:00", "-kernel", kernel, "-initrd", initrd,
		       "-append", "console=ttyS0 reboot=t panic=-1 quiet rdinit=/init.tap", (char *)NULL);
		perror("netpeer: qemu-system-x86_64");
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: netpeer MODE KERNEL ROOTDIR SCRATCHDIR\n");
		return 2;
	}
	const char *mode = argv[1];
	bool qemu = !strcmp(mode, "tap-qemu");
	bool bulk = !strcmp(mode, "tap-offload") || !strcmp(mode, "tap-bulk") || qemu;
	bool tap = !strcmp(mode, "tap") || bulk;
	if (!strcmp(mode, "passt-fd"))
		memcpy(guest_mac, legacy_mac, 6);
	if (tap && tap_setup())
		return 1;

	struct peer p = { .fd = -1, .listen_fd = -1, .spare = { -1, -1 } };
	struct tap_pinger tp = { 0 };
	int dev_fd = -1;
	int ctx = qemu ? 0 : setup_vm(argv[2], argv[3], mode, &p, argv[4], &dev_fd);
	if (ctx < 0)
		return 1;
	pthread_t th;
	if (pthread_create(&th, NULL, tap ? tap_ping_thread : peer_thread, tap ? (void *)&tp : (void *)&p))
		return 1;
	struct bulk down = { .port = BULK_PORT_DOWN }, up = { .port = BULK_PORT_UP, .up = true };
	struct tap_sizer sizer = { .fd = -1 };
	pthread_t bth[3];
	pid_t iperf = -1;
	if (bulk) {
		if (tap_sizer_open(&sizer) || pthread_create(&bth[0], NULL, bulk_thread, &down) ||
		    pthread_create(&bth[1], NULL, bulk_thread, &up) ||
		    pthread_create(&bth[2], NULL, tap_sizer_thread, &sizer))
			return 1;
		iperf = start_iperf3();
	}
	int rc = qemu ? run_qemu(argv[2], argv[3]) : ckrun_start_and_wait((uint32_t)ctx);
	atomic_store(&p.stop, true);
	atomic_store(&tp.stop, true);
	pthread_join(th, NULL);
	if (bulk) {
		atomic_store(&down.stop, true);
		atomic_store(&up.stop, true);
		atomic_store(&sizer.stop, true);
		pthread_join(bth[0], NULL);
		pthread_join(bth[1], NULL);
		pthread_join(bth[2], NULL);
		if (iperf > 0) {
			kill(iperf, SIGTERM);
			waitpid(iperf, NULL, 0);
		}
	}
	if (dev_fd >= 0)
		close(dev_fd); /* ckrun used its own copy */

	bool ok = rc == 0;
	if (bulk) {
		uint64_t rxb = 0, rxp = 0, txb = 0, txp = 0;
		bool have = if_counters(TAP_NAME, &rxb, &rxp, &txb, &txp);
		/* The tap's receive side is what the guest sent. */
		uint64_t from_guest = rxp ? rxb / rxp : 0, to_guest = txp ? txb / txp : 0;
		printf("netpeer: mode %s: guest exit %d; host->guest %llu bytes in %.2f s (%.0f Mbit/s)%s, "
		       "guest->host %llu bytes in %.2f s (%.0f Mbit/s), %llu differing; %s frames: from the guest %llu "
		       "averaging %llu bytes, to the guest %llu averaging %llu bytes\n",
		       mode, rc, (unsigned long long)down.bytes, down.secs,
		       down.secs > 0 ? (double)down.bytes * 8 / down.secs / 1e6 : 0.0, down.done ? "" : " INCOMPLETE",
		       (unsigned long long)up.bytes, up.secs, up.secs > 0 ? (double)up.bytes * 8 / up.secs / 1e6 : 0.0,
		       (unsigned long long)up.mismatches, TAP_NAME, (unsigned long long)rxp,
		       (unsigned long long)from_guest, (unsigned long long)txp, (unsigned long long)to_guest);
		printf("netpeer: mode %s: packet socket saw %llu frames; above 1514 bytes: from the guest %llu "
		       "(longest %llu), to the guest %llu (longest %llu)\n",
		       mode, sizer.frames, sizer.big_from_guest, sizer.max_from_guest, sizer.big_to_guest,
		       sizer.max_to_guest);
		ok = ok && have && down.done && up.done && up.mismatches == 0;
		if (!strcmp(mode, "tap-offload") || qemu) /* TSO both ways: unsegmented frames crossed the tap */
			ok = ok && sizer.big_from_guest >= 10 && sizer.big_to_guest >= 10;
		else
			ok = ok && sizer.frames > 0 && sizer.max_from_guest <= 1514 && sizer.max_to_guest <= 1514;
	} else if (tap) {
		printf("netpeer: mode tap: guest exit %d; host pings sent %d, answered %d\n", rc, tp.sent,
		       tp.answered);
		ok = ok && tp.answered >= 1;
		if (!ok) { /* where the guest's ping went: the host side's counters */
			fflush(stdout);
			if (system("cat /proc/net/dev; grep -E '^Icmp:' /proc/net/snmp; cat /proc/net/arp") < 0)
				perror("system");
		}
	} else {
		printf("netpeer: mode %s: guest exit %d; frames in %d (above 1514 bytes %d), ARP replies %d, guest pings answered %d, "
		       "host pings sent %d, answered %d, frames from a wrong MAC %d%s%s\n",
		       mode, rc, p.frames_in, p.big_frames_in, p.arp_replies, p.echo_answered, p.pings_sent, p.pings_answered,
		       p.wrong_mac, p.greeting_ok ? ", VFKT greeting first" : "",
		       p.greeting_bad ? ", WRONG greeting behaviour" : "");
		if (p.hostile)
			printf("netpeer: hostile peer input %s\n", p.junk_sent ? "sent" : "NOT sent");
		ok = ok && p.arp_replies >= 1 && p.echo_answered >= 5 && p.pings_answered >= 1 && p.wrong_mac == 0 &&
		     !p.greeting_bad && (!p.want_vfkit || p.greeting_ok) && (!p.hostile || p.junk_sent);
		/* The guest's big pings succeeded (else it exits 8) and came as big frames. */
		if (!strcmp(mode, "stream") || !strcmp(mode, "dgram"))
			ok = ok && p.big_frames_in >= 2;
	}
	printf("netpeer: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
