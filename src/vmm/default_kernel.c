/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default kernel read ahead of time (see default_kernel.h).
 *
 * Why process-global state: the copy must be in hand before the client
 * enters a container's root, i.e. before any context exists, and every VM
 * of the process may boot from it. It changes only under the mutex, and
 * is freed only when no VM is copying from it (a count of borrowers).
 *
 * Why a copy in memory rather than a mapping of the file or a kept fd: a
 * client may close every fd behind the library's back (crun does), and a
 * MAP_PRIVATE mapping would raise SIGBUS in the client if the file were
 * truncated in place later (e.g. `cp` over it). The price is the file's
 * size in memory (1.7 MiB for ckrun's bzImage) in each process that loads
 * the library with a kernel installed, until krun_start_enter's VM has its
 * kernel in guest RAM: that process ends with the VM, so nothing else can
 * need the copy, and it is freed then (default_kernel_discard).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/default_kernel.h"
#include "vmm/vm.h"

#ifndef CKRUN_DATADIR
#define CKRUN_DATADIR "/usr/local/share/ckrun"
#endif

static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *path;    /* NULL until a file was read */
	uint8_t *data;
	size_t size;
	unsigned users; /* default_kernel_get without its put */
	bool discard;   /* free when the last user is done */
} held;

static void free_held_locked(void)
{
	free(held.path);
	free(held.data);
	held.path = NULL;
	held.data = NULL;
	held.size = 0;
	held.discard = false;
}

const char *default_kernel_path(void)
{
	const char *env = getenv("CKRUN_KERNEL");
	return env && *env ? env : CKRUN_DATADIR "/vmlinuz";
}

int default_kernel_preload(void)
{
	int err = 0;
	pthread_mutex_lock(&held_lock);
	held.discard = false; /* someone may boot from it again */
	if (!held.path) {
		const char *path = default_kernel_path();
		uint8_t *data;
		size_t size;
		char *copy = strdup(path);
		if (!copy)
			err = -ENOMEM;
		else if ((err = kernel_file_read(path, &data, &size)))
			free(copy);
		else {
			held.data = data;
			held.size = size;
			held.path = copy;
		}
	}
	pthread_mutex_unlock(&held_lock);
	return err;
}

int default_kernel_get(const uint8_t **data, size_t *size, const char **path)
{
	int err = -ENOENT;
	pthread_mutex_lock(&held_lock);
	if (held.path) {
		*data = held.data;
		*size = held.size;
		*path = held.path;
		held.users++;
		err = 0;
	}
	pthread_mutex_unlock(&held_lock);
	return err;
}

void default_kernel_put(void)
{
	pthread_mutex_lock(&held_lock);
	if (held.users > 0 && --held.users == 0 && held.discard)
		free_held_locked();
	pthread_mutex_unlock(&held_lock);
}

void default_kernel_discard(void)
{
	pthread_mutex_lock(&held_lock);
	if (held.path) {
		held.discard = true;
		if (held.users == 0)
			free_held_locked();
	}
	pthread_mutex_unlock(&held_lock);
}
