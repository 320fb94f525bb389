/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the DAX request path (issue 21). Two shares of one VM (one
 * limits object), each a FUSE server over the passthrough with a 16 GiB DAX
 * window (address space only) between guard pages, get a sequence of
 * SETUPMAPPING / REMOVEMAPPING / reset operations. Input: fuzz_format.h
 * ("DAX target").
 *
 * Checked after every operation, against /proc/self/maps: the guards are
 * untouched; every file mapping in a window is whole 2 MiB chunks; the VM's
 * live-chunk count is the number of chunks really mapped and never passes
 * FS_DAX_MAX_LIVE_CHUNKS; each window has at most 2 * its chunks + 1 memory
 * regions; a refusal by the cap (ENOMEM) changed nothing; only whole chunks
 * are accepted; the read-only share never maps for writing. After every
 * input both devices reset and free: nothing mapped, the count is 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "fs/dax.h"
#include "fs/limits.h"
#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "fs/server.h"

#include "fuzz_check.h"
#include "fuzz_format.h"
#include "scratch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUARD (2u << 20)
#define PG 4096u

static struct scratch S;
static uint8_t *area[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	scratch_init(&S);
	for (int i = 0; i < 2; i++) {
		area[i] = mmap(NULL, FZ_DAX_WIN + 2 * GUARD, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		CHECK(area[i] != MAP_FAILED);
	}
	return 0;
}

struct dev {
	struct fuse_server *s;
	uint64_t unique;
	uint64_t node[2]; /* "file" (writable share only: the rw one) and "dir/sub" */
};

static int req(struct dev *d, uint32_t op, uint64_t node, const void *a, size_t alen, const void *b,
	       size_t blen, void *body, size_t bodylen)
{
	uint8_t in[256], out[512];
	struct fuse_in_header h = { .opcode = op, .unique = ++d->unique, .nodeid = node, .pid = 1 };
	struct iovec iv = { in, sizeof(h) + alen + blen }, ov = { out, sizeof(out) };
	size_t w = 0;

	CHECK(iv.iov_len <= sizeof(in));
	h.len = (uint32_t)iv.iov_len;
	memcpy(in, &h, sizeof(h));
	memcpy(in + sizeof(h), a, alen);
	if (blen)
		memcpy(in + sizeof(h) + alen, b, blen);
	CHECK(fuse_server_handle(d->s, &iv, 1, &ov, 1, &w) == 0);
	CHECK(w >= sizeof(struct fuse_out_header));
	const struct fuse_out_header *oh = (const void *)out;
	CHECK(oh->unique == h.unique && oh->len == w);
	if (oh->error == 0 && body)
		memcpy(body, out + sizeof(*oh), bodylen < w - sizeof(*oh) ? bodylen : w - sizeof(*oh));
	return oh->error;
}

static void dev_new(struct dev *d, int i, struct fs_limits *l)
{
	struct fs_passthrough_opts o = { .root = S.share, .limits = l };
	struct fuse_server_config cfg = { .limits = l };
	struct fuse_init_in init = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
				     .flags = FUSE_MAP_ALIGNMENT };
	struct fuse_init_out io;
	static const char *const names[2] = { "file", "hard" };

	memset(d, 0, sizeof(*d));
	CHECK(fs_passthrough_new(&o, &cfg.backend) == 0);
	if (i == 1)
		CHECK(fs_readonly_new(cfg.backend, &cfg.backend) == 0);
	cfg.dax = (struct fs_dax_window){ .base = area[i] + GUARD, .size = FZ_DAX_WIN };
	CHECK(fuse_server_new(&cfg, &d->s) == 0);
	CHECK(req(d, FUSE_INIT, 0, &init, sizeof(init), NULL, 0, &io, sizeof(io)) == 0);
	CHECK(io.map_alignment == FS_DAX_SHIFT);
	for (int k = 0; k < 2; k++) {
		struct fuse_entry_out e;
		CHECK(req(d, FUSE_LOOKUP, FUSE_ROOT_ID, names[k], strlen(names[k]) + 1, NULL, 0, &e, sizeof(e)) ==
		      0);
		d->node[k] = e.nodeid;
	}
}

/*
 * What /proc/self/maps says about window w: the guards are untouched
 * anonymous PROT_NONE; *chunks = 2 MiB chunks backed by a file; returns the
 * number of regions inside the window.
 */
static unsigned window_scan(int w, uint64_t *chunks)
{
	FILE *f = fopen("/proc/self/maps", "r");
	uintptr_t lo = (uintptr_t)area[w], hi = lo + FZ_DAX_WIN + 2 * GUARD;
	char line[512];
	unsigned n = 0;

	CHECK(f != NULL);
	*chunks = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b, ino;
		char perms[8] = "";

		if (sscanf(line, "%lx-%lx %7s %*x %*x:%*x %lu", &a, &b, perms, &ino) != 4 || b <= lo || a >= hi)
			continue;
		if (a < lo + GUARD || b > hi - GUARD) {
			CHECK(strcmp(perms, "---p") == 0);
			CHECK(ino == 0);
			continue;
		}
		n++;
		if (ino != 0) {
			CHECK((a - (lo + GUARD)) % FS_DAX_CHUNK == 0 && (b - a) % FS_DAX_CHUNK == 0);
			*chunks += (b - a) / FS_DAX_CHUNK;
		} else {
			CHECK(strcmp(perms, "---p") == 0);
		}
	}
	fclose(f);
	return n;
}

