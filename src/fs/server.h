/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transport-independent FUSE server: one request in (the bytes the peer
 * wrote), one reply out (into the buffers the peer provided). Used by the
 * virtio-fs device (src/virtio/fs.c) and by the host /dev/fuse transport
 * (tools/). Knows nothing of virtqueues or KVM.
 */
#ifndef CKRUN_FS_SERVER_H
#define CKRUN_FS_SERVER_H

#include "abi/guest.h" /* CKRUN_IOC_EXIT_CODE, the exit-code ioctl */
#include "fs/backend.h"

struct fs_limits;

struct fuse_server;

struct fuse_server_config {
	struct fs_backend backend;       /* the server takes ownership */
	struct fs_dax_window dax;        /* base == NULL: no window, (SETUP|REMOVE)MAPPING -> ENOSYS */
	/* The VM's budgets shared by its shares (limits.h): the window's live
	 * chunks are charged there. NULL: a private one. */
	struct fs_limits *limits;
	/* Called for the exit-code ioctl on any node; the ioctl never reaches the
	 * backend, so it works on read-only shares too. May be NULL. */
	void (*exit_code)(void *opaque, int32_t code);
	void *opaque;
};

/* 0 or -errno. On failure the backend is still freed. */
int fuse_server_new(const struct fuse_server_config *cfg, struct fuse_server **out);
void fuse_server_free(struct fuse_server *s);

/*
 * End the FUSE session as if the peer were gone: the backend forgets every
 * node id and handle (as on DESTROY), the DAX window, if any, is PROT_NONE
 * again, and the next request must be a fresh INIT. For a transport whose
 * peer vanished without DESTROY (a virtio device reset). The caller makes
 * sure no fuse_server_handle call runs concurrently.
 */
void fuse_server_reset(struct fuse_server *s);

/*
 * Handle one request. `in` holds the request (fuse_in_header + arguments),
 * `out` the reply buffers. On return *written is the number of reply bytes
 * written (0 for FORGET/BATCH_FORGET/INTERRUPT, which get no reply).
 * Returns 0 when a reply (possibly an error reply) was produced or none was
 * due; -errno only when not even an error reply could be written (reply
 * buffers smaller than fuse_out_header, or a header too short to carry the
 * `unique` to answer) — the transport then treats the request as a device error.
 */
int fuse_server_handle(struct fuse_server *s, const struct iovec *in, int in_cnt,
		       const struct iovec *out, int out_cnt, size_t *written);

#endif
