/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hostile: play a guest kernel that ignores the virtio-fs driver's rules
 * (issue 11, item 4). Run as root inside a ckrun guest by
 * tests/vm/cases/hostile-guest.sh:
 *
 *   hostile TAG ro|rw SECRET HELLO
 *
 * It finds the virtio-fs device whose config tag is TAG, unbinds the kernel's
 * virtiofs driver from it, and drives the virtio-mmio registers itself
 * through /dev/mem. Its rings and buffers live in mlock()ed pages of its own
 * whose guest-physical addresses come from /proc/self/pagemap (every buffer
 * stays inside one page, so the pages need not be contiguous; compaction of
 * locked pages is switched off first). Through that queue it sends crafted
 * FUSE requests and descriptor chains, in groups:
 *
 *   init     reset, feature negotiation, FUSE_INIT, LOOKUP/OPEN/READ of
 *            "hello" (its content must be HELLO)
 *   ro       (ro only) every mutation must fail with EROFS
 *   escape   names with '/' and '..', symlinks out of the share, renames
 *            out of it and a rename race: nothing outside the share is
 *            reached or created
 *   chains   malformed chains: lying lengths, descriptor loops, addresses
 *            outside RAM, readable-after-writable, bad indices, a runaway
 *            avail index, rings outside RAM. Each ends in a reply, or in
 *            DEVICE_NEEDS_RESET; either way the device is reset and must
 *            answer a valid LOOKUP again.
 *
 * Every writable buffer is searched for SECRET (the content of a file the
 * host planted next to the share) after every request. Output: one line
 * "HOSTILE-OK: ..." or "HOSTILE-BAD: ..." per check, then "HOSTILE-END
 * fails=N". Exit status: 0 all passed; otherwise the first failed group:
 * 10 setup, 20 init, 30 ro, 40 escape, 50 chains, 60 secret seen.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/fuse.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#define PAGE 4096u
#define NR_PAGES 32
#define QSZ 16
#define REQ_Q 1 /* queue 0 is hiprio, 1 the request queue */

/* Arena pages. */
enum { P_DESC, P_AVAIL, P_USED, P_INDIRECT, P_REQ, P_REQ2, P_REP, P_REP2, P_SPARE };

static uint8_t *arena;
static uint64_t pa[NR_PAGES];
static volatile uint8_t *regs;
static uint16_t avail_idx, used_seen;
static uint64_t features;
static const char *secret;
static int fails, first_fail;
static int group = 10;

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...)
{
	va_list ap;
	printf("HOSTILE-BAD: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	fails++;
	if (!first_fail)
		first_fail = group;
}

static void ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ok(const char *fmt, ...)
{
	va_list ap;
	printf("HOSTILE-OK: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void die(const char *what)
{
	printf("HOSTILE-BAD: setup: %s: %s\n", what, strerror(errno));
	printf("HOSTILE-END fails=%d\n", fails + 1);
	fflush(stdout);
	exit(10);
}

static void *pg(int i) { return arena + (size_t)i * PAGE; }
static uint64_t gpa(int i) { return pa[i]; }

/* --- registers (32-bit accesses only, as the spec requires) --- */

static uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(regs + off); }
static void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(regs + off) = v; }

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* --- memory with known guest-physical addresses --- */

static void setup_arena(void)
{
	int fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY);
	if (fd >= 0) { /* locked pages must stay where the device was told they are */
		if (write(fd, "0", 1) != 1)
			die("compact_unevictable_allowed");
		close(fd);
	}
	arena = mmap(NULL, NR_PAGES * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_LOCKED, -1, 0);
	if (arena == MAP_FAILED)
		die("mmap arena");
	madvise(arena, NR_PAGES * PAGE, MADV_NOHUGEPAGE);
	if (mlock(arena, NR_PAGES * PAGE) < 0)
		die("mlock");
	memset(arena, 0, NR_PAGES * PAGE);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		die("/proc/self/pagemap");
	for (int i = 0; i < NR_PAGES; i++) {
		uint64_t e;
		off_t off = (off_t)(((uintptr_t)pg(i) / PAGE) * 8);
		if (pread(fd, &e, 8, off) != 8)
			die("pagemap read");
		if (!(e & (1ULL << 63)) || !(e & ((1ULL << 55) - 1))) {
			errno = EFAULT;
			die("pagemap: page not present or PFN hidden");
		}
		pa[i] = (e & ((1ULL << 55) - 1)) * PAGE;
	}
	close(fd);
}

/* --- finding the device --- */

static int read_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = 0;
	return 0;
}

/* The Kth virtio_mmio.device=SIZE@ADDR:IRQ on the kernel command line. */
static int cmdline_dev(int k, uint64_t *addr)
{
	static char cl[8192];
	if (read_file("/proc/cmdline", cl, sizeof(cl)) < 0)
		return -1;
	const char *p = cl;
	for (int i = 0; (p = strstr(p, "virtio_mmio.device=")); i++) {
		p += strlen("virtio_mmio.device=");
		const char *at = strchr(p, '@');
		if (!at)
			return -1;
		if (i == k) {
			*addr = strtoull(at + 1, NULL, 0);
			return 0;
		}
	}
	return -1;
}

/* The register window need not be page aligned (QEMU's are 512 bytes). */
static volatile uint8_t *map_regs(int memfd, uint64_t addr)
{
	uint64_t base = addr & ~(uint64_t)(PAGE - 1);
	uint8_t *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, (off_t)base);
	return m == MAP_FAILED ? NULL : m + (addr - base);
}

