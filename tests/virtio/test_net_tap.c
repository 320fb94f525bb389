/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net on a real tap with a vnet header (the client's offload bits),
 * over fake guest memory, in a private network namespace (root, or an
 * unprivileged user namespace): which bits are offered for which request,
 * the guest's header passed to the host kernel (a partial checksum it
 * completes; headers asking for what was not negotiated, and one the kernel
 * refuses, counted as tx_drop_hdr, the device going on), the tap's header
 * passed to the guest per the negotiated receive offloads (TUNSETOFFLOAD
 * after a renegotiation).
 *
 * Needs /dev/net/tun and a network namespace. Without them every test is
 * skipped (never passed); CKRUN_REQUIRE_TAP=1 (the VM case net-tap-offload,
 * run in the test host as root) makes that a failure.
 */
#define virtio_net_config virtio_net_config_wire
#include <linux/virtio_net.h>
#undef virtio_net_config

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include <cmocka.h>

#include "fake_driver.h"
#include "libkrun.h"
#include "net/peer.h"
#include "virtio/mmio_dev.h"
#include "virtio/net.h"

#define TAP "ckoff0"
#define HOST_IP "10.9.0.1"
#define GUEST_IP "10.9.0.2"
#define UPORT 4789
#define RXQ 0
#define TXQ 1
#define HDR 12
#define DATA (FAKE_GPA + 0x100000)
#define BASE ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_RING_F_EVENT_IDX))
#define B(x) (1ULL << (x))

static const uint8_t GMAC[6] = { 0x02, 0x4b, 0x72, 0x75, 0x6e, 0x00 };
static bool have_tap;
static uint8_t tap_mac[6];

static int if_up(int s, const char *name)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

/* A persistent tap with HOST_IP/24 in a new network namespace, the guest's
 * address resolved statically (no ARP needed), IPv6 off (no noise). */
static int group_setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) < 0 && (geteuid() == 0 || unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0))
		return 0;
	int t = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (t < 0)
		return 0;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, TAP);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(t, TUNSETIFF, &ifr) < 0 || ioctl(t, TUNSETPERSIST, 1) < 0) {
		close(t);
		return 0;
	}
	close(t);
	int fd = open("/proc/sys/net/ipv6/conf/" TAP "/disable_ipv6", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			fprintf(stderr, "test-virtio-net_tap: IPv6 stays on\n");
		close(fd);
	}
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, TAP);
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = inet_addr(HOST_IP);
	int err = ioctl(s, SIOCSIFADDR, &ifr);
	sin->sin_addr.s_addr = inet_addr("255.255.255.0");
	err = err ? err : ioctl(s, SIOCSIFNETMASK, &ifr);
	err = err ? err : if_up(s, TAP);
	err = err ? err : if_up(s, "lo");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, TAP);
	err = err ? err : ioctl(s, SIOCGIFHWADDR, &ifr);
	memcpy(tap_mac, ifr.ifr_hwaddr.sa_data, 6);
	struct arpreq ar;
	memset(&ar, 0, sizeof(ar));
	sin = (struct sockaddr_in *)&ar.arp_pa;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = inet_addr(GUEST_IP);
	ar.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(ar.arp_ha.sa_data, GMAC, 6);
	ar.arp_flags = ATF_COM | ATF_PERM;
	strcpy(ar.arp_dev, TAP);
	err = err ? err : ioctl(s, SIOCSARP, &ar);
	close(s);
	if (err)
		fprintf(stderr, "test-virtio-net_tap: setting up %s: %s\n", TAP, strerror(errno));
	have_tap = err == 0;
	return 0;
}

static void need_tap(void)
{
	if (have_tap)
		return;
	const char *req = getenv("CKRUN_REQUIRE_TAP");
	if (req && *req == '1')
		fail_msg("no tap in a private network namespace, and CKRUN_REQUIRE_TAP is set");
	skip();
}

