/* SPDX-License-Identifier: Apache-2.0 */
/* The fuzz targets' scratch directory (scratch.h). Harness code: it may exit. */
#include "scratch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Larger than any file the fuzzer should need; smaller than a disk. */
#define SCRATCH_FSIZE (8u << 20)
#define MARK_BASE 0x100000001b3ull

static void die(const char *what)
{
	fprintf(stderr, "fuzz scratch: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* Polynomial hash of a window; the check never compares the secret's bytes
 * directly, so libFuzzer's comparison tracing cannot learn them and write
 * them into a share file (which would be a false alarm). */
static uint64_t poly(const uint8_t *b, size_t n)
{
	uint64_t h = 0;

	for (size_t i = 0; i < n; i++)
		h = h * MARK_BASE + b[i];
	return h;
}

bool scratch_leaks(const struct scratch *s, const uint8_t *buf, size_t n)
{
	uint64_t h, top = 1;

	if (n < SCRATCH_MARK_LEN)
		return false;
	for (size_t i = 1; i < SCRATCH_MARK_LEN; i++)
		top *= MARK_BASE;
	h = poly(buf, SCRATCH_MARK_LEN);
	for (size_t i = 0;; i++) {
		if (h == s->mark_hash)
			return true;
		if (i + SCRATCH_MARK_LEN >= n)
			return false;
		h = (h - buf[i] * top) * MARK_BASE + buf[i + SCRATCH_MARK_LEN];
	}
}

static void put_file(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		die(path);
	close(fd);
}

static void build_share(const struct scratch *s)
{
	char p[256], big[5000];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	snprintf(p, sizeof(p), "%s/file", s->share);
	put_file(p, big, sizeof(big), 0644);
	/* Attributes are optional (the fallback /tmp may not take user.*). */
	(void)setxattr(p, "user.fuzz", "value", 5, 0);
	(void)setxattr(p, "trusted.fuzz", "tv", 2, 0);
	snprintf(p, sizeof(p), "%s/empty", s->share);
	put_file(p, "", 0, 0600);
	snprintf(p, sizeof(p), "%s/dir", s->share);
	if (mkdir(p, 0755) < 0)
		die(p);
	snprintf(p, sizeof(p), "%s/dir/sub", s->share);
	put_file(p, "sub\n", 4, 0640);
	snprintf(p, sizeof(p), "%s/dir/deeper", s->share);
	if (mkdir(p, 0700) < 0)
		die(p);
	snprintf(p, sizeof(p), "%s/link", s->share);
	if (symlink("file", p) < 0)
		die(p);
	snprintf(p, sizeof(p), "%s/esc", s->share);
	if (symlink("../secret", p) < 0)
		die(p);
	snprintf(p, sizeof(p), "%s/abs", s->share);
	if (symlink("/etc/passwd", p) < 0)
		die(p);
	snprintf(p, sizeof(p), "%s/fifo", s->share);
	if (mkfifo(p, 0644) < 0)
		die(p);
	{
		char f[256];

		snprintf(f, sizeof(f), "%s/file", s->share);
		snprintf(p, sizeof(p), "%s/hard", s->share);
		if (link(f, p) < 0)
			die(p);
	}
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag;
	if (f->level == 0)
		return 0; /* keep the share directory itself */
	/* The fuzzer may have made a directory unwritable; root ignores that,
	 * a non-root fallback run fixes the mode first. */
	if (flag == FTW_DP)
		(void)chmod(p, 0700);
	return remove(p) < 0 && errno != ENOENT ? -1 : 0;
}

void scratch_reset(struct scratch *s)
{
	/* Depth-first so a directory is empty before it goes. */
	if (nftw(s->share, rm_cb, 32, FTW_DEPTH | FTW_PHYS) < 0)
		die("reset share");
	(void)chmod(s->share, 0755);
	build_share(s);
}

static void cleanup(void);
static struct scratch *live;

void scratch_init(struct scratch *s)
{
	struct rlimit rl = { SCRATCH_FSIZE, SCRATCH_FSIZE };

	memset(s, 0, sizeof(*s));
	snprintf(s->base, sizeof(s->base), "/tmp/ckrun-fuzz-XXXXXX");
	if (!mkdtemp(s->base))
		die("mkdtemp");
	/* A private tmpfs: capped, nodev, gone with the process. */
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	    mount("ckrun-fuzz", s->base, "tmpfs", MS_NODEV | MS_NOSUID, "size=32m,mode=0755") == 0)
		s->tmpfs = true;
	/* Either way no single file grows past the limit (EFBIG, not SIGXFSZ). */
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
		die("setrlimit");
	snprintf(s->share, sizeof(s->share), "%s/share", s->base);
	snprintf(s->secret, sizeof(s->secret), "%s/secret", s->base);
	if (mkdir(s->share, 0755) < 0)
		die(s->share);
	if (getrandom(s->mark, sizeof(s->mark), 0) != (ssize_t)sizeof(s->mark))
		die("getrandom");
	s->mark_hash = poly(s->mark, sizeof(s->mark));
	put_file(s->secret, s->mark, sizeof(s->mark), 0644);
	build_share(s);
	s->outside = scratch_outside(s);
	live = s;
	atexit(cleanup);
}

static void cleanup(void)
{
	if (!live)
		return;
	if (live->tmpfs)
		(void)umount2(live->base, MNT_DETACH);
	else
		(void)nftw(live->base, rm_cb, 32, FTW_DEPTH | FTW_PHYS);
	(void)rmdir(live->share);
	(void)unlink(live->secret);
	(void)rmdir(live->base);
}

/* A growing string. */
struct sb {
	char *p;
	size_t n, cap;
};

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	for (;;) {
		va_start(ap, fmt);
		need = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (need < 0)
			die("vsnprintf");
		if (b->p && (size_t)need < b->cap - b->n) {
			b->n += (size_t)need;
			return;
		}
		b->cap = (b->cap + (size_t)need + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("realloc");
		if (b->n == 0)
			b->p[0] = '\0';
	}
}

static uint64_t hash_file(const char *path)
{
	uint8_t buf[4096];
	uint64_t h = 0xcbf29ce484222325ull;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		h = fnv(h, buf, (size_t)n);
	close(fd);
	return h;
}

static void entry(struct sb *b, const char *path, const char *rel)
{
	struct stat st;
	char list[4096], val[4096], tgt[4096];
	ssize_t ln, vn, tn;
	uint64_t h = 0;

	if (lstat(path, &st) < 0) {
		sb_printf(b, "%s gone\n", rel);
		return;
	}
	if (S_ISREG(st.st_mode))
		h = hash_file(path);
	else if (S_ISLNK(st.st_mode) && (tn = readlink(path, tgt, sizeof(tgt))) >= 0)
		h = fnv(0xcbf29ce484222325ull, tgt, (size_t)tn);
	sb_printf(b, "%s mode=%o uid=%u gid=%u size=%lld nlink=%lu mtime=%lld.%09ld ctime=%lld.%09ld "
		     "rdev=%lx ino=%lu h=%016llx",
		  rel, st.st_mode, st.st_uid, st.st_gid, (long long)st.st_size, (unsigned long)st.st_nlink,
		  (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
		  st.st_ctim.tv_nsec, (unsigned long)st.st_rdev, (unsigned long)st.st_ino,
		  (unsigned long long)h);
	ln = llistxattr(path, list, sizeof(list));
	for (ssize_t i = 0; ln > 0 && i < ln; i += (ssize_t)strlen(list + i) + 1) {
		vn = lgetxattr(path, list + i, val, sizeof(val));
		sb_printf(b, " x:%s=%016llx", list + i,
			  (unsigned long long)(vn < 0 ? 0 : fnv(0xcbf29ce484222325ull, val, (size_t)vn)));
	}
	sb_printf(b, "\n");
}

static void walk(struct sb *b, const char *path, const char *rel)
{
	struct dirent **names;
	int n;

	entry(b, path, rel);
	n = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;

		if (strcmp(nm, ".") && strcmp(nm, "..")) {
			char cp[4096], cr[4096];
			struct stat st;

			snprintf(cp, sizeof(cp), "%s/%s", path, nm);
			snprintf(cr, sizeof(cr), "%s/%s", rel, nm);
			if (lstat(cp, &st) == 0 && S_ISDIR(st.st_mode))
				walk(b, cp, cr);
			else
				entry(b, cp, cr);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

char *scratch_snapshot(const char *dir)
{
	struct sb b = { 0 };

	walk(&b, dir, ".");
	return b.p;
}

char *scratch_outside(const struct scratch *s)
{
	struct sb b = { 0 };
	struct dirent **names;
	int n = scandir(s->base, &names, NULL, alphasort);

	/* The base's own entry: a rename into it would change its ctime. */
	entry(&b, s->base, "base");
	for (int i = 0; i < n; i++) {
		sb_printf(&b, "name %s\n", names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	entry(&b, s->secret, "secret");
	return b.p;
}

void scratch_expect_same(const char *what, const char *before, const char *after)
{
	if (strcmp(before, after) == 0)
		return;
	fprintf(stderr, "INVARIANT BROKEN: %s changed\n--- before\n%s--- after\n%s", what, before, after);
	abort();
}
