/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /init.krun: the guest's PID 1. Built statically for the guest, embedded in
 * libkrun.so and served as a virtual read-only file on the "/dev/root" share.
 *
 * It follows libkrun's init contract: mount the pseudo filesystems, bring up
 * lo, set the hostname, get a DHCP lease on eth0 when KRUN_DHCP=1 (net.c)
 * or configure the implicit network's eth0 (netcfg.c), take the workload
 * from the workload file the VMM serves next to it (workload.h), else from
 * the kernel command line (KRUN_INIT, KRUN_WORKDIR, KRUN_RLIMITS, "K=V"
 * environment, args after --), and from /.krun_config.json, run it with
 * stdio on the krun-std* console ports
 * when they exist, report its exit status to the host through the virtio-fs
 * ioctl (CKRUN_IOC_EXIT_CODE, abi/guest.h) on "/" and reboot (reboot=k: the
 * i8042 reset ends the VM).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi/guest.h"
#include "abi/guest_net.h"
#include "config.h"
#include "net.h"
#include "netcfg.h"
#include "abi/workload.h"

#define FUSE_SUPER_MAGIC 0x65735546 /* statfs f_type of a fuse/virtiofs mount */
#define MAX_RLIMITS 64

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void msg(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "ckrun init: ");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	size_t len = strlen(buf);
	if (len < sizeof(buf) - 1)
		buf[len++] = '\n';
	if (write(STDERR_FILENO, buf, len) < 0) {
		/* nowhere else to say it */
	}
}

/* Directories the root must provide; on a read-only root init cannot create them. */
static const char *const root_dirs[] = { "/dev", "/proc", "/sys" };

static void mount_filesystems(char *missing, size_t missing_len, int *missing_errno)
{
	missing[0] = '\0';
	*missing_errno = 0;
	for (size_t i = 0; i < sizeof(root_dirs) / sizeof(root_dirs[0]); i++) {
		if (mkdir(root_dirs[i], 0755) < 0 && errno != EEXIST) {
			*missing_errno = errno;
			size_t l = strlen(missing);
			snprintf(missing + l, missing_len - l, "%s%s/", l ? " " : "", root_dirs[i] + 1);
		}
	}
	/* The kernel may already have mounted devtmpfs (DEVTMPFS_MOUNT): EBUSY is fine. */
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	mount("proc", "/proc", "proc", MS_NODEV | MS_NOEXEC | MS_NOSUID, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NODEV | MS_NOEXEC | MS_NOSUID, NULL);
	mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NODEV | MS_NOEXEC | MS_NOSUID, NULL);
	mkdir("/dev/pts", 0755);
	mount("devpts", "/dev/pts", "devpts", MS_NOEXEC | MS_NOSUID, "mode=0620,ptmxmode=0666");
	mkdir("/dev/shm", 01777);
	mount("tmpfs", "/dev/shm", "tmpfs", MS_NODEV | MS_NOSUID, "mode=1777");
	symlink("/proc/self/fd", "/dev/fd");
	symlink("/proc/self/fd/0", "/dev/stdin");
	symlink("/proc/self/fd/1", "/dev/stdout");
	symlink("/proc/self/fd/2", "/dev/stderr");
}

/* The kernel opens /dev/console for init only if it existed on the root at
 * boot; make sure fds 0-2 are open once devtmpfs is mounted. */
static void ensure_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int c = open("/dev/console", O_RDWR | O_NOCTTY);
		if (c < 0)
			c = open("/dev/null", O_RDWR);
		if (c < 0)
			return;
		if (c != fd) {
			dup2(c, fd);
			close(c);
		}
	}
}

/* The implicit network: eth0 as the VMM describes it (netcfg.h). */
static void configure_net(void)
{
	const char *v = getenv(GUEST_NET_ENV);
	struct init_net n;
	if (!v)
		return;
	if (init_net_parse(v, &n))
		msg("ignoring malformed %s=%s", GUEST_NET_ENV, v);
	else
		init_net_apply(GUEST_NET_IFNAME, &n); /* says what failed */
	unsetenv(GUEST_NET_ENV); /* not the workload's */
}

