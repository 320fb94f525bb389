/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Real-syscall suite: `syscall-suite DIR` runs a fixed sequence of file
 * system calls inside DIR (which must be empty) and prints a normalized
 * transcript on stdout: results and errno names, never inode numbers, host
 * paths or times it did not set itself; listings are sorted. Run it on a plain
 * directory and on a share mounted through ckrun's FUSE server and compare
 * (run.sh does).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define NFILES 3000

static const char *ename(int e)
{
	switch (e) {
#define E(x) case x: return #x;
	E(EPERM) E(ENOENT) E(EIO) E(EBADF) E(EACCES) E(EEXIST) E(EXDEV) E(ENOTDIR) E(EISDIR)
	E(EINVAL) E(ENFILE) E(EMFILE) E(EFBIG) E(ENOSPC) E(EROFS) E(EMLINK) E(ERANGE)
	E(ENAMETOOLONG) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(ENODATA) E(EOPNOTSUPP) E(ENXIO)
#undef E
	default: return "E?";
	}
}

static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Print "what: ok" or "what: -ENAME". Returns r. */
static long res(const char *what, long r)
{
	if (r < 0)
		out("%s: -%s", what, ename(errno));
	else
		out("%s: ok", what);
	return r;
}

static void show_stat(const char *name)
{
	struct stat st;
	if (lstat(name, &st) < 0) {
		out("lstat %s: -%s", name, ename(errno));
		return;
	}
	char type = S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l'
		  : S_ISFIFO(st.st_mode) ? 'p' : '?';
	if (S_ISDIR(st.st_mode))
		out("lstat %s: type=%c mode=%04o uid=%u gid=%u", name, type, st.st_mode & 07777, st.st_uid,
		    st.st_gid);
	else
		out("lstat %s: type=%c mode=%04o uid=%u gid=%u nlink=%lu size=%lld", name, type,
		    st.st_mode & 07777, st.st_uid, st.st_gid, (unsigned long)st.st_nlink,
		    (long long)st.st_size);
}

static void show_content(const char *name)
{
	char buf[256];
	int fd = open(name, O_RDONLY);
	if (fd < 0) {
		out("content %s: -%s", name, ename(errno));
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		out("content %s: -%s", name, ename(errno));
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 0)
			buf[i] = '0';
	buf[n] = 0;
	out("content %s: [%s]", name, buf);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted listing of a directory (without "." and ".."), and the count. */
static void show_dir(const char *dir, bool names)
{
	DIR *d = opendir(dir);
	if (!d) {
		out("readdir %s: -%s", dir, ename(errno));
		return;
	}
	size_t n = 0, cap = 64;
	char **v = malloc(cap * sizeof(*v));
	int dots = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
			dots++;
			continue;
		}
		if (n == cap)
			v = realloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmpstr);
	out("readdir %s: %zu entries, %d dots", dir, n, dots);
	for (size_t i = 0; i < n; i++) {
		if (names)
			out("  %s", v[i]);
		free(v[i]);
	}
	free(v);
}

static void write_file(const char *name, const char *data)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		out("write_file %s: -%s", name, ename(errno));
	if (fd >= 0)
		close(fd);
}

static void part_files(void)
{
	out("== files");
	int fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0644);
	res("open f O_CREAT|O_EXCL", fd);
	out("write: %zd", write(fd, "hello world", 11));
	out("pwrite@6: %zd", pwrite(fd, "WORLD", 5, 6));
	char buf[64] = { 0 };
	out("pread@0: %zd [%s]", pread(fd, buf, sizeof(buf) - 1, 0), buf);
	memset(buf, 0, sizeof(buf));
	out("pread@100: %zd", pread(fd, buf, sizeof(buf), 100));
	res("fsync", fsync(fd));
	res("fdatasync", fdatasync(fd));
	close(fd);
	res("open f O_CREAT|O_EXCL again", open("f", O_RDWR | O_CREAT | O_EXCL, 0644));
	res("open missing", open("missing", O_RDONLY));
	fd = open("f", O_WRONLY | O_APPEND);
	out("append: %zd", write(fd, "!", 1));
	close(fd);
	show_content("f");
	res("truncate 5", truncate("f", 5));
	show_stat("f");
	fd = open("f", O_RDWR);
	res("ftruncate 8", ftruncate(fd, 8));
	close(fd);
	show_content("f");
	fd = open("f", O_RDWR | O_TRUNC);
	close(fd);
	show_stat("f");
	res("open dir O_WRONLY", open(".", O_WRONLY));
}

