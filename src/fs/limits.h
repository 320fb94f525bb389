/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What all shares of one VM may take from the host process together
 * (issue 21): file descriptors and live DAX mappings. One object per VM,
 * created before the shares and shared by them (reference counted: each
 * share's backend and server hold a reference, so it lives as long as the
 * last of them). docs/security.md, "Bounds", lists the numbers.
 *
 * File descriptors. The process has RLIMIT_NOFILE fds for everything: the
 * embedding application, the VMM (KVM, vCPU, eventfd/irqfd per queue, console,
 * network peers, transient fds of requests in flight) and the shares. The
 * shares together get
 *     budget = RLIMIT_NOFILE - fds open when the VM is built - reserve,
 *     reserve = max(FS_FD_RESERVE_MIN, RLIMIT_NOFILE / 4),
 * and each share is guaranteed FS_FD_SHARE_FLOOR of it, so one share that
 * fills everything it can leaves the other shares their floor and the VMM its
 * reserve. An fd that would exceed the budget is refused (-ENFILE); a share
 * that can evict inodes (CAP_DAC_READ_SEARCH, inode.h) evicts one instead.
 *
 * DAX mappings. Each live 2 MiB chunk of a window is at most one mapping of
 * the process (and one PROT_NONE gap beside it), so the chunks mapped at once
 * in all windows of the VM are capped at FS_DAX_MAX_LIVE_CHUNKS: at most
 * 2 * that + 1 per window memory regions, whatever the windows' sizes.
 */
#ifndef CKRUN_FS_LIMITS_H
#define CKRUN_FS_LIMITS_H

#include <stdint.h>

/* Least fds kept out of the shares' budget for the VMM and the embedder. */
#define FS_FD_RESERVE_MIN 64u
/* Fds each share can always get, whatever the others hold. */
#define FS_FD_SHARE_FLOOR 32u
/* 2 MiB chunks mapped at once in all DAX windows of one VM (8 GiB). */
#define FS_DAX_MAX_LIVE_CHUNKS 4096u
/* Inode entries (node ids the guest holds) in all shares of one VM; each
 * share gets an equal part. Each entry costs at most FS_INODE_ENTRY_BYTES of
 * heap (measured in tests/fs/test_fd_budget.c, inode_heap), so the inode
 * tables of a VM stay under 2^20 * that (docs/security.md, "Bounds"). */
#define FS_MAX_INODE_ENTRIES_VM (1u << 20)
#define FS_INODE_ENTRY_BYTES 256u

struct fs_limits;

/* One share's account of fds in the VM's budget. */
struct fs_fd_account {
	struct fs_limits *l; /* a reference, dropped by fs_fd_account_close */
	unsigned used;       /* under the limits' lock */
};

/* For nr_shares shares (>= 1). nofile: the RLIMIT_NOFILE to assume, 0 = the
 * process's soft limit; open_now: fds already open, (unsigned)-1 = count
 * them. 0 or -errno. The caller holds one reference. */
int fs_limits_new(unsigned nr_shares, unsigned long nofile, unsigned open_now, struct fs_limits **out);
struct fs_limits *fs_limits_ref(struct fs_limits *l);
void fs_limits_unref(struct fs_limits *l);

/* The inode entries one share may hold: FS_MAX_INODE_ENTRIES_VM / shares. */
unsigned fs_limits_inode_entries(const struct fs_limits *l);

/* The shares' whole fd budget (for statistics, tests and docs). */
unsigned fs_limits_fd_budget(const struct fs_limits *l);
/* Fds all shares hold now. */
unsigned fs_limits_fd_used(struct fs_limits *l);

/* Open one share's account (takes a reference); l may be NULL: a private
 * limits object for one share is created. 0 or -ENOMEM. */
int fs_fd_account_open(struct fs_fd_account *a, struct fs_limits *l);
/* Gives back whatever the account still holds; drops the reference. */
void fs_fd_account_close(struct fs_fd_account *a);
/* Charge one fd: 0, or -ENFILE when the share is past its floor and the
 * shared part of the budget is used up. */
int fs_fd_take(struct fs_fd_account *a);
void fs_fd_give(struct fs_fd_account *a, unsigned n);

/* Charge n more live DAX chunks to the VM: 0 or -ENOMEM past the cap. */
int fs_limits_dax_take(struct fs_limits *l, uint64_t n);
void fs_limits_dax_give(struct fs_limits *l, uint64_t n);
uint64_t fs_limits_dax_used(struct fs_limits *l);

#endif
