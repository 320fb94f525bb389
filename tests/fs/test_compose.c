/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Composition of a share's operations (src/fs/compose.c): what each rule
 * makes of the table below, node-id ownership, the rules that cannot be
 * composed, the real boot-root stack, whose READ and GETATTR entries must
 * be the passthrough's own (one indirect call per request), and the
 * server's routing of requests by node id.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/augment.h"
#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "fs/server.h"
#include "test_readonly_fake.h"
#include "test_readonly_req.h"

static const struct fs_ctx ctx = { .unique = 1 };

/* A bottom backend with a few operations, each recording who answered. */
static int below_calls;
static int b_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	(void)fs, (void)c, (void)in;
	below_calls++;
	out->attr.ino = nodeid;
	return 0;
}
static int b_release(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_release_in *in)
{
	(void)fs, (void)c, (void)nodeid, (void)in;
	below_calls++;
	return 0;
}
static int b_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	(void)fs, (void)c, (void)parent, (void)name;
	below_calls++;
	return 0;
}
static const struct fs_ops below_ops = {
	.getattr = b_getattr, .release = b_release, .unlink = b_unlink,
};
static int below_state;

/* A wrapper's functions: record the state they were given. */
static void *seen_fs;
static int w_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	(void)c, (void)parent, (void)name;
	seen_fs = fs;
	return -EPERM;
}
static int w_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    struct fuse_entry_out *out)
{
	(void)c, (void)parent, (void)name;
	seen_fs = fs;
	memset(out, 0, sizeof(*out));
	return 0;
}
static int w_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		   const struct fuse_mkdir_in *in, struct fuse_entry_out *out)
{
	(void)fs, (void)c, (void)parent, (void)name, (void)in, (void)out;
	return 0;
}
static int w_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		     const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	(void)c, (void)in;
	seen_fs = fs;
	out->attr.ino = nodeid ^ 1;
	return 0;
}

static struct fs_table bottom(void)
{
	struct fs_table t;
	struct fs_backend b = { .ops = &below_ops, .fs = &below_state };

	assert_int_equal(fs_backend_table(&b, &t), 0);
	return t;
}

static void test_backend_table_binds(void **state)
{
	struct fs_table t = bottom();
	struct fs_backend none = { 0 };
	int err;
	(void)state;

	assert_ptr_equal(t.getattr.fn, b_getattr);
	assert_ptr_equal(t.getattr.fs, &below_state);
	assert_int_equal(fs_table_calls(&t, FS_OP_read, &err), 0); /* NULL op: absent */
	assert_int_equal(err, ENOSYS);
	assert_int_equal(t.own_mask, 0);
	assert_int_equal(fs_backend_table(&none, &t), -EINVAL);
}

static void test_each_rule(void **state)
{
	struct fs_table below = bottom(), out;
	int me;
	struct fs_rules r = {
		.getattr = FS_FORWARD,
		.release = FS_DONE,
		.unlink = FS_CHECK(w_unlink),
		.mkdir = FS_CHECK(w_mkdir),     /* absent below: stays absent */
		.lookup = FS_SERVE(w_lookup),   /* absent below: served anyway */
		.rmdir = FS_REFUSE(EROFS),
		/* everything else undeclared, getattr's neighbours included */
	};
	struct fs_layer l = { .rules = &r, .fs = &me };
	struct fuse_attr_out ao;
	struct fuse_release_in ri = { 0 };
	struct fuse_entry_out eo;
	int err;
	(void)state;

	assert_int_equal(fs_compose(&l, &below, &out, NULL), 0);
	/* FORWARD: the entry below, so one call reaches it */
	assert_ptr_equal(out.getattr.fn, b_getattr);
	assert_ptr_equal(out.getattr.fs, &below_state);
	below_calls = 0;
	assert_int_equal(FS_CALL(&out, getattr, &ctx, 5, NULL, &ao), 0);
	assert_int_equal(ao.attr.ino, 5);
	assert_int_equal(below_calls, 1);
	/* DONE: 0 without a call */
	assert_int_equal(FS_CALL(&out, release, &ctx, 5, &ri), 0);
	assert_int_equal(below_calls, 1);
	/* CHECK over an operation below: the wrapper's function with its state */
	seen_fs = NULL;
	assert_int_equal(FS_CALL(&out, unlink, &ctx, 1, "x"), -EPERM);
	assert_ptr_equal(seen_fs, &me);
	/* CHECK over an absent operation: absent */
	assert_int_equal(fs_table_calls(&out, FS_OP_mkdir, &err), 0);
	assert_int_equal(err, ENOSYS);
	/* SERVE: answered even though nothing below has it */
	assert_int_equal(FS_CALL(&out, lookup, &ctx, 1, "x", &eo), 0);
	/* REFUSE */
	assert_int_equal(FS_CALL(&out, rmdir, &ctx, 1, "x"), -EROFS);
	/* undeclared: ENOSYS, although the layer below implements it */
	assert_int_equal(fs_table_calls(&below, FS_OP_release, &err), 1);
	r.release.how = FS_HOW_UNDECLARED;
	assert_int_equal(fs_compose(&l, &below, &out, NULL), 0);
	assert_int_equal(fs_table_calls(&out, FS_OP_release, &err), 0);
	assert_int_equal(err, ENOSYS);
	assert_int_equal(FS_CALL(&out, release, &ctx, 5, &ri), -ENOSYS);
	assert_int_equal(below_calls, 1);
}

