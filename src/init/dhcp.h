/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DHCPv4 client messages for the guest init (KRUN_DHCP=1): building the
 * DISCOVER and REQUEST packets and checking a server's reply. Pure functions
 * on byte buffers, so the host's unit tests can feed them hostile replies.
 *
 * The packets are whole IPv4 datagrams (IP + UDP + BOOTP), as a packet socket
 * of type SOCK_DGRAM for ETH_P_IP sends and receives them: passt answers
 * unicast to the offered address, which a UDP socket bound to 0.0.0.0:68
 * never sees before the address is configured (the kernel drops it).
 */
#ifndef CKRUN_INIT_DHCP_H
#define CKRUN_INIT_DHCP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * DHCP's wire values (RFC 2131 and RFC 2132; Rapid Commit: RFC 4039). No
 * system header defines them, so they are spelled here, once.
 */
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_MAGIC 0x63825363u
#define BOOTP_REQUEST 1
#define BOOTP_REPLY 2
#define BOOTP_FLAG_BROADCAST 0x8000
#define BOOTP_FIXED_LEN 236 /* op .. file, before the magic cookie */
#define BOOTP_MIN_LEN 300   /* RFC 1542: BOOTP relays drop shorter messages */

enum dhcp_msg_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
};

enum dhcp_option {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_LIST = 55,
	DHCP_OPT_MAX_MSG_SIZE = 57,
	DHCP_OPT_RAPID_COMMIT = 80,
	DHCP_OPT_END = 255,
};

#define DHCP_MAX_DNS 3 /* resolv.conf's MAXNS */
#define DHCP_MIN_MTU 576 /* RFC 2132 option 26: "minimum legal value is 68"; IPv4 hosts must take 576 */

/* What the init keeps from an OFFER, ACK or NAK. Addresses in network order. */
struct dhcp_reply {
	uint8_t type;		 /* enum dhcp_msg_type */
	struct in_addr addr;	 /* yiaddr */
	struct in_addr server;	 /* option 54; 0 when absent */
	struct in_addr router;	 /* first address of option 3; 0 when absent */
	int prefix;		 /* from option 1; -1 when absent */
	struct in_addr dns[DHCP_MAX_DNS];
	int ndns;
	uint16_t mtu;		 /* option 26; 0 when absent or below DHCP_MIN_MTU */
	uint32_t lease_secs;	 /* option 51; 0 when absent */
	bool rapid_commit;	 /* option 80 present (an ACK answering DISCOVER) */
	char domain[256];	 /* option 15, printable characters only; "" when absent */
};

/* The one's complement sum of RFC 1071 over len bytes, folded, not inverted. */
uint32_t dhcp_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t dhcp_csum_fold(uint32_t sum);

/*
 * Builds a DISCOVER (type DHCP_DISCOVER, offering Rapid Commit) or a REQUEST
 * (DHCP_REQUEST for *requested from *server) as an IPv4 datagram from
 * 0.0.0.0:68 to 255.255.255.255:67, with correct IP and UDP checksums.
 * Returns its length, or 0 when buf is too small.
 */
size_t dhcp_build(uint8_t *buf, size_t len, enum dhcp_msg_type type, uint32_t xid,
		  const uint8_t mac[6], uint16_t secs, const struct in_addr *requested,
		  const struct in_addr *server);

/*
 * Checks a received IPv4 datagram (len bytes read from the packet socket,
 * which may be truncated) and fills *out from a BOOTP reply with our xid and
 * MAC. Returns 0; -ENOMSG for a datagram that is not a reply to us (another
 * protocol or port, another xid or MAC, a fragment); -EBADMSG for a reply
 * that is malformed (lengths that do not fit, a bad IP checksum, options
 * running past the end, a missing or unknown message type, a bad mask).
 */
int dhcp_parse(const uint8_t *pkt, size_t len, uint32_t xid, const uint8_t mac[6],
	       struct dhcp_reply *out);

/*
 * Whether a reply offers a usable address: a unicast yiaddr (not 0, not
 * loopback, multicast or broadcast), and a router, when given, likewise.
 */
bool dhcp_lease_usable(const struct dhcp_reply *r);

/*
 * Parses a virtio device's sysfs "features" attribute (one '0'/'1' per bit,
 * bit 0 first) into a mask of its first 64 bits. 0 or -EINVAL.
 */
int dhcp_parse_virtio_features(const char *s, uint64_t *out);

/*
 * The largest MTU eth0 can receive given the negotiated virtio-net feature
 * bits and its MTU before DHCP: without GUEST_TSO4/TSO6/ECN/UFO or MRG_RXBUF,
 * Linux's virtio-net driver posts receive buffers for 1518-byte frames and
 * drops larger ones, so 1500 is the most it can take; with the MTU feature
 * the device's own MTU (the driver's default then) is the limit.
 */
unsigned dhcp_mtu_limit(uint64_t features, unsigned current);

/*
 * The MTU to set: the offered one capped to limit, or 0 to leave the
 * device's default (no option, or nothing to change).
 */
unsigned dhcp_choose_mtu(unsigned offered, unsigned limit, unsigned current);

/* /etc/resolv.conf's text for a lease with DNS servers; its length, or 0 when none or too long. */
size_t dhcp_resolv_conf(const struct dhcp_reply *r, char *buf, size_t len);

#endif
