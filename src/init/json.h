/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small JSON parser for the guest init's configuration file. The input is
 * untrusted: the size and nesting depth are bounded, strings may not contain
 * NUL (they become C strings), and every error is reported, never crashed on.
 */
#ifndef CKRUN_INIT_JSON_H
#define CKRUN_INIT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_INPUT (4u << 20) /* bytes */
#define JSON_MAX_DEPTH 64

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
	enum json_type type;
	bool boolean;
	char *str;                 /* STRING: decoded UTF-8; NUMBER: its text */
	size_t n;                  /* ARRAY/OBJECT: number of items */
	char **keys;               /* OBJECT: keys[i] names items[i] */
	struct json_value **items; /* ARRAY/OBJECT */
};

/* Parses exactly one JSON value (surrounded by optional whitespace).
 * 0 and *out, or -EINVAL (syntax; a message in err), -E2BIG, -ENOMEM. */
int json_parse(const char *text, size_t len, struct json_value **out, char *err, size_t errlen);
void json_free(struct json_value *v);

/* The first member of an object whose key matches; NULL if none or not an object. */
const struct json_value *json_get(const struct json_value *obj, const char *key);
/* Same, ASCII case-insensitive. */
const struct json_value *json_get_ci(const struct json_value *obj, const char *key);

#endif
