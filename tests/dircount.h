/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entries of a directory, "." and ".." left out: how the leak checks
 * count a process's fds (/proc/self/fd), its threads (/proc/self/task) and a
 * scratch directory's files, before and after. -1 if it cannot be read. No
 * cmocka here: tests/vm/repeat.c is a plain program.
 */
#ifndef CKRUN_TESTS_DIRCOUNT_H
#define CKRUN_TESTS_DIRCOUNT_H

#include <dirent.h>

static inline int count_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The process's open fds, the one that reads them left out; -1 if unreadable. */
static inline int count_fds(void)
{
	int n = count_dir("/proc/self/fd");
	return n < 0 ? -1 : n - 1;
}

#endif
