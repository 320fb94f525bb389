/* SPDX-License-Identifier: Apache-2.0 */
/* The guest init's JSON parser: valid documents, escapes, hostile input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "init/json.h"

static struct json_value *parse_ok(const char *s)
{
	struct json_value *v = NULL;
	char err[128];
	int rc = json_parse(s, strlen(s), &v, err, sizeof(err));
	if (rc != 0)
		fail_msg("parse of %s failed: %d %s", s, rc, err);
	assert_non_null(v);
	return v;
}

static int parse_err(const char *s, size_t len)
{
	struct json_value *v = (struct json_value *)1;
	char err[128];
	int rc = json_parse(s, len, &v, err, sizeof(err));
	assert_null(v);
	if (rc == -EINVAL)
		assert_true(strlen(err) > 0); /* a message says why */
	return rc;
}

static void test_scalars(void **state)
{
	(void)state;
	struct json_value *v = parse_ok(" true ");
	assert_int_equal(v->type, JSON_BOOL);
	assert_true(v->boolean);
	json_free(v);
	v = parse_ok("false");
	assert_int_equal(v->type, JSON_BOOL);
	assert_false(v->boolean);
	json_free(v);
	v = parse_ok("null");
	assert_int_equal(v->type, JSON_NULL);
	json_free(v);
	v = parse_ok("-12.5e+3");
	assert_int_equal(v->type, JSON_NUMBER);
	assert_string_equal(v->str, "-12.5e+3");
	json_free(v);
	v = parse_ok("\"hi\"");
	assert_int_equal(v->type, JSON_STRING);
	assert_string_equal(v->str, "hi");
	json_free(v);
}

static void test_object_and_array(void **state)
{
	(void)state;
	struct json_value *v = parse_ok("{\"a\": [1, \"x\", {}, []], \"B\": {\"c\": null}}");
	assert_int_equal(v->type, JSON_OBJECT);
	assert_int_equal(v->n, 2);
	const struct json_value *a = json_get(v, "a");
	assert_non_null(a);
	assert_int_equal(a->type, JSON_ARRAY);
	assert_int_equal(a->n, 4);
	assert_string_equal(a->items[1]->str, "x");
	assert_int_equal(a->items[2]->type, JSON_OBJECT);
	assert_int_equal(a->items[2]->n, 0);
	assert_null(json_get(v, "b"));
	assert_non_null(json_get_ci(v, "b"));
	assert_int_equal(json_get(json_get_ci(v, "b"), "c")->type, JSON_NULL);
	assert_null(json_get(a, "x")); /* not an object */
	json_free(v);
}

static void test_escapes(void **state)
{
	(void)state;
	struct json_value *v = parse_ok("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"");
	assert_string_equal(v->str, "q\" b\\ s/ \b\f\n\r\t");
	json_free(v);
	/* \u escapes to UTF-8: 1, 2, 3 and 4 bytes (surrogate pair). */
	v = parse_ok("\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"");
	assert_string_equal(v->str, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	json_free(v);
	/* raw UTF-8 passes through */
	v = parse_ok("\"h\xc3\xa9llo\"");
	assert_string_equal(v->str, "h\xc3\xa9llo");
	json_free(v);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", " ", "{", "}", "[", "[1,]", "[1 2]", "{\"a\"}", "{\"a\":}", "{a:1}",
		"{\"a\":1,}", "\"abc", "\"a\\", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"",
		"\"\\ud800\"", "\"\\ud800\\u0041\"", "\"\\udc00\"", "\"\\u0000\"", "tru",
		"nul", "falsey", "01", "-", "1.", "1e", "+1", "1 2", "\"a\"x", "[\"\x01\"]",
		"{\"a\":1}}", "[[[]]", ".5",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_err(bad[i], strlen(bad[i])) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
	/* An embedded NUL byte inside the given length is not JSON whitespace. */
	assert_int_equal(parse_err("[1]\0", 4), -EINVAL);
	assert_int_equal(parse_err("\"a\0b\"", 5), -EINVAL);
}

static void test_depth_limit(void **state)
{
	(void)state;
	size_t n = JSON_MAX_DEPTH + 1;
	char *s = malloc(2 * n + 1);
	assert_non_null(s);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	assert_int_equal(parse_err(s, 2 * n), -EINVAL);
	/* exactly the limit is fine */
	char *t = malloc(2 * JSON_MAX_DEPTH + 1);
	assert_non_null(t);
	memset(t, '[', JSON_MAX_DEPTH);
	memset(t + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
	t[2 * JSON_MAX_DEPTH] = '\0';
	json_free(parse_ok(t));
	free(t);
	free(s);

	/* A very deep document must fail cleanly, not overflow the stack. */
	n = 1u << 20;
	s = malloc(n + 1);
	assert_non_null(s);
	memset(s, '[', n);
	s[n] = '\0';
	assert_int_equal(parse_err(s, n), -EINVAL);
	memset(s, '{', n);
	assert_int_equal(parse_err(s, n), -EINVAL);
	free(s);
}

static void test_size_limit(void **state)
{
	(void)state;
	size_t n = JSON_MAX_INPUT + 1;
	char *s = malloc(n);
	assert_non_null(s);
	memset(s, ' ', n);
	s[0] = '1';
	assert_int_equal(parse_err(s, n), -E2BIG);
	free(s);
}

static void test_truncations(void **state)
{
	(void)state;
	/* Every prefix of a valid document is rejected without reading past it. */
	const char *doc = "{\"process\":{\"args\":[\"/bin/sh\",\"-c\",\"echo \\u00e9\\ud83d\\ude00\"],"
			  "\"env\":[\"A=1\"],\"cwd\":\"/\",\"t\":true,\"n\":-1.5e3}}";
	size_t len = strlen(doc);
	for (size_t i = 0; i < len; i++) {
		char *copy = malloc(i ? i : 1); /* exact size: ASan catches an overread */
		assert_non_null(copy);
		memcpy(copy, doc, i);
		struct json_value *v = NULL;
		int rc = json_parse(copy, i, &v, NULL, 0);
		assert_int_equal(rc, -EINVAL);
		assert_null(v);
		free(copy);
	}
	json_free(parse_ok(doc));
}

static void test_duplicate_keys_first_wins(void **state)
{
	(void)state;
	struct json_value *v = parse_ok("{\"k\":\"one\",\"k\":\"two\"}");
	assert_string_equal(json_get(v, "k")->str, "one");
	json_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_object_and_array),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_duplicate_keys_first_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
