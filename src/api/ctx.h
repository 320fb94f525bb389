/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The context table: krun_create_ctx hands out IDs 0, 1, 2, ... for
 * configuration records that the krun_* setters fill in. Thread-safe.
 */
#ifndef CKRUN_API_CTX_H
#define CKRUN_API_CTX_H

#include <stdbool.h>
#include <stdint.h>
#include "abi/config.h"

/* config.c: a record with libkrun's defaults; release what it owns (the
 * record is left initialised, so freeing twice is safe). */
void ckrun_config_init(struct ckrun_config *c);
void ckrun_config_free(struct ckrun_config *c);

/* An explicit network device was added (a krun_add_net_* call succeeded).
 * libkrun then refuses krun_set_port_map, krun_set_passt_fd and
 * krun_set_gvproxy_path with -EINVAL. */
bool ckrun_config_has_net_device(const struct ckrun_config *c);

/*
 * The network devices the VM gets, in guest order: the krun_add_net_* ones,
 * then the legacy one (krun_set_passt_fd: unixstream on that fd;
 * krun_set_gvproxy_path: unixgram with the VFKT greeting; MAC from
 * krun_set_net_mac or 5a:94:ef:e4:0c:ee; COMPAT_NET_FEATURES), as libkrun
 * appends it at start. The entries borrow the record's strings. Returns the
 * count, or -ENOSPC if more than max.
 */
int ckrun_config_nets(const struct ckrun_config *c, struct ckrun_net *out, int max);

/* At start: the legacy device becomes the last entry of nets[] (the VMM only
 * reads nets[]). 0, -ENOSPC (no room), -ENOMEM. */
int ckrun_config_finish_nets(struct ckrun_config *c);

/* A new context with the default configuration: its ID, or -ENOMEM/-ENOSPC. */
int ckrun_ctx_create(void);

/* Free a context that was not started: 0 or -ENOENT. */
int ckrun_ctx_free(uint32_t id);

/* 0 if the context exists, else -ENOENT (an errno, so callers can return it). */
int ckrun_ctx_check(uint32_t id);

/*
 * Look a context up and hold the table lock: returns its configuration, or
 * NULL (lock not held) if there is none. Every non-NULL return must be
 * followed by ckrun_ctx_unlock(). Keep the critical section short: no I/O.
 */
struct ckrun_config *ckrun_ctx_lock(uint32_t id);
void ckrun_ctx_unlock(void);

/*
 * A setter's last step: runs the statements given, which name the record
 * `cfg`, under the table lock. 0, or -ENOENT (nothing run) if the context is
 * gone. The statements only assign: no I/O, nothing that fails.
 */
#define CKRUN_CTX_UPDATE(id, cfg, ...)                         \
	__extension__({                                        \
		struct ckrun_config *cfg = ckrun_ctx_lock(id); \
		if (cfg) {                                     \
			__VA_ARGS__;                           \
			ckrun_ctx_unlock();                    \
		}                                              \
		cfg ? 0 : -ENOENT;                             \
	})

/*
 * Remove a context from the table and hand its configuration to the caller,
 * who must ckrun_config_free() and free() it. 0 or -ENOENT.
 */
int ckrun_ctx_take(uint32_t id, struct ckrun_config **out);

/*
 * Tests only: the configuration of a live context, or NULL. The pointer is
 * valid until the context is freed or started; no lock is held.
 */
const struct ckrun_config *ckrun_ctx_config_for_test(uint32_t id);

#endif
