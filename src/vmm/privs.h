/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Privilege reduction for the threads that handle guest input (vCPU threads
 * and the device workers they start). Capabilities, the bounding set,
 * no_new_privs and seccomp filters are all per thread and inherited by the
 * threads a thread creates, so each vCPU thread applies this to itself before
 * its first KVM_RUN: every device worker (created from a vCPU thread when the
 * guest driver activates it) inherits it, and the embedder's thread that
 * called krun_start_enter / ckrun_start_and_wait keeps what it had. See
 * docs/security.md, "Privileges".
 */
#ifndef CKRUN_VMM_PRIVS_H
#define CKRUN_VMM_PRIVS_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/config.h"

/* What a passthrough share may need to act with the guest's credentials. */
#define PRIVS_CAP(c) (UINT64_C(1) << (c))
/* Bit masks of capability numbers (<linux/capability.h>). */
extern const uint64_t privs_keep_rw; /* some share is writable */
extern const uint64_t privs_keep_ro; /* every share is read-only */

/* The capabilities the VMM's threads keep for cfg (0 without shares). */
uint64_t privs_keep_mask(const struct ckrun_config *cfg);
/*
 * privs_keep_mask, or every capability when CKRUN_PRIVS_DROP=0 asks to keep
 * them (debugging; hosts whose shares need trusted.* xattrs, which require
 * CAP_SYS_ADMIN). no_new_privs is set either way.
 */
uint64_t privs_keep_for(const struct ckrun_config *cfg);

/* What the calling thread holds, read back from the kernel. */
struct privs_state {
	uint64_t effective, permitted, inheritable, bounding, ambient;
	bool no_new_privs;
};
int privs_read(struct privs_state *st);

/*
 * Reduce the calling thread (and the threads it creates later) to `keep`:
 * sets no_new_privs; removes every other capability from the effective,
 * permitted and bounding sets (the bounding set only when the thread has
 * CAP_SETPCAP; without it the bounding set is left as is) and clears the
 * inheritable and ambient sets. Never adds a capability the thread lacks, so
 * for a thread without capabilities it only sets no_new_privs.
 * 0 or -errno; on error the thread may be partly reduced, never widened.
 */
int privs_drop(uint64_t keep);

/*
 * Install the seccomp allow-list on the calling thread (inherited like the
 * above). A system call outside the list kills the whole process with
 * SIGSYS. -ENOTSUP when built without libseccomp.
 */
int privs_seccomp(void);
/* The same list plus the socket calls of the user-mode network, which runs
 * on its device's worker: loaded by the vCPU threads of a VM that has it. */
int privs_seccomp_net(void);
/* True when CKRUN_SECCOMP=1 asks for privs_seccomp. */
bool privs_seccomp_wanted(void);

#endif
