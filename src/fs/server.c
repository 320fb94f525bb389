/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transport-independent FUSE server (server.h).
 *
 * Request path: read fuse_in_header through a bounded cursor, check the
 * declared length against the bytes really present, look the opcode up in
 * ONE table (op_table below: minimum argument size, minimum reply body,
 * handler), decode that opcode's arguments through a cursor limited to the
 * declared length, call the share's composed table (struct fs_table,
 * chosen by the node id the request addresses), then write
 * fuse_out_header + body into the reply iovecs.
 *
 * Error choices (documented in docs/fuse-server.md):
 *  - framing lies (len < header, len > bytes present, arguments shorter than
 *    the opcode's fixed struct, payload shorter than its declared size): EIO;
 *  - a name without NUL inside the request: EINVAL; a name longer than
 *    NAME_MAX (targets: PATH_MAX): ENAMETOOLONG;
 *  - a size over the negotiated maximum (1 MiB: read, readdir, write,
 *    getxattr, listxattr, ioctl) or a request over 1 MiB + 4 KiB: ENOMEM
 *    (as libkrun);
 *  - a reply buffer too small for the fixed reply body: EIO, checked before
 *    the backend runs so no side effect (e.g. a lookup reference) is lost;
 *  - before INIT, every request but INIT: EIO; a second INIT: EIO.
 */
#include "fs/server.h"

#include "fs/dax.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Largest payload in either direction (max_write, read/readdir/xattr sizes). */
#define FS_MAX_BUFFER (1u << 20)
/* Largest request: payload plus header and fixed arguments. */
#define FS_MAX_REQUEST (FS_MAX_BUFFER + 4096u)
/* Oldest guest protocol accepted (what libkrun answers with). */
#define FS_MIN_MINOR 27

/* What the server can negotiate; the backend may clear bits (never add).
 * FUSE_WRITEBACK_CACHE is in the set only so the backend can keep it when the
 * guest offered it; a backend without init never gets it. ALLOW_IDMAP is not
 * here on purpose: guests reject INIT with it unless POSIX ACLs are arranged. */
#define FS_SUPPORTED_FLAGS                                                     \
	((uint64_t)(FUSE_ASYNC_READ | FUSE_PARALLEL_DIROPS | FUSE_BIG_WRITES | \
		    FUSE_AUTO_INVAL_DATA | FUSE_ASYNC_DIO | FUSE_HAS_IOCTL_DIR |   \
		    FUSE_ATOMIC_O_TRUNC | FUSE_MAX_PAGES | FUSE_DO_READDIRPLUS |   \
		    FUSE_READDIRPLUS_AUTO | FUSE_HANDLE_KILLPRIV_V2 |              \
		    FUSE_SUBMOUNTS | FUSE_INIT_EXT | FUSE_WRITEBACK_CACHE))

enum { ST_NEW = 0, ST_READY = 1 };

struct fuse_server {
	struct fs_backend be;   /* owned: freed with the server */
	struct fs_table t;      /* the share's composed operations (backend.h) */
	struct fs_dax_window dax;
	void (*exit_code)(void *opaque, int32_t code);
	void *opaque;
	uint16_t max_pages;
	uint16_t map_alignment; /* log2 of the DAX chunk (dax.h) */
	pthread_mutex_t init_lock; /* serialises INIT and DESTROY */
	atomic_int state;
};

/* One request being served. */
struct req {
	struct fuse_server *s;
	struct fuse_in_header h;
	struct fs_ctx ctx;
	struct fs_iobuf in;  /* arguments: exactly len - header - extensions */
	struct fs_iobuf out; /* reply body, after the reserved out header */
};

typedef int (*handler_fn)(struct req *r);

struct op_desc {
	const char *name;
	handler_fn handler;
	uint32_t min_in;  /* fixed argument bytes that must be present */
	uint32_t min_out; /* fixed reply body bytes that must fit */
	bool noreply;     /* FORGET, BATCH_FORGET, INTERRUPT, NOTIFY_REPLY */
};

/* The composed table that serves a request addressed to `node`. */
static inline const struct fs_table *T(const struct req *r, uint64_t node)
{
	return fs_table_for(&r->s->t, node);
}

/* An operation the share does not offer at all: ENOSYS before any argument
 * is decoded. Every other answer, a refusal included (e.g. EROFS), comes
 * where the backend is called (CALL), after the server's own checks, so a
 * malformed request gets the same error on every share. */
#define ABSENT(t, op) (!(t)->op.fn && (t)->op.err == ENOSYS)
#define CALL(t, op, ...) FS_CALL(t, op, __VA_ARGS__)

/* Fixed-size argument struct, already known to be present (min_in). */
static int get_arg(struct req *r, void *dst, size_t n)
{
	return fs_iobuf_read(&r->in, dst, n) < 0 ? -EIO : 0;
}

/*
 * A NUL-terminated string inside the request, copied out (it may span
 * iovecs). Walks the cursor's segments directly: a name split over many tiny
 * iovecs costs one pass, not one cursor walk per byte. Each segment is copied
 * into buf first and the NUL is searched in that copy: the request is guest
 * memory that another vCPU may change meanwhile, so it is read once (searching
 * it and then copying it could copy a name whose NUL vanished in between).
 */
static int get_str(struct req *r, char *buf, size_t bufsz)
{
	const struct fs_iobuf *b = &r->in;
	size_t n = 0, budget = b->limit;

	for (int i = b->idx; i < b->iovcnt && budget > 0; i++) {
		size_t off = i == b->idx ? b->off : 0;
		size_t len = b->iov[i].iov_len;
		const char *p, *z;
		size_t take;
		bool capped = false;

		if (off >= len)
			continue;
		len -= off;
		if (len > budget)
			len = budget;
		if (len > bufsz - n) {
			len = bufsz - n; /* scan no further than the buffer */
			capped = true;
		}
		p = (const char *)b->iov[i].iov_base + off;
		memcpy(buf + n, p, len);
		z = memchr(buf + n, '\0', len);
		take = z ? (size_t)(z - (buf + n)) + 1 : len;
		n += take;
		budget -= take;
		if (z)
			return fs_iobuf_skip(&r->in, n) < 0 ? -EIO : 0;
		if (capped)
			return -ENAMETOOLONG;
	}
	return -EINVAL; /* the request ended before the NUL */
}

#define NAME_BUF (NAME_MAX + 1)

static int put(struct req *r, const void *p, size_t n)
{
	/* min_out was checked before dispatch, so this only fails for
	 * variable-size extras; report it like any reply that does not fit. */
	return fs_iobuf_write(&r->out, p, n) < 0 ? -EIO : 0;
}

/* A data cursor over the reply body, limited to n bytes. */
static struct fs_iobuf out_window(struct req *r, size_t n)
{
	struct fs_iobuf d = r->out;
	size_t room = fs_iobuf_remaining(&r->out);

	d.limit = n < room ? n : room;
	return d;
}

/* After the backend wrote through a window from out_window() (lim: its
 * limit then) and returned rc: account for what it wrote, unless it failed. */
static int out_commit(struct req *r, const struct fs_iobuf *d, size_t lim, int rc)
{
	if (rc < 0)
		return rc;
	(void)fs_iobuf_skip(&r->out, lim - fs_iobuf_remaining(d));
	return 0;
}

static int reply_entry(struct req *r, int rc, const struct fuse_entry_out *e)
{
	return rc < 0 ? rc : put(r, e, sizeof(*e));
}

/* CREATE and TMPFILE: entry, then open reply (min_out covers both). */
static int reply_create(struct req *r, int rc, const struct fuse_entry_out *e,
			const struct fuse_open_out *o)
{
	if (rc < 0 || (rc = put(r, e, sizeof(*e))) < 0)
		return rc;
	return put(r, o, sizeof(*o));
}

/*
 * The handlers of the common shapes are generated by these macros (one line
 * each, in opcode order below, e.g. HANDLE_IN(fsync, ...) defines do_fsync).
 * Every one answers an absent op at once (ABSENT), decodes its fixed argument
 * struct (its size was checked against the table's min_in before dispatch)
 * and/or a NUL-terminated name (get_str: bounded by NAME_MAX and the
 * request), calls the backend op of the same name on the header's node and
 * replies:
 *   HANDLE_IN(op, in_t)                 in_t; no reply body
 *   HANDLE_IN_OUT(op, in_t, out_t)      in_t; out_t (min_out checked it fits)
 *   HANDLE_NAME(op)                     a name; no reply body
 *   HANDLE_IN_NAME_ENTRY(op, in_t)      in_t then a name; fuse_entry_out
 */
#define HANDLE_IN(op, in_t)                                         \
	static int do_##op(struct req *r)                           \
	{                                                           \
		const struct fs_table *t = T(r, r->h.nodeid);       \
		in_t in;                                            \
		int rc;                                             \
									    \
		if (ABSENT(t, op))                                 \
			return -ENOSYS;                          \
		if ((rc = get_arg(r, &in, sizeof(in))) < 0)         \
			return rc;                                  \
		return CALL(t, op, &r->ctx, r->h.nodeid, &in);      \
	}

#define HANDLE_IN_OUT(op, in_t, out_t)                                  \
	static int do_##op(struct req *r)                               \
	{                                                               \
		const struct fs_table *t = T(r, r->h.nodeid);           \
		in_t in;                                                \
		out_t out = { 0 };                                      \
		int rc;                                                 \
									        \
		if (ABSENT(t, op))                                     \
			return -ENOSYS;                              \
		if ((rc = get_arg(r, &in, sizeof(in))) < 0)             \
			return rc;                                      \
		rc = CALL(t, op, &r->ctx, r->h.nodeid, &in, &out);      \
		return rc < 0 ? rc : put(r, &out, sizeof(out));         \
	}

#define HANDLE_NAME(op)                                             \
	static int do_##op(struct req *r)                           \
	{                                                           \
		const struct fs_table *t = T(r, r->h.nodeid);       \
		char name[NAME_BUF];                                \
		int rc;                                             \
									    \
		if (ABSENT(t, op))                                 \
			return -ENOSYS;                          \
		if ((rc = get_str(r, name, sizeof(name))) < 0)      \
			return rc;                                  \
		return CALL(t, op, &r->ctx, r->h.nodeid, name);     \
	}

#define HANDLE_IN_NAME_ENTRY(op, in_t)                                    \
	static int do_##op(struct req *r)                                 \
	{                                                                 \
		const struct fs_table *t = T(r, r->h.nodeid);             \
		in_t in;                                                  \
		char name[NAME_BUF];                                      \
		struct fuse_entry_out e = { 0 };                          \
		int rc;                                                   \
									          \
		if (ABSENT(t, op))                                       \
			return -ENOSYS;                                \
		if ((rc = get_arg(r, &in, sizeof(in))) < 0 ||            \
		    (rc = get_str(r, name, sizeof(name))) < 0)            \
			return rc;                                        \
		rc = CALL(t, op, &r->ctx, r->h.nodeid, name, &in, &e);    \
		return reply_entry(r, rc, &e);                            \
	}

/* ---- handlers, in opcode order ---- */

static int do_lookup(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	char name[NAME_BUF];
	struct fuse_entry_out e = { 0 };
	int rc;

	if (ABSENT(t, lookup))
		return -ENOSYS;
	if ((rc = get_str(r, name, sizeof(name))) < 0)
		return rc;
	rc = CALL(t, lookup, &r->ctx, r->h.nodeid, name, &e);
	return reply_entry(r, rc, &e);
}

static int do_forget(struct req *r)
{
	struct fuse_forget_in in;

	if (get_arg(r, &in, sizeof(in)) == 0)
		FS_CALL_VOID(T(r, r->h.nodeid), forget, r->h.nodeid, in.nlookup);
	return 0;
}

static int do_batch_forget(struct req *r)
{
	struct fuse_batch_forget_in in;

	if (get_arg(r, &in, sizeof(in)) < 0)
		return 0;
	/* The count must be backed by bytes really present (64-bit math: no
	 * overflow); a lying count drops the whole batch. */
	if ((uint64_t)in.count * sizeof(struct fuse_forget_one) > fs_iobuf_remaining(&r->in))
		return 0;
	for (uint32_t i = 0; i < in.count; i++) {
		struct fuse_forget_one one;

		if (fs_iobuf_read(&r->in, &one, sizeof(one)) < 0)
			break;
		FS_CALL_VOID(T(r, one.nodeid), forget, one.nodeid, one.nlookup);
	}
	return 0;
}

HANDLE_IN_OUT(getattr, struct fuse_getattr_in, struct fuse_attr_out)

HANDLE_IN_OUT(setattr, struct fuse_setattr_in, struct fuse_attr_out)

static int do_readlink(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fs_iobuf d;
	size_t lim;
	int rc;

	if (ABSENT(t, readlink))
		return -ENOSYS;
	d = out_window(r, PATH_MAX);
	lim = d.limit;
	rc = CALL(t, readlink, &r->ctx, r->h.nodeid, &d);
	return out_commit(r, &d, lim, rc);
}

static int do_symlink(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	char name[NAME_BUF];
	char target[PATH_MAX];
	struct fuse_entry_out e = { 0 };
	int rc;

	if (ABSENT(t, symlink))
		return -ENOSYS;
	if ((rc = get_str(r, name, sizeof(name))) < 0 ||
	    (rc = get_str(r, target, sizeof(target))) < 0)
		return rc;
	rc = CALL(t, symlink, &r->ctx, r->h.nodeid, name, target, &e);
	return reply_entry(r, rc, &e);
}

HANDLE_IN_NAME_ENTRY(mknod, struct fuse_mknod_in)

HANDLE_IN_NAME_ENTRY(mkdir, struct fuse_mkdir_in)

HANDLE_NAME(unlink)

HANDLE_NAME(rmdir)

static int rename_common(struct req *r, const struct fs_table *t, uint64_t newdir,
			 uint32_t flags)
{
	char name[NAME_BUF], newname[NAME_BUF];
	int rc;

	if ((rc = get_str(r, name, sizeof(name))) < 0 ||
	    (rc = get_str(r, newname, sizeof(newname))) < 0)
		return rc;
	return CALL(t, rename, &r->ctx, r->h.nodeid, name, newdir, newname, flags);
}

static int do_rename(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_rename_in in;
	int rc;

	if (ABSENT(t, rename))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	return rename_common(r, t, in.newdir, 0);
}

static int do_rename2(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_rename2_in in;
	int rc;

	if (ABSENT(t, rename))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	return rename_common(r, t, in.newdir, in.flags);
}

static int do_link(struct req *r)
{
	struct fuse_link_in in;
	char name[NAME_BUF];
	struct fuse_entry_out e = { 0 };
	int rc;

	const struct fs_table *t;

	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	t = T(r, in.oldnodeid); /* the node linked, not the new parent */
	if (ABSENT(t, link))
		return -ENOSYS;
	if ((rc = get_str(r, name, sizeof(name))) < 0)
		return rc;
	/* The header's node is the new parent; the argument names the target. */
	rc = CALL(t, link, &r->ctx, in.oldnodeid, r->h.nodeid, name, &e);
	return reply_entry(r, rc, &e);
}

HANDLE_IN_OUT(open, struct fuse_open_in, struct fuse_open_out)

/* READ, READDIR, READDIRPLUS: fuse_read_in, then up to in.size bytes of data. */
static int read_common(struct req *r, bool dir, bool plus)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_read_in in;
	struct fs_iobuf d;
	size_t lim;
	int rc;

	if (dir ? ABSENT(t, readdir) : ABSENT(t, read))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	if (in.size > FS_MAX_BUFFER)
		return -ENOMEM;
	d = out_window(r, in.size);
	lim = d.limit;
	rc = dir ? CALL(t, readdir, &r->ctx, r->h.nodeid, &in, plus, &d)
		 : CALL(t, read, &r->ctx, r->h.nodeid, &in, &d);
	return out_commit(r, &d, lim, rc);
}

