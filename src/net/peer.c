/* SPDX-License-Identifier: Apache-2.0 */
/* Opening a virtio-net device's peer: unix stream, unix datagram, tap. */
#include "net/peer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#define VFKIT_MAGIC "VFKT"
/* Socket names tried under $TMPDIR before giving up (another VM of this
 * process, or a stale file of a dead process with the same pid, holds one). */
#define DGRAM_NAME_TRIES 1000

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void set_buf(int fd, int opt, int size)
{
	/* Best effort, as in libkrun: a smaller buffer costs speed, not correctness. */
	(void)setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

static int unix_addr(const char *path, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = path ? strlen(path) : 0;
	if (n == 0 || n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

int net_peer_from_fd(int fd, enum net_framing framing, struct net_peer *out)
{
	int type = 0;
	socklen_t tl = sizeof(type);
	if (fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
		return errno == ENOTSOCK ? -ENOTSOCK : -errno;
	if ((framing == NET_FRAMING_STREAM) != (type == SOCK_STREAM))
		return -EINVAL;
	int err = set_nonblock(fd);
	if (err)
		return err;
	if (framing == NET_FRAMING_STREAM)
		set_buf(fd, SO_SNDBUF, NET_STREAM_SNDBUF);
	*out = (struct net_peer){ .fd = fd, .framing = framing, .is_socket = true };
	return 0;
}

int net_peer_unixstream(const char *path, struct net_peer *out)
{
	struct sockaddr_un sa;
	socklen_t sl;
	int err = unix_addr(path, &sa, &sl);
	if (err)
		return err;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sl) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if ((err = net_peer_from_fd(fd, NET_FRAMING_STREAM, out)))
		close(fd);
	return err;
}

/* Bind fd to the first free $TMPDIR/krun-net-<pid>-<n>.sock; its path in *bound. */
static int bind_tmp(int fd, char **bound)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	for (int n = 0; n < DGRAM_NAME_TRIES; n++) {
		char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
		int len = snprintf(path, sizeof(path), "%s/krun-net-%d-%d.sock", dir, (int)getpid(), n);
		if (len < 0 || (size_t)len >= sizeof(path))
			return -ENAMETOOLONG;
		struct sockaddr_un sa;
		socklen_t sl;
		int err = unix_addr(path, &sa, &sl);
		if (err)
			return err;
		if (bind(fd, (struct sockaddr *)&sa, sl) == 0) {
			*bound = strdup(path);
			if (!*bound) {
				unlink(path);
				return -ENOMEM;
			}
			return 0;
		}
		if (errno != EADDRINUSE)
			return -errno;
	}
	return -EADDRINUSE;
}

int net_peer_unixgram(const char *path, bool vfkit, struct net_peer *out)
{
	struct sockaddr_un sa;
	socklen_t sl;
	int err = unix_addr(path, &sa, &sl);
	if (err)
		return err;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	char *bound = NULL;
	/* The peer answers to our address, so ours must have a name. */
	if ((err = bind_tmp(fd, &bound)))
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, sl) < 0) {
		err = -errno;
		goto fail;
	}
	/* Blocking still: the greeting is the first datagram and must not be lost. */
	if (vfkit && send(fd, VFKIT_MAGIC, 4, MSG_NOSIGNAL) != 4) {
		err = errno ? -errno : -EIO;
		goto fail;
	}
	set_buf(fd, SO_SNDBUF, NET_DGRAM_BUF);
	set_buf(fd, SO_RCVBUF, NET_DGRAM_BUF);
	if ((err = net_peer_from_fd(fd, NET_FRAMING_DGRAM, out)))
		goto fail;
	out->bound_path = bound;
	return 0;
fail:
	close(fd);
	if (bound) {
		unlink(bound);
		free(bound);
	}
	return err;
}

/* The receive offloads the tap takes, from the largest set down (a kernel
 * may refuse UFO: QEMU retries without it too). None set afterwards. */
static unsigned tap_probe_offloads(int fd)
{
	static const unsigned tries[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_UFO,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
		TUN_F_CSUM,
	};
	unsigned got = 0;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]) && !got; i++)
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tries[i]) == 0)
			got = tries[i];
	(void)ioctl(fd, TUNSETOFFLOAD, 0UL);
	return got;
}

int net_peer_tap(const char *name, bool vnet_hdr, struct net_peer *out)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n >= IFNAMSIZ)
		return -EINVAL;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	unsigned int have = 0;
	if (vnet_hdr && (ioctl(fd, TUNGETFEATURES, &have) < 0 || !(have & IFF_VNET_HDR)))
		vnet_hdr = false; /* an old kernel: a plain tap, no offloads offered */
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, n);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
	int err = 0;
	int hdr_len = (int)sizeof(struct virtio_net_hdr_v1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || (vnet_hdr && ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0)) {
		err = -errno;
		close(fd);
		return err;
	}
	*out = (struct net_peer){ .fd = fd, .framing = NET_FRAMING_DGRAM, .is_socket = false,
				  .vnet_hdr = vnet_hdr, .tap_offloads = vnet_hdr ? tap_probe_offloads(fd) : 0 };
	return 0;
}

int net_peer_tap_set_offload(const struct net_peer *p, unsigned tun_flags)
{
	if (ioctl(p->fd, TUNSETOFFLOAD, (unsigned long)tun_flags) < 0)
		return -errno;
	return 0;
}

void net_peer_close(struct net_peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->bound_path) {
		unlink(p->bound_path);
		free(p->bound_path);
		p->bound_path = NULL;
	}
}
