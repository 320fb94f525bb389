/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest init's DHCP client (src/init/net.c) against a real passt, without
 * a VM: a tap device named IFNAME in this (private) network namespace stands
 * in for the guest's eth0, and a relay process carries its frames to passt's
 * unix socket in passt's framing (4-byte big-endian length, then the frame).
 * Run by dhcp-passt.sh, which makes the namespaces; needs root and /dev/net/tun.
 *
 *   dhcp_passt SOCKET IFNAME BUDGET_MS [SHELL_CMD]
 * Prints what init_net_dhcp said, runs SHELL_CMD while the tap still exists
 * (it goes with this process), and returns init_net_dhcp's result (0 on a
 * lease).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/net.h"

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t r = read(fd, p, len);
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* tap <-> passt until either side closes. */
static void relay(int tap, int s)
{
	uint8_t buf[65536 + 4];
	struct pollfd p[2] = { { .fd = tap, .events = POLLIN }, { .fd = s, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0)
			_exit(1);
		if (p[0].revents & POLLIN) {
			ssize_t n = read(tap, buf + 4, sizeof(buf) - 4);
			if (n <= 0)
				_exit(0);
			uint32_t be = htonl((uint32_t)n);
			memcpy(buf, &be, 4);
			if (write_all(s, buf, (size_t)n + 4) < 0)
				_exit(0);
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			uint32_t be;
			if (read_all(s, &be, 4) < 0)
				_exit(0);
			uint32_t n = ntohl(be);
			if (n > sizeof(buf) || read_all(s, buf, n) < 0)
				_exit(1);
			if (write(tap, buf, n) < 0) {
				/* a frame the tap refuses: drop it, as a NIC would */
			}
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: dhcp_passt SOCKET IFNAME BUDGET_MS [SHELL_CMD]\n");
		return 2;
	}
	int tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[2]);
	if (tap < 0 || ioctl(tap, TUNSETIFF, &ifr) < 0) {
		perror("dhcp_passt: tap");
		return 2;
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	if (s < 0 || connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		perror("dhcp_passt: connect to passt");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0)
		relay(tap, s);
	close(s);
	int rc = init_net_dhcp(argv[2], atoi(argv[3]));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("init_net_dhcp: %d\n", rc);
	fflush(stdout);
	if (argc > 4 && system(argv[4]) != 0)
		fprintf(stderr, "dhcp_passt: the check command failed\n");
	return rc == 0 ? 0 : 1;
}