/* A CHECK over an operation refused below with an errno of its own (a
 * read-only layer's EROFS) still runs: its answer comes first, as when the
 * layers were called one after the other. */
static void test_check_over_refusal_runs(void **state)
{
	struct fs_table below = bottom(), mid, top;
	struct fs_rules ro = { .unlink = FS_REFUSE(EROFS) };
	struct fs_rules w = { .unlink = FS_CHECK(w_unlink) };
	struct fs_layer l1 = { .rules = &ro }, l2 = { .rules = &w, .fs = &below_state };
	(void)state;

	assert_int_equal(fs_compose(&l1, &below, &mid, NULL), 0);
	assert_int_equal(fs_compose(&l2, &mid, &top, NULL), 0);
	assert_ptr_equal(top.unlink.fn, w_unlink);
}

static void test_rules_that_cannot_be_composed(void **state)
{
	struct fs_table below = bottom(), out, own;
	struct fs_rules done_getattr = { .getattr = FS_DONE }; /* a reply body is due */
	struct fs_rules no_fn = { .getattr = { .how = FS_HOW_SERVE } };
	struct fs_rules negative = { .getattr = FS_REFUSE(-EPERM) };
	struct fs_rules ok = { .getattr = FS_FORWARD };
	struct fs_layer l = { .rules = &done_getattr };
	(void)state;

	assert_int_equal(fs_compose(&l, &below, &out, NULL), -EINVAL);
	l.rules = &no_fn;
	assert_int_equal(fs_compose(&l, &below, &out, NULL), -EINVAL);
	l.rules = &negative;
	assert_int_equal(fs_compose(&l, &below, &out, NULL), -EINVAL);
	/* owning ids needs rules and storage for them */
	l = (struct fs_layer){ .rules = &ok, .own_mask = 1ULL << 63 };
	assert_int_equal(fs_compose(&l, &below, &out, &own), -EINVAL);
	l.own_rules = &ok;
	assert_int_equal(fs_compose(&l, &below, &out, NULL), -EINVAL);
	assert_int_equal(fs_compose(NULL, &below, &out, NULL), -EINVAL);
}

#define OWN (1ULL << 63)

