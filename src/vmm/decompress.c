/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compressed kernels (KRUN_KERNEL_FORMAT_IMAGE_GZ/BZ2/ZSTD): an ELF vmlinux
 * compressed with gzip, bzip2 or zstd, alone or inside another file (a
 * distribution's vmlinuz carries it as its bzImage payload). As libkrun, the
 * stream is found by its magic bytes; unlike libkrun, a stream that fails to
 * decompress or does not hold an ELF is skipped for the next occurrence of
 * the magic (those bytes can occur by chance), a damaged stream is an error
 * rather than a partial kernel, and the output is bounded.
 */
#include <bzlib.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "vmm/vm.h"

#define CHUNK (4u << 20) /* output buffer growth step */
/* Occurrences of the magic tried: bounds the work a hostile file can cause. */
#define DECOMPRESS_MAX_TRIES 16

/* A growable output buffer, bounded by max. */
struct obuf {
	uint8_t *p;
	size_t len, cap, max;
};

/* Room for at least one more byte: 0, -EFBIG (over max) or -ENOMEM. */
static int grow(struct obuf *o)
{
	if (o->len < o->cap)
		return 0;
	if (o->cap >= o->max)
		return -EFBIG;
	size_t cap = o->cap + CHUNK > o->max ? o->max : o->cap + CHUNK;
	uint8_t *p = realloc(o->p, cap);
	if (!p)
		return -ENOMEM;
	o->p = p;
	o->cap = cap;
	return 0;
}

/*
 * One step of a codec: decode from in (*in_left bytes) into out (*out_left
 * bytes of room), leaving in both what it did not use. 1 at the stream's
 * end, 0 to go on, -ENOMEM or -EBADMSG.
 */
typedef int (*step_fn)(void *s, const uint8_t *in, size_t *in_left, uint8_t *out,
		       size_t *out_left);

/* zlib and bzip2 count in 32 bits: at most 1 GiB of input and of room a step. */
#define STEP_MAX ((size_t)1 << 30)

/* Runs a codec's steps over in[0..n) until its stream ends, growing o as it fills. */
static int decode(void *s, step_fn step, const uint8_t *in, size_t n, struct obuf *o)
{
	size_t off = 0;
	for (;;) {
		int r = grow(o);
		if (r)
			return r;
		size_t in_now = n - off > STEP_MAX ? STEP_MAX : n - off;
		size_t out_now = o->cap - o->len > STEP_MAX ? STEP_MAX : o->cap - o->len;
		size_t in_left = in_now, out_left = out_now;
		r = step(s, in + off, &in_left, o->p + o->len, &out_left);
		off += in_now - in_left;
		o->len += out_now - out_left;
		if (r)
			return r < 0 ? r : 0;
		if (off == n && out_left > 0)
			return -EBADMSG; /* the input ended before the stream did: truncated */
	}
}

static int gunzip_step(void *s, const uint8_t *in, size_t *in_left, uint8_t *out, size_t *out_left)
{
	z_stream *z = s;
	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = (uInt)*in_left;
	z->next_out = out;
	z->avail_out = (uInt)*out_left;
	int r = inflate(z, Z_NO_FLUSH);
	*in_left = z->avail_in;
	*out_left = z->avail_out;
	if (r == Z_STREAM_END)
		return 1;
	if (r == Z_OK || r == Z_BUF_ERROR) /* BUF_ERROR: no progress, told by the caller */
		return 0;
	return r == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
}

static int gunzip(const uint8_t *in, size_t n, struct obuf *o)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) /* 16: gzip wrapper only */
		return -ENOMEM;
	int err = decode(&z, gunzip_step, in, n, o);
	inflateEnd(&z);
	return err;
}

static int bunzip2_step(void *s, const uint8_t *in, size_t *in_left, uint8_t *out, size_t *out_left)
{
	bz_stream *b = s;
	b->next_in = (char *)(uintptr_t)in;
	b->avail_in = (unsigned)*in_left;
	b->next_out = (char *)out;
	b->avail_out = (unsigned)*out_left;
	int r = BZ2_bzDecompress(b);
	*in_left = b->avail_in;
	*out_left = b->avail_out;
	if (r == BZ_STREAM_END)
		return 1;
	if (r == BZ_OK)
		return 0;
	return r == BZ_MEM_ERROR ? -ENOMEM : -EBADMSG;
}

static int bunzip2(const uint8_t *in, size_t n, struct obuf *o)
{
	bz_stream b;
	memset(&b, 0, sizeof(b));
	if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK)
		return -ENOMEM;
	int err = decode(&b, bunzip2_step, in, n, o);
	BZ2_bzDecompressEnd(&b);
	return err;
}

static int unzstd_step(void *s, const uint8_t *in, size_t *in_left, uint8_t *out, size_t *out_left)
{
	ZSTD_inBuffer ib = { in, *in_left, 0 };
	ZSTD_outBuffer ob = { out, *out_left, 0 };
	size_t r = ZSTD_decompressStream(s, &ob, &ib);
	*in_left -= ib.pos;
	*out_left -= ob.pos;
	if (ZSTD_isError(r))
		return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? -ENOMEM : -EBADMSG;
	return r == 0; /* 0: a whole frame decoded */
}

static int unzstd(const uint8_t *in, size_t n, struct obuf *o)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	if (!z)
		return -ENOMEM;
	int err = decode(z, unzstd_step, in, n, o);
	ZSTD_freeDStream(z);
	return err;
}

static const struct {
	uint32_t format;
	uint8_t magic[4];
	size_t magic_len;
	int (*decode)(const uint8_t *in, size_t n, struct obuf *o);
} codecs[] = {
	{ VM_KERNEL_FORMAT_IMAGE_GZ, { 0x1f, 0x8b, 0x08 }, 3, gunzip }, /* gzip, deflate */
	{ VM_KERNEL_FORMAT_IMAGE_BZ2, { 'B', 'Z', 'h' }, 3, bunzip2 },
	{ VM_KERNEL_FORMAT_IMAGE_ZSTD, { 0x28, 0xb5, 0x2f, 0xfd }, 4, unzstd },
};

int kernel_decompress(const uint8_t *data, size_t size, uint32_t format, size_t max,
		      int (*accept)(const uint8_t *d, size_t n), uint8_t **out, size_t *out_len)
{
	size_t c = 0;
	while (c < sizeof(codecs) / sizeof(codecs[0]) && codecs[c].format != format)
		c++;
	if (c == sizeof(codecs) / sizeof(codecs[0]))
		return -EINVAL;
	int first_err = 0, tries = 0;
	const uint8_t *end = data + size, *p = data;
	while (tries++ < DECOMPRESS_MAX_TRIES && (size_t)(end - p) >= codecs[c].magic_len &&
	       (p = memmem(p, (size_t)(end - p), codecs[c].magic, codecs[c].magic_len))) {
		struct obuf o = { .max = max };
		int err = codecs[c].decode(p, (size_t)(end - p), &o);
		if (!err && !accept(o.p, o.len))
			err = -ENOEXEC; /* a stream, but no bootable ELF in it */
		if (!err) {
			*out = o.p;
			*out_len = o.len;
			return 0;
		}
		free(o.p);
		if (err == -ENOMEM)
			return err;
		/* Report what the first stream said: later magic is likely chance. */
		if (!first_err)
			first_err = err;
		p++;
	}
	return first_err ? first_err : -ENOEXEC;
}
