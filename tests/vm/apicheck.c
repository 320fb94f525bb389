// SPDX-License-Identifier: Apache-2.0
/*
 * Host program of tests/vm/cases/api-fidelity.sh: libkrun behaviours that
 * need a real guest (issue 20), through the public API and
 * ckrun_start_and_wait. Each mode prints one "apicheck: MODE ok|FAIL ..."
 * line and exits 0 when it passed.
 *
 *   apicheck workload KERNEL ROOT       4096 args + 4096 env entries with
 *                                       quotes, spaces, newlines, non-ASCII
 *                                       bytes and an entry without '=' reach
 *                                       the workload byte for byte
 *   apicheck custominit KERNEL ROOT     krun_disable_implicit_init: the root's
 *                                       own /init.krun runs and gets the
 *                                       KRUN_* variables and arguments
 *   apicheck kernel KERNEL FORMAT ROOT  a compressed kernel boots (FORMAT:
 *                                       gz, bz2, zstd)
 *   apicheck badkernel KERNEL FORMAT    a damaged one fails the start cleanly
 *   apicheck nested KERNEL ROOT on|off  SVM/VMX in the guest's CPU flags only
 *                                       with krun_set_nested_virt(true)
 *   apicheck compress IN FORMAT OUT     IN compressed as the gzip, bzip2 and
 *                                       zstd tools write it (the test host's
 *                                       busybox has no zstd)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bzlib.h>
#include <zlib.h>
#include <zstd.h>

#include "ckrun.h"
#include "libkrun.h"

#define N 4096

static int fail(const char *mode, const char *what, int rc)
{
	printf("apicheck: %s FAIL %s: %d (%s)\n", mode, what, rc, rc < 0 ? strerror(-rc) : "status");
	return 1;
}

static int ctx_for(const char *kernel, uint32_t fmt, const char *root)
{
	int ctx = krun_create_ctx();
	if (ctx < 0)
		return ctx;
	int rc;
	if ((rc = krun_set_kernel((uint32_t)ctx, kernel, fmt, NULL, NULL)) ||
	    (root && (rc = krun_set_root((uint32_t)ctx, root))) ||
	    (rc = ckrun_set_boot_timeout((uint32_t)ctx, 150))) {
		krun_free_ctx((uint32_t)ctx);
		return rc;
	}
	return ctx;
}

/* Writes n NUL-terminated strings to path: what /proc/PID/cmdline or
 * /proc/PID/environ hold. */
static int write_strings(const char *dir, const char *name, char **v, int n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -errno;
	for (int i = 0; i < n; i++)
		fwrite(v[i], 1, strlen(v[i]) + 1, f);
	return fclose(f) ? -errno : 0;
}

