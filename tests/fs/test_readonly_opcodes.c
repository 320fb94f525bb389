/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The opcode walk: every FUSE opcode number from 0 to the highest one in
 * <linux/fuse.h> (and a margin past it) goes through the real server into the
 * read-only wrapper over a fake inner backend, as a well-formed request. Each
 * reply's disposition must match the table below. An opcode with no entry in
 * the table fails the test, and so does a <linux/fuse.h> newer than the one
 * the table was reviewed against: a new opcode must be decided on, not
 * inherited. The read-only wrapper's own table (fs_readonly_rules) must say
 * the same as this review, operation by operation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/readonly.h"
#include "fs/server.h"
#include "test_readonly_fake.h"
#include "test_readonly_req.h"

/* The protocol revision the table below was reviewed against, and its highest opcode. */
#define REVIEWED_MINOR 38
#define REVIEWED_HIGHEST FUSE_TMPFILE
/* Opcodes past the highest known one that are walked too: all must be ENOSYS. */
#define WALK_MARGIN 64

enum disp {
	D_UNSET = 0,   /* no decision: fails the test */
	D_DELEGATED,   /* reply error 0, the inner backend's `op` called once */
	D_EROFS,       /* reply -EROFS, inner backend untouched */
	D_ENOSYS,      /* reply -ENOSYS, inner backend untouched */
	D_ENOTTY,      /* reply -ENOTTY (ioctl), inner backend untouched */
	D_LOCAL_OK,    /* reply 0 from the wrapper itself (syncfs), inner untouched */
	D_NOREPLY_FWD, /* no reply; the inner backend's `op` called (FORGET) */
	D_NOREPLY,     /* no reply, inner backend untouched */
};

struct expect {
	enum disp d;
	enum fake_op op;
};

static const struct expect table[REVIEWED_HIGHEST + 1] = {
	[0] = { D_ENOSYS },
	[FUSE_LOOKUP] = { D_DELEGATED, FK_LOOKUP },
	[FUSE_FORGET] = { D_NOREPLY_FWD, FK_FORGET },
	[FUSE_GETATTR] = { D_DELEGATED, FK_GETATTR },
	[FUSE_SETATTR] = { D_EROFS },
	[FUSE_READLINK] = { D_DELEGATED, FK_READLINK },
	[FUSE_SYMLINK] = { D_EROFS },
	[7] = { D_ENOSYS },
	[FUSE_MKNOD] = { D_EROFS },
	[FUSE_MKDIR] = { D_EROFS },
	[FUSE_UNLINK] = { D_EROFS },
	[FUSE_RMDIR] = { D_EROFS },
	[FUSE_RENAME] = { D_EROFS },
	[FUSE_LINK] = { D_EROFS },
	[FUSE_OPEN] = { D_DELEGATED, FK_OPEN },
	[FUSE_READ] = { D_DELEGATED, FK_READ },
	[FUSE_WRITE] = { D_EROFS },
	[FUSE_STATFS] = { D_DELEGATED, FK_STATFS },
	[FUSE_RELEASE] = { D_DELEGATED, FK_RELEASE },
	[19] = { D_ENOSYS },
	[FUSE_FSYNC] = { D_DELEGATED, FK_FSYNC },
	[FUSE_SETXATTR] = { D_EROFS },
	[FUSE_GETXATTR] = { D_DELEGATED, FK_GETXATTR },
	[FUSE_LISTXATTR] = { D_DELEGATED, FK_LISTXATTR },
	[FUSE_REMOVEXATTR] = { D_EROFS },
	[FUSE_FLUSH] = { D_DELEGATED, FK_FLUSH },
	[FUSE_INIT] = { D_DELEGATED, FK_INIT },
	[FUSE_OPENDIR] = { D_DELEGATED, FK_OPENDIR },
	[FUSE_READDIR] = { D_DELEGATED, FK_READDIR },
	[FUSE_RELEASEDIR] = { D_DELEGATED, FK_RELEASEDIR },
	[FUSE_FSYNCDIR] = { D_DELEGATED, FK_FSYNCDIR },
	[FUSE_GETLK] = { D_ENOSYS },
	[FUSE_SETLK] = { D_ENOSYS },
	[FUSE_SETLKW] = { D_ENOSYS },
	[FUSE_ACCESS] = { D_DELEGATED, FK_ACCESS },
	[FUSE_CREATE] = { D_EROFS },
	[FUSE_INTERRUPT] = { D_NOREPLY },
	[FUSE_BMAP] = { D_ENOSYS },
	[FUSE_DESTROY] = { D_DELEGATED, FK_DESTROY },
	[FUSE_IOCTL] = { D_ENOTTY },
	[FUSE_POLL] = { D_ENOSYS },
	[FUSE_NOTIFY_REPLY] = { D_NOREPLY },
	[FUSE_BATCH_FORGET] = { D_NOREPLY_FWD, FK_FORGET },
	[FUSE_FALLOCATE] = { D_EROFS },
	[FUSE_READDIRPLUS] = { D_DELEGATED, FK_READDIRPLUS },
	[FUSE_RENAME2] = { D_EROFS },
	[FUSE_LSEEK] = { D_DELEGATED, FK_LSEEK },
	[FUSE_COPY_FILE_RANGE] = { D_EROFS },
	[FUSE_SETUPMAPPING] = { D_DELEGATED, FK_SETUPMAPPING },
	[FUSE_REMOVEMAPPING] = { D_DELEGATED, FK_REMOVEMAPPING },
	[FUSE_SYNCFS] = { D_LOCAL_OK },
	[FUSE_TMPFILE] = { D_EROFS },
};