static void find_device(const char *tag)
{
	int memfd = open("/dev/mem", O_RDWR | O_SYNC);
	if (memfd < 0)
		die("/dev/mem");
	DIR *d = opendir("/sys/bus/virtio/devices");
	if (!d)
		die("/sys/bus/virtio/devices");
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[512], buf[512];
		if (strncmp(e->d_name, "virtio", 6))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/device", e->d_name);
		if (read_file(path, buf, sizeof(buf)) < 0 || strtoul(buf, NULL, 0) != 26)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s", e->d_name);
		ssize_t n = readlink(path, buf, sizeof(buf) - 1);
		if (n < 0)
			continue;
		buf[n] = 0;
		const char *m = strstr(buf, "virtio-mmio.");
		uint64_t addr;
		if (!m || cmdline_dev(atoi(m + strlen("virtio-mmio.")), &addr) < 0)
			continue;
		volatile uint8_t *r = map_regs(memfd, addr);
		if (!r)
			die("mmap /dev/mem (device registers)");
		char t[37] = { 0 };
		for (int i = 0; i < 36; i++)
			t[i] = (char)r[VIRTIO_MMIO_CONFIG + i]; /* struct virtio_fs_config.tag */
		if (strcmp(t, tag)) {
			continue;
		}
		printf("HOSTILE: tag %s is %s at 0x%" PRIx64 "\n", tag, e->d_name, addr);
		snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/driver", e->d_name);
		if (access(path, F_OK) == 0) {
			int fd = open("/sys/bus/virtio/drivers/virtiofs/unbind", O_WRONLY);
			if (fd < 0 || write(fd, e->d_name, strlen(e->d_name)) < 0)
				die("unbind virtiofs");
			close(fd);
		}
		if (access(path, F_OK) == 0) {
			errno = EBUSY;
			die("the driver is still bound");
		}
		ok("setup: %s unbound from virtiofs", e->d_name);
		regs = r;
		closedir(d);
		return;
	}
	errno = ENODEV;
	die("no virtio-fs device with that tag");
}

/* --- the device and its queue --- */

static bool needs_reset(void) { return rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET; }

static int dev_reset(void)
{
	wr(VIRTIO_MMIO_STATUS, 0);
	for (int i = 0; i < 1000 && rd(VIRTIO_MMIO_STATUS) != 0; i++)
		sleep_ms(1);
	return rd(VIRTIO_MMIO_STATUS) == 0 ? 0 : -1;
}

/* Reset, negotiate want & offered, set up the request queue at the given
 * ring addresses. 0, or -1 when the device refused (status says why). */
static int dev_setup_at(uint64_t want, uint64_t desc, uint64_t avail, uint64_t used)
{
	if (dev_reset() < 0)
		return -1;
	memset(pg(P_DESC), 0, PAGE);
	memset(pg(P_AVAIL), 0, PAGE);
	memset(pg(P_USED), 0, PAGE);
	avail_idx = used_seen = 0;
	/* No interrupts: nobody handles this IRQ line any more; we poll. */
	((struct vring_avail *)pg(P_AVAIL))->flags = VRING_AVAIL_F_NO_INTERRUPT;

	if (rd(VIRTIO_MMIO_MAGIC_VALUE) != 0x74726976 || rd(VIRTIO_MMIO_VERSION) != 2 ||
	    rd(VIRTIO_MMIO_DEVICE_ID) != 26)
		return -1;
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	uint64_t offered = 0;
	for (uint32_t s = 0; s < 2; s++) {
		wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, s);
		offered |= (uint64_t)rd(VIRTIO_MMIO_DEVICE_FEATURES) << (32 * s);
	}
	features = want & offered;
	for (uint32_t s = 0; s < 2; s++) {
		wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, s);
		wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> (32 * s)));
	}
	uint32_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
	wr(VIRTIO_MMIO_STATUS, st);
	if (!(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK))
		return -1;
	wr(VIRTIO_MMIO_QUEUE_SEL, REQ_Q);
	if (rd(VIRTIO_MMIO_QUEUE_NUM_MAX) < QSZ)
		return -1;
	wr(VIRTIO_MMIO_QUEUE_NUM, QSZ);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	if (!rd(VIRTIO_MMIO_QUEUE_READY) || needs_reset())
		return -1;
	wr(VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
	return needs_reset() || !(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK) ? -1 : 0;
}

static const uint64_t WANT = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_INDIRECT_DESC);

static int dev_setup(void) { return dev_setup_at(WANT, gpa(P_DESC), gpa(P_AVAIL), gpa(P_USED)); }

static struct vring_desc *desc(int i) { return (struct vring_desc *)pg(P_DESC) + i; }

static void set_desc(int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc *d = desc(i);
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

enum { X_USED = 1, X_TIMEOUT = 0, X_BROKEN = -1 };

/* Publish head (or a raw avail index bump), kick, and poll the used ring. */
static int kick_wait(int head, uint16_t idx_bump, uint32_t *used_len, long timeout_ms)
{
	struct vring_avail *av = pg(P_AVAIL);
	volatile struct vring_used *u = pg(P_USED);
	if (head >= 0)
		av->ring[avail_idx % QSZ] = htole16((uint16_t)head);
	avail_idx = (uint16_t)(avail_idx + idx_bump);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	av->idx = htole16(avail_idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, REQ_Q);
	for (long t = 0; t < timeout_ms; t++) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (le16toh(u->idx) != used_seen) {
			uint32_t len = le32toh(u->ring[used_seen % QSZ].len);
			used_seen++;
			if (used_len)
				*used_len = len;
			return X_USED;
		}
		if (needs_reset())
			return X_BROKEN;
		sleep_ms(1);
	}
	return needs_reset() ? X_BROKEN : X_TIMEOUT;
}

