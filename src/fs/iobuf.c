/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bounded scatter-gather cursor (struct fs_iobuf, see backend.h).
 *
 * Every access is clamped twice: by the iovecs themselves and by `limit`.
 * Nothing here trusts the iovec lengths to sum without overflow: the sum is
 * taken with saturation at `limit`.
 */
#include "fs/backend.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* iovecs handed to one preadv/pwritev call; longer lists loop. */
#define IOBUF_BATCH 64

/* Bytes left in iov[idx] after off (0 if a caller-built cursor is past the end). */
static size_t avail_at(const struct fs_iobuf *b, int idx, size_t off)
{
	size_t len = b->iov[idx].iov_len;

	return off < len ? len - off : 0;
}

size_t fs_iobuf_remaining(const struct fs_iobuf *b)
{
	size_t sum = 0;

	for (int i = b->idx; i < b->iovcnt && sum < b->limit; i++) {
		size_t len = avail_at(b, i, i == b->idx ? b->off : 0);
		if (len > b->limit - sum)
			return b->limit;
		sum += len;
	}
	return sum < b->limit ? sum : b->limit;
}

/* Move the cursor n bytes forward; n must be <= fs_iobuf_remaining(). */
static void advance(struct fs_iobuf *b, size_t n)
{
	b->limit -= n;
	while (b->idx < b->iovcnt) {
		size_t avail = avail_at(b, b->idx, b->off);

		if (n < avail) {
			b->off += n;
			return;
		}
		n -= avail;
		b->idx++;
		b->off = 0;
		if (n == 0)
			break;
	}
	/* Skip empty iovecs so idx always names the next byte. */
	while (b->idx < b->iovcnt && b->iov[b->idx].iov_len == 0)
		b->idx++;
}

/* Copy n bytes between the cursor position and buf (to_iov: into the iovecs). */
static void copy(struct fs_iobuf *b, void *buf, size_t n, bool to_iov)
{
	char *p = buf;
	int idx = b->idx;
	size_t off = b->off;

	while (n > 0) {
		size_t avail = avail_at(b, idx, off);
		size_t k = n < avail ? n : avail;
		char *base = (char *)b->iov[idx].iov_base + off;

		if (k > 0) {
			if (to_iov)
				memcpy(base, p, k);
			else
				memcpy(p, base, k);
		}
		p += k;
		n -= k;
		idx++;
		off = 0;
	}
}

int fs_iobuf_write(struct fs_iobuf *b, const void *src, size_t n)
{
	if (n > fs_iobuf_remaining(b))
		return -ENOSPC;
	copy(b, (void *)src, n, true);
	advance(b, n);
	return 0;
}

int fs_iobuf_read(struct fs_iobuf *b, void *dst, size_t n)
{
	if (n > fs_iobuf_remaining(b))
		return -EINVAL;
	copy(b, dst, n, false);
	advance(b, n);
	return 0;
}

int fs_iobuf_skip(struct fs_iobuf *b, size_t n)
{
	if (n > fs_iobuf_remaining(b))
		return -EINVAL;
	advance(b, n);
	return 0;
}

/* Build up to IOBUF_BATCH iovecs covering at most n bytes from the cursor. */
static int gather(const struct fs_iobuf *b, size_t n, struct iovec *v, size_t *total)
{
	int cnt = 0;
	int idx = b->idx;
	size_t off = b->off;

	*total = 0;
	while (n > 0 && idx < b->iovcnt && cnt < IOBUF_BATCH) {
		size_t avail = avail_at(b, idx, off);
		size_t k = n < avail ? n : avail;

		if (k > 0) {
			v[cnt].iov_base = (char *)b->iov[idx].iov_base + off;
			v[cnt].iov_len = k;
			cnt++;
			n -= k;
			*total += k;
		}
		idx++;
		off = 0;
	}
	return cnt;
}

static ssize_t file_io(struct fs_iobuf *b, int fd, size_t n, off_t off, bool is_read)
{
	size_t done = 0;
	size_t rem = fs_iobuf_remaining(b);

	if (n > rem)
		n = rem;
	if (off < 0)
		return -EINVAL;
	while (done < n) {
		struct iovec v[IOBUF_BATCH];
		size_t want;
		int cnt = gather(b, n - done, v, &want);
		ssize_t r;

		if (cnt == 0)
			break;
		/* off + done cannot wrap: the kernel rejects offsets past
		 * its own maximum before any transfer. */
		if ((uint64_t)off + done > (uint64_t)INT64_MAX)
			return done > 0 ? (ssize_t)done : -EFBIG;
		if (is_read)
			r = preadv(fd, v, cnt, off + (off_t)done);
		else
			r = pwritev(fd, v, cnt, off + (off_t)done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (done > 0)
				break; /* report the part that did transfer */
			return -errno;
		}
		advance(b, (size_t)r);
		done += (size_t)r;
		if ((size_t)r < want)
			break; /* EOF or short write: stop, as read(2) would */
	}
	return (ssize_t)done;
}

ssize_t fs_iobuf_pread(struct fs_iobuf *b, int fd, size_t n, off_t off)
{
	return file_io(b, fd, n, off, true);
}

ssize_t fs_iobuf_pwrite(struct fs_iobuf *b, int fd, size_t n, off_t off)
{
	return file_io(b, fd, n, off, false);
}
