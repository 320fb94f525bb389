// SPDX-License-Identifier: Apache-2.0
/*
 * passt-client: boots ROOTDIR with KERNEL through libkrun's API with a passt
 * network, the way its clients do. The workload comes from
 * ROOTDIR/.krun_config.json (as crun writes it).
 *
 *   passt-client crun ROOTDIR KERNEL
 *       crun's krun handler with the passt annotation (crun >= 1.27; the
 *       crun 1.8.1 the project builds has no passt support): a
 *       socketpair(AF_UNIX, SOCK_STREAM), passt started on one end as crun
 *       starts it ("passt -t all -u all --no-dhcp-dns --no-map-gw --fd N",
 *       stdout and stderr to /dev/null, waiting for its parent to exit 0),
 *       then crun's calls in crun's order: krun_create_ctx (at load),
 *       krun_set_log_level, krun_add_virtiofs2("/dev/root", root, 512 MiB),
 *       krun_set_vm_config, krun_add_net_unixstream(NULL, fd,
 *       5a:94:ef:e4:0c:ee, COMPAT_NET_FEATURES, NET_FLAG_DHCP_CLIENT)
 *       retried with flags 0 on -EINVAL, krun_set_kernel, krun_start_enter.
 *   passt-client passt-fd ROOTDIR KERNEL PASST_ARG...
 *       passt started with "PASST_ARG... --fd N" on a socketpair, then
 *       krun_set_passt_fd (libkrun's legacy call: no DHCP flag).
 *   passt-client socket:PATH ROOTDIR KERNEL
 *       krun_add_net_unixstream(PATH, -1, ..., NET_FLAG_DHCP_CLIENT) to a
 *       passt the caller started with --socket PATH.
 *   passt-client implicit ROOTDIR KERNEL
 *       no network call at all: the library's implicit network, if any
 *       (the bench's user-mode comparison), with ckrun's extension
 *       ckrun_set_net_host_loopback(ctx, true) so that 10.0.2.2 reaches the
 *       host's loopback, as QEMU's -netdev user does by default.
 *
 * $PASST_CLIENT_LOG, when set, gets passt's output instead of /dev/null.
 * $PASST_CLIENT_MEM sets the guest memory in MiB (default 256).
 * Exit status: the guest workload's (krun_start_enter does not return), or
 * 100 + errno-ish when a call fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckrun.h"
#include "libkrun.h"

static int fail(const char *what, int rc)
{
	fprintf(stderr, "passt-client: %s: %s\n", what, strerror(-rc));
	return 100;
}

/* Starts passt on child_fd as crun does; 0 once its parent exited 0. */
static int start_passt(char **argv, int parent_fd)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(parent_fd);
		const char *log = getenv("PASST_CLIENT_LOG");
		int out = open(log && log[0] ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (out < 0)
			_exit(EXIT_FAILURE);
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
		close(out);
		execvp("passt", argv);
		_exit(EXIT_FAILURE);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "passt-client: passt's parent ended with status 0x%x\n", st);
		return -ECHILD;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: passt-client crun|passt-fd|socket:PATH|implicit ROOTDIR KERNEL [PASST_ARG...]\n");
		return 2;
	}
	const char *mode = argv[1], *root = argv[2], *kernel = argv[3];
	const char *mem_s = getenv("PASST_CLIENT_MEM");
	uint32_t mem = mem_s && mem_s[0] ? (uint32_t)atoi(mem_s) : 256;
	uint8_t mac[] = { 0x5a, 0x94, 0xef, 0xe4, 0x0c, 0xee };
	int fds[2] = { -1, -1 };
	char fd_str[16];
	int rc;

	int32_t ctx = krun_create_ctx();
	if (ctx < 0)
		return fail("krun_create_ctx", ctx);

	if (strcmp(mode, "crun") == 0 || strcmp(mode, "passt-fd") == 0) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
			return fail("socketpair", -errno);
		snprintf(fd_str, sizeof(fd_str), "%d", fds[1]);
		char *pargv[64];
		int n = 0;
		pargv[n++] = "passt";
		if (strcmp(mode, "crun") == 0) {
			static char *crun_args[] = { "-t", "all", "-u", "all", "--no-dhcp-dns",
						     "--no-map-gw" };
			for (size_t i = 0; i < sizeof(crun_args) / sizeof(crun_args[0]); i++)
				pargv[n++] = crun_args[i];
		} else {
			for (int i = 4; i < argc && n < 60; i++)
				pargv[n++] = argv[i];
		}
		pargv[n++] = "--fd";
		pargv[n++] = fd_str;
		pargv[n] = NULL;
		if ((rc = start_passt(pargv, fds[0])) < 0)
			return fail("start passt", rc);
		close(fds[1]);
	} else if (strncmp(mode, "socket:", 7) != 0 && strcmp(mode, "implicit") != 0) {
		fprintf(stderr, "passt-client: unknown mode %s\n", mode);
		return 2;
	}

	krun_set_log_level(KRUN_LOG_LEVEL_ERROR);
	if ((rc = krun_add_virtiofs2((uint32_t)ctx, "/dev/root", root, 512ull << 20)) < 0)
		return fail("krun_add_virtiofs2", rc);
	if ((rc = krun_set_vm_config((uint32_t)ctx, 1, mem)) < 0)
		return fail("krun_set_vm_config", rc);
	if (strcmp(mode, "crun") == 0) {
		rc = krun_add_net_unixstream((uint32_t)ctx, NULL, fds[0], mac, COMPAT_NET_FEATURES,
					     NET_FLAG_DHCP_CLIENT);
		if (rc == -EINVAL)
			rc = krun_add_net_unixstream((uint32_t)ctx, NULL, fds[0], mac,
						     COMPAT_NET_FEATURES, 0);
		if (rc < 0)
			return fail("krun_add_net_unixstream", rc);
	} else if (strcmp(mode, "passt-fd") == 0) {
		if ((rc = krun_set_passt_fd((uint32_t)ctx, fds[0])) < 0)
			return fail("krun_set_passt_fd", rc);
	} else if (strcmp(mode, "implicit") == 0) {
		if ((rc = ckrun_set_net_host_loopback((uint32_t)ctx, true)) < 0)
			return fail("ckrun_set_net_host_loopback", rc);
	} else {
		rc = krun_add_net_unixstream((uint32_t)ctx, mode + 7, -1, mac, COMPAT_NET_FEATURES,
					     NET_FLAG_DHCP_CLIENT);
		if (rc < 0)
			return fail("krun_add_net_unixstream(path)", rc);
	}
	if ((rc = krun_set_kernel((uint32_t)ctx, kernel, KRUN_KERNEL_FORMAT_RAW, NULL, NULL)) < 0)
		return fail("krun_set_kernel", rc);
	rc = krun_start_enter((uint32_t)ctx);
	return fail("krun_start_enter", rc);
}
