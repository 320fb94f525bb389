/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dax-guest: a small static program the DAX VM cases run inside the guest
 * (and on the host, for the same checksum and the native benchmark).
 *
 *   dax-guest sum FILE                 FNV-1a 64 of the file, read through mmap
 *   dax-guest isdax FILE               exit 0 if statx reports STATX_ATTR_DAX
 *   dax-guest write FILE OFF TEXT      store TEXT at OFF through a MAP_SHARED mapping
 *   dax-guest hold FILE READY GO       map and read FILE, create READY, wait for GO
 *                                      (120 s at most), then read the mapping again
 *   dax-guest bench FILE seq|rand|mmap-seq|mmap-rand [COUNT]
 *                                      sequential 1 MiB read()s / COUNT random 4 KiB
 *                                      pread()s (default 16384), or the same through mmap
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "dax-guest: %s: %s\n", what, strerror(errno));
	return 1;
}

static uint64_t fnv(const volatile uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *map_file(const char *path, int flags, int prot, size_t *len)
{
	struct stat st;
	int fd = open(path, flags);
	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	*len = (size_t)st.st_size;
	void *p = *len ? mmap(NULL, *len, prot, MAP_SHARED, fd, 0) : NULL;
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static int cmd_sum(const char *path)
{
	size_t len;
	const uint8_t *p = map_file(path, O_RDONLY, PROT_READ, &len);
	if (!p)
		return die(path);
	printf("%016llx %zu\n", (unsigned long long)fnv(p, len), len);
	return 0;
}

static int cmd_isdax(const char *path)
{
	struct statx sx;
	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &sx) < 0)
		return die(path);
	int dax = (sx.stx_attributes_mask & STATX_ATTR_DAX) && (sx.stx_attributes & STATX_ATTR_DAX);
	printf("%s: %s\n", path, dax ? "dax" : "not dax");
	return dax ? 0 : 1;
}

static int cmd_write(const char *path, const char *off_s, const char *text)
{
	size_t len, off = strtoull(off_s, NULL, 0), n = strlen(text);
	uint8_t *p = map_file(path, O_RDWR, PROT_READ | PROT_WRITE, &len);
	if (!p)
		return die(path);
	if (off > len || n > len - off) {
		fprintf(stderr, "dax-guest: write past the end\n");
		return 1;
	}
	memcpy(p + off, text, n);
	if (msync(p, len, MS_SYNC) < 0)
		return die("msync");
	return 0;
}

static int cmd_hold(const char *path, const char *ready, const char *go)
{
	size_t len;
	struct stat st;
	const uint8_t *p = map_file(path, O_RDONLY, PROT_READ, &len);
	if (!p)
		return die(path);
	printf("before: %016llx %zu\n", (unsigned long long)fnv(p, len), len);
	fflush(stdout);
	int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return die(ready);
	close(fd);
	for (int i = 0; i < 1200 && stat(go, &st) < 0; i++)
		usleep(100000);
	printf("touching the mapping again\n");
	fflush(stdout);
	printf("after: %016llx %zu\n", (unsigned long long)fnv(p, len), len);
	return 0;
}

static int cmd_bench(const char *path, const char *mode, long count)
{
	static char buf[1 << 20];
	struct stat st;
	uint64_t x = 88172645463325252ull, sink = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
		return die(path);
	size_t len = (size_t)st.st_size, pages = len / 4096;
	const uint8_t *m = NULL;
	if (!strncmp(mode, "mmap-", 5)) {
		m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			return die("mmap");
	}
	double t0 = now();
	size_t bytes = 0;
	if (!strcmp(mode, "seq") || !strcmp(mode, "mmap-seq")) {
		for (size_t off = 0; off < len; off += sizeof(buf)) {
			size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);
			if (m) {
				memcpy(buf, m + off, n);
			} else if (pread(fd, buf, n, (off_t)off) != (ssize_t)n) {
				return die("pread");
			}
			sink += (uint8_t)buf[n - 1];
			bytes += n;
		}
	} else if (!strcmp(mode, "rand") || !strcmp(mode, "mmap-rand")) {
		for (long i = 0; i < count && pages; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			off_t off = (off_t)(x % pages) * 4096;
			if (m) {
				memcpy(buf, m + off, 4096);
			} else if (pread(fd, buf, 4096, off) != 4096) {
				return die("pread");
			}
			sink += (uint8_t)buf[4095];
			bytes += 4096;
		}
	} else {
		fprintf(stderr, "dax-guest: unknown mode %s\n", mode);
		return 2;
	}
	double dt = now() - t0;
	printf("bench %s %s: %zu bytes in %.3f s = %.1f MiB/s, %.0f ops/s (sink %llu)\n", mode, path,
	       bytes, dt, (double)bytes / dt / 1048576.0,
	       (mode[0] == 'r' || !strcmp(mode, "mmap-rand")) ? (double)bytes / 4096.0 / dt
							      : (double)bytes / (double)sizeof(buf) / dt,
	       (unsigned long long)sink);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "sum"))
		return cmd_sum(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "isdax"))
		return cmd_isdax(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv[2], argv[3], argv[4]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "bench"))
		return cmd_bench(argv[2], argv[3], argc == 5 ? strtol(argv[4], NULL, 0) : 16384);
	fprintf(stderr, "usage: see the comment at the top of tests/fs/test_dax_guest.c\n");
	return 2;
}
