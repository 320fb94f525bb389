/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seed corpora for the fuzz targets, built from the real protocol structs of
 * <linux/fuse.h> and <linux/virtio_ring.h> (no hand-edited binaries):
 *
 *   gen-corpus SERVER_DIR VIRTQUEUE_DIR
 *
 * SERVER_DIR gets one input per FUSE opcode (1..FUSE_TMPFILE plus unknown
 * ones): a short prefix that looks up / opens the nodes the request needs,
 * then the request with valid arguments, against the scratch tree of
 * scratch.h. Node ids follow the passthrough's table ((gen << 32) | (slot +
 * 1), fresh table per input: root 1, then 2, 3, ... in lookup order), handles
 * likewise. VIRTQUEUE_DIR gets valid rings: direct chains, an indirect chain,
 * several heads, event-index rings.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fuse.h>
#include <linux/virtio_ring.h>

#include "fuzz_format.h"

/* ---- server inputs ---- */

struct buf {
	uint8_t b[1 << 16];
	size_t n;
};

struct req {
	uint8_t b[8192];
	size_t n;
};

static uint64_t uniq = 100;

static void add(struct buf *o, const void *p, size_t n)
{
	if (o->n + n > sizeof(o->b)) {
		fprintf(stderr, "gen-corpus: input too large\n");
		exit(1);
	}
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void rq_begin(struct req *q, uint32_t op, uint64_t node)
{
	struct fuse_in_header h = { .opcode = op, .nodeid = node, .unique = ++uniq, .pid = 1 };

	memset(q, 0, sizeof(*q));
	memcpy(q->b, &h, sizeof(h));
	q->n = sizeof(h);
}

static void rq_add(struct req *q, const void *p, size_t n)
{
	memcpy(q->b + q->n, p, n);
	q->n += n;
}

static void rq_str(struct req *q, const char *s)
{
	rq_add(q, s, strlen(s) + 1);
}

/* Append the request as one record (real length in the header too). */
static void rec(struct buf *o, struct req *q, uint16_t outsize, uint8_t in_split, uint8_t out_split)
{
	uint32_t len = (uint32_t)q->n;
	uint8_t hdr[FZ_REC_HDR] = { (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)outsize,
				    (uint8_t)(outsize >> 8), in_split, (uint8_t)(out_split | FZ_FIX_LEN) };

	memcpy(q->b, &len, sizeof(len));
	add(o, hdr, sizeof(hdr));
	add(o, q->b, q->n);
}

#define OUT_SMALL 512
#define OUT_BIG 8192

/* Node ids in a fresh table, by lookup order in the prefixes below. */
#define ROOT 1
#define N1 2
#define N2 3
#define FH1 1 /* first handle */

/* A request whose argument is one fixed struct (or none), answered into a
 * small reply buffer: most records below. SIMPLE builds the struct inline. */
static void simple(struct buf *o, uint32_t op, uint64_t node, const void *arg, size_t n)
{
	struct req q;

	rq_begin(&q, op, node);
	if (n)
		rq_add(&q, arg, n);
	rec(o, &q, OUT_SMALL, 0, 0);
}

#define SIMPLE(o, op, node, type, ...) simple(o, op, node, &(type){ __VA_ARGS__ }, sizeof(type))

static void lookup(struct buf *o, uint64_t parent, const char *name)
{
	struct req q;

	rq_begin(&q, FUSE_LOOKUP, parent);
	rq_str(&q, name);
	rec(o, &q, OUT_SMALL, 0, 0);
}

static void open_node(struct buf *o, uint32_t op, uint64_t node, uint32_t flags)
{
	SIMPLE(o, op, node, struct fuse_open_in, .flags = flags);
}

static const char *outdir;

static void emit(const char *name, const struct buf *o)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", outdir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, o->b, o->n) != (ssize_t)o->n || close(fd) < 0) {
		perror(p);
		exit(1);
	}
}

/* A seed: flags byte, prefix, then the request under test. */
static void start(struct buf *o, uint8_t flags)
{
	o->n = 0;
	add(o, &flags, 1);
}

