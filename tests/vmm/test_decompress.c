/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compressed kernels (KRUN_KERNEL_FORMAT_IMAGE_GZ/BZ2/ZSTD): an ELF found and
 * decompressed, also inside other bytes as in a vmlinuz; corrupt, truncated,
 * oversized or non-ELF streams give a clear error and never a crash.
 */
#include <bzlib.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cmocka.h>

#include "tinyguest.h"
#include "vmm/vm.h"

static const uint32_t formats[] = { VM_KERNEL_FORMAT_IMAGE_GZ, VM_KERNEL_FORMAT_IMAGE_BZ2,
				    VM_KERNEL_FORMAT_IMAGE_ZSTD };

/* The tiny ELF kernel of the VMM tests, padded so compression has work. */
static uint8_t *make_elf(size_t *n)
{
	char path[] = "/tmp/ckrun-delf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(tiny_write_elf(path, tiny_ok_code, sizeof(tiny_ok_code)), 0);
	FILE *f = fopen(path, "rb");
	uint8_t *d = calloc(1, 65536);
	*n = fread(d, 1, 65536, f);
	fclose(f);
	unlink(path);
	for (size_t i = *n; i < 65536; i++)
		d[i] = (uint8_t)(i * 7 / 13); /* compressible, not all zero */
	*n = 65536;
	return d;
}

static uint8_t *compress_as(uint32_t fmt, const uint8_t *in, size_t n, size_t *out_n)
{
	size_t cap = n + n / 2 + 1024;
	uint8_t *out = malloc(cap);
	assert_non_null(out);
	if (fmt == VM_KERNEL_FORMAT_IMAGE_GZ) {
		z_stream z;
		memset(&z, 0, sizeof(z));
		assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (Bytef *)(uintptr_t)in;
		z.avail_in = (uInt)n;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
		*out_n = cap - z.avail_out;
		deflateEnd(&z);
	} else if (fmt == VM_KERNEL_FORMAT_IMAGE_BZ2) {
		unsigned int len = (unsigned int)cap;
		assert_int_equal(BZ2_bzBuffToBuffCompress((char *)out, &len, (char *)(uintptr_t)in, (unsigned)n, 9, 0, 0),
				 BZ_OK);
		*out_n = len;
	} else {
		/* With the content checksum, as the zstd tool writes by default
		 * (the kernel's build uses it): without one, zstd cannot tell a
		 * flipped literal byte from data. */
		ZSTD_CCtx *z = ZSTD_createCCtx();
		assert_non_null(z);
		assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1)));
		size_t r = ZSTD_compress2(z, out, cap, in, n);
		assert_false(ZSTD_isError(r));
		ZSTD_freeCCtx(z);
		*out_n = r;
	}
	return out;
}

static int parse(uint8_t *d, size_t n, uint32_t fmt, struct kernel_image *k)
{
	memset(k, 0, sizeof(*k));
	k->data = d;
	k->size = n;
	return kernel_image_parse(k, fmt);
}

/* A copy of n bytes at p, so that the parser may take (and free) it. */
static uint8_t *copy_of(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	assert_non_null(d);
	memcpy(d, p, n);
	return d;
}

static void test_each_format_boots_as_elf(void **state)
{
	(void)state;
	size_t n;
	uint8_t *elf = make_elf(&n);
	for (size_t f = 0; f < 3; f++) {
		size_t cn;
		uint8_t *c = compress_as(formats[f], elf, n, &cn);
		struct kernel_image k;
		assert_int_equal(parse(copy_of(c, cn), cn, formats[f], &k), 0);
		assert_int_equal(k.kind, KERNEL_ELF);
		assert_int_equal(k.entry, TINY_LOAD_ADDR);
		assert_int_equal(k.size, n);
		assert_memory_equal(k.data, elf, n);
		kernel_image_free(&k);

		/* Inside other bytes, as the payload of a vmlinuz, after a false
		 * start: a stray copy of the magic that is no valid stream. */
		size_t pre = 3000;
		uint8_t *wrapped = calloc(1, pre + cn + 512);
		memset(wrapped, 0x90, pre + cn + 512);
		memcpy(wrapped + 100, c, 4); /* magic, then garbage */
		memcpy(wrapped + pre, c, cn);
		assert_int_equal(parse(wrapped, pre + cn + 512, formats[f], &k), 0);
		assert_int_equal(k.size, n);
		assert_memory_equal(k.data, elf, n);
		kernel_image_free(&k);

		/* The wrong format for the stream: nothing of that kind in it. */
		uint32_t other = formats[(f + 1) % 3];
		assert_int_equal(parse(copy_of(c, cn), cn, other, &k), -ENOEXEC);
		kernel_image_free(&k);
		free(c);
	}
	free(elf);
}

