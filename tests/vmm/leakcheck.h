/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a VMM test counts before and after a VM to prove nothing was left
 * behind: open fds, threads, and guest-sized mappings (each test file defines
 * count_maps() for the mapping sizes it uses). Include after <cmocka.h>.
 */
#ifndef CKRUN_TESTS_LEAKCHECK_H
#define CKRUN_TESTS_LEAKCHECK_H

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

struct snapshot {
	int fds, threads, maps;
};

static void assert_same(struct snapshot a, struct snapshot b)
{
	assert_int_equal(a.fds, b.fds);
	assert_int_equal(a.threads, b.threads);
	assert_int_equal(a.maps, b.maps);
}

#endif
