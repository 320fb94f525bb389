/* SPDX-License-Identifier: Apache-2.0 */
/* Owned copies of the NULL-terminated string arrays the API takes. */
#ifndef CKRUN_API_STRV_H
#define CKRUN_API_STRV_H

#include <stddef.h>

/*
 * Number of entries in a NULL-terminated array, counting no further than
 * max + 1 (so an unterminated or huge array is not walked to its end).
 */
size_t ckrun_strv_count(const char *const *v, size_t max);

/*
 * Copy a NULL-terminated array of at most CKRUN_MAX_ARGS entries into a new
 * owned array (*out; never NULL on success, possibly empty).
 * Errors: -EINVAL src NULL; -E2BIG too many entries; -ENOMEM.
 */
int ckrun_strv_dup(const char *const *src, char ***out);

void ckrun_strv_free(char **v);

/* Replace *dst with an owned copy of src (NULL allowed): 0 or -ENOMEM. */
int ckrun_str_replace(char **dst, const char *src);

#endif
