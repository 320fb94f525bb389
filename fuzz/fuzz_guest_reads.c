/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the readers of guest memory while another vCPU changes it
 * (issue 21, item 3). A second thread keeps XOR-ing bytes of the buffer the
 * code under test reads, as a hostile guest's other vCPU can:
 *  - mode 0: one FUSE request served by the server (src/fs/server.c) over a
 *    stub backend that checks what reaches it: every name NUL-terminated
 *    within NAME_MAX (strlen on the server's buffer: ASan catches a copy that
 *    lost its NUL), targets within PATH_MAX, DAX ranges inside the window the
 *    server checked, sizes the server bounded;
 *  - mode 1: virtqueue chains popped (src/virtio/queue.c) while the thread
 *    mutates the descriptor table and rings: every iovec inside guest memory,
 *    counts and totals under the queue's bounds.
 * Input layout: fuzz_format.h ("Guest-reads target"). Which bytes change when
 * is up to the scheduler: this target is not deterministic, by design.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "fs/server.h"
#include "virtio/queue.h"

#include "fuzz_check.h"
#include "fuzz_format.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WIN_SIZE (64ull << 20)
#define REQ_MAX 8192u
#define VQ_MEM 0x10000u

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

/* ---- the flipping thread ---- */

struct flipper {
	volatile uint8_t *buf;
	size_t len;
	uint8_t seed;
	atomic_bool stop;
};

static void *flip(void *arg)
{
	struct flipper *f = arg;
	uint32_t x = 0x9e3779b9u ^ f->seed;

	while (!atomic_load_explicit(&f->stop, memory_order_relaxed)) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		f->buf[x % f->len] ^= (uint8_t)(x >> 24) | 1;
	}
	return NULL;
}

/* Nothing to flip (len 0): no thread. */
static void flip_start(struct flipper *f, pthread_t *t, void *buf, size_t len, uint8_t seed)
{
	f->buf = buf;
	f->len = len;
	f->seed = seed;
	atomic_init(&f->stop, false);
	if (len)
		CHECK(pthread_create(t, NULL, flip, f) == 0);
}

static void flip_stop(struct flipper *f, pthread_t t)
{
	if (!f->len)
		return;
	atomic_store(&f->stop, true);
	pthread_join(t, NULL);
}

/* ---- mode 0: the server ---- */

static void name_ok(const char *name)
{
	CHECK(strlen(name) <= NAME_MAX); /* an unterminated copy runs off the server's buffer */
}

static int s_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name, struct fuse_entry_out *e)
{
	(void)fs, (void)c, (void)parent, (void)e;
	name_ok(name);
	return -ENOENT;
}

static int s_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		   const struct fuse_mkdir_in *in, struct fuse_entry_out *e)
{
	(void)fs, (void)c, (void)parent, (void)in, (void)e;
	name_ok(name);
	return -EROFS;
}

static int s_mknod(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		   const struct fuse_mknod_in *in, struct fuse_entry_out *e)
{
	(void)fs, (void)c, (void)parent, (void)in, (void)e;
	name_ok(name);
	return -EROFS;
}

static int s_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name, const char *target,
		     struct fuse_entry_out *e)
{
	(void)fs, (void)c, (void)parent, (void)e;
	name_ok(name);
	CHECK(strlen(target) < PATH_MAX);
	return -EROFS;
}

static int s_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	(void)fs, (void)c, (void)parent;
	name_ok(name);
	return -EROFS;
}

static int s_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name, uint64_t newparent,
		    const char *newname, uint32_t flags)
{
	(void)fs, (void)c, (void)parent, (void)newparent, (void)flags;
	name_ok(name);
	name_ok(newname);
	return -EROFS;
}

static int s_link(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent, const char *name,
		  struct fuse_entry_out *e)
{
	(void)fs, (void)c, (void)nodeid, (void)newparent, (void)e;
	name_ok(name);
	return -EROFS;
}