static void test_owned_node_ids(void **state)
{
	struct fs_table below = bottom(), aug, aug_own, ro, ro_own, twice, twice_own;
	int me;
	struct fs_rules plain = { .getattr = FS_FORWARD, .unlink = FS_FORWARD };
	struct fs_rules mine = { .getattr = FS_SERVE(w_getattr), .unlink = FS_REFUSE(EPERM) };
	struct fs_layer owner = { .rules = &plain, .fs = &me, .own_mask = OWN, .own_rules = &mine };
	struct fs_rules ro_rules = { .getattr = FS_FORWARD, .unlink = FS_REFUSE(EROFS) };
	struct fs_layer over = { .rules = &ro_rules };
	struct fuse_attr_out ao;
	(void)state;

	assert_int_equal(fs_compose(&owner, &below, &aug, &aug_own), 0);
	/* ordinary ids: the table itself, getattr straight to the bottom */
	assert_ptr_equal(fs_table_for(&aug, 2), &aug);
	assert_ptr_equal(aug.getattr.fn, b_getattr);
	/* owned ids: the owner's table */
	assert_ptr_equal(fs_table_for(&aug, OWN | 2), &aug_own);
	seen_fs = NULL;
	assert_int_equal(FS_CALL(fs_table_for(&aug, OWN | 2), getattr, &ctx, OWN | 2, NULL, &ao), 0);
	assert_int_equal(ao.attr.ino, OWN | 3);
	assert_ptr_equal(seen_fs, &me);
	assert_int_equal(FS_CALL(fs_table_for(&aug, OWN), unlink, &ctx, OWN, "x"), -EPERM);
	/* a layer over an owned table applies to the owned ids too */
	assert_int_equal(fs_compose(&over, &aug, &ro, &ro_own), 0);
	assert_int_equal(ro.own_mask, OWN);
	assert_int_equal(FS_CALL(fs_table_for(&ro, OWN), unlink, &ctx, OWN, "x"), -EROFS);
	assert_ptr_equal(fs_table_for(&ro, OWN)->getattr.fn, w_getattr);
	/* ... and it needs somewhere to put them */
	assert_int_equal(fs_compose(&over, &aug, &ro, NULL), -EINVAL);
	/* one owner per share */
	assert_int_equal(fs_compose(&owner, &aug, &twice, &twice_own), -EINVAL);
}

/* The boot root as the VMM builds it: augment(readonly(passthrough)). READ
 * and GETATTR of an ordinary node are the passthrough's own entries. */
static void test_root_share_read_is_one_call(void **state)
{
	char dir[] = "/tmp/ckrun-compose-XXXXXX";
	struct fs_passthrough_opts o = { .root = dir };
	struct fs_backend pt, ro, root;
	struct fs_table bare;
	static const char blob[] = "init";
	struct fs_virtual_file vf = { "init.krun", blob, 4, S_IFREG | 0755 };
	(void)state;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(fs_passthrough_new(&o, &pt), 0);
	assert_int_equal(fs_backend_table(&pt, &bare), 0);
	assert_int_equal(fs_readonly_new(pt, &ro), 0);
	assert_int_equal(fs_augment_new(ro, &vf, 1, &root), 0);
	assert_ptr_equal(root.table->read.fn, bare.read.fn);
	assert_ptr_equal(root.table->read.fs, bare.read.fs);
	assert_ptr_equal(root.table->getattr.fn, bare.getattr.fn);
	assert_ptr_equal(root.table->getattr.fs, bare.getattr.fs);
	/* a mutation is the read-only layer's refusal, without a call */
	assert_null(root.table->write.fn);
	assert_int_equal(root.table->write.err, EROFS);
	/* the virtual file's node is the augment layer's */
	assert_ptr_not_equal(fs_table_for(root.table, OWN)->read.fn, bare.read.fn);
	root.free(root.fs);
	assert_int_equal(rmdir(dir), 0);
}

/* Through the server: augment(readonly(fake)), as a read-only boot root. A
 * request is routed by the node it addresses: the virtual file's to the
 * augment layer, every other one to the composed table; the fake fails the
 * test if a mutation reaches it. */
