/* SPDX-License-Identifier: Apache-2.0 */
/* Per-thread credential switching; see creds.h. */
#include "fs/creds.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

void fs_creds_probe(struct fs_creds_caps *caps)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0 } };
	caps->can_setuid = false;
	caps->can_setgid = false;
	caps->can_read_search = false;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return;
	caps->can_setuid = data[0].effective & (1u << CAP_SETUID);
	caps->can_setgid = data[0].effective & (1u << CAP_SETGID);
	caps->can_read_search = data[0].effective & (1u << CAP_DAC_READ_SEARCH);
}

int fs_creds_switch(const struct fs_creds_caps *caps, uint32_t uid, uint32_t gid,
		    struct fs_creds_saved *saved)
{
	saved->uid_switched = false;
	saved->gid_switched = false;
	saved->euid = geteuid();
	saved->egid = getegid();
	/* gid first: once the euid is not 0 the thread has lost CAP_SETGID. */
	if (caps->can_setgid && gid != saved->egid) {
		if (syscall(SYS_setresgid, -1, (gid_t)gid, -1) < 0)
			return -errno;
		saved->gid_switched = true;
	}
	if (caps->can_setuid && uid != saved->euid) {
		if (syscall(SYS_setresuid, -1, (uid_t)uid, -1) < 0) {
			int e = -errno;
			fs_creds_restore(saved);
			return e;
		}
		saved->uid_switched = true;
	}
	return 0;
}

void fs_creds_restore(const struct fs_creds_saved *saved)
{
	/* uid first: the saved uid (unchanged) lets us return, and with the old
	 * euid back the thread has CAP_SETGID again. A failure here cannot be
	 * reported usefully; the raw calls only fail for lack of privilege, which
	 * the saved set-user-ID rules out. */
	if (saved->uid_switched)
		(void)syscall(SYS_setresuid, -1, saved->euid, -1);
	if (saved->gid_switched)
		(void)syscall(SYS_setresgid, -1, saved->egid, -1);
}