static void set_hostname(void)
{
	const char *h = getenv("HOSTNAME");
	if (!h || !h[0])
		h = "localhost";
	sethostname(h, strlen(h));
}

/* dup2 the krun-stdin/stdout/stderr console ports onto 0/1/2 when present. */
static void redirect_stdio(void)
{
	static const struct {
		const char *name;
		int fd;
		int flags;
	} ports[] = {
		{ CKRUN_PORT_STDIN, 0, O_RDONLY },
		{ CKRUN_PORT_STDOUT, 1, O_WRONLY },
		{ CKRUN_PORT_STDERR, 2, O_WRONLY },
	};
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		char path[256];
		if (init_find_port("/sys/class/virtio-ports", "/dev", ports[i].name, path,
				   sizeof(path)) < 0)
			continue;
		int fd = open(path, ports[i].flags | O_NOCTTY);
		if (fd < 0) {
			msg("cannot open %s (%s): %s", path, ports[i].name, strerror(errno));
			continue;
		}
		if (fd != ports[i].fd) {
			dup2(fd, ports[i].fd);
			close(fd);
		}
	}
}

/* Tells the VMM that the workload has started (boot-time measurements). */
static void boot_marker(void)
{
	if (ioperm(CKRUN_BOOT_MARKER_PORT, 1, 1) == 0)
		outb(1, CKRUN_BOOT_MARKER_PORT);
}

static void report_exit_code(int code)
{
	struct statfs sfs;
	if (statfs("/", &sfs) < 0 || sfs.f_type != FUSE_SUPER_MAGIC)
		return;
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (ioctl(fd, CKRUN_IOC_EXIT_CODE, code) < 0)
		msg("cannot report the exit code %d to the host: %s", code, strerror(errno));
	close(fd);
}

