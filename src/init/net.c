/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network setup for the guest init (net.h): interface flags, addresses and
 * routes through the classic ioctls (enough for one IPv4 lease, and no
 * netlink message building to get wrong), the DHCP exchange over a packet
 * socket (dhcp.h says why not a UDP socket).
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dhcp.h"

#define RETRANSMIT_MS 500 /* resend DISCOVER/REQUEST after this long without an answer */
#define MAX_NAKS 3

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "ckrun init: ");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = strlen(buf);
	buf[len++] = '\n';
	if (write(STDERR_FILENO, buf, len) < 0) {
		/* nowhere else to say it */
	}
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int if_up(int ctl, const char *ifname)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0)
		return -errno;
	return 0;
}

void init_net_lo(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return; /* no IPv4 in this kernel */
	if_up(s, "lo");
	close(s);
}

static int if_addr_ioctl(int ctl, const char *ifname, unsigned long req, struct in_addr a)
{
	struct ifreq ifr;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	return ioctl(ctl, req, &ifr) < 0 ? -errno : 0;
}

static int add_route(int ctl, const char *ifname, struct in_addr dst, struct in_addr mask,
		     struct in_addr gw, unsigned short flags)
{
	struct rtentry rt;
	struct sockaddr_in d = { .sin_family = AF_INET, .sin_addr = dst };
	struct sockaddr_in m = { .sin_family = AF_INET, .sin_addr = mask };
	struct sockaddr_in g = { .sin_family = AF_INET, .sin_addr = gw };
	char dev[IFNAMSIZ];
	snprintf(dev, sizeof(dev), "%s", ifname);
	memset(&rt, 0, sizeof(rt));
	memcpy(&rt.rt_dst, &d, sizeof(d));
	memcpy(&rt.rt_genmask, &m, sizeof(m));
	memcpy(&rt.rt_gateway, &g, sizeof(g));
	rt.rt_flags = (unsigned short)(RTF_UP | flags);
	rt.rt_dev = dev;
	if (ioctl(ctl, SIOCADDRT, &rt) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The negotiated virtio-net features of ifname's device, from sysfs. */
static int device_features(const char *ifname, uint64_t *out)
{
	char path[128], buf[160];
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/features", ifname);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return dhcp_parse_virtio_features(buf, out);
}

static void apply_mtu(int ctl, const char *ifname, unsigned offered, char *note, size_t notelen)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(ctl, SIOCGIFMTU, &ifr) < 0)
		return;
	unsigned current = (unsigned)ifr.ifr_mtu;
	uint64_t features = 0;
	/* Without the features file the conservative limit applies (1500). */
	device_features(ifname, &features);
	unsigned limit = dhcp_mtu_limit(features, current);
	unsigned mtu = dhcp_choose_mtu(offered, limit, current);
	if (mtu) {
		ifr.ifr_mtu = (int)mtu;
		if (ioctl(ctl, SIOCSIFMTU, &ifr) < 0) {
			snprintf(note, notelen, ", mtu %u kept (%u refused: %s)", current, mtu,
				 strerror(errno));
			return;
		}
		current = mtu;
	}
	if (offered > current)
		snprintf(note, notelen, ", mtu %u (offered %u; the device takes %u)", current,
			 offered, limit);
	else
		snprintf(note, notelen, ", mtu %u", current);
}

/*
 * Replaces /etc/resolv.conf with text. A root that keeps its own (read-only,
 * no /etc, a symlink: never followed) gets a note; another failure is said.
 */
static void write_resolv_conf(const char *ifname, const char *text, int ndns, char *note,
			      size_t notelen)
{
	size_t len = strlen(text);
	int fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		int e = errno;
		if (e == EROFS || e == EACCES || e == EPERM || e == ENOENT || e == ELOOP)
			snprintf(note, notelen, ", /etc/resolv.conf not written (%s)", strerror(e));
		else
			say("%s: cannot set the /etc/resolv.conf: %s", ifname, strerror(e));
		return;
	}
	ssize_t w = write(fd, text, len);
	if (w != (ssize_t)len)
		say("%s: cannot set the /etc/resolv.conf: %s", ifname,
		    w < 0 ? strerror(errno) : "short write");
	else
		snprintf(note, notelen, ", %d DNS server%s", ndns, ndns > 1 ? "s" : "");
	close(fd);
}

