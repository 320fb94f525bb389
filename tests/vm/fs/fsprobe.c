/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fsprobe: the few file-system operations the fs-*.sh VM cases need and
 * busybox lacks (xattrs, shared mmap writes, bounded parallel workloads,
 * checking thousands of files in one process). Built statically so the same
 * binary runs in the busybox guest and on the (test) host, where the cases
 * check the results.
 *
 *   fsprobe xset PATH NAME VALUE        setxattr (flags 0)
 *   fsprobe xget PATH NAME              print the value and a newline
 *   fsprobe xlist PATH                  print the names, one per line
 *   fsprobe xdel PATH NAME              removexattr
 *   fsprobe mmapw PATH SIZE SEED        create/resize PATH, fill it through a
 *                                       MAP_SHARED mapping, msync, then read it
 *                                       back with read(2) and compare
 *   fsprobe verify PATH SIZE SEED       PATH holds exactly pattern(SIZE, SEED)
 *   fsprobe mkfiles DIR N               DIR/f00000.. each holding "<i>\n"
 *   fsprobe checkfiles DIR N            DIR holds exactly those N files
 *   fsprobe opennb PATH rd|wr           open(O_NONBLOCK) and report the result
 *   fsprobe mkdata DIR                  DIR/data.K = pattern(DATA_SIZE, K), K<8
 *   fsprobe hammer MODE DIR ID SECS     a bounded workload, MODE:
 *        write   create/write/fsync/read-back/rename/stat/readdir/unlink in
 *                DIR/w.ID, leaving DIR/w.ID/final = pattern(65536, ID)
 *        read    read and verify DIR/data.K = pattern(DATA_SIZE, K), K<8,
 *                plus readdir and stat
 *        refuse  every write-type call on DIR must fail with EROFS
 *
 * Failures print "fsprobe: WHAT: strerror" on stderr (so scripts can match
 * "Read-only file system") and exit 1; a usage error exits 2.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define DATA_SIZE (256 * 1024) /* files the "read" hammer checks */
#define NR_DATA 8

