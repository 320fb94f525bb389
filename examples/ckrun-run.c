/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ckrun-run: run a command in a microVM rooted at a host directory, using
 * only the public libkrun API. In the spirit of libkrun's chroot_vm example.
 *
 *   ckrun-run [OPTIONS] ROOTDIR [--] [CMD [ARGS...]]
 *
 * The process ends inside krun_start_enter() with the guest workload's exit
 * status; it only returns here when the VM could not be started.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libkrun.h"

#include "ckrun-run-args.h"

#define EXIT_LAUNCH_FAILED 125 /* as container runtimes: the VM itself could not run */

static int failed(const char *what, int rc)
{
	fprintf(stderr, "ckrun-run: %s: %s\n", what, strerror(-rc));
	return EXIT_LAUNCH_FAILED;
}

static int need_dir(const char *what, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "ckrun-run: %s %s: %s\n", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "ckrun-run: %s %s is not a directory\n", what, path);
		return -1;
	}
	return 0;
}

/* The format from the first bytes: ELF, a vmlinux compressed with gzip,
 * bzip2 or zstd, else RAW (a bzImage). */
static int kernel_format(const char *path, uint32_t *fmt)
{
	unsigned char m[4] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ckrun-run: kernel %s: %s\n", path, strerror(errno));
		return -1;
	}
	ssize_t n = read(fd, m, sizeof(m));
	close(fd);
	if (n == 4 && memcmp(m, "\x7f" "ELF", 4) == 0)
		*fmt = KRUN_KERNEL_FORMAT_ELF;
	else if (n >= 3 && m[0] == 0x1f && m[1] == 0x8b && m[2] == 0x08)
		*fmt = KRUN_KERNEL_FORMAT_IMAGE_GZ;
	else if (n >= 3 && memcmp(m, "BZh", 3) == 0)
		*fmt = KRUN_KERNEL_FORMAT_IMAGE_BZ2;
	else if (n == 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
		*fmt = KRUN_KERNEL_FORMAT_IMAGE_ZSTD;
	else
		*fmt = KRUN_KERNEL_FORMAT_RAW;
	return 0;
}

int main(int argc, char **argv)
{
	struct run_opts o;
	int32_t ctx, rc;
	uint32_t fmt = KRUN_KERNEL_FORMAT_RAW;

	switch (run_parse_args(argc, argv, &o, stdout, stderr)) {
	case RUN_PARSE_HELP:
		return 0;
	case RUN_PARSE_ERROR:
		return 2;
	default:
		break;
	}
	/* Host-side paths are checked here so that mistakes are argument errors. */
	if (need_dir("ROOTDIR", o.root) < 0)
		goto bad_args;
	for (int i = 0; i < o.nr_volumes; i++)
		if (need_dir("volume", o.volumes[i].path) < 0)
			goto bad_args;
	if (o.kernel && kernel_format(o.kernel, &fmt) < 0)
		goto bad_args;

	if (o.log_level >= 0 && (rc = krun_set_log_level((uint32_t)o.log_level)) < 0)
		fprintf(stderr, "ckrun-run: krun_set_log_level: %s (ignored)\n", strerror(-rc));

	ctx = krun_create_ctx();
	if (ctx < 0) {
		run_opts_free(&o);
		return failed("krun_create_ctx", ctx);
	}
#define CHECK(call)                                  \
	do {                                         \
		if ((rc = (call)) < 0) {             \
			failed(#call, rc);           \
			goto fail;                   \
		}                                    \
	} while (0)

	CHECK(krun_set_vm_config((uint32_t)ctx, (uint8_t)o.cpus, o.mem_mib));
	if (o.ro_root)
		CHECK(krun_add_virtiofs3((uint32_t)ctx, KRUN_FS_ROOT_TAG, o.root, 0, true));
	else
		CHECK(krun_set_root((uint32_t)ctx, o.root));
	for (int i = 0; i < o.nr_volumes; i++)
		CHECK(krun_add_virtiofs3((uint32_t)ctx, o.volumes[i].tag, o.volumes[i].path, 0,
					 o.volumes[i].read_only));
	if (o.kernel)
		CHECK(krun_set_kernel((uint32_t)ctx, o.kernel, fmt, NULL, o.kernel_cmdline));
	if (o.workdir)
		CHECK(krun_set_workdir((uint32_t)ctx, o.workdir));
	if (o.cmd)
		CHECK(krun_set_exec((uint32_t)ctx, o.cmd, (const char *const *)o.args,
				    (const char *const *)o.env));
	else if (o.env_given) /* the config file's env adds to these */
		CHECK(krun_set_env((uint32_t)ctx, (const char *const *)o.env));
	if (o.console)
		CHECK(krun_set_console_output((uint32_t)ctx, o.console));

	/* Returns only on failure; otherwise the process exits with the guest's status. */
	rc = krun_start_enter((uint32_t)ctx);
	run_opts_free(&o);
	return failed("krun_start_enter", rc);
fail:
	krun_free_ctx((uint32_t)ctx);
	run_opts_free(&o);
	return EXIT_LAUNCH_FAILED;
bad_args:
	fprintf(stderr, "Try '%s --help' for more information.\n", argv[0]);
	run_opts_free(&o);
	return 2;
}
