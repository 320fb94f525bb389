/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libkrun's network calls: krun_add_net_unixstream / _unixgram / _tap (one
 * virtio-net device each, eth0, eth1, ... in call order) and the legacy
 * krun_set_passt_fd / krun_set_gvproxy_path / krun_set_net_mac (one device,
 * appended at start). Checks and errnos follow libkrun, in its order: the
 * arguments first (-EINVAL), then the context (-ENOENT). Where libkrun
 * would crash (a NULL MAC, path or name) ckrun answers -EINVAL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_net.h>

#include "libkrun.h"
#include "api/ctx.h"
#include "api/export.h"
#include "api/validate.h"

/* libkrun's NET_ALL_FEATURES: every offload bit a client may ask for. */
#define NET_ALL_FEATURES                                                                     \
	(NET_FEATURE_CSUM | NET_FEATURE_GUEST_CSUM | NET_FEATURE_GUEST_TSO4 | NET_FEATURE_GUEST_TSO6 | \
	 NET_FEATURE_GUEST_UFO | NET_FEATURE_HOST_TSO4 | NET_FEATURE_HOST_TSO6 | NET_FEATURE_HOST_UFO)

/* libkrun hands these bits to the guest as virtio-net feature bits, and so
 * does the device (src/virtio/net.c, on a tap). */
_Static_assert(NET_FEATURE_CSUM == 1 << VIRTIO_NET_F_CSUM, "CSUM");
_Static_assert(NET_FEATURE_GUEST_CSUM == 1 << VIRTIO_NET_F_GUEST_CSUM, "GUEST_CSUM");
_Static_assert(NET_FEATURE_GUEST_TSO4 == 1 << VIRTIO_NET_F_GUEST_TSO4, "GUEST_TSO4");
_Static_assert(NET_FEATURE_GUEST_TSO6 == 1 << VIRTIO_NET_F_GUEST_TSO6, "GUEST_TSO6");
_Static_assert(NET_FEATURE_GUEST_UFO == 1 << VIRTIO_NET_F_GUEST_UFO, "GUEST_UFO");
_Static_assert(NET_FEATURE_HOST_TSO4 == 1 << VIRTIO_NET_F_HOST_TSO4, "HOST_TSO4");
_Static_assert(NET_FEATURE_HOST_TSO6 == 1 << VIRTIO_NET_F_HOST_TSO6, "HOST_TSO6");
_Static_assert(NET_FEATURE_HOST_UFO == 1 << VIRTIO_NET_F_HOST_UFO, "HOST_UFO");

/* Store one device; path is copied. */
static int add_net(uint32_t ctx_id, enum ckrun_net_kind kind, const char *path, int fd, bool vfkit,
		   const uint8_t *mac, uint32_t features, uint32_t flags)
{
	char *p = NULL;
	if (path && !(p = strdup(path)))
		return -ENOMEM;
	struct ckrun_config *cfg = ckrun_ctx_lock(ctx_id);
	if (!cfg) {
		free(p);
		return -ENOENT;
	}
	int ret = 0;
	if (cfg->nr_nets >= CKRUN_MAX_NETS) {
		ret = -ENOSPC;
		free(p);
	} else {
		struct ckrun_net *n = &cfg->nets[cfg->nr_nets++];
		*n = (struct ckrun_net){ .kind = kind, .path = p, .fd = p ? -1 : fd, .vfkit = vfkit,
					 .features = features };
		memcpy(n->mac, mac, CKRUN_MAC_LEN);
		if (flags & NET_FLAG_DHCP_CLIENT)
			cfg->dhcp_client = true;
	}
	ckrun_ctx_unlock();
	return ret;
}

/* libkrun reads a non-UTF-8 path as no path at all. */
static const char *usable_path(const char *c_path)
{
	return c_path && ckrun_is_utf8(c_path) ? c_path : NULL;
}

static int add_net_socket(uint32_t ctx_id, enum ckrun_net_kind kind, const char *c_path, int fd,
			  const uint8_t *c_mac, uint32_t features, uint32_t flags, uint32_t flags_ok)
{
	const char *path = usable_path(c_path);
	if ((fd >= 0) == (path != NULL))
		return -EINVAL; /* exactly one of a path or an fd */
	if (!c_mac)
		return -EINVAL;
	if (kind == CKRUN_NET_UNIXSTREAM && (flags & ~flags_ok))
		return -EINVAL;
	if (features & ~(uint32_t)NET_ALL_FEATURES)
		return -EINVAL;
	if (kind == CKRUN_NET_UNIXGRAM && (flags & ~flags_ok))
		return -EINVAL;
	return add_net(ctx_id, kind, path, fd, path && (flags & NET_FLAG_VFKIT), c_mac, features, flags);
}

