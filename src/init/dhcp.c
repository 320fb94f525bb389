/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DHCPv4 messages for the guest init: see dhcp.h. Every length in a reply is
 * checked against the bytes actually received before it is used.
 */
#include "dhcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/virtio_net.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>

uint32_t dhcp_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 1) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

uint16_t dhcp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t dhcp_build(uint8_t *buf, size_t len, enum dhcp_msg_type type, uint32_t xid,
		  const uint8_t mac[6], uint16_t secs, const struct in_addr *requested,
		  const struct in_addr *server)
{
	const size_t hdrs = sizeof(struct iphdr) + sizeof(struct udphdr);
	const size_t total = hdrs + BOOTP_MIN_LEN;
	if (len < total)
		return 0;
	memset(buf, 0, total);

	uint8_t *b = buf + hdrs;
	b[0] = BOOTP_REQUEST;
	b[1] = 1; /* htype: Ethernet (ARP hardware type 1) */
	b[2] = ETH_ALEN;
	put32(b + 4, xid);
	b[8] = (uint8_t)(secs >> 8);
	b[9] = (uint8_t)secs;
	/*
	 * The broadcast flag asks for a broadcast reply; passt answers unicast
	 * anyway, which the packet socket sees all the same.
	 */
	b[10] = BOOTP_FLAG_BROADCAST >> 8;
	memcpy(b + 28, mac, ETH_ALEN);
	put32(b + BOOTP_FIXED_LEN, DHCP_MAGIC);

	uint8_t *o = b + BOOTP_FIXED_LEN + 4;
	*o++ = DHCP_OPT_MSG_TYPE;
	*o++ = 1;
	*o++ = (uint8_t)type;
	if (type == DHCP_DISCOVER) {
		*o++ = DHCP_OPT_RAPID_COMMIT;
		*o++ = 0;
	}
	if (type == DHCP_REQUEST && requested) {
		*o++ = DHCP_OPT_REQUESTED_IP;
		*o++ = 4;
		memcpy(o, &requested->s_addr, 4);
		o += 4;
	}
	if (type == DHCP_REQUEST && server && server->s_addr) {
		*o++ = DHCP_OPT_SERVER_ID;
		*o++ = 4;
		memcpy(o, &server->s_addr, 4);
		o += 4;
	}
	/* The largest reply we take: one Ethernet payload. */
	*o++ = DHCP_OPT_MAX_MSG_SIZE;
	*o++ = 2;
	*o++ = ETH_DATA_LEN >> 8;
	*o++ = ETH_DATA_LEN & 0xff;
	static const uint8_t params[] = { DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS,
					  DHCP_OPT_DOMAIN, DHCP_OPT_MTU, DHCP_OPT_LEASE_TIME };
	*o++ = DHCP_OPT_PARAM_LIST;
	*o++ = sizeof(params);
	memcpy(o, params, sizeof(params));
	o += sizeof(params);
	*o = DHCP_OPT_END;

	struct udphdr *u = (struct udphdr *)(buf + sizeof(struct iphdr));
	u->source = htons(DHCP_CLIENT_PORT);
	u->dest = htons(DHCP_SERVER_PORT);
	u->len = htons((uint16_t)(sizeof(struct udphdr) + BOOTP_MIN_LEN));

	struct iphdr *ip = (struct iphdr *)buf;
	ip->version = 4;
	ip->ihl = sizeof(struct iphdr) / 4;
	ip->tot_len = htons((uint16_t)total);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = htonl(INADDR_ANY);
	ip->daddr = htonl(INADDR_BROADCAST);
	ip->check = htons((uint16_t)~dhcp_csum_fold(dhcp_csum_add(0, ip, sizeof(*ip))));

	/* UDP checksum over the pseudo-header (source 0, so it adds nothing but the rest). */
	uint32_t sum = dhcp_csum_add(0, &ip->saddr, 8);
	sum += IPPROTO_UDP + ntohs(u->len);
	sum = dhcp_csum_add(sum, u, sizeof(struct udphdr) + BOOTP_MIN_LEN);
	uint16_t c = (uint16_t)~dhcp_csum_fold(sum);
	u->check = htons(c ? c : 0xffff); /* 0 means "no checksum" in UDP over IPv4 */
	return total;
}

