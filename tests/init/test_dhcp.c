/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest init's DHCP messages (src/init/dhcp.c): the DISCOVER and REQUEST
 * it sends, and what it makes of replies, good and hostile (truncated, for
 * someone else, bad lengths, options running past the end, random damage).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/virtio_net.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "init/dhcp.h"

static const uint8_t MAC[6] = { 0x5a, 0x94, 0xef, 0xe4, 0x0c, 0xee };
#define XID 0x12345678u
#define HDRS (sizeof(struct iphdr) + sizeof(struct udphdr))

static struct in_addr ip4(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/* Offset of the options in a packet built by reply() or dhcp_build(). */
#define OPTS (HDRS + BOOTP_FIXED_LEN + 4)

/*
 * A server's reply as passt sends it: IPv4 + UDP + BOOTP, yiaddr, the given
 * options (the caller ends them), correct IP checksum. Returns its length.
 */
static size_t reply(uint8_t *buf, size_t cap, uint32_t xid, const char *yiaddr, const uint8_t *opts,
		    size_t optlen)
{
	size_t total = OPTS + optlen;
	assert_true(total <= cap);
	memset(buf, 0, total);
	uint8_t *b = buf + HDRS;
	b[0] = BOOTP_REPLY;
	b[1] = 1;
	b[2] = 6;
	b[4] = (uint8_t)(xid >> 24);
	b[5] = (uint8_t)(xid >> 16);
	b[6] = (uint8_t)(xid >> 8);
	b[7] = (uint8_t)xid;
	struct in_addr y = ip4(yiaddr);
	memcpy(b + 16, &y, 4);
	memcpy(b + 28, MAC, 6);
	b[BOOTP_FIXED_LEN] = 0x63;
	b[BOOTP_FIXED_LEN + 1] = 0x82;
	b[BOOTP_FIXED_LEN + 2] = 0x53;
	b[BOOTP_FIXED_LEN + 3] = 0x63;
	memcpy(buf + OPTS, opts, optlen);
	struct udphdr *u = (struct udphdr *)(buf + sizeof(struct iphdr));
	u->source = htons(67);
	u->dest = htons(68);
	u->len = htons((uint16_t)(total - sizeof(struct iphdr)));
	struct iphdr *ip = (struct iphdr *)buf;
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)total);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = ip4("10.0.2.2").s_addr;
	ip->daddr = ip4("10.0.2.15").s_addr;
	ip->check = htons((uint16_t)~dhcp_csum_fold(dhcp_csum_add(0, ip, sizeof(*ip))));
	return total;
}

static void fix_ip_csum(uint8_t *buf)
{
	struct iphdr *ip = (struct iphdr *)buf;
	ip->check = 0;
	ip->check = htons((uint16_t)~dhcp_csum_fold(dhcp_csum_add(0, ip, (size_t)ip->ihl * 4)));
}

/* An OFFER the way passt 2023-03 words it (with DNS and a search domain). */
static const uint8_t OFFER_OPTS[] = {
	53, 1, 2,				/* OFFER */
	54, 4, 10, 0, 2, 2,			/* server */
	51, 4, 0xff, 0xff, 0xff, 0xff,		/* lease: infinite */
	1, 4, 255, 255, 255, 0,			/* /24 */
	3, 4, 10, 0, 2, 2,			/* router */
	6, 8, 10, 0, 2, 3, 10, 0, 2, 4,		/* DNS x2 */
	15, 8, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, /* domain, NUL counted */
	26, 2, 0xff, 0xf0,			/* MTU 65520 */
	255,
};

