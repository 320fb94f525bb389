/* SPDX-License-Identifier: Apache-2.0 */
/* The per-VM budgets of the shares (limits.h). */
#include "fs/limits.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>

struct fs_limits {
	atomic_uint refs;
	pthread_mutex_t lock;
	unsigned budget;      /* fds for all shares */
	unsigned floor;       /* guaranteed to each share */
	unsigned shared_max;  /* budget - nr_shares * floor */
	unsigned shared_used; /* fds taken past a share's floor */
	unsigned used;        /* all fds held by all shares */
	unsigned nr_shares;
	uint64_t dax_used;    /* live 2 MiB chunks in all windows */
};

static unsigned count_open_fds(void)
{
	unsigned n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 16; /* a guess; the reserve covers the error */
	while (readdir(d))
		n++;
	closedir(d);
	return n > 3 ? n - 3 : 0; /* ".", "..", and the DIR's own fd */
}

int fs_limits_new(unsigned nr_shares, unsigned long nofile, unsigned open_now, struct fs_limits **out)
{
	struct fs_limits *l;
	struct rlimit rl;
	unsigned long lim = nofile, reserve, avail;

	*out = NULL;
	if (nr_shares == 0)
		nr_shares = 1;
	if (lim == 0) {
		lim = 1024;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
			lim = rl.rlim_cur == RLIM_INFINITY ? 1ul << 20 : (unsigned long)rl.rlim_cur;
	}
	if (lim > 1ul << 30)
		lim = 1ul << 30; /* keeps every count below in an unsigned */
	if (open_now == (unsigned)-1)
		open_now = count_open_fds();
	reserve = lim / 4 > FS_FD_RESERVE_MIN ? lim / 4 : FS_FD_RESERVE_MIN;
	avail = lim > open_now + reserve ? lim - open_now - reserve : 0;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	if (pthread_mutex_init(&l->lock, NULL) != 0) {
		free(l);
		return -ENOMEM;
	}
	atomic_init(&l->refs, 1);
	l->nr_shares = nr_shares;
	/* A limit too small for the floors: each share gets an equal part
	 * (at least 2, the root and one more; the reserve then shrinks). */
	l->budget = (unsigned)avail;
	l->floor = FS_FD_SHARE_FLOOR;
	if ((unsigned long)l->floor * nr_shares > avail)
		l->floor = (unsigned)(avail / nr_shares);
	if (l->floor < 2)
		l->floor = 2;
	if ((unsigned long)l->floor * nr_shares > l->budget)
		l->budget = l->floor * nr_shares;
	l->shared_max = l->budget - l->floor * nr_shares;
	*out = l;
	return 0;
}

struct fs_limits *fs_limits_ref(struct fs_limits *l)
{
	if (l)
		atomic_fetch_add(&l->refs, 1);
	return l;
}

void fs_limits_unref(struct fs_limits *l)
{
	if (!l || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

unsigned fs_limits_inode_entries(const struct fs_limits *l)
{
	return FS_MAX_INODE_ENTRIES_VM / l->nr_shares;
}

unsigned fs_limits_fd_budget(const struct fs_limits *l)
{
	return l->budget;
}

unsigned fs_limits_fd_used(struct fs_limits *l)
{
	pthread_mutex_lock(&l->lock);
	unsigned n = l->used;
	pthread_mutex_unlock(&l->lock);
	return n;
}

int fs_fd_account_open(struct fs_fd_account *a, struct fs_limits *l)
{
	a->used = 0;
	if (l) {
		a->l = fs_limits_ref(l);
		return 0;
	}
	return fs_limits_new(1, 0, (unsigned)-1, &a->l);
}

void fs_fd_account_close(struct fs_fd_account *a)
{
	if (!a->l)
		return;
	fs_fd_give(a, a->used);
	fs_limits_unref(a->l);
	a->l = NULL;
}

int fs_fd_take(struct fs_fd_account *a)
{
	struct fs_limits *l = a->l;
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	if (a->used >= l->floor) {
		if (l->shared_used >= l->shared_max)
			ret = -ENFILE;
		else
			l->shared_used++;
	}
	if (ret == 0) {
		a->used++;
		l->used++;
	}
	pthread_mutex_unlock(&l->lock);
	return ret;
}

void fs_fd_give(struct fs_fd_account *a, unsigned n)
{
	struct fs_limits *l = a->l;

	pthread_mutex_lock(&l->lock);
	for (; n > 0 && a->used > 0; n--) {
		a->used--;
		l->used--;
		if (a->used >= l->floor)
			l->shared_used--;
	}
	pthread_mutex_unlock(&l->lock);
}

int fs_limits_dax_take(struct fs_limits *l, uint64_t n)
{
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	if (n > FS_DAX_MAX_LIVE_CHUNKS - l->dax_used)
		ret = -ENOMEM;
	else
		l->dax_used += n;
	pthread_mutex_unlock(&l->lock);
	return ret;
}

void fs_limits_dax_give(struct fs_limits *l, uint64_t n)
{
	pthread_mutex_lock(&l->lock);
	l->dax_used -= n < l->dax_used ? n : l->dax_used;
	pthread_mutex_unlock(&l->lock);
}

uint64_t fs_limits_dax_used(struct fs_limits *l)
{
	pthread_mutex_lock(&l->lock);
	uint64_t n = l->dax_used;
	pthread_mutex_unlock(&l->lock);
	return n;
}
