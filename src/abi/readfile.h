/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a whole file with a hard cap on its size, for the files the guest
 * init reads once (the workload file, /.krun_config.json). Compiled into both
 * the library and the guest init.
 */
#ifndef CKRUN_ABI_READFILE_H
#define CKRUN_ABI_READFILE_H

#include <stddef.h>

/*
 * Reads fd to its end into a new buffer of max + 1 bytes (*out, the caller
 * frees it) and its length into *len. Whatever the file's size says, at most
 * max + 1 bytes are read: more than max -> -E2BIG. 0 or -errno; on an error
 * *out is NULL.
 */
int read_capped(int fd, size_t max, char **out, size_t *len);

#endif