static void test_build_discover(void **state)
{
	(void)state;
	uint8_t p[1024];
	size_t n = dhcp_build(p, sizeof(p), DHCP_DISCOVER, XID, MAC, 3, NULL, NULL);
	assert_int_equal(n, HDRS + BOOTP_MIN_LEN);
	struct iphdr *ip = (struct iphdr *)p;
	assert_int_equal(ip->version, 4);
	assert_int_equal(ip->protocol, IPPROTO_UDP);
	assert_int_equal(ntohs(ip->tot_len), n);
	assert_int_equal(ip->saddr, 0);
	assert_int_equal(ip->daddr, 0xffffffffu);
	assert_int_equal(dhcp_csum_fold(dhcp_csum_add(0, p, 20)), 0xffff);
	/* UDP checksum with the pseudo-header sums to all ones. */
	struct udphdr *u = (struct udphdr *)(p + 20);
	assert_int_equal(ntohs(u->source), 68);
	assert_int_equal(ntohs(u->dest), 67);
	assert_int_equal(ntohs(u->len), n - 20);
	assert_int_not_equal(u->check, 0);
	uint32_t s = dhcp_csum_add(0, &ip->saddr, 8) + IPPROTO_UDP + ntohs(u->len);
	assert_int_equal(dhcp_csum_fold(dhcp_csum_add(s, u, n - 20)), 0xffff);
	const uint8_t *b = p + HDRS;
	assert_int_equal(b[0], BOOTP_REQUEST);
	assert_int_equal(b[1], 1);
	assert_int_equal(b[2], 6);
	assert_memory_equal(b + 4, "\x12\x34\x56\x78", 4);
	assert_int_equal(b[8] << 8 | b[9], 3);
	assert_int_equal(b[10], 0x80); /* broadcast flag */
	assert_memory_equal(b + 28, MAC, 6);
	assert_memory_equal(b + BOOTP_FIXED_LEN, "\x63\x82\x53\x63", 4);
	const uint8_t *o = p + OPTS;
	assert_memory_equal(o, "\x35\x01\x01\x50\x00", 5); /* DISCOVER, Rapid Commit */
	/* No requested address or server id in a DISCOVER; the options end. */
	bool end = false, req = false, params = false;
	for (size_t i = 0; i < n - OPTS;) {
		if (o[i] == 255) {
			end = true;
			break;
		}
		if (o[i] == 50 || o[i] == 54)
			req = true;
		if (o[i] == 55)
			params = true;
		i += 2u + o[i + 1];
	}
	assert_true(end);
	assert_false(req);
	assert_true(params);
}

static void test_build_request(void **state)
{
	(void)state;
	uint8_t p[1024];
	struct in_addr want = ip4("10.0.2.15"), srv = ip4("10.0.2.2");
	size_t n = dhcp_build(p, sizeof(p), DHCP_REQUEST, XID, MAC, 0, &want, &srv);
	assert_int_equal(n, HDRS + BOOTP_MIN_LEN);
	const uint8_t *o = p + OPTS;
	assert_memory_equal(o, "\x35\x01\x03", 3);
	assert_memory_equal(o + 3, "\x32\x04\x0a\x00\x02\x0f", 6); /* requested 10.0.2.15 */
	assert_memory_equal(o + 9, "\x36\x04\x0a\x00\x02\x02", 6); /* server 10.0.2.2 */
	/* Too small a buffer: nothing built, nothing written past it. */
	uint8_t small[HDRS + BOOTP_MIN_LEN - 1];
	assert_int_equal(dhcp_build(small, sizeof(small), DHCP_DISCOVER, XID, MAC, 0, NULL, NULL), 0);
}

static void test_parse_offer(void **state)
{
	(void)state;
	uint8_t p[1024];
	struct dhcp_reply r;
	size_t n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), 0);
	assert_int_equal(r.type, DHCP_OFFER);
	assert_int_equal(r.addr.s_addr, ip4("10.0.2.15").s_addr);
	assert_int_equal(r.server.s_addr, ip4("10.0.2.2").s_addr);
	assert_int_equal(r.router.s_addr, ip4("10.0.2.2").s_addr);
	assert_int_equal(r.prefix, 24);
	assert_int_equal(r.ndns, 2);
	assert_int_equal(r.dns[1].s_addr, ip4("10.0.2.4").s_addr);
	assert_int_equal(r.mtu, 65520);
	assert_int_equal(r.lease_secs, 0xffffffffu);
	assert_string_equal(r.domain, "example");
	assert_false(r.rapid_commit);
	assert_true(dhcp_lease_usable(&r));
	/* Padding in front of the options and trailing bytes after END are fine. */
	uint8_t o2[sizeof(OFFER_OPTS) + 8] = { 0, 0, 0 };
	memcpy(o2 + 3, OFFER_OPTS, sizeof(OFFER_OPTS));
	memset(o2 + 3 + sizeof(OFFER_OPTS), 0xab, 5);
	n = reply(p, sizeof(p), XID, "10.0.2.15", o2, sizeof(o2));
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), 0);
	assert_int_equal(r.mtu, 65520);
}