static int do_read(struct req *r)
{
	return read_common(r, false, false);
}

static int do_write(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_write_in in;
	struct fuse_write_out out = { 0 };
	struct fs_iobuf data;
	int rc;

	if (ABSENT(t, write))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	if (in.size > FS_MAX_BUFFER)
		return -ENOMEM;
	if (fs_iobuf_remaining(&r->in) < in.size)
		return -EIO; /* the declared payload is not all there */
	data = r->in;
	data.limit = in.size;
	rc = CALL(t, write, &r->ctx, r->h.nodeid, &in, &data, &out);
	return rc < 0 ? rc : put(r, &out, sizeof(out));
}

static int do_statfs(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_statfs_out out = { 0 };
	uint64_t st_flags = 0; /* not on the wire: fuse_kstatfs has no flags */
	int rc;

	if (ABSENT(t, statfs))
		return -ENOSYS;
	rc = CALL(t, statfs, &r->ctx, r->h.nodeid, &out, &st_flags);
	return rc < 0 ? rc : put(r, &out, sizeof(out));
}

HANDLE_IN(release, struct fuse_release_in)

HANDLE_IN(fsync, struct fuse_fsync_in)

static int do_setxattr(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	/* SETXATTR_EXT is never offered, so the guest sends the compat
	 * 8-byte head (size, flags). */
	struct fuse_setxattr_in in = { 0 };
	char name[NAME_BUF];
	void *value;
	int rc;

	if (ABSENT(t, setxattr))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, FUSE_COMPAT_SETXATTR_IN_SIZE)) < 0 ||
	    (rc = get_str(r, name, sizeof(name))) < 0)
		return rc;
	if (in.size > FS_MAX_BUFFER)
		return -ENOMEM;
	if (fs_iobuf_remaining(&r->in) < in.size)
		return -EIO;
	/* The value may span iovecs; the backend wants it contiguous. */
	value = malloc(in.size ? in.size : 1);
	if (!value)
		return -ENOMEM;
	rc = fs_iobuf_read(&r->in, value, in.size) < 0 ? -EIO : 0;
	if (rc == 0)
		rc = CALL(t, setxattr, &r->ctx, r->h.nodeid, name, value, in.size, in.flags);
	free(value);
	return rc;
}

