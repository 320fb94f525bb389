/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure-ACK thinning (src/net/tcp_ack.c) on hand-built frames: which ACKs a
 * later frame supersedes, and that nothing else is ever marked, whatever the
 * bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "net/tcp_ack.h"

#define FLEN 128

struct spec {
	uint16_t sport, dport;
	uint32_t ack;
	bool syn, fin, rst, psh, urg, noack;
	size_t payload; /* bytes of data after the TCP header */
	int ihl;        /* 0: 5 */
	int doff;       /* 0: 5 */
	uint16_t frag;  /* frag_off, host order */
};

/* An Ethernet + IPv4 + TCP frame from 10.0.2.2 to 10.0.2.15. */
static size_t build(uint8_t *f, const struct spec *s)
{
	memset(f, 0, FLEN);
	struct ethhdr eh = { .h_proto = htons(ETH_P_IP) };
	int ihl = s->ihl ? s->ihl : 5, doff = s->doff ? s->doff : 5;
	size_t tot = (size_t)ihl * 4 + (size_t)doff * 4 + s->payload;
	struct iphdr ip = { .version = 4, .ihl = (unsigned)ihl, .ttl = 64, .protocol = IPPROTO_TCP };
	ip.tot_len = htons((uint16_t)tot);
	ip.frag_off = htons(s->frag);
	ip.saddr = inet_addr("10.0.2.2");
	ip.daddr = inet_addr("10.0.2.15");
	struct tcphdr th = { 0 };
	th.source = htons(s->sport ? s->sport : 5201);
	th.dest = htons(s->dport ? s->dport : 40000);
	th.ack_seq = htonl(s->ack);
	th.doff = (unsigned)doff;
	th.ack = !s->noack;
	th.syn = s->syn;
	th.fin = s->fin;
	th.rst = s->rst;
	th.psh = s->psh;
	th.urg = s->urg;
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), &ip, sizeof(ip));
	memcpy(f + sizeof(eh) + (size_t)ihl * 4, &th, sizeof(th));
	return sizeof(eh) + tot;
}

/* Runs the thinning over specs; returns the number marked, drop[] filled. */
static size_t thin(const struct spec *specs, size_t n, bool *drop)
{
	static uint8_t bufs[64][FLEN];
	const uint8_t *frames[64];
	size_t lens[64];
	assert_true(n <= 64);
	for (size_t i = 0; i < n; i++) {
		lens[i] = build(bufs[i], &specs[i]);
		frames[i] = bufs[i];
		drop[i] = false;
	}
	return tcp_ack_thin(frames, lens, n, drop);
}

static void test_superseded_acks_dropped(void **state)
{
	(void)state;
	struct spec s[] = { { .ack = 100 }, { .ack = 200 }, { .ack = 300 } };
	bool d[3];
	assert_int_equal(thin(s, 3, d), 2);
	assert_true(d[0] && d[1]);
	assert_false(d[2]); /* the newest always goes */
}

static void test_dup_acks_kept(void **state)
{
	(void)state;
	/* Equal numbers are duplicate ACKs: the guest's fast retransmit counts them. */
	struct spec s[] = { { .ack = 90 }, { .ack = 100 }, { .ack = 100 }, { .ack = 100 } };
	bool d[4];
	assert_int_equal(thin(s, 4, d), 1);
	assert_true(d[0]);
	assert_false(d[1] || d[2] || d[3]);
}

static void test_connections_apart(void **state)
{
	(void)state;
	struct spec s[] = {
		{ .ack = 100, .dport = 1 }, { .ack = 50, .dport = 2 }, { .ack = 200, .dport = 1 },
		{ .ack = 60, .sport = 9 /* another connection: same ports but one */, .dport = 2 },
	};
	bool d[4];
	assert_int_equal(thin(s, 4, d), 1);
	assert_true(d[0]);
	assert_false(d[1] || d[2] || d[3]);
}

