/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the FUSE server over the passthrough backend, or (built with
 * -DFUZZ_READONLY=1) over the read-only wrapper. Input layout: fuzz_format.h.
 *
 * Checked after every request: the return/written contract of
 * fuse_server_handle (a reply fits the buffers, its header says its own
 * length and echoes `unique`, errors are -errno), and no reply carries the
 * secret file's bytes. Checked after every input: nothing outside the share
 * changed; read-only: nothing inside the share changed either (names,
 * types, sizes, modes, owners, mtimes, ctimes, xattrs, content; not atime).
 * A broken invariant is an abort(): this is a fuzz target, not the library.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "fs/server.h"

#include "fuzz_check.h"
#include "fuzz_format.h"
#include "scratch.h"

#ifndef FUZZ_READONLY
#define FUZZ_READONLY 0
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scratch S;
/* The DAX window with one guard page on each side, all PROT_NONE. */
static uint8_t *dax_area;
#define GUARD 4096u
#if FUZZ_READONLY
static char *share_before; /* the share as it must stay */
#endif
static bool debug;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	scratch_init(&S);
#if FUZZ_READONLY
	share_before = scratch_snapshot(S.share);
#endif
	debug = getenv("FUZZ_DEBUG") != NULL;
	dax_area = mmap(NULL, FZ_DAX_SIZE + 2 * GUARD, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (dax_area == MAP_FAILED)
		abort();
	return 0;
}

static struct fuse_server *new_server(uint8_t flags)
{
	struct fs_passthrough_opts o = { .root = S.share, .xattr = true };
	struct fuse_server_config cfg = { 0 };
	struct fuse_server *srv;
	int rc;

	if (flags & FZ_FEW_FDS)
		o.max_inode_fds = FZ_FEW_FDS_MAX;
	rc = fs_passthrough_new(&o, &cfg.backend);
	CHECK(rc == 0);
#if FUZZ_READONLY
	rc = fs_readonly_new(cfg.backend, &cfg.backend);
	CHECK(rc == 0);
#endif
	if (flags & FZ_DAX)
		cfg.dax = (struct fs_dax_window){ .base = dax_area + GUARD, .size = FZ_DAX_SIZE };
	rc = fuse_server_new(&cfg, &srv);
	CHECK(rc == 0);
	return srv;
}

/* Split [0, n) into k pieces, each its own allocation holding a copy. */
static int split(const uint8_t *src, size_t n, unsigned k, struct iovec *v)
{
	for (unsigned i = 0; i < k; i++) {
		size_t a = n * i / k, b = n * (i + 1) / k;

		v[i].iov_len = b - a;
		v[i].iov_base = malloc(b - a ? b - a : 1);
		CHECK(v[i].iov_base != NULL);
		if (src)
			memcpy(v[i].iov_base, src + a, b - a);
	}
	return (int)k;
}

static void free_iov(struct iovec *v, int k)
{
	for (int i = 0; i < k; i++)
		free(v[i].iov_base);
}

/* One request through the server; the reply contract is checked here. */
static void one(struct fuse_server *srv, uint8_t *req, size_t len, size_t outsize,
		unsigned in_split, unsigned out_split)
{
	struct iovec in[16], out[16];
	int nin, nout, rc;
	size_t written = 12345;
	uint8_t *flat;

	if ((out_split & FZ_FIX_LEN) && len >= sizeof(uint32_t)) {
		uint32_t l = (uint32_t)len;

		memcpy(req, &l, sizeof(l)); /* fuse_in_header.len comes first */
	}
	nin = split(req, len, 1 + in_split % 16, in);
	nout = split(NULL, outsize, 1 + out_split % 16, out);
	rc = fuse_server_handle(srv, in, nin, out, nout, &written);
	CHECK(rc <= 0 && rc > -4096);
	if (rc < 0)
		CHECK(written == 0);
	CHECK(written <= outsize);
	if (written) {
		struct fuse_out_header oh;
		struct fuse_in_header ih = { 0 };

		flat = malloc(written);
		CHECK(flat != NULL);
		/* Gather what was written, in order, across the buffers. */
		for (int i = 0, done = 0; i < nout && (size_t)done < written; i++) {
			size_t n = out[i].iov_len < written - (size_t)done ? out[i].iov_len
									  : written - (size_t)done;
			memcpy(flat + done, out[i].iov_base, n);
			done += (int)n;
		}
		CHECK(written >= sizeof(oh));
		memcpy(&oh, flat, sizeof(oh));
		memcpy(&ih, req, len < sizeof(ih) ? len : sizeof(ih));
		CHECK(oh.len == written);
		CHECK(oh.unique == ih.unique);
		CHECK(oh.error <= 0 && oh.error > -4096);
		CHECK(oh.error == 0 || written == sizeof(oh));
		CHECK(!scratch_leaks(&S, flat, written));
		if (debug)
			fprintf(stderr, "op %u node %llu -> err %d len %u\n", ih.opcode,
				(unsigned long long)ih.nodeid, oh.error, oh.len);
		if (debug && oh.error == 0 && written >= sizeof(oh) + 16) {
			uint64_t v[2];

			memcpy(v, flat + sizeof(oh), sizeof(v));
			fprintf(stderr, "   body[0..16]: %llu %llu\n", (unsigned long long)v[0],
				(unsigned long long)v[1]);
		}
		free(flat);
	} else if (debug) {
		fprintf(stderr, "request of %zu bytes -> rc %d, no reply\n", len, rc);
	}
	free_iov(in, nin);
	free_iov(out, nout);
}