/* GETXATTR and LISTXATTR: size 0 asks for the needed size only. */
static int xattr_reply(struct req *r, const struct fs_table *t, uint32_t size, const char *name)
{
	struct fs_iobuf d;
	size_t lim;
	uint32_t needed = 0;
	int rc;

	if (size > FS_MAX_BUFFER)
		return -ENOMEM;
	if (size == 0) {
		struct fuse_getxattr_out out = { 0 };

		if (fs_iobuf_remaining(&r->out) < sizeof(out))
			return -EIO;
		d = out_window(r, 0);
		rc = name ? CALL(t, getxattr, &r->ctx, r->h.nodeid, name, 0, &d, &needed)
			  : CALL(t, listxattr, &r->ctx, r->h.nodeid, 0, &d, &needed);
		if (rc < 0)
			return rc;
		out.size = needed;
		return put(r, &out, sizeof(out));
	}
	d = out_window(r, size);
	lim = d.limit;
	rc = name ? CALL(t, getxattr, &r->ctx, r->h.nodeid, name, size, &d, &needed)
		  : CALL(t, listxattr, &r->ctx, r->h.nodeid, size, &d, &needed);
	return out_commit(r, &d, lim, rc);
}

static int do_getxattr(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_getxattr_in in;
	char name[NAME_BUF];
	int rc;

	if (ABSENT(t, getxattr))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0 || (rc = get_str(r, name, sizeof(name))) < 0)
		return rc;
	return xattr_reply(r, t, in.size, name);
}

