/* SPDX-License-Identifier: Apache-2.0 */
/* Recursive-descent JSON parser (RFC 8259) with bounded depth and size. */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct parser {
	const char *p;
	const char *end;
	const char *start;
	char *err;
	size_t errlen;
	int depth;
};

static int fail(struct parser *ps, int rc, const char *fmt, ...)
{
	if (ps->err && ps->errlen) {
		int n = snprintf(ps->err, ps->errlen, "offset %zu: ", (size_t)(ps->p - ps->start));
		if (n >= 0 && (size_t)n < ps->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return rc;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* A growable byte buffer for decoded strings. */
struct buf {
	char *data;
	size_t len, cap;
};

static int buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static int put_utf8(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_put(b, u, n);
}

static int hex4(struct parser *ps, uint32_t *out)
{
	if (ps->end - ps->p < 4)
		return fail(ps, -EINVAL, "truncated \\u escape");
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = ps->p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(ps, -EINVAL, "bad hex digit in \\u escape");
	}
	ps->p += 4;
	*out = v;
	return 0;
}

/* Parses a string starting at the opening quote; *out is malloc'd. */
static int parse_string(struct parser *ps, char **out)
{
	struct buf b = { 0 };
	int rc;
	ps->p++; /* opening quote */
	if ((rc = buf_put(&b, "", 0)) < 0)
		return rc;
	for (;;) {
		if (ps->p >= ps->end) {
			rc = fail(ps, -EINVAL, "unterminated string");
			goto out;
		}
		unsigned char c = (unsigned char)*ps->p;
		if (c == '"') {
			ps->p++;
			*out = b.data;
			return 0;
		}
		if (c < 0x20) {
			rc = fail(ps, -EINVAL, "control character in string");
			goto out;
		}
		if (c != '\\') {
			/* Copy a run of plain bytes at once. */
			const char *s = ps->p;
			while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' &&
			       (unsigned char)*ps->p >= 0x20)
				ps->p++;
			if ((rc = buf_put(&b, s, (size_t)(ps->p - s))) < 0)
				goto out;
			continue;
		}
		ps->p++;
		if (ps->p >= ps->end) {
			rc = fail(ps, -EINVAL, "unterminated escape");
			goto out;
		}
		char e = *ps->p++;
		const char *lit = NULL;
		switch (e) {
		case '"': lit = "\""; break;
		case '\\': lit = "\\"; break;
		case '/': lit = "/"; break;
		case 'b': lit = "\b"; break;
		case 'f': lit = "\f"; break;
		case 'n': lit = "\n"; break;
		case 'r': lit = "\r"; break;
		case 't': lit = "\t"; break;
		case 'u': {
			uint32_t cp;
			if ((rc = hex4(ps, &cp)) < 0)
				goto out;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				rc = fail(ps, -EINVAL, "lone low surrogate");
				goto out;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				uint32_t lo;
				if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
					rc = fail(ps, -EINVAL, "high surrogate without low surrogate");
					goto out;
				}
				ps->p += 2;
				if ((rc = hex4(ps, &lo)) < 0)
					goto out;
				if (lo < 0xdc00 || lo > 0xdfff) {
					rc = fail(ps, -EINVAL, "invalid surrogate pair");
					goto out;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0) {
				rc = fail(ps, -EINVAL, "\\u0000 is not allowed");
				goto out;
			}
			if ((rc = put_utf8(&b, cp)) < 0)
				goto out;
			continue;
		}
		default:
			rc = fail(ps, -EINVAL, "unknown escape \\%c", e);
			goto out;
		}
		if ((rc = buf_put(&b, lit, 1)) < 0)
			goto out;
	}
out:
	free(b.data);
	return rc;
}

static int parse_number(struct parser *ps, char **out)
{
	const char *s = ps->p;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end)
		return fail(ps, -EINVAL, "truncated number");
	if (*ps->p == '0') {
		ps->p++;
	} else if (*ps->p >= '1' && *ps->p <= '9') {
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	} else {
		return fail(ps, -EINVAL, "bad number");
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return fail(ps, -EINVAL, "bad fraction");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
			return fail(ps, -EINVAL, "bad exponent");
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	*out = strndup(s, (size_t)(ps->p - s));
	return *out ? 0 : -ENOMEM;
}

