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

#include "vmm/features.h"
#include "vmm/vm.h"

#if CKRUN_HAVE_DEVICES
#include "net/peer.h"
#include "virtio/net.h"

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
		return net_peer_tap(n->path, p);
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

int vm_add_nets(struct vm *vm, const struct ckrun_config *cfg)
{
	const struct ckrun_net *nets = cfg->nets;
	for (int i = 0; i < cfg->nr_nets && i < CKRUN_MAX_NETS; i++) {
		struct net_peer p;
		int err = open_peer(&nets[i], &p);
		if (err) {
			if (nets[i].path)
				fprintf(stderr, "ckrun: network device eth%d (%s %s): %s\n", i, kind_name(nets[i].kind),
					nets[i].path, strerror(-err));
			else
				fprintf(stderr, "ckrun: network device eth%d (%s fd %d): %s\n", i,
					kind_name(nets[i].kind), nets[i].fd, strerror(-err));
			return err;
		}
		char name[16];
		snprintf(name, sizeof(name), "eth%d", i);
		if ((err = vm_add_net(vm, &p, nets[i].mac, nets[i].features, name)))
			return err;
	}
	return 0;
}
#else
int vm_add_nets(struct vm *vm, const struct ckrun_config *cfg)
{
	(void)vm;
	if (cfg->nr_nets > 0) {
		fprintf(stderr, "ckrun: this build has no virtio-net device\n");
		return -ENOSYS;
	}
	return 0;
}
#endif