/* A netmask's prefix length, or -1 when its ones are not contiguous. */
static int mask_prefix(uint32_t mask)
{
	int n = 0;
	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	if (n < 32 && (mask << n) != 0)
		return -1;
	return n;
}

static int parse_options(const uint8_t *o, size_t len, struct dhcp_reply *out)
{
	size_t i = 0;
	bool end = false;
	while (i < len) {
		uint8_t code = o[i++];
		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END) {
			end = true;
			break;
		}
		if (i >= len)
			return -EBADMSG;
		size_t olen = o[i++];
		if (olen > len - i)
			return -EBADMSG;
		const uint8_t *v = o + i;
		i += olen;
		switch (code) {
		case DHCP_OPT_MSG_TYPE:
			if (olen != 1)
				return -EBADMSG;
			out->type = v[0];
			break;
		case DHCP_OPT_SERVER_ID:
			if (olen != 4)
				return -EBADMSG;
			memcpy(&out->server.s_addr, v, 4);
			break;
		case DHCP_OPT_SUBNET_MASK:
			if (olen != 4)
				return -EBADMSG;
			out->prefix = mask_prefix(get32(v));
			if (out->prefix < 0)
				return -EBADMSG;
			break;
		case DHCP_OPT_ROUTER:
			if (olen < 4 || olen % 4)
				return -EBADMSG;
			memcpy(&out->router.s_addr, v, 4);
			break;
		case DHCP_OPT_DNS:
			if (olen < 4 || olen % 4)
				return -EBADMSG;
			/* Repeated options concatenate (RFC 3396); keep at most DHCP_MAX_DNS. */
			for (size_t k = 0; k < olen && out->ndns < DHCP_MAX_DNS; k += 4)
				memcpy(&out->dns[out->ndns++].s_addr, v + k, 4);
			break;
		case DHCP_OPT_MTU:
			if (olen != 2)
				return -EBADMSG;
			out->mtu = (uint16_t)(v[0] << 8 | v[1]);
			if (out->mtu < DHCP_MIN_MTU)
				out->mtu = 0;
			break;
		case DHCP_OPT_LEASE_TIME:
			if (olen != 4)
				return -EBADMSG;
			out->lease_secs = get32(v);
			break;
		case DHCP_OPT_DOMAIN: {
			/* Goes into resolv.conf: only a plain host name survives. */
			size_t n = 0;
			bool ok = olen > 0 && olen < sizeof(out->domain);
			for (size_t k = 0; ok && k < olen; k++) {
				uint8_t ch = v[k];
				if (ch == 0 && k == olen - 1)
					break; /* some servers count a trailing NUL */
				if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_'))
					ok = false;
				else
					n++;
			}
			if (ok && n) {
				memcpy(out->domain, v, n);
				out->domain[n] = '\0';
			}
			break;
		}
		case DHCP_OPT_RAPID_COMMIT:
			if (olen != 0)
				return -EBADMSG;
			out->rapid_commit = true;
			break;
		default:
			break; /* options we did not ask for */
		}
	}
	if (!end)
		return -EBADMSG;
	if (out->type != DHCP_OFFER && out->type != DHCP_ACK && out->type != DHCP_NAK)
		return -EBADMSG;
	return 0;
}

int dhcp_parse(const uint8_t *pkt, size_t len, uint32_t xid, const uint8_t mac[6],
	       struct dhcp_reply *out)
{
	struct iphdr ip;
	struct udphdr u;