static void server_seeds(void)
{
	static struct buf o;
	struct req q;

	/* LOOKUP, incl. through symlinks and a subdirectory */
	start(&o, 0);
	lookup(&o, ROOT, "file");
	lookup(&o, ROOT, "dir");
	lookup(&o, N2, "sub");
	lookup(&o, ROOT, "esc");
	lookup(&o, ROOT, "..");
	emit("lookup", &o);

	start(&o, 0);
	lookup(&o, ROOT, "file");
	SIMPLE(&o, FUSE_FORGET, N1, struct fuse_forget_in, .nlookup = 1);
	lookup(&o, ROOT, "file");
	emit("forget", &o);

	start(&o, 0);
	lookup(&o, ROOT, "file");
	{
		struct fuse_getattr_in g = { 0 };

		rq_begin(&q, FUSE_GETATTR, N1);
		rq_add(&q, &g, sizeof(g));
		rec(&o, &q, OUT_SMALL, 3, 2);
	}
	emit("getattr", &o);

	start(&o, 0);
	lookup(&o, ROOT, "file");
	SIMPLE(&o, FUSE_SETATTR, N1, struct fuse_setattr_in,
	       .valid = FATTR_MODE | FATTR_SIZE | FATTR_MTIME, .mode = S_IFREG | 0600, .size = 10,
	       .mtime = 1000);
	emit("setattr", &o);

	start(&o, 0);
	lookup(&o, ROOT, "esc");
	simple(&o, FUSE_READLINK, N1, NULL, 0);
	emit("readlink", &o);

	start(&o, 0);
	rq_begin(&q, FUSE_SYMLINK, ROOT);
	rq_str(&q, "newlink");
	rq_str(&q, "../secret");
	rec(&o, &q, OUT_SMALL, 0, 0);
	lookup(&o, ROOT, "newlink");
	emit("symlink", &o);

	start(&o, 0);
	{
		struct fuse_mknod_in m = { .mode = S_IFREG | 0644, .umask = 022 };

		rq_begin(&q, FUSE_MKNOD, ROOT);
		rq_add(&q, &m, sizeof(m));
		rq_str(&q, "node");
		rec(&o, &q, OUT_SMALL, 0, 0);
		m.mode = S_IFIFO | 0644;
		rq_begin(&q, FUSE_MKNOD, ROOT);
		rq_add(&q, &m, sizeof(m));
		rq_str(&q, "fifo2");
		rec(&o, &q, OUT_SMALL, 0, 0);
	}
	emit("mknod", &o);

	start(&o, 0);
	{
		struct fuse_mkdir_in m = { .mode = 0755, .umask = 022 };

		rq_begin(&q, FUSE_MKDIR, ROOT);
		rq_add(&q, &m, sizeof(m));
		rq_str(&q, "newdir");
		rec(&o, &q, OUT_SMALL, 0, 0);
	}
	emit("mkdir", &o);

	start(&o, 0);
	rq_begin(&q, FUSE_UNLINK, ROOT);
	rq_str(&q, "empty");
	rec(&o, &q, OUT_SMALL, 0, 0);
	emit("unlink", &o);

	start(&o, 0);
	lookup(&o, ROOT, "dir");
	rq_begin(&q, FUSE_RMDIR, N1);
	rq_str(&q, "deeper");
	rec(&o, &q, OUT_SMALL, 0, 0);
	emit("rmdir", &o);

	start(&o, 0);
	lookup(&o, ROOT, "dir");
	{
		struct fuse_rename_in r = { .newdir = N1 };

		rq_begin(&q, FUSE_RENAME, ROOT);
		rq_add(&q, &r, sizeof(r));
		rq_str(&q, "file");
		rq_str(&q, "moved");
		rec(&o, &q, OUT_SMALL, 0, 0);
	}
	emit("rename", &o);

	start(&o, 0);
	lookup(&o, ROOT, "dir");
	{
		struct fuse_rename2_in r = { .newdir = N1, .flags = 1 /* RENAME_NOREPLACE */ };

		rq_begin(&q, FUSE_RENAME2, ROOT);
		rq_add(&q, &r, sizeof(r));
		rq_str(&q, "empty");
		rq_str(&q, "moved");
		rec(&o, &q, OUT_SMALL, 0, 0);
	}
	emit("rename2", &o);

	start(&o, 0);
	lookup(&o, ROOT, "file");
	lookup(&o, ROOT, "dir");
	{
		struct fuse_link_in l = { .oldnodeid = N1 };

		rq_begin(&q, FUSE_LINK, N2);
		rq_add(&q, &l, sizeof(l));
		rq_str(&q, "hardlink");
		rec(&o, &q, OUT_SMALL, 0, 0);
	}
	emit("link", &o);

	/* OPEN, READ, WRITE, FLUSH, FSYNC, LSEEK, FALLOCATE, COPY_FILE_RANGE, RELEASE */
	start(&o, 0);
	lookup(&o, ROOT, "file");
	open_node(&o, FUSE_OPEN, N1, O_RDWR);
	{
		struct fuse_read_in r = { .fh = FH1, .offset = 0, .size = 4096 };

		rq_begin(&q, FUSE_READ, N1);
		rq_add(&q, &r, sizeof(r));
		rec(&o, &q, OUT_BIG, 0, 5);
	}
	emit("open-read", &o);

	start(&o, 0);
	lookup(&o, ROOT, "file");
	open_node(&o, FUSE_OPEN, N1, O_RDWR);
	{
		struct fuse_write_in w = { .fh = FH1, .offset = 3, .size = 6 };

		rq_begin(&q, FUSE_WRITE, N1);
		rq_add(&q, &w, sizeof(w));
		rq_add(&q, "hello!", 6);
		rec(&o, &q, OUT_SMALL, 7, 0);
	}
	SIMPLE(&o, FUSE_FLUSH, N1, struct fuse_flush_in, .fh = FH1);
	SIMPLE(&o, FUSE_FSYNC, N1, struct fuse_fsync_in, .fh = FH1, .fsync_flags = 1);
	SIMPLE(&o, FUSE_RELEASE, N1, struct fuse_release_in, .fh = FH1);
	emit("write-flush-fsync-release", &o);

	start(&o, 0);
	lookup(&o, ROOT, "file");
	open_node(&o, FUSE_OPEN, N1, O_RDWR);
	SIMPLE(&o, FUSE_LSEEK, N1, struct fuse_lseek_in, .fh = FH1, .offset = 10, .whence = SEEK_DATA);
	SIMPLE(&o, FUSE_FALLOCATE, N1, struct fuse_fallocate_in, .fh = FH1, .offset = 0, .length = 8192);
	SIMPLE(&o, FUSE_COPY_FILE_RANGE, N1, struct fuse_copy_file_range_in, .fh_in = FH1,
	       .off_in = 0, .nodeid_out = N1, .fh_out = FH1, .off_out = 6000, .len = 100);
	emit("lseek-fallocate-copy", &o);

	start(&o, 0);
	simple(&o, FUSE_STATFS, ROOT, NULL, 0);
	emit("statfs", &o);

	/* xattrs */
	start(&o, 0);
	lookup(&o, ROOT, "file");
	{
		struct fuse_setxattr_in s = { .size = 3, .flags = 0 };

		rq_begin(&q, FUSE_SETXATTR, N1);
		rq_add(&q, &s, FUSE_COMPAT_SETXATTR_IN_SIZE);
		rq_str(&q, "user.new");
		rq_add(&q, "abc", 3);
		rec(&o, &q, OUT_SMALL, 0, 0);
	}
	{
		struct fuse_getxattr_in g = { .size = 0 };

		rq_begin(&q, FUSE_GETXATTR, N1);
		rq_add(&q, &g, sizeof(g));
		rq_str(&q, "user.fuzz");
		rec(&o, &q, OUT_SMALL, 0, 0);
		g.size = 64;
		rq_begin(&q, FUSE_GETXATTR, N1);
		rq_add(&q, &g, sizeof(g));
		rq_str(&q, "user.fuzz");
		rec(&o, &q, OUT_SMALL, 0, 0);
		g.size = 0;
		simple(&o, FUSE_LISTXATTR, N1, &g, sizeof(g));
		g.size = 256;
		simple(&o, FUSE_LISTXATTR, N1, &g, sizeof(g));
	}
	rq_begin(&q, FUSE_REMOVEXATTR, N1);
	rq_str(&q, "user.fuzz");
	rec(&o, &q, OUT_SMALL, 0, 0);
	emit("xattr", &o);

	/* INIT itself (the harness does not send it here), then a second one. */
	start(&o, FZ_NO_INIT);
	{
		struct fuse_init_in i = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
					  .max_readahead = 4096,
					  .flags = FUSE_INIT_EXT | FUSE_DO_READDIRPLUS | FUSE_MAX_PAGES,
					  .flags2 = 0 };

		simple(&o, FUSE_INIT, 0, &i, sizeof(i));
		simple(&o, FUSE_INIT, 0, &i, sizeof(i));
	}
	lookup(&o, ROOT, "file");
	emit("init", &o);

	/* directories */
	start(&o, 0);
	open_node(&o, FUSE_OPENDIR, ROOT, O_RDONLY);
	{
		struct fuse_read_in r = { .fh = FH1, .offset = 0, .size = 4096 };

		rq_begin(&q, FUSE_READDIR, ROOT);
		rq_add(&q, &r, sizeof(r));
		rec(&o, &q, OUT_BIG, 0, 3);
		rq_begin(&q, FUSE_READDIRPLUS, ROOT);
		rq_add(&q, &r, sizeof(r));
		rec(&o, &q, OUT_BIG, 0, 0);
	}
	SIMPLE(&o, FUSE_FSYNCDIR, ROOT, struct fuse_fsync_in, .fh = FH1);
	SIMPLE(&o, FUSE_RELEASEDIR, ROOT, struct fuse_release_in, .fh = FH1);
	emit("readdir", &o);

	/* locks (not served by the passthrough: ENOSYS) */
	start(&o, 0);
	lookup(&o, ROOT, "file");
	open_node(&o, FUSE_OPEN, N1, O_RDWR);
	{
		struct fuse_lk_in l = { .fh = FH1, .owner = 7, .lk = { .start = 0, .end = 10, .type = F_WRLCK } };

		simple(&o, FUSE_GETLK, N1, &l, sizeof(l));
		simple(&o, FUSE_SETLK, N1, &l, sizeof(l));
		simple(&o, FUSE_SETLKW, N1, &l, sizeof(l));
	}
	emit("locks", &o);

	start(&o, 0);
	SIMPLE(&o, FUSE_ACCESS, ROOT, struct fuse_access_in, .mask = 4);
	emit("access", &o);

	start(&o, 0);
	{
		struct fuse_create_in c = { .flags = O_RDWR | O_CREAT, .mode = S_IFREG | 0644, .umask = 022 };

		rq_begin(&q, FUSE_CREATE, ROOT);
		rq_add(&q, &c, sizeof(c));
		rq_str(&q, "created");
		rec(&o, &q, OUT_SMALL, 0, 0);
		rq_begin(&q, FUSE_TMPFILE, ROOT);
		rq_add(&q, &c, sizeof(c));
		rq_str(&q, "/");
		rec(&o, &q, OUT_SMALL, 0, 0);
	}
	emit("create-tmpfile", &o);

	start(&o, 0);
	SIMPLE(&o, FUSE_INTERRUPT, 0, struct fuse_interrupt_in, .unique = 5);
	simple(&o, FUSE_NOTIFY_REPLY, 0, NULL, 0);
	emit("interrupt-notify-reply", &o);

	start(&o, 0);
	simple(&o, FUSE_DESTROY, 0, NULL, 0);
	lookup(&o, ROOT, "file");
	emit("destroy", &o);

	start(&o, 0);
	{
		struct fuse_ioctl_in i = { .cmd = 0x7602, .arg = 3 };

		simple(&o, FUSE_IOCTL, ROOT, &i, sizeof(i));
		i.cmd = 0x80086601; /* FS_IOC_GETFLAGS */
		i.out_size = 8;
		simple(&o, FUSE_IOCTL, ROOT, &i, sizeof(i));
	}
	emit("ioctl", &o);

	start(&o, 0);
	lookup(&o, ROOT, "file");
	lookup(&o, ROOT, "dir");
	{
		struct fuse_batch_forget_in b = { .count = 2 };
		struct fuse_forget_one f[2] = { { .nodeid = N1, .nlookup = 1 }, { .nodeid = N2, .nlookup = 1 } };

		rq_begin(&q, FUSE_BATCH_FORGET, 0);
		rq_add(&q, &b, sizeof(b));
		rq_add(&q, f, sizeof(f));
		rec(&o, &q, OUT_SMALL, 0, 0);
	}
	emit("batch-forget", &o);

	start(&o, 0);
	{
		struct fuse_setupmapping_in s = { .fh = FH1, .len = 4096 };
		struct fuse_removemapping_in r = { .count = 1 };
		struct fuse_removemapping_one one = { .moffset = 0, .len = 4096 };

		simple(&o, FUSE_SETUPMAPPING, ROOT, &s, sizeof(s));
		rq_begin(&q, FUSE_REMOVEMAPPING, ROOT);
		rq_add(&q, &r, sizeof(r));
		rq_add(&q, &one, sizeof(one));
		rec(&o, &q, OUT_SMALL, 0, 0);
	}
	emit("dax", &o);

	start(&o, 0);
	SIMPLE(&o, FUSE_SYNCFS, ROOT, struct fuse_syncfs_in, 0);
	emit("syncfs", &o);

	/* DAX: map the file read-only and read-write into the window, remove. */
	start(&o, FZ_DAX);
	lookup(&o, ROOT, "file");
	{
		struct fuse_setupmapping_in s = { .fh = 0, .foffset = 0, .len = 4096, .moffset = 8192,
						  .flags = FUSE_SETUPMAPPING_FLAG_READ };
		struct fuse_removemapping_in r = { .count = 1 };
		struct fuse_removemapping_one one = { .moffset = 8192, .len = 4096 };

		simple(&o, FUSE_SETUPMAPPING, N1, &s, sizeof(s));
		s.flags |= FUSE_SETUPMAPPING_FLAG_WRITE;
		s.moffset = 0;
		simple(&o, FUSE_SETUPMAPPING, N1, &s, sizeof(s));
		rq_begin(&q, FUSE_REMOVEMAPPING, ROOT);
		rq_add(&q, &r, sizeof(r));
		rq_add(&q, &one, sizeof(one));
		rec(&o, &q, OUT_SMALL, 0, 0);
	}
	emit("dax-window", &o);

	/* More inodes than fds (FZ_FEW_FDS): early nodes are evicted to file
	 * handles, then used again (re-opened), one of them after a rename and
	 * one after an unlink (ESTALE). */
	start(&o, FZ_FEW_FDS);
	{
		const char *names[] = { "file", "dir", "link", "esc", "abs", "fifo", "hard", "empty" };
		struct fuse_getattr_in g = { 0 };
		struct fuse_rename_in r = { .newdir = ROOT };

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			lookup(&o, ROOT, names[i]);
		lookup(&o, N2, "sub");
		rq_begin(&q, FUSE_RENAME, ROOT);
		rq_add(&q, &r, sizeof(r));
		rq_str(&q, "dir");
		rq_str(&q, "dir2");
		rec(&o, &q, OUT_SMALL, 0, 0);
		rq_begin(&q, FUSE_UNLINK, ROOT);
		rq_str(&q, "empty");
		rec(&o, &q, OUT_SMALL, 0, 0);
		for (uint64_t n = N1; n < N1 + 9; n++) {
			simple(&o, FUSE_GETATTR, n, &g, sizeof(g));
		}
		lookup(&o, N2, "sub");
		open_node(&o, FUSE_OPEN, N1, O_RDONLY);
		{
			struct fuse_read_in rd = { .fh = FH1, .size = 4096 };

			rq_begin(&q, FUSE_READ, N1);
			rq_add(&q, &rd, sizeof(rd));
			rec(&o, &q, OUT_BIG, 0, 0);
		}
	}
	emit("evict", &o);

	/* Opcodes the server does not serve (BMAP, POLL, CUSE_INIT, future). */
	start(&o, 0);
	{
		const uint32_t ops[] = { FUSE_BMAP, FUSE_POLL, 52, 53, CUSE_INIT, 0 };

		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			uint8_t zero[64] = { 0 };

			rq_begin(&q, ops[i], ROOT);
			rq_add(&q, zero, sizeof(zero));
			rec(&o, &q, OUT_SMALL, 0, 0);
		}
	}
	emit("unknown-opcodes", &o);
}

