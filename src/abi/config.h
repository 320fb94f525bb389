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

struct ckrun_share {
	char tag[CKRUN_TAG_MAX + 1];
	char *path;
	uint64_t shm_size; /* 0 = no DAX window */
	bool read_only;
};

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

	/* The implicit network (src/net/usernet.h, docs/api.md "Network"). */
	bool implicit_vsock_disabled;    /* krun_disable_implicit_vsock: no implicit network */
	bool net_host_loopback;          /* ckrun_set_net_host_loopback */
	struct ckrun_port_fwd *port_map; /* krun_set_port_map; NULL: not set or empty */
	int nr_port_map;
};

/* A krun_add_net_*, krun_set_passt_fd or krun_set_gvproxy_path call was made. */
static inline bool ckrun_config_explicit_net(const struct ckrun_config *c)
{
	/* TODO(h18a merge): true once a krun_add_net_*, krun_set_passt_fd or
	 * krun_set_gvproxy_path call recorded a network device in the record. */
	(void)c;
	return false;
}

/* libkrun's condition for its implicit TSI, ckrun's for the implicit network:
 * no explicit network and krun_disable_implicit_vsock not called. */
static inline bool ckrun_config_implicit_net(const struct ckrun_config *c)
{
	return !c->implicit_vsock_disabled && !ckrun_config_explicit_net(c);
}

#endif