CKRUN_EXPORT int32_t krun_add_net_unixstream(uint32_t ctx_id, const char *c_path, int fd, uint8_t *const c_mac,
					     uint32_t features, uint32_t flags)
{
	return add_net_socket(ctx_id, CKRUN_NET_UNIXSTREAM, c_path, fd, c_mac, features, flags,
			      NET_FLAG_DHCP_CLIENT);
}

CKRUN_EXPORT int32_t krun_add_net_unixgram(uint32_t ctx_id, const char *c_path, int fd, uint8_t *const c_mac,
					   uint32_t features, uint32_t flags)
{
	return add_net_socket(ctx_id, CKRUN_NET_UNIXGRAM, c_path, fd, c_mac, features, flags,
			      NET_FLAG_VFKIT | NET_FLAG_DHCP_CLIENT);
}

CKRUN_EXPORT int32_t krun_add_net_tap(uint32_t ctx_id, char *c_tap_name, uint8_t *const c_mac, uint32_t features,
				      uint32_t flags)
{
	if (!c_tap_name || !ckrun_is_utf8(c_tap_name) || !c_mac)
		return -EINVAL;
	if (features & ~(uint32_t)NET_ALL_FEATURES)
		return -EINVAL;
	/* libkrun: receive offloads from a tap need the guest to accept partial checksums. */
	if ((features & (NET_FEATURE_GUEST_TSO4 | NET_FEATURE_GUEST_TSO6 | NET_FEATURE_GUEST_UFO)) &&
	    !(features & NET_FEATURE_GUEST_CSUM))
		return -EINVAL;
	if (flags & ~(uint32_t)NET_FLAG_DHCP_CLIENT)
		return -EINVAL;
	/* Not in libkrun (it fails at start): an interface name the kernel cannot take. */
	size_t len = strlen(c_tap_name);
	if (len == 0 || len >= CKRUN_IFNAME_MAX)
		return -EINVAL;
	return add_net(ctx_id, CKRUN_NET_TAP, c_tap_name, -1, false, c_mac, features, flags);
}

CKRUN_EXPORT int32_t krun_set_passt_fd(uint32_t ctx_id, int fd)
{
	if (fd < 0)
		return -EINVAL;
	struct ckrun_config *cfg = ckrun_ctx_lock(ctx_id);
	if (!cfg)
		return -ENOENT;
	int ret = 0;
	if (ckrun_config_has_net_device(cfg)) {
		ret = -EINVAL; /* the legacy interface is for a single device */
	} else {
		free(cfg->legacy_gvproxy_path);
		cfg->legacy_gvproxy_path = NULL;
		cfg->legacy_net = CKRUN_LEGACY_NET_PASST;
		cfg->legacy_passt_fd = fd;
	}
	ckrun_ctx_unlock();
	return ret;
}

CKRUN_EXPORT int32_t krun_set_gvproxy_path(uint32_t ctx_id, char *c_path)
{
	if (!c_path || !ckrun_is_utf8(c_path))
		return -EINVAL;
	char *p = strdup(c_path);
	if (!p)
		return -ENOMEM;
	struct ckrun_config *cfg = ckrun_ctx_lock(ctx_id);
	if (!cfg) {
		free(p);
		return -ENOENT;
	}
	int ret = 0;
	if (ckrun_config_has_net_device(cfg)) {
		ret = -EINVAL;
		free(p);
	} else {
		free(cfg->legacy_gvproxy_path);
		cfg->legacy_gvproxy_path = p;
		cfg->legacy_net = CKRUN_LEGACY_NET_GVPROXY;
		cfg->legacy_passt_fd = -1;
	}
	ckrun_ctx_unlock();
	return ret;
}

CKRUN_EXPORT int32_t krun_set_net_mac(uint32_t ctx_id, uint8_t *const c_mac)
{
	if (!c_mac)
		return -EINVAL;
	struct ckrun_config *cfg = ckrun_ctx_lock(ctx_id);
	if (!cfg)
		return -ENOENT;
	/* As libkrun: it only ever applies to the legacy device. */
	memcpy(cfg->legacy_mac, c_mac, CKRUN_MAC_LEN);
	cfg->legacy_mac_set = true;
	ckrun_ctx_unlock();
	return 0;
}
