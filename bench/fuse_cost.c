/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Benchmark driver (not a test): sends N identical FUSE requests of one kind
 * through fuse_server_handle with the passthrough backend over a scratch
 * directory, composed as a share of the given mode: rw (the passthrough
 * alone), ro (read-only), root and rootro (the boot root share: a virtual
 * /init.krun over a read-write or read-only share, as the VMM builds it). bench/fuse-cost.sh runs it
 * under `valgrind --tool=callgrind --toggle-collect=bench_loop` with N and 2N
 * requests; the difference divided by N is the instruction cost of one request
 * in user space (the syscalls' kernel side is not counted by callgrind), free
 * of one-time costs such as lazy symbol binding.
 *
 *   fuse_cost OP N [rw|ro|root|rootro]     OP: getattr lookup read4k readdirplus
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/augment.h"
#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "fs/server.h"

#define DIR_ENTRIES 16      /* entries in the READDIRPLUS directory */
#define FILE_SIZE (1u << 20) /* the READ file; reads walk it 4 KiB at a time */

struct rig {
	struct fuse_server *s;
	uint64_t unique;
	uint8_t in[4096];
	size_t in_len;
	uint8_t out[1 << 17];
	size_t written;
};

static int die(const char *what, int err)
{
	fprintf(stderr, "fuse_cost: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* Build a request: header + fixed argument + optional name. */
static void build(struct rig *g, uint32_t opcode, uint64_t nodeid, const void *arg, size_t arglen,
		  const char *name)
{
	struct fuse_in_header h = { .opcode = opcode, .unique = ++g->unique, .nodeid = nodeid,
				    .uid = 0, .gid = 0, .pid = 1 };
	size_t len = sizeof(h);
	memcpy(g->in + len, arg, arglen);
	len += arglen;
	if (name) {
		memcpy(g->in + len, name, strlen(name) + 1);
		len += strlen(name) + 1;
	}
	h.len = (uint32_t)len;
	memcpy(g->in, &h, sizeof(h));
	g->in_len = len;
}

static const struct fuse_out_header *send_req(struct rig *g)
{
	struct iovec iv = { g->in, g->in_len };
	struct iovec ov = { g->out, sizeof(g->out) };
	int rc = fuse_server_handle(g->s, &iv, 1, &ov, 1, &g->written);
	if (rc)
		die("fuse_server_handle", rc);
	const struct fuse_out_header *oh = (const void *)g->out;
	if (g->written < sizeof(*oh) || oh->error)
		die("request failed", g->written < sizeof(*oh) ? EIO : oh->error);
	return oh;
}

static const void *call(struct rig *g, uint32_t opcode, uint64_t nodeid, const void *arg,
			size_t arglen, const char *name)
{
	build(g, opcode, nodeid, arg, arglen, name);
	return send_req(g) + 1;
}

/* The measured loop: callgrind collects only inside this function. Each
 * iteration re-sends the prepared request with a fresh `unique` and, for
 * READ, the next offset. */
__attribute__((noinline)) void bench_loop(struct rig *g, long n, uint32_t opcode);
__attribute__((noinline)) void bench_loop(struct rig *g, long n, uint32_t opcode)
{
	struct fuse_in_header *h = (void *)g->in;
	for (long i = 0; i < n; i++) {
		h->unique = ++g->unique;
		if (opcode == FUSE_READ) {
			struct fuse_read_in *r = (void *)(h + 1);
			r->offset = ((uint64_t)i * 4096) % FILE_SIZE;
		}
		send_req(g);
	}
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fuse_cost getattr|lookup|read4k|readdirplus N [rw|ro|root|rootro]\n");
		return 2;
	}
	const char *op = argv[1];
	long n = atol(argv[2]);
	const char *mode = argc > 3 ? argv[3] : "rw";
	int ro = strcmp(mode, "ro") == 0 || strcmp(mode, "rootro") == 0;
	int root = strcmp(mode, "root") == 0 || strcmp(mode, "rootro") == 0;
	if (!ro && !root && strcmp(mode, "rw") != 0) {
		fprintf(stderr, "fuse_cost: unknown mode %s\n", mode);
		return 2;
	}

	char dir[] = "/tmp/ckrun-fuse-cost-XXXXXX";
	if (!mkdtemp(dir))
		die("mkdtemp", errno);
	char p[256];
	static char buf[FILE_SIZE];
	memset(buf, 'x', sizeof(buf));
	snprintf(p, sizeof(p), "%s/file", dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		die("write file", errno);
	close(fd);
	snprintf(p, sizeof(p), "%s/d", dir);
	if (mkdir(p, 0755))
		die("mkdir", errno);
	for (int i = 0; i < DIR_ENTRIES; i++) {
		snprintf(p, sizeof(p), "%s/d/entry-%02d", dir, i);
		fd = open(p, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			die("create entry", errno);
		close(fd);
	}

	struct fs_passthrough_opts o = { .root = dir };
	struct fuse_server_config cfg = { 0 };
	int rc = fs_passthrough_new(&o, &cfg.backend);
	if (rc)
		die("fs_passthrough_new", rc);
	if (ro) {
		struct fs_backend inner = cfg.backend;
		rc = fs_readonly_new(inner, &cfg.backend);
		if (rc)
			die("fs_readonly_new", rc);
	}
	if (root) {
		/* a stand-in for the embedded init: only its presence matters */
		static const char blob[] = "#!/bin/sh\n";
		struct fs_virtual_file vf = { "init.krun", blob, sizeof(blob) - 1, S_IFREG | 0755 };
		rc = fs_augment_new(cfg.backend, &vf, 1, &cfg.backend);
		if (rc)
			die("fs_augment_new", rc);
	}
	static struct rig g;
	rc = fuse_server_new(&cfg, &g.s);
	if (rc)
		die("fuse_server_new", rc);

	struct fuse_init_in init = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
				     .max_readahead = 65536,
				     .flags = FUSE_DO_READDIRPLUS | FUSE_ASYNC_READ | FUSE_BIG_WRITES };
	call(&g, FUSE_INIT, 0, &init, sizeof(init), NULL);
	const struct fuse_entry_out *fe = call(&g, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "file");
	uint64_t file = fe->nodeid;
	fe = call(&g, FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "d");
	uint64_t d = fe->nodeid;

	uint32_t opcode;
	if (strcmp(op, "getattr") == 0) {
		struct fuse_getattr_in a = { 0 };
		build(&g, opcode = FUSE_GETATTR, file, &a, sizeof(a), NULL);
	} else if (strcmp(op, "lookup") == 0) {
		build(&g, opcode = FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, "file");
	} else if (strcmp(op, "read4k") == 0) {
		struct fuse_open_in oi = { .flags = O_RDONLY };
		const struct fuse_open_out *oo = call(&g, FUSE_OPEN, file, &oi, sizeof(oi), NULL);
		struct fuse_read_in r = { .fh = oo->fh, .offset = 0, .size = 4096, .flags = O_RDONLY };
		build(&g, opcode = FUSE_READ, file, &r, sizeof(r), NULL);
	} else if (strcmp(op, "readdirplus") == 0) {
		struct fuse_open_in oi = { .flags = O_RDONLY | O_DIRECTORY };
		const struct fuse_open_out *oo = call(&g, FUSE_OPENDIR, d, &oi, sizeof(oi), NULL);
		/* a 64 KiB buffer from offset 0: every entry (with "." and "..") in
		 * one reply, as the guest's first READDIRPLUS of a small directory */
		struct fuse_read_in r = { .fh = oo->fh, .offset = 0, .size = 65536 };
		build(&g, opcode = FUSE_READDIRPLUS, d, &r, sizeof(r), NULL);
	} else {
		fprintf(stderr, "fuse_cost: unknown op %s\n", op);
		return 2;
	}
	/* one unmeasured request, so that the first call's one-time costs stay out */
	send_req(&g);
	size_t reply = g.written;
	bench_loop(&g, n, opcode);
	printf("fuse_cost: op=%s mode=%s n=%ld reply_bytes=%zu\n", op, mode, n, reply);
	fuse_server_free(g.s);
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
