/* SPDX-License-Identifier: Apache-2.0 */
/* The workload file's encoder (host) and decoder (guest); see workload.h. */
#include "abi/workload.h"
#include "abi/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int workload_encode(char *const *const lists[WL_NR_LISTS], uint8_t **out, size_t *len)
{
	size_t total = WORKLOAD_MAGIC_LEN, n[WL_NR_LISTS];

	for (int l = 0; l < WL_NR_LISTS; l++) {
		n[l] = 0;
		for (; lists[l] && lists[l][n[l]]; n[l]++) {
			if (n[l] >= WORKLOAD_MAX_LIST)
				return -E2BIG;
			size_t sl = strlen(lists[l][n[l]]);
			if (sl > WORKLOAD_MAX_BYTES)
				return -E2BIG;
			total += 4 + sl;
			if (total > WORKLOAD_MAX_BYTES)
				return -E2BIG;
		}
		if ((l == WL_EXEC || l == WL_WORKDIR) && n[l] > 1)
			return -EINVAL;
		total += 4;
	}
	if (total > WORKLOAD_MAX_BYTES)
		return -E2BIG;
	uint8_t *buf = malloc(total), *p = buf;
	if (!buf)
		return -ENOMEM;
	memcpy(p, WORKLOAD_MAGIC, WORKLOAD_MAGIC_LEN);
	p += WORKLOAD_MAGIC_LEN;
	for (int l = 0; l < WL_NR_LISTS; l++) {
		put_u32(p, (uint32_t)n[l]);
		p += 4;
		for (size_t i = 0; i < n[l]; i++) {
			size_t sl = strlen(lists[l][i]);
			put_u32(p, (uint32_t)sl);
			memcpy(p + 4, lists[l][i], sl);
			p += 4 + sl;
		}
	}
	*out = buf;
	*len = total;
	return 0;
}

static void free_list(char **l)
{
	for (char **p = l; p && *p; p++)
		free(*p);
	free(l);
}

void workload_free(struct workload *w)
{
	for (int l = 0; l < WL_NR_LISTS; l++) {
		free_list(w->list[l]);
		w->list[l] = NULL;
	}
}

int workload_decode(const uint8_t *buf, size_t len, struct workload *w)
{
	size_t off = WORKLOAD_MAGIC_LEN;
	int rc = -EINVAL;

	memset(w, 0, sizeof(*w));
	if (len > WORKLOAD_MAX_BYTES)
		return -E2BIG;
	if (len < WORKLOAD_MAGIC_LEN || memcmp(buf, WORKLOAD_MAGIC, WORKLOAD_MAGIC_LEN) != 0)
		return -EINVAL;
	for (int l = 0; l < WL_NR_LISTS; l++) {
		if (len - off < 4)
			goto fail;
		uint32_t n = get_u32(buf + off);
		off += 4;
		if (n > WORKLOAD_MAX_LIST || ((l == WL_EXEC || l == WL_WORKDIR) && n > 1)) {
			rc = n > WORKLOAD_MAX_LIST ? -E2BIG : -EINVAL;
			goto fail;
		}
		/* Each entry takes at least 4 bytes: n is bounded by what is left. */
		if (n > (len - off) / 4)
			goto fail;
		w->list[l] = calloc((size_t)n + 1, sizeof(char *));
		if (!w->list[l]) {
			rc = -ENOMEM;
			goto fail;
		}
		for (uint32_t i = 0; i < n; i++) {
			if (len - off < 4)
				goto fail;
			uint32_t sl = get_u32(buf + off);
			off += 4;
			if (sl > len - off || memchr(buf + off, '\0', sl))
				goto fail;
			char *s = malloc((size_t)sl + 1);
			if (!s) {
				rc = -ENOMEM;
				goto fail;
			}
			memcpy(s, buf + off, sl);
			s[sl] = '\0';
			w->list[l][i] = s;
			off += sl;
		}
	}
	if (off != len)
		goto fail;
	return 0;
fail:
	workload_free(w);
	return rc;
}

int workload_load(const char *path, struct workload *w)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t len;
	int rc;

	memset(w, 0, sizeof(*w));
	if (fd < 0)
		return -errno;
	/* Read to the end with a hard cap, whatever the file's size says. */
	rc = read_capped(fd, WORKLOAD_MAX_BYTES, &buf, &len);
	close(fd);
	if (rc < 0)
		return rc;
	rc = workload_decode((const uint8_t *)buf, len, w);
	free(buf);
	return rc;
}
