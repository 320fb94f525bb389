/* SPDX-License-Identifier: Apache-2.0 */
/* Owned copies of NULL-terminated string arrays, capped like libkrun's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/config.h"
#include "api/strv.h"

size_t ckrun_strv_count(const char *const *v, size_t max)
{
	size_t n = 0;

	if (!v)
		return 0;
	while (n <= max && v[n])
		n++;
	return n;
}

void ckrun_strv_free(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int ckrun_strv_dup(const char *const *src, char ***out)
{
	size_t n;
	char **v;

	if (!src)
		return -EINVAL;
	n = ckrun_strv_count(src, CKRUN_MAX_ARGS);
	if (n > CKRUN_MAX_ARGS)
		return -E2BIG;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(src[i]);
		if (!v[i]) {
			ckrun_strv_free(v);
			return -ENOMEM;
		}
	}
	*out = v;
	return 0;
}

int ckrun_str_replace(char **dst, const char *src)
{
	char *copy = NULL;

	if (src) {
		copy = strdup(src);
		if (!copy)
			return -ENOMEM;
	}
	free(*dst);
	*dst = copy;
	return 0;
}
