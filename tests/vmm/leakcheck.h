/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a VMM test counts before and after a VM to prove nothing was left
 * behind: open fds, threads, and guest-sized mappings. Include after
 * <cmocka.h>, with LEAKCHECK_MAP_SIZES defined first as the comma-separated
 * sizes (bytes) of the guest RAM mappings the test file makes: only those
 * are counted, as other mappings may come and go legitimately (glibc's
 * cached thread stacks, ASan's allocator). It brings need_kvm()
 * (needkvm.h), which the tests that run a guest call first.
 */
#ifndef CKRUN_TESTS_LEAKCHECK_H
#define CKRUN_TESTS_LEAKCHECK_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "../dircount.h"
#include "needkvm.h"

#ifndef LEAKCHECK_MAP_SIZES
#error "define LEAKCHECK_MAP_SIZES before including leakcheck.h"
#endif

struct snapshot {
	int fds, threads, maps;
};

/* Mappings of exactly one of LEAKCHECK_MAP_SIZES. */
static int count_maps(void)
{
	static const unsigned long long sizes[] = { LEAKCHECK_MAP_SIZES };
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;
		if (sscanf(line, "%llx-%llx", &a, &b) != 2)
			continue;
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			if (b - a == sizes[i]) {
				n++;
				break;
			}
	}
	fclose(f);
	return n;
}

static struct snapshot snap(void)
{
	return (struct snapshot){ count_dir("/proc/self/fd"), count_dir("/proc/self/task"), count_maps() };
}

static void assert_same(struct snapshot a, struct snapshot b)
{
	assert_int_equal(a.fds, b.fds);
	assert_int_equal(a.threads, b.threads);
	assert_int_equal(a.maps, b.maps);
}

#endif