/* No reply may carry the secret, whatever length the device claims. */
static void scan_secret(const char *what)
{
	size_t sl = strlen(secret);
	for (int i = 0; i < NR_PAGES; i++) {
		if (i == P_REQ || i == P_REQ2)
			continue; /* our own requests may name the secret's path, never its bytes */
		if (memmem(pg(i), PAGE, secret, sl)) {
			int g = group;
			group = 60;
			bad("secret bytes seen in guest memory (page %d) after %s", i, what);
			group = g;
		}
	}
}

/* --- FUSE requests --- */

struct rq {
	uint8_t *b;
	size_t len;
};
static uint64_t unique;

static struct rq rq_begin(uint32_t opcode, uint64_t nodeid)
{
	struct rq q = { pg(P_REQ), sizeof(struct fuse_in_header) };
	memset(q.b, 0, PAGE);
	struct fuse_in_header *h = (void *)q.b;
	h->opcode = opcode;
	h->nodeid = nodeid;
	h->unique = ++unique;
	h->pid = 1;
	return q;
}

static void rq_add(struct rq *q, const void *p, size_t n)
{
	if (q->len + n > PAGE) {
		fprintf(stderr, "hostile: request too big\n");
		exit(10);
	}
	memcpy(q->b + q->len, p, n);
	q->len += n;
}

static void rq_str(struct rq *q, const char *s) { rq_add(q, s, strlen(s) + 1); }

struct rp {
	int x;           /* X_USED / X_TIMEOUT / X_BROKEN */
	uint32_t len;    /* used length */
	int32_t error;   /* fuse_out_header.error, or 1 when there was no reply header */
	uint8_t *body;
};

/* Send q as one readable and one writable descriptor (a normal request). */
static struct rp call_raw(struct rq *q, uint32_t hdr_len)
{
	struct rp p = { 0 };
	((struct fuse_in_header *)q->b)->len = hdr_len;
	memset(pg(P_REP), 0, PAGE);
	set_desc(0, gpa(P_REQ), (uint32_t)q->len, VRING_DESC_F_NEXT, 1);
	set_desc(1, gpa(P_REP), PAGE, VRING_DESC_F_WRITE, 0);
	p.x = kick_wait(0, 1, &p.len, 5000);
	struct fuse_out_header *o = pg(P_REP);
	p.error = 1;
	if (p.x == X_USED && p.len >= sizeof(*o) && o->len == p.len) {
		p.error = o->error;
		p.body = (uint8_t *)(o + 1);
	}
	scan_secret("a reply");
	return p;
}

static struct rp call(struct rq *q) { return call_raw(q, (uint32_t)q->len); }

static int fuse_init(void)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct rq q = rq_begin(FUSE_INIT, 0);
		struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION,
					   .minor = FUSE_KERNEL_MINOR_VERSION,
					   .max_readahead = 65536 };
		rq_add(&q, &in, sizeof(in));
		struct rp p = call(&q);
		if (p.x == X_USED && p.error == 0)
			return 0;
		if (p.x != X_USED)
			return -1;
		/* If the session outlived a device reset: end it, then start again. */
		q = rq_begin(FUSE_DESTROY, 0);
		call(&q);
	}
	return -1;
}

static int32_t lookup(uint64_t parent, const char *name, struct fuse_entry_out *out)
{
	struct rq q = rq_begin(FUSE_LOOKUP, parent);
	rq_str(&q, name);
	struct rp p = call(&q);
	if (p.error == 0 && out)
		memcpy(out, p.body, sizeof(*out));
	return p.error;
}

static int32_t do_open(uint64_t node, uint32_t flags, uint64_t *fh)
{
	struct rq q = rq_begin(FUSE_OPEN, node);
	struct fuse_open_in in = { .flags = flags };
	rq_add(&q, &in, sizeof(in));
	struct rp p = call(&q);
	if (p.error == 0 && fh)
		*fh = ((struct fuse_open_out *)p.body)->fh;
	return p.error;
}

/* READ into the reply page; returns the error, *n the data length. */
static int32_t do_read(uint64_t node, uint64_t fh, uint32_t size, size_t *n, uint8_t **data)
{
	struct rq q = rq_begin(FUSE_READ, node);
	struct fuse_read_in in = { .fh = fh, .size = size };
	rq_add(&q, &in, sizeof(in));
	struct rp p = call(&q);
	*n = p.error == 0 ? p.len - sizeof(struct fuse_out_header) : 0;
	*data = p.body;
	return p.error;
}

static const char *hello;

/* Reset + setup + INIT + LOOKUP/OPEN/READ hello: the device is fully usable. */
static bool roundtrip(const char *why)
{
	struct fuse_entry_out e;
	uint64_t fh;
	size_t n;
	uint8_t *data;
	if (dev_setup() < 0) {
		bad("%s: device setup refused (status 0x%x)", why, rd(VIRTIO_MMIO_STATUS));
		return false;
	}
	if (fuse_init() < 0) {
		bad("%s: FUSE_INIT failed", why);
		return false;
	}
	int32_t err = lookup(FUSE_ROOT_ID, "hello", &e);
	if (err) {
		bad("%s: LOOKUP hello: %d", why, err);
		return false;
	}
	if ((err = do_open(e.nodeid, O_RDONLY, &fh))) {
		bad("%s: OPEN hello: %d", why, err);
		return false;
	}
	if ((err = do_read(e.nodeid, fh, 256, &n, &data)) || n < strlen(hello) ||
	    memcmp(data, hello, strlen(hello))) {
		bad("%s: READ hello: error %d, %zu bytes", why, err, n);
		return false;
	}
	struct rq q = rq_begin(FUSE_RELEASE, e.nodeid);
	struct fuse_release_in rel = { .fh = fh };
	rq_add(&q, &rel, sizeof(rel));
	call(&q);
	return true;
}