static void test_only_pure_acks_dropped(void **state)
{
	(void)state;
	/* Each flagged or data-bearing frame is followed by a higher ACK and must stay. */
	struct spec kinds[] = {
		{ .ack = 100, .psh = true }, { .ack = 100, .fin = true }, { .ack = 100, .syn = true },
		{ .ack = 100, .rst = true }, { .ack = 100, .urg = true }, { .ack = 100, .payload = 10 },
		{ .ack = 100, .noack = true }, { .ack = 100, .doff = 6 /* options: maybe SACK */ },
		{ .ack = 100, .ihl = 6 }, { .ack = 100, .frag = IP_MF }, { .ack = 100, .frag = 8 },
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct spec s[2] = { kinds[k], { .ack = 200 } };
		bool d[2];
		assert_int_equal(thin(s, 2, d), 0);
	}
	/* A data frame acknowledges too: it supersedes an older pure ACK. */
	struct spec s[2] = { { .ack = 100 }, { .ack = 200, .payload = 10, .psh = true } };
	bool d[2];
	assert_int_equal(thin(s, 2, d), 1);
	assert_true(d[0]);
}

static void test_sequence_wraps(void **state)
{
	(void)state;
	struct spec fwd[] = { { .ack = 0xfffffff0u }, { .ack = 0x10 } };
	bool d[2];
	assert_int_equal(thin(fwd, 2, d), 1);
	assert_true(d[0]);
	/* The later frame is behind in sequence space: nothing is superseded. */
	struct spec back[] = { { .ack = 0x10 }, { .ack = 0xfffffff0u } };
	assert_int_equal(thin(back, 2, d), 0);
}

static void test_out_of_order_queue(void **state)
{
	(void)state;
	/* The highest later number counts, not the last one; an ACK that only
	 * an older number follows stays. */
	struct spec s[] = { { .ack = 100 }, { .ack = 300 }, { .ack = 200 } };
	bool d[3];
	assert_int_equal(thin(s, 3, d), 1);
	assert_true(d[0]);
	assert_false(d[1] || d[2]);
}

static void test_many_connections(void **state)
{
	(void)state;
	/* More connections than the table holds: no crash, and no drop for the untracked. */
	struct spec s[2 * (TCP_ACK_FLOWS + 8)];
	size_t n = 0;
	for (uint16_t c = 0; c < TCP_ACK_FLOWS + 8; c++)
		s[n++] = (struct spec){ .ack = 100, .dport = (uint16_t)(1000 + c) };
	for (uint16_t c = 0; c < TCP_ACK_FLOWS + 8; c++)
		s[n++] = (struct spec){ .ack = 200, .dport = (uint16_t)(1000 + c) };
	bool d[64];
	size_t m = thin(s, n, d);
	assert_true(m <= TCP_ACK_FLOWS);
	assert_true(m > 0);
	for (size_t i = TCP_ACK_FLOWS + 8; i < n; i++)
		assert_false(d[i]);
}

static void test_not_tcp_or_short(void **state)
{
	(void)state;
	uint8_t f[2][FLEN];
	struct spec a = { .ack = 100 }, b = { .ack = 200 };
	size_t la = build(f[0], &a), lb = build(f[1], &b);
	const uint8_t *frames[2] = { f[0], f[1] };
	bool d[2];
	/* Every truncation of the older frame: never marked unless whole. */
	for (size_t cut = 0; cut < la; cut++) {
		size_t lens[2] = { cut, lb };
		d[0] = d[1] = false;
		assert_int_equal(tcp_ack_thin(frames, lens, 2, d), 0);
	}
	/* An IPv6 frame or ARP is not looked into. */
	uint8_t g[FLEN];
	memcpy(g, f[0], la);
	struct ethhdr eh;
	memcpy(&eh, g, sizeof(eh));
	eh.h_proto = htons(ETH_P_IPV6);
	memcpy(g, &eh, sizeof(eh));
	const uint8_t *frames6[2] = { g, f[1] };
	size_t lens6[2] = { la, lb };
	d[0] = d[1] = false;
	assert_int_equal(tcp_ack_thin(frames6, lens6, 2, d), 0);
	/* A total length beyond the frame. */
	uint8_t h[FLEN];
	memcpy(h, f[0], la);
	struct iphdr ip;
	memcpy(&ip, h + sizeof(eh), sizeof(ip));
	ip.tot_len = htons(1000);
	memcpy(h + sizeof(eh), &ip, sizeof(ip));
	const uint8_t *framesl[2] = { h, f[1] };
	d[0] = d[1] = false;
	assert_int_equal(tcp_ack_thin(framesl, lens6, 2, d), 0);
	/* NULL entries and entries already marked are skipped. */
	const uint8_t *framesn[2] = { NULL, f[1] };
	d[0] = d[1] = false;
	assert_int_equal(tcp_ack_thin(framesn, lens6, 2, d), 0);
	d[0] = true;
	d[1] = false;
	size_t lens[2] = { la, lb };
	assert_int_equal(tcp_ack_thin(frames, lens, 2, d), 0);
}