struct fx {
	struct guest_mem mem;
	struct virtio_mmio_dev *t;
	struct virtio_net *n;
	struct tq q[2];
	uint64_t next;
	int udp; /* HOST_IP:UPORT */
};

static struct fx *make(uint32_t features)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(fake_mem_init(&f->mem), 0);
	struct virtio_net_config cfg = { .features = features };
	memcpy(cfg.mac, GMAC, 6);
	assert_int_equal(net_peer_tap(TAP, features != 0, &cfg.peer), 0);
	assert_int_equal(cfg.peer.vnet_hdr, features != 0);
	assert_int_equal(virtio_net_new(&cfg, &f->mem, &f->t, &f->n), 0);
	f->next = DATA;
	f->udp = -1;
	return f;
}

static void destroy(struct fx *f)
{
	virtio_mmio_free(f->t);
	if (f->udp >= 0)
		close(f->udp);
	fake_mem_free(&f->mem);
	free(f);
}

static uint64_t offered(struct fx *f)
{
	td_wr(f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t lo = virtio_mmio_read(f->t, VIRTIO_MMIO_DEVICE_FEATURES, 4);
	td_wr(f->t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return lo | (uint64_t)virtio_mmio_read(f->t, VIRTIO_MMIO_DEVICE_FEATURES, 4) << 32;
}

static void start(struct fx *f, uint64_t feat)
{
	td_negotiate(f->t, feat);
	assert_true(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_FEATURES_OK);
	td_setup_queue(f->t, &f->q[RXQ], RXQ);
	td_setup_queue(f->t, &f->q[TXQ], TXQ);
	td_driver_ok(f->t);
	assert_false(virtio_mmio_is_broken(f->t));
}

static uint64_t alloc_buf(struct fx *f, uint32_t len)
{
	uint64_t g = f->next;
	f->next += (len + 15) & ~15u;
	assert_true(f->next <= FAKE_GPA + FAKE_SIZE);
	return g;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static struct virtio_net_stats stats(struct fx *f)
{
	struct virtio_net_stats s;
	virtio_net_get_stats(f->n, &s);
	return s;
}

static bool wait_tx_hdr_drops(struct fx *f, uint64_t want)
{
	for (int i = 0; i < 5000 && stats(f).tx_drop_hdr < want; i++)
		sleep_ms(1);
	return stats(f).tx_drop_hdr == want;
}

static uint16_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Ethernet + IPv4 + UDP from src to dst:UPORT, payload len bytes of k; UDP checksum field = ucsum. */
static size_t udp_frame(uint8_t *b, const uint8_t *dmac, const uint8_t *smac, const char *src, const char *dst,
			size_t len, uint8_t k, uint16_t ucsum)
{
	memcpy(b, dmac, 6);
	memcpy(b + 6, smac, 6);
	b[12] = 0x08;
	b[13] = 0x00;
	uint8_t *ip = b + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	uint16_t tot = (uint16_t)(20 + 8 + len);
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	in_addr_t s = inet_addr(src), d = inet_addr(dst);
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	uint16_t ic = (uint16_t)~csum_add(0, ip, 20);
	ip[10] = (uint8_t)(ic >> 8);
	ip[11] = (uint8_t)ic;
	uint8_t *u = ip + 20;
	u[0] = (uint8_t)(UPORT >> 8);
	u[1] = (uint8_t)UPORT;
	u[2] = (uint8_t)(UPORT >> 8);
	u[3] = (uint8_t)UPORT;
	u[4] = (uint8_t)((8 + len) >> 8);
	u[5] = (uint8_t)(8 + len);
	u[6] = (uint8_t)(ucsum >> 8);
	u[7] = (uint8_t)ucsum;
	memset(u + 8, k, len);
	return 14 + 20 + 8 + len;
}

/* One TX chain: the header h, then the frame, in one descriptor each. */
static void post_tx(struct fx *f, const struct virtio_net_hdr_v1 *h, const uint8_t *frame, size_t len)
{
	uint64_t gh = alloc_buf(f, HDR), gd = alloc_buf(f, (uint32_t)len);
	memcpy(fake_ptr(&f->mem, gh), h, HDR);
	memcpy(fake_ptr(&f->mem, gd), frame, len);
	struct tbuf b[2] = { { gh, HDR, false }, { gd, (uint32_t)len, false } };
	td_post(&f->mem, &f->q[TXQ], b, 2);
	td_wr(f->t, VIRTIO_MMIO_QUEUE_NOTIFY, TXQ);
	assert_true(td_wait_used(&f->mem, &f->q[TXQ], NULL, NULL));
}

static int udp_listen(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(UPORT), .sin_addr.s_addr = inet_addr(HOST_IP) };
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

/* The host's UDP socket got a datagram of len bytes of k within ms. */
static bool udp_got(int s, size_t len, uint8_t k, int ms)
{
	struct pollfd pf = { s, POLLIN, 0 };
	if (poll(&pf, 1, ms) != 1)
		return false;
	uint8_t b[2048];
	ssize_t r = recv(s, b, sizeof(b), 0);
	if (r != (ssize_t)len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (b[i] != k)
			return false;
	return true;
}

/* What is offered for which request: only bits the client asked for, each with its prerequisite. */
static void test_offer(void **state)
{
	(void)state;
	need_tap();
	struct fx *f = make(COMPAT_NET_FEATURES | NET_FEATURE_GUEST_TSO6 | NET_FEATURE_HOST_TSO6);
	uint64_t o = offered(f);
	const uint64_t want = B(VIRTIO_NET_F_CSUM) | B(VIRTIO_NET_F_GUEST_CSUM) | B(VIRTIO_NET_F_GUEST_TSO4) |
			      B(VIRTIO_NET_F_GUEST_TSO6) | B(VIRTIO_NET_F_HOST_TSO4) | B(VIRTIO_NET_F_HOST_TSO6) |
			      B(VIRTIO_NET_F_HOST_UFO);
	assert_int_equal(o & want, want);
	/* GUEST_UFO only if this kernel's tap takes TUN_F_UFO (it ignores it since 4.14 but accepts it). */
	assert_false(o & (B(VIRTIO_NET_F_CTRL_VQ) | B(VIRTIO_NET_F_GUEST_ECN) | B(VIRTIO_NET_F_HOST_ECN)));
	destroy(f);

	/* Receive offloads only. */
	f = make(NET_FEATURE_GUEST_CSUM | NET_FEATURE_GUEST_TSO4);
	o = offered(f);
	assert_int_equal(o & (B(VIRTIO_NET_F_CSUM) | B(VIRTIO_NET_F_GUEST_CSUM) | B(VIRTIO_NET_F_GUEST_TSO4) |
			      B(VIRTIO_NET_F_GUEST_TSO6) | B(VIRTIO_NET_F_HOST_TSO4)),
			 B(VIRTIO_NET_F_GUEST_CSUM) | B(VIRTIO_NET_F_GUEST_TSO4));
	destroy(f);

	/* HOST_TSO4 without CSUM: its prerequisite is missing, nothing is offered. */
	f = make(NET_FEATURE_HOST_TSO4);
	assert_int_equal(offered(f) & ~(BASE | B(VIRTIO_RING_F_INDIRECT_DESC) | B(VIRTIO_NET_F_MRG_RXBUF)), 0);
	destroy(f);

	/* No features: a plain tap, as before. */
	f = make(0);
	assert_int_equal(offered(f), BASE | B(VIRTIO_RING_F_INDIRECT_DESC) | B(VIRTIO_NET_F_MRG_RXBUF));
	destroy(f);
}

/* The guest's header goes to the host kernel; hostile ones are counted, the device goes on. */
static void test_tx_header(void **state)
{
	(void)state;
	need_tap();
	struct fx *f = make(COMPAT_NET_FEATURES);
	f->udp = udp_listen();
	start(f, BASE | B(VIRTIO_NET_F_CSUM) | B(VIRTIO_NET_F_HOST_TSO4) | B(VIRTIO_NET_F_GUEST_CSUM));
	uint8_t fr[1514];
	/* A wrong UDP checksum: with NEEDS_CSUM the kernel completes it (the
	 * datagram arrives), without it the host drops the datagram. */
	size_t len = udp_frame(fr, tap_mac, GMAC, GUEST_IP, HOST_IP, 300, 0x11, 0x1234);
	struct virtio_net_hdr_v1 h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				       .csum_start = htole16(14 + 20),
				       .csum_offset = htole16(6) };
	post_tx(f, &h, fr, len);
	assert_true(udp_got(f->udp, 300, 0x11, 5000));
	struct virtio_net_hdr_v1 plain = { 0 };
	len = udp_frame(fr, tap_mac, GMAC, GUEST_IP, HOST_IP, 300, 0x22, 0x1234);
	post_tx(f, &plain, fr, len);
	assert_false(udp_got(f->udp, 300, 0x22, 300));

	/* Hostile headers: each counted, none reaches the host. */
	len = udp_frame(fr, tap_mac, GMAC, GUEST_IP, HOST_IP, 300, 0x33, 0);
	struct virtio_net_hdr_v1 bad = h;
	bad.gso_type = VIRTIO_NET_HDR_GSO_TCPV6; /* HOST_TSO6 not negotiated */
	bad.gso_size = htole16(1000);
	bad.hdr_len = htole16(54);
	post_tx(f, &bad, fr, len);
	assert_true(wait_tx_hdr_drops(f, 1));
	bad.gso_type = VIRTIO_NET_HDR_GSO_TCPV4; /* negotiated, but gso_size 0 */
	bad.gso_size = 0;
	post_tx(f, &bad, fr, len);
	assert_true(wait_tx_hdr_drops(f, 2));
	bad.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN; /* HOST_ECN never offered */
	bad.gso_size = htole16(1000);
	post_tx(f, &bad, fr, len);
	assert_true(wait_tx_hdr_drops(f, 3));
	bad = h; /* passes our checks; the host kernel refuses a checksum beyond the frame (EINVAL) */
	bad.csum_start = htole16(4000);
	post_tx(f, &bad, fr, len);
	assert_true(wait_tx_hdr_drops(f, 4));
	assert_false(udp_got(f->udp, 300, 0x33, 200));

	/* The device goes on. */
	len = udp_frame(fr, tap_mac, GMAC, GUEST_IP, HOST_IP, 700, 0x44, 0x1234);
	post_tx(f, &h, fr, len);
	assert_true(udp_got(f->udp, 700, 0x44, 5000));
	assert_false(virtio_mmio_is_broken(f->t));
	struct virtio_net_stats s = stats(f);
	assert_int_equal(s.tx_drop_hdr, 4);
	assert_int_equal(s.tx_drop_peer, 0);
	assert_int_equal(s.peer_failed, 0);
	destroy(f);
}

/* The next UDP frame from HOST_IP received into one buffer: its header and frame (others skipped). */
static bool rx_udp(struct fx *f, struct virtio_net_hdr_v1 *h, uint8_t *frame, size_t *len)
{
	for (int k = 0; k < 8; k++) {
		uint64_t g = alloc_buf(f, 2048);
		struct tbuf b = { g, 2048, true };
		td_post(&f->mem, &f->q[RXQ], &b, 1);
		td_wr(f->t, VIRTIO_MMIO_QUEUE_NOTIFY, RXQ);
		uint32_t ulen = 0;
		/* A loaded test host can take more than one 5 s wait (seen once). */
		bool got = false;
		for (int w = 0; w < 4 && !got; w++)
			got = td_wait_used(&f->mem, &f->q[RXQ], NULL, &ulen);
		if (!got || ulen < HDR + 42) {
			struct virtio_net_stats s = stats(f);
			fprintf(stderr, "rx_udp: frame %d: %s (used length %u); rx delivered %llu, drops: hdr %llu "
					"bad length %llu queue %llu\n",
				k, got ? "too short" : "none within 20 s", ulen, (unsigned long long)s.rx_frames,
				(unsigned long long)s.rx_drop_hdr, (unsigned long long)s.rx_drop_bad_len,
				(unsigned long long)s.rx_drop_queue);
			return false;
		}
		const uint8_t *p = fake_ptr(&f->mem, g);
		memcpy(h, p, HDR);
		*len = ulen - HDR;
		memcpy(frame, p + HDR, *len);
		if (frame[12] == 0x08 && frame[13] == 0x00 && frame[14 + 9] == IPPROTO_UDP)
			return true;
		fprintf(stderr, "rx_udp: frame %d skipped: ethertype %02x%02x, %zu bytes\n", k, frame[12], frame[13],
			*len);
	}
	return false;
}

static void send_to_guest(size_t len, uint8_t k)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(UPORT), .sin_addr.s_addr = inet_addr(HOST_IP) };
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	a.sin_addr.s_addr = inet_addr(GUEST_IP);
	uint8_t b[1400];
	memset(b, k, len);
	assert_int_equal(sendto(s, b, len, 0, (struct sockaddr *)&a, sizeof(a)), (ssize_t)len);
	close(s);
}

/* The UDP checksum of a received IPv4/UDP frame is right. */
static bool udp_csum_ok(const uint8_t *fr, size_t len)
{
	const uint8_t *ip = fr + 14, *u = ip + 20;
	size_t ulen = len - 34;
	uint8_t ph[12];
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	ph[10] = (uint8_t)(ulen >> 8);
	ph[11] = (uint8_t)ulen;
	uint32_t s = csum_add(0, ph, sizeof(ph));
	return csum_add(s, u, ulen) == 0xffff;
}

/* The tap's header reaches the guest as negotiated: partial checksums with
 * GUEST_CSUM, complete ones after a renegotiation without it. */
static void test_rx_header(void **state)
{
	(void)state;
	need_tap();
	struct fx *f = make(COMPAT_NET_FEATURES);
	start(f, BASE | B(VIRTIO_NET_F_GUEST_CSUM) | B(VIRTIO_NET_F_GUEST_TSO4) | B(VIRTIO_NET_F_CSUM));
	struct virtio_net_hdr_v1 h;
	uint8_t fr[2048];
	size_t len = 0;
	send_to_guest(1000, 0x55);
	assert_true(rx_udp(f, &h, fr, &len));
	assert_int_equal(len, 14 + 20 + 8 + 1000);
	assert_int_equal(fr[42], 0x55);
	assert_int_equal(le16toh(h.num_buffers), 1);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	/* Locally generated UDP on a device with TUN_F_CSUM: the checksum is left to the guest. */
	assert_int_equal(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(le16toh(h.csum_start), 34);
	assert_int_equal(le16toh(h.csum_offset), 6);

	/* A new driver without GUEST_CSUM: TUNSETOFFLOAD 0, the host checksums. */
	td_wr(f->t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(virtio_mmio_read(f->t, VIRTIO_MMIO_STATUS, 4), 0);
	memset(f->mem.r[0].hva, 0, FAKE_SIZE); /* fresh rings, as a new driver's */
	f->next = DATA;
	start(f, BASE | B(VIRTIO_NET_F_CSUM));
	send_to_guest(1000, 0x66);
	assert_true(rx_udp(f, &h, fr, &len));
	assert_int_equal(fr[42], 0x66);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_true(udp_csum_ok(fr, len));
	struct virtio_net_stats s = stats(f);
	assert_int_equal(s.rx_drop_hdr, 0);
	assert_int_equal(s.rx_drop_bad_len, 0);
	destroy(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer),
		cmocka_unit_test(test_tx_header),
		cmocka_unit_test(test_rx_header),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