/* --- group: read-only mutations --- */

static void expect_erofs(const char *what, struct rq *q)
{
	struct rp p = call(q);
	if (p.x != X_USED || p.error != -EROFS)
		bad("ro: %s: got %s error %d, want EROFS", what,
		    p.x == X_USED ? "reply" : p.x == X_BROKEN ? "NEEDS_RESET" : "timeout", p.error);
	else
		ok("ro: %s -> EROFS", what);
}

static void group_ro(void)
{
	struct fuse_entry_out hel, sub;
	if (lookup(FUSE_ROOT_ID, "hello", &hel) || lookup(FUSE_ROOT_ID, "sub", &sub)) {
		bad("ro: LOOKUP hello/sub failed");
		return;
	}
	struct rq q;

	q = rq_begin(FUSE_MKDIR, FUSE_ROOT_ID);
	struct fuse_mkdir_in mk = { .mode = 0755 };
	rq_add(&q, &mk, sizeof(mk));
	rq_str(&q, "made");
	expect_erofs("MKDIR", &q);

	q = rq_begin(FUSE_CREATE, FUSE_ROOT_ID);
	struct fuse_create_in cr = { .flags = O_WRONLY | O_CREAT, .mode = 0644 };
	rq_add(&q, &cr, sizeof(cr));
	rq_str(&q, "new");
	expect_erofs("CREATE", &q);

	q = rq_begin(FUSE_MKNOD, FUSE_ROOT_ID);
	struct fuse_mknod_in mn = { .mode = 0644 | 0100000 };
	rq_add(&q, &mn, sizeof(mn));
	rq_str(&q, "node");
	expect_erofs("MKNOD", &q);

	q = rq_begin(FUSE_SYMLINK, FUSE_ROOT_ID);
	rq_str(&q, "sl");
	rq_str(&q, "hello");
	expect_erofs("SYMLINK", &q);

	q = rq_begin(FUSE_LINK, FUSE_ROOT_ID);
	struct fuse_link_in ln = { .oldnodeid = hel.nodeid };
	rq_add(&q, &ln, sizeof(ln));
	rq_str(&q, "hardlink");
	expect_erofs("LINK", &q);

	q = rq_begin(FUSE_UNLINK, FUSE_ROOT_ID);
	rq_str(&q, "hello");
	expect_erofs("UNLINK", &q);

	q = rq_begin(FUSE_RMDIR, FUSE_ROOT_ID);
	rq_str(&q, "sub");
	expect_erofs("RMDIR", &q);

	q = rq_begin(FUSE_RENAME, FUSE_ROOT_ID);
	struct fuse_rename_in rn = { .newdir = FUSE_ROOT_ID };
	rq_add(&q, &rn, sizeof(rn));
	rq_str(&q, "hello");
	rq_str(&q, "hello2");
	expect_erofs("RENAME", &q);

	q = rq_begin(FUSE_RENAME2, FUSE_ROOT_ID);
	struct fuse_rename2_in rn2 = { .newdir = sub.nodeid, .flags = 0 };
	rq_add(&q, &rn2, sizeof(rn2));
	rq_str(&q, "hello");
	rq_str(&q, "moved");
	expect_erofs("RENAME2", &q);

	q = rq_begin(FUSE_SETATTR, hel.nodeid);
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE, .size = 0 };
	rq_add(&q, &sa, sizeof(sa));
	expect_erofs("SETATTR size=0", &q);

	q = rq_begin(FUSE_SETATTR, hel.nodeid);
	struct fuse_setattr_in sm = { .valid = FATTR_MODE, .mode = 0777 };
	rq_add(&q, &sm, sizeof(sm));
	expect_erofs("SETATTR mode", &q);

	q = rq_begin(FUSE_SETXATTR, hel.nodeid);
	struct fuse_setxattr_in sx = { .size = 2 };
	rq_add(&q, &sx, offsetof(struct fuse_setxattr_in, setxattr_flags));
	rq_str(&q, "user.x");
	rq_add(&q, "hi", 2);
	expect_erofs("SETXATTR", &q);

	q = rq_begin(FUSE_REMOVEXATTR, hel.nodeid);
	rq_str(&q, "user.x");
	expect_erofs("REMOVEXATTR", &q);

	static const uint32_t wflags[] = { O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_WRONLY | O_APPEND };
	for (size_t i = 0; i < sizeof(wflags) / sizeof(wflags[0]); i++) {
		char what[48];
		q = rq_begin(FUSE_OPEN, hel.nodeid);
		struct fuse_open_in op = { .flags = wflags[i] };
		rq_add(&q, &op, sizeof(op));
		snprintf(what, sizeof(what), "OPEN flags 0%o", wflags[i]);
		expect_erofs(what, &q);
	}

	/* A handle opened for reading cannot write, allocate or copy into the file. */
	uint64_t fh;
	if (do_open(hel.nodeid, O_RDONLY, &fh)) {
		bad("ro: OPEN O_RDONLY refused");
		return;
	}
	q = rq_begin(FUSE_WRITE, hel.nodeid);
	struct fuse_write_in w = { .fh = fh, .size = 5 };
	rq_add(&q, &w, sizeof(w));
	rq_add(&q, "EVIL!", 5);
	struct rp p = call(&q);
	if (p.x != X_USED || p.error == 0)
		bad("ro: WRITE through a read handle: error %d", p.error);
	else
		ok("ro: WRITE through a read handle -> %d", p.error);

	q = rq_begin(FUSE_FALLOCATE, hel.nodeid);
	struct fuse_fallocate_in fa = { .fh = fh, .length = 1 << 20 };
	rq_add(&q, &fa, sizeof(fa));
	p = call(&q);
	if (p.x != X_USED || p.error == 0)
		bad("ro: FALLOCATE: error %d", p.error);
	else
		ok("ro: FALLOCATE -> %d", p.error);

	q = rq_begin(FUSE_COPY_FILE_RANGE, hel.nodeid);
	struct fuse_copy_file_range_in cf = { .fh_in = fh, .nodeid_out = hel.nodeid, .fh_out = fh,
					       .len = 4 };
	rq_add(&q, &cf, sizeof(cf));
	p = call(&q);
	if (p.x != X_USED || p.error == 0)
		bad("ro: COPY_FILE_RANGE: error %d", p.error);
	else
		ok("ro: COPY_FILE_RANGE -> %d", p.error);
}

