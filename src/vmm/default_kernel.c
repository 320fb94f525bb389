/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default kernel read ahead of time (see default_kernel.h).
 *
 * Why process-global state: the copy must be in hand before the client
 * enters a container's root, i.e. before any context exists, and every VM
 * of the process may boot from it. It is written at most once, under the
 * mutex, and only read afterwards.
 *
 * Why a copy in memory rather than a mapping of the file or a kept fd: a
 * client may close every fd behind the library's back (crun does), and a
 * MAP_PRIVATE mapping would raise SIGBUS in the client if the file were
 * truncated in place later (e.g. `cp` over it). The price is the file's
 * size in memory (1.7 MiB for ckrun's bzImage) in each process that loads
 * the library with a kernel installed.
 */
#include <errno.h>
#include <pthread.h>
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
} held;

const char *default_kernel_path(void)
{
	const char *env = getenv("CKRUN_KERNEL");
	return env && *env ? env : CKRUN_DATADIR "/vmlinuz";
}

int default_kernel_preload(void)
{
	int err = 0;
	pthread_mutex_lock(&held_lock);
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

int default_kernel_held(const uint8_t **data, size_t *size, const char **path)
{
	int err = -ENOENT;
	pthread_mutex_lock(&held_lock);
	if (held.path) {
		*data = held.data;
		*size = held.size;
		*path = held.path;
		err = 0;
	}
	pthread_mutex_unlock(&held_lock);
	return err;
}