static int do_listxattr(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_getxattr_in in;
	int rc;

	if (ABSENT(t, listxattr))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	return xattr_reply(r, t, in.size, NULL);
}

HANDLE_NAME(removexattr)

HANDLE_IN(flush, struct fuse_flush_in)

static int do_init(struct req *r)
{
	struct fuse_server *s = r->s;
	struct fuse_init_in in = { 0 };
	struct fuse_init_out out = { 0 };
	size_t n = fs_iobuf_remaining(&r->in);
	uint64_t guest, offered, enabled;
	int rc;

	/* Older guests send the 16-byte head only; newer ones the full struct. */
	if (n > sizeof(in))
		n = sizeof(in);
	if ((rc = get_arg(r, &in, n)) < 0)
		return rc;

	out.major = FUSE_KERNEL_VERSION;
	out.minor = FUSE_KERNEL_MINOR_VERSION;
	if (in.major < FUSE_KERNEL_VERSION ||
	    (in.major == FUSE_KERNEL_VERSION && in.minor < FS_MIN_MINOR))
		return -EPROTO;
	if (in.major > FUSE_KERNEL_VERSION)
		return put(r, &out, sizeof(out)); /* our version only: the guest retries */

	pthread_mutex_lock(&s->init_lock);
	if (atomic_load(&s->state) != ST_NEW) {
		pthread_mutex_unlock(&s->init_lock);
		return -EIO; /* a second INIT without DESTROY in between */
	}

	guest = in.flags;
	if (in.flags & FUSE_INIT_EXT)
		guest |= (uint64_t)in.flags2 << 32;
	offered = guest & FS_SUPPORTED_FLAGS;
	if (s->dax.base)
		offered |= guest & FUSE_MAP_ALIGNMENT;
	if (s->t.init.fn) {
		enabled = offered;
		rc = CALL(&s->t, init, &in, &enabled);
		if (rc < 0) {
			pthread_mutex_unlock(&s->init_lock);
			return rc;
		}
		enabled &= offered; /* a backend clears bits, never adds them */
	} else {
		enabled = offered & ~(uint64_t)FUSE_WRITEBACK_CACHE;
	}

	out.minor = in.minor < FUSE_KERNEL_MINOR_VERSION ? in.minor : FUSE_KERNEL_MINOR_VERSION;
	out.max_readahead = in.max_readahead;
	out.flags = (uint32_t)enabled;
	out.flags2 = (enabled & FUSE_INIT_EXT) ? (uint32_t)(enabled >> 32) : 0;
	out.max_background = UINT16_MAX;
	out.congestion_threshold = UINT16_MAX * 3 / 4;
	out.max_write = FS_MAX_BUFFER;
	out.time_gran = 1;
	out.max_pages = s->max_pages;
	if (enabled & FUSE_MAP_ALIGNMENT)
		out.map_alignment = s->map_alignment;
	rc = put(r, &out, sizeof(out));
	if (rc == 0)
		atomic_store(&s->state, ST_READY);
	pthread_mutex_unlock(&s->init_lock);
	return rc;
}