/* ---- virtqueue inputs ---- */

struct image {
	uint8_t hdr[FZ_VQ_HDR];
	uint8_t mem[FZ_VQ_SIZE0 + FZ_VQ_SIZE1];
	size_t used; /* image bytes worth writing */
};

#define DESC_OFF  0x0000u
#define AVAIL_OFF 0x1000u
#define USED_OFF  0x2000u
#define DATA_OFF  0x3000u

static void img_start(struct image *im, unsigned size_log2, unsigned features)
{
	memset(im, 0, sizeof(*im));
	im->hdr[0] = (uint8_t)size_log2;
	im->hdr[1] = (uint8_t)features;
	im->hdr[2] = DESC_OFF & 0xff, im->hdr[3] = DESC_OFF >> 8;
	im->hdr[4] = AVAIL_OFF & 0xff, im->hdr[5] = AVAIL_OFF >> 8;
	im->hdr[6] = USED_OFF & 0xff, im->hdr[7] = USED_OFF >> 8;
	im->used = USED_OFF + 0x100;
}

static void img_desc(struct image *im, uint32_t table_off, unsigned i, uint64_t gpa, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	struct vring_desc d = { .addr = gpa, .len = len, .flags = flags, .next = next };

	memcpy(im->mem + table_off + i * sizeof(d), &d, sizeof(d));
	if (table_off + (i + 1) * sizeof(d) > im->used)
		im->used = table_off + (i + 1) * sizeof(d);
}

