/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ckrun_vm_run_ex with the process's stderr captured into a buffer, for the
 * VMM tests that check the builder's and the vCPUs' one-line messages.
 * Include after <cmocka.h> and vmm/vmm.h.
 */
#ifndef CKRUN_TESTS_VMM_CAPTURE_H
#define CKRUN_TESTS_VMM_CAPTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void read_file(const char *path, char *buf, size_t len)
{
	memset(buf, 0, len);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run c with stderr going to the file path (truncated), then read it into err. */
static int run_capture(const struct ckrun_config *c, struct vm_result *r, const char *path, char *err,
		       size_t len)
{
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	int ret = ckrun_vm_run_ex(c, r);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	read_file(path, err, len);
	return ret;
}

#endif
