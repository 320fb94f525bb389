/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-thread credential switching for operations that create files, so new
 * files belong to the guest's uid/gid. Uses the raw setresuid/setresgid
 * system calls, which affect only the calling thread (the glibc wrappers
 * change every thread of the process).
 */
#ifndef CKRUN_FS_CREDS_H
#define CKRUN_FS_CREDS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* What the process may do; decided once, at backend construction. */
struct fs_creds_caps {
	bool can_setuid; /* CAP_SETUID in the effective set */
	bool can_setgid; /* CAP_SETGID in the effective set */
	bool can_read_search; /* CAP_DAC_READ_SEARCH: open_by_handle_at works */
};

/* Saved state of one switch. */
struct fs_creds_saved {
	bool uid_switched;
	bool gid_switched;
	uid_t euid;
	gid_t egid;
};

void fs_creds_probe(struct fs_creds_caps *caps);

/*
 * Switch this thread's effective uid/gid to (uid, gid) where the process may;
 * where it may not, keep the process's own ids (files are then owned by the
 * process, see docs/security.md). 0 or -errno (nothing switched on error).
 */
int fs_creds_switch(const struct fs_creds_caps *caps, uint32_t uid, uint32_t gid,
		    struct fs_creds_saved *saved);
/* Restore what fs_creds_switch changed. */
void fs_creds_restore(const struct fs_creds_saved *saved);

#endif