static int s_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    const struct fuse_create_in *in, struct fuse_entry_out *e, struct fuse_open_out *o)
{
	(void)fs, (void)c, (void)parent, (void)in, (void)e, (void)o;
	name_ok(name);
	return -EROFS;
}

static int s_setxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name, const void *value,
		      size_t size, uint32_t flags)
{
	(void)fs, (void)c, (void)nodeid, (void)flags;
	name_ok(name);
	CHECK(size <= (1u << 20));
	if (size)
		CHECK(((const volatile uint8_t *)value)[size - 1] || 1); /* the whole value is ours */
	return -EROFS;
}

static int s_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name, uint32_t size,
		      struct fs_iobuf *out, uint32_t *needed)
{
	(void)fs, (void)c, (void)nodeid, (void)out, (void)needed;
	name_ok(name);
	CHECK(size <= (1u << 20));
	return -ENODATA;
}

static int s_removexattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name)
{
	(void)fs, (void)c, (void)nodeid;
	name_ok(name);
	return -EROFS;
}

static int s_write(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_write_in *in,
		   struct fs_iobuf *data, struct fuse_write_out *out)
{
	(void)fs, (void)c, (void)nodeid, (void)out;
	CHECK(in->size <= (1u << 20));
	CHECK(fs_iobuf_remaining(data) == in->size); /* the server checked the payload is there */
	return -EROFS;
}

static uint64_t forgets;

static void s_forget(void *fs, uint64_t nodeid, uint64_t nlookup)
{
	(void)fs, (void)nodeid, (void)nlookup;
	forgets++;
}

static int s_setupmapping(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_setupmapping_in *in,
			  const struct fs_dax_window *w)
{
	(void)fs, (void)c, (void)nodeid;
	/* what the server checked on its copy is what arrives */
	CHECK(in->len <= w->size && in->moffset <= w->size - in->len);
	return -EINVAL;
}

static int s_removemapping(void *fs, const struct fs_ctx *c, const struct fuse_removemapping_one *one,
			   uint32_t count, const struct fs_dax_window *w)
{
	(void)fs, (void)c;
	for (uint32_t i = 0; i < count; i++)
		CHECK(one[i].len <= w->size && one[i].moffset <= w->size - one[i].len);
	return 0;
}

static const struct fs_ops stub_ops = {
	.lookup = s_lookup, .forget = s_forget, .mkdir = s_mkdir, .mknod = s_mknod, .symlink = s_symlink,
	.unlink = s_unlink, .rmdir = s_unlink, .rename = s_rename, .link = s_link, .create = s_create,
	.setxattr = s_setxattr, .getxattr = s_getxattr, .removexattr = s_removexattr, .write = s_write,
	.setupmapping = s_setupmapping, .removemapping = s_removemapping,
};

static struct fuse_server *srv;
static char fake_window; /* never dereferenced: the stub maps nothing */

static void serve(const uint8_t *data, size_t size, uint8_t seed)
{
	static uint8_t out[4096];
	uint8_t *buf;
	size_t len = size < REQ_MAX ? size : REQ_MAX, w = 0;
	struct iovec iv[3], ov = { out, sizeof(out) };
	struct flipper f;
	pthread_t t;

	if (!srv) {
		struct fuse_server_config cfg = { .backend = { .ops = &stub_ops },
						  .dax = { .base = &fake_window, .size = WIN_SIZE } };
		struct {
			struct fuse_in_header h;
			struct fuse_init_in i;
		} init = { .h = { .len = sizeof(init), .opcode = FUSE_INIT, .unique = 1 },
			   .i = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION } };
		struct iovec ii = { &init, sizeof(init) };
		CHECK(fuse_server_new(&cfg, &srv) == 0);
		CHECK(fuse_server_handle(srv, &ii, 1, &ov, 1, &w) == 0);
	}
	if (len < sizeof(struct fuse_in_header))
		return;
	buf = malloc(len);
	CHECK(buf != NULL);
	memcpy(buf, data, len);
	((struct fuse_in_header *)(void *)buf)->len = (uint32_t)len;
	/* three iovecs: a name may straddle them */
	size_t a = len / 3, b = 2 * len / 3;
	iv[0] = (struct iovec){ buf, a };
	iv[1] = (struct iovec){ buf + a, b - a };
	iv[2] = (struct iovec){ buf + b, len - b };
	/* The header is read first and once; flip the rest, where names are. */
	flip_start(&f, &t, buf + sizeof(struct fuse_in_header), len - sizeof(struct fuse_in_header), seed);
	int rc = fuse_server_handle(srv, iv, 3, &ov, 1, &w);
	flip_stop(&f, t);
	CHECK(rc <= 0 && rc > -4096 && w <= sizeof(out));
	if (w) {
		const struct fuse_out_header *oh = (const void *)out;
		CHECK(oh->len == w && oh->error <= 0 && oh->error > -4096);
	}
	free(buf);
}

