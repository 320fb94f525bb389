/* SPDX-License-Identifier: Apache-2.0 */
/* The poll set of a device worker with an in-process peer (see backend.h). */
#include "net/backend.h"

#include <errno.h>
#include <stdlib.h>

int net_pollset_add(struct net_pollset *s, int fd, short events)
{
	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct pollfd *p = realloc(s->fds, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->fds = p;
		s->cap = cap;
	}
	s->fds[s->nr] = (struct pollfd){ .fd = fd, .events = events };
	return (int)s->nr++;
}

void net_pollset_free(struct net_pollset *s)
{
	free(s->fds);
	s->fds = NULL;
	s->nr = s->cap = 0;
}