HANDLE_IN_OUT(opendir, struct fuse_open_in, struct fuse_open_out)

static int do_readdir(struct req *r)
{
	return read_common(r, true, false);
}

static int do_readdirplus(struct req *r)
{
	return read_common(r, true, true);
}

HANDLE_IN(releasedir, struct fuse_release_in)

HANDLE_IN(fsyncdir, struct fuse_fsync_in)

HANDLE_IN_OUT(getlk, struct fuse_lk_in, struct fuse_lk_out)

static int setlk_common(struct req *r, bool sleep)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_lk_in in;
	int rc;

	if (ABSENT(t, setlk))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	return CALL(t, setlk, &r->ctx, r->h.nodeid, &in, sleep);
}

static int do_setlk(struct req *r)
{
	return setlk_common(r, false);
}

static int do_setlkw(struct req *r)
{
	return setlk_common(r, true);
}

static int do_access(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_access_in in;
	int rc;

	if (ABSENT(t, access))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	return CALL(t, access, &r->ctx, r->h.nodeid, in.mask);
}

static int do_create(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_create_in in;
	char name[NAME_BUF];
	struct fuse_entry_out e = { 0 };
	struct fuse_open_out o = { 0 };
	int rc;

	if (ABSENT(t, create))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0 || (rc = get_str(r, name, sizeof(name))) < 0)
		return rc;
	rc = CALL(t, create, &r->ctx, r->h.nodeid, name, &in, &e, &o);
	return reply_create(r, rc, &e, &o);
}

static int do_interrupt(struct req *r)
{
	(void)r; /* requests are served synchronously: nothing to interrupt */
	return 0;
}

static int do_destroy(struct req *r)
{
	struct fuse_server *s = r->s;

	pthread_mutex_lock(&s->init_lock);
	if (atomic_load(&s->state) == ST_READY)
		FS_CALL_VOID(&s->t, destroy);
	/* The guest may mount again: the next INIT starts a new session. */
	atomic_store(&s->state, ST_NEW);
	pthread_mutex_unlock(&s->init_lock);
	return 0;
}

static int do_ioctl(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_ioctl_in in;
	struct fuse_ioctl_out res = { 0 };
	struct fs_iobuf hdr, data_in, d;
	size_t lim;
	int rc;

	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	/* The exit-code channel: consumed here on any node, so it works on
	 * read-only shares and never reaches a backend. */
	if (in.cmd == CKRUN_IOC_EXIT_CODE) {
		if (r->s->exit_code)
			r->s->exit_code(r->s->opaque, (int32_t)(uint32_t)in.arg);
		return put(r, &res, sizeof(res));
	}
	if (ABSENT(t, ioctl))
		return -ENOSYS;
	if (in.in_size > FS_MAX_BUFFER || in.out_size > FS_MAX_BUFFER)
		return -ENOMEM;
	if (fs_iobuf_remaining(&r->in) < in.in_size)
		return -EIO;
	data_in = r->in;
	data_in.limit = in.in_size;
	/* ioctl_out comes first on the wire; data follows it. */
	hdr = r->out;
	if (fs_iobuf_skip(&r->out, sizeof(res)) < 0)
		return -EIO;
	d = out_window(r, in.out_size);
	lim = d.limit;
	rc = CALL(t, ioctl, &r->ctx, r->h.nodeid, &in, &data_in, &d, &res);
	if ((rc = out_commit(r, &d, lim, rc)) < 0)
		return rc;
	return fs_iobuf_write(&hdr, &res, sizeof(res)) < 0 ? -EIO : 0;
}