/*
 * The backend operation each opcode reaches (server.c's handlers); opcodes
 * not listed are answered by the server itself (or are not FUSE opcodes).
 * test_policy_is_the_reviewed_table checks the read-only wrapper's own
 * table (fs_readonly_rules) against the dispositions above through it.
 */
struct reach {
	bool backend;
	enum fs_op op;
};
#define R(o) { true, FS_OP_##o }
static const struct reach reaches[REVIEWED_HIGHEST + 1] = {
	[FUSE_LOOKUP] = R(lookup), [FUSE_FORGET] = R(forget), [FUSE_GETATTR] = R(getattr),
	[FUSE_SETATTR] = R(setattr), [FUSE_READLINK] = R(readlink), [FUSE_SYMLINK] = R(symlink),
	[FUSE_MKNOD] = R(mknod), [FUSE_MKDIR] = R(mkdir), [FUSE_UNLINK] = R(unlink),
	[FUSE_RMDIR] = R(rmdir), [FUSE_RENAME] = R(rename), [FUSE_LINK] = R(link),
	[FUSE_OPEN] = R(open), [FUSE_READ] = R(read), [FUSE_WRITE] = R(write),
	[FUSE_STATFS] = R(statfs), [FUSE_RELEASE] = R(release), [FUSE_FSYNC] = R(fsync),
	[FUSE_SETXATTR] = R(setxattr), [FUSE_GETXATTR] = R(getxattr),
	[FUSE_LISTXATTR] = R(listxattr), [FUSE_REMOVEXATTR] = R(removexattr),
	[FUSE_FLUSH] = R(flush), [FUSE_INIT] = R(init), [FUSE_OPENDIR] = R(opendir),
	[FUSE_READDIR] = R(readdir), [FUSE_RELEASEDIR] = R(releasedir),
	[FUSE_FSYNCDIR] = R(fsyncdir), [FUSE_GETLK] = R(getlk), [FUSE_SETLK] = R(setlk),
	[FUSE_SETLKW] = R(setlk), [FUSE_ACCESS] = R(access), [FUSE_CREATE] = R(create),
	[FUSE_DESTROY] = R(destroy), [FUSE_IOCTL] = R(ioctl), [FUSE_BATCH_FORGET] = R(forget),
	[FUSE_FALLOCATE] = R(fallocate), [FUSE_READDIRPLUS] = R(readdir),
	[FUSE_RENAME2] = R(rename), [FUSE_LSEEK] = R(lseek),
	[FUSE_COPY_FILE_RANGE] = R(copy_file_range), [FUSE_SETUPMAPPING] = R(setupmapping),
	[FUSE_REMOVEMAPPING] = R(removemapping), [FUSE_SYNCFS] = R(syncfs),
	[FUSE_TMPFILE] = R(tmpfile),
};
#undef R

