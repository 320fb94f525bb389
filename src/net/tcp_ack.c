/* SPDX-License-Identifier: Apache-2.0 */
/* Pure-ACK thinning (see tcp_ack.h). */
#include "net/tcp_ack.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <string.h>

struct seg {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t ack;
	bool pure; /* only ACK set, no payload, no options: may be dropped */
};

/* An IPv4 TCP segment with the ACK flag: true and *s filled. */
static bool parse(const uint8_t *f, size_t len, struct seg *s)
{
	struct ethhdr eh;
	struct iphdr ip;
	struct tcphdr th;
	if (len < sizeof(eh) + sizeof(ip) + sizeof(th))
		return false;
	memcpy(&eh, f, sizeof(eh));
	if (eh.h_proto != htons(ETH_P_IP))
		return false;
	memcpy(&ip, f + sizeof(eh), sizeof(ip));
	size_t l3len = len - sizeof(eh), tot = ntohs(ip.tot_len);
	/* No options (so the TCP header's place is fixed), no fragment. */
	if (ip.version != 4 || ip.ihl != 5 || ip.protocol != IPPROTO_TCP || tot > l3len ||
	    tot < sizeof(ip) + sizeof(th) || (ntohs(ip.frag_off) & (IP_MF | IP_OFFMASK)))
		return false;
	memcpy(&th, f + sizeof(eh) + sizeof(ip), sizeof(th));
	size_t thlen = (size_t)th.doff * 4;
	if (!th.ack || thlen < sizeof(th) || thlen > tot - sizeof(ip))
		return false;
	s->saddr = ip.saddr;
	s->daddr = ip.daddr;
	s->sport = th.source;
	s->dport = th.dest;
	s->ack = ntohl(th.ack_seq);
	s->pure = !th.syn && !th.fin && !th.rst && !th.urg && !th.psh && thlen == sizeof(th) &&
		  tot == sizeof(ip) + thlen;
	return true;
}

/* a after b in sequence space (RFC 1982 style, as TCP compares). */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

size_t tcp_ack_thin(const uint8_t *const *frames, const size_t *lens, size_t n, bool *drop)
{
	/* Walking from the newest frame back: per connection, the highest
	 * acknowledgment number any later frame carries. */
	struct seg later[TCP_ACK_FLOWS];
	size_t nr = 0, marked = 0;
	for (size_t i = n; i-- > 0;) {
		struct seg s;
		if (drop[i] || !frames[i] || !parse(frames[i], lens[i], &s))
			continue;
		struct seg *l = NULL;
		for (size_t k = 0; k < nr; k++)
			if (later[k].saddr == s.saddr && later[k].daddr == s.daddr && later[k].sport == s.sport &&
			    later[k].dport == s.dport) {
				l = &later[k];
				break;
			}
		if (l) {
			if (s.pure && seq_after(l->ack, s.ack)) {
				drop[i] = true;
				marked++;
			} else if (seq_after(s.ack, l->ack)) {
				l->ack = s.ack; /* out of order in the queue: keep the highest */
			}
		} else if (nr < TCP_ACK_FLOWS) {
			later[nr++] = s;
		}
	}
	return marked;
}

bool tcp_ack_is_pure(const uint8_t *frame, size_t len)
{
	struct seg s;
	return frame && parse(frame, len, &s) && s.pure;
}