/* --- group: escapes --- */

/* Whatever a name resolves to, nothing under it may be the secret. */
static void probe_node(const char *what, uint64_t node)
{
	uint64_t fh;
	size_t n;
	uint8_t *data;
	if (do_open(node, O_RDONLY, &fh) == 0) {
		do_read(node, fh, 4000, &n, &data); /* scan_secret checks the bytes */
		struct rq q = rq_begin(FUSE_RELEASE, node);
		struct fuse_release_in rel = { .fh = fh };
		rq_add(&q, &rel, sizeof(rel));
		call(&q);
	}
	struct fuse_entry_out e;
	if (lookup(node, "secret", &e) == 0) {
		bad("escape: %s: LOOKUP secret under it succeeded", what);
		probe_node("secret", e.nodeid);
	}
	struct rq q = rq_begin(FUSE_READLINK, node);
	call(&q);
}

static void group_escape(bool rw, const char *secret_path)
{
	const char *names[] = { "..", "../secret", "../..", "d/../..", "d/g", "/", secret_path,
				       "", ".", "d/", "up/", "dd/secret" };
	struct fuse_entry_out e;
	/* "." and ".." of the root may be answered, but only with the root. */
	struct rq rq0 = rq_begin(FUSE_GETATTR, FUSE_ROOT_ID);
	struct fuse_getattr_in ga0 = { 0 };
	rq_add(&rq0, &ga0, sizeof(ga0));
	struct rp p0 = call(&rq0);
	uint64_t root_ino = p0.error == 0 ? ((struct fuse_attr_out *)p0.body)->attr.ino : 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int32_t err = lookup(FUSE_ROOT_ID, names[i], &e);
		bool dots = strcmp(names[i], ".") == 0 || strcmp(names[i], "..") == 0;
		if (err == 0 && dots && e.attr.ino == root_ino && root_ino) {
			ok("escape: LOOKUP '%s' -> the root itself", names[i]);
		} else if (err == 0) {
			bad("escape: LOOKUP '%s' resolved to node %llu", names[i], (unsigned long long)e.nodeid);
			probe_node(names[i], e.nodeid);
		} else {
			ok("escape: LOOKUP '%s' -> %d", names[i], err);
		}
	}
	/* A name without its NUL, running to the end of the request. */
	struct rq q = rq_begin(FUSE_LOOKUP, FUSE_ROOT_ID);
	rq_add(&q, "../secret", 9);
	struct rp p = call(&q);
	if (p.x == X_USED && p.error == 0)
		bad("escape: LOOKUP of an unterminated name succeeded");
	else
		ok("escape: unterminated name -> %d", p.error);

	/* Symlinks the host put in the share point out of it: they can be
	 * looked up (they are entries of the share) but never followed. */
	static const char *links[] = { "up", "abs", "dd", "pw" };
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		if (lookup(FUSE_ROOT_ID, links[i], &e)) {
			bad("escape: LOOKUP symlink %s failed", links[i]);
			continue;
		}
		if ((e.attr.mode & 0170000) != 0120000)
			bad("escape: %s is not a symlink (mode 0%o): it was followed", links[i], e.attr.mode);
		uint64_t fh;
		int32_t err = do_open(e.nodeid, O_RDONLY, &fh);
		if (err == 0)
			bad("escape: OPEN of symlink %s succeeded", links[i]);
		probe_node(links[i], e.nodeid);
		ok("escape: symlink %s not followed (OPEN -> %d)", links[i], err);
	}

	/* A FIFO in the share: opening it must answer at once (the worker
	 * never blocks on it), whatever the answer is. */
	if (lookup(FUSE_ROOT_ID, "fifo", &e) == 0) {
		static const uint32_t ff[] = { O_RDONLY, O_WRONLY, O_RDWR };
		for (size_t i = 0; i < 3; i++) {
			q = rq_begin(FUSE_OPEN, e.nodeid);
			struct fuse_open_in op = { .flags = ff[i] };
			rq_add(&q, &op, sizeof(op));
			p = call(&q);
			if (p.x != X_USED)
				bad("fifo: OPEN flags 0%o: no answer in 5 s (the worker blocked)", ff[i]);
			else
				ok("fifo: OPEN flags 0%o -> %d at once", ff[i], p.error);
		}
	} else {
		bad("fifo: LOOKUP fifo failed");
	}

	/* Node ids and handles the guest was never given. */
	for (uint64_t node = 2; node < 64; node++) {
		q = rq_begin(FUSE_GETATTR, node);
		struct fuse_getattr_in ga = { 0 };
		rq_add(&q, &ga, sizeof(ga));
		call(&q);
	}
	size_t n;
	uint8_t *data;
	for (uint64_t fh = 0; fh < 16; fh++)
		do_read(FUSE_ROOT_ID, fh, 4000, &n, &data);
	ok("escape: guessed node ids and handles answered without the secret");

	if (!rw)
		return;
	/* Creating names that reach out of the share. */
	static const char *bad_names[] = { "../escape", "d/../../escape", "/tmp-escape", "..", "a/b" };
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		q = rq_begin(FUSE_MKDIR, FUSE_ROOT_ID);
		struct fuse_mkdir_in mk = { .mode = 0755 };
		rq_add(&q, &mk, sizeof(mk));
		rq_str(&q, bad_names[i]);
		p = call(&q);
		if (p.error == 0)
			bad("escape: MKDIR '%s' succeeded", bad_names[i]);
		q = rq_begin(FUSE_CREATE, FUSE_ROOT_ID);
		struct fuse_create_in cr = { .flags = O_WRONLY | O_CREAT, .mode = 0644 };
		rq_add(&q, &cr, sizeof(cr));
		rq_str(&q, bad_names[i]);
		p = call(&q);
		if (p.error == 0)
			bad("escape: CREATE '%s' succeeded", bad_names[i]);
		q = rq_begin(FUSE_SYMLINK, FUSE_ROOT_ID);
		rq_str(&q, bad_names[i]);
		rq_str(&q, "hello");
		p = call(&q);
		if (p.error == 0)
			bad("escape: SYMLINK named '%s' succeeded", bad_names[i]);
		q = rq_begin(FUSE_RENAME, FUSE_ROOT_ID);
		struct fuse_rename_in rn = { .newdir = FUSE_ROOT_ID };
		rq_add(&q, &rn, sizeof(rn));
		rq_str(&q, "hello");
		rq_str(&q, bad_names[i]);
		p = call(&q);
		if (p.error == 0)
			bad("escape: RENAME hello -> '%s' succeeded", bad_names[i]);
		ok("escape: MKDIR/CREATE/SYMLINK/RENAME to '%s' refused", bad_names[i]);
	}
	/* A symlink the guest makes to the outside, then tries to go through. */
	q = rq_begin(FUSE_SYMLINK, FUSE_ROOT_ID);
	rq_str(&q, "mine");
	rq_str(&q, "../secret");
	p = call(&q);
	if (p.error == 0) {
		memcpy(&e, p.body, sizeof(e));
		uint64_t fh;
		if (do_open(e.nodeid, O_RDONLY, &fh) == 0)
			bad("escape: OPEN of the guest's own symlink to ../secret succeeded");
		probe_node("mine", e.nodeid);
		ok("escape: guest-made symlink ../secret not followed");
	}
	/* Rename race: hold a directory's node, move the directory around (the
	 * host also swaps "race" for a symlink to the outside meanwhile) and
	 * look up ".." and the secret's name from the held node. */
	struct fuse_entry_out dir;
	for (int round = 0; round < 100; round++) {
		if (lookup(FUSE_ROOT_ID, "d", &dir))
			break;
		struct fuse_entry_out sub;
		if (lookup(dir.nodeid, "sub", &sub) == 0) {
			q = rq_begin(FUSE_RENAME, dir.nodeid);
			struct fuse_rename_in rn = { .newdir = FUSE_ROOT_ID };
			rq_add(&q, &rn, sizeof(rn));
			rq_str(&q, "sub");
			rq_str(&q, "sub-moved");
			call(&q);
			struct fuse_entry_out up;
			if (lookup(sub.nodeid, "..", &up) == 0 && up.nodeid != FUSE_ROOT_ID &&
			    up.nodeid != dir.nodeid)
				probe_node("sub/..", up.nodeid);
			probe_node("sub", sub.nodeid);
			q = rq_begin(FUSE_RENAME, FUSE_ROOT_ID);
			struct fuse_rename_in back = { .newdir = dir.nodeid };
			rq_add(&q, &back, sizeof(back));
			rq_str(&q, "sub-moved");
			rq_str(&q, "sub");
			call(&q);
		}
		struct fuse_entry_out r;
		if (lookup(FUSE_ROOT_ID, "race", &r) == 0) {
			probe_node("race", r.nodeid);
			if (lookup(r.nodeid, "secret", &e) == 0)
				bad("escape: race/secret resolved");
		}
	}
	ok("escape: rename race rounds done");
}

