/* SPDX-License-Identifier: Apache-2.0 */
/* A share's backend stack (share.h). */
#include "fs/share.h"

#include "fs/passthrough.h"
#include "fs/readonly.h"

int fs_share_new(const struct fs_share_opts *o, struct fs_backend *out)
{
	struct fs_passthrough_opts po = { .root = o->path, .xattr = true, .limits = o->limits };
	struct fs_backend be;
	int err;
	/* Each wrapper takes ownership of the one below, also when it fails. */
	if ((err = fs_passthrough_new(&po, &be)))
		return err;
	if (o->read_only && (err = fs_readonly_new(be, &be)))
		return err;
	/* The virtual files go above the read-only wrapper: they are read-only
	 * anyway, and the guest init must be served on a read-only root too. */
	if (o->nr_root_extras > 0 && (err = fs_augment_new(be, o->root_extras, o->nr_root_extras, &be)))
		return err;
	*out = be;
	return 0;
}
