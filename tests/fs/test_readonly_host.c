/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nothing changes on the host: the read-only wrapper over the real
 * passthrough over a temporary directory (files, a directory, a symlink,
 * xattrs), driven through the FUSE server with byte-exact requests. For each
 * mutating request the whole directory tree is recorded before and after
 * (size, blocks, mode, uid, gid, mtime, ctime, link count, inode, xattrs,
 * content, symlink target, directory listing) and must be identical.
 *
 * Also: reads work; a WRITE through a handle from an O_RDONLY open fails in
 * the wrapper (EROFS) and, sent straight to the passthrough, on the host fd
 * (EBADF); and a share of files the process may only read (mode 0444, owned
 * by another uid, CAP_DAC_OVERRIDE dropped) is served, every host open being
 * read-only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "fs/server.h"
#include "test_readonly_req.h"
#include "../rm_tree.h"

#define FILE_SIZE 8192
#define OTHER_UID 12345

/* ---- the host tree and its fingerprint ---------------------------------- */

struct sb {
	char *s;
	size_t len, cap;
};

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
}

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const uint8_t *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

static void record_xattrs(struct sb *b, const char *path)
{
	char names[4096], val[4096];
	ssize_t n = llistxattr(path, names, sizeof(names));
	const char *sorted[64];
	int cnt = 0;

	assert_true(n >= 0);
	for (char *p = names; p < names + n; p += strlen(p) + 1) {
		int i = cnt++;

		assert_true(cnt <= 64);
		while (i > 0 && strcmp(sorted[i - 1], p) > 0) {
			sorted[i] = sorted[i - 1];
			i--;
		}
		sorted[i] = p;
	}
	for (int i = 0; i < cnt; i++) {
		ssize_t v = lgetxattr(path, sorted[i], val, sizeof(val));

		assert_true(v >= 0);
		sb_printf(b, " x[%s]=%016llx/%zd", sorted[i],
			  (unsigned long long)fnv(val, (size_t)v, 0xcbf29ce484222325ull), v);
	}
}

