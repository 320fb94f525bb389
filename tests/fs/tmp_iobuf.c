/* SPDX-License-Identifier: Apache-2.0 */
/* TEMPORARY test-only stand-ins for iobuf.c / name.c until the server lands
 * on main; deleted after merging. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "fs/backend.h"

size_t fs_iobuf_remaining(const struct fs_iobuf *b)
{
	size_t n = 0;
	for (int i = b->idx; i < b->iovcnt; i++)
		n += b->iov[i].iov_len - (i == b->idx ? b->off : 0);
	return n < b->limit ? n : b->limit;
}

static void adv(struct fs_iobuf *b, size_t n)
{
	b->limit -= n;
	while (n) {
		size_t a = b->iov[b->idx].iov_len - b->off;
		if (a > n) { b->off += n; return; }
		n -= a; b->idx++; b->off = 0;
	}
	while (b->idx < b->iovcnt && b->off == b->iov[b->idx].iov_len) { b->idx++; b->off = 0; }
}

int fs_iobuf_write(struct fs_iobuf *b, const void *src, size_t n)
{
	if (fs_iobuf_remaining(b) < n) return -ENOSPC;
	size_t done = 0; int i = b->idx; size_t off = b->off;
	while (done < n) {
		size_t a = b->iov[i].iov_len - off; if (a > n - done) a = n - done;
		memcpy((char *)b->iov[i].iov_base + off, (const char *)src + done, a);
		done += a; i++; off = 0;
	}
	adv(b, n); return 0;
}

int fs_iobuf_read(struct fs_iobuf *b, void *dst, size_t n)
{
	if (fs_iobuf_remaining(b) < n) return -EINVAL;
	size_t done = 0; int i = b->idx; size_t off = b->off;
	while (done < n) {
		size_t a = b->iov[i].iov_len - off; if (a > n - done) a = n - done;
		memcpy((char *)dst + done, (const char *)b->iov[i].iov_base + off, a);
		done += a; i++; off = 0;
	}
	adv(b, n); return 0;
}

int fs_iobuf_skip(struct fs_iobuf *b, size_t n)
{
	if (fs_iobuf_remaining(b) < n) return -EINVAL;
	adv(b, n); return 0;
}

ssize_t fs_iobuf_pread(struct fs_iobuf *b, int fd, size_t n, off_t off)
{
	if (n > fs_iobuf_remaining(b)) n = fs_iobuf_remaining(b);
	char tmp[65536]; if (n > sizeof(tmp)) n = sizeof(tmp);
	ssize_t r = pread(fd, tmp, n, off);
	if (r < 0) return -errno;
	fs_iobuf_write(b, tmp, (size_t)r); return r;
}

ssize_t fs_iobuf_pwrite(struct fs_iobuf *b, int fd, size_t n, off_t off)
{
	if (n > fs_iobuf_remaining(b)) return -EINVAL;
	char tmp[65536]; if (n > sizeof(tmp)) n = sizeof(tmp);
	size_t save_off = b->off; int save_idx = b->idx; size_t save_lim = b->limit;
	fs_iobuf_read(b, tmp, n);
	ssize_t r = pwrite(fd, tmp, n, off);
	b->off = save_off; b->idx = save_idx; b->limit = save_lim;
	if (r < 0) return -errno;
	adv(b, (size_t)r); return r;
}

bool fs_name_is_valid(const char *name)
{
	return name && *name && strchr(name, '/') == NULL && strcmp(name, ".") && strcmp(name, "..");
}
