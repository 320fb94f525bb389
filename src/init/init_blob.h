/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest init (/init.krun), built statically from src/init/init.c and
 * embedded in the library (src/init/meson.build, embed.py). The VMM builder
 * serves it on the "/dev/root" share through the augment backend:
 *
 *   struct fs_virtual_file f = { CKRUN_INIT_NAME, ckrun_init_blob,
 *                                ckrun_init_blob_size, CKRUN_INIT_MODE };
 *   fs_augment_new(inner, &f, 1, &root_backend);
 */
#ifndef CKRUN_INIT_INIT_BLOB_H
#define CKRUN_INIT_INIT_BLOB_H

#include <stddef.h>
#include <sys/stat.h>

#define CKRUN_INIT_NAME "init.krun"            /* at the share's root: init=/init.krun */
#define CKRUN_INIT_MODE (S_IFREG | 0755)

extern const unsigned char ckrun_init_blob[];
extern const size_t ckrun_init_blob_size;

#endif