static void record(struct sb *b, const char *path, const char *rel)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	sb_printf(b, "%s mode=%o uid=%u gid=%u size=%lld blocks=%lld nlink=%lu ino=%llu "
		     "mtime=%lld.%09ld ctime=%lld.%09ld",
		  rel, st.st_mode, st.st_uid, st.st_gid, (long long)st.st_size,
		  (long long)st.st_blocks, (unsigned long)st.st_nlink, (unsigned long long)st.st_ino,
		  (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
		  st.st_ctim.tv_nsec);
	record_xattrs(b, path);
	if (S_ISREG(st.st_mode)) {
		char buf[4096];
		uint64_t h = 0xcbf29ce484222325ull;
		int fd = open(path, O_RDONLY | O_NOATIME);
		ssize_t n;

		if (fd < 0)
			fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			h = fnv(buf, (size_t)n, h);
		assert_true(n == 0);
		close(fd);
		sb_printf(b, " data=%016llx", (unsigned long long)h);
	} else if (S_ISLNK(st.st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlink(path, t, sizeof(t) - 1);

		assert_true(n >= 0);
		t[n] = '\0';
		sb_printf(b, " target=%s", t);
	}
	sb_printf(b, "\n");
	if (S_ISDIR(st.st_mode)) {
		struct dirent **ents;
		int n = scandir(path, &ents, NULL, alphasort);

		assert_true(n >= 0);
		for (int i = 0; i < n; i++) {
			const char *nm = ents[i]->d_name;

			if (strcmp(nm, ".") && strcmp(nm, "..")) {
				char p[PATH_MAX], r[PATH_MAX];

				snprintf(p, sizeof(p), "%s/%s", path, nm);
				snprintf(r, sizeof(r), "%s/%s", rel, nm);
				record(b, p, r);
			}
			free(ents[i]);
		}
		free(ents);
	}
}

static char *fingerprint(const char *root)
{
	struct sb b = { 0 };

	record(&b, root, ".");
	return b.s;
}

static void write_file(const char *dir, const char *name, const void *data, size_t n, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void populate(const char *dir)
{
	char p[PATH_MAX];
	char *data = malloc(FILE_SIZE);

	assert_non_null(data);
	for (size_t i = 0; i < FILE_SIZE; i++)
		data[i] = (char)('a' + i % 26);
	write_file(dir, "f", data, FILE_SIZE, 0644);
	write_file(dir, "g", "other file\n", 11, 0600);
	snprintf(p, sizeof(p), "%s/f", dir);
	assert_int_equal(setxattr(p, "user.k", "v", 1, 0), 0);
	snprintf(p, sizeof(p), "%s/d", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(setxattr(p, "user.dir", "yes", 3, 0), 0);
	write_file(p, "inner", "inner\n", 6, 0644);
	snprintf(p, sizeof(p), "%s/e", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/l", dir);
	assert_int_equal(symlink("f", p), 0);
	/* trusted.* works on symlinks (user.* does not): something to overwrite */
	assert_int_equal(lsetxattr(p, "trusted.t", "1", 1, 0), 0);
	free(data);
}

/* ---- a server over readonly(passthrough(dir)) ----------------------------- */

struct host {
	char dir[64];
	struct fuse_server *s;
	uint64_t f, g, d, e, l, inner; /* node ids */
	uint64_t fh_f, fh_g, fh_root;  /* handles from O_RDONLY opens */
};

static uint64_t h_lookup(struct host *h, uint64_t parent, const char *name)
{
	struct rq q;
	struct rp *p = malloc(sizeof(*p));
	uint64_t id;

	assert_non_null(p);
	rq_begin(&q, FUSE_LOOKUP, parent);
	rq_str(&q, name);
	rq_send(h->s, &q, p);
	assert_int_equal(p->error, 0);
	id = RP_BODY(p, struct fuse_entry_out)->nodeid;
	assert_true(id != 0);
	free(p);
	return id;
}

static uint64_t h_open(struct host *h, uint32_t opcode, uint64_t node, uint32_t flags)
{
	struct rq q;
	struct rp *p = malloc(sizeof(*p));
	struct fuse_open_in in = { .flags = flags };
	uint64_t fh;

	assert_non_null(p);
	rq_begin(&q, opcode, node);
	rq_add(&q, &in, sizeof(in));
	rq_send(h->s, &q, p);
	assert_int_equal(p->error, 0);
	fh = RP_BODY(p, struct fuse_open_out)->fh;
	free(p);
	return fh;
}

/* rw = true: the passthrough alone, the control that shows each mutation
 * is real and visible to the fingerprint. */
static void host_server(struct host *h, const char *dir, bool rw)
{
	struct fs_passthrough_opts o = { .root = dir, .xattr = true };
	struct fuse_server_config cfg = { 0 };
	struct fs_backend pt;
	struct rp *p = malloc(sizeof(*p));

	assert_non_null(p);
	assert_int_equal(fs_passthrough_new(&o, &pt), 0);
	if (rw)
		cfg.backend = pt;
	else
		assert_int_equal(fs_readonly_new(pt, &cfg.backend), 0);
	assert_int_equal(fuse_server_new(&cfg, &h->s), 0);
	rq_init(h->s, p, FUSE_DO_READDIRPLUS | FUSE_ASYNC_READ | FUSE_WRITEBACK_CACHE);
	assert_int_equal(p->error, 0);
	if (!rw)
		assert_int_equal(RP_BODY(p, struct fuse_init_out)->flags & FUSE_WRITEBACK_CACHE, 0);
	free(p);
}

static struct host *host_up(bool rw)
{
	struct host *h = calloc(1, sizeof(*h));
	uint32_t mode = rw ? O_RDWR : O_RDONLY;

	assert_non_null(h);
	strcpy(h->dir, "/tmp/ckrun-ro-XXXXXX");
	assert_non_null(mkdtemp(h->dir));
	populate(h->dir);
	host_server(h, h->dir, rw);
	h->f = h_lookup(h, FUSE_ROOT_ID, "f");
	h->g = h_lookup(h, FUSE_ROOT_ID, "g");
	h->d = h_lookup(h, FUSE_ROOT_ID, "d");
	h->e = h_lookup(h, FUSE_ROOT_ID, "e");
	h->l = h_lookup(h, FUSE_ROOT_ID, "l");
	h->inner = h_lookup(h, h->d, "inner");
	h->fh_f = h_open(h, FUSE_OPEN, h->f, mode);
	h->fh_g = h_open(h, FUSE_OPEN, h->g, mode);
	h->fh_root = h_open(h, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY | O_DIRECTORY);
	return h;
}

static void host_down(struct host *h)
{
	fuse_server_free(h->s);
	assert_int_equal(rm_tree(h->dir), 0);
	free(h);
}

static int host_setup(void **state)
{
	*state = host_up(false);
	return 0;
}

static int host_teardown(void **state)
{
	host_down(*state);
	return 0;
}

/* ---- every mutation, one at a time -------------------------------------- */

enum mut {
	M_SETATTR_SIZE, M_SETATTR_SIZE_FH, M_SETATTR_SIZE_GROW, M_SETATTR_MODE, M_SETATTR_OWNER,
	M_SETATTR_ATIME, M_SETATTR_MTIME, M_SETATTR_NOW_DIR, M_SETATTR_ROOT_MODE,
	M_MKNOD_FIFO, M_MKNOD_REG, M_MKDIR, M_MKDIR_IN_SUBDIR, M_SYMLINK,
	M_LINK, M_LINK_INTO_SUBDIR, M_UNLINK, M_UNLINK_SYMLINK, M_UNLINK_IN_SUBDIR, M_RMDIR,
	M_RENAME_OVER_EXISTING, M_RENAME_INTO_SUBDIR, M_RENAME_DIR, M_RENAME2_EXCHANGE,
	M_RENAME2_NOREPLACE, M_RENAME2_WHITEOUT, M_CREATE_NEW, M_CREATE_EXISTING_TRUNC,
	M_TMPFILE, M_OPEN_TRUNC, M_OPEN_WRONLY_TRUNC, M_OPEN_RDWR, M_OPEN_WRONLY_APPEND,
	M_OPEN_RDWR_APPEND, M_OPENDIR_RDWR, M_WRITE_RDONLY_HANDLE, M_WRITE_EXTEND,
	M_FALLOCATE_PUNCH_HOLE, M_FALLOCATE_EXTEND, M_FALLOCATE_ZERO_RANGE,
	M_SETXATTR_REPLACE, M_SETXATTR_NEW_ON_DIR, M_SETXATTR_SYMLINK, M_REMOVEXATTR,
	M_REMOVEXATTR_SYMLINK, M_COPY_FILE_RANGE, M_IOCTL_SETFLAGS, M_ACCESS_W,
	M_COUNT
};

static const char *const mut_name[M_COUNT] = {
	"setattr size", "setattr size via fh", "setattr grow", "setattr mode", "setattr owner",
	"setattr atime only", "setattr mtime", "setattr now on dir", "setattr root mode",
	"mknod fifo", "mknod regular", "mkdir", "mkdir in subdir", "symlink",
	"link", "link into subdir", "unlink", "unlink symlink", "unlink in subdir", "rmdir",
	"rename over existing", "rename into subdir", "rename dir", "rename2 exchange",
	"rename2 noreplace", "rename2 whiteout", "create new", "create existing O_TRUNC",
	"tmpfile", "open O_RDONLY|O_TRUNC", "open O_WRONLY|O_TRUNC", "open O_RDWR",
	"open O_WRONLY|O_APPEND", "open O_RDWR|O_APPEND", "opendir O_RDWR",
	"write via O_RDONLY handle", "write past end", "fallocate punch hole", "fallocate extend",
	"fallocate zero range", "setxattr replace", "setxattr new on dir", "setxattr on symlink",
	"removexattr", "removexattr on symlink", "copy_file_range", "ioctl FS_IOC_SETFLAGS",
	"access W_OK",
};

static void setattr_rq(struct rq *q, uint64_t node, struct fuse_setattr_in in)
{
	rq_begin(q, FUSE_SETATTR, node);
	rq_add(q, &in, sizeof(in));
}

static void two_names(struct rq *q, const char *a, const char *b)
{
	rq_str(q, a);
	rq_str(q, b);
}

/* Build mutation m; returns the error the reply must carry. */
static int32_t build_mut(struct host *h, enum mut m, struct rq *q)
{
	switch (m) {
	case M_SETATTR_SIZE:
		setattr_rq(q, h->f, (struct fuse_setattr_in){ .valid = FATTR_SIZE, .size = 0 });
		break;
	case M_SETATTR_SIZE_FH:
		setattr_rq(q, h->f, (struct fuse_setattr_in){ .valid = FATTR_SIZE | FATTR_FH,
							      .fh = h->fh_f, .size = 1 });
		break;
	case M_SETATTR_SIZE_GROW:
		setattr_rq(q, h->g, (struct fuse_setattr_in){ .valid = FATTR_SIZE, .size = 1 << 20 });
		break;
	case M_SETATTR_MODE:
		setattr_rq(q, h->f, (struct fuse_setattr_in){ .valid = FATTR_MODE, .mode = 04777 });
		break;
	case M_SETATTR_OWNER:
		setattr_rq(q, h->f, (struct fuse_setattr_in){ .valid = FATTR_UID | FATTR_GID,
							      .uid = 1, .gid = 1 });
		break;
	case M_SETATTR_ATIME:
		setattr_rq(q, h->f, (struct fuse_setattr_in){ .valid = FATTR_ATIME, .atime = 1 });
		break;
	case M_SETATTR_MTIME:
		setattr_rq(q, h->f, (struct fuse_setattr_in){ .valid = FATTR_MTIME, .mtime = 1 });
		break;
	case M_SETATTR_NOW_DIR:
		setattr_rq(q, h->d, (struct fuse_setattr_in){
			.valid = FATTR_ATIME | FATTR_ATIME_NOW | FATTR_MTIME | FATTR_MTIME_NOW });
		break;
	case M_SETATTR_ROOT_MODE:
		setattr_rq(q, FUSE_ROOT_ID, (struct fuse_setattr_in){ .valid = FATTR_MODE, .mode = 0777 });
		break;
	case M_MKNOD_FIFO:
	case M_MKNOD_REG: {
		struct fuse_mknod_in in = { .mode = (m == M_MKNOD_FIFO ? S_IFIFO : S_IFREG) | 0644 };
		rq_begin(q, FUSE_MKNOD, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "node");
		break;
	}
	case M_MKDIR:
	case M_MKDIR_IN_SUBDIR: {
		struct fuse_mkdir_in in = { .mode = 0755 };
		rq_begin(q, FUSE_MKDIR, m == M_MKDIR ? FUSE_ROOT_ID : h->d);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "newdir");
		break;
	}
	case M_SYMLINK:
		rq_begin(q, FUSE_SYMLINK, FUSE_ROOT_ID);
		two_names(q, "newlink", "f");
		break;
	case M_LINK:
	case M_LINK_INTO_SUBDIR: {
		struct fuse_link_in in = { .oldnodeid = h->f };
		rq_begin(q, FUSE_LINK, m == M_LINK ? FUSE_ROOT_ID : h->d);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "hardlink");
		break;
	}
	case M_UNLINK:
		rq_begin(q, FUSE_UNLINK, FUSE_ROOT_ID);
		rq_str(q, "f");
		break;
	case M_UNLINK_SYMLINK:
		rq_begin(q, FUSE_UNLINK, FUSE_ROOT_ID);
		rq_str(q, "l");
		break;
	case M_UNLINK_IN_SUBDIR:
		rq_begin(q, FUSE_UNLINK, h->d);
		rq_str(q, "inner");
		break;
	case M_RMDIR:
		rq_begin(q, FUSE_RMDIR, FUSE_ROOT_ID);
		rq_str(q, "e");
		break;
	case M_RENAME_OVER_EXISTING:
	case M_RENAME_INTO_SUBDIR:
	case M_RENAME_DIR: {
		struct fuse_rename_in in = { .newdir = m == M_RENAME_INTO_SUBDIR ? h->d : FUSE_ROOT_ID };
		rq_begin(q, FUSE_RENAME, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		if (m == M_RENAME_DIR)
			two_names(q, "e", "e2");
		else
			two_names(q, "f", m == M_RENAME_OVER_EXISTING ? "g" : "moved");
		break;
	}
	case M_RENAME2_EXCHANGE:
	case M_RENAME2_NOREPLACE:
	case M_RENAME2_WHITEOUT: {
		struct fuse_rename2_in in = {
			.newdir = FUSE_ROOT_ID,
			.flags = m == M_RENAME2_EXCHANGE ? RENAME_EXCHANGE
				 : m == M_RENAME2_NOREPLACE ? RENAME_NOREPLACE : RENAME_WHITEOUT,
		};
		rq_begin(q, FUSE_RENAME2, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		two_names(q, "f", m == M_RENAME2_NOREPLACE ? "brandnew" : "g");
		break;
	}
	case M_CREATE_NEW:
	case M_CREATE_EXISTING_TRUNC: {
		struct fuse_create_in in = {
			.flags = m == M_CREATE_NEW ? (O_WRONLY | O_CREAT) : (O_RDWR | O_CREAT | O_TRUNC),
			.mode = 0644,
		};
		rq_begin(q, FUSE_CREATE, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		rq_str(q, m == M_CREATE_NEW ? "created" : "f");
		break;
	}
	case M_TMPFILE: {
		struct fuse_create_in in = { .flags = O_RDWR | O_TMPFILE, .mode = 0644 };
		rq_begin(q, FUSE_TMPFILE, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "/");
		break;
	}
	case M_OPEN_TRUNC:
	case M_OPEN_WRONLY_TRUNC:
	case M_OPEN_RDWR:
	case M_OPEN_WRONLY_APPEND:
	case M_OPEN_RDWR_APPEND: {
		static const uint32_t fl[] = {
			[M_OPEN_TRUNC] = O_RDONLY | O_TRUNC,
			[M_OPEN_WRONLY_TRUNC] = O_WRONLY | O_TRUNC,
			[M_OPEN_RDWR] = O_RDWR,
			[M_OPEN_WRONLY_APPEND] = O_WRONLY | O_APPEND,
			[M_OPEN_RDWR_APPEND] = O_RDWR | O_APPEND,
		};
		struct fuse_open_in in = { .flags = fl[m] };
		rq_begin(q, FUSE_OPEN, h->f);
		rq_add(q, &in, sizeof(in));
		break;
	}
	case M_OPENDIR_RDWR: {
		struct fuse_open_in in = { .flags = O_RDWR | O_DIRECTORY };
		rq_begin(q, FUSE_OPENDIR, h->d);
		rq_add(q, &in, sizeof(in));
		break;
	}
	case M_WRITE_RDONLY_HANDLE:
	case M_WRITE_EXTEND: {
		struct fuse_write_in in = { .fh = h->fh_f, .size = 4,
					    .offset = m == M_WRITE_EXTEND ? 100000 : 0 };
		rq_begin(q, FUSE_WRITE, h->f);
		rq_add(q, &in, sizeof(in));
		rq_add(q, "XXXX", 4);
		break;
	}
	case M_FALLOCATE_PUNCH_HOLE:
	case M_FALLOCATE_EXTEND:
	case M_FALLOCATE_ZERO_RANGE: {
		struct fuse_fallocate_in in = {
			.fh = h->fh_f,
			.offset = m == M_FALLOCATE_EXTEND ? FILE_SIZE : 0,
			.length = m == M_FALLOCATE_EXTEND ? 1 << 20 : 4096,
			.mode = m == M_FALLOCATE_PUNCH_HOLE ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
				: m == M_FALLOCATE_ZERO_RANGE ? FALLOC_FL_ZERO_RANGE : 0,
		};
		rq_begin(q, FUSE_FALLOCATE, h->f);
		rq_add(q, &in, sizeof(in));
		break;
	}
	case M_SETXATTR_REPLACE:
	case M_SETXATTR_NEW_ON_DIR:
	case M_SETXATTR_SYMLINK: {
		struct fuse_setxattr_in in = { .size = 7 };
		rq_begin(q, FUSE_SETXATTR,
			 m == M_SETXATTR_REPLACE ? h->f : m == M_SETXATTR_NEW_ON_DIR ? h->d : h->l);
		rq_add(q, &in, FUSE_COMPAT_SETXATTR_IN_SIZE);
		rq_str(q, m == M_SETXATTR_REPLACE ? "user.k"
			  : m == M_SETXATTR_NEW_ON_DIR ? "user.new" : "trusted.t");
		rq_add(q, "changed", 7);
		break;
	}
	case M_REMOVEXATTR:
	case M_REMOVEXATTR_SYMLINK:
		rq_begin(q, FUSE_REMOVEXATTR, m == M_REMOVEXATTR ? h->f : h->l);
		rq_str(q, m == M_REMOVEXATTR ? "user.k" : "trusted.t");
		break;
	case M_COPY_FILE_RANGE: {
		struct fuse_copy_file_range_in in = { .fh_in = h->fh_f, .nodeid_out = h->g,
						      .fh_out = h->fh_g, .len = 4096 };
		rq_begin(q, FUSE_COPY_FILE_RANGE, h->f);
		rq_add(q, &in, sizeof(in));
		break;
	}
	case M_IOCTL_SETFLAGS: {
		/* FS_IOC_SETFLAGS with FS_IMMUTABLE_FL as data */
		uint32_t fl = 0x10;
		struct fuse_ioctl_in in = { .fh = h->fh_f, .cmd = 0x40086602u, .in_size = sizeof(fl) };
		rq_begin(q, FUSE_IOCTL, h->f);
		rq_add(q, &in, sizeof(in));
		rq_add(q, &fl, sizeof(fl));
		return -ENOTTY;
	}
	case M_ACCESS_W: {
		struct fuse_access_in in = { .mask = W_OK };
		rq_begin(q, FUSE_ACCESS, h->f);
		rq_add(q, &in, sizeof(in));
		break;
	}
	case M_COUNT:
		break;
	}
	return -EROFS;
}

static void test_every_mutation_leaves_host_unchanged(void **state)
{
	struct host *h = *state;
	struct rq *q = malloc(sizeof(*q));
	struct rp *p = malloc(sizeof(*p));
	char *before = fingerprint(h->dir);

	assert_non_null(q);
	assert_non_null(p);
	for (int m = 0; m < M_COUNT; m++) {
		int32_t want = build_mut(h, (enum mut)m, q);
		char *after;

		rq_send(h->s, q, p);
		assert_int_equal(p->rc, 0);
		if (p->error != want)
			fail_msg("%s: reply error %d, want %d", mut_name[m], p->error, want);
		assert_int_equal(p->written, sizeof(struct fuse_out_header));
		after = fingerprint(h->dir);
		if (strcmp(before, after) != 0)
			fail_msg("%s changed the host:\nbefore:\n%s\nafter:\n%s", mut_name[m], before,
				 after);
		free(after);
	}
	free(before);
	free(q);
	free(p);
}

/*
 * The control: the same requests over the passthrough alone (handles opened
 * O_RDWR there) really change the host, and the fingerprint sees it. Without
 * this, "unchanged" above could pass because a request was malformed or the
 * fingerprint blind. Excluded: requests that change nothing visible even
 * when allowed (a tmpfile has no name, an open or access only asks, the
 * ioctl is not offered by the passthrough).
 */
static void test_mutations_are_real_without_the_wrapper(void **state)
{
	static const bool invisible[M_COUNT] = {
		[M_TMPFILE] = true, [M_OPEN_RDWR] = true, [M_OPEN_WRONLY_APPEND] = true,
		[M_OPEN_RDWR_APPEND] = true, [M_OPENDIR_RDWR] = true, [M_IOCTL_SETFLAGS] = true,
		[M_ACCESS_W] = true,
	};
	struct rq *q = malloc(sizeof(*q));
	struct rp *p = malloc(sizeof(*p));
	(void)state;

	assert_non_null(q);
	assert_non_null(p);
	for (int m = 0; m < M_COUNT; m++) {
		struct host *h;
		char *before, *after;

		if (invisible[m])
			continue;
		h = host_up(true);
		before = fingerprint(h->dir);
		(void)build_mut(h, (enum mut)m, q);
		rq_send(h->s, q, p);
		assert_int_equal(p->rc, 0);
		if (p->error != 0)
			fail_msg("control %s: the read-write passthrough answered %d", mut_name[m],
				 p->error);
		after = fingerprint(h->dir);
		if (strcmp(before, after) == 0)
			fail_msg("control %s: no visible change on the host", mut_name[m]);
		free(before);
		free(after);
		host_down(h);
	}
	free(q);
	free(p);
}

/* The share still works for reading, and reading changes nothing either
 * (atime aside, which the fingerprint leaves out). */
static void test_reads_work(void **state)
{
	struct host *h = *state;
	struct rq q;
	struct rp *p = malloc(sizeof(*p));
	char *before = fingerprint(h->dir), *after;
	const char *body;

	assert_non_null(p);
	{
		struct fuse_read_in in = { .fh = h->fh_f, .offset = 26, .size = 5 };
		rq_begin(&q, FUSE_READ, h->f);
		rq_add(&q, &in, sizeof(in));
		rq_send(h->s, &q, p);
		assert_int_equal(p->error, 0);
		assert_int_equal(p->body_len, 5);
		body = (const char *)p->u.b + sizeof(p->u.h);
		assert_memory_equal(body, "abcde", 5);
	}
	{
		rq_begin(&q, FUSE_READLINK, h->l);
		rq_send(h->s, &q, p);
		assert_int_equal(p->error, 0);
		assert_int_equal(p->body_len, 1);
		assert_memory_equal(p->u.b + sizeof(p->u.h), "f", 1);
	}
	{
		struct fuse_getxattr_in in = { .size = 16 };
		rq_begin(&q, FUSE_GETXATTR, h->f);
		rq_add(&q, &in, sizeof(in));
		rq_str(&q, "user.k");
		rq_send(h->s, &q, p);
		assert_int_equal(p->error, 0);
		assert_int_equal(p->body_len, 1);
		assert_memory_equal(p->u.b + sizeof(p->u.h), "v", 1);
	}
	{
		struct fuse_read_in in = { .fh = h->fh_root, .size = 4096 };
		bool seen_f = false, seen_d = false;
		size_t off = 0;

		rq_begin(&q, FUSE_READDIR, FUSE_ROOT_ID);
		rq_add(&q, &in, sizeof(in));
		rq_send(h->s, &q, p);
		assert_int_equal(p->error, 0);
		while (off + FUSE_NAME_OFFSET <= p->body_len) {
			const struct fuse_dirent *de =
				(const void *)(p->u.b + sizeof(p->u.h) + off);

			if (de->namelen == 1 && de->name[0] == 'f')
				seen_f = true;
			if (de->namelen == 1 && de->name[0] == 'd')
				seen_d = true;
			off += FUSE_DIRENT_SIZE(de);
		}
		assert_true(seen_f && seen_d);
	}
	{
		struct fuse_getattr_in in = { 0 };
		rq_begin(&q, FUSE_GETATTR, h->f);
		rq_add(&q, &in, sizeof(in));
		rq_send(h->s, &q, p);
		assert_int_equal(p->error, 0);
		assert_int_equal(RP_BODY(p, struct fuse_attr_out)->attr.size, FILE_SIZE);
	}
	{
		struct fuse_access_in in = { .mask = R_OK };
		rq_begin(&q, FUSE_ACCESS, h->f);
		rq_add(&q, &in, sizeof(in));
		rq_send(h->s, &q, p);
		assert_int_equal(p->error, 0);
	}
	{
		rq_begin(&q, FUSE_STATFS, FUSE_ROOT_ID);
		rq_send(h->s, &q, p);
		assert_int_equal(p->error, 0);
		assert_true(RP_BODY(p, struct fuse_statfs_out)->st.bsize > 0);
	}
	after = fingerprint(h->dir);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(p);
}

/* O_APPEND alone is allowed: the open works, and a write through that handle
 * is still refused. */
static void test_append_open_allowed_but_no_write(void **state)
{
	struct host *h = *state;
	struct rq q;
	struct rp *p = malloc(sizeof(*p));
	char *before = fingerprint(h->dir), *after;
	uint64_t fh = h_open(h, FUSE_OPEN, h->f, O_RDONLY | O_APPEND);
	struct fuse_write_in in = { .fh = fh, .size = 4 };

	assert_non_null(p);
	rq_begin(&q, FUSE_WRITE, h->f);
	rq_add(&q, &in, sizeof(in));
	rq_add(&q, "XXXX", 4);
	rq_send(h->s, &q, p);
	assert_int_equal(p->error, -EROFS);
	after = fingerprint(h->dir);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(p);
}

/* Defence in depth: even if a WRITE got past the wrapper, the host fd behind
 * a read-only handle cannot write. Sent straight to a passthrough. */
static void test_inner_write_on_rdonly_fd_is_ebadf(void **state)
{
	struct host *h = *state;
	struct fs_passthrough_opts o = { .root = h->dir, .xattr = true };
	struct fs_backend pt;
	struct fs_ctx c = { .unique = 1, .pid = 1 };
	struct fuse_init_in ii = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION };
	uint64_t flags = FUSE_DO_READDIRPLUS;
	struct fuse_entry_out e = { 0 };
	struct fuse_open_out oo = { 0 };
	struct fuse_open_in oi = { .flags = O_RDONLY | O_APPEND };
	char data[4] = "XXXX";
	struct iovec iov = { data, sizeof(data) };
	struct fs_iobuf buf = { .iov = &iov, .iovcnt = 1, .limit = sizeof(data) };
	struct fuse_write_out wo;
	struct fuse_release_in rel = { 0 };
	char *before = fingerprint(h->dir), *after;

	assert_int_equal(fs_passthrough_new(&o, &pt), 0);
	if (pt.ops->init)
		assert_int_equal(pt.ops->init(pt.fs, &ii, &flags), 0);
	assert_int_equal(pt.ops->lookup(pt.fs, &c, FUSE_ROOT_ID, "f", &e), 0);
	assert_int_equal(pt.ops->open(pt.fs, &c, e.nodeid, &oi, &oo), 0);
	{
		struct fuse_write_in wi = { .fh = oo.fh, .size = 4, .offset = 0 };
		assert_int_equal(pt.ops->write(pt.fs, &c, e.nodeid, &wi, &buf, &wo), -EBADF);
	}
	rel.fh = oo.fh;
	assert_int_equal(pt.ops->release(pt.fs, &c, e.nodeid, &rel), 0);
	pt.ops->forget(pt.fs, e.nodeid, 1);
	if (pt.ops->destroy)
		pt.ops->destroy(pt.fs);
	pt.free(pt.fs);
	after = fingerprint(h->dir);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* ---- a share the process may only read ---------------------------------- */

/* Records the flags of every open the wrapper passes to the passthrough. */
static const struct fs_ops *spy_inner;
static uint32_t spy_flags[64];
static int spy_n;

static int spy_open(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		    const struct fuse_open_in *in, struct fuse_open_out *out)
{
	if (spy_n < 64)
		spy_flags[spy_n++] = in->flags;
	return spy_inner->open(fs, c, nodeid, in, out);
}

static int spy_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		       const struct fuse_open_in *in, struct fuse_open_out *out)
{
	if (spy_n < 64)
		spy_flags[spy_n++] = in->flags;
	return spy_inner->opendir(fs, c, nodeid, in, out);
}

static int drop_write_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	static const int drop[] = { CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_CHOWN,
				    CAP_LINUX_IMMUTABLE };

	if (syscall(SYS_capget, &hdr, data) != 0)
		return -errno;
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
		data[drop[i] / 32].effective &= ~(1u << (drop[i] % 32));
		data[drop[i] / 32].permitted &= ~(1u << (drop[i] % 32));
		data[drop[i] / 32].inheritable &= ~(1u << (drop[i] % 32));
	}
	return syscall(SYS_capset, &hdr, data) == 0 ? 0 : -errno;
}

/* Runs in a child process started by the test below, with its own cmocka
 * group: its status tells the parent whether every check held. */
static const char *child_dir;

static void read_only_share_child(void **state)
{
	const char *dir = child_dir;
	struct fs_passthrough_opts o = { .root = dir, .xattr = true };
	struct fs_backend pt, ro;
	struct fuse_server_config cfg = { 0 };
	struct fuse_server *s;
	struct host h = { 0 };
	struct rq q;
	struct rp *p = malloc(sizeof(*p));
	static struct fs_ops spy_ops;
	(void)state;
	char path[PATH_MAX];
	uint64_t fh;

	assert_non_null(p);
	assert_int_equal(drop_write_caps(), 0);
	/* the premise: this process really cannot write these files */
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(open(path, O_RDWR), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(open(path, O_RDONLY | O_TRUNC), -1);
	assert_int_equal(errno, EACCES);

	assert_int_equal(fs_passthrough_new(&o, &pt), 0);
	spy_inner = pt.ops;
	spy_ops = *pt.ops;
	spy_ops.open = spy_open;
	spy_ops.opendir = spy_opendir;
	pt.ops = &spy_ops;
	assert_int_equal(fs_readonly_new(pt, &ro), 0);
	cfg.backend = ro;
	assert_int_equal(fuse_server_new(&cfg, &s), 0);
	h.s = s;
	rq_init(s, p, FUSE_DO_READDIRPLUS);
	assert_int_equal(p->error, 0);

	h.f = h_lookup(&h, FUSE_ROOT_ID, "f");
	h.d = h_lookup(&h, FUSE_ROOT_ID, "d");
	h.inner = h_lookup(&h, h.d, "inner");
	fh = h_open(&h, FUSE_OPEN, h.f, O_RDONLY);
	{
		struct fuse_read_in in = { .fh = fh, .offset = 0, .size = 3 };
		rq_begin(&q, FUSE_READ, h.f);
		rq_add(&q, &in, sizeof(in));
		rq_send(s, &q, p);
		assert_int_equal(p->error, 0);
		assert_int_equal(p->body_len, 3);
		assert_memory_equal(p->u.b + sizeof(p->u.h), "abc", 3);
	}
	(void)h_open(&h, FUSE_OPEN, h.inner, O_RDONLY | O_APPEND);
	(void)h_open(&h, FUSE_OPENDIR, h.d, O_RDONLY | O_DIRECTORY);
	{
		struct fuse_read_in in = { .fh = fh, .size = 4096 };
		uint64_t dfh = h_open(&h, FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY | O_DIRECTORY);
		in.fh = dfh;
		rq_begin(&q, FUSE_READDIRPLUS, FUSE_ROOT_ID);
		rq_add(&q, &in, sizeof(in));
		rq_send(s, &q, p);
		assert_int_equal(p->error, 0);
		assert_true(p->body_len > 0);
	}
	/* a write-mode open is refused by the wrapper, not by the host (EACCES) */
	{
		struct fuse_open_in in = { .flags = O_RDWR };
		rq_begin(&q, FUSE_OPEN, h.f);
		rq_add(&q, &in, sizeof(in));
		rq_send(s, &q, p);
		assert_int_equal(p->error, -EROFS);
	}
	assert_int_equal(spy_n, 4);
	for (int i = 0; i < spy_n; i++)
		assert_int_equal(spy_flags[i] & O_ACCMODE, O_RDONLY);
	fuse_server_free(s);
	free(p);
}

static void test_share_of_files_the_process_cannot_write(void **state)
{
	char dir[] = "/tmp/ckrun-ro-perm-XXXXXX";
	char cmd[PATH_MAX];
	char *before, *after;
	pid_t pid;
	int status;
	(void)state;

	if (geteuid() != 0)
		fail_msg("this test needs root (to give files to another uid); run the suite as root");
	assert_non_null(mkdtemp(dir));
	populate(dir);
	/* everything owned by another uid, nothing writable: files 0444, dirs 0555 */
	snprintf(cmd, sizeof(cmd),
		 "chown -hR %d:%d '%s' && find '%s' -type f -exec chmod 0444 {} + && "
		 "find '%s' -type d -exec chmod 0555 {} +",
		 OTHER_UID, OTHER_UID, dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	before = fingerprint(dir);

	/* Capabilities are per process: the read-only share is served from a
	 * fresh copy of this program, which runs the child test below as its
	 * own cmocka group. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/proc/self/exe", "test_readonly_host", "--unwritable-share", dir, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("read-only share of unwritable files failed in the child (status %#x)", status);
	after = fingerprint(dir);
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(rm_tree(dir), 0);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--unwritable-share") == 0) {
		const struct CMUnitTest child[] = { cmocka_unit_test(read_only_share_child) };

		child_dir = argv[2];
		return cmocka_run_group_tests_name("fs-readonly-host-child", child, NULL, NULL);
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_mutation_leaves_host_unchanged, host_setup,
						host_teardown),
		cmocka_unit_test(test_mutations_are_real_without_the_wrapper),
		cmocka_unit_test_setup_teardown(test_reads_work, host_setup, host_teardown),
		cmocka_unit_test_setup_teardown(test_append_open_allowed_but_no_write, host_setup,
						host_teardown),
		cmocka_unit_test_setup_teardown(test_inner_write_on_rdonly_fd_is_ebadf, host_setup,
						host_teardown),
		cmocka_unit_test(test_share_of_files_the_process_cannot_write),
	};

	return cmocka_run_group_tests_name("fs-readonly-host", tests, NULL, NULL);
}
