/* SPDX-License-Identifier: Apache-2.0 */
/* Removing a test's temporary directory tree, shared by the unit tests. */
#ifndef CKRUN_TESTS_RM_TREE_H
#define CKRUN_TESTS_RM_TREE_H

#include <ftw.h>
#include <stdio.h>

static inline int rm_tree_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

/* Depth first, following no symlink; 0, or -1 (errno) where something stayed. */
static inline int rm_tree(const char *path)
{
	return nftw(path, rm_tree_cb, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
