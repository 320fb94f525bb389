/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The workload file (src/abi/workload.h): what the VMM encodes the guest
 * init decodes byte for byte, 4096 entries and any byte but NUL; malformed
 * or oversized files are refused without reading out of bounds.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi/workload.h"

static void test_roundtrip_hostile_bytes(void **state)
{
	(void)state;
	char *exec[] = { "/bin/\"odd path\"", NULL };
	char *wd[] = { "/w d\n", NULL };
	char *argv[] = { "a\"b", "", " lead", "new\nline", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\xff\x01", NULL };
	char *env[] = { "Q=\"x\"", "NOEQ", "=v", "E=", "NL=a\nb", NULL };
	char *rl[] = { "7:1:2", "6=1:2", NULL };
	char *const *const lists[WL_NR_LISTS] = { exec, wd, argv, env, rl };
	uint8_t *buf;
	size_t len;
	struct workload w;
	assert_int_equal(workload_encode(lists, &buf, &len), 0);
	assert_int_equal(workload_decode(buf, len, &w), 0);
	for (int l = 0; l < WL_NR_LISTS; l++) {
		int i = 0;
		for (; lists[l][i]; i++)
			assert_string_equal(w.list[l][i], lists[l][i]);
		assert_null(w.list[l][i]);
	}
	workload_free(&w);
	/* Every truncation is refused, never read past. */
	for (size_t t = 0; t < len; t++) {
		uint8_t *cut = malloc(t ? t : 1);
		memcpy(cut, buf, t);
		assert_int_equal(workload_decode(cut, t, &w), -EINVAL);
		free(cut);
	}
	/* A trailing byte too. */
	uint8_t *more = malloc(len + 1);
	memcpy(more, buf, len);
	more[len] = 0;
	assert_int_equal(workload_decode(more, len + 1, &w), -EINVAL);
	free(more);
	free(buf);
}

static void test_empty_and_limits(void **state)
{
	(void)state;
	char *const *const none[WL_NR_LISTS] = { NULL };
	uint8_t *buf;
	size_t len;
	struct workload w;
	assert_int_equal(workload_encode(none, &buf, &len), 0);
	assert_int_equal(len, WORKLOAD_MAGIC_LEN + 4 * WL_NR_LISTS);
	assert_int_equal(workload_decode(buf, len, &w), 0);
	for (int l = 0; l < WL_NR_LISTS; l++)
		assert_null(w.list[l][0]);
	workload_free(&w);
	free(buf);

	/* 4096 arguments and 4096 variables; 4097 is refused. */
	char **many = calloc(WORKLOAD_MAX_LIST + 2, sizeof(char *));
	char (*text)[24] = calloc(WORKLOAD_MAX_LIST + 1, 24);
	for (int i = 0; i <= WORKLOAD_MAX_LIST; i++) {
		snprintf(text[i], 24, "V%d=\"%d\" x", i, i);
		many[i] = text[i];
	}
	many[WORKLOAD_MAX_LIST] = NULL;
	char *const *const big[WL_NR_LISTS] = { NULL, NULL, many, many, NULL };
	assert_int_equal(workload_encode(big, &buf, &len), 0);
	assert_int_equal(workload_decode(buf, len, &w), 0);
	for (int i = 0; i < WORKLOAD_MAX_LIST; i++) {
		assert_string_equal(w.list[WL_ARGV][i], many[i]);
		assert_string_equal(w.list[WL_ENV][i], many[i]);
	}
	workload_free(&w);
	free(buf);
	many[WORKLOAD_MAX_LIST] = text[WORKLOAD_MAX_LIST];
	assert_int_equal(workload_encode(big, &buf, &len), -E2BIG);
	free(many);
	free(text);

	char *two[] = { "a", "b", NULL };
	char *const *const bad[WL_NR_LISTS] = { two };
	assert_int_equal(workload_encode(bad, &buf, &len), -EINVAL);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* the tests run on little-endian x86_64 */
}

static void test_malformed(void **state)
{
	(void)state;
	struct workload w;
	uint8_t b[64];
	memset(b, 0, sizeof(b));
	memcpy(b, WORKLOAD_MAGIC, 8);
	size_t empty = 8 + 4 * WL_NR_LISTS;
	assert_int_equal(workload_decode(b, empty, &w), 0);
	workload_free(&w);
	b[0] = 'X';
	assert_int_equal(workload_decode(b, empty, &w), -EINVAL);
	b[0] = 'C';
	/* Counts: huge, over the limit, over what the bytes can hold. */
	put32(b + 8 + 8, 0xffffffffu);
	assert_int_equal(workload_decode(b, empty, &w), -E2BIG);
	put32(b + 8 + 8, WORKLOAD_MAX_LIST + 1);
	assert_int_equal(workload_decode(b, empty, &w), -E2BIG);
	put32(b + 8 + 8, 100);
	assert_int_equal(workload_decode(b, empty, &w), -EINVAL);
	/* Two exec paths. */
	put32(b + 8 + 8, 0);
	put32(b + 8, 2);
	assert_int_equal(workload_decode(b, empty, &w), -EINVAL);
	/* A string with a NUL, a string longer than the file. */
	memset(b + 8, 0, sizeof(b) - 8);
	put32(b + 8, 1);
	put32(b + 12, 3);
	memcpy(b + 16, "a\0b", 3);
	assert_int_equal(workload_decode(b, 8 + 4 + 4 + 3 + 4 * 4, &w), -EINVAL);
	put32(b + 12, 0x7fffffffu);
	assert_int_equal(workload_decode(b, 8 + 4 + 4 + 3 + 4 * 4, &w), -EINVAL);
	memcpy(b + 16, "abc", 3);
	put32(b + 12, 3);
	assert_int_equal(workload_decode(b, 8 + 4 + 4 + 3 + 4 * 4, &w), 0);
	assert_string_equal(w.list[WL_EXEC][0], "abc");
	workload_free(&w);
	assert_int_equal(workload_decode(b, WORKLOAD_MAX_BYTES + 1, &w), -E2BIG);
}

static void test_load_file(void **state)
{
	(void)state;
	struct workload w;
	assert_int_equal(workload_load("/nonexistent/ckrun-workload", &w), -ENOENT);
	char *argv[] = { "x y", NULL };
	char *const *const lists[WL_NR_LISTS] = { NULL, NULL, argv };
	uint8_t *buf;
	size_t len;
	assert_int_equal(workload_encode(lists, &buf, &len), 0);
	char path[] = "/tmp/ckrun-wl-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	assert_int_equal(workload_load(path, &w), 0);
	assert_string_equal(w.list[WL_ARGV][0], "x y");
	workload_free(&w);
	unlink(path);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_hostile_bytes),
		cmocka_unit_test(test_empty_and_limits),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
