/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The privilege module (src/vmm/privs.c, seccomp.c): which capabilities a
 * configuration keeps, and what a drop does to a thread. Every drop runs in
 * a forked child, which sends its state back through a pipe, so this
 * process keeps its capabilities. Run as root the tests check a real
 * reduction; run without capabilities they check that the drop is a no-op
 * apart from no_new_privs (the expectations are computed from the state the
 * test starts with).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/features.h"
#include "vmm/privs.h"

struct child_report {
	int ret;      /* privs_drop's result */
	int read_ret; /* privs_read's */
	struct privs_state st;
	int thread_read_ret;
	struct privs_state thread_st; /* read by a thread created after the drop */
};

enum prep { PREP_NONE, PREP_NO_SETPCAP, PREP_NO_CAPS };

static int capset_raw(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)prm;
	d[1].permitted = (uint32_t)(prm >> 32);
	d[0].inheritable = (uint32_t)inh;
	d[1].inheritable = (uint32_t)(inh >> 32);
	return syscall(SYS_capset, &hdr, d) < 0 ? -errno : 0;
}

static void *thread_read(void *arg)
{
	struct child_report *r = arg;
	r->thread_read_ret = privs_read(&r->thread_st);
	return NULL;
}

/* Fork; the child prepares, drops to `keep` and reports. */
static void run_child(enum prep prep, uint64_t keep, struct child_report *out)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child_report r;
		memset(&r, 0, sizeof(r));
		struct privs_state now;
		int ok = privs_read(&now) == 0;
		if (ok && prep == PREP_NO_SETPCAP)
			ok = capset_raw(now.effective & ~PRIVS_CAP(CAP_SETPCAP), now.permitted & ~PRIVS_CAP(CAP_SETPCAP),
					now.inheritable & ~PRIVS_CAP(CAP_SETPCAP)) == 0;
		if (ok && prep == PREP_NO_CAPS)
			ok = capset_raw(0, 0, 0) == 0;
		r.ret = ok ? privs_drop(keep) : -EBADE;
		r.read_ret = privs_read(&r.st);
		pthread_t t;
		if (pthread_create(&t, NULL, thread_read, &r) == 0)
			pthread_join(t, NULL);
		else
			r.thread_read_ret = -EAGAIN;
		ssize_t w = write(p[1], &r, sizeof(r));
		_exit(w == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], out, sizeof(*out));
	close(p[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(n, (ssize_t)sizeof(*out));
	assert_int_equal(out->read_ret, 0);
	assert_int_equal(out->thread_read_ret, 0);
}

/* Drop to `keep` in a child prepared as `prep`, and compare with this
 * process's privileges. */
static void check_drop(enum prep prep, uint64_t keep)
{
	struct privs_state before;
	assert_int_equal(privs_read(&before), 0);
	struct child_report r;
	run_child(prep, keep, &r);
	uint64_t eff = before.effective, prm = before.permitted;
	if (prep == PREP_NO_SETPCAP) {
		eff &= ~PRIVS_CAP(CAP_SETPCAP);
		prm &= ~PRIVS_CAP(CAP_SETPCAP);
	} else if (prep == PREP_NO_CAPS) {
		eff = prm = 0;
	}
	bool setpcap = eff & PRIVS_CAP(CAP_SETPCAP);
	assert_int_equal(r.ret, 0);
	assert_true(r.st.no_new_privs);
	assert_int_equal(r.st.effective, eff & keep);
	assert_int_equal(r.st.permitted, prm & keep);
	assert_int_equal(r.st.inheritable, 0);
	assert_int_equal(r.st.ambient, 0);
	/* The bounding set shrinks only with CAP_SETPCAP; else it is left alone. */
	assert_int_equal(r.st.bounding, setpcap ? before.bounding & keep : before.bounding);
	/* A thread created afterwards (a device worker) inherits all of it. */
	assert_memory_equal(&r.thread_st, &r.st, sizeof(r.st));
}

static void test_keep_mask(void **state)
{
	(void)state;
	struct ckrun_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(privs_keep_mask(&cfg), 0); /* console only */

	cfg.nr_shares = 2;
	cfg.shares[0].read_only = true;
	cfg.shares[1].read_only = true;
	assert_int_equal(privs_keep_mask(&cfg), PRIVS_CAP(CAP_DAC_READ_SEARCH));

	cfg.shares[1].read_only = false; /* one writable share needs the write set */
	uint64_t rw = privs_keep_mask(&cfg);
	uint64_t want = PRIVS_CAP(CAP_CHOWN) | PRIVS_CAP(CAP_DAC_OVERRIDE) | PRIVS_CAP(CAP_DAC_READ_SEARCH) |
			PRIVS_CAP(CAP_FOWNER) | PRIVS_CAP(CAP_FSETID) | PRIVS_CAP(CAP_SETGID) |
			PRIVS_CAP(CAP_SETUID) | PRIVS_CAP(CAP_MKNOD) | PRIVS_CAP(CAP_SETFCAP);
	assert_int_equal(rw, want);
	assert_int_equal(privs_keep_rw, want);
	assert_int_equal(privs_keep_ro, PRIVS_CAP(CAP_DAC_READ_SEARCH));
	/* CKRUN_PRIVS_DROP=0 keeps everything; anything else is the mask. */
	setenv("CKRUN_PRIVS_DROP", "0", 1);
	assert_int_equal(privs_keep_for(&cfg), UINT64_MAX);
	setenv("CKRUN_PRIVS_DROP", "1", 1);
	assert_int_equal(privs_keep_for(&cfg), want);
	unsetenv("CKRUN_PRIVS_DROP");
	assert_int_equal(privs_keep_for(&cfg), want);
	/* Never anything that reaches beyond files. */
	assert_int_equal(rw & (PRIVS_CAP(CAP_SYS_ADMIN) | PRIVS_CAP(CAP_SETPCAP) | PRIVS_CAP(CAP_NET_ADMIN) |
			       PRIVS_CAP(CAP_SYS_PTRACE) | PRIVS_CAP(CAP_SYS_MODULE)),
			 0);
}

static void test_drop_rw(void **state)
{
	(void)state;
	check_drop(PREP_NONE, privs_keep_rw);
}

static void test_drop_ro(void **state)
{
	(void)state;
	check_drop(PREP_NONE, privs_keep_ro);
}

static void test_drop_none(void **state)
{
	(void)state;
	check_drop(PREP_NONE, 0);
}

/* CKRUN_PRIVS_DROP=0: nothing is dropped but inheritable/ambient; no_new_privs is set. */
static void test_drop_keep_all(void **state)
{
	(void)state;
	check_drop(PREP_NONE, UINT64_MAX);
}

/* Without CAP_SETPCAP the bounding set cannot shrink: the drop still succeeds. */
static void test_drop_without_setpcap(void **state)
{
	(void)state;
	check_drop(PREP_NO_SETPCAP, privs_keep_rw);
}

/* A process without capabilities (ckrun run by a normal user): only no_new_privs. */
static void test_drop_unprivileged(void **state)
{
	(void)state;
	check_drop(PREP_NO_CAPS, privs_keep_rw);
}

static void test_seccomp(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int err = privs_seccomp();
#if CKRUN_HAVE_SECCOMP
		if (err)
			_exit(10);
		/* Allowed: files, memory, threads. */
		int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
		char buf[64];
		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
			_exit(11);
		close(fd);
		pthread_t t;
		struct child_report r;
		if (pthread_create(&t, NULL, thread_read, &r) != 0)
			_exit(12);
		pthread_join(t, NULL);
		/* Not allowed: the process dies with SIGSYS here. */
		(void)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
		_exit(13);
#else
		_exit(err == -ENOTSUP ? 20 : 21);
#endif
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
#if CKRUN_HAVE_SECCOMP
	if (WIFEXITED(status))
		fail_msg("the child exited with %d instead of dying of SIGSYS", WEXITSTATUS(status));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
#else
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 20);
#endif
}