static void test_parse_rapid_ack(void **state)
{
	(void)state;
	uint8_t p[1024];
	struct dhcp_reply r;
	static const uint8_t o[] = { 53, 1, 5, 80, 0, 1, 4, 255, 255, 255, 255, 255 };
	size_t n = reply(p, sizeof(p), XID, "192.168.127.2", o, sizeof(o));
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), 0);
	assert_int_equal(r.type, DHCP_ACK);
	assert_true(r.rapid_commit);
	assert_int_equal(r.prefix, 32);
	assert_int_equal(r.router.s_addr, 0);
	assert_int_equal(r.mtu, 0);
	assert_int_equal(r.ndns, 0);
	assert_true(dhcp_lease_usable(&r));
	char text[256];
	assert_int_equal(dhcp_resolv_conf(&r, text, sizeof(text)), 0);
	/* A NAK parses (its yiaddr is 0). */
	static const uint8_t nak[] = { 53, 1, 6, 255 };
	n = reply(p, sizeof(p), XID, "0.0.0.0", nak, sizeof(nak));
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), 0);
	assert_int_equal(r.type, DHCP_NAK);
	assert_false(dhcp_lease_usable(&r));
}

/* Every truncation of a good reply is refused, never read past. */
static void test_truncated(void **state)
{
	(void)state;
	uint8_t p[1024];
	struct dhcp_reply r;
	size_t n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	for (size_t len = 0; len < n; len++) {
		uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees any overread */
		memcpy(copy, p, len);
		assert_int_not_equal(dhcp_parse(copy, len, XID, MAC, &r), 0);
		free(copy);
	}
	/* Cut short inside the IP length too (a consistent but short datagram). */
	for (size_t cut = OPTS - 8; cut < n; cut++) {
		uint8_t q[1024];
		memcpy(q, p, cut);
		struct iphdr *ip = (struct iphdr *)q;
		ip->tot_len = htons((uint16_t)cut);
		((struct udphdr *)(q + 20))->len = htons((uint16_t)(cut - 20));
		fix_ip_csum(q);
		uint8_t *copy = malloc(cut);
		memcpy(copy, q, cut);
		assert_int_equal(dhcp_parse(copy, cut, XID, MAC, &r), -EBADMSG);
		free(copy);
	}
}

static void test_not_ours(void **state)
{
	(void)state;
	uint8_t p[1024];
	struct dhcp_reply r;
	size_t n = reply(p, sizeof(p), XID + 1, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -ENOMSG); /* wrong xid */
	n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	uint8_t other[6] = { 2, 0, 0, 0, 0, 1 };
	assert_int_equal(dhcp_parse(p, n, XID, other, &r), -ENOMSG); /* wrong MAC */
	p[HDRS] = BOOTP_REQUEST; /* another client's request */
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -ENOMSG);
	n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	((struct udphdr *)(p + 20))->dest = htons(69);
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -ENOMSG);
	n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	((struct iphdr *)p)->protocol = IPPROTO_TCP;
	fix_ip_csum(p);
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -ENOMSG);
	n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	((struct iphdr *)p)->frag_off = htons(IP_MF);
	fix_ip_csum(p);
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -ENOMSG); /* a fragment */
	n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	((struct iphdr *)p)->version = 6;
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -ENOMSG);
	n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	((struct iphdr *)p)->ihl = 4;
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -ENOMSG);
}

static void expect_bad_opts(const uint8_t *o, size_t len)
{
	uint8_t p[1024];
	struct dhcp_reply r;
	size_t n = reply(p, sizeof(p), XID, "10.0.2.15", o, len);
	uint8_t *copy = malloc(n);
	memcpy(copy, p, n);
	assert_int_equal(dhcp_parse(copy, n, XID, MAC, &r), -EBADMSG);
	free(copy);
}

static void test_bad_options(void **state)
{
	(void)state;
	/* An option's length running past the end of the message. */
	expect_bad_opts((const uint8_t[]){ 53, 1, 2, 6, 200, 1, 2, 3, 4 }, 9);
	/* A length byte missing at the end. */
	expect_bad_opts((const uint8_t[]){ 53, 1, 2, 6 }, 4);
	/* No END. */
	expect_bad_opts((const uint8_t[]){ 53, 1, 2 }, 3);
	/* No message type, or a client's type, or an unknown one. */
	expect_bad_opts((const uint8_t[]){ 1, 4, 255, 255, 255, 0, 255 }, 7);
	expect_bad_opts((const uint8_t[]){ 53, 1, 1, 255 }, 4);
	expect_bad_opts((const uint8_t[]){ 53, 1, 99, 255 }, 4);
	/* Wrong fixed lengths. */
	expect_bad_opts((const uint8_t[]){ 53, 2, 2, 0, 255 }, 5);
	expect_bad_opts((const uint8_t[]){ 53, 1, 2, 54, 3, 1, 2, 3, 255 }, 9);
	expect_bad_opts((const uint8_t[]){ 53, 1, 2, 3, 3, 1, 2, 3, 255 }, 9);
	expect_bad_opts((const uint8_t[]){ 53, 1, 2, 3, 6, 1, 2, 3, 4, 5, 6, 255 }, 12);
	expect_bad_opts((const uint8_t[]){ 53, 1, 2, 6, 0, 255 }, 6);
	expect_bad_opts((const uint8_t[]){ 53, 1, 2, 26, 1, 5, 255 }, 7);
	expect_bad_opts((const uint8_t[]){ 53, 1, 2, 51, 2, 0, 1, 255 }, 8);
	expect_bad_opts((const uint8_t[]){ 53, 1, 5, 80, 1, 0, 255 }, 7);
	/* A mask whose ones are not contiguous. */
	expect_bad_opts((const uint8_t[]){ 53, 1, 2, 1, 4, 255, 0, 255, 0, 255 }, 10);
}