/* ---- mode 1: the virtqueue ---- */

static struct vq_chain chain;

static void pop(const uint8_t *data, size_t size, uint8_t seed)
{
	struct guest_mem m = { 0 };
	struct vq q;
	struct flipper f;
	pthread_t t;

	if (size < FZ_VQ_HDR)
		return;
	m.nr = 1;
	m.r[0] = (struct guest_mem_region){ .gpa = FZ_VQ_GPA0, .size = VQ_MEM };
	m.r[0].hva = aligned_alloc(4096, VQ_MEM);
	CHECK(m.r[0].hva != NULL);
	memset(m.r[0].hva, 0, VQ_MEM);
	size_t img = size - FZ_VQ_HDR < VQ_MEM ? size - FZ_VQ_HDR : VQ_MEM;
	memcpy(m.r[0].hva, data + FZ_VQ_HDR, img);
	uint32_t qsize = 1u << (data[0] % 9);
	uint64_t features = ((data[1] & 1) ? 1ull << VIRTIO_RING_F_INDIRECT_DESC : 0) |
			    ((data[1] & 2) ? 1ull << VIRTIO_RING_F_EVENT_IDX : 0);
	uint32_t d = (data[2] | data[3] << 8) % VQ_MEM, av = (data[4] | data[5] << 8) % VQ_MEM,
		 us = (data[6] | data[7] << 8) % VQ_MEM;
	if (vq_init(&q, &m, qsize, FZ_VQ_GPA0 + d, FZ_VQ_GPA0 + av, FZ_VQ_GPA0 + us, features) < 0)
		goto out;
	/* everything but the used ring (ours) may change under us */
	flip_start(&f, &t, m.r[0].hva, us, seed);
	for (int n = 0; n < 2 * (int)qsize + 2; n++) {
		int rc = vq_pop(&q, &chain);
		size_t rd = 0, wr = 0;

		CHECK(rc == 1 || rc == 0 || rc == -EIO);
		if (rc != 1)
			break;
		CHECK(chain.head < qsize);
		CHECK(chain.nr_rd + chain.nr_wr <= VQ_MAX_IOV);
		for (int i = 0; i < chain.nr_rd + chain.nr_wr; i++) {
			const uint8_t *p = chain.iov[i].iov_base, *b = m.r[0].hva;
			CHECK(p >= b && chain.iov[i].iov_len <= VQ_MEM && (size_t)(p - b) <= VQ_MEM - chain.iov[i].iov_len);
			*(i < chain.nr_rd ? &rd : &wr) += chain.iov[i].iov_len;
		}
		CHECK(rd == chain.rd_len && wr == chain.wr_len && rd + wr <= VQ_MAX_CHAIN_LEN);
		(void)vq_push(&q, chain.head, 0);
	}
	flip_stop(&f, t);
out:
	free(m.r[0].hva);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	if (data[0] & 1)
		pop(data + 2, size - 2, data[1]);
	else
		serve(data + 2, size - 2, data[1]);
	return 0;
}
