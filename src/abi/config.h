/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM configuration record: what the krun_* setters (src/api) fill in and
 * what the VMM (src/vmm/builder.c) consumes; in the bottom layer so that both
 * point down to it. The API layer owns every record (ckrun_config_init and
 * ckrun_config_free, src/api/ctx.h). No validation happens later than the
 * setter.
 */
#ifndef CKRUN_ABI_CONFIG_H
#define CKRUN_ABI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/guest.h"

#define CKRUN_TAG_MAX        36   /* virtio-fs config space tag field */
#define CKRUN_MAX_ARGS       4096 /* argv / env / rlimit entries, as libkrun */
#define CKRUN_MAX_SHARES     8
#define CKRUN_ROOT_SHM_SIZE  (512ULL << 20)
#define CKRUN_MAX_NETS       8    /* network devices (krun_add_net_* plus the legacy one) */
#define CKRUN_MAC_LEN        6

struct ckrun_share {
	char tag[CKRUN_TAG_MAX + 1];
	char *path;
	uint64_t shm_size; /* 0 = no DAX window */
	bool read_only;
};

/* A network device's peer, as the krun_add_net_* call described it. */
enum ckrun_net_kind {
	CKRUN_NET_UNIXSTREAM, /* 4-byte big-endian length + frame (passt, gvisor-tap-vsock) */
	CKRUN_NET_UNIXGRAM,   /* one datagram per frame (gvproxy) */
	CKRUN_NET_TAP,        /* an existing tap interface */
};

struct ckrun_net {
	enum ckrun_net_kind kind;
	char *path;       /* socket path or tap interface name; NULL with an fd */
	int fd;           /* the caller's connected socket (duplicated at start), or -1 */
	bool vfkit;       /* unixgram with a path: send "VFKT" after connecting */
	uint8_t mac[CKRUN_MAC_LEN];
	uint32_t features; /* NET_FEATURE_* asked for (within libkrun's NET_ALL) */
};

/* libkrun's pre-krun_add_net_* calls, which configure at most one device. */
enum ckrun_legacy_net { CKRUN_LEGACY_NET_NONE, CKRUN_LEGACY_NET_PASST, CKRUN_LEGACY_NET_GVPROXY };

/* One krun_set_port_map entry: host TCP port -> guest TCP port. */
struct ckrun_port_fwd {
	uint16_t host_port;
	uint16_t guest_port;
};

struct ckrun_config {
	uint8_t vcpus;        /* default 1 */
	uint32_t ram_mib;     /* default 128 */

	struct ckrun_share shares[CKRUN_MAX_SHARES]; /* in call order */
	int nr_shares;

	char *kernel_path;    /* NULL: the installed default kernel */
	uint32_t kernel_format;
	char *initramfs_path;
	char *kernel_cmdline; /* non-NULL replaces the default prolog */

	char *exec_path;      /* KRUN_INIT */
	char **argv;          /* NULL-terminated, without argv[0]; may be NULL */
	char **envp;          /* NULL-terminated; NULL = none given */
	bool env_set;
	char *workdir;        /* KRUN_WORKDIR */
	char **rlimits;       /* "RESOURCE=CUR:MAX" */
	char *console_output; /* file for console output; NULL = stdio */
	uint32_t boot_timeout_s; /* no sign of guest life for this long stops the VM; 0 = default */
	bool process_ends_with_vm; /* krun_start_enter: nothing boots after this VM */

	int log_level;

	/* krun_disable_implicit_init: no /init.krun is served; the workload
	 * travels on the kernel command line for the client's own init. */
	bool no_implicit_init;
	bool nested_virt;     /* krun_set_nested_virt(true): VMX/SVM shown to the guest */
	bool set_uid, set_gid; /* krun_setuid / krun_setgid, applied by the start call */
	uint32_t uid, gid;
	/* Network: krun_add_net_* in call order (the guest's eth0, eth1, ...). */
	struct ckrun_net nets[CKRUN_MAX_NETS];
	int nr_nets;
	bool dhcp_client;     /* some device had NET_FLAG_DHCP_CLIENT: KRUN_DHCP=1 */
	enum ckrun_legacy_net legacy_net; /* krun_set_passt_fd / krun_set_gvproxy_path */
	int legacy_passt_fd;
	char *legacy_gvproxy_path;
	bool legacy_mac_set;  /* krun_set_net_mac */
	uint8_t legacy_mac[CKRUN_MAC_LEN];

	/* The implicit network (src/net/usernet.h, docs/api.md "Network"). */
	bool implicit_vsock_disabled;    /* krun_disable_implicit_vsock: no implicit network */
	bool net_host_loopback;          /* ckrun_set_net_host_loopback */
	struct ckrun_port_fwd *port_map; /* krun_set_port_map; NULL: not set or empty */
	int nr_port_map;
};

/* A krun_add_net_*, krun_set_passt_fd or krun_set_gvproxy_path call was made. */
static inline bool ckrun_config_explicit_net(const struct ckrun_config *c)
{
	/* Before the start the legacy device is only legacy_net; at the start
	 * it becomes the last entry of nets[] (ckrun_config_finish_nets). */
	return c->nr_nets > 0 || c->legacy_net != CKRUN_LEGACY_NET_NONE;
}

/* libkrun's condition for its implicit TSI, ckrun's for the implicit network:
 * no explicit network and krun_disable_implicit_vsock not called. */
static inline bool ckrun_config_implicit_net(const struct ckrun_config *c)
{
	return !c->implicit_vsock_disabled && !ckrun_config_explicit_net(c);
}

#endif
