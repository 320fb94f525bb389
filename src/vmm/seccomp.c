/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The optional seccomp allow-list of the vCPU and device-worker threads (see
 * privs.h). Opt-in (CKRUN_SECCOMP=1): a list that misses a call some glibc or
 * kernel version makes kills the VM, so it is not on by default. The list
 * comes from the code these threads run (src/vmm vCPU loop and device
 * emulation, src/virtio workers, src/fs server and backends) plus what glibc
 * uses underneath (malloc, pthread_create, stdio for error messages), and was
 * checked against `strace -f` of the host-side fs tests (tests/fs: every
 * FUSE operation through the passthrough, DAX, the hostile replays). It is
 * deliberately generous about file-system calls (the passthrough needs them
 * and they are confined by the share's fds) and leaves out everything else:
 * exec, ptrace, mount, namespaces, creating or connecting sockets, keyrings,
 * bpf, module loading, process creation other than threads, reboot, kexec.
 * The network devices' peers are opened before the filter is loaded; their
 * workers only send and receive on those fds.
 */
#include "vmm/privs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "vmm/features.h"

#if CKRUN_HAVE_SECCOMP
#include <seccomp.h>

static const char *const allowed[] = {
	/* vCPU loop, eventfds, epoll, signals (vCPU kick), timing */
	"ioctl", "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"preadv2", "pwritev2", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "epoll_create1",
	"eventfd2", "poll", "ppoll", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "rt_sigaction",
	"sigaltstack", "tgkill", "getpid", "gettid", "clock_gettime", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "sched_yield", "futex", "futex_waitv", "restart_syscall",
	/* memory: malloc, DAX windows */
	"mmap", "munmap", "mprotect", "madvise", "mremap", "brk", "mincore", "msync",
	/* threads: device workers start on activation from a vCPU thread */
	"clone", "clone3", "set_robust_list", "get_robust_list", "rseq", "exit", "exit_group",
	"sched_getaffinity", "prlimit64", "getrlimit",
	/* the passthrough and the read-only wrapper */
	"openat", "openat2", "open", "close", "dup", "dup3", "fcntl", "lseek", "fstat", "newfstatat",
	"statx", "stat", "lstat", "statfs", "fstatfs", "getdents64", "readlinkat", "mkdirat", "mknodat",
	"unlinkat", "renameat", "renameat2", "linkat", "symlinkat", "fchmod", "fchmodat", "fchown",
	"fchownat", "ftruncate", "fallocate", "fsync", "fdatasync", "syncfs", "utimensat", "faccessat",
	"faccessat2", "access", "copy_file_range", "flock", "name_to_handle_at", "open_by_handle_at",
	"fgetxattr", "fsetxattr", "flistxattr", "fremovexattr", "getxattr", "setxattr", "listxattr",
	"removexattr", "lgetxattr", "lsetxattr", "llistxattr", "lremovexattr", "umask",
	/* credentials: per-thread switch to the guest's ids (fs/creds.c) */
	"setresuid", "setresgid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
	"capget",
	/* virtio-net workers on their already connected peer (send(2) is sendto) */
	"sendto", "recvfrom", "sendmsg", "recvmsg",
	/* misc glibc */
	"getrandom", "uname", "sysinfo",
};

/* The user-mode network (src/net/usernet.c, on its device's worker, which
 * inherits the filter of the vCPU thread that started it) also makes the
 * guest's connections as this process's own sockets. */
static const char *const allowed_net[] = {
	"socket", "connect", "bind", "listen", "accept", "accept4", "sendmmsg", "recvmmsg",
	"setsockopt", "getsockopt", "getsockname", "getpeername", "shutdown",
};

static int add_rules(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture (e.g. "open" elsewhere) */
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	return err;
}

static int load(bool net)
{
	/* A call outside the list kills the process (SIGSYS): a compromised
	 * VMM thread must not keep running with an error it can retry around. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	int err = add_rules(ctx, allowed, sizeof(allowed) / sizeof(allowed[0]));
	/* prctl only to name the calling thread (pthread_setname_np on itself:
	 * the in-process network's worker is "ckrun-netstack"); no other option. */
	if (!err)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				       SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	if (!err && net)
		err = add_rules(ctx, allowed_net, sizeof(allowed_net) / sizeof(allowed_net[0]));
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err < 0 ? err : 0;
}

int privs_seccomp(void)
{
	return load(false);
}

int privs_seccomp_net(void)
{
	return load(true);
}
#else
int privs_seccomp(void)
{
	return -ENOTSUP;
}

int privs_seccomp_net(void)
{
	return -ENOTSUP;
}
#endif

bool privs_seccomp_wanted(void)
{
	const char *e = getenv("CKRUN_SECCOMP");
	return e && strcmp(e, "1") == 0;
}
