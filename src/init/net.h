/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest init's network setup: lo always; with KRUN_DHCP=1 (libkrun puts
 * it on the command line for NET_FLAG_DHCP_CLIENT) a DHCP lease on eth0.
 */
#ifndef CKRUN_INIT_NET_H
#define CKRUN_INIT_NET_H

#include <netinet/in.h>

/* The whole DHCP exchange, link up to ACK, gets this long. */
#define INIT_DHCP_BUDGET_MS 2000

/* Brings lo up. */
void init_net_lo(void);

/* One IPv4 configuration of an interface: a DHCP lease, or CKRUN_NET's static values. */
struct init_ipv4 {
	struct in_addr addr;
	int prefix;		/* 0..32 */
	struct in_addr gateway; /* 0.0.0.0: no default route */
	unsigned mtu;		/* the offered MTU, capped to what the device takes; 0 keeps its own */
	const char *resolv;	/* /etc/resolv.conf's text; NULL leaves the file as it is */
	int ndns;		/* nameservers in that text, for the note */
};

/* The steps that may fail without failing the whole, as ", ..." for a summary line. */
struct init_net_notes {
	char mtu[96];
	char dns[96];
};

/*
 * Configures ifname with c: address and netmask (and broadcast), up, MTU,
 * default route (after a host route to a gateway outside the subnet),
 * /etc/resolv.conf (a root that keeps its own, e.g. read-only, gets only a
 * note). Says on stderr what failed. 0 or -errno of the first required step
 * (address, up, default route) that failed.
 */
int init_net_set(const char *ifname, const struct init_ipv4 *c, struct init_net_notes *notes);

/*
 * Brings ifname up, gets a lease (DISCOVER/OFFER/REQUEST/ACK, or a Rapid
 * Commit ACK) within budget_ms and applies the address, prefix, default
 * route, MTU and /etc/resolv.conf (when writable). Says on stderr what it
 * got or why there is no network. 0 or -errno; the caller goes on either way.
 */
int init_net_dhcp(const char *ifname, int budget_ms);

#endif