HANDLE_IN(fallocate, struct fuse_fallocate_in)

HANDLE_IN_OUT(lseek, struct fuse_lseek_in, struct fuse_lseek_out)

HANDLE_IN_OUT(copy_file_range, struct fuse_copy_file_range_in, struct fuse_write_out)

/* moffset + len inside the window, without overflow. */
static bool in_window(const struct fs_dax_window *w, uint64_t moffset, uint64_t len)
{
	return len <= w->size && moffset <= w->size - len;
}

static int do_setupmapping(struct req *r)
{
	struct fuse_setupmapping_in in;
	int rc;

	const struct fs_table *t = T(r, r->h.nodeid);

	if (!r->s->dax.base)
		return -ENOSYS;
	if (ABSENT(t, setupmapping))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	if (!in_window(&r->s->dax, in.moffset, in.len))
		return -EINVAL;
	return CALL(t, setupmapping, &r->ctx, r->h.nodeid, &in, &r->s->dax);
}

static int do_removemapping(struct req *r)
{
	struct fuse_removemapping_in in;
	struct fuse_removemapping_one *v;
	int rc;

	const struct fs_table *t = &r->s->t; /* addressed to the window, not to a node */

	if (!r->s->dax.base)
		return -ENOSYS;
	if (ABSENT(t, removemapping))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	/* 64-bit product of a 32-bit count: cannot overflow. */
	if ((uint64_t)in.count * sizeof(*v) > fs_iobuf_remaining(&r->in))
		return -EIO;
	if (in.count == 0)
		return CALL(t, removemapping, &r->ctx, NULL, 0, &r->s->dax);
	v = malloc((size_t)in.count * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rc = fs_iobuf_read(&r->in, v, (size_t)in.count * sizeof(*v)) < 0 ? -EIO : 0;
	for (uint32_t i = 0; rc == 0 && i < in.count; i++)
		if (!in_window(&r->s->dax, v[i].moffset, v[i].len))
			rc = -EINVAL;
	if (rc == 0)
		rc = CALL(t, removemapping, &r->ctx, v, in.count, &r->s->dax);
	free(v);
	return rc;
}

static int do_syncfs(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_syncfs_in in;
	int rc;

	if (ABSENT(t, syncfs))
		return -ENOSYS;
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	return CALL(t, syncfs, &r->ctx, r->h.nodeid);
}

static int do_tmpfile(struct req *r)
{
	const struct fs_table *t = T(r, r->h.nodeid);
	struct fuse_create_in in;
	struct fuse_entry_out e = { 0 };
	struct fuse_open_out o = { 0 };
	int rc;

	if (ABSENT(t, tmpfile))
		return -ENOSYS;
	/* The kernel appends the placeholder dentry name ("/"); it names
	 * nothing, so it is not decoded. */
	if ((rc = get_arg(r, &in, sizeof(in))) < 0)
		return rc;
	rc = CALL(t, tmpfile, &r->ctx, r->h.nodeid, &in, &e, &o);
	return reply_create(r, rc, &e, &o);
}

#define OP(code, fn, in, out) [code] = { .name = &(#code)[5], .handler = fn, .min_in = in, .min_out = out }
#define NOREPLY(code, fn, in) [code] = { .name = &(#code)[5], .handler = fn, .min_in = in, .noreply = true }

/*
 * THE dispatch table, indexed by opcode. Opcodes absent here (BMAP, POLL,
 * CUSE_INIT, anything newer than <linux/fuse.h>) answer ENOSYS. min_in is the
 * fixed argument size that must be present; min_out the fixed reply body
 * that must fit before the backend is called.
 */
static const struct op_desc op_table[] = {
	OP(FUSE_LOOKUP, do_lookup, 0, sizeof(struct fuse_entry_out)),
	NOREPLY(FUSE_FORGET, do_forget, sizeof(struct fuse_forget_in)),
	OP(FUSE_GETATTR, do_getattr, sizeof(struct fuse_getattr_in), sizeof(struct fuse_attr_out)),
	OP(FUSE_SETATTR, do_setattr, sizeof(struct fuse_setattr_in), sizeof(struct fuse_attr_out)),
	OP(FUSE_READLINK, do_readlink, 0, 0),
	OP(FUSE_SYMLINK, do_symlink, 0, sizeof(struct fuse_entry_out)),
	OP(FUSE_MKNOD, do_mknod, sizeof(struct fuse_mknod_in), sizeof(struct fuse_entry_out)),
	OP(FUSE_MKDIR, do_mkdir, sizeof(struct fuse_mkdir_in), sizeof(struct fuse_entry_out)),
	OP(FUSE_UNLINK, do_unlink, 0, 0),
	OP(FUSE_RMDIR, do_rmdir, 0, 0),
	OP(FUSE_RENAME, do_rename, sizeof(struct fuse_rename_in), 0),
	OP(FUSE_LINK, do_link, sizeof(struct fuse_link_in), sizeof(struct fuse_entry_out)),
	OP(FUSE_OPEN, do_open, sizeof(struct fuse_open_in), sizeof(struct fuse_open_out)),
	OP(FUSE_READ, do_read, sizeof(struct fuse_read_in), 0),
	OP(FUSE_WRITE, do_write, sizeof(struct fuse_write_in), sizeof(struct fuse_write_out)),
	OP(FUSE_STATFS, do_statfs, 0, sizeof(struct fuse_statfs_out)),
	OP(FUSE_RELEASE, do_release, sizeof(struct fuse_release_in), 0),
	OP(FUSE_FSYNC, do_fsync, sizeof(struct fuse_fsync_in), 0),
	OP(FUSE_SETXATTR, do_setxattr, FUSE_COMPAT_SETXATTR_IN_SIZE, 0),
	OP(FUSE_GETXATTR, do_getxattr, sizeof(struct fuse_getxattr_in), 0),
	OP(FUSE_LISTXATTR, do_listxattr, sizeof(struct fuse_getxattr_in), 0),
	OP(FUSE_REMOVEXATTR, do_removexattr, 0, 0),
	OP(FUSE_FLUSH, do_flush, sizeof(struct fuse_flush_in), 0),
	OP(FUSE_INIT, do_init, offsetof(struct fuse_init_in, flags2), sizeof(struct fuse_init_out)),
	OP(FUSE_OPENDIR, do_opendir, sizeof(struct fuse_open_in), sizeof(struct fuse_open_out)),
	OP(FUSE_READDIR, do_readdir, sizeof(struct fuse_read_in), 0),
	OP(FUSE_RELEASEDIR, do_releasedir, sizeof(struct fuse_release_in), 0),
	OP(FUSE_FSYNCDIR, do_fsyncdir, sizeof(struct fuse_fsync_in), 0),
	OP(FUSE_GETLK, do_getlk, sizeof(struct fuse_lk_in), sizeof(struct fuse_lk_out)),
	OP(FUSE_SETLK, do_setlk, sizeof(struct fuse_lk_in), 0),
	OP(FUSE_SETLKW, do_setlkw, sizeof(struct fuse_lk_in), 0),
	OP(FUSE_ACCESS, do_access, sizeof(struct fuse_access_in), 0),
	OP(FUSE_CREATE, do_create, sizeof(struct fuse_create_in),
	   sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out)),
	NOREPLY(FUSE_INTERRUPT, do_interrupt, 0),
	OP(FUSE_DESTROY, do_destroy, 0, 0),
	OP(FUSE_IOCTL, do_ioctl, sizeof(struct fuse_ioctl_in), sizeof(struct fuse_ioctl_out)),
	/* A reply to a notification; this server sends none, so nothing answers it. */
	NOREPLY(FUSE_NOTIFY_REPLY, NULL, 0),
	NOREPLY(FUSE_BATCH_FORGET, do_batch_forget, sizeof(struct fuse_batch_forget_in)),
	OP(FUSE_FALLOCATE, do_fallocate, sizeof(struct fuse_fallocate_in), 0),
	OP(FUSE_READDIRPLUS, do_readdirplus, sizeof(struct fuse_read_in), 0),
	OP(FUSE_RENAME2, do_rename2, sizeof(struct fuse_rename2_in), 0),
	OP(FUSE_LSEEK, do_lseek, sizeof(struct fuse_lseek_in), sizeof(struct fuse_lseek_out)),
	OP(FUSE_COPY_FILE_RANGE, do_copy_file_range, sizeof(struct fuse_copy_file_range_in),
	   sizeof(struct fuse_write_out)),
	OP(FUSE_SETUPMAPPING, do_setupmapping, sizeof(struct fuse_setupmapping_in), 0),
	OP(FUSE_REMOVEMAPPING, do_removemapping, sizeof(struct fuse_removemapping_in), 0),
	OP(FUSE_SYNCFS, do_syncfs, sizeof(struct fuse_syncfs_in), 0),
	OP(FUSE_TMPFILE, do_tmpfile, sizeof(struct fuse_create_in),
	   sizeof(struct fuse_entry_out) + sizeof(struct fuse_open_out)),
};