static void test_bad_headers(void **state)
{
	(void)state;
	uint8_t p[1024];
	struct dhcp_reply r;
	size_t n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	p[10] ^= 0x55; /* IP checksum */
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -EBADMSG);
	n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	((struct udphdr *)(p + 20))->len = htons((uint16_t)(n - 20 + 1)); /* past the IP payload */
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -EBADMSG);
	((struct udphdr *)(p + 20))->len = htons(4); /* shorter than its header */
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -EBADMSG);
	n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	p[HDRS + BOOTP_FIXED_LEN] = 0; /* magic cookie */
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), -EBADMSG);
	/* IP total length larger than what was received. */
	n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	assert_int_equal(dhcp_parse(p, n - 1, XID, MAC, &r), -ENOMSG);
	/* IP options (ihl 6) are skipped correctly. */
	uint8_t q[1024];
	memcpy(q, p, 20);
	memset(q + 20, 1, 4); /* four NOP options */
	memcpy(q + 24, p + 20, n - 20);
	((struct iphdr *)q)->ihl = 6;
	((struct iphdr *)q)->tot_len = htons((uint16_t)(n + 4));
	fix_ip_csum(q);
	assert_int_equal(dhcp_parse(q, n + 4, XID, MAC, &r), 0);
	assert_int_equal(r.prefix, 24);
}

static void test_option_values(void **state)
{
	(void)state;
	uint8_t p[1024];
	struct dhcp_reply r;
	/* Five DNS servers over two options: three kept. A tiny MTU is ignored. */
	static const uint8_t o[] = { 53, 1, 5, 6, 12, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
				     6, 8, 4, 4, 4, 4, 5, 5, 5, 5, 26, 2, 0, 100, 255 };
	size_t n = reply(p, sizeof(p), XID, "10.0.2.15", o, sizeof(o));
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), 0);
	assert_int_equal(r.ndns, 3);
	assert_int_equal(r.dns[2].s_addr, ip4("3.3.3.3").s_addr);
	assert_int_equal(r.mtu, 0);
	/* A domain that would inject a line into resolv.conf is dropped. */
	static const uint8_t d[] = { 53, 1, 5, 6, 4, 9, 9, 9, 9, 15, 9, 'a', '\n', 'n', 'a', 'm',
				     'e', 's', 'r', 'v', 255 };
	n = reply(p, sizeof(p), XID, "10.0.2.15", d, sizeof(d));
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), 0);
	assert_string_equal(r.domain, "");
	char text[256];
	size_t len = dhcp_resolv_conf(&r, text, sizeof(text));
	assert_true(len > 0);
	assert_non_null(strstr(text, "nameserver 9.9.9.9\n"));
	assert_null(strstr(text, "search"));
	/* With a domain; and a buffer too small gives nothing rather than half. */
	n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	assert_int_equal(dhcp_parse(p, n, XID, MAC, &r), 0);
	len = dhcp_resolv_conf(&r, text, sizeof(text));
	assert_int_equal(len, strlen(text));
	assert_non_null(strstr(text, "search example\nnameserver 10.0.2.3\nnameserver 10.0.2.4\n"));
	assert_int_equal(dhcp_resolv_conf(&r, text, 40), 0);
}

static void test_usable(void **state)
{
	(void)state;
	struct dhcp_reply r = { .type = DHCP_ACK, .prefix = 24 };
	const char *bad[] = { "0.0.0.0", "255.255.255.255", "127.0.0.1", "224.0.0.1", "240.0.0.1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.addr = ip4(bad[i]);
		assert_false(dhcp_lease_usable(&r));
	}
	r.addr = ip4("10.0.2.15");
	assert_true(dhcp_lease_usable(&r));
	r.router = ip4("255.255.255.255");
	assert_false(dhcp_lease_usable(&r));
}

