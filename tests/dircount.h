/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entries of a directory, "." and ".." left out: how the leak checks
 * count a process's fds (/proc/self/fd), its threads (/proc/self/task) and a
 * scratch directory's files, before and after. -1 if it cannot be read.
 */
#ifndef CKRUN_TESTS_DIRCOUNT_H
#define CKRUN_TESTS_DIRCOUNT_H

#include <dirent.h>

static int count_dir(const char *path)
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

#endif