#define OP_TABLE_SIZE (sizeof(op_table) / sizeof(op_table[0]))

int fuse_server_new(const struct fuse_server_config *cfg, struct fuse_server **out)
{
	struct fuse_server *s;
	long page;

	*out = NULL;
	if (!cfg->backend.ops && !cfg->backend.table) {
		if (cfg->backend.free)
			cfg->backend.free(cfg->backend.fs);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || pthread_mutex_init(&s->init_lock, NULL) != 0) {
		free(s);
		if (cfg->backend.free)
			cfg->backend.free(cfg->backend.fs);
		return -ENOMEM;
	}
	s->be = cfg->backend;
	(void)fs_backend_table(&s->be, &s->t); /* cannot fail: ops or table checked above */
	s->dax = cfg->dax;
	s->dax.map = NULL;
	if (s->dax.base && fs_dax_map_new(s->dax.size, cfg->limits, &s->dax.map) < 0) {
		pthread_mutex_destroy(&s->init_lock);
		free(s);
		if (cfg->backend.free)
			cfg->backend.free(cfg->backend.fs);
		return -ENOMEM;
	}
	s->exit_code = cfg->exit_code;
	s->opaque = cfg->opaque;
	page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	s->max_pages = (uint16_t)((FS_MAX_BUFFER + page - 1) / page);
	s->map_alignment = FS_DAX_SHIFT;
	atomic_init(&s->state, ST_NEW);
	*out = s;
	return 0;
}

