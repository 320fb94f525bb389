/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ckrun.h: ckrun's extensions to the libkrun API (<libkrun.h>).
 *
 * These functions do not exist in libkrun. Programs that want to stay
 * portable to libkrun should look them up with dlsym() or guard their use.
 */
#ifndef _CKRUN_H
#define _CKRUN_H

#ifdef __cplusplus
extern "C" {
#endif

#include <inttypes.h>
#include <stdbool.h>

/**
 * Run the VM described by the context, wait until the guest powers off, and
 * return the guest workload's exit status (0..255) instead of ending the
 * process as krun_start_enter() does.
 *
 * The context is consumed whether the call succeeds or not, and by the time
 * it returns every thread, file descriptor and mapping the VM used has been
 * released, so a process can run any number of VMs one after another. Meant
 * for embedders and tests that cannot lose their process.
 *
 * The calling thread's privileges are not changed: only the VM's own threads
 * drop capabilities and set no_new_privs (see docs/security.md).
 *
 * Errors: -ENOENT unknown context, or the negative errno of the failure that
 * prevented the VM from running (e.g. -EINVAL, -ENOEXEC, -ENOMEM, -ETIMEDOUT).
 */
int32_t ckrun_start_and_wait(uint32_t ctx_id);

/**
 * How long, in seconds, a guest may show no sign of life (no boot marker, no
 * console output, no device activity) after the start before ckrun stops the
 * VM and the start call fails with -ETIMEDOUT. This guards against hosts
 * whose KVM cannot run a Linux guest and would otherwise hang. 0 selects the
 * library's default.
 *
 * Errors: -ENOENT unknown context.
 */
int32_t ckrun_set_boot_timeout(uint32_t ctx_id, uint32_t seconds);

/**
 * Let the guest of the implicit network reach this host's loopback
 * (127.0.0.1) through the gateway address 10.0.2.2. Off by default: services
 * that listen only on the host's loopback are not meant for the guest. Has
 * no effect on an explicit network device.
 *
 * Errors: -ENOENT unknown context.
 */
int32_t ckrun_set_net_host_loopback(uint32_t ctx_id, bool allow);

#ifdef __cplusplus
}
#endif

#endif /* _CKRUN_H */