/* The operations the wrapper checks itself (FS_CHECK, FS_SERVE): each has a
 * filter test below; a new one needs one too. */
static const enum fs_op checked_here[] = {
	FS_OP_init, FS_OP_open, FS_OP_opendir, FS_OP_access, FS_OP_statfs, FS_OP_setupmapping,
};

/* A server over readonly(fake), with a DAX window so that the mapping
 * opcodes reach the backend. */
struct rig {
	struct fuse_server *s;
	struct fake_inner *fake;
	int freed;
	int exit_calls;
	int32_t exit_code;
	void *window;
};

static void on_exit_code(void *opaque, int32_t code)
{
	struct rig *g = opaque;

	g->exit_calls++;
	g->exit_code = code;
}

static void rig_up(struct rig *g, bool dax, bool init)
{
	struct fuse_server_config cfg = { 0 };
	struct rp *p = malloc(sizeof(*p));

	assert_non_null(p);
	memset(g, 0, sizeof(*g));
	assert_int_equal(fs_readonly_new(fake_backend(&g->fake, &g->freed), &cfg.backend), 0);
	if (dax) {
		/* The fake backend never maps anything: plain memory stands in. */
		g->window = calloc(1, 1 << 20);
		assert_non_null(g->window);
		cfg.dax.base = g->window;
		cfg.dax.size = 1 << 20;
	}
	cfg.exit_code = on_exit_code;
	cfg.opaque = g;
	assert_int_equal(fuse_server_new(&cfg, &g->s), 0);
	if (init) {
		rq_init(g->s, p, FUSE_DO_READDIRPLUS | FUSE_ASYNC_READ);
		assert_int_equal(p->rc, 0);
		assert_int_equal(p->error, 0);
		assert_int_equal(g->fake->calls[FK_INIT], 1);
		/* from here on, count only what the walked request causes */
		memset(g->fake->calls, 0, sizeof(g->fake->calls));
		g->fake->total = 0;
	}
	free(p);
}

static void rig_down(struct rig *g)
{
	fuse_server_free(g->s);
	assert_int_equal(g->freed, 1);
	free(g->window);
}

