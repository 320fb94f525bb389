/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the API tests. */
#ifndef CKRUN_TESTS_API_HELPERS_H
#define CKRUN_TESTS_API_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "libkrun.h"
#include "ckrun.h"
#include "api/ctx.h"

/* A fresh directory under $TMPDIR (or /tmp); the caller frees the string. */
static inline char *make_temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	assert_true(asprintf(&path, "%s/ckrun-api-test-XXXXXX", base ? base : "/tmp") > 0);
	assert_non_null(mkdtemp(path));
	return path;
}

/* Create a regular file inside dir; returns its path (caller frees). */
static inline char *make_file_in(const char *dir, const char *name, const char *content)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* A context whose ID is returned, asserted valid. */
static inline uint32_t new_ctx(void)
{
	int32_t id = krun_create_ctx();

	assert_true(id >= 0);
	return (uint32_t)id;
}

static inline const struct ckrun_config *cfg_of(uint32_t id)
{
	const struct ckrun_config *cfg = ckrun_ctx_config_for_test(id);

	assert_non_null(cfg);
	return cfg;
}

/* An ID that no context has: far above anything a test creates. */
#define NO_SUCH_CTX 0x7ffffff0u

#endif
