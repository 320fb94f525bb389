/* SPDX-License-Identifier: Apache-2.0 */
/* krun_* functions that add virtio-fs shares (the root among them) and choose its init. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libkrun.h"
#include "api/ctx.h"
#include "api/export.h"
#include "api/validate.h"
#include "abi/init_blob.h"

/* The one implementation behind every krun_add_virtiofs* and krun_set_root. */
static int add_share(uint32_t ctx_id, const char *c_tag, const char *c_path, uint64_t shm_size,
		     bool read_only)
{
	struct ckrun_config *cfg;
	struct ckrun_share *sh;
	char *abs = NULL;
	int ret;

	if (ckrun_ctx_check(ctx_id))
		return -ENOENT;
	ret = ckrun_check_tag(c_tag);
	if (ret)
		return ret;
	/* The filesystem is looked at here, outside the table lock. */
	ret = ckrun_check_dir(c_path, &abs);
	if (ret)
		return ret;

	cfg = ckrun_ctx_lock(ctx_id);
	if (!cfg) { /* freed meanwhile by another thread */
		ret = -ENOENT;
		goto out;
	}
	for (int i = 0; i < cfg->nr_shares; i++) {
		if (strcmp(cfg->shares[i].tag, c_tag) == 0) {
			/* The guest mounts by tag: two devices with one tag are ambiguous. */
			ret = -EEXIST;
			goto unlock;
		}
	}
	if (cfg->nr_shares >= CKRUN_MAX_SHARES) {
		ret = -ENOSPC;
		goto unlock;
	}
	sh = &cfg->shares[cfg->nr_shares++];
	memset(sh, 0, sizeof(*sh));
	memcpy(sh->tag, c_tag, strlen(c_tag) + 1); /* length checked above */
	sh->path = abs;
	abs = NULL;
	sh->shm_size = shm_size;
	sh->read_only = read_only;
	ret = 0;
unlock:
	ckrun_ctx_unlock();
out:
	free(abs);
	return ret;
}

CKRUN_EXPORT int32_t krun_add_virtiofs3(uint32_t ctx_id, const char *c_tag, const char *c_path,
					uint64_t shm_size, bool read_only)
{
	return add_share(ctx_id, c_tag, c_path, shm_size, read_only);
}

CKRUN_EXPORT int32_t krun_add_virtiofs(uint32_t ctx_id, const char *c_tag, const char *c_path)
{
	return add_share(ctx_id, c_tag, c_path, 0, false);
}

CKRUN_EXPORT int32_t krun_add_virtiofs2(uint32_t ctx_id, const char *c_tag, const char *c_path,
					uint64_t shm_size)
{
	return add_share(ctx_id, c_tag, c_path, shm_size, false);
}

CKRUN_EXPORT int32_t krun_set_root(uint32_t ctx_id, const char *root_path)
{
	return add_share(ctx_id, KRUN_FS_ROOT_TAG, root_path, CKRUN_ROOT_SHM_SIZE, false);
}

CKRUN_EXPORT int32_t krun_set_mapped_volumes(uint32_t ctx_id, const char *const mapped_volumes[])
{
	(void)ctx_id;
	(void)mapped_volumes;
	/* Withdrawn from libkrun, which answers -EINVAL whatever the arguments. */
	return -EINVAL;
}

/*
 * Applies whenever it is called before the start: ckrun decides what the
 * root share serves when the VM is built (libkrun only skips the init for
 * shares added after this call).
 */
CKRUN_EXPORT int32_t krun_disable_implicit_init(uint32_t ctx_id)
{
	return CKRUN_CTX_UPDATE(ctx_id, cfg, cfg->no_implicit_init = true);
}

CKRUN_EXPORT int32_t krun_get_default_init(const uint8_t **data_out, size_t *len_out)
{
	if (!data_out || !len_out)
		return -EINVAL;
	*data_out = ckrun_init_blob;
	*len_out = ckrun_init_blob_size;
	return 0;
}