/* A thread may name itself under the list (the in-process network's worker
 * calls itself "ckrun-netstack"): prctl(PR_SET_NAME) only. */
static void test_seccomp_thread_name(void **state)
{
	(void)state;
#if CKRUN_HAVE_SECCOMP
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (privs_seccomp_net())
			_exit(10);
		if (pthread_setname_np(pthread_self(), "ckrun-test") != 0)
			_exit(11);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("the child died of signal %d", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
#else
	assert_int_equal(privs_seccomp_net(), -ENOTSUP);
#endif
}

static void test_seccomp_wanted(void **state)
{
	(void)state;
	unsetenv("CKRUN_SECCOMP");
	assert_false(privs_seccomp_wanted());
	setenv("CKRUN_SECCOMP", "0", 1);
	assert_false(privs_seccomp_wanted());
	setenv("CKRUN_SECCOMP", "1", 1);
	assert_true(privs_seccomp_wanted());
	unsetenv("CKRUN_SECCOMP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_mask),
		cmocka_unit_test(test_drop_rw),
		cmocka_unit_test(test_drop_ro),
		cmocka_unit_test(test_drop_none),
		cmocka_unit_test(test_drop_keep_all),
		cmocka_unit_test(test_drop_without_setpcap),
		cmocka_unit_test(test_drop_unprivileged),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_seccomp_thread_name),
		cmocka_unit_test(test_seccomp_wanted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