int init_net_set(const char *ifname, const struct init_ipv4 *c, struct init_net_notes *notes)
{
	int prefix = c->prefix;
	struct in_addr mask = { .s_addr = htonl(prefix ? ~0u << (32 - prefix) : 0) };
	struct in_addr any = { .s_addr = 0 };
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	int ctl, rc;

	memset(notes, 0, sizeof(*notes));
	ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0) {
		rc = -errno;
		say("%s: no IPv4 socket (%s)", ifname, strerror(-rc));
		return rc;
	}
	inet_ntop(AF_INET, &c->addr, a, sizeof(a));
	if ((rc = if_addr_ioctl(ctl, ifname, SIOCSIFADDR, c->addr)) < 0 ||
	    (rc = if_addr_ioctl(ctl, ifname, SIOCSIFNETMASK, mask)) < 0) {
		say("%s: cannot set the address %s/%d: %s", ifname, a, prefix, strerror(-rc));
		goto out;
	}
	if (prefix < 31) {
		struct in_addr brd = { .s_addr = c->addr.s_addr | ~mask.s_addr };
		if_addr_ioctl(ctl, ifname, SIOCSIFBRDADDR, brd);
	}
	if ((rc = if_up(ctl, ifname)) < 0) {
		say("%s: cannot bring it up: %s", ifname, strerror(-rc));
		goto out;
	}
	apply_mtu(ctl, ifname, c->mtu, notes->mtu, sizeof(notes->mtu));
	if (c->gateway.s_addr) {
		inet_ntop(AF_INET, &c->gateway, g, sizeof(g));
		struct in_addr host = { .s_addr = 0xffffffffu };
		/* A gateway outside the subnet (a /32 lease, say) needs its own route first. */
		if ((c->gateway.s_addr & mask.s_addr) != (c->addr.s_addr & mask.s_addr) &&
		    (rc = add_route(ctl, ifname, c->gateway, host, any, RTF_HOST)) < 0)
			say("%s: cannot add a route to the gateway %s: %s", ifname, g, strerror(-rc));
		if ((rc = add_route(ctl, ifname, any, any, c->gateway, RTF_GATEWAY)) < 0) {
			say("%s: cannot add the default route via %s: %s", ifname, g, strerror(-rc));
			goto out;
		}
	}
	if (c->resolv)
		write_resolv_conf(ifname, c->resolv, c->ndns, notes->dns, sizeof(notes->dns));
	rc = 0;
out:
	close(ctl);
	return rc;
}

static int apply_lease(const char *ifname, const struct dhcp_reply *r, long took_ms)
{
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN] = "none", text[1024];
	size_t len = dhcp_resolv_conf(r, text, sizeof(text));
	struct init_ipv4 c = {
		.addr = r->addr,
		.prefix = r->prefix >= 0 ? r->prefix : 32,
		.gateway = r->router,
		.mtu = r->mtu,
		.resolv = len ? text : NULL,
		.ndns = r->ndns,
	};
	struct init_net_notes notes;
	int rc = init_net_set(ifname, &c, &notes);

	if (rc < 0)
		return rc;
	inet_ntop(AF_INET, &r->addr, a, sizeof(a));
	if (r->router.s_addr)
		inet_ntop(AF_INET, &r->router, g, sizeof(g));
	say("%s: %s/%d, gateway %s%s%s (DHCP, %ld ms)", ifname, a, c.prefix, g, notes.mtu, notes.dns,
	    took_ms);
	return 0;
}

struct dhcp_run {
	int ps;
	int ifindex;
	uint8_t mac[ETH_ALEN];
	uint32_t xid;
	long t0;
	int malformed; /* replies to us dropped as malformed or unusable */
};