static void send_init(struct fuse_server *srv)
{
	struct {
		struct fuse_in_header h;
		struct fuse_init_in i;
	} q = { 0 };

	q.h.len = sizeof(q);
	q.h.opcode = FUSE_INIT;
	q.h.unique = 1;
	q.i.major = FUSE_KERNEL_VERSION;
	q.i.minor = FUSE_KERNEL_MINOR_VERSION;
	q.i.max_readahead = 1 << 17;
	q.i.flags = 0xffffffffu; /* offer everything; the server picks */
	q.i.flags2 = 0xffffffffu; /* masked by the server */
	one(srv, (uint8_t *)&q, sizeof(q), sizeof(struct fuse_out_header) + sizeof(struct fuse_init_out), 0, 0);
}

/*
 * After an input with a DAX window: nothing but the window changed in the
 * area (the guard pages are still anonymous PROT_NONE); every shared
 * writable mapping in the window is written to, so a write mapping on the
 * read-only share shows up as a changed file; then the window is reset.
 */
static void dax_check(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	uintptr_t lo = (uintptr_t)dax_area, hi = lo + FZ_DAX_SIZE + 2 * GUARD;
	char line[512];

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b, off;
		char perms[8] = "";

		if (sscanf(line, "%lx-%lx %7s %lx", &a, &b, perms, &off) != 4 || b <= lo || a >= hi)
			continue;
		if (a < lo + GUARD || b > hi - GUARD) {
			/* Overlaps a guard page: must be the untouched reservation. */
			CHECK(strcmp(perms, "---p") == 0);
			CHECK(strchr(line, '/') == NULL);
		}
		if (perms[1] == 'w' && perms[3] == 's') {
			uintptr_t from = a > lo + GUARD ? a : lo + GUARD;
			uintptr_t to = b < hi - GUARD ? b : hi - GUARD;

			/* Only the first byte: the file may end before the mapping
			 * does (SIGBUS), and the seeds map from offset 0. */
			if (from < to && strchr(line, '/') && off == 0)
				*(volatile uint8_t *)from = 0x5a;
		}
	}
	fclose(f);
	CHECK(mmap(dax_area, FZ_DAX_SIZE + 2 * GUARD, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == dax_area);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuse_server *srv;
	size_t pos = 1;
	int nrec = 0;
	char *after;

	if (size < 1)
		return 0;
	srv = new_server(data[0]);
	if (!(data[0] & FZ_NO_INIT))
		send_init(srv);
	while (pos + FZ_REC_HDR <= size && nrec++ < FZ_MAX_RECORDS) {
		size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
		size_t outsize = (size_t)data[pos + 2] | (size_t)data[pos + 3] << 8;
		unsigned in_split = data[pos + 4], out_split = data[pos + 5];
		uint8_t *req;

		pos += FZ_REC_HDR;
		if (len > size - pos)
			len = size - pos;
		/* An exact-size copy: ASan sees any read past the request. */
		req = malloc(len ? len : 1);
		CHECK(req != NULL);
		memcpy(req, data + pos, len);
		one(srv, req, len, outsize, in_split, out_split);
		free(req);
		pos += len;
	}
	fuse_server_free(srv);
	if (data[0] & FZ_DAX)
		dax_check();

	after = scratch_outside(&S);
	scratch_expect_same("outside the share", S.outside, after);
	free(after);
#if FUZZ_READONLY
	after = scratch_snapshot(S.share);
	scratch_expect_same("the read-only share", share_before, after);
	free(after);
#else
	scratch_reset(&S);
#endif
	return 0;
}