static void part_names(void)
{
	out("== names");
	res("mkdir d", mkdir("d", 0755));
	res("mkdir d again", mkdir("d", 0755));
	show_stat("d");
	write_file("d/x", "x");
	write_file("a", "AAA");
	write_file("b", "BB");
	res("rmdir d (not empty)", rmdir("d"));
	res("unlink d", unlink("d"));
	res("rename a c", rename("a", "c"));
	res("rename a c again", rename("a", "c"));
	res("renameat2 NOREPLACE c b", renameat2(AT_FDCWD, "c", AT_FDCWD, "b", RENAME_NOREPLACE));
	res("renameat2 EXCHANGE c b", renameat2(AT_FDCWD, "c", AT_FDCWD, "b", RENAME_EXCHANGE));
	show_content("b");
	show_content("c");
	res("rename c d/c", rename("c", "d/c"));
	res("rename d/c over b", rename("d/c", "b"));
	show_content("b");
	res("link b h", link("b", "h"));
	show_stat("b");
	res("link b h again", link("b", "h"));
	res("unlink h", unlink("h"));
	show_stat("b");
	res("link d dl", link("d", "dl"));
	res("symlink target-x l", symlink("target-x", "l"));
	char buf[PATH_MAX];
	ssize_t n = readlink("l", buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = 0;
	out("readlink l: %zd [%s]", n, buf);
	show_stat("l");
	struct stat st;
	res("stat l (dangling)", stat("l", &st));
	res("symlink b lb", symlink("b", "lb"));
	show_content("lb");
	res("symlink /etc/passwd lp", symlink("/etc/passwd", "lp"));
	n = readlink("lp", buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = 0;
	out("readlink lp: %zd [%s]", n, buf);
	res("readlink b", readlink("b", buf, sizeof(buf)));
	res("open l O_NOFOLLOW", open("l", O_RDONLY | O_NOFOLLOW));
	res("mkfifo p", mkfifo("p", 0640));
	show_stat("p");
	res("unlink d/x", unlink("d/x"));
	res("rmdir d", rmdir("d"));
	show_dir(".", true);
}

static void part_attrs(void)
{
	out("== attributes");
	write_file("m", "mode");
	res("chmod 0600", chmod("m", 0600));
	show_stat("m");
	res("chmod 04755", chmod("m", 04755));
	show_stat("m");
	res("chown 1234:5678", chown("m", 1234, 5678));
	show_stat("m");
	res("lchown l 42:43", lchown("l", 42, 43));
	show_stat("l");
	struct timespec ts[2] = { { 1000000, 111 }, { 2000000, 222 } };
	res("utimensat", utimensat(AT_FDCWD, "m", ts, 0));
	struct stat st;
	stat("m", &st);
	out("times: atime=%lld.%09ld mtime=%lld.%09ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	time_t before = time(NULL);
	struct timespec now[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
	res("utimensat mtime NOW", utimensat(AT_FDCWD, "m", now, 0));
	stat("m", &st);
	out("atime kept: %d, mtime now: %d", st.st_atim.tv_sec == 1000000, st.st_mtim.tv_sec >= before);
	struct timespec lts[2] = { { 5, 0 }, { 6, 0 } };
	res("utimensat l NOFOLLOW", utimensat(AT_FDCWD, "l", lts, AT_SYMLINK_NOFOLLOW));
	lstat("l", &st);
	out("link mtime: %lld", (long long)st.st_mtim.tv_sec);
	res("access m R_OK", access("m", R_OK));
	res("access missing", access("nope", F_OK));
}

static void part_xattr(void)
{
	out("== xattr");
	write_file("x", "x");
	res("setxattr user.a", setxattr("x", "user.a", "alpha", 5, 0));
	res("setxattr user.b", setxattr("x", "user.b", "", 0, 0));
	res("setxattr user.a CREATE", setxattr("x", "user.a", "z", 1, XATTR_CREATE));
	res("setxattr user.c REPLACE", setxattr("x", "user.c", "z", 1, XATTR_REPLACE));
	char buf[256] = { 0 };
	out("getxattr size: %zd", getxattr("x", "user.a", NULL, 0));
	ssize_t n = getxattr("x", "user.a", buf, sizeof(buf));
	out("getxattr user.a: %zd [%.*s]", n, (int)(n < 0 ? 0 : n), buf);
	res("getxattr small", getxattr("x", "user.a", buf, 2));
	res("getxattr missing", getxattr("x", "user.none", buf, sizeof(buf)));
	n = listxattr("x", buf, sizeof(buf));
	char *names[16];
	int k = 0;
	for (ssize_t p = 0; p < n && k < 16; p += (ssize_t)strlen(buf + p) + 1)
		if (!strncmp(buf + p, "user.", 5))
			names[k++] = buf + p;
	qsort(names, (size_t)k, sizeof(*names), cmpstr);
	out("listxattr user.*: %d", k);
	for (int i = 0; i < k; i++)
		out("  %s", names[i]);
	res("removexattr user.a", removexattr("x", "user.a"));
	res("removexattr user.a again", removexattr("x", "user.a"));
	res("getxattr removed", getxattr("x", "user.a", buf, sizeof(buf)));
	res("mkdir xd", mkdir("xd", 0755));
	res("setxattr dir", setxattr("xd", "user.d", "dir", 3, 0));
	n = getxattr("xd", "user.d", buf, sizeof(buf));
	out("getxattr dir: %zd", n);
	res("rmdir xd", rmdir("xd"));
}

static void part_space(void)
{
	out("== space");
	int fd = open("s", O_RDWR | O_CREAT | O_TRUNC, 0644);
	res("fallocate 64k", fallocate(fd, 0, 0, 65536));
	struct stat st;
	fstat(fd, &st);
	out("size: %lld", (long long)st.st_size);
	res("fallocate KEEP_SIZE", fallocate(fd, FALLOC_FL_KEEP_SIZE, 65536, 65536));
	fstat(fd, &st);
	out("size: %lld", (long long)st.st_size);
	pwrite(fd, "xxxxxxxx", 8, 4096);
	res("fallocate PUNCH_HOLE", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096));
	char b[8] = { 1 };
	pread(fd, b, 8, 4096);
	out("punched reads zero: %d", b[0] == 0 && b[7] == 0);
	close(fd);
	/* sparse file: data, hole, data */
	fd = open("sp", O_RDWR | O_CREAT | O_TRUNC, 0644);
	pwrite(fd, "head", 4, 0);
	pwrite(fd, "tail", 4, 4 << 20);
	out("SEEK_DATA 0: %lld", (long long)lseek(fd, 0, SEEK_DATA));
	off_t hole = lseek(fd, 0, SEEK_HOLE);
	out("SEEK_HOLE 0 in (0, 4M): %d", hole > 0 && hole < (4 << 20));
	off_t data = lseek(fd, 1 << 20, SEEK_DATA);
	out("SEEK_DATA 1M in (1M, 4M]: %d", data > (1 << 20) && data <= (4 << 20));
	res("SEEK_DATA past end", lseek(fd, (4 << 20) + 100, SEEK_DATA));
	int fd2 = open("cp", O_RDWR | O_CREAT | O_TRUNC, 0644);
	loff_t oi = 0, oo = 2;
	out("copy_file_range: %zd", copy_file_range(fd, &oi, fd2, &oo, 4, 0));
	close(fd2);
	close(fd);
	show_content("cp");
	fd = open(".", O_TMPFILE | O_RDWR, 0600);
	if (fd >= 0) {
		out("O_TMPFILE: ok");
		write(fd, "tmp", 3);
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		res("linkat tmpfile", linkat(AT_FDCWD, p, AT_FDCWD, "named", AT_SYMLINK_FOLLOW));
		close(fd);
		show_content("named");
	} else {
		out("O_TMPFILE: -%s", ename(errno));
	}
	struct statvfs sv;
	res("statvfs", statvfs(".", &sv));
	out("namemax: %lu", sv.f_namemax);
}

static void part_seekdir(void)
{
	out("== telldir/seekdir");
	mkdir("sd", 0755);
	char name[64];
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "sd/entry-with-a-longer-name-%03d", i);
		write_file(name, "");
	}
	DIR *d = opendir("sd");
	struct dirent *e;
	for (int i = 0; i < 100; i++)
		e = readdir(d);
	long pos = telldir(d);
	char seen[5][256];
	int ok = 1;
	for (int i = 0; i < 5; i++) {
		e = readdir(d);
		snprintf(seen[i], sizeof(seen[i]), "%s", e ? e->d_name : "(end)");
	}
	/* read to the end, then go back */
	int rest = 0;
	while (readdir(d))
		rest++;
	seekdir(d, pos);
	for (int i = 0; i < 5; i++) {
		e = readdir(d);
		if (!e || strcmp(seen[i], e->d_name))
			ok = 0;
	}
	out("seekdir resumes at the same entry: %d", ok);
	out("entries after position: %d", rest + 5);
	rewinddir(d);
	int all = 0;
	while (readdir(d))
		all++;
	out("entries after rewind: %d", all);
	closedir(d);
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "sd/entry-with-a-longer-name-%03d", i);
		unlink(name);
	}
	res("rmdir sd", rmdir("sd"));
}