static int workload(const char *kernel, const char *root)
{
	/* The guest compares its own /proc/$$/cmdline and the start of its
	 * /proc/$$/environ (ckrun's init puts the given environment first)
	 * with what the host wrote into the root. */
	static const char script[] =
		"w=$(/bin/busybox wc -c < /want.environ); "
		"/bin/busybox cmp /proc/$$/cmdline /want.cmdline || exit 3; "
		"/bin/busybox head -c \"$w\" /proc/$$/environ | /bin/busybox cmp - /want.environ || exit 4; "
		"/bin/busybox sha256sum /proc/$$/cmdline /want.cmdline; echo WORKLOAD-MATCH";
	static const char *const odd[] = { "\"quoted\"", "two  spaces", "new\nline", "tab\there",
					   "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\xff\xfe raw", "back\\slash",
					   "", "'single'", "a=b=c" };
	char **argv = calloc(N + 1, sizeof(char *)), **envp = calloc(N + 1, sizeof(char *));
	char **cmdline = calloc(N + 2, sizeof(char *));
	if (!argv || !envp || !cmdline)
		return fail("workload", "calloc", -ENOMEM);
	argv[0] = "-c";
	argv[1] = (char *)script;
	argv[2] = "sh";
	for (int i = 3; i < N; i++)
		if (asprintf(&argv[i], "arg%04d %s", i, odd[i % 10]) < 0)
			return fail("workload", "asprintf", -ENOMEM);
	envp[0] = "PATH=/bin";
	envp[1] = "NO_EQUALS_SIGN";
	for (int i = 2; i < N; i++)
		if (asprintf(&envp[i], "W%04d=%s", i, odd[i % 10]) < 0)
			return fail("workload", "asprintf", -ENOMEM);
	cmdline[0] = "/bin/sh";
	for (int i = 0; i < N; i++)
		cmdline[i + 1] = argv[i];
	int rc;
	if ((rc = write_strings(root, "want.cmdline", cmdline, N + 1)) ||
	    (rc = write_strings(root, "want.environ", envp, N)))
		return fail("workload", "write", rc);
	int ctx = ctx_for(kernel, KRUN_KERNEL_FORMAT_RAW, root);
	if (ctx < 0)
		return fail("workload", "context", ctx);
	if ((rc = krun_set_exec((uint32_t)ctx, "/bin/sh", (const char *const *)argv, (const char *const *)envp)))
		return fail("workload", "krun_set_exec", rc);
	rc = ckrun_start_and_wait((uint32_t)ctx);
	if (rc != 0)
		return fail("workload", "guest compare (3: argv differ, 4: env differ)", rc);
	printf("apicheck: workload ok (%d arguments, %d variables)\n", N, N);
	return 0;
}

static int custominit(const char *kernel, const char *root)
{
	const char *const argv[] = { "first arg", "second", NULL };
	const char *const envp[] = { "FROM_HOST=yes", NULL };
	int ctx = ctx_for(kernel, KRUN_KERNEL_FORMAT_RAW, root), rc;
	if (ctx < 0)
		return fail("custominit", "context", ctx);
	if ((rc = krun_disable_implicit_init((uint32_t)ctx)) ||
	    (rc = krun_set_exec((uint32_t)ctx, "/bin/true", argv, envp)) ||
	    (rc = krun_set_workdir((uint32_t)ctx, "/tmp")))
		return fail("custominit", "setup", rc);
	rc = ckrun_start_and_wait((uint32_t)ctx);
	/* The client's init cannot report a status without the exit-code
	 * ioctl; the case checks its console line. */
	if (rc < 0)
		return fail("custominit", "start", rc);
	printf("apicheck: custominit ran (status %d)\n", rc);
	return 0;
}

static uint32_t format_of(const char *s)
{
	if (!strcmp(s, "gz"))
		return KRUN_KERNEL_FORMAT_IMAGE_GZ;
	if (!strcmp(s, "bz2"))
		return KRUN_KERNEL_FORMAT_IMAGE_BZ2;
	if (!strcmp(s, "zstd"))
		return KRUN_KERNEL_FORMAT_IMAGE_ZSTD;
	return KRUN_KERNEL_FORMAT_RAW;
}

static int kernel_boots(const char *kernel, const char *fmt, const char *root)
{
	const char *const argv[] = { "-c", "echo COMPRESSED-KERNEL-BOOTED; exit 42", NULL };
	const char *const envp[] = { "PATH=/bin", NULL };
	int ctx = ctx_for(kernel, format_of(fmt), root), rc;
	if (ctx < 0)
		return fail("kernel", "context", ctx);
	if ((rc = krun_set_exec((uint32_t)ctx, "/bin/sh", argv, envp)))
		return fail("kernel", "krun_set_exec", rc);
	rc = ckrun_start_and_wait((uint32_t)ctx);
	if (rc != 42)
		return fail("kernel", fmt, rc);
	printf("apicheck: kernel %s ok\n", fmt);
	return 0;
}

static int bad_kernel(const char *kernel, const char *fmt)
{
	int ctx = ctx_for(kernel, format_of(fmt), NULL), rc;
	if (ctx < 0)
		return fail("badkernel", "context", ctx);
	rc = ckrun_start_and_wait((uint32_t)ctx);
	if (rc != -EBADMSG && rc != -ENOEXEC)
		return fail("badkernel", fmt, rc);
	printf("apicheck: badkernel %s ok (%s)\n", fmt, strerror(-rc));
	return 0;
}

