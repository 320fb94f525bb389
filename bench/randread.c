/* SPDX-License-Identifier: Apache-2.0 */
/*
 * randread: the 4 KiB random-read workload of the benchmark (fio is not in
 * the guest). A static program carried into the shared root; the same binary
 * runs in the guests and natively in the (test) host.
 *
 *   randread FILE COUNT [SEED]
 *
 * Does COUNT pread()s of 4 KiB at page-aligned offsets inside FILE, chosen by
 * xorshift64 from SEED (default 1), so every run reads the same offsets.
 * Prints "<microseconds> <ops/s>" on stdout, the time of the pread loop alone
 * (CLOCK_MONOTONIC, not the 10 ms steps of /proc/uptime; open and the
 * program's start are outside it). The caller drops caches before.
 * Exit status 0, or 1 on any error or short read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLK 4096u

static int die(const char *what)
{
	fprintf(stderr, "randread: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: randread FILE COUNT [SEED]\n");
		return 1;
	}
	char *end;
	errno = 0;
	unsigned long count = strtoul(argv[2], &end, 10);
	if (errno || *end || count == 0)
		return fprintf(stderr, "randread: bad COUNT\n"), 1;
	uint64_t x = 1;
	if (argc == 4) {
		x = strtoull(argv[3], &end, 10);
		if (*end || x == 0)
			return fprintf(stderr, "randread: bad SEED (non-zero integer)\n"), 1;
	}
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return die(argv[1]);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return die("fstat");
	uint64_t pages = (uint64_t)st.st_size / BLK;
	if (pages == 0)
		return fprintf(stderr, "randread: %s is smaller than 4 KiB\n", argv[1]), 1;
	static char buf[BLK] __attribute__((aligned(BLK)));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < count; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		off_t off = (off_t)((x % pages) * BLK);
		ssize_t n = pread(fd, buf, BLK, off);
		if (n != (ssize_t)BLK)
			return n < 0 ? die("pread") : (fprintf(stderr, "randread: short read\n"), 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f %.0f\n", s * 1e6, s > 0 ? (double)count / s : 0.0);
	close(fd);
	return 0;
}
