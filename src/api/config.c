/* SPDX-License-Identifier: Apache-2.0 */
/* The VM configuration record: defaults and release. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libkrun.h"
#include "api/ctx.h"
#include "api/strv.h"

/* libkrun's defaults when krun_set_vm_config is never called. */
#define DEFAULT_VCPUS   1
#define DEFAULT_RAM_MIB 128

void ckrun_config_init(struct ckrun_config *c)
{
	memset(c, 0, sizeof(*c));
	c->vcpus = DEFAULT_VCPUS;
	c->ram_mib = DEFAULT_RAM_MIB;
	c->legacy_passt_fd = -1;
}

bool ckrun_config_has_net_device(const struct ckrun_config *c)
{
	return c->nr_nets > 0;
}

/* libkrun's MAC for the legacy device when krun_set_net_mac was not called. */
static const uint8_t legacy_default_mac[CKRUN_MAC_LEN] = { 0x5a, 0x94, 0xef, 0xe4, 0x0c, 0xee };

int ckrun_config_nets(const struct ckrun_config *c, struct ckrun_net *out, int max)
{
	int n = 0;
	for (int i = 0; i < c->nr_nets; i++) {
		if (n >= max)
			return -ENOSPC;
		out[n++] = c->nets[i];
	}
	if (c->legacy_net == CKRUN_LEGACY_NET_NONE)
		return n;
	if (n >= max)
		return -ENOSPC;
	struct ckrun_net *l = &out[n++];
	memset(l, 0, sizeof(*l));
	if (c->legacy_net == CKRUN_LEGACY_NET_PASST) {
		l->kind = CKRUN_NET_UNIXSTREAM;
		l->fd = c->legacy_passt_fd;
	} else {
		l->kind = CKRUN_NET_UNIXGRAM;
		l->path = c->legacy_gvproxy_path;
		l->fd = -1;
		l->vfkit = true;
	}
	memcpy(l->mac, c->legacy_mac_set ? c->legacy_mac : legacy_default_mac, CKRUN_MAC_LEN);
	l->features = COMPAT_NET_FEATURES;
	return n;
}

int ckrun_config_finish_nets(struct ckrun_config *c)
{
	struct ckrun_net all[CKRUN_MAX_NETS];
	if (c->legacy_net == CKRUN_LEGACY_NET_NONE)
		return 0;
	int n = ckrun_config_nets(c, all, CKRUN_MAX_NETS);
	if (n < 0)
		return n;
	struct ckrun_net l = all[n - 1];
	if (l.path && !(l.path = strdup(l.path)))
		return -ENOMEM;
	c->nets[c->nr_nets++] = l;
	free(c->legacy_gvproxy_path);
	c->legacy_gvproxy_path = NULL;
	c->legacy_net = CKRUN_LEGACY_NET_NONE;
	c->legacy_passt_fd = -1;
	return 0;
}

void ckrun_config_free(struct ckrun_config *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nr_shares; i++)
		free(c->shares[i].path);
	free(c->kernel_path);
	free(c->initramfs_path);
	free(c->kernel_cmdline);
	free(c->exec_path);
	ckrun_strv_free(c->argv);
	ckrun_strv_free(c->envp);
	free(c->workdir);
	ckrun_strv_free(c->rlimits);
	free(c->console_output);
	for (int i = 0; i < c->nr_nets; i++)
		free(c->nets[i].path);
	free(c->legacy_gvproxy_path);
	/* Leave a record that can be freed again or re-initialised safely. */
	ckrun_config_init(c);
}