static void test_truncated_and_corrupt(void **state)
{
	(void)state;
	size_t n;
	uint8_t *elf = make_elf(&n);
	for (size_t f = 0; f < 3; f++) {
		size_t cn;
		uint8_t *c = compress_as(formats[f], elf, n, &cn);
		struct kernel_image k;
		/* Every truncation that keeps the magic: an error, never a partial kernel. */
		for (size_t t = 4; t < cn; t += (t < 64 ? 1 : 37)) {
			int r = parse(copy_of(c, t), t, formats[f], &k);
			if (r != -EBADMSG && r != -ENOEXEC)
				fail_msg("format %u truncated to %zu of %zu: %d", formats[f], t, cn, r);
			kernel_image_free(&k);
		}
		/* Flipped bytes in the stream body: an error (the streams' checksums
		 * catch what the decoder lets through), never a crash. */
		for (size_t pos = 16; pos < cn; pos += cn / 23 + 1) {
			uint8_t *bad = copy_of(c, cn);
			bad[pos] ^= 0x55;
			int r = parse(bad, cn, formats[f], &k);
			if (r == 0) /* a bit the decoder never reads (bzip2's tables): same output */
				assert_memory_equal(k.data, elf, n);
			else if (r != -EBADMSG && r != -ENOEXEC)
				fail_msg("format %u corrupt at %zu of %zu: %d", formats[f], pos, cn, r);
			kernel_image_free(&k);
		}
		free(c);
	}
	free(elf);
}

/* A valid stream whose content is not an ELF kernel. */
static void test_not_elf(void **state)
{
	(void)state;
	uint8_t text[8192];
	memset(text, 'x', sizeof(text));
	for (size_t f = 0; f < 3; f++) {
		size_t cn;
		uint8_t *c = compress_as(formats[f], text, sizeof(text), &cn);
		struct kernel_image k;
		assert_int_equal(parse(c, cn, formats[f], &k), -ENOEXEC);
		kernel_image_free(&k);
	}
}

static int any(const uint8_t *d, size_t n)
{
	(void)d;
	(void)n;
	return 1;
}

/* A small stream that expands beyond the bound stops there. */
static void test_bomb_is_bounded(void **state)
{
	(void)state;
	size_t big = 16u << 20;
	uint8_t *zeros = calloc(1, big);
	assert_non_null(zeros);
	for (size_t f = 0; f < 3; f++) {
		size_t cn;
		uint8_t *c = compress_as(formats[f], zeros, big, &cn);
		uint8_t *out = NULL;
		size_t on = 0;
		assert_true(cn < big / 100);
		assert_int_equal(kernel_decompress(c, cn, formats[f], 4u << 20, any, &out, &on), -EFBIG);
		assert_null(out);
		assert_int_equal(kernel_decompress(c, cn, formats[f], big, any, &out, &on), 0);
		assert_int_equal(on, big);
		free(out);
		free(c);
	}
	free(zeros);
	uint8_t d[8] = { 0 };
	uint8_t *out;
	size_t on;
	assert_int_equal(kernel_decompress(d, sizeof(d), VM_KERNEL_FORMAT_ELF, 1, any, &out, &on), -EINVAL);
}

/* Through the file path krun_set_kernel's kernels take. */
static void test_open_file(void **state)
{
	(void)state;
	size_t n, cn;
	uint8_t *elf = make_elf(&n);
	uint8_t *c = compress_as(VM_KERNEL_FORMAT_IMAGE_ZSTD, elf, n, &cn);
	char path[] = "/tmp/ckrun-kz-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, c, cn), (ssize_t)cn);
	close(fd);
	struct kernel_image k;
	assert_int_equal(kernel_image_open(path, VM_KERNEL_FORMAT_IMAGE_ZSTD, &k), 0);
	assert_int_equal(k.entry, TINY_LOAD_ADDR);
	kernel_image_free(&k);
	assert_int_equal(truncate(path, (off_t)(cn / 2)), 0);
	assert_int_equal(kernel_image_open(path, VM_KERNEL_FORMAT_IMAGE_ZSTD, &k), -EBADMSG);
	assert_null(k.data);
	unlink(path);
	free(c);
	free(elf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_format_boots_as_elf),
		cmocka_unit_test(test_truncated_and_corrupt),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_bomb_is_bounded),
		cmocka_unit_test(test_open_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