void fuse_server_free(struct fuse_server *s)
{
	if (!s)
		return;
	if (atomic_load(&s->state) == ST_READY)
		FS_CALL_VOID(&s->t, destroy);
	if (s->be.free)
		s->be.free(s->be.fs);
	fs_dax_map_free(s->dax.map);
	pthread_mutex_destroy(&s->init_lock);
	free(s);
}

void fuse_server_reset(struct fuse_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->init_lock);
	if (atomic_load(&s->state) == ST_READY)
		FS_CALL_VOID(&s->t, destroy);
	/* Mappings outlive DESTROY (the guest may unmount with files mapped);
	 * a reset peer can no longer remove them, so drop them all here. */
	if (s->dax.base && s->dax.size && s->t.removemapping.fn) {
		struct fuse_removemapping_one all = { .moffset = 0, .len = s->dax.size };
		struct fs_ctx c;
		memset(&c, 0, sizeof(c));
		(void)CALL(&s->t, removemapping, &c, &all, 1, &s->dax);
	}
	atomic_store(&s->state, ST_NEW);
	pthread_mutex_unlock(&s->init_lock);
}

/* The fields up to and including `unique`: enough to address a reply. */
#define HDR_MIN_FOR_REPLY (offsetof(struct fuse_in_header, unique) + sizeof(uint64_t))

int fuse_server_handle(struct fuse_server *s, const struct iovec *in, int in_cnt,
		       const struct iovec *out, int out_cnt, size_t *written)
{
	struct req r = { .s = s };
	struct fs_iobuf inb = { .iov = in, .iovcnt = in_cnt, .limit = SIZE_MAX };
	struct fs_iobuf hdr_pos = { .iov = out, .iovcnt = out_cnt, .limit = SIZE_MAX };
	struct fs_iobuf body_start;
	const struct op_desc *op = NULL;
	size_t present, args_len, body;
	struct fuse_out_header oh = { 0 };
	int err = 0;

	*written = 0;
	if (in_cnt < 0 || out_cnt < 0)
		return -EINVAL;
	present = fs_iobuf_remaining(&inb);
	if (present < HDR_MIN_FOR_REPLY)
		return -EINVAL; /* not even a `unique` to answer */
	if (present < sizeof(r.h)) {
		(void)fs_iobuf_read(&inb, &r.h, HDR_MIN_FOR_REPLY);
		err = -EIO;
	} else {
		(void)fs_iobuf_read(&inb, &r.h, sizeof(r.h));
		if (r.h.opcode < OP_TABLE_SIZE)
			op = &op_table[r.h.opcode];
	}

	/* Requests that get no reply are dropped silently when malformed. */
	if (op && op->noreply) {
		if (r.h.len < sizeof(r.h) || r.h.len > present || r.h.len > FS_MAX_REQUEST ||
		    atomic_load(&s->state) != ST_READY || !op->handler)
			return 0;
		args_len = r.h.len - sizeof(r.h);
		r.in = inb;
		r.in.limit = args_len;
		if (args_len < op->min_in)
			return 0;
		(void)op->handler(&r);
		return 0;
	}

	/* From here on a reply is due: the header must fit. */
	if (fs_iobuf_remaining(&hdr_pos) < sizeof(oh))
		return -ENOSPC;
	r.out = hdr_pos;
	(void)fs_iobuf_skip(&r.out, sizeof(oh));
	body_start = r.out; /* the reply body is what the handler moves r.out past */

	if (err == 0) {
		size_t ext = (size_t)r.h.total_extlen * 8;

		if (r.h.len < sizeof(r.h) || r.h.len > present)
			err = -EIO; /* the length lies */
		else if (r.h.len > FS_MAX_REQUEST)
			err = -ENOMEM;
		else if (r.h.len - sizeof(r.h) < ext)
			err = -EIO;
		else if (!op || !op->handler)
			err = -ENOSYS;
		else if (r.h.opcode != FUSE_INIT && atomic_load(&s->state) != ST_READY)
			err = -EIO;
		else {
			/* Extensions (security context, groups) are never
			 * negotiated; they trail the arguments and are cut off. */
			args_len = r.h.len - sizeof(r.h) - ext;
			r.in = inb;
			r.in.limit = args_len;
			if (args_len < op->min_in)
				err = -EIO;
			else if (fs_iobuf_remaining(&r.out) < op->min_out)
				err = -EIO;
		}
	}
	if (err == 0) {
		r.ctx.unique = r.h.unique;
		r.ctx.uid = r.h.uid;
		r.ctx.gid = r.h.gid;
		r.ctx.pid = r.h.pid;
		err = op->handler(&r);
	}

	if (err < 0) {
		body = 0;
	} else {
		body = fs_iobuf_remaining(&body_start) - fs_iobuf_remaining(&r.out);
	}
	oh.len = (uint32_t)(sizeof(oh) + body);
	oh.error = err;
	oh.unique = r.h.unique;
	(void)fs_iobuf_write(&hdr_pos, &oh, sizeof(oh));
	*written = oh.len;
	return 0;
}
