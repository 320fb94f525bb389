/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The implicit network as the guest sees it: the values the user-mode stack
 * (usernet.c) serves and the VMM hands to the guest init on the kernel
 * command line, each spelled once. These are libslirp's (and QEMU's
 * -netdev user) customary defaults.
 */
#ifndef CKRUN_ABI_GUEST_NET_H
#define CKRUN_ABI_GUEST_NET_H

#define USERNET_NETWORK     "10.0.2.0"
#define USERNET_PREFIX_LEN  24
#define USERNET_NETMASK     "255.255.255.0"
#define USERNET_GATEWAY     "10.0.2.2"  /* the stack itself; the host as seen by the guest */
#define USERNET_DNS         "10.0.2.3"  /* forwarded to the host's resolver */
#define USERNET_GUEST_ADDR  "10.0.2.15" /* the first (only) DHCP lease, too */
#define USERNET_PREFIX6     "fd00::"    /* guest IPv6 by SLAAC from the stack's RA */
#define USERNET_PREFIX6_LEN 64
#define USERNET_GATEWAY6    "fd00::2"
#define USERNET_DNS6        "fd00::3"
#define USERNET_MTU         1500

/*
 * Kernel command-line variable (reaches the init's environment):
 *   CKRUN_NET=<guest addr>/<prefix len>,<gateway>,<dns>
 * The init configures eth0 with it, adds the default route and writes
 * /etc/resolv.conf when that is writable, then unsets it.
 */
#define GUEST_NET_ENV "CKRUN_NET"
#define GUEST_NET_IFNAME "eth0"

#endif