static int fail(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	fputs("fsprobe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	return 1;
}

static int bad(const char *fmt, ...)
{
	va_list ap;
	fputs("fsprobe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A byte pattern that differs per offset and per seed, so a misplaced or
 * stale block is caught. */
static unsigned char pat(size_t i, unsigned long seed)
{
	uint64_t x = (uint64_t)i * 0x9e3779b97f4a7c15ull + seed * 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	return (unsigned char)(x ^ (x >> 8));
}

static void fill(unsigned char *b, size_t off, size_t n, unsigned long seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pat(off + i, seed);
}

static int parse_ul(const char *s, unsigned long *v)
{
	char *end;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return (errno || end == s || *end) ? -1 : 0;
}

static ssize_t full_write(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, (const char *)buf + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static ssize_t full_read(int fd, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = read(fd, (char *)buf + done, n - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* PATH holds exactly `size` bytes of pattern(seed). */
static int verify_file(const char *path, size_t size, unsigned long seed)
{
	unsigned char buf[65536], want[sizeof(buf)];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open %s", path);
	size_t off = 0;
	for (;;) {
		ssize_t r = full_read(fd, buf, sizeof(buf));
		if (r < 0) {
			fail("read %s", path);
			close(fd);
			return 1;
		}
		if (r == 0)
			break;
		fill(want, off, (size_t)r, seed);
		if (off + (size_t)r > size || memcmp(buf, want, (size_t)r) != 0) {
			close(fd);
			return bad("%s: content differs in the block at %zu", path, off);
		}
		off += (size_t)r;
	}
	close(fd);
	if (off != size)
		return bad("%s: %zu bytes, expected %zu", path, off, size);
	return 0;
}

/* Write pattern(size, seed) to PATH (created or truncated). */
static int write_file(const char *path, size_t size, unsigned long seed, int do_fsync)
{
	unsigned char buf[65536];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail("create %s", path);
	for (size_t off = 0; off < size;) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);
		fill(buf, off, n, seed);
		if (full_write(fd, buf, n) < 0) {
			fail("write %s", path);
			close(fd);
			return 1;
		}
		off += n;
	}
	if (do_fsync && fsync(fd) < 0) {
		fail("fsync %s", path);
		close(fd);
		return 1;
	}
	if (close(fd) < 0)
		return fail("close %s", path);
	return 0;
}

static int cmd_mmapw(const char *path, size_t size, unsigned long seed)
{
	if (size == 0)
		return bad("mmapw: SIZE must be > 0");
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail("open %s", path);
	if (ftruncate(fd, (off_t)size) < 0)
		return fail("ftruncate %s", path);
	unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return fail("mmap MAP_SHARED %s", path);
	close(fd); /* the mapping alone must carry the writes */
	/* Backwards, so the pages are dirtied out of order. */
	for (size_t i = size; i-- > 0;)
		m[i] = pat(i, seed);
	if (msync(m, size, MS_SYNC) < 0)
		return fail("msync %s", path);
	if (munmap(m, size) < 0)
		return fail("munmap %s", path);
	return verify_file(path, size, seed);
}

/* A line every 1000 files: under nested TCG a big directory takes minutes. */
static void progress(const char *what, unsigned long i, unsigned long n, double t0)
{
	if (i % 1000 == 0 || i == n)
		printf("fsprobe: %s %lu/%lu after %.1f s\n", what, i, n, now() - t0);
}

static int cmd_mkfiles(const char *dir, unsigned long n)
{
	char path[4096], line[32];
	double t0 = now();
	for (unsigned long i = 0; i < n; i++) {
		progress("created", i, n, t0);
		snprintf(path, sizeof(path), "%s/f%05lu", dir, i);
		int len = snprintf(line, sizeof(line), "%lu\n", i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return fail("create %s", path);
		if (full_write(fd, line, (size_t)len) < 0)
			return fail("write %s", path);
		if (close(fd) < 0)
			return fail("close %s", path);
	}
	progress("created", n, n, t0);
	return 0;
}

static int cmd_checkfiles(const char *dir, unsigned long n)
{
	char path[4096], line[32], got[40];
	double t0 = now();
	DIR *d = opendir(dir);
	if (!d)
		return fail("opendir %s", dir);
	unsigned long count = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		unsigned long i;
		if (e->d_name[0] != 'f' || strlen(e->d_name) != 6 || parse_ul(e->d_name + 1, &i) < 0 ||
		    i >= n) {
			closedir(d);
			return bad("%s: unexpected entry %s", dir, e->d_name);
		}
		count++;
	}
	if (errno) {
		fail("readdir %s", dir);
		closedir(d);
		return 1;
	}
	closedir(d);
	if (count != n)
		return bad("%s: %lu entries, expected %lu", dir, count, n);
	printf("fsprobe: readdir of %lu entries took %.1f s\n", n, now() - t0);
	t0 = now();
	for (unsigned long i = 0; i < n; i++) {
		progress("read", i, n, t0);
		snprintf(path, sizeof(path), "%s/f%05lu", dir, i);
		int len = snprintf(line, sizeof(line), "%lu\n", i);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail("open %s", path);
		ssize_t r = full_read(fd, got, sizeof(got));
		close(fd);
		if (r != len || memcmp(got, line, (size_t)len) != 0)
			return bad("%s: wrong content", path);
	}
	progress("read", n, n, t0);
	return 0;
}

static int cmd_opennb(const char *path, const char *how)
{
	int flags = O_NONBLOCK | O_CLOEXEC;
	if (strcmp(how, "rd") == 0)
		flags |= O_RDONLY;
	else if (strcmp(how, "wr") == 0)
		flags |= O_WRONLY;
	else
		return bad("opennb: rd or wr");
	int fd = open(path, flags);
	if (fd < 0)
		return fail("open %s %s", path, how);
	printf("open %s %s ok\n", path, how);
	close(fd);
	return 0;
}

static int count_dir(const char *dir, unsigned long *n)
{
	DIR *d = opendir(dir);
	if (!d)
		return fail("opendir %s", dir);
	struct dirent *e;
	*n = 0;
	errno = 0;
	while ((e = readdir(d)) != NULL)
		(*n)++;
	int err = errno;
	closedir(d);
	errno = err;
	return err ? fail("readdir %s", dir) : 0;
}

static int hammer_write(const char *dir, unsigned long id, double end, unsigned long *ops)
{
	char wd[4096], a[4200], b[4200];
	struct stat st;
	snprintf(wd, sizeof(wd), "%s/w.%lu", dir, id);
	if (mkdir(wd, 0755) < 0 && errno != EEXIST)
		return fail("mkdir %s", wd);
	for (unsigned long i = 0; now() < end; i++) {
		size_t size = 1024 + (i % 16) * 4096; /* 1 KiB .. 62 KiB */
		unsigned long seed = id * 1000003ul + i;
		snprintf(a, sizeof(a), "%s/tmp.%lu", wd, i % 8);
		snprintf(b, sizeof(b), "%s/f.%lu", wd, i % 8);
		if (write_file(a, size, seed, i % 16 == 0) || verify_file(a, size, seed))
			return 1;
		if (rename(a, b) < 0)
			return fail("rename %s %s", a, b);
		if (stat(b, &st) < 0)
			return fail("stat %s", b);
		if ((size_t)st.st_size != size)
			return bad("%s: size %lld, expected %zu", b, (long long)st.st_size, size);
		if (i % 8 == 7) {
			unsigned long n;
			if (count_dir(wd, &n))
				return 1;
			if (n < 3 || n > 2 + 16)
				return bad("%s: %lu entries", wd, n);
		}
		if (i % 5 == 4 && unlink(b) < 0)
			return fail("unlink %s", b);
		(*ops)++;
	}
	snprintf(a, sizeof(a), "%s/final", wd);
	return write_file(a, 65536, id, 1) || verify_file(a, 65536, id);
}

static int hammer_read(const char *dir, double end, unsigned long *ops)
{
	char p[4200];
	struct stat st;
	for (unsigned long i = 0; now() < end; i++) {
		unsigned long k = i % NR_DATA;
		snprintf(p, sizeof(p), "%s/data.%lu", dir, k);
		if (verify_file(p, DATA_SIZE, k))
			return 1;
		if (stat(p, &st) < 0)
			return fail("stat %s", p);
		if (i % 8 == 7) {
			unsigned long n;
			if (count_dir(dir, &n))
				return 1;
		}
		(*ops)++;
	}
	return 0;
}

/* Every call must fail with EROFS; anything else is a failure. */
#define REFUSED(what, call)                                                              \
	do {                                                                             \
		errno = 0;                                                               \
		if ((call) >= 0)                                                         \
			return bad("%s %s succeeded on a read-only share", what, p);     \
		if (errno != EROFS)                                                      \
			return fail("%s %s: expected EROFS", what, p);                   \
	} while (0)

static int hammer_refuse(const char *dir, unsigned long id, double end, unsigned long *ops)
{
	char p[4200], q[4200];
	for (unsigned long i = 0; now() < end; i++) {
		snprintf(p, sizeof(p), "%s/data.%lu", dir, i % NR_DATA);
		snprintf(q, sizeof(q), "%s/new.%lu.%lu", dir, id, i);
		REFUSED("create", open(q, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		REFUSED("open-write", open(p, O_WRONLY | O_CLOEXEC));
		REFUSED("open-trunc", open(p, O_RDWR | O_TRUNC | O_CLOEXEC));
		REFUSED("unlink", unlink(p));
		REFUSED("rename", rename(p, q));
		REFUSED("chmod", chmod(p, 0600));
		REFUSED("truncate", truncate(p, 1));
		REFUSED("mkdir", mkdir(q, 0755));
		REFUSED("setxattr", setxattr(p, "user.ckrun", "x", 1, 0));
		(*ops)++;
	}
	return 0;
}

static int cmd_hammer(const char *mode, const char *dir, unsigned long id, unsigned long secs)
{
	double t0 = now(), end = t0 + (double)secs;
	unsigned long ops = 0;
	int rc;
	if (strcmp(mode, "write") == 0)
		rc = hammer_write(dir, id, end, &ops);
	else if (strcmp(mode, "read") == 0)
		rc = hammer_read(dir, end, &ops);
	else if (strcmp(mode, "refuse") == 0)
		rc = hammer_refuse(dir, id, end, &ops);
	else
		return bad("hammer: MODE is write, read or refuse");
	printf("hammer %s %s id=%lu ops=%lu secs=%.1f rc=%d\n", mode, dir, id, ops, now() - t0, rc);
	return rc;
}

static int usage(void)
{
	fputs("usage: fsprobe xset|xget|xlist|xdel|mmapw|verify|mkfiles|checkfiles|opennb|mkdata|hammer ...\n"
	      "(see the comment at the top of tests/vm/fs/fsprobe.c)\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long a, b;
	if (argc < 2)
		return usage();
	const char *c = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(c, "xset") == 0 && argc == 5) {
		if (setxattr(argv[2], argv[3], argv[4], strlen(argv[4]), 0) < 0)
			return fail("setxattr %s %s", argv[2], argv[3]);
		return 0;
	}
	if (strcmp(c, "xget") == 0 && argc == 4) {
		char v[65536];
		ssize_t n = getxattr(argv[2], argv[3], v, sizeof(v));
		if (n < 0)
			return fail("getxattr %s %s", argv[2], argv[3]);
		printf("%.*s\n", (int)n, v);
		return 0;
	}
	if (strcmp(c, "xlist") == 0 && argc == 3) {
		char v[65536];
		ssize_t n = listxattr(argv[2], v, sizeof(v));
		if (n < 0)
			return fail("listxattr %s", argv[2]);
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(v + i) + 1)
			printf("%s\n", v + i);
		return 0;
	}
	if (strcmp(c, "xdel") == 0 && argc == 4) {
		if (removexattr(argv[2], argv[3]) < 0)
			return fail("removexattr %s %s", argv[2], argv[3]);
		return 0;
	}
	if ((strcmp(c, "mmapw") == 0 || strcmp(c, "verify") == 0) && argc == 5) {
		if (parse_ul(argv[3], &a) < 0 || parse_ul(argv[4], &b) < 0)
			return usage();
		return c[0] == 'm' ? cmd_mmapw(argv[2], a, b) : verify_file(argv[2], a, b);
	}
	if ((strcmp(c, "mkfiles") == 0 || strcmp(c, "checkfiles") == 0) && argc == 4) {
		if (parse_ul(argv[3], &a) < 0 || a > 99999)
			return usage();
		return c[0] == 'm' ? cmd_mkfiles(argv[2], a) : cmd_checkfiles(argv[2], a);
	}
	if (strcmp(c, "opennb") == 0 && argc == 4)
		return cmd_opennb(argv[2], argv[3]);
	if (strcmp(c, "hammer") == 0 && argc == 6) {
		if (parse_ul(argv[4], &a) < 0 || parse_ul(argv[5], &b) < 0)
			return usage();
		return cmd_hammer(argv[2], argv[3], a, b);
	}
	/* mkdata DIR: the files the "read" hammer checks. */
	if (strcmp(c, "mkdata") == 0 && argc == 3) {
		char p[4200];
		for (unsigned long k = 0; k < NR_DATA; k++) {
			snprintf(p, sizeof(p), "%s/data.%lu", argv[2], k);
			if (write_file(p, DATA_SIZE, k, 0))
				return 1;
		}
		return 0;
	}
	return usage();
}
