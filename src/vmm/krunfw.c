/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lazy dlopen of libkrunfw.so.5 (see krunfw.h).
 *
 * Why process-global state: libkrun's contract is that krun_create_ctx loads
 * libkrunfw, because crun calls it before pivot_root into the container, after
 * which the library path no longer resolves; the VM is built later, in the
 * new root. So the handle must outlive any context. It is written exactly once
 * under pthread_once and only read afterwards, and never dlclose'd: the kernel
 * bundle is libkrunfw's own data, which any VM may be copying from.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/krunfw.h"

typedef char *(*krunfw_get_kernel_fn)(uint64_t *load_addr, uint64_t *entry_addr, size_t *size);

static struct {
	void *handle;                 /* never closed */
	krunfw_get_kernel_fn get_kernel;
	char error[256];
} krunfw; /* read-only after krunfw_once */

static pthread_once_t krunfw_once = PTHREAD_ONCE_INIT;

static void krunfw_load(void)
{
	const char *path = getenv("CKRUN_KRUNFW_PATH");
	if (!path || !*path)
		path = KRUNFW_SONAME;
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(krunfw.error, sizeof(krunfw.error), "%s", e ? e : path);
		return;
	}
	void *sym = dlsym(h, "krunfw_get_kernel");
	if (!sym) {
		snprintf(krunfw.error, sizeof(krunfw.error), "%s has no krunfw_get_kernel", path);
		dlclose(h); /* nothing from it was handed out */
		return;
	}
	krunfw.handle = h;
	/* POSIX guarantees a function pointer survives the void * round trip. */
	memcpy(&krunfw.get_kernel, &sym, sizeof(sym));
}

void krunfw_preload(void)
{
	pthread_once(&krunfw_once, krunfw_load);
}

const char *krunfw_error(void)
{
	krunfw_preload();
	return krunfw.error;
}

int krunfw_get_bundle(struct krunfw_bundle *out)
{
	memset(out, 0, sizeof(*out));
	krunfw_preload();
	if (!krunfw.get_kernel)
		return -ENOENT;
	uint64_t load = 0, entry = 0;
	size_t size = 0;
	char *data = krunfw.get_kernel(&load, &entry, &size);
	if (!data)
		return -ENOENT;
	out->data = (const uint8_t *)data;
	out->size = size;
	out->load_addr = load;
	out->entry = entry;
	return 0;
}