static void __attribute__((noreturn)) run_child(char **argv, const char *workdir,
						const struct init_rlimit *rl, int nrl)
{
	setsid();
	redirect_stdio();
	if (isatty(STDIN_FILENO))
		ioctl(STDIN_FILENO, TIOCSCTTY, 1);
	if (workdir && chdir(workdir) < 0) {
		msg("cannot enter the working directory %s: %s", workdir, strerror(errno));
		_exit(125);
	}
	for (int i = 0; i < nrl; i++)
		if (setrlimit((__rlimit_resource_t)rl[i].resource, &rl[i].lim) < 0)
			msg("setrlimit(%d): %s", rl[i].resource, strerror(errno));
	boot_marker();
	execvp(argv[0], argv);
	int e = errno;
	msg("cannot run %s: %s", argv[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* Set KRUN_name from a workload list of at most one entry (joined with ','
 * for the rlimits, as on the command line). */
static int set_krun_var(const char *name, char *const *l)
{
	size_t len = 1;
	for (size_t i = 0; l[i]; i++)
		len += strlen(l[i]) + 1;
	if (!l[0])
		return unsetenv(name);
	char *v = malloc(len), *p = v;
	if (!v)
		return -1;
	for (size_t i = 0; l[i]; i++)
		p += sprintf(p, "%s%s", i ? "," : "", l[i]);
	int r = setenv(name, v, 1);
	free(v);
	return r;
}

/* The workload file's variables, then its environment first in environ. */
static int use_workload(struct workload *wl)
{
	extern char **environ;
	if (set_krun_var("KRUN_INIT", wl->list[WL_EXEC]) < 0 ||
	    set_krun_var("KRUN_WORKDIR", wl->list[WL_WORKDIR]) < 0 ||
	    set_krun_var("KRUN_RLIMITS", wl->list[WL_RLIMITS]) < 0)
		return -1;
	/* Never freed: environ points into it (and into wl) until exec. */
	char **env = init_merge_env(wl->list[WL_ENV], environ);
	if (!env)
		return -1;
	environ = env;
	return 0;
}

static void __attribute__((noreturn)) finish(int code)
{
	report_exit_code(code);
	sync();
	if (getpid() == 1) {
		reboot(RB_AUTOBOOT);
		for (;;)
			pause();
	}
	exit(code);
}

int main(int argc, char **argv)
{
	struct init_config cfg = { 0 };
	struct init_rlimit rl[MAX_RLIMITS];
	char missing[64], err[256];
	int missing_errno, nrl = 0;

	mount_filesystems(missing, sizeof(missing), &missing_errno);
	ensure_stdio();
	if (missing[0])
		msg("cannot create %s in the root filesystem (%s). A read-only root must already "
		    "contain the empty directories dev/ proc/ sys/; create them in the shared "
		    "host directory.",
		    missing, strerror(missing_errno));
	mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL);
	init_net_lo();
	configure_net();

	/*
	 * The workload file replaces the command line's KRUN_* variables and
	 * arguments: they become this process's KRUN_* variables (the workload
	 * sees them as on libkrun), and its environment comes first, verbatim.
	 */
	struct workload wl;
	char **args = argv + 1;
	int nargs = argc - 1;
	int wrc = workload_load("/" WORKLOAD_NAME, &wl);
	if (wrc == 0) {
		args = wl.list[WL_ARGV];
		for (nargs = 0; args[nargs]; nargs++)
			;
		if (use_workload(&wl) < 0) {
			msg("out of memory");
			finish(125);
		}
	} else if (wrc != -ENOENT) {
		msg("cannot read the workload file /%s: %s", WORKLOAD_NAME, strerror(-wrc));
		finish(125);
	}

	/*
	 * The configuration file is read even when KRUN_INIT names the program
	 * (as libkrun's init does): crun 1.7-1.20 passes the program with
	 * krun_set_exec and an empty environment, so process.env and
	 * process.cwd reach the guest only through /.krun_config.json. Its
	 * argv is used only without KRUN_INIT; a malformed file is then
	 * reported and ignored rather than fatal, as the program is known.
	 */
	const char *krun_init = getenv("KRUN_INIT");
	bool have_init = krun_init && krun_init[0];
	const char *path = getenv("KRUN_CONFIG");
	if (!path || !path[0])
		path = INIT_CONFIG_DEFAULT;
	int rc = init_config_load(path, &cfg, err, sizeof(err));
	if (rc < 0 && rc != -ENOENT) {
		msg("invalid configuration file %s: %s", path, err[0] ? err : strerror(-rc));
		if (!have_init)
			finish(125);
		init_config_free(&cfg);
	}
	init_apply_env(cfg.env);
	init_apply_krun_overrides();
	set_hostname();
	/* libkrun's flag for NET_FLAG_DHCP_CLIENT; otherwise eth0 is the workload's. */
	const char *dhcp = getenv("KRUN_DHCP");
	if (dhcp && strcmp(dhcp, "1") == 0)
		init_net_dhcp("eth0", INIT_DHCP_BUDGET_MS);

	const char *rls = getenv("KRUN_RLIMITS");
	if (rls && rls[0]) {
		int skipped;
		nrl = init_parse_rlimits(rls, rl, MAX_RLIMITS, &skipped);
		if (skipped)
			msg("KRUN_RLIMITS=%s: skipped %d malformed entr%s", rls, skipped, skipped == 1 ? "y" : "ies");
	}
	const char *workdir = getenv("KRUN_WORKDIR");
	if (!workdir || !workdir[0])
		workdir = cfg.cwd;

	char **wargv = init_choose_argv(krun_init, args, nargs, cfg.argv);
	if (!wargv) {
		msg("out of memory");
		finish(125);
	}

	pid_t child = fork();
	if (child < 0) {
		msg("fork: %s", strerror(errno));
		finish(125);
	}
	if (child == 0)
		run_child(wargv, workdir, rl, nrl);

	/* PID 1 reaps every orphan; the workload's status is the VM's. */
	int code = 1;
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p == child) {
			code = init_exit_code(st);
			break;
		}
	}
	finish(code);
}
