/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest init (CKRUN_INIT_PATH), built statically from src/init/init.c
 * and embedded in the library (src/init/meson.build, embed.py). The VMM
 * serves it as a virtual read-only file on the CKRUN_ROOT_TAG share
 * (fs_share_new's root extras, src/fs/share.h).
 */
#ifndef CKRUN_ABI_INIT_BLOB_H
#define CKRUN_ABI_INIT_BLOB_H

#include <stddef.h>
#include <sys/stat.h>

#include "abi/guest.h"

#define CKRUN_INIT_MODE (S_IFREG | 0755)

extern const unsigned char ckrun_init_blob[];
extern const size_t ckrun_init_blob_size;

#endif
