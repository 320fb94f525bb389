/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM's network devices: each configured peer is opened here, in the
 * start call on the caller's thread (before the vCPU threads drop their
 * privileges: a tap needs CAP_NET_ADMIN or ownership, a socket path the
 * caller's permissions), then handed to a virtio-net device that owns it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/peer.h"
#include "virtio/net.h"
#include "vmm/vm.h"

int vm_add_net(struct vm *vm, struct net_peer *peer, const uint8_t mac[6], uint32_t features, const char *name)
{
	struct virtio_net_config nc = { .peer = *peer, .features = features, .name = name };
	memcpy(nc.mac, mac, sizeof(nc.mac));
	peer->fd = -1; /* the device owns it now, even on failure */
	peer->bound_path = NULL;
	struct virtio_mmio_dev *dev;
	int err = virtio_net_new(&nc, &vm->mem.gm, &dev, NULL);
	if (err)
		return err;
	return vm_add_virtio(vm, dev);
}

/* Open the peer one configured device describes. */
static int open_peer(const struct ckrun_net *n, struct net_peer *p)
{
	enum net_framing fr = n->kind == CKRUN_NET_UNIXSTREAM ? NET_FRAMING_STREAM : NET_FRAMING_DGRAM;
	if (n->kind == CKRUN_NET_TAP)
		return net_peer_tap(n->path, n->features != 0, p); /* offloads need the vnet header */
	if (n->path)
		return n->kind == CKRUN_NET_UNIXSTREAM ? net_peer_unixstream(n->path, p)
						       : net_peer_unixgram(n->path, n->vfkit, p);
	/* The caller's fd stays the caller's: the device gets its own copy
	 * (closed when the VM ends, so the peer then sees the end). */
	int fd = fcntl(n->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	int err = net_peer_from_fd(fd, fr, p);
	if (err)
		close(fd);
	return err;
}

static const char *kind_name(enum ckrun_net_kind k)
{
	return k == CKRUN_NET_UNIXSTREAM ? "unixstream" : k == CKRUN_NET_UNIXGRAM ? "unixgram" : "tap";
}

int vm_net_count(const struct ckrun_config *cfg)
{
	return cfg->nr_nets < CKRUN_MAX_NETS ? cfg->nr_nets : CKRUN_MAX_NETS;
}

int vm_net_make(struct vm *vm, const struct ckrun_config *cfg, int i, struct virtio_mmio_dev **dev)
{
	const struct ckrun_net *n = &cfg->nets[i];
	struct net_peer p;
	int err = open_peer(n, &p);
	if (err) {
		if (n->path)
			fprintf(stderr, "ckrun: network device eth%d (%s %s): %s\n", i, kind_name(n->kind), n->path,
				strerror(-err));
		else
			fprintf(stderr, "ckrun: network device eth%d (%s fd %d): %s\n", i, kind_name(n->kind), n->fd,
				strerror(-err));
		return err;
	}
	char name[16];
	snprintf(name, sizeof(name), "eth%d", i);
	struct virtio_net_config nc = { .peer = p, .features = n->features, .name = name };
	memcpy(nc.mac, n->mac, sizeof(nc.mac));
	return virtio_net_new(&nc, &vm->mem.gm, dev, NULL); /* owns the peer, also on failure */
}