static void test_is_pure(void **state)
{
	(void)state;
	uint8_t f[FLEN];
	struct spec pure = { .ack = 1 };
	size_t l = build(f, &pure);
	assert_true(tcp_ack_is_pure(f, l));
	assert_false(tcp_ack_is_pure(f, l - 1));
	assert_false(tcp_ack_is_pure(NULL, l));
	struct spec not_pure[] = { { .ack = 1, .psh = true }, { .ack = 1, .payload = 1 }, { .ack = 1, .fin = true },
				   { .ack = 1, .syn = true }, { .ack = 1, .rst = true }, { .ack = 1, .doff = 6 },
				   { .ack = 1, .noack = true }, { .ack = 1, .ihl = 6 }, { .ack = 1, .frag = IP_MF } };
	for (size_t k = 0; k < sizeof(not_pure) / sizeof(not_pure[0]); k++) {
		l = build(f, &not_pure[k]);
		assert_false(tcp_ack_is_pure(f, l));
	}
}

static void test_random_bytes(void **state)
{
	(void)state;
	/* Random frames (some with IPv4/TCP headers forced): whatever is marked is a pure ACK. */
	srand(19);
	static uint8_t bufs[32][FLEN];
	const uint8_t *frames[32];
	size_t lens[32];
	bool d[32];
	for (int round = 0; round < 2000; round++) {
		for (int i = 0; i < 32; i++) {
			for (int b = 0; b < FLEN; b++)
				bufs[i][b] = (uint8_t)rand();
			if (rand() % 2) {
				struct spec s = { .ack = (uint32_t)rand(), .dport = (uint16_t)(rand() % 3) };
				build(bufs[i], &s);
			}
			lens[i] = (size_t)(rand() % (FLEN + 1));
			frames[i] = bufs[i];
			d[i] = false;
		}
		tcp_ack_thin(frames, lens, 32, d);
		for (int i = 0; i < 32; i++) {
			if (!d[i])
				continue;
			struct iphdr ip;
			struct tcphdr th;
			assert_true(lens[i] >= ETH_HLEN + sizeof(ip) + sizeof(th));
			memcpy(&ip, bufs[i] + ETH_HLEN, sizeof(ip));
			memcpy(&th, bufs[i] + ETH_HLEN + sizeof(ip), sizeof(th));
			assert_int_equal(ip.protocol, IPPROTO_TCP);
			assert_int_equal(ntohs(ip.tot_len), sizeof(ip) + sizeof(th));
			assert_true(th.ack && !th.syn && !th.fin && !th.rst && !th.psh && !th.urg);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_superseded_acks_dropped),
		cmocka_unit_test(test_dup_acks_kept),
		cmocka_unit_test(test_connections_apart),
		cmocka_unit_test(test_only_pure_acks_dropped),
		cmocka_unit_test(test_sequence_wraps),
		cmocka_unit_test(test_out_of_order_queue),
		cmocka_unit_test(test_many_connections),
		cmocka_unit_test(test_not_tcp_or_short),
		cmocka_unit_test(test_is_pure),
		cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