static int send_msg(struct dhcp_run *d, enum dhcp_msg_type type, const struct dhcp_reply *offer)
{
	uint8_t pkt[1024];
	long secs = (now_ms() - d->t0) / 1000;
	size_t len = dhcp_build(pkt, sizeof(pkt), type, d->xid, d->mac, (uint16_t)secs,
				offer ? &offer->addr : NULL, offer ? &offer->server : NULL);
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = d->ifindex,
		.sll_halen = ETH_ALEN,
	};
	memset(to.sll_addr, 0xff, ETH_ALEN);
	if (sendto(d->ps, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/*
 * Waits until deadline for a reply of one of the wanted kinds. 0 with *r
 * filled, -ETIMEDOUT, or another -errno.
 */
static int wait_reply(struct dhcp_run *d, long deadline, const struct dhcp_reply *offer,
		      struct dhcp_reply *r)
{
	uint8_t pkt[2048];
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = d->ps, .events = POLLIN };
		int n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(d->ps, pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&from,
				       &fl);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue; /* our own broadcast */
		int rc = dhcp_parse(pkt, (size_t)len, d->xid, d->mac, r);
		if (rc == -ENOMSG)
			continue;
		if (rc < 0) {
			d->malformed++;
			continue;
		}
		if (r->type != DHCP_NAK && !dhcp_lease_usable(r)) {
			d->malformed++;
			continue;
		}
		if (!offer) {
			/* Selecting: an OFFER, or an ACK that commits at once (RFC 4039). */
			if (r->type == DHCP_OFFER || (r->type == DHCP_ACK && r->rapid_commit))
				return 0;
			continue;
		}
		/* Requesting: only the chosen server's answer counts. */
		if (offer->server.s_addr && r->server.s_addr && r->server.s_addr != offer->server.s_addr)
			continue;
		if (r->type == DHCP_NAK || (r->type == DHCP_ACK && r->addr.s_addr == offer->addr.s_addr))
			return 0;
	}
}

static int dhcp_exchange(struct dhcp_run *d, long deadline, struct dhcp_reply *lease)
{
	struct dhcp_reply offer, r;
	int naks = 0, rc;

	for (;;) {
		/* Selecting. */
		do {
			if ((rc = send_msg(d, DHCP_DISCOVER, NULL)) < 0)
				return rc;
			long until = now_ms() + RETRANSMIT_MS;
			rc = wait_reply(d, until < deadline ? until : deadline, NULL, &offer);
		} while (rc == -ETIMEDOUT && now_ms() < deadline);
		if (rc < 0)
			return rc;
		if (offer.type == DHCP_ACK) {
			*lease = offer;
			return 0;
		}
		/* Requesting. */
		do {
			if ((rc = send_msg(d, DHCP_REQUEST, &offer)) < 0)
				return rc;
			long until = now_ms() + RETRANSMIT_MS;
			rc = wait_reply(d, until < deadline ? until : deadline, &offer, &r);
		} while (rc == -ETIMEDOUT && now_ms() < deadline);
		if (rc < 0)
			return rc;
		if (r.type == DHCP_ACK) {
			*lease = r;
			return 0;
		}
		if (++naks >= MAX_NAKS)
			return -ECONNREFUSED;
		/* A NAK: start over (RFC 2131 4.4.1). */
		d->xid++;
	}
}

int init_net_dhcp(const char *ifname, int budget_ms)
{
	struct dhcp_run d = { .ps = -1, .t0 = now_ms() };
	long deadline = d.t0 + budget_ms;
	struct dhcp_reply lease;
	struct ifreq ifr;
	int rc;

	d.ifindex = (int)if_nametoindex(ifname);
	if (d.ifindex == 0) {
		say("KRUN_DHCP=1 but there is no %s: going on without a network", ifname);
		return -ENODEV;
	}
	int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0) {
		rc = -errno;
		say("%s: no IPv4 socket (%s): going on without a network", ifname, strerror(-rc));
		return rc;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(ctl, SIOCGIFHWADDR, &ifr) < 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		rc = -EAFNOSUPPORT;
		say("%s: not an Ethernet device: going on without a network", ifname);
		goto out;
	}
	memcpy(d.mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	if ((rc = if_up(ctl, ifname)) < 0) {
		say("%s: cannot bring it up (%s): going on without a network", ifname, strerror(-rc));
		goto out;
	}
	d.ps = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP));
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = d.ifindex,
	};
	if (d.ps < 0 || bind(d.ps, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		rc = -errno;
		say("%s: no packet socket for DHCP (%s): going on without a network", ifname,
		    strerror(-rc));
		goto out;
	}
	if (getrandom(&d.xid, sizeof(d.xid), GRND_NONBLOCK) != sizeof(d.xid))
		d.xid = (uint32_t)d.t0 ^ (uint32_t)getpid() << 16;

	rc = dhcp_exchange(&d, deadline, &lease);
	if (rc < 0) {
		if (rc == -ETIMEDOUT)
			say("%s: no DHCP lease within %d ms (%d malformed replies dropped): going on "
			    "without a network", ifname, budget_ms, d.malformed);
		else
			say("%s: DHCP failed (%s): going on without a network", ifname, strerror(-rc));
		goto out;
	}
	rc = apply_lease(ifname, &lease, now_ms() - d.t0);
out:
	if (d.ps >= 0)
		close(d.ps);
	close(ctl);
	return rc;
}
