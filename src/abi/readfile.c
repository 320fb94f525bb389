/* SPDX-License-Identifier: Apache-2.0 */
/* A capped whole-file read; see readfile.h. */
#include "abi/readfile.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int read_capped(int fd, size_t max, char **out, size_t *len)
{
	char *buf = malloc(max + 1);
	size_t n = 0;

	*out = NULL;
	*len = 0;
	if (!buf)
		return -ENOMEM;
	/* Up to max + 1 bytes: one more than allowed tells "too large" from "exactly max". */
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int rc = -errno;
			free(buf);
			return rc;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(buf);
			return -E2BIG;
		}
	}
	*out = buf;
	*len = n;
	return 0;
}
