/* SPDX-License-Identifier: Apache-2.0 */
/* Capability reduction of the VMM's guest-facing threads; see privs.h. */
#include "vmm/privs.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/features.h"

#if CKRUN_HAVE_CAPNG
#include <cap-ng.h>
#endif

/*
 * A writable share creates files as the guest's uid/gid (SETUID, SETGID:
 * fs/creds.c switches the worker thread's euid/egid), changes owners and
 * modes of files it does not own (CHOWN, FOWNER, FSETID, DAC_OVERRIDE), makes
 * device nodes (MKNOD), sets file capabilities as xattrs (SETFCAP), and
 * reads, searches and re-opens by handle what the guest's uid may not
 * (DAC_READ_SEARCH: fs/inode.c uses open_by_handle_at when it has it).
 */
const uint64_t privs_keep_rw = PRIVS_CAP(CAP_CHOWN) | PRIVS_CAP(CAP_DAC_OVERRIDE) |
			       PRIVS_CAP(CAP_DAC_READ_SEARCH) | PRIVS_CAP(CAP_FOWNER) | PRIVS_CAP(CAP_FSETID) |
			       PRIVS_CAP(CAP_SETGID) | PRIVS_CAP(CAP_SETUID) | PRIVS_CAP(CAP_MKNOD) |
			       PRIVS_CAP(CAP_SETFCAP);
/*
 * A read-only share never switches credentials and never writes (the
 * read-only wrapper refuses first). Reading files and listing directories
 * whatever their owner and mode is exactly what CAP_DAC_READ_SEARCH grants
 * (read permission on files, read and search on directories), and it is
 * also what open_by_handle_at requires. DAC_OVERRIDE would add write and
 * execute: not needed.
 */
const uint64_t privs_keep_ro = PRIVS_CAP(CAP_DAC_READ_SEARCH);

uint64_t privs_keep_mask(const struct ckrun_config *cfg)
{
	uint64_t keep = 0;
	for (int i = 0; i < cfg->nr_shares && i < CKRUN_MAX_SHARES; i++)
		keep |= cfg->shares[i].read_only ? privs_keep_ro : privs_keep_rw;
	return keep;
}

uint64_t privs_keep_for(const struct ckrun_config *cfg)
{
	const char *e = getenv("CKRUN_PRIVS_DROP");
	if (e && strcmp(e, "0") == 0)
		return UINT64_MAX;
	return privs_keep_mask(cfg);
}

/* The highest capability number the running kernel knows. */
static int last_cap(void)
{
	int c = CAP_LAST_CAP;
	while (c < 63 && prctl(PR_CAPBSET_READ, c + 1, 0, 0, 0) >= 0)
		c++;
	while (c > 0 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
		c--;
	return c;
}

int privs_read(struct privs_state *st)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	memset(st, 0, sizeof(*st));
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &hdr, d) < 0)
		return -errno;
	st->effective = d[0].effective | (uint64_t)d[1].effective << 32;
	st->permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
	st->inheritable = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	int last = last_cap();
	for (int c = 0; c <= last; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) > 0)
			st->bounding |= PRIVS_CAP(c);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) > 0)
			st->ambient |= PRIVS_CAP(c);
	}
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (nnp < 0)
		return -errno;
	st->no_new_privs = nnp == 1;
	return 0;
}

int privs_drop(uint64_t keep)
{
	/* First: whatever happens below, nothing this thread (or a thread it
	 * creates) executes can gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
#if CKRUN_HAVE_CAPNG
	/* libcap-ng keeps its state per thread and addresses the calling
	 * thread (gettid), so this is safe on a vCPU thread. */
	if (capng_get_caps_process() < 0)
		return -EPERM;
	int last = last_cap();
	bool setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	/* Only drops: a thread without capabilities may do them too (a no-op). */
	for (int c = 0; c <= last; c++) {
		capng_update(CAPNG_DROP, CAPNG_INHERITABLE, (unsigned)c);
		if (c < 64 && (keep & PRIVS_CAP(c)))
			continue;
		capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET, (unsigned)c);
	}
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which the
	 * capability sets below take away. Without CAP_SETPCAP it stays as is:
	 * with no_new_privs set it cannot give anything back anyway. */
	if (setpcap && capng_apply(CAPNG_SELECT_BOUNDS) < 0)
		return -EPERM;
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return -EPERM;
#else
	(void)keep;
#endif
	/* Ambient capabilities (kept only when also inheritable) are cleared by
	 * the kernel with the inheritable set; clear them also when the thread
	 * had nothing to drop. EINVAL: a kernel without ambient capabilities. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}
