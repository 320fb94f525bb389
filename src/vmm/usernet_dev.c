/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The implicit network: under libkrun's condition for its implicit TSI (no
 * explicit network device, krun_disable_implicit_vsock not called) the VM
 * gets a virtio-net eth0 whose peer is the user-mode stack of src/net
 * (usernet.h), running on that device's worker (net/backend.h). The guest
 * init reads eth0's configuration from the command line (GUEST_NET_ENV).
 *
 * Privileges: the worker is started by a vCPU thread and inherits its
 * reduction (privs.h); the vCPU threads of a VM with this network load the
 * seccomp list with the socket calls the stack makes (vm->privs_seccomp_net).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/guest_net.h"
#include "net/usernet.h"
#include "virtio/net.h"
#include "vmm/vm.h"

/* libkrun's MAC for the device it adds without a client's MAC. */
static const uint8_t implicit_mac[6] = { 0x5a, 0x94, 0xef, 0xe4, 0x0c, 0xee };

bool vm_implicit_net(const struct ckrun_config *cfg)
{
	return usernet_available() && ckrun_config_implicit_net(cfg);
}

int vm_implicit_net_cmdline(char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s=%s/%d,%s,%s", GUEST_NET_ENV, USERNET_GUEST_ADDR, USERNET_PREFIX_LEN,
			 USERNET_GATEWAY, USERNET_DNS);
	return n < 0 || (size_t)n >= cap ? -E2BIG : 0;
}

int vm_implicit_net_count(const struct ckrun_config *cfg)
{
	/* The start call's one word about a network the client will not get. */
	if (!ckrun_config_implicit_net(cfg)) {
		if (cfg->nr_port_map > 0)
			fprintf(stderr, "ckrun: krun_set_port_map has no effect: an explicit network device is "
					"configured (forward ports with its provider)\n");
		return 0;
	}
	if (!vm_implicit_net(cfg)) {
		fprintf(stderr, "ckrun: this build has no user-mode network (built without libslirp): the guest "
				"has no network%s\n",
			cfg->nr_port_map > 0 ? " and krun_set_port_map has no effect" : "");
		return 0;
	}
	return 1;
}

int vm_implicit_net_make(struct vm *vm, const struct ckrun_config *cfg, int i, struct virtio_mmio_dev **dev)
{
	(void)i;
	struct usernet_fwd *fwds = NULL;
	if (cfg->nr_port_map > 0) {
		fwds = calloc((size_t)cfg->nr_port_map, sizeof(*fwds));
		if (!fwds)
			return -ENOMEM;
		for (int k = 0; k < cfg->nr_port_map; k++) {
			fwds[k].host_port = cfg->port_map[k].host_port;
			fwds[k].guest_port = cfg->port_map[k].guest_port;
		}
	}
	struct usernet_config uc = {
		.host_loopback = cfg->net_host_loopback,
		.warn_ping = cfg->log_level >= 2, /* KRUN_LOG_LEVEL_WARN and up */
		.fwds = fwds,
		.nr_fwds = cfg->nr_port_map,
	};
	struct usernet *u;
	int err = usernet_new(&uc, &u);
	free(fwds);
	if (err)
		return err; /* a forward's port in use: usernet_new named it */
	struct virtio_net_config nc = { .peer = { .fd = -1 }, .features = 0, .name = "eth0" };
	memcpy(nc.mac, implicit_mac, sizeof(nc.mac));
	usernet_backend(u, &nc.backend);
	return virtio_net_new(&nc, &vm->mem.gm, dev, NULL); /* owns u from here, also on failure */
}
