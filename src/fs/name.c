/* SPDX-License-Identifier: Apache-2.0 */
/* One path component as the guest may name it inside a share. */
#include "fs/backend.h"

#include <limits.h>
#include <string.h>

bool fs_name_is_valid(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	/* strnlen: never scan further than one too many bytes. */
	len = strnlen(name, NAME_MAX + 1);
	if (len == 0 || len > NAME_MAX)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	return memchr(name, '/', len) == NULL;
}