static void test_server_routes_by_node(void **state)
{
	static const char blob[] = "init";
	struct fs_virtual_file vf = { "init.krun", blob, 4, S_IFREG | 0755 };
	struct fuse_server_config cfg = { 0 };
	struct fake_inner *fake;
	int freed = 0;
	struct fs_backend ro;
	struct fuse_server *s;
	struct rq *q = malloc(sizeof(*q));
	struct rp *p = malloc(sizeof(*p));
	(void)state;

	assert_non_null(q);
	assert_non_null(p);
	assert_int_equal(fs_readonly_new(fake_backend(&fake, &freed), &ro), 0);
	assert_int_equal(fs_augment_new(ro, &vf, 1, &cfg.backend), 0);
	assert_int_equal(fuse_server_new(&cfg, &s), 0);
	rq_init(s, p, FUSE_ASYNC_READ);
	assert_int_equal(p->error, 0);
	fake->total = 0;

	/* LOOKUP of the virtual name: the augment layer, nothing below */
	rq_begin(q, FUSE_LOOKUP, FUSE_ROOT_ID);
	rq_str(q, "init.krun");
	rq_send(s, q, p);
	assert_int_equal(p->error, 0);
	uint64_t v = RP_BODY(p, struct fuse_entry_out)->nodeid;
	assert_true(v & OWN);
	assert_int_equal(fake->total, 0);

	/* READ: the virtual file from the blob; an ordinary node from below */
	struct fuse_read_in rd = { .fh = 1, .size = 64 };
	rq_begin(q, FUSE_READ, v);
	rq_add(q, &rd, sizeof(rd));
	rq_send(s, q, p);
	assert_int_equal(p->error, 0);
	assert_int_equal(p->body_len, 4);
	assert_int_equal(fake->total, 0);
	rq_begin(q, FUSE_READ, 2);
	rq_add(q, &rd, sizeof(rd));
	rq_send(s, q, p);
	assert_int_equal(p->error, 0);
	assert_int_equal(fake->calls[FK_READ], 1);

	/* WRITE: the augment's EPERM on the virtual file, the read-only EROFS elsewhere */
	struct fuse_write_in wr = { .fh = 1, .size = 1 };
	rq_begin(q, FUSE_WRITE, v);
	rq_add(q, &wr, sizeof(wr));
	rq_add(q, "x", 1);
	rq_send(s, q, p);
	assert_int_equal(p->error, -EPERM);
	rq_begin(q, FUSE_WRITE, 2);
	rq_add(q, &wr, sizeof(wr));
	rq_add(q, "x", 1);
	rq_send(s, q, p);
	assert_int_equal(p->error, -EROFS);

	/* LINK is routed by the node linked (oldnodeid), not the new parent */
	struct fuse_link_in ln = { .oldnodeid = v };
	rq_begin(q, FUSE_LINK, FUSE_ROOT_ID);
	rq_add(q, &ln, sizeof(ln));
	rq_str(q, "hard");
	rq_send(s, q, p);
	assert_int_equal(p->error, -EPERM);

	/* BATCH_FORGET: each entry by its own node */
	struct fuse_batch_forget_in bf = { .count = 2 };
	struct fuse_forget_one one[2] = { { .nodeid = v, .nlookup = 1 },
					  { .nodeid = 2, .nlookup = 1 } };
	int before = fake->calls[FK_FORGET];
	rq_begin(q, FUSE_BATCH_FORGET, 0);
	rq_add(q, &bf, sizeof(bf));
	rq_add(q, one, sizeof(one));
	rq_send(s, q, p);
	assert_int_equal(p->written, 0);
	assert_int_equal(fake->calls[FK_FORGET], before + 1);
	assert_int_equal(fake->last_nodeid, 2);

	/* LOOKUP under the virtual file: not a directory, nothing below */
	before = fake->total;
	rq_begin(q, FUSE_LOOKUP, v);
	rq_str(q, "x");
	rq_send(s, q, p);
	assert_int_equal(p->error, -ENOTDIR);
	assert_int_equal(fake->total, before);

	fuse_server_free(s);
	assert_int_equal(freed, 1);
	free(q);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_table_binds),
		cmocka_unit_test(test_each_rule),
		cmocka_unit_test(test_check_over_refusal_runs),
		cmocka_unit_test(test_rules_that_cannot_be_composed),
		cmocka_unit_test(test_owned_node_ids),
		cmocka_unit_test(test_root_share_read_is_one_call),
		cmocka_unit_test(test_server_routes_by_node),
	};

	return cmocka_run_group_tests_name("fs-compose", tests, NULL, NULL);
}
