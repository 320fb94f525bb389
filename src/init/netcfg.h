/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest side of the implicit network: the VMM hands eth0's static
 * configuration over on the kernel command line (GUEST_NET_ENV, format in
 * abi/guest_net.h) and the init applies it before the workload starts. No
 * DHCP round trip: the values are fixed by the VMM's user-mode stack.
 */
#ifndef CKRUN_INIT_NETCFG_H
#define CKRUN_INIT_NETCFG_H

#include <netinet/in.h>

struct init_net {
	struct in_addr addr, netmask, gateway, dns;
	int prefix; /* netmask's length */
};

/* "A.B.C.D/LEN,GW,DNS" -> out. 0 or -EINVAL. */
int init_net_parse(const char *s, struct init_net *out);

/* Configures ifname with n through the setter DHCP uses too (init_net_set,
 * net.h): address, up, default route, /etc/resolv.conf when writable. Says on
 * stderr what failed; 0 or -errno. */
int init_net_apply(const char *ifname, const struct init_net *n);

#endif