	if (len < sizeof(ip))
		return -ENOMSG;
	memcpy(&ip, pkt, sizeof(ip));
	if (ip.version != 4 || ip.protocol != IPPROTO_UDP)
		return -ENOMSG;
	size_t ihl = (size_t)ip.ihl * 4;
	size_t tot = ntohs(ip.tot_len);
	if (ihl < sizeof(ip) || tot < ihl || tot > len)
		return -ENOMSG; /* truncated or not IPv4 at all */
	if (ntohs(ip.frag_off) & (IP_MF | IP_OFFMASK))
		return -ENOMSG; /* DHCP replies fit one frame; no reassembly here */
	if (dhcp_csum_fold(dhcp_csum_add(0, pkt, ihl)) != 0xffff)
		return -EBADMSG;
	if (tot - ihl < sizeof(u))
		return -ENOMSG;
	memcpy(&u, pkt + ihl, sizeof(u));
	if (ntohs(u.dest) != DHCP_CLIENT_PORT || ntohs(u.source) != DHCP_SERVER_PORT)
		return -ENOMSG;
	size_t ulen = ntohs(u.len);
	if (ulen < sizeof(u) || ulen > tot - ihl)
		return -EBADMSG;
	/*
	 * The UDP checksum is not verified: with the device's receive checksum
	 * offload a packet socket may see it unfinished, and the IP header
	 * checksum, the magic cookie and the option bounds already catch a
	 * mangled reply.
	 */
	const uint8_t *b = pkt + ihl + sizeof(u);
	size_t blen = ulen - sizeof(u);
	if (blen < BOOTP_FIXED_LEN + 4)
		return -EBADMSG;
	if (b[0] != BOOTP_REPLY || get32(b + 4) != xid)
		return -ENOMSG;
	if (b[1] != 1 || b[2] != ETH_ALEN || memcmp(b + 28, mac, ETH_ALEN) != 0)
		return -ENOMSG;
	if (get32(b + BOOTP_FIXED_LEN) != DHCP_MAGIC)
		return -EBADMSG;

	memset(out, 0, sizeof(*out));
	out->prefix = -1;
	memcpy(&out->addr.s_addr, b + 16, 4);
	return parse_options(b + BOOTP_FIXED_LEN + 4, blen - BOOTP_FIXED_LEN - 4, out);
}

static bool unicast(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);
	return h != 0 && h != INADDR_BROADCAST && (h >> 24) != 127 && (h >> 28) != 0xe &&
	       (h >> 28) != 0xf;
}

bool dhcp_lease_usable(const struct dhcp_reply *r)
{
	if (!unicast(r->addr))
		return false;
	if (r->router.s_addr && !unicast(r->router))
		return false;
	return true;
}

int dhcp_parse_virtio_features(const char *s, uint64_t *out)
{
	uint64_t f = 0;
	size_t i = 0;
	for (; s[i] && s[i] != '\n'; i++) {
		if (s[i] != '0' && s[i] != '1')
			return -EINVAL;
		if (s[i] == '1' && i < 64)
			f |= 1ull << i;
	}
	if (i == 0)
		return -EINVAL;
	*out = f;
	return 0;
}

unsigned dhcp_mtu_limit(uint64_t features, unsigned current)
{
	const uint64_t big = 1ull << VIRTIO_NET_F_GUEST_TSO4 | 1ull << VIRTIO_NET_F_GUEST_TSO6 |
			     1ull << VIRTIO_NET_F_GUEST_ECN | 1ull << VIRTIO_NET_F_GUEST_UFO |
			     1ull << VIRTIO_NET_F_MRG_RXBUF;
	if (features & (1ull << VIRTIO_NET_F_MTU))
		return current > ETH_DATA_LEN ? current : ETH_DATA_LEN;
	if (features & big)
		return 65535; /* the driver's MAX_MTU */
	return ETH_DATA_LEN;
}

unsigned dhcp_choose_mtu(unsigned offered, unsigned limit, unsigned current)
{
	if (offered == 0)
		return 0;
	unsigned m = offered < limit ? offered : limit;
	return m == current ? 0 : m;
}

size_t dhcp_resolv_conf(const struct dhcp_reply *r, char *buf, size_t len)
{
	if (r->ndns == 0)
		return 0;
	size_t n = 0;
	int w = snprintf(buf, len, "# written by ckrun's init from DHCP\n");
	if (w < 0 || (size_t)w >= len)
		return 0;
	n = (size_t)w;
	if (r->domain[0]) {
		w = snprintf(buf + n, len - n, "search %s\n", r->domain);
		if (w < 0 || (size_t)w >= len - n)
			return 0;
		n += (size_t)w;
	}
	for (int i = 0; i < r->ndns; i++) {
		char a[INET_ADDRSTRLEN];
		if (!inet_ntop(AF_INET, &r->dns[i], a, sizeof(a)))
			return 0;
		w = snprintf(buf + n, len - n, "nameserver %s\n", a);
		if (w < 0 || (size_t)w >= len - n)
			return 0;
		n += (size_t)w;
	}
	return n;
}
