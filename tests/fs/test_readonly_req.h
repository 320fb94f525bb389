/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Byte-exact FUSE requests for the read-only tests: build a request the way a
 * guest kernel lays it out (fuse_in_header, fixed arguments, NUL-terminated
 * names, payload), hand it to fuse_server_handle, and decode the reply header.
 * Header-only; include after <cmocka.h>.
 */
#ifndef CKRUN_TEST_READONLY_REQ_H
#define CKRUN_TEST_READONLY_REQ_H

#include <string.h>

#include "fs/server.h"

#define RQ_MAX 8192
#define RP_MAX (64 * 1024)

struct rq {
	union {
		struct fuse_in_header h;
		uint8_t b[RQ_MAX];
	} u;
	size_t len;
};

struct rp {
	int rc;          /* fuse_server_handle's return */
	size_t written;  /* reply bytes; 0 = no reply */
	int32_t error;   /* from fuse_out_header, when written */
	size_t body_len; /* bytes after fuse_out_header */
	union {
		struct fuse_out_header h;
		uint8_t b[RP_MAX];
	} u;
};

static inline void rq_begin(struct rq *q, uint32_t opcode, uint64_t nodeid)
{
	static uint64_t unique;

	memset(q, 0, sizeof(*q));
	q->u.h.opcode = opcode;
	q->u.h.nodeid = nodeid;
	q->u.h.unique = ++unique;
	q->u.h.uid = 0;
	q->u.h.gid = 0;
	q->u.h.pid = 1;
	q->len = sizeof(q->u.h);
}

static inline void rq_add(struct rq *q, const void *p, size_t n)
{
	assert_true(q->len + n <= sizeof(q->u.b));
	memcpy(q->u.b + q->len, p, n);
	q->len += n;
}

static inline void rq_str(struct rq *q, const char *s)
{
	rq_add(q, s, strlen(s) + 1);
}

static inline void rq_send(struct fuse_server *s, struct rq *q, struct rp *p)
{
	struct iovec in = { q->u.b, q->len };
	struct iovec out = { p->u.b, sizeof(p->u.b) };

	q->u.h.len = (uint32_t)q->len;
	memset(&p->u.h, 0, sizeof(p->u.h));
	p->rc = fuse_server_handle(s, &in, 1, &out, 1, &p->written);
	p->error = 0;
	p->body_len = 0;
	if (p->rc == 0 && p->written >= sizeof(p->u.h)) {
		assert_int_equal(p->u.h.len, p->written);
		assert_int_equal(p->u.h.unique, q->u.h.unique);
		p->error = p->u.h.error;
		p->body_len = p->written - sizeof(p->u.h);
	}
}

/* The reply body as a struct of type T (checks that it is all there). */
#define RP_BODY(p, T) (assert_true((p)->body_len >= sizeof(T)), (const T *)((p)->u.b + sizeof((p)->u.h)))

/* INIT as a Linux guest sends it: 7.38, the full struct, the given flags. */
static inline struct rp *rq_init(struct fuse_server *s, struct rp *p, uint64_t flags)
{
	struct rq q;
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
				   .max_readahead = 128 * 1024 };

	in.flags = (uint32_t)flags | FUSE_INIT_EXT;
	in.flags2 = (uint32_t)(flags >> 32);
	rq_begin(&q, FUSE_INIT, 0);
	rq_add(&q, &in, sizeof(in));
	rq_send(s, &q, p);
	return p;
}

#endif
