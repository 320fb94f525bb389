/* SPDX-License-Identifier: Apache-2.0 */
/* eth0's static configuration for the implicit network (netcfg.h). */
#include "netcfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

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
	out->netmask.s_addr = htonl(len == 32 ? 0xffffffffu : ~(0xffffffffu >> len));
	return 0;
}

static void set_sin(struct sockaddr *sa, struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };
	memcpy(sa, &sin, sizeof(sin));
}

static int write_resolv_conf(struct in_addr dns)
{
	char ip[INET_ADDRSTRLEN], line[64];
	inet_ntop(AF_INET, &dns, ip, sizeof(ip));
	int n = snprintf(line, sizeof(line), "nameserver %s\n", ip);
	int fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int r = write(fd, line, (size_t)n) == n ? 0 : -EIO;
	close(fd);
	return r;
}

int init_net_apply(const char *ifname, const struct init_net *n, const char **err)
{
	struct ifreq ifr;
	int r = 0, s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	*err = "socket";
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);

	set_sin(&ifr.ifr_addr, n->addr);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0) {
		*err = "address";
		goto fail;
	}
	set_sin(&ifr.ifr_netmask, n->netmask);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0) {
		*err = "netmask";
		goto fail;
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		*err = "flags";
		goto fail;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
		*err = "up";
		goto fail;
	}
	struct rtentry rt;
	memset(&rt, 0, sizeof(rt));
	set_sin(&rt.rt_dst, (struct in_addr){ 0 });
	set_sin(&rt.rt_genmask, (struct in_addr){ 0 });
	set_sin(&rt.rt_gateway, n->gateway);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = ifr.ifr_name;
	if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST) {
		*err = "default route";
		goto fail;
	}
	close(s);
	/* A read-only root keeps the image's resolv.conf: not an error. */
	r = write_resolv_conf(n->dns);
	if (r == -EROFS || r == -EACCES || r == -EPERM || r == -ENOENT)
		r = 0;
	*err = "/etc/resolv.conf";
	return r;
fail:
	r = -errno;
	close(s);
	return r;
}