static void part_many(void)
{
	out("== %d files", NFILES);
	mkdir("many", 0755);
	char name[64], data[32];
	int bad = 0;
	for (int i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "many/file%05d", i);
		snprintf(data, sizeof(data), "%d", i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
			bad++;
		if (fd >= 0)
			close(fd);
	}
	out("create failures: %d", bad);
	show_dir("many", false);
	bad = 0;
	for (int i = 0; i < NFILES; i++) {
		struct stat st;
		snprintf(name, sizeof(name), "many/file%05d", i);
		snprintf(data, sizeof(data), "%d", i);
		if (stat(name, &st) < 0 || st.st_size != (off_t)strlen(data))
			bad++;
	}
	out("stat mismatches: %d", bad);
	bad = 0;
	for (int i = 0; i < NFILES; i += 2) {
		char to[64];
		snprintf(name, sizeof(name), "many/file%05d", i);
		snprintf(to, sizeof(to), "many/renamed%05d", i);
		if (rename(name, to) < 0)
			bad++;
	}
	out("rename failures: %d", bad);
	show_dir("many", false);
	bad = 0;
	DIR *d = opendir("many");
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) < 0)
			bad++;
	}
	closedir(d);
	out("unlink failures: %d", bad);
	show_dir("many", false);
	res("rmdir many", rmdir("many"));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s EMPTY-DIR\n", argv[0]);
		return 2;
	}
	if (chdir(argv[1]) < 0) {
		perror("chdir");
		return 2;
	}
	umask(022);
	setvbuf(stdout, NULL, _IOLBF, 0);
	part_files();
	part_names();
	part_attrs();
	part_xattr();
	part_space();
	part_seekdir();
	part_many();
	out("== end");
	show_dir(".", true);
	return 0;
}
