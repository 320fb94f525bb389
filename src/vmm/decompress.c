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

static int gunzip(const uint8_t *in, size_t n, struct obuf *o)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) /* 16: gzip wrapper only */
		return -ENOMEM;
	int err = 0;
	size_t off = 0;
	for (;;) {
		if ((err = grow(o)))
			break;
		/* zlib counts in uInt: feed and drain at most 1 GiB at a time. */
		size_t in_now = n - off > (1u << 30) ? (1u << 30) : n - off;
		z.next_in = (Bytef *)(uintptr_t)(in + off);
		z.avail_in = (uInt)in_now;
		z.next_out = o->p + o->len;
		z.avail_out = (uInt)(o->cap - o->len > (1u << 30) ? (1u << 30) : o->cap - o->len);
		uInt out_before = z.avail_out;
		int r = inflate(&z, Z_NO_FLUSH);
		off += in_now - z.avail_in;
		o->len += out_before - z.avail_out;
		if (r == Z_STREAM_END)
			break;
		if (r == Z_BUF_ERROR && off == n) {
			err = -EBADMSG; /* the input ended before the stream did: truncated */
			break;
		}
		if (r != Z_OK && r != Z_BUF_ERROR) {
			err = r == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
	}
	inflateEnd(&z);
	return err;
}

static int bunzip2(const uint8_t *in, size_t n, struct obuf *o)
{
	bz_stream b;
	memset(&b, 0, sizeof(b));
	if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK)
		return -ENOMEM;
	int err = 0;
	size_t off = 0;
	for (;;) {
		if ((err = grow(o)))
			break;
		size_t in_now = n - off > (1u << 30) ? (1u << 30) : n - off;
		b.next_in = (char *)(uintptr_t)(in + off);
		b.avail_in = (unsigned)in_now;
		b.next_out = (char *)o->p + o->len;
		b.avail_out = (unsigned)(o->cap - o->len > (1u << 30) ? (1u << 30) : o->cap - o->len);
		unsigned out_before = b.avail_out;
		int r = BZ2_bzDecompress(&b);
		off += in_now - b.avail_in;
		o->len += out_before - b.avail_out;
		if (r == BZ_STREAM_END)
			break;
		if (r != BZ_OK) {
			err = r == BZ_MEM_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
		if (off == n && b.avail_out > 0) {
			err = -EBADMSG; /* truncated */
			break;
		}
	}
	BZ2_bzDecompressEnd(&b);
	return err;
}

static int unzstd(const uint8_t *in, size_t n, struct obuf *o)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	if (!z)
		return -ENOMEM;
	ZSTD_inBuffer ib = { in, n, 0 };
	int err = 0;
	for (;;) {
		if ((err = grow(o)))
			break;
		ZSTD_outBuffer ob = { o->p, o->cap, o->len };
		size_t r = ZSTD_decompressStream(z, &ob, &ib);
		o->len = ob.pos;
		if (ZSTD_isError(r)) {
			err = ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? -ENOMEM : -EBADMSG;
			break;
		}
		if (r == 0)
			break; /* a whole frame decoded */
		if (ib.pos == ib.size && ob.pos < ob.size) {
			err = -EBADMSG; /* truncated */
			break;
		}
	}
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