/* After every operation: the VM's count is what is really mapped, under the
 * cap, and each window has at most 2 * its chunks + 1 regions. */
static void check(struct fs_limits *l)
{
	uint64_t total = 0;

	for (int w = 0; w < 2; w++) {
		uint64_t c;
		unsigned regions = window_scan(w, &c);
		CHECK(regions <= 2 * c + 1);
		total += c;
	}
	CHECK(fs_limits_dax_used(l) == total);
	CHECK(total <= FS_DAX_MAX_LIVE_CHUNKS);
}

/*
 * One operation (FZ_DAX_OP bytes): op, dev, node, flags, a:u16le, b:u16le,
 * c:u16le, d:u16le.
 *   op % 4 == 0, 1: SETUPMAPPING  moffset = a * unit, len = c * unit (c % 64
 *       when op is 0), foffset = b * unit; unit = 2 MiB, or 4 KiB when
 *       flags bit 7 (mostly refused: whole chunks only);
 *       flags bits 0-1: READ, WRITE; bit 2: an unknown flag.
 *   op % 4 == 2: REMOVEMAPPING of 1 + d % 4 ranges: (a + k*c, c) chunks.
 *   op % 4 == 3: device reset, then INIT again.
 */
static void op(struct dev *devs, struct fs_limits *l, const uint8_t *p)
{
	unsigned kind = p[0] % 4, w = p[1] & 1;
	struct dev *d = &devs[w];
	uint64_t node = d->node[p[2] & 1];
	uint8_t fl = p[3];
	uint16_t a = (uint16_t)(p[4] | p[5] << 8), b = (uint16_t)(p[6] | p[7] << 8);
	uint16_t c = (uint16_t)(p[8] | p[9] << 8), dd = (uint16_t)(p[10] | p[11] << 8);
	uint64_t unit = (fl & 0x80) ? PG : FS_DAX_CHUNK;
	int rc;

	if (kind <= 1) {
		struct fuse_setupmapping_in in = {
			.fh = UINT64_MAX,
			.foffset = (uint64_t)b * unit,
			.len = (uint64_t)(kind == 0 ? c % 64 : c) * unit,
			.flags = (fl & 3) | ((fl & 4) ? 8 : 0),
			.moffset = (uint64_t)a * unit,
		};
		uint64_t before = fs_limits_dax_used(l);
		rc = req(d, FUSE_SETUPMAPPING, node, &in, sizeof(in), NULL, 0, NULL, 0);
		bool whole = !(in.moffset % FS_DAX_CHUNK) && !(in.len % FS_DAX_CHUNK) && in.len &&
			     in.moffset + in.len <= FZ_DAX_WIN && !(in.foffset % FS_DAX_CHUNK);
		if (rc == 0)
			CHECK(whole);
		else if (rc == -ENOMEM)
			CHECK(fs_limits_dax_used(l) == before); /* the cap: nothing changed */
		else if (!whole) /* the read-only wrapper refuses WRITE and unknown flags first */
			CHECK(rc == -EINVAL || (w == 1 && rc == -EROFS));
		if (w == 1 && (in.flags & FUSE_SETUPMAPPING_FLAG_WRITE))
			CHECK(rc != 0); /* the read-only share */
	} else if (kind == 2) {
		struct fuse_removemapping_in in = { .count = 1 + dd % 4 };
		struct fuse_removemapping_one v[4];
		for (uint32_t k = 0; k < in.count; k++)
			v[k] = (struct fuse_removemapping_one){ .moffset = ((uint64_t)a + k * c) * unit,
								.len = (uint64_t)c * unit };
		rc = req(d, FUSE_REMOVEMAPPING, FUSE_ROOT_ID, &in, sizeof(in), v, in.count * sizeof(v[0]), NULL,
			 0);
		CHECK(rc == 0 || rc == -EINVAL);
	} else {
		fuse_server_reset(d->s);
		struct fuse_init_in init = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
					     .flags = FUSE_MAP_ALIGNMENT };
		CHECK(req(d, FUSE_INIT, 0, &init, sizeof(init), NULL, 0, NULL, 0) == 0);
	}
	check(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fs_limits *l;
	struct dev devs[2];
	int nops = 0;

	CHECK(fs_limits_new(2, 0, (unsigned)-1, &l) == 0);
	dev_new(&devs[0], 0, l);
	dev_new(&devs[1], 1, l);
	for (size_t pos = 0; pos + FZ_DAX_OP <= size && nops < FZ_MAX_RECORDS; pos += FZ_DAX_OP, nops++)
		op(devs, l, data + pos);
	for (int w = 0; w < 2; w++) {
		uint64_t c;
		fuse_server_reset(devs[w].s);
		fuse_server_free(devs[w].s);
		CHECK(window_scan(w, &c) <= 1 && c == 0);
	}
	CHECK(fs_limits_dax_used(l) == 0);
	fs_limits_unref(l);
	scratch_reset(&S);
	return 0;
}