/* --- group: malformed chains --- */

/* After a malformed chain: a reply, NEEDS_RESET or silence are all fine for
 * the chain itself; then the device must work again after a reset. */
static void after(const char *what, int x)
{
	scan_secret(what);
	const char *how = x == X_USED ? "answered" : x == X_BROKEN ? "DEVICE_NEEDS_RESET" : "ignored";
	if (roundtrip(what))
		ok("chains: %s -> %s; device works after reset", what, how);
}

static void lookup_req(void)
{
	struct rq q = rq_begin(FUSE_LOOKUP, FUSE_ROOT_ID);
	rq_str(&q, "hello");
	((struct fuse_in_header *)q.b)->len = (uint32_t)q.len;
}

static void group_chains(uint64_t ram_end_guess)
{
	uint32_t used_len;
	int x;
	struct rq q;
	struct rp p;
	uint32_t lens[] = { 0, 8, sizeof(struct fuse_in_header) - 1, sizeof(struct fuse_in_header) + 7,
			    4096, 65536, 0x7fffffff, 0xffffffff };

	/* Lying in_header.len, in both directions. */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		q = rq_begin(FUSE_LOOKUP, FUSE_ROOT_ID);
		rq_str(&q, "hello");
		p = call_raw(&q, lens[i]);
		char what[64];
		snprintf(what, sizeof(what), "in_header.len %u for %zu bytes", lens[i], q.len);
		if (p.x == X_USED && p.error == 0 && lens[i] != q.len)
			bad("chains: %s accepted", what);
		after(what, p.x);
	}
	/* A header split across descriptors, a zero-length readable part. */
	lookup_req();
	set_desc(0, gpa(P_REQ), 10, VRING_DESC_F_NEXT, 1);
	set_desc(1, gpa(P_REQ) + 10, 0, VRING_DESC_F_NEXT, 2);
	set_desc(2, gpa(P_REQ) + 10, 60, VRING_DESC_F_NEXT, 3);
	set_desc(3, gpa(P_REP), PAGE, VRING_DESC_F_WRITE, 0);
	x = kick_wait(0, 1, &used_len, 3000);
	after("header split over 3 descriptors", x);

	/* Descriptor loops: self, two-cycle, through the whole table. */
	lookup_req();
	set_desc(0, gpa(P_REQ), 64, VRING_DESC_F_NEXT, 0);
	after("self loop", kick_wait(0, 1, &used_len, 3000));
	lookup_req();
	set_desc(0, gpa(P_REQ), 64, VRING_DESC_F_NEXT, 1);
	set_desc(1, gpa(P_REP), 64, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0);
	after("two-descriptor loop", kick_wait(0, 1, &used_len, 3000));
	lookup_req();
	for (int i = 0; i < QSZ; i++)
		set_desc(i, gpa(P_REQ), 64, VRING_DESC_F_NEXT, (uint16_t)((i + 1) % QSZ));
	after("loop over the whole table", kick_wait(0, 1, &used_len, 3000));

	/* next / head out of range. */
	lookup_req();
	set_desc(0, gpa(P_REQ), 64, VRING_DESC_F_NEXT, QSZ + 3);
	after("next index out of range", kick_wait(0, 1, &used_len, 3000));
	lookup_req();
	set_desc(0, gpa(P_REQ), 64, 0, 0);
	after("avail head out of range", kick_wait(QSZ + 1, 1, &used_len, 3000));

	/* Readable after writable. */
	lookup_req();
	set_desc(0, gpa(P_REP), PAGE, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(1, gpa(P_REQ), 64, 0, 0);
	after("readable after writable", kick_wait(0, 1, &used_len, 3000));

	/* Only writable / only readable. */
	set_desc(0, gpa(P_REP), PAGE, VRING_DESC_F_WRITE, 0);
	after("no readable part", kick_wait(0, 1, &used_len, 3000));
	lookup_req();
	set_desc(0, gpa(P_REQ), 64, 0, 0);
	after("no writable part", kick_wait(0, 1, &used_len, 3000));

	/* Addresses outside RAM: the MMIO hole, the device's own registers,
	 * far above RAM, wrapping around, straddling the end of a page of RAM
	 * into a huge length. */
	const struct { const char *what; uint64_t addr; uint32_t len; bool wr; } outside[] = {
		{ "request in the MMIO hole", 0xd0000000ULL, 64, false },
		{ "reply in the MMIO hole", 0xd0000000ULL, PAGE, true },
		{ "request at 1 TiB", 1ULL << 40, 64, false },
		{ "reply at 1 TiB", 1ULL << 40, PAGE, true },
		{ "reply wrapping 2^64", ~0ULL - 16, 64, true },
		{ "request 4 GiB long", 0, 0xffffffffu, false },
		{ "reply past the end of RAM", ram_end_guess - 64, PAGE, true },
		{ "reply in the LAPIC", 0xfee00000ULL, PAGE, true },
	};
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		lookup_req();
		if (outside[i].wr) {
			set_desc(0, gpa(P_REQ), 64, VRING_DESC_F_NEXT, 1);
			set_desc(1, outside[i].addr, outside[i].len, VRING_DESC_F_WRITE, 0);
		} else {
			set_desc(0, outside[i].addr, outside[i].len, VRING_DESC_F_NEXT, 1);
			set_desc(1, gpa(P_REP), PAGE, VRING_DESC_F_WRITE, 0);
		}
		after(outside[i].what, kick_wait(0, 1, &used_len, 3000));
	}

	/* Indirect tables: a loop inside one, a nested one, a bad length, one
	 * outside RAM. */
	if (features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC)) {
		struct vring_desc *ind = pg(P_INDIRECT);
		const struct { const char *what; uint64_t addr; uint32_t len; int kind; } indir[] = {
			{ "indirect loop", 0, 2 * sizeof(*ind), 0 },
			{ "nested indirect", 0, 2 * sizeof(*ind), 1 },
			{ "indirect length not a multiple of 16", 0, 2 * sizeof(*ind) + 5, 2 },
			{ "indirect table outside RAM", 1ULL << 40, 2 * sizeof(*ind), 2 },
			{ "indirect table of 0 bytes", 0, 0, 2 },
		};
		for (size_t i = 0; i < sizeof(indir) / sizeof(indir[0]); i++) {
			lookup_req();
			memset(ind, 0, PAGE);
			ind[0].addr = gpa(P_REQ);
			ind[0].len = 64;
			ind[0].flags = VRING_DESC_F_NEXT;
			ind[0].next = 1;
			ind[1].addr = gpa(P_REP);
			ind[1].len = PAGE;
			ind[1].flags = VRING_DESC_F_WRITE;
			if (indir[i].kind == 0) {
				ind[1].flags |= VRING_DESC_F_NEXT;
				ind[1].next = 0;
			} else if (indir[i].kind == 1) {
				ind[1].addr = gpa(P_INDIRECT);
				ind[1].len = 2 * sizeof(*ind);
				ind[1].flags = VRING_DESC_F_INDIRECT;
			}
			set_desc(0, indir[i].addr ? indir[i].addr : gpa(P_INDIRECT), indir[i].len,
				 VRING_DESC_F_INDIRECT, 0);
			after(indir[i].what, kick_wait(0, 1, &used_len, 3000));
		}
		/* A valid indirect request works. */
		lookup_req();
		memset(ind, 0, PAGE);
		ind[0].addr = gpa(P_REQ);
		ind[0].len = (uint32_t)((struct fuse_in_header *)pg(P_REQ))->len;
		ind[0].flags = VRING_DESC_F_NEXT;
		ind[0].next = 1;
		ind[1].addr = gpa(P_REP);
		ind[1].len = PAGE;
		ind[1].flags = VRING_DESC_F_WRITE;
		set_desc(0, gpa(P_INDIRECT), 2 * sizeof(*ind), VRING_DESC_F_INDIRECT, 0);
		memset(pg(P_REP), 0, PAGE);
		x = kick_wait(0, 1, &used_len, 5000);
		if (x != X_USED || ((struct fuse_out_header *)pg(P_REP))->error != 0)
			bad("chains: a valid indirect LOOKUP failed (%d)", x);
		else
			ok("chains: a valid indirect LOOKUP works");
		scan_secret("indirect");
	}

	/* The avail index jumps by more than the queue holds. */
	lookup_req();
	set_desc(0, gpa(P_REQ), 64, VRING_DESC_F_NEXT, 1);
	set_desc(1, gpa(P_REP), PAGE, VRING_DESC_F_WRITE, 0);
	after("avail index runs QSZ+5 ahead", kick_wait(0, QSZ + 5, &used_len, 3000));

	/* The same head posted QSZ times (an avail ring full of duplicates). */
	lookup_req();
	for (int i = 0; i < QSZ; i++)
		((struct vring_avail *)pg(P_AVAIL))->ring[i] = 0;
	after("one head posted QSZ times", kick_wait(-1, QSZ, &used_len, 3000));

	/* Rings outside RAM, or overlapping the device registers. */
	const struct { const char *what; uint64_t d, a, u; } rings[] = {
		{ "descriptor table at 1 TiB", 1ULL << 40, gpa(P_AVAIL), gpa(P_USED) },
		{ "used ring in the MMIO hole", gpa(P_DESC), gpa(P_AVAIL), 0xd0000000ULL },
		{ "avail ring past 2^64", gpa(P_DESC), ~0ULL - 2, gpa(P_USED) },
		{ "misaligned descriptor table", gpa(P_DESC) + 1, gpa(P_AVAIL), gpa(P_USED) },
	};
	for (size_t i = 0; i < sizeof(rings) / sizeof(rings[0]); i++) {
		int r = dev_setup_at(WANT, rings[i].d, rings[i].a, rings[i].u);
		if (r == 0) {
			bad("chains: %s accepted", rings[i].what);
			continue;
		}
		after(rings[i].what, X_BROKEN);
	}
	/* Features the device never offered, and no VERSION_1. */
	if (dev_reset() == 0) {
		wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
		wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
		wr(VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffffu);
		wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
		wr(VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffffu);
		wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
					       VIRTIO_CONFIG_S_FEATURES_OK);
		if (rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK)
			bad("chains: features never offered were accepted");
		wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
					       VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
		if (rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK)
			bad("chains: DRIVER_OK without FEATURES_OK was accepted");
		after("unoffered features", X_TIMEOUT);
	}
}

