/* SPDX-License-Identifier: Apache-2.0 */
/* eth0's static configuration for the implicit network (netcfg.h). */
#include "netcfg.h"
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_addr(const char *s, size_t len, struct in_addr *a)
{
	char buf[INET_ADDRSTRLEN];
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 ? 0 : -EINVAL;
}

int init_net_parse(const char *s, struct init_net *out)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	const char *c1 = slash ? strchr(slash, ',') : NULL;
	const char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	if (!c2 || strchr(c2 + 1, ','))
		return -EINVAL;
	if (parse_addr(s, (size_t)(slash - s), &out->addr) || parse_addr(c1 + 1, (size_t)(c2 - c1 - 1), &out->gateway) ||
	    parse_addr(c2 + 1, strlen(c2 + 1), &out->dns))
		return -EINVAL;
	char *end;
	errno = 0;
	long len = strtol(slash + 1, &end, 10);
	if (end != c1 || slash + 1 == c1 || errno || len < 1 || len > 32)
		return -EINVAL;
	out->prefix = (int)len;
	out->netmask.s_addr = htonl(len == 32 ? 0xffffffffu : ~(0xffffffffu >> len));
	return 0;
}

int init_net_apply(const char *ifname, const struct init_net *n)
{
	char dns[INET_ADDRSTRLEN], resolv[64];
	struct init_net_notes notes;

	inet_ntop(AF_INET, &n->dns, dns, sizeof(dns));
	snprintf(resolv, sizeof(resolv), "nameserver %s\n", dns);
	struct init_ipv4 c = {
		.addr = n->addr,
		.prefix = n->prefix,
		.gateway = n->gateway,
		.resolv = resolv,
		.ndns = 1,
	};
	/* Quiet when it works: the notes are for DHCP's summary line. */
	return init_net_set(ifname, &c, &notes);
}