static int parse_value(struct parser *ps, struct json_value **out);

/* Appends (key, item) to an array/object value, growing it geometrically. */
static int append(struct json_value *v, size_t *cap, char *key, struct json_value *item)
{
	if (v->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct json_value **items = realloc(v->items, nc * sizeof(*items));
		if (!items)
			return -ENOMEM;
		v->items = items;
		if (v->type == JSON_OBJECT) {
			char **keys = realloc(v->keys, nc * sizeof(*keys));
			if (!keys)
				return -ENOMEM;
			v->keys = keys;
		}
		*cap = nc;
	}
	if (v->type == JSON_OBJECT)
		v->keys[v->n] = key;
	v->items[v->n++] = item;
	return 0;
}

static int parse_container(struct parser *ps, struct json_value *v)
{
	const bool obj = v->type == JSON_OBJECT;
	const char close = obj ? '}' : ']';
	size_t cap = 0;
	int rc;

	if (++ps->depth > JSON_MAX_DEPTH)
		return fail(ps, -EINVAL, "nesting deeper than %d", JSON_MAX_DEPTH);
	ps->p++; /* [ or { */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		struct json_value *item = NULL;
		skip_ws(ps);
		if (obj) {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, -EINVAL, "expected a string key");
			if ((rc = parse_string(ps, &key)) < 0)
				return rc;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return fail(ps, -EINVAL, "expected ':'");
			}
			ps->p++;
		}
		if ((rc = parse_value(ps, &item)) < 0) {
			free(key);
			return rc;
		}
		if ((rc = append(v, &cap, key, item)) < 0) {
			free(key);
			json_free(item);
			return rc;
		}
		skip_ws(ps);
		if (ps->p >= ps->end)
			return fail(ps, -EINVAL, "unterminated %s", obj ? "object" : "array");
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			ps->depth--;
			return 0;
		}
		return fail(ps, -EINVAL, "expected ',' or '%c'", close);
	}
}

static int literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, -EINVAL, "unexpected token");
	ps->p += n;
	return 0;
}

static int parse_value(struct parser *ps, struct json_value **out)
{
	int rc;
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, -EINVAL, "expected a value");
	struct json_value *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	switch (*ps->p) {
	case '{':
		v->type = JSON_OBJECT;
		rc = parse_container(ps, v);
		break;
	case '[':
		v->type = JSON_ARRAY;
		rc = parse_container(ps, v);
		break;
	case '"':
		v->type = JSON_STRING;
		rc = parse_string(ps, &v->str);
		break;
	case 't':
		v->type = JSON_BOOL;
		v->boolean = true;
		rc = literal(ps, "true");
		break;
	case 'f':
		v->type = JSON_BOOL;
		rc = literal(ps, "false");
		break;
	case 'n':
		v->type = JSON_NULL;
		rc = literal(ps, "null");
		break;
	default:
		v->type = JSON_NUMBER;
		rc = parse_number(ps, &v->str);
		break;
	}
	if (rc < 0) {
		json_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

int json_parse(const char *text, size_t len, struct json_value **out, char *err, size_t errlen)
{
	struct parser ps = { .p = text, .end = text + len, .start = text, .err = err, .errlen = errlen };
	struct json_value *v = NULL;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (len > JSON_MAX_INPUT)
		return fail(&ps, -E2BIG, "input larger than %u bytes", JSON_MAX_INPUT);
	if ((rc = parse_value(&ps, &v)) < 0)
		return rc;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		json_free(v);
		return fail(&ps, -EINVAL, "trailing data after the value");
	}
	*out = v;
	return 0;
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		json_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->str);
	free(v);
}

static const struct json_value *get(const struct json_value *obj, const char *key, bool ci)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (ci ? strcasecmp(obj->keys[i], key) == 0 : strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	return get(obj, key, false);
}

const struct json_value *json_get_ci(const struct json_value *obj, const char *key)
{
	return get(obj, key, true);
}