static uint64_t ram_end(void)
{
	/* The end of guest RAM below the MMIO hole, from /proc/iomem. */
	char buf[16384];
	uint64_t end = 0;
	if (read_file("/proc/iomem", buf, sizeof(buf)) < 0)
		return 0x10000000ULL;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		if (!strstr(l, "System RAM") || l[0] == ' ')
			continue;
		unsigned long long a, b;
		if (sscanf(l, "%llx-%llx", &a, &b) == 2 && b + 1 > end && b < 0xd0000000ULL)
			end = b + 1;
	}
	return end ? end : 0x10000000ULL;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: hostile TAG ro|rw SECRET HELLO SECRET_PATH\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	bool rw = strcmp(argv[2], "rw") == 0;
	secret = argv[3];
	hello = argv[4];
	uint64_t rend = ram_end();
	/* Our own argv holds the secret: keep it off every page we scan. */
	setup_arena();
	find_device(argv[1]);

	group = 20;
	if (!roundtrip("init"))
		goto end; /* nothing else can be meaningful */
	ok("init: reset, features, FUSE_INIT, LOOKUP/OPEN/READ hello");

	if (!rw) {
		group = 30;
		group_ro();
	}
	group = 40;
	group_escape(rw, argv[5]);
	group = 50;
	roundtrip("before chains");
	group_chains(rend);
	group = 20;
	if (roundtrip("final"))
		ok("final: the device still answers");
	dev_reset();
end:
	printf("HOSTILE-END fails=%d\n", fails);
	return first_fail;
}