static int nested(const char *kernel, const char *root, bool on)
{
	const char *const argv[] = { "-c", "/bin/busybox grep -qwE 'svm|vmx' /proc/cpuinfo", NULL };
	const char *const envp[] = { "PATH=/bin", NULL };
	int host = krun_check_nested_virt();
	int ctx = ctx_for(kernel, KRUN_KERNEL_FORMAT_RAW, root), rc;
	printf("apicheck: krun_check_nested_virt() = %d\n", host);
	if (ctx < 0)
		return fail("nested", "context", ctx);
	if ((rc = krun_set_nested_virt((uint32_t)ctx, on)))
		return fail("nested", "krun_set_nested_virt", rc);
	if ((rc = krun_set_exec((uint32_t)ctx, "/bin/sh", argv, envp)))
		return fail("nested", "krun_set_exec", rc);
	rc = ckrun_start_and_wait((uint32_t)ctx);
	/* grep: 0 found, 1 not found. */
	if (rc != (on ? 0 : 1))
		return fail("nested", on ? "no svm/vmx in the guest" : "svm/vmx leaked to the guest", rc);
	printf("apicheck: nested %s ok\n", on ? "on" : "off");
	return 0;
}

static int compress_file(const char *in, const char *fmt, const char *out)
{
	FILE *f = fopen(in, "rb");
	if (!f)
		return fail("compress", in, -errno);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	size_t cap = (size_t)n + (size_t)n / 2 + (1 << 20), len = 0;
	char *src = malloc((size_t)n), *dst = malloc(cap);
	if (!src || !dst || fread(src, 1, (size_t)n, f) != (size_t)n)
		return fail("compress", "read", -EIO);
	fclose(f);
	uint32_t format = format_of(fmt);
	if (format == KRUN_KERNEL_FORMAT_IMAGE_GZ) {
		z_stream z = { 0 };
		if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return fail("compress", "deflateInit2", -ENOMEM);
		z.next_in = (Bytef *)src;
		z.avail_in = (uInt)n;
		z.next_out = (Bytef *)dst;
		z.avail_out = (uInt)cap;
		if (deflate(&z, Z_FINISH) != Z_STREAM_END)
			return fail("compress", "deflate", -EIO);
		len = cap - z.avail_out;
		deflateEnd(&z);
	} else if (format == KRUN_KERNEL_FORMAT_IMAGE_BZ2) {
		unsigned int l = (unsigned int)cap;
		if (BZ2_bzBuffToBuffCompress(dst, &l, src, (unsigned int)n, 9, 0, 0) != BZ_OK)
			return fail("compress", "bzip2", -EIO);
		len = l;
	} else if (format == KRUN_KERNEL_FORMAT_IMAGE_ZSTD) {
		ZSTD_CCtx *z = ZSTD_createCCtx();
		ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
		len = ZSTD_compress2(z, dst, cap, src, (size_t)n);
		ZSTD_freeCCtx(z);
		if (ZSTD_isError(len))
			return fail("compress", "zstd", -EIO);
	} else {
		return fail("compress", fmt, -EINVAL);
	}
	f = fopen(out, "wb");
	if (!f || fwrite(dst, 1, len, f) != len || fclose(f))
		return fail("compress", out, -EIO);
	printf("apicheck: compress %s %ld -> %zu bytes\n", fmt, n, len);
	free(src);
	free(dst);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 4 && !strcmp(argv[1], "workload"))
		return workload(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "custominit"))
		return custominit(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "kernel"))
		return kernel_boots(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "badkernel"))
		return bad_kernel(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "nested"))
		return nested(argv[2], argv[3], !strcmp(argv[4], "on"));
	if (argc == 5 && !strcmp(argv[1], "compress"))
		return compress_file(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: see the comment at the top of tests/vm/apicheck.c\n");
	return 2;
}
