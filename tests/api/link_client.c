/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A libkrun client built the way clients build: against the *installed*
 * headers and pkg-config file (see link-test.sh). It calls the library
 * through the link (-lkrun), then dlopen()s "libkrun.so.1" as crun does and
 * resolves every symbol listed in the file named by argv[1].
 * Exit 0 only if everything resolved and behaved.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libkrun.h>
#include <ckrun.h>

static int failures;

#define CHECK(cond)                                                  \
	do {                                                         \
		if (!(cond)) {                                       \
			fprintf(stderr, "link_client: FAILED: %s\n", #cond); \
			failures++;                                  \
		}                                                    \
	} while (0)

int main(int argc, char **argv)
{
	char line[256];
	int resolved = 0;
	int32_t ctx;
	void *h, *sym;
	FILE *list;

	if (argc != 2) {
		fprintf(stderr, "usage: %s SYMBOLS_FILE\n", argv[0]);
		return 2;
	}

	/* Through the link: the calls a go-microvm style runner starts with. */
	CHECK(krun_set_log_level(KRUN_LOG_LEVEL_ERROR) == 0);
	ctx = krun_create_ctx();
	CHECK(ctx >= 0);
	CHECK(krun_set_vm_config((uint32_t)ctx, 1, 128) == 0);
	CHECK(krun_add_virtiofs3((uint32_t)ctx, KRUN_FS_ROOT_TAG, "/", 0, true) == 0);
	CHECK(krun_add_virtiofs((uint32_t)ctx, KRUN_FS_ROOT_TAG, "/") == -EEXIST);
	CHECK(ckrun_set_boot_timeout((uint32_t)ctx, 30) == 0);
	CHECK(krun_free_ctx((uint32_t)ctx) == 0);
	CHECK(krun_free_ctx((uint32_t)ctx) == -ENOENT);

	/* Through dlopen, by soname, as crun loads it. */
	h = dlopen("libkrun.so.1", RTLD_NOW);
	if (!h) {
		fprintf(stderr, "link_client: dlopen(libkrun.so.1): %s\n", dlerror());
		return 1;
	}
	list = fopen(argv[1], "r");
	if (!list) {
		perror(argv[1]);
		return 1;
	}
	while (fgets(line, sizeof(line), list)) {
		line[strcspn(line, "#\r\n \t")] = '\0';
		if (!line[0])
			continue;
		dlerror();
		sym = dlsym(h, line);
		if (!sym) {
			fprintf(stderr, "link_client: dlsym(%s): %s\n", line, dlerror());
			failures++;
			continue;
		}
		resolved++;
	}
	fclose(list);

	/* dlopen found the same library the link did, not some other libkrun. */
	int32_t (*create)(void);

	sym = dlsym(h, "krun_create_ctx");
	memcpy(&create, &sym, sizeof(create));
	CHECK(create == krun_create_ctx);
	/* And it keeps internals hidden. */
	CHECK(dlsym(h, "ckrun_config_init") == NULL);
	CHECK(dlsym(h, "ckrun_ctx_create") == NULL);

	dlclose(h);
	printf("link_client: %d symbols resolved, %d failures\n", resolved, failures);
	return failures || resolved < 31 ? 1 : 0;
}
