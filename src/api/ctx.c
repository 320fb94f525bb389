/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The context table. The libkrun API names contexts by integer IDs, so the
 * table is necessarily process-wide: this file holds the library's only
 * context state, behind one mutex. IDs are never reused (as in libkrun).
 * Only live contexts are stored, so memory does not grow with the number of
 * contexts ever created.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "api/ctx.h"

struct ctx_entry {
	uint32_t id;
	struct ckrun_config *cfg;
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ctx_entry *table;   /* live contexts, unordered */
static size_t table_len, table_cap;
static uint32_t next_id;          /* IDs fit the int32_t that krun_create_ctx returns */

/* Caller holds table_lock. */
static ssize_t find(uint32_t id)
{
	for (size_t i = 0; i < table_len; i++)
		if (table[i].id == id)
			return (ssize_t)i;
	return -1;
}

/* Caller holds table_lock; the order of entries does not matter. */
static void remove_at(size_t i)
{
	table[i] = table[--table_len];
	if (table_len == 0) {
		/* Give the memory back once nothing is live, e.g. for leak checkers. */
		free(table);
		table = NULL;
		table_cap = 0;
	}
}

int ckrun_ctx_create(void)
{
	struct ckrun_config *cfg = malloc(sizeof(*cfg));
	int ret;

	if (!cfg)
		return -ENOMEM;
	ckrun_config_init(cfg);

	pthread_mutex_lock(&table_lock);
	if (next_id > INT32_MAX) {
		ret = -ENOSPC;
		goto fail;
	}
	if (table_len == table_cap) {
		size_t cap = table_cap ? table_cap * 2 : 8;
		struct ctx_entry *t = realloc(table, cap * sizeof(*t));

		if (!t) {
			ret = -ENOMEM;
			goto fail;
		}
		table = t;
		table_cap = cap;
	}
	table[table_len].id = next_id;
	table[table_len].cfg = cfg;
	table_len++;
	ret = (int)next_id++;
	pthread_mutex_unlock(&table_lock);
	return ret;

fail:
	pthread_mutex_unlock(&table_lock);
	free(cfg);
	return ret;
}

int ckrun_ctx_take(uint32_t id, struct ckrun_config **out)
{
	ssize_t i;

	pthread_mutex_lock(&table_lock);
	i = find(id);
	if (i < 0) {
		pthread_mutex_unlock(&table_lock);
		return -ENOENT;
	}
	*out = table[i].cfg;
	remove_at((size_t)i);
	pthread_mutex_unlock(&table_lock);
	return 0;
}

int ckrun_ctx_free(uint32_t id)
{
	struct ckrun_config *cfg;
	int ret = ckrun_ctx_take(id, &cfg);

	if (ret)
		return ret;
	/* Freed outside the lock: nobody else can reach it any more. */
	ckrun_config_free(cfg);
	free(cfg);
	return 0;
}

int ckrun_ctx_check(uint32_t id)
{
	int ret;

	pthread_mutex_lock(&table_lock);
	ret = find(id) < 0 ? -ENOENT : 0;
	pthread_mutex_unlock(&table_lock);
	return ret;
}

struct ckrun_config *ckrun_ctx_lock(uint32_t id)
{
	ssize_t i;

	pthread_mutex_lock(&table_lock);
	i = find(id);
	if (i < 0) {
		pthread_mutex_unlock(&table_lock);
		return NULL;
	}
	return table[i].cfg;
}

void ckrun_ctx_unlock(void)
{
	pthread_mutex_unlock(&table_lock);
}

const struct ckrun_config *ckrun_ctx_config_for_test(uint32_t id)
{
	struct ckrun_config *cfg = ckrun_ctx_lock(id);

	if (cfg)
		ckrun_ctx_unlock();
	return cfg;
}