/* A well-formed request for `opcode`, laid out as a Linux guest would. */
static void build(struct rq *q, uint32_t opcode)
{
	switch (opcode) {
	case FUSE_LOOKUP:
		rq_begin(q, opcode, FUSE_ROOT_ID);
		rq_str(q, "file");
		return;
	case FUSE_FORGET: {
		struct fuse_forget_in in = { .nlookup = 1 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_GETATTR: {
		struct fuse_getattr_in in = { 0 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_SETATTR: {
		struct fuse_setattr_in in = { .valid = FATTR_ATIME, .atime = 1 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_SYMLINK:
		rq_begin(q, opcode, FUSE_ROOT_ID);
		rq_str(q, "link");
		rq_str(q, "target");
		return;
	case FUSE_MKNOD: {
		struct fuse_mknod_in in = { .mode = S_IFIFO | 0644 };
		rq_begin(q, opcode, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "fifo");
		return;
	}
	case FUSE_MKDIR: {
		struct fuse_mkdir_in in = { .mode = 0755 };
		rq_begin(q, opcode, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "dir");
		return;
	}
	case FUSE_UNLINK:
	case FUSE_RMDIR:
	case FUSE_REMOVEXATTR:
		rq_begin(q, opcode, opcode == FUSE_REMOVEXATTR ? 2 : FUSE_ROOT_ID);
		rq_str(q, opcode == FUSE_REMOVEXATTR ? "user.x" : "name");
		return;
	case FUSE_RENAME: {
		struct fuse_rename_in in = { .newdir = FUSE_ROOT_ID };
		rq_begin(q, opcode, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "a");
		rq_str(q, "b");
		return;
	}
	case FUSE_RENAME2: {
		struct fuse_rename2_in in = { .newdir = FUSE_ROOT_ID, .flags = RENAME_NOREPLACE };
		rq_begin(q, opcode, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "a");
		rq_str(q, "b");
		return;
	}
	case FUSE_LINK: {
		struct fuse_link_in in = { .oldnodeid = 2 };
		rq_begin(q, opcode, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "hard");
		return;
	}
	case FUSE_OPEN:
	case FUSE_OPENDIR: {
		struct fuse_open_in in = { .flags = O_RDONLY | (opcode == FUSE_OPENDIR ? O_DIRECTORY : 0) };
		rq_begin(q, opcode, opcode == FUSE_OPENDIR ? FUSE_ROOT_ID : 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_READ:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS: {
		struct fuse_read_in in = { .fh = 7, .size = 64, .flags = O_RDONLY };
		rq_begin(q, opcode, opcode == FUSE_READ ? 2 : FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_WRITE: {
		struct fuse_write_in in = { .fh = 7, .offset = 0, .size = 4 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		rq_add(q, "data", 4);
		return;
	}
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR: {
		struct fuse_release_in in = { .fh = 7, .flags = O_RDONLY };
		rq_begin(q, opcode, opcode == FUSE_RELEASE ? 2 : FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_FSYNC:
	case FUSE_FSYNCDIR: {
		struct fuse_fsync_in in = { .fh = 7 };
		rq_begin(q, opcode, opcode == FUSE_FSYNC ? 2 : FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_SETXATTR: {
		struct fuse_setxattr_in in = { .size = 1, .flags = 0 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, FUSE_COMPAT_SETXATTR_IN_SIZE);
		rq_str(q, "user.x");
		rq_add(q, "v", 1);
		return;
	}
	case FUSE_GETXATTR: {
		struct fuse_getxattr_in in = { .size = 0 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "user.x");
		return;
	}
	case FUSE_LISTXATTR: {
		struct fuse_getxattr_in in = { .size = 0 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_FLUSH: {
		struct fuse_flush_in in = { .fh = 7 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_INIT: {
		struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION,
					   .minor = FUSE_KERNEL_MINOR_VERSION,
					   .flags = FUSE_ASYNC_READ };
		rq_begin(q, opcode, 0);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_GETLK:
	case FUSE_SETLK:
	case FUSE_SETLKW: {
		struct fuse_lk_in in = { .fh = 7, .lk = { .start = 0, .end = 10, .type = F_RDLCK } };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_ACCESS: {
		struct fuse_access_in in = { .mask = R_OK };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_CREATE: {
		struct fuse_create_in in = { .flags = O_RDWR | O_CREAT, .mode = 0644 };
		rq_begin(q, opcode, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "new");
		return;
	}
	case FUSE_TMPFILE: {
		struct fuse_create_in in = { .flags = O_RDWR | O_TMPFILE, .mode = 0644 };
		rq_begin(q, opcode, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		rq_str(q, "/");
		return;
	}
	case FUSE_INTERRUPT: {
		struct fuse_interrupt_in in = { .unique = 1 };
		rq_begin(q, opcode, 0);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_BMAP: {
		struct fuse_bmap_in in = { .block = 0, .blocksize = 4096 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_DESTROY:
		rq_begin(q, opcode, 0);
		return;
	case FUSE_IOCTL: {
		/* FS_IOC_GETFLAGS: an ordinary, harmless ioctl, still refused */
		struct fuse_ioctl_in in = { .fh = 7, .cmd = 0x80086601u, .out_size = 8 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_POLL: {
		struct fuse_poll_in in = { .fh = 7 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_NOTIFY_REPLY: {
		struct fuse_notify_retrieve_in in = { .size = 0 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_BATCH_FORGET: {
		struct fuse_batch_forget_in in = { .count = 2 };
		struct fuse_forget_one one[2] = { { .nodeid = 2, .nlookup = 1 },
						  { .nodeid = 3, .nlookup = 4 } };
		rq_begin(q, opcode, 0);
		rq_add(q, &in, sizeof(in));
		rq_add(q, one, sizeof(one));
		return;
	}
	case FUSE_FALLOCATE: {
		struct fuse_fallocate_in in = { .fh = 7, .length = 4096,
						.mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_LSEEK: {
		struct fuse_lseek_in in = { .fh = 7, .offset = 0, .whence = SEEK_DATA };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_COPY_FILE_RANGE: {
		struct fuse_copy_file_range_in in = { .fh_in = 7, .nodeid_out = 3, .fh_out = 8, .len = 4 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_SETUPMAPPING: {
		struct fuse_setupmapping_in in = { .fh = 7, .len = 4096,
						   .flags = FUSE_SETUPMAPPING_FLAG_READ };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		return;
	}
	case FUSE_REMOVEMAPPING: {
		struct fuse_removemapping_in in = { .count = 1 };
		struct fuse_removemapping_one one = { .moffset = 0, .len = 4096 };
		rq_begin(q, opcode, 2);
		rq_add(q, &in, sizeof(in));
		rq_add(q, &one, sizeof(one));
		return;
	}
	case FUSE_SYNCFS: {
		struct fuse_syncfs_in in = { 0 };
		rq_begin(q, opcode, FUSE_ROOT_ID);
		rq_add(q, &in, sizeof(in));
		return;
	}
	default: {
		/* READLINK, STATFS take no arguments; unknown opcodes get a
		 * plausible 64-byte argument block so that "too short" is
		 * never the reason for a refusal. */
		static const uint8_t zeros[64];
		rq_begin(q, opcode, 2);
		if (opcode != FUSE_READLINK && opcode != FUSE_STATFS)
			rq_add(q, zeros, sizeof(zeros));
		return;
	}
	}
}

static const char *disp_name(enum disp d)
{
	static const char *const n[] = { "UNSET", "DELEGATED", "EROFS", "ENOSYS", "ENOTTY",
					 "LOCAL_OK", "NOREPLY_FWD", "NOREPLY" };
	return n[d];
}

/* Send one opcode through a fresh rig and check it against `e`. */
static void check_opcode(uint32_t opcode, struct expect e)
{
	struct rig g;
	struct rq *q = malloc(sizeof(*q));
	struct rp *p = malloc(sizeof(*p));
	/* INIT is walked on a server that has not seen one yet. */
	bool pre_init = opcode != FUSE_INIT;

	assert_non_null(q);
	assert_non_null(p);
	if (e.d == D_UNSET)
		fail_msg("opcode %u has no disposition in the read-only table", opcode);
	rig_up(&g, true, pre_init);
	build(q, opcode);
	rq_send(g.s, q, p);
	assert_int_equal(p->rc, 0);

	switch (e.d) {
	case D_DELEGATED:
		if (p->written == 0 || p->error != 0)
			fail_msg("opcode %u: want DELEGATED, got written %zu error %d", opcode,
				 p->written, p->error);
		if (g.fake->calls[e.op] != 1 || g.fake->total != 1)
			fail_msg("opcode %u: inner op %d called %d times (%d in all), want once",
				 opcode, e.op, g.fake->calls[e.op], g.fake->total);
		break;
	case D_EROFS:
	case D_ENOSYS:
	case D_ENOTTY: {
		int want = e.d == D_EROFS ? -EROFS : e.d == D_ENOSYS ? -ENOSYS : -ENOTTY;

		if (p->written != sizeof(struct fuse_out_header) || p->error != want)
			fail_msg("opcode %u: want %s, got written %zu error %d", opcode,
				 disp_name(e.d), p->written, p->error);
		assert_int_equal(g.fake->total, 0);
		break;
	}
	case D_LOCAL_OK:
		if (p->written != sizeof(struct fuse_out_header) || p->error != 0)
			fail_msg("opcode %u: want LOCAL_OK, got written %zu error %d", opcode,
				 p->written, p->error);
		assert_int_equal(g.fake->total, 0);
		break;
	case D_NOREPLY_FWD:
		if (p->written != 0)
			fail_msg("opcode %u: want no reply, got %zu bytes", opcode, p->written);
		if (g.fake->calls[e.op] < 1 || g.fake->total != g.fake->calls[e.op])
			fail_msg("opcode %u: inner op %d not (only) called", opcode, e.op);
		break;
	case D_NOREPLY:
		if (p->written != 0)
			fail_msg("opcode %u: want no reply, got %zu bytes", opcode, p->written);
		assert_int_equal(g.fake->total, 0);
		break;
	case D_UNSET:
		break;
	}
	rig_down(&g);
	free(q);
	free(p);
}

static void test_protocol_revision_reviewed(void **state)
{
	(void)state;
	/* A newer <linux/fuse.h> may carry opcodes this table has never seen:
	 * review them for the read-only wrapper, then raise REVIEWED_*. */
	if (FUSE_KERNEL_MINOR_VERSION > REVIEWED_MINOR)
		fail_msg("<linux/fuse.h> is 7.%d, the read-only opcode table was reviewed for 7.%d",
			 FUSE_KERNEL_MINOR_VERSION, REVIEWED_MINOR);
	assert_int_equal(sizeof(table) / sizeof(table[0]), REVIEWED_HIGHEST + 1);
}

static void test_walk_every_opcode(void **state)
{
	(void)state;
	for (uint32_t op = 0; op <= REVIEWED_HIGHEST; op++)
		check_opcode(op, table[op]);
}

static void test_walk_past_highest(void **state)
{
	static const uint32_t far[] = { CUSE_INIT, CUSE_INIT_BSWAP_RESERVED,
					FUSE_INIT_BSWAP_RESERVED, 0x7fffffffu, 0xffffffffu };
	(void)state;

	for (uint32_t op = REVIEWED_HIGHEST + 1; op <= REVIEWED_HIGHEST + WALK_MARGIN; op++)
		check_opcode(op, (struct expect){ .d = D_ENOSYS });
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++)
		check_opcode(far[i], (struct expect){ .d = D_ENOSYS });
}

/* ---- the filters, through the server ------------------------------------ */

static void send_expect(struct rig *g, struct rq *q, int32_t error)
{
	struct rp *p = malloc(sizeof(*p));

	assert_non_null(p);
	rq_send(g->s, q, p);
	assert_int_equal(p->rc, 0);
	assert_int_equal(p->error, error);
	free(p);
}

static void test_open_filters_through_server(void **state)
{
	static const struct {
		uint32_t opcode, flags;
		int32_t error;
	} cases[] = {
		{ FUSE_OPEN, O_WRONLY, -EROFS },
		{ FUSE_OPEN, O_RDWR, -EROFS },
		{ FUSE_OPEN, O_RDWR | O_APPEND, -EROFS },
		{ FUSE_OPEN, O_RDONLY | O_TRUNC, -EROFS },
		{ FUSE_OPEN, O_RDONLY | O_CREAT, -EROFS },
		{ FUSE_OPEN, O_RDWR | O_TMPFILE, -EROFS },
		{ FUSE_OPEN, O_RDONLY | O_APPEND, 0 },
		{ FUSE_OPENDIR, O_WRONLY | O_DIRECTORY, -EROFS },
		{ FUSE_OPENDIR, O_RDWR | O_DIRECTORY, -EROFS },
		{ FUSE_OPENDIR, O_RDONLY | O_DIRECTORY, 0 },
	};
	struct rq q;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rig g;
		struct fuse_open_in in = { .flags = cases[i].flags };

		rig_up(&g, false, true);
		rq_begin(&q, cases[i].opcode, 2);
		rq_add(&q, &in, sizeof(in));
		send_expect(&g, &q, cases[i].error);
		if (cases[i].error) {
			assert_int_equal(g.fake->total, 0);
		} else {
			assert_int_equal(g.fake->total, 1);
			assert_int_equal(g.fake->last_open.flags, cases[i].flags);
		}
		rig_down(&g);
	}
}

static void test_access_write_through_server(void **state)
{
	struct rig g;
	struct rq q;
	struct fuse_access_in in = { .mask = W_OK };
	(void)state;

	rig_up(&g, false, true);
	rq_begin(&q, FUSE_ACCESS, 2);
	rq_add(&q, &in, sizeof(in));
	send_expect(&g, &q, -EROFS);
	assert_int_equal(g.fake->total, 0);
	rig_down(&g);
}

static void test_setupmapping_write_through_server(void **state)
{
	struct rig g;
	struct rq q;
	struct fuse_setupmapping_in in = {
		.fh = 7, .len = 4096,
		.flags = FUSE_SETUPMAPPING_FLAG_READ | FUSE_SETUPMAPPING_FLAG_WRITE };
	(void)state;

	rig_up(&g, true, true);
	rq_begin(&q, FUSE_SETUPMAPPING, 2);
	rq_add(&q, &in, sizeof(in));
	send_expect(&g, &q, -EROFS);
	assert_int_equal(g.fake->total, 0);
	rig_down(&g);

	/* no window: the server refuses the mapping opcodes itself */
	rig_up(&g, false, true);
	in.flags = FUSE_SETUPMAPPING_FLAG_READ;
	rq_begin(&q, FUSE_SETUPMAPPING, 2);
	rq_add(&q, &in, sizeof(in));
	send_expect(&g, &q, -ENOSYS);
	assert_int_equal(g.fake->total, 0);
	rig_down(&g);
}

static void test_setattr_each_attribute_through_server(void **state)
{
	static const uint32_t masks[] = { FATTR_MODE, FATTR_UID, FATTR_GID, FATTR_SIZE, FATTR_ATIME,
					  FATTR_MTIME, FATTR_ATIME | FATTR_ATIME_NOW, FATTR_FH,
					  FATTR_LOCKOWNER, FATTR_CTIME, FATTR_KILL_SUIDGID, 0 };
	struct rig g;
	struct rq q;
	(void)state;

	rig_up(&g, false, true);
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		struct fuse_setattr_in in = { .valid = masks[i], .fh = 7 };

		rq_begin(&q, FUSE_SETATTR, 2);
		rq_add(&q, &in, sizeof(in));
		send_expect(&g, &q, -EROFS);
	}
	assert_int_equal(g.fake->total, 0);
	rig_down(&g);
}

/* The exit-code ioctl is the server's: it works on a read-only share and the
 * wrapper (and the inner backend) never see it. */
static void test_exit_code_ioctl_still_works(void **state)
{
	struct rig g;
	struct rq q;
	struct fuse_ioctl_in in = { .fh = 7, .cmd = CKRUN_IOC_EXIT_CODE, .arg = 42 };
	(void)state;

	rig_up(&g, false, true);
	rq_begin(&q, FUSE_IOCTL, FUSE_ROOT_ID);
	rq_add(&q, &in, sizeof(in));
	send_expect(&g, &q, 0);
	assert_int_equal(g.exit_calls, 1);
	assert_int_equal(g.exit_code, 42);
	assert_int_equal(g.fake->total, 0);
	rig_down(&g);
}

/* WRITEBACK_CACHE never negotiated, even when the guest asks and the inner
 * backend turns it on. */
static void test_init_reply_without_writeback(void **state)
{
	struct rig g;
	struct rp *p = malloc(sizeof(*p));
	const struct fuse_init_out *o;
	(void)state;

	assert_non_null(p);
	rig_up(&g, false, false);
	g.fake->init_adds = FUSE_WRITEBACK_CACHE;
	rq_init(g.s, p, FUSE_WRITEBACK_CACHE | FUSE_DO_READDIRPLUS | FUSE_ASYNC_READ);
	assert_int_equal(p->rc, 0);
	assert_int_equal(p->error, 0);
	o = RP_BODY(p, struct fuse_init_out);
	assert_int_equal(o->flags & FUSE_WRITEBACK_CACHE, 0);
	assert_int_equal(g.fake->calls[FK_INIT], 1);
	rig_down(&g);
	free(p);
}

/* The disposition a read-only rule gives an opcode reaching it. */
static enum disp disp_of_rule(enum fs_op op, bool noreply)
{
	int err;

	switch (fs_rules_how(fs_readonly_rules, op, &err)) {
	case FS_HOW_FORWARD:
	case FS_HOW_CHECK:
	case FS_HOW_SERVE:
		return noreply ? D_NOREPLY_FWD : D_DELEGATED;
	case FS_HOW_REFUSE:
		return err == 0 ? D_LOCAL_OK : err == EROFS ? D_EROFS : err == ENOSYS ? D_ENOSYS
			: err == ENOTTY ? D_ENOTTY : D_UNSET;
	case FS_HOW_UNDECLARED:
		return D_ENOSYS;
	}
	return D_UNSET;
}

/* The wrapper's table (readonly.c) says what the walk above observed, every
 * operation of FS_OPS is named in it, and each one it checks itself is one
 * the filter tests cover. */
static void test_policy_is_the_reviewed_table(void **state)
{
	bool seen[FS_OP_COUNT] = { false };
	(void)state;

	for (uint32_t opcode = 0; opcode <= REVIEWED_HIGHEST; opcode++) {
		enum disp want = table[opcode].d, got;

		if (!reaches[opcode].backend)
			continue;
		seen[reaches[opcode].op] = true;
		got = disp_of_rule(reaches[opcode].op,
				   opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET);
		if (got != want)
			fail_msg("opcode %u (%s): the read-only table says %s, the review %s", opcode,
				 fs_op_name(reaches[opcode].op), disp_name(got), disp_name(want));
	}
	for (int op = 0; op < FS_OP_COUNT; op++) {
		int err;
		enum fs_how how = fs_rules_how(fs_readonly_rules, (enum fs_op)op, &err);
		bool listed = false;

		if (!seen[op])
			fail_msg("operation %s is reached by no opcode of the walk", fs_op_name(op));
		if (how == FS_HOW_UNDECLARED)
			fail_msg("operation %s is not named in the read-only table", fs_op_name(op));
		for (size_t i = 0; i < sizeof(checked_here) / sizeof(checked_here[0]); i++)
			listed |= checked_here[i] == (enum fs_op)op;
		if ((how == FS_HOW_CHECK || how == FS_HOW_SERVE) != listed)
			fail_msg("operation %s: checked by the wrapper %s, in the filter list %s",
				 fs_op_name(op), how == FS_HOW_CHECK || how == FS_HOW_SERVE ? "yes" : "no",
				 listed ? "yes" : "no");
	}
}

/* Fail closed: an operation the read-only table does not name (as an
 * operation added to FS_OPS later would be) is refused with ENOSYS, although
 * the layer below implements it. Shown for every operation in turn. */
static void test_undeclared_operation_is_refused(void **state)
{
	struct fake_inner *fake;
	int freed = 0;
	struct fs_backend inner = fake_backend(&fake, &freed);
	struct fs_table below, out, own;
	(void)state;

	assert_int_equal(fs_backend_table(&inner, &below), 0);
	for (int op = 0; op < FS_OP_COUNT; op++) {
		struct fs_rules rules = *fs_readonly_rules;
		struct fs_layer l = { .rules = &rules, .fs = NULL };
		int err;

		switch ((enum fs_op)op) {
#define FORGET_RULE(o)                                     \
	case FS_OP_##o:                                    \
		rules.o.how = FS_HOW_UNDECLARED;           \
		break;
			FS_OPS(FORGET_RULE)
#undef FORGET_RULE
		case FS_OP_COUNT:
			break;
		}
		assert_true(fs_table_calls(&below, (enum fs_op)op, &err)); /* the fake has it */
		assert_int_equal(fs_compose(&l, &below, &out, &own), 0);
		if (fs_table_calls(&out, (enum fs_op)op, &err) || err != ENOSYS)
			fail_msg("undeclared %s not refused with ENOSYS", fs_op_name(op));
	}
	inner.free(inner.fs);
	assert_int_equal(freed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_revision_reviewed),
		cmocka_unit_test(test_walk_every_opcode),
		cmocka_unit_test(test_walk_past_highest),
		cmocka_unit_test(test_open_filters_through_server),
		cmocka_unit_test(test_access_write_through_server),
		cmocka_unit_test(test_setupmapping_write_through_server),
		cmocka_unit_test(test_setattr_each_attribute_through_server),
		cmocka_unit_test(test_exit_code_ioctl_still_works),
		cmocka_unit_test(test_init_reply_without_writeback),
		cmocka_unit_test(test_policy_is_the_reviewed_table),
		cmocka_unit_test(test_undeclared_operation_is_refused),
	};

	return cmocka_run_group_tests_name("fs-readonly-opcodes", tests, NULL, NULL);
}