/* Publish heads in the avail ring (little-endian host assumed: x86_64). */
static void img_post(struct image *im, const uint16_t *heads, unsigned n)
{
	struct vring_avail a;
	uint16_t idx = (uint16_t)n;

	for (unsigned i = 0; i < n; i++)
		memcpy(im->mem + AVAIL_OFF + offsetof(struct vring_avail, ring) + 2 * i, &heads[i], 2);
	memcpy(im->mem + AVAIL_OFF + offsetof(struct vring_avail, idx), &idx, sizeof(idx));
	(void)a;
}

static void img_emit(const char *name, const struct image *im)
{
	static struct buf o;

	o.n = 0;
	add(&o, im->hdr, sizeof(im->hdr));
	add(&o, im->mem, im->used);
	emit(name, &o);
}

#define G(off) (FZ_VQ_GPA0 + (off))

static void vq_seeds(void)
{
	static struct image im;

	/* One request: a readable header + body, a writable reply buffer. */
	img_start(&im, 3, 0);
	img_desc(&im, DESC_OFF, 0, G(DATA_OFF), 40, VRING_DESC_F_NEXT, 1);
	img_desc(&im, DESC_OFF, 1, G(DATA_OFF + 64), 100, VRING_DESC_F_NEXT, 2);
	img_desc(&im, DESC_OFF, 2, G(DATA_OFF + 256), 512, VRING_DESC_F_WRITE, 0);
	img_post(&im, (uint16_t[]){ 0 }, 1);
	img_emit("direct", &im);

	/* Several chains, one of them in the second region. */
	img_start(&im, 4, 4);
	img_desc(&im, DESC_OFF, 0, G(DATA_OFF), 16, VRING_DESC_F_NEXT, 1);
	img_desc(&im, DESC_OFF, 1, G(DATA_OFF + 16), 16, VRING_DESC_F_WRITE, 0);
	img_desc(&im, DESC_OFF, 5, FZ_VQ_GPA1 + 64, 128, 0, 0);
	img_desc(&im, DESC_OFF, 7, G(DATA_OFF + 512), 0, VRING_DESC_F_WRITE, 0);
	img_post(&im, (uint16_t[]){ 0, 5, 7 }, 3);
	img_emit("several", &im);

	/* An indirect table. */
	img_start(&im, 2, 1);
	img_desc(&im, DESC_OFF, 0, G(DATA_OFF + 0x800), 3 * sizeof(struct vring_desc),
		 VRING_DESC_F_INDIRECT, 0);
	img_desc(&im, DATA_OFF + 0x800, 0, G(DATA_OFF), 48, VRING_DESC_F_NEXT, 1);
	img_desc(&im, DATA_OFF + 0x800, 1, G(DATA_OFF + 48), 8, VRING_DESC_F_NEXT, 2);
	img_desc(&im, DATA_OFF + 0x800, 2, G(DATA_OFF + 128), 256, VRING_DESC_F_WRITE, 0);
	img_post(&im, (uint16_t[]){ 0 }, 1);
	img_emit("indirect", &im);

	/* Event index on, a full ring of one-descriptor chains. */
	img_start(&im, 3, 2);
	for (unsigned i = 0; i < 8; i++)
		img_desc(&im, DESC_OFF, i, G(DATA_OFF + 64 * i), 64, (i & 1) ? VRING_DESC_F_WRITE : 0, 0);
	img_post(&im, (uint16_t[]){ 7, 6, 5, 4, 3, 2, 1, 0 }, 8);
	img_emit("event-idx-full", &im);

	/* The largest queue this target builds (256) with a long chain. */
	img_start(&im, 8, 0);
	for (unsigned i = 0; i < 32; i++)
		img_desc(&im, DESC_OFF, i, G(DATA_OFF + 32 * i), 32,
			 (uint16_t)((i < 31 ? VRING_DESC_F_NEXT : 0) | (i >= 16 ? VRING_DESC_F_WRITE : 0)),
			 (uint16_t)(i + 1));
	img_post(&im, (uint16_t[]){ 0 }, 1);
	img_emit("long-chain", &im);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s SERVER_DIR VIRTQUEUE_DIR\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < 3; i++)
		if (mkdir(argv[i], 0755) < 0 && errno != EEXIST) {
			perror(argv[i]);
			return 1;
		}
	outdir = argv[1];
	server_seeds();
	outdir = argv[2];
	vq_seeds();
	return 0;
}
