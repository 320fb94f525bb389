/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest init's network setup: lo always; with KRUN_DHCP=1 (libkrun puts
 * it on the command line for NET_FLAG_DHCP_CLIENT) a DHCP lease on eth0.
 */
#ifndef CKRUN_INIT_NET_H
#define CKRUN_INIT_NET_H

/* The whole DHCP exchange, link up to ACK, gets this long. */
#define INIT_DHCP_BUDGET_MS 2000

/* Brings lo up. */
void init_net_lo(void);

/*
 * Brings ifname up, gets a lease (DISCOVER/OFFER/REQUEST/ACK, or a Rapid
 * Commit ACK) within budget_ms and applies the address, prefix, default
 * route, MTU and /etc/resolv.conf (when writable). Says on stderr what it
 * got or why there is no network. 0 or -errno; the caller goes on either way.
 */
int init_net_dhcp(const char *ifname, int budget_ms);

#endif
