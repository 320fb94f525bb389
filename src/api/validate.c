/* SPDX-License-Identifier: Apache-2.0 */
/* Argument checks shared by the krun_* setters. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "abi/config.h"
#include "api/validate.h"

int ckrun_check_tag(const char *tag)
{
	size_t len;

	if (!tag)
		return -EINVAL;
	/* The tag must fit the 36-byte field of the virtio-fs config space. */
	len = strnlen(tag, CKRUN_TAG_MAX + 1);
	if (len == 0 || len > CKRUN_TAG_MAX)
		return -EINVAL;
	return 0;
}

/* Stat path, check its type with want (S_IFDIR / S_IFREG), canonicalise it. */
static int check_path(const char *path, mode_t want, int wrong_type, char **abs)
{
	struct stat st;
	char *real;

	if (!path)
		return -EINVAL;
	if (stat(path, &st) < 0)
		return -errno;
	if ((st.st_mode & S_IFMT) != want)
		return wrong_type;
	/*
	 * Resolve now, so that a later chdir or a changed symlink in the caller
	 * cannot change which object the VM gets.
	 */
	real = realpath(path, NULL);
	if (!real)
		return -errno;
	*abs = real;
	return 0;
}

int ckrun_check_dir(const char *path, char **abs)
{
	return check_path(path, S_IFDIR, -ENOTDIR, abs);
}

int ckrun_check_file(const char *path, char **abs)
{
	return check_path(path, S_IFREG, -EINVAL, abs);
}

int ckrun_check_vcpus(unsigned int n, int max)
{
	if (n == 0)
		return -EINVAL;
	if (max > 0 && n > (unsigned int)max)
		return -EINVAL;
	return 0;
}

/* Advance over a non-empty run of decimal digits that fits in 64 bits. */
static const char *decimal(const char *s, unsigned long long *val)
{
	unsigned long long v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9') {
		unsigned int d = (unsigned int)(*p - '0');

		if (v > (ULLONG_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
		p++;
	}
	if (p == s)
		return NULL;
	*val = v;
	return p;
}

int ckrun_check_rlimit(const char *s)
{
	unsigned long long res, cur, max;

	if (!s)
		return -EINVAL;
	s = decimal(s, &res);
	/* "ID=CUR:MAX" (libkrun's documented form) or "ID:CUR:MAX" (its C init's). */
	if (!s || (*s != '=' && *s != ':'))
		return -EINVAL;
	s++;
	s = decimal(s, &cur);
	if (!s || *s++ != ':')
		return -EINVAL;
	s = decimal(s, &max);
	if (!s || *s != '\0')
		return -EINVAL;
	/* The guest's setrlimit would refuse these; say so now. */
	if (res >= RLIM_NLIMITS || cur > max)
		return -EINVAL;
	return 0;
}

bool ckrun_is_utf8(const char *s)
{
	if (!s)
		return false;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned char c = *p;
		int n;
		uint32_t cp;
		if (c < 0x80) {
			p++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false; /* also stops at the NUL */
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		p += n + 1;
	}
	return true;
}
