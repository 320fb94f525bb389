/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Composition of a share's operations, once, at set-up: a backend's functions
 * are bound to its state, then each wrapper's rules are applied over the
 * table below it (backend.h: FS_FORWARD, FS_REFUSE, FS_DONE, FS_CHECK,
 * FS_SERVE). The result is one table per share; the server calls it without
 * passing through the layers that only forward.
 */
#include "fs/backend.h"

#include <errno.h>
#include <string.h>

#define BIT(op) (1ULL << FS_OP_##op)

/* Operations whose success reply has no body (or which have no reply): the
 * only ones FS_DONE may answer without a call. */
static const unsigned long long done_ok =
	BIT(destroy) | BIT(forget) | BIT(unlink) | BIT(rmdir) | BIT(rename) | BIT(release) |
	BIT(flush) | BIT(fsync) | BIT(releasedir) | BIT(fsyncdir) | BIT(setxattr) |
	BIT(removexattr) | BIT(access) | BIT(fallocate) | BIT(setlk) | BIT(syncfs) |
	BIT(setupmapping) | BIT(removemapping);

_Static_assert(FS_OP_COUNT <= 64, "done_ok is one 64-bit mask");

int fs_backend_table(const struct fs_backend *b, struct fs_table *out)
{
	if (b->table) {
		*out = *b->table;
		return 0;
	}
	if (!b->ops)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
#define BIND(op)                                     \
	out->op.fn = b->ops->op;                     \
	out->op.fs = b->fs;                          \
	out->op.err = b->ops->op ? 0 : ENOSYS;
	FS_OPS(BIND)
#undef BIND
	return 0;
}

static int check_rules(const struct fs_rules *r)
{
#define CHECK_RULE(op)                                                                   \
	if ((r->op.how == FS_HOW_CHECK || r->op.how == FS_HOW_SERVE) && !r->op.fn)        \
		return -EINVAL;                                                           \
	if (r->op.how == FS_HOW_REFUSE && r->op.err == 0 && !(done_ok & BIT(op)))        \
		return -EINVAL;                                                           \
	if (r->op.how == FS_HOW_REFUSE && r->op.err < 0)                                  \
		return -EINVAL;
	FS_OPS(CHECK_RULE)
#undef CHECK_RULE
	return 0;
}

/* One table: rules r with state fs over table `below`. */
static void apply(const struct fs_rules *r, void *fs, const struct fs_table *below,
		  struct fs_table *out)
{
#define APPLY(op)                                                      \
	switch (r->op.how) {                                           \
	case FS_HOW_FORWARD:                                           \
		out->op = below->op;                                   \
		break;                                                 \
	case FS_HOW_REFUSE:                                            \
		out->op.fn = NULL;                                     \
		out->op.fs = NULL;                                     \
		out->op.err = r->op.err;                               \
		break;                                                 \
	case FS_HOW_CHECK:                                             \
		if (!below->op.fn && below->op.err == ENOSYS) {        \
			out->op = below->op; /* absent below: absent */ \
			break;                                         \
		}                                                      \
		/* fall through */                                     \
	case FS_HOW_SERVE:                                             \
		out->op.fn = r->op.fn;                                 \
		out->op.fs = fs;                                       \
		out->op.err = 0;                                       \
		break;                                                 \
	default: /* undeclared: refused, whatever is below */          \
		out->op.fn = NULL;                                     \
		out->op.fs = NULL;                                     \
		out->op.err = ENOSYS;                                  \
		break;                                                 \
	}
	FS_OPS(APPLY)
#undef APPLY
	out->own_mask = 0;
	out->own = NULL;
}

int fs_compose(const struct fs_layer *l, const struct fs_table *below, struct fs_table *out,
	       struct fs_table *own_out)
{
	int rc;

	if (!l || !l->rules || !below || !out || (l->own_mask && (!l->own_rules || !own_out)))
		return -EINVAL;
	if ((rc = check_rules(l->rules)) < 0 || (l->own_rules && (rc = check_rules(l->own_rules)) < 0))
		return rc;
	if (l->own_mask && below->own_mask)
		return -EINVAL; /* one owner of node ids per share */
	if (below->own_mask && !own_out)
		return -EINVAL;

	apply(l->rules, l->fs, below, out);
	if (l->own_mask) {
		/* The layer's own nodes: its own rules; FORWARD reaches the layer below. */
		apply(l->own_rules, l->fs, below, own_out);
		out->own_mask = l->own_mask;
		out->own = own_out;
	} else if (below->own_mask) {
		/* Nodes owned further down pass through this layer too. */
		apply(l->rules, l->fs, below->own, own_out);
		out->own_mask = below->own_mask;
		out->own = own_out;
	}
	return 0;
}

enum fs_how fs_rules_how(const struct fs_rules *r, enum fs_op op, int *err)
{
	switch (op) {
#define HOW(o)                         \
	case FS_OP_##o:                \
		*err = r->o.err;       \
		return r->o.how;
		FS_OPS(HOW)
#undef HOW
	case FS_OP_COUNT:
		break;
	}
	*err = 0;
	return FS_HOW_UNDECLARED;
}

int fs_table_calls(const struct fs_table *t, enum fs_op op, int *err)
{
	switch (op) {
#define CALLS(o)                       \
	case FS_OP_##o:                \
		*err = t->o.err;       \
		return t->o.fn != NULL;
		FS_OPS(CALLS)
#undef CALLS
	case FS_OP_COUNT:
		break;
	}
	*err = ENOSYS;
	return 0;
}

const char *fs_op_name(enum fs_op op)
{
	static const char *const names[] = {
#define NAME(o) [FS_OP_##o] = #o,
		FS_OPS(NAME)
#undef NAME
	};

	return (unsigned)op < FS_OP_COUNT ? names[op] : "?";
}