static void test_mtu(void **state)
{
	(void)state;
	uint64_t f;
	assert_int_equal(dhcp_parse_virtio_features("0000000000000000000000000000000000000000000000000000000000000000\n", &f), 0);
	assert_int_equal(f, 0);
	/* Bits are listed from bit 0: position 7 is GUEST_TSO4. */
	assert_int_equal(dhcp_parse_virtio_features("00000001", &f), 0);
	assert_int_equal(f, 1ull << VIRTIO_NET_F_GUEST_TSO4);
	assert_int_equal(dhcp_parse_virtio_features("0012", &f), -EINVAL);
	assert_int_equal(dhcp_parse_virtio_features("", &f), -EINVAL);
	/* Longer than 64 bits: the rest is ignored, not written anywhere. */
	char longbits[200];
	memset(longbits, '1', sizeof(longbits) - 1);
	longbits[sizeof(longbits) - 1] = '\0';
	assert_int_equal(dhcp_parse_virtio_features(longbits, &f), 0);
	assert_int_equal(f, ~0ull);

	/* Plain VERSION_1|MAC|EVENT_IDX: 1518-byte receive buffers, so 1500. */
	uint64_t plain = 1ull << 32 | 1ull << 5 | 1ull << 29;
	assert_int_equal(dhcp_mtu_limit(plain, 1500), 1500);
	assert_int_equal(dhcp_mtu_limit(plain | 1ull << VIRTIO_NET_F_GUEST_TSO4, 1500), 65535);
	assert_int_equal(dhcp_mtu_limit(plain | 1ull << VIRTIO_NET_F_GUEST_UFO, 1500), 65535);
	assert_int_equal(dhcp_mtu_limit(plain | 1ull << VIRTIO_NET_F_MRG_RXBUF, 1500), 65535);
	assert_int_equal(dhcp_mtu_limit(plain | 1ull << VIRTIO_NET_F_MTU, 9000), 9000);
	assert_int_equal(dhcp_mtu_limit(plain | 1ull << VIRTIO_NET_F_MTU, 1280), 1500);

	/* passt offers 65520. */
	assert_int_equal(dhcp_choose_mtu(65520, 1500, 1500), 0);	  /* nothing to change */
	assert_int_equal(dhcp_choose_mtu(65520, 65535, 1500), 65520);
	assert_int_equal(dhcp_choose_mtu(1400, 1500, 1500), 1400);
	assert_int_equal(dhcp_choose_mtu(0, 65535, 1500), 0);	  /* no option */
}

/* Random damage to a good reply: never a crash or an overread, and whatever parses is in bounds. */
static void test_random_damage(void **state)
{
	(void)state;
	uint8_t p[1024];
	struct dhcp_reply r;
	size_t n = reply(p, sizeof(p), XID, "10.0.2.15", OFFER_OPTS, sizeof(OFFER_OPTS));
	srand(18);
	int parsed = 0;
	for (int i = 0; i < 20000; i++) {
		uint8_t *q = malloc(n);
		memcpy(q, p, n);
		int flips = 1 + rand() % 6;
		for (int k = 0; k < flips; k++) {
			/* Mostly the options, where the lengths live. */
			size_t at = rand() % 4 ? OPTS + (size_t)rand() % (n - OPTS) : (size_t)rand() % n;
			q[at] = (uint8_t)rand();
		}
		fix_ip_csum(q);
		size_t len = n - (size_t)(rand() % 4 == 0 ? rand() % 40 : 0);
		if (dhcp_parse(q, len, XID, MAC, &r) == 0) {
			parsed++;
			assert_true(r.ndns >= 0 && r.ndns <= DHCP_MAX_DNS);
			assert_true(r.prefix >= -1 && r.prefix <= 32);
			assert_true(strlen(r.domain) < sizeof(r.domain));
			assert_true(r.type == DHCP_OFFER || r.type == DHCP_ACK || r.type == DHCP_NAK);
		}
		free(q);
	}
	assert_true(parsed > 0); /* damage to unused options still parses */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_discover),
		cmocka_unit_test(test_build_request),
		cmocka_unit_test(test_parse_offer),
		cmocka_unit_test(test_parse_rapid_ack),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_option_values),
		cmocka_unit_test(test_usable),
		cmocka_unit_test(test_mtu),
		cmocka_unit_test(test_random_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
