/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A libkrun client for the network VM tests, in krunvm's call order:
 *   krun_create_ctx, krun_set_vm_config, krun_set_root, [network calls],
 *   krun_set_exec, krun_start_enter
 * It uses only the public API (libkrun.h, ckrun.h) and exits 1 on any
 * negative answer, as krunvm does.
 *
 *   krun-net-client [options] ROOT CMD [ARGS...]
 *     -p HOST:GUEST       a krun_set_port_map entry (repeatable); the call is
 *                         made when -p or -P is given
 *     -P                  krun_set_port_map with an empty list ({NULL}, krunvm without ports)
 *     -d                  krun_disable_implicit_vsock first
 *     -s                  go-microvm's shape: krun_add_net_unixstream on one end of a
 *                         socketpair (MAC 02:4b:72:75:6e:00, COMPAT_NET_FEATURES, flags 0);
 *                         the other end stays open and silent
 *     -l                  ckrun_set_net_host_loopback(true)
 *     -e K=V              add K=V to the workload's environment (repeatable; PATH=/bin always)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libkrun.h"
#include "ckrun.h"

#define CHECK(call)                                                                          \
	do {                                                                                 \
		int32_t r_ = (call);                                                         \
		if (r_ < 0) {                                                                \
			fprintf(stderr, "krun-net-client: %s: %s\n", #call, strerror(-r_)); \
			return 1;                                                            \
		}                                                                            \
	} while (0)

int main(int argc, char **argv)
{
	const char *map[64], *envp[32] = { "PATH=/bin" };
	int nmap = 0, nenv = 1, opt;
	bool set_map = false, disable = false, stream = false, loopback = false;

	while ((opt = getopt(argc, argv, "+p:Pdsle:")) != -1) {
		switch (opt) {
		case 'p':
			if (nmap < 63)
				map[nmap++] = optarg;
			set_map = true;
			break;
		case 'P':
			set_map = true;
			break;
		case 'd':
			disable = true;
			break;
		case 's':
			stream = true;
			break;
		case 'l':
			loopback = true;
			break;
		case 'e':
			if (nenv < 31)
				envp[nenv++] = optarg;
			break;
		default:
			return 2;
		}
	}
	map[nmap] = NULL;
	envp[nenv] = NULL;
	if (argc - optind < 2) {
		fprintf(stderr, "usage: krun-net-client [-p H:G]... [-P] [-d] [-s] [-l] [-e K=V]... ROOT CMD [ARGS...]\n");
		return 2;
	}
	const char *root = argv[optind], *cmd = argv[optind + 1];
	const char *const *args = (const char *const *)&argv[optind + 2];

	int32_t ctx = krun_create_ctx();
	if (ctx < 0) {
		fprintf(stderr, "krun-net-client: krun_create_ctx: %s\n", strerror(-ctx));
		return 1;
	}
	CHECK(krun_set_vm_config((uint32_t)ctx, 1, 256));
	CHECK(krun_set_root((uint32_t)ctx, root));
	if (disable)
		CHECK(krun_disable_implicit_vsock((uint32_t)ctx));
	if (loopback)
		CHECK(ckrun_set_net_host_loopback((uint32_t)ctx, true));
	if (stream) {
		int sv[2];
		uint8_t mac[6] = { 0x02, 0x4b, 0x72, 0x75, 0x6e, 0x00 };
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return 1;
		CHECK(krun_add_net_unixstream((uint32_t)ctx, NULL, sv[1], mac, COMPAT_NET_FEATURES, 0));
	}
	if (set_map)
		CHECK(krun_set_port_map((uint32_t)ctx, map));
	CHECK(krun_set_exec((uint32_t)ctx, cmd, args, envp));
	CHECK(krun_start_enter((uint32_t)ctx));
	return 1; /* not reached: krun_start_enter ends the process */
}
