/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The passthrough backend: serves one host directory to the guest, confined
 * to it. docs/security.md states what is guaranteed; in short:
 *  - every name the guest sends is one path component (fs_name_is_valid);
 *  - a component is resolved with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|
 *    RESOLVE_NO_MAGICLINKS) and O_PATH|O_NOFOLLOW (openat O_NOFOLLOW where the
 *    kernel lacks openat2), so no symlink is ever followed by the host;
 *  - an existing file is opened only by re-opening its O_PATH fd through
 *    /proc/self/fd, and only a regular file or a directory, so FIFOs and
 *    devices never block or trigger a driver; the only other opens make a
 *    new regular file: CREATE (O_CREAT|O_EXCL|O_NOFOLLOW, never an existing
 *    name) and TMPFILE (O_TMPFILE in the parent directory);
 *  - node ids and handles are table slots with generations (inode.c).
 */
#include "fs/passthrough.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs/creds.h"
#include "fs/dax.h"
#include "fs/inode.h"
#include "fs/limits.h"

#define DEFAULT_MAX_INODE_FDS 65536u
#define MAX_INODE_ENTRIES (1u << 20) /* node ids the guest may hold when fds can be evicted */
#define DEFAULT_TIMEOUT 5.0
#define XATTR_MAX_VALUE 65536u  /* XATTR_SIZE_MAX */
#define XATTR_MAX_LIST 65536u   /* XATTR_LIST_MAX */
#define DIRBUF_MAX (1u << 20)

struct pt {
	struct fs_inode_table *inodes;
	struct fs_handle_table *handles;
	struct fs_fd_account fds; /* this share's part of the VM's fd budget */
	int proc_self_fd;       /* O_PATH on /proc/self/fd, for re-opening */
	struct fs_creds_caps caps;
	mode_t proc_umask;      /* the process umask, read once (never changed) */
	bool xattr;
	bool writeback;         /* may offer FUSE_WRITEBACK_CACHE */
	atomic_bool writeback_on;
	bool has_openat2;
	uint64_t entry_sec, attr_sec;
	uint32_t entry_nsec, attr_nsec;
	unsigned max_fds;
};

/* ------------------------------------------------------------ helpers */

static void split_timeout(double t, uint64_t *sec, uint32_t *nsec)
{
	if (t <= 0)
		t = DEFAULT_TIMEOUT;
	if (t > 1e9)
		t = 1e9;
	*sec = (uint64_t)t;
	*nsec = (uint32_t)((t - (double)*sec) * 1e9);
}

static void fill_attr(struct fuse_attr *a, const struct stat *st)
{
	memset(a, 0, sizeof(*a));
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = (uint32_t)st->st_rdev;
	a->blksize = (uint32_t)st->st_blksize;
}

static int stat_fd(int fd, struct stat *st)
{
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static void proc_name(int fd, char buf[16])
{
	snprintf(buf, 16, "%d", fd);
}

/* Open one validated component below `dirfd` as O_PATH without following
 * anything. */
static int open_component(struct pt *p, int dirfd, const char *name)
{
	if (p->has_openat2) {
		struct open_how how = {
			.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
		};
		long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		return fd < 0 ? -errno : (int)fd;
	}
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Re-open an inode for I/O through /proc/self/fd. Only regular files and
 * directories: a FIFO would block the worker and a device node would reach a
 * host driver; the guest kernel handles those node types itself anyway.
 */
static int reopen(struct pt *p, int opath_fd, mode_t type, int flags)
{
	if (type == S_IFLNK)
		return -ELOOP;
	if (type != S_IFREG && type != S_IFDIR)
		return -ENXIO;
	flags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_NOATIME);
	if (type == S_IFDIR)
		flags &= ~O_TRUNC;
	char name[16];
	proc_name(opath_fd, name);
	int fd = openat(p->proc_self_fd, name, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* chmod the inode of an O_PATH fd (fchmod refuses O_PATH fds). */
static int chmod_inode(struct pt *p, int opath_fd, mode_t mode)
{
	char name[16];
	proc_name(opath_fd, name);
	return fchmodat(p->proc_self_fd, name, mode, 0) < 0 ? -errno : 0;
}

static void fill_entry(struct pt *p, struct fuse_entry_out *e, uint64_t nodeid, const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->nodeid = nodeid;
	e->generation = 0; /* node ids already carry a generation */
	e->entry_valid = p->entry_sec;
	e->entry_valid_nsec = p->entry_nsec;
	e->attr_valid = p->attr_sec;
	e->attr_valid_nsec = p->attr_nsec;
	fill_attr(&e->attr, st);
}

/* Enter the inode of O_PATH `fd` (owned: taken or closed) in the table with
 * one guest reference, and describe it in `out`. */
static int add_entry(struct pt *p, int fd, struct fuse_entry_out *out)
{
	struct stat st;
	struct fs_inode_key key;
	mode_t type;
	int ret = fs_inode_stat(fd, &key, &type, &st);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	uint64_t nodeid;
	ret = fs_inode_add_lookup(p->inodes, fd, &key, type, &nodeid);
	if (ret < 0)
		return ret;
	fill_entry(p, out, nodeid, &st);
	return 0;
}

/* Look `name` up below the pinned directory and take one guest reference. */
static int lookup_in(struct pt *p, const struct fs_inode_ref *dir, const char *name,
		     struct fuse_entry_out *out)
{
	int fd = open_component(p, dir->fd, name);
	return fd < 0 ? fd : add_entry(p, fd, out);
}

/* Pin `parent`, which must be a directory, and check `name`. */
static int get_parent(struct pt *p, uint64_t parent, const char *name, struct fs_inode_ref *ref)
{
	if (!name || !fs_name_is_valid(name))
		return -EINVAL;
	int ret = fs_inode_get(p->inodes, parent, ref);
	if (ret < 0)
		return ret;
	if (ref->type != S_IFDIR) {
		fs_inode_put(p->inodes, ref);
		return -ENOTDIR;
	}
	return 0;
}

/* The guest's mode with its umask applied, permission and type bits only. */
static mode_t guest_mode(uint32_t mode, uint32_t umask_)
{
	return (mode_t)(mode & ~(umask_ & 07777));
}

/*
 * The process umask (never changed here: it is process-wide) also masks
 * files we create. Restore the permission bits it removed from what the guest
 * asked for. Only bits the umask could have removed are added back, so a
 * narrower mode from a default ACL is left alone where the umask agrees.
 */
static void fix_mode(struct pt *p, int opath_fd, mode_t wanted)
{
	struct stat st;
	if (!p->proc_umask || stat_fd(opath_fd, &st) < 0 || S_ISLNK(st.st_mode))
		return;
	mode_t lost = wanted & 07777 & ~st.st_mode & p->proc_umask;
	if (lost)
		(void)chmod_inode(p, opath_fd, (st.st_mode | lost) & 07777);
}

/* After a creating call made under the guest's credentials: look the new name
 * up (one reference) and restore the permission bits the process umask took. */
static int finish_create(struct pt *p, const struct fs_inode_ref *dir, const char *name,
			 mode_t wanted, bool fix, struct fuse_entry_out *out)
{
	int ret = lookup_in(p, dir, name, out);
	if (ret < 0 || !fix)
		return ret;
	struct fs_inode_ref ref;
	if (fs_inode_get(p->inodes, out->nodeid, &ref) == 0) {
		fix_mode(p, ref.fd, wanted);
		struct stat st;
		if (stat_fd(ref.fd, &st) == 0)
			fill_attr(&out->attr, &st);
		fs_inode_put(p->inodes, &ref);
	}
	return 0;
}

/* Give the guest a handle for open `fd` (owned: taken or closed). */
static int add_handle(struct pt *p, int fd, uint64_t nodeid, struct fuse_open_out *out)
{
	uint64_t fh;
	int ret = fs_handle_add(p->handles, fd, nodeid, &fh);
	if (ret < 0)
		return ret;
	memset(out, 0, sizeof(*out));
	out->fh = fh;
	return 0;
}

/* CREATE and TMPFILE: the handle for a new entry; without one the guest
 * gets no entry either, so its reference is dropped again. */
static int add_entry_handle(struct pt *p, int fd, uint64_t nodeid, struct fuse_open_out *out)
{
	int ret = add_handle(p, fd, nodeid, out);
	if (ret < 0)
		fs_inode_forget(p->inodes, nodeid, 1);
	return ret;
}

/* Pin handle `fh` of `nodeid` for I/O at `offset`, which must fit an off_t. */
static int get_handle_at(struct pt *p, uint64_t fh, uint64_t nodeid, uint64_t offset,
			 struct fs_handle_ref *h)
{
	if (offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	return fs_handle_get(p->handles, fh, nodeid, h);
}

/* The host attributes of a node the guest references. */
static int stat_node(struct pt *p, uint64_t nodeid, struct stat *st)
{
	struct fs_inode_ref ref;
	int ret = fs_inode_get(p->inodes, nodeid, &ref);
	if (ret < 0)
		return ret;
	ret = stat_fd(ref.fd, st);
	fs_inode_put(p->inodes, &ref);
	return ret;
}

static void fill_attr_out(struct pt *p, struct fuse_attr_out *out, const struct stat *st)
{
	memset(out, 0, sizeof(*out));
	out->attr_valid = p->attr_sec;
	out->attr_valid_nsec = p->attr_nsec;
	fill_attr(&out->attr, st);
}

/* ------------------------------------------------------------ init/destroy */

static int pt_init(void *fs, const struct fuse_init_in *in, uint64_t *flags)
{
	struct pt *p = fs;
	(void)in;
	/* Locks are not served (getlk/setlk are NULL): never let the guest
	 * believe they are. ACLs are not enforced by the guest without
	 * POSIX_ACL, which we do not implement. */
	*flags &= ~((uint64_t)FUSE_POSIX_LOCKS | FUSE_FLOCK_LOCKS | FUSE_POSIX_ACL);
	if (!p->writeback)
		*flags &= ~(uint64_t)FUSE_WRITEBACK_CACHE;
	atomic_store(&p->writeback_on, (*flags & FUSE_WRITEBACK_CACHE) != 0);
	return 0;
}

/* The guest unmounted: its node ids and handles are gone with it, and a new
 * INIT starts from the root alone. */
static void pt_destroy(void *fs)
{
	struct pt *p = fs;
	fs_handle_remove_all(p->handles);
	fs_inode_forget_all(p->inodes);
}

/* ------------------------------------------------------------ inode ops */

static int pt_lookup(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     struct fuse_entry_out *out)
{
	struct pt *p = fs;
	struct fs_inode_ref dir;
	(void)c;
	/* ".." only at the root, where it is the root itself (NFS-export style
	 * lookups); elsewhere the guest kernel resolves ".." from its dcache. */
	if (name && strcmp(name, "..") == 0) {
		if (parent != FUSE_ROOT_ID)
			return -EINVAL;
		int ret = fs_inode_get(p->inodes, FUSE_ROOT_ID, &dir);
		if (ret < 0)
			return ret;
		ret = lookup_in(p, &dir, ".", out);
		fs_inode_put(p->inodes, &dir);
		return ret;
	}
	int ret = get_parent(p, parent, name, &dir);
	if (ret < 0)
		return ret;
	ret = lookup_in(p, &dir, name, out);
	fs_inode_put(p->inodes, &dir);
	return ret;
}

static void pt_forget(void *fs, uint64_t nodeid, uint64_t nlookup)
{
	struct pt *p = fs;
	fs_inode_forget(p->inodes, nodeid, nlookup);
}

static int pt_getattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	struct pt *p = fs;
	struct stat st;
	(void)c;
	(void)in;
	int ret = stat_node(p, nodeid, &st);
	if (ret == 0)
		fill_attr_out(p, out, &st);
	return ret;
}

static int kill_suidgid(int opath_fd, struct pt *p)
{
	struct stat st;
	int ret = stat_fd(opath_fd, &st);
	if (ret < 0)
		return ret;
	mode_t m = st.st_mode & 07777;
	mode_t nm = m & ~(mode_t)S_ISUID;
	if (m & S_IXGRP)
		nm &= ~(mode_t)S_ISGID;
	if (nm == m || !S_ISREG(st.st_mode))
		return 0;
	return chmod_inode(p, opath_fd, nm);
}

/* One of SETATTR's two times: now, the guest's value (checked), or as it is. */
static int set_time(struct timespec *ts, bool now, bool given, uint64_t sec, uint32_t nsec)
{
	if (now) {
		ts->tv_nsec = UTIME_NOW;
	} else if (given) {
		if (nsec >= 1000000000u || sec > (uint64_t)INT64_MAX)
			return -EINVAL;
		ts->tv_sec = (time_t)sec;
		ts->tv_nsec = nsec;
	}
	return 0;
}

static int pt_setattr(void *fs, const struct fs_ctx *c, uint64_t nodeid,
		      const struct fuse_setattr_in *in, struct fuse_attr_out *out)
{
	struct pt *p = fs;
	struct fs_inode_ref ref;
	struct fs_handle_ref h;
	bool have_h = false;
	(void)c;
	int ret = fs_inode_get(p->inodes, nodeid, &ref);
	if (ret < 0)
		return ret;
	if (in->valid & FATTR_FH) {
		ret = fs_handle_get(p->handles, in->fh, nodeid, &h);
		if (ret < 0)
			goto out;
		have_h = true;
	}

	if (in->valid & FATTR_MODE) {
		if (ref.type == S_IFLNK) {
			ret = -EOPNOTSUPP; /* Linux has no symlink modes */
			goto out;
		}
		if (have_h)
			ret = fchmod(h.fd, in->mode & 07777) < 0 ? -errno : 0;
		else
			ret = chmod_inode(p, ref.fd, in->mode & 07777);
		if (ret < 0)
			goto out;
	}
	if (in->valid & (FATTR_UID | FATTR_GID)) {
		uid_t uid = (in->valid & FATTR_UID) ? in->uid : (uid_t)-1;
		gid_t gid = (in->valid & FATTR_GID) ? in->gid : (gid_t)-1;
		if (fchownat(ref.fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
			ret = -errno;
			goto out;
		}
	}
	if (in->valid & FATTR_SIZE) {
		if (ref.type != S_IFREG) {
			ret = ref.type == S_IFDIR ? -EISDIR : -EINVAL;
			goto out;
		}
		if (in->size > (uint64_t)INT64_MAX) {
			ret = -EFBIG;
			goto out;
		}
		int fd = have_h ? h.fd : reopen(p, ref.fd, ref.type, O_WRONLY);
		if (fd < 0) {
			ret = fd;
			goto out;
		}
		ret = ftruncate(fd, (off_t)in->size) < 0 ? -errno : 0;
		if (!have_h)
			close(fd);
		if (ret < 0)
			goto out;
	}
	if (in->valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)) {
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
		ret = set_time(&ts[0], in->valid & FATTR_ATIME_NOW, in->valid & FATTR_ATIME, in->atime,
			       in->atimensec);
		if (ret == 0)
			ret = set_time(&ts[1], in->valid & FATTR_MTIME_NOW, in->valid & FATTR_MTIME,
				       in->mtime, in->mtimensec);
		if (ret < 0)
			goto out;
		/* AT_EMPTY_PATH on the O_PATH fd acts on the inode itself,
		 * symlinks included, and follows nothing. */
		if (utimensat(ref.fd, "", ts, AT_EMPTY_PATH) < 0) {
			ret = -errno;
			goto out;
		}
	}
	/* FATTR_CTIME: the host sets ctime itself on every change above. */
	if ((in->valid & FATTR_KILL_SUIDGID) && !(in->valid & FATTR_MODE)) {
		ret = kill_suidgid(ref.fd, p);
		if (ret < 0)
			goto out;
	}
	struct stat st;
	ret = stat_fd(ref.fd, &st);
	if (ret == 0)
		fill_attr_out(p, out, &st);
out:
	if (have_h)
		fs_handle_put(p->handles, &h);
	fs_inode_put(p->inodes, &ref);
	return ret;
}

static int pt_readlink(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fs_iobuf *out)
{
	struct pt *p = fs;
	struct fs_inode_ref ref;
	char buf[PATH_MAX];
	(void)c;
	int ret = fs_inode_get(p->inodes, nodeid, &ref);
	if (ret < 0)
		return ret;
	ssize_t n = ref.type == S_IFLNK ? readlinkat(ref.fd, "", buf, sizeof(buf)) : (errno = EINVAL, -1);
	ret = n < 0 ? -errno : 0;
	fs_inode_put(p->inodes, &ref);
	if (ret < 0)
		return ret;
	size_t len = (size_t)n;
	if (len > fs_iobuf_remaining(out))
		len = fs_iobuf_remaining(out);
	return fs_iobuf_write(out, buf, len);
}

/* SYMLINK, MKNOD, MKDIR: the node is made under the caller's credentials
 * (so it belongs to the guest's uid/gid), then looked up; MKNOD and MKDIR
 * then get the mode the guest asked for (finish_create). */
enum make_kind { MAKE_SYMLINK, MAKE_NODE, MAKE_DIR };

static int make_entry(struct pt *p, const struct fs_ctx *c, uint64_t parent, const char *name,
		      enum make_kind kind, mode_t mode, dev_t rdev, const char *target,
		      struct fuse_entry_out *out)
{
	struct fs_inode_ref dir;
	int ret = get_parent(p, parent, name, &dir);
	if (ret < 0)
		return ret;
	if (kind == MAKE_SYMLINK && (!target || !*target || strnlen(target, PATH_MAX) >= PATH_MAX)) {
		ret = !target || !*target ? -ENOENT : -ENAMETOOLONG;
		goto out;
	}
	struct fs_creds_saved saved;
	ret = fs_creds_switch(&p->caps, c->uid, c->gid, &saved);
	if (ret < 0)
		goto out;
	switch (kind) {
	case MAKE_SYMLINK:
		ret = symlinkat(target, dir.fd, name);
		break;
	case MAKE_NODE:
		ret = mknodat(dir.fd, name, mode, rdev);
		break;
	case MAKE_DIR:
		ret = mkdirat(dir.fd, name, mode);
		break;
	}
	ret = ret < 0 ? -errno : 0;
	fs_creds_restore(&saved);
	if (ret == 0)
		ret = kind == MAKE_SYMLINK ? lookup_in(p, &dir, name, out)
					   : finish_create(p, &dir, name, mode, true, out);
out:
	fs_inode_put(p->inodes, &dir);
	return ret;
}

static int pt_symlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		      const char *target, struct fuse_entry_out *out)
{
	return make_entry(fs, c, parent, name, MAKE_SYMLINK, 0, 0, target, out);
}

static int pt_mknod(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    const struct fuse_mknod_in *in, struct fuse_entry_out *out)
{
	return make_entry(fs, c, parent, name, MAKE_NODE, guest_mode(in->mode, in->umask), in->rdev,
			  NULL, out);
}

static int pt_mkdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		    const struct fuse_mkdir_in *in, struct fuse_entry_out *out)
{
	return make_entry(fs, c, parent, name, MAKE_DIR, guest_mode(in->mode, in->umask) & 07777, 0,
			  NULL, out);
}

static int remove_entry(struct pt *p, uint64_t parent, const char *name, int flags)
{
	struct fs_inode_ref dir;
	int ret = get_parent(p, parent, name, &dir);
	if (ret < 0)
		return ret;
	ret = unlinkat(dir.fd, name, flags) < 0 ? -errno : 0;
	fs_inode_put(p->inodes, &dir);
	return ret;
}

static int pt_unlink(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	(void)c;
	return remove_entry(fs, parent, name, 0);
}

static int pt_rmdir(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name)
{
	(void)c;
	return remove_entry(fs, parent, name, AT_REMOVEDIR);
}

static int pt_rename(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     uint64_t newparent, const char *newname, uint32_t flags)
{
	struct pt *p = fs;
	struct fs_inode_ref a, b;
	(void)c;
	if (flags & ~(uint32_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if (!newname || !fs_name_is_valid(newname))
		return -EINVAL;
	int ret = get_parent(p, parent, name, &a);
	if (ret < 0)
		return ret;
	ret = get_parent(p, newparent, newname, &b);
	if (ret == 0) {
		ret = renameat2(a.fd, name, b.fd, newname, flags) < 0 ? -errno : 0;
		fs_inode_put(p->inodes, &b);
	}
	fs_inode_put(p->inodes, &a);
	return ret;
}

static int pt_link(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint64_t newparent,
		   const char *newname, struct fuse_entry_out *out)
{
	struct pt *p = fs;
	struct fs_inode_ref dir, ref;
	(void)c;
	int ret = get_parent(p, newparent, newname, &dir);
	if (ret < 0)
		return ret;
	ret = fs_inode_get(p->inodes, nodeid, &ref);
	if (ret < 0)
		goto out_dir;
	if (ref.type == S_IFDIR) {
		ret = -EPERM;
		goto out;
	}
	/* Link the inode itself: the /proc/self/fd magic link names exactly the
	 * O_PATH fd's inode (a symlink stays a symlink), and works for
	 * O_TMPFILE files without CAP_DAC_READ_SEARCH. */
	char pname[16];
	proc_name(ref.fd, pname);
	ret = linkat(p->proc_self_fd, pname, dir.fd, newname, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
	if (ret == 0)
		ret = lookup_in(p, &dir, newname, out);
out:
	fs_inode_put(p->inodes, &ref);
out_dir:
	fs_inode_put(p->inodes, &dir);
	return ret;
}

/* ------------------------------------------------------------ files */

static int open_flags(struct pt *p, uint32_t flags)
{
	int f = (int)flags;
	if (atomic_load(&p->writeback_on)) {
		/* With a writeback cache the guest reads to fill partial pages and
		 * decides where appends land. */
		if ((f & O_ACCMODE) == O_WRONLY)
			f = (f & ~O_ACCMODE) | O_RDWR;
		f &= ~O_APPEND;
	}
	return f;
}

static int pt_open(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_open_in *in,
		   struct fuse_open_out *out)
{
	struct pt *p = fs;
	struct fs_inode_ref ref;
	(void)c;
	int ret = fs_inode_get(p->inodes, nodeid, &ref);
	if (ret < 0)
		return ret;
	if (ref.type == S_IFDIR && (in->flags & O_ACCMODE) != O_RDONLY) {
		ret = -EISDIR;
		goto out;
	}
	int fd = reopen(p, ref.fd, ref.type, open_flags(p, in->flags));
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	if (in->open_flags & FUSE_OPEN_KILL_SUIDGID)
		(void)kill_suidgid(ref.fd, p);
	ret = add_handle(p, fd, nodeid, out);
out:
	fs_inode_put(p->inodes, &ref);
	return ret;
}

static int pt_create(void *fs, const struct fs_ctx *c, uint64_t parent, const char *name,
		     const struct fuse_create_in *in, struct fuse_entry_out *entry,
		     struct fuse_open_out *open)
{
	struct pt *p = fs;
	struct fs_inode_ref dir;
	int ret = get_parent(p, parent, name, &dir);
	if (ret < 0)
		return ret;
	mode_t mode = guest_mode(in->mode, in->umask) & 07777;
	int flags = open_flags(p, in->flags) & ~(O_CREAT | O_EXCL | O_NOCTTY | O_DIRECTORY);
	struct fs_creds_saved saved;
	ret = fs_creds_switch(&p->caps, c->uid, c->gid, &saved);
	if (ret < 0)
		goto out;
	/* Create exclusively: an existing name is never opened here, so an
	 * existing symlink is not followed and an existing FIFO cannot block. */
	int fd = openat(dir.fd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	int err = fd < 0 ? -errno : 0;
	fs_creds_restore(&saved);
	bool created = fd >= 0;
	if (fd >= 0 && p->proc_umask) {
		struct stat st;
		if (fstat(fd, &st) == 0 && (mode & ~st.st_mode & p->proc_umask))
			(void)fchmod(fd, (st.st_mode | (mode & p->proc_umask)) & 07777);
	}
	if (fd < 0 && !(err == -EEXIST && !(in->flags & O_EXCL))) {
		ret = err;
		goto out;
	}
	ret = lookup_in(p, &dir, name, entry);
	if (ret < 0) {
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (!created) {
		/* It existed: open it like OPEN does (regular files only). */
		struct fs_inode_ref ref;
		ret = fs_inode_get(p->inodes, entry->nodeid, &ref);
		if (ret == 0) {
			fd = ref.type == S_IFDIR ? -EISDIR : reopen(p, ref.fd, ref.type, flags);
			fs_inode_put(p->inodes, &ref);
			ret = fd < 0 ? fd : 0;
		}
		if (ret < 0) {
			fs_inode_forget(p->inodes, entry->nodeid, 1);
			goto out;
		}
	}
	ret = add_entry_handle(p, fd, entry->nodeid, open);
out:
	fs_inode_put(p->inodes, &dir);
	return ret;
}

static int pt_tmpfile(void *fs, const struct fs_ctx *c, uint64_t parent,
		      const struct fuse_create_in *in, struct fuse_entry_out *entry,
		      struct fuse_open_out *open)
{
	struct pt *p = fs;
	struct fs_inode_ref dir;
	int ret = fs_inode_get(p->inodes, parent, &dir);
	if (ret < 0)
		return ret;
	if (dir.type != S_IFDIR) {
		ret = -ENOTDIR;
		goto out;
	}
	mode_t mode = guest_mode(in->mode, in->umask) & 07777;
	int flags = open_flags(p, in->flags) & ~(O_CREAT | O_EXCL | O_NOCTTY | O_DIRECTORY | O_TMPFILE);
	if ((flags & O_ACCMODE) == O_RDONLY)
		flags |= O_RDWR; /* O_TMPFILE needs write access */
	struct fs_creds_saved saved;
	ret = fs_creds_switch(&p->caps, c->uid, c->gid, &saved);
	if (ret < 0)
		goto out;
	int fd = openat(dir.fd, ".", flags | O_TMPFILE | O_CLOEXEC, mode);
	ret = fd < 0 ? -errno : 0;
	fs_creds_restore(&saved);
	if (ret < 0)
		goto out;
	if (p->proc_umask)
		(void)fchmod(fd, mode);
	/* An O_PATH fd for the inode table, taken from the open file. */
	char pname[16];
	proc_name(fd, pname);
	int pfd = openat(p->proc_self_fd, pname, O_PATH | O_CLOEXEC);
	ret = pfd < 0 ? -errno : add_entry(p, pfd, entry);
	if (ret < 0) {
		close(fd);
		goto out;
	}
	ret = add_entry_handle(p, fd, entry->nodeid, open);
out:
	fs_inode_put(p->inodes, &dir);
	return ret;
}

static int pt_read(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_read_in *in,
		   struct fs_iobuf *out)
{
	struct pt *p = fs;
	struct fs_handle_ref h;
	(void)c;
	int ret = get_handle_at(p, in->fh, nodeid, in->offset, &h);
	if (ret < 0)
		return ret;
	ssize_t n = fs_iobuf_pread(out, h.fd, in->size, (off_t)in->offset);
	fs_handle_put(p->handles, &h);
	return n < 0 ? (int)n : 0;
}

static int pt_write(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_write_in *in,
		    struct fs_iobuf *data, struct fuse_write_out *out)
{
	struct pt *p = fs;
	struct fs_handle_ref h;
	(void)c;
	int ret = get_handle_at(p, in->fh, nodeid, in->offset, &h);
	if (ret < 0)
		return ret;
	if (in->write_flags & FUSE_WRITE_KILL_SUIDGID) {
		struct fs_inode_ref ref;
		if (fs_inode_get(p->inodes, nodeid, &ref) == 0) {
			(void)kill_suidgid(ref.fd, p);
			fs_inode_put(p->inodes, &ref);
		}
	}
	ssize_t n = fs_iobuf_pwrite(data, h.fd, in->size, (off_t)in->offset);
	fs_handle_put(p->handles, &h);
	if (n < 0)
		return (int)n;
	memset(out, 0, sizeof(*out));
	out->size = (uint32_t)n;
	return 0;
}

static int pt_statfs(void *fs, const struct fs_ctx *c, uint64_t nodeid, struct fuse_statfs_out *out,
		     uint64_t *st_flags)
{
	struct pt *p = fs;
	struct fs_inode_ref ref;
	struct statvfs sv;
	(void)c;
	int ret = fs_inode_get(p->inodes, nodeid ? nodeid : FUSE_ROOT_ID, &ref);
	if (ret < 0)
		return ret;
	ret = fstatvfs(ref.fd, &sv) < 0 ? -errno : 0;
	fs_inode_put(p->inodes, &ref);
	if (ret < 0)
		return ret;
	memset(out, 0, sizeof(*out));
	out->st.blocks = sv.f_blocks;
	out->st.bfree = sv.f_bfree;
	out->st.bavail = sv.f_bavail;
	out->st.files = sv.f_files;
	out->st.ffree = sv.f_ffree;
	out->st.bsize = (uint32_t)sv.f_bsize;
	out->st.namelen = (uint32_t)sv.f_namemax;
	out->st.frsize = (uint32_t)sv.f_frsize;
	if (st_flags)
		*st_flags = sv.f_flag;
	return 0;
}

static int pt_release(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_release_in *in)
{
	struct pt *p = fs;
	(void)c;
	return fs_handle_remove(p->handles, in->fh, nodeid);
}

static int pt_flush(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_flush_in *in)
{
	struct pt *p = fs;
	struct fs_handle_ref h;
	(void)c;
	int ret = fs_handle_get(p->handles, in->fh, nodeid, &h);
	if (ret < 0)
		return ret;
	/* close() of a duplicate reports delayed write errors (NFS and the
	 * like) without closing the handle itself. */
	int d = dup(h.fd);
	if (d < 0)
		ret = -errno;
	else if (close(d) < 0 && errno != EINTR)
		ret = -errno;
	fs_handle_put(p->handles, &h);
	return ret;
}

static int pt_fsync(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_fsync_in *in)
{
	struct pt *p = fs;
	struct fs_handle_ref h;
	(void)c;
	int ret = fs_handle_get(p->handles, in->fh, nodeid, &h);
	if (ret < 0)
		return ret;
	ret = ((in->fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(h.fd) : fsync(h.fd)) < 0 ? -errno : 0;
	fs_handle_put(p->handles, &h);
	return ret;
}

/* ------------------------------------------------------------ directories */

static int pt_opendir(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_open_in *in,
		      struct fuse_open_out *out)
{
	struct pt *p = fs;
	struct fs_inode_ref ref;
	(void)c;
	(void)in;
	int ret = fs_inode_get(p->inodes, nodeid, &ref);
	if (ret < 0)
		return ret;
	int fd = ref.type == S_IFDIR ? reopen(p, ref.fd, ref.type, O_RDONLY | O_DIRECTORY) : -ENOTDIR;
	fs_inode_put(p->inodes, &ref);
	if (fd < 0)
		return fd;
	return add_handle(p, fd, nodeid, out);
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static bool is_dot_or_dotdot(const char *n)
{
	return n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0));
}

/* Write one fuse_dirent (and its padded name) at the cursor. */
static int put_dirent(struct fs_iobuf *out, uint64_t ino, uint64_t off, uint32_t type,
		      const char *name, size_t namelen)
{
	static const char zeros[8];
	struct fuse_dirent d = { .ino = ino, .off = off, .namelen = (uint32_t)namelen, .type = type };
	size_t pad = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen) - (FUSE_NAME_OFFSET + namelen);
	int ret = fs_iobuf_write(out, &d, FUSE_NAME_OFFSET);
	if (ret == 0)
		ret = fs_iobuf_write(out, name, namelen);
	if (ret == 0 && pad)
		ret = fs_iobuf_write(out, zeros, pad);
	return ret;
}

static int pt_readdir(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_read_in *in,
		      bool plus, struct fs_iobuf *out)
{
	struct pt *p = fs;
	struct fs_handle_ref h;
	struct fs_inode_ref dir;
	(void)c;
	if (in->offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	int ret = fs_inode_get(p->inodes, nodeid, &dir);
	if (ret < 0)
		return ret;
	ret = fs_handle_get(p->handles, in->fh, nodeid, &h);
	if (ret < 0) {
		fs_inode_put(p->inodes, &dir);
		return ret;
	}
	size_t room = fs_iobuf_remaining(out);
	if (room > in->size)
		room = in->size;
	size_t bufsz = room < 4096 ? 4096 : (room > DIRBUF_MAX ? DIRBUF_MAX : room);
	char *buf = malloc(bufsz);
	size_t written = 0;
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	if (lseek(h.fd, (off_t)in->offset, SEEK_SET) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		long n = syscall(SYS_getdents64, h.fd, buf, bufsz);
		if (n < 0) {
			ret = written ? 0 : -errno;
			goto out;
		}
		if (n == 0)
			goto out; /* end of directory */
		for (long pos = 0; pos < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + pos);
			if (d->d_reclen <= offsetof(struct linux_dirent64, d_name) || pos + d->d_reclen > n)
				goto out; /* cannot happen with a sane kernel */
			pos += d->d_reclen;
			size_t namelen = strnlen(d->d_name, d->d_reclen - offsetof(struct linux_dirent64, d_name));
			size_t need = plus ? FUSE_DIRENTPLUS_SIZE(&(struct fuse_direntplus){ .dirent.namelen = namelen })
					   : FUSE_DIRENT_SIZE(&(struct fuse_dirent){ .namelen = namelen });
			if (written + need > room)
				goto out; /* stop before an entry that does not fit */
			if (plus) {
				struct fuse_entry_out e;
				memset(&e, 0, sizeof(e));
				if (!is_dot_or_dotdot(d->d_name)) {
					/* The reference is taken only now that the
					 * entry is known to fit (libkrun #505). */
					int r = lookup_in(p, &dir, d->d_name, &e);
					if (r == -ENOENT)
						continue; /* removed meanwhile */
					if (r < 0) {
						ret = written ? 0 : r;
						goto out;
					}
				} else {
					e.attr.ino = d->d_ino;
					e.attr.mode = (uint32_t)d->d_type << 12;
				}
				int r = fs_iobuf_write(out, &e, sizeof(e));
				if (r == 0)
					r = put_dirent(out, d->d_ino, (uint64_t)d->d_off, d->d_type, d->d_name, namelen);
				if (r < 0) {
					if (e.nodeid)
						fs_inode_forget(p->inodes, e.nodeid, 1);
					ret = written ? 0 : r;
					goto out;
				}
			} else {
				int r = put_dirent(out, d->d_ino, (uint64_t)d->d_off, d->d_type, d->d_name, namelen);
				if (r < 0) {
					ret = written ? 0 : r;
					goto out;
				}
			}
			written += need;
		}
	}
out:
	free(buf);
	fs_handle_put(p->handles, &h);
	fs_inode_put(p->inodes, &dir);
	return ret;
}

static int pt_releasedir(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			 const struct fuse_release_in *in)
{
	return pt_release(fs, c, nodeid, in);
}

static int pt_fsyncdir(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_fsync_in *in)
{
	return pt_fsync(fs, c, nodeid, in);
}

/* ------------------------------------------------------------ xattrs */

/*
 * Extended attributes act on the inode itself: regular files and
 * directories through a re-opened fd, everything else (symlinks, FIFOs,
 * devices) through the /proc/self/fd/N magic link, which resolves to the
 * O_PATH fd's own inode and never to a symlink's target.
 */
struct xattr_target {
	int fd;            /* >= 0: use f*xattr */
	char path[32];     /* else this path */
};

static int xattr_open(struct pt *p, const struct fs_inode_ref *ref, int flags, struct xattr_target *t)
{
	t->fd = -1;
	if (ref->type == S_IFREG || ref->type == S_IFDIR) {
		int fd = reopen(p, ref->fd, ref->type, flags | O_NONBLOCK);
		if (fd >= 0) {
			t->fd = fd;
			return 0;
		}
		if (fd != -EACCES && fd != -EPERM && fd != -ETXTBSY && fd != -EISDIR)
			return fd;
	}
	snprintf(t->path, sizeof(t->path), "/proc/self/fd/%d", ref->fd);
	return 0;
}

static void xattr_close(struct xattr_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
}

enum xattr_op { XA_SET, XA_GET, XA_LIST, XA_REMOVE };

/* One xattr call on the inode's target: through its fd or its path. */
static ssize_t xattr_call(const struct xattr_target *t, enum xattr_op op, const char *name,
			  void *buf, size_t size, int flags)
{
	switch (op) {
	case XA_SET:
		return t->fd >= 0 ? fsetxattr(t->fd, name, buf, size, flags)
				  : setxattr(t->path, name, buf, size, flags);
	case XA_GET:
		return t->fd >= 0 ? fgetxattr(t->fd, name, buf, size) : getxattr(t->path, name, buf, size);
	case XA_LIST:
		return t->fd >= 0 ? flistxattr(t->fd, buf, size) : listxattr(t->path, buf, size);
	case XA_REMOVE:
		return t->fd >= 0 ? fremovexattr(t->fd, name) : removexattr(t->path, name);
	}
	errno = EINVAL;
	return -1;
}

/* The frame of the four xattr ops: the inode, its xattr target, one call.
 * Returns the call's result (a size for GET/LIST) or -errno. */
static ssize_t xattr_on_inode(struct pt *p, uint64_t nodeid, enum xattr_op op, const char *name,
			      void *buf, size_t size, int flags)
{
	struct fs_inode_ref ref;
	struct xattr_target t;
	ssize_t ret = fs_inode_get(p->inodes, nodeid, &ref);
	if (ret < 0)
		return ret;
	ret = xattr_open(p, &ref, O_RDONLY, &t);
	if (ret == 0) {
		ret = xattr_call(&t, op, name, buf, size, flags);
		if (ret < 0)
			ret = -errno;
		xattr_close(&t);
	}
	fs_inode_put(p->inodes, &ref);
	return ret;
}

/* GETXATTR and LISTXATTR: size 0 asks for the size needed only; else at
 * most min(size, max) bytes are read and copied to the reply. */
static int xattr_read(struct pt *p, uint64_t nodeid, enum xattr_op op, const char *name,
		      uint32_t size, size_t max, struct fs_iobuf *out, uint32_t *needed)
{
	size_t cap = size > max ? max : size;
	char *buf = cap ? malloc(cap) : NULL;
	if (cap && !buf)
		return -ENOMEM;
	ssize_t n = xattr_on_inode(p, nodeid, op, name, buf, cap, 0);
	int ret = 0;
	if (n < 0)
		ret = (int)n;
	else if (size == 0)
		*needed = (uint32_t)n;
	else
		ret = fs_iobuf_write(out, buf, (size_t)n) < 0 ? -ERANGE : 0;
	free(buf);
	return ret;
}

/* Whether xattrs are served, and a name is given. */
static int xattr_check(const struct pt *p, const char *name)
{
	if (!p->xattr)
		return -ENOSYS;
	if (!name || !*name)
		return -EINVAL;
	return 0;
}

static int pt_setxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		       const void *value, size_t size, uint32_t flags)
{
	struct pt *p = fs;
	(void)c;
	int ret = xattr_check(p, name);
	if (ret < 0)
		return ret;
	if (size > XATTR_MAX_VALUE)
		return -E2BIG;
	/* setxattr only reads the buffer; the shared call takes it non-const. */
	ssize_t r = xattr_on_inode(p, nodeid, XA_SET, name, (void *)(uintptr_t)value, size, (int)flags);
	return r < 0 ? (int)r : 0;
}

static int pt_getxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name,
		       uint32_t size, struct fs_iobuf *out, uint32_t *needed)
{
	struct pt *p = fs;
	(void)c;
	int ret = xattr_check(p, name);
	if (ret < 0)
		return ret;
	return xattr_read(p, nodeid, XA_GET, name, size, XATTR_MAX_VALUE, out, needed);
}

static int pt_listxattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t size,
			struct fs_iobuf *out, uint32_t *needed)
{
	struct pt *p = fs;
	(void)c;
	if (!p->xattr)
		return -ENOSYS;
	return xattr_read(p, nodeid, XA_LIST, NULL, size, XATTR_MAX_LIST, out, needed);
}

static int pt_removexattr(void *fs, const struct fs_ctx *c, uint64_t nodeid, const char *name)
{
	struct pt *p = fs;
	(void)c;
	int ret = xattr_check(p, name);
	if (ret < 0)
		return ret;
	ssize_t r = xattr_on_inode(p, nodeid, XA_REMOVE, name, NULL, 0, 0);
	return r < 0 ? (int)r : 0;
}

/* ------------------------------------------------------------ misc */

/* Permission bits checked for the requesting uid/gid (supplementary groups
 * are not known to the server); root needs an x bit somewhere to execute. */
static int pt_access(void *fs, const struct fs_ctx *c, uint64_t nodeid, uint32_t mask)
{
	struct stat st;
	int ret = stat_node(fs, nodeid, &st);
	if (ret < 0)
		return ret;
	mask &= R_OK | W_OK | X_OK;
	if (mask == F_OK)
		return 0;
	if (c->uid == 0) {
		if ((mask & X_OK) && !S_ISDIR(st.st_mode) && !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
			return -EACCES;
		return 0;
	}
	unsigned bits;
	if (st.st_uid == c->uid)
		bits = (st.st_mode >> 6) & 7;
	else if (st.st_gid == c->gid)
		bits = (st.st_mode >> 3) & 7;
	else
		bits = st.st_mode & 7;
	return (mask & ~bits) ? -EACCES : 0;
}

static int pt_fallocate(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			const struct fuse_fallocate_in *in)
{
	struct pt *p = fs;
	struct fs_handle_ref h;
	(void)c;
	if (in->length > (uint64_t)INT64_MAX)
		return -EINVAL;
	int ret = get_handle_at(p, in->fh, nodeid, in->offset, &h);
	if (ret < 0)
		return ret;
	ret = fallocate(h.fd, (int)in->mode, (off_t)in->offset, (off_t)in->length) < 0 ? -errno : 0;
	fs_handle_put(p->handles, &h);
	return ret;
}

static int pt_lseek(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_lseek_in *in,
		    struct fuse_lseek_out *out)
{
	struct pt *p = fs;
	struct fs_handle_ref h;
	(void)c;
	if (in->whence != SEEK_SET && in->whence != SEEK_CUR && in->whence != SEEK_END &&
	    in->whence != SEEK_DATA && in->whence != SEEK_HOLE)
		return -EINVAL;
	int ret = get_handle_at(p, in->fh, nodeid, in->offset, &h);
	if (ret < 0)
		return ret;
	off_t r = lseek(h.fd, (off_t)in->offset, (int)in->whence);
	fs_handle_put(p->handles, &h);
	if (r < 0)
		return -errno;
	memset(out, 0, sizeof(*out));
	out->offset = (uint64_t)r;
	return 0;
}

static int pt_copy_file_range(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			      const struct fuse_copy_file_range_in *in, struct fuse_write_out *out)
{
	struct pt *p = fs;
	struct fs_handle_ref hin, hout;
	(void)c;
	if (in->off_in > (uint64_t)INT64_MAX || in->off_out > (uint64_t)INT64_MAX)
		return -EINVAL;
	if (in->flags != 0)
		return -EINVAL;
	int ret = fs_handle_get(p->handles, in->fh_in, nodeid, &hin);
	if (ret < 0)
		return ret;
	ret = fs_handle_get(p->handles, in->fh_out, in->nodeid_out, &hout);
	if (ret < 0) {
		fs_handle_put(p->handles, &hin);
		return ret;
	}
	off_t oi = (off_t)in->off_in, oo = (off_t)in->off_out;
	size_t len = in->len > (uint64_t)SSIZE_MAX ? SSIZE_MAX : (size_t)in->len;
	if (len > UINT32_MAX)
		len = UINT32_MAX; /* fuse_write_out.size is 32 bits */
	ssize_t n = copy_file_range(hin.fd, &oi, hout.fd, &oo, len, 0);
	ret = n < 0 ? -errno : 0;
	fs_handle_put(p->handles, &hout);
	fs_handle_put(p->handles, &hin);
	if (ret < 0)
		return ret;
	memset(out, 0, sizeof(*out));
	out->size = (uint32_t)n;
	return 0;
}

static int pt_ioctl(void *fs, const struct fs_ctx *c, uint64_t nodeid, const struct fuse_ioctl_in *in,
		    struct fs_iobuf *data_in, struct fs_iobuf *out, struct fuse_ioctl_out *res)
{
	(void)fs, (void)c, (void)nodeid, (void)in, (void)data_in, (void)out, (void)res;
	/* No host ioctl is passed through; the exit-code ioctl is consumed by
	 * the server before it gets here. */
	return -ENOTTY;
}

static int pt_syncfs(void *fs, const struct fs_ctx *c, uint64_t nodeid)
{
	struct pt *p = fs;
	struct fs_inode_ref ref;
	(void)c;
	/* syncfs needs an opened fd; any directory of the share will do. */
	int ret = fs_inode_get(p->inodes, nodeid, &ref);
	if (ret < 0)
		return ret;
	int fd = (ref.type == S_IFDIR || ref.type == S_IFREG) ? reopen(p, ref.fd, ref.type, O_RDONLY | O_NONBLOCK)
							       : -ENXIO;
	fs_inode_put(p->inodes, &ref);
	if (fd == -ENXIO || fd == -EACCES) {
		ret = fs_inode_get(p->inodes, FUSE_ROOT_ID, &ref);
		if (ret < 0)
			return ret;
		fd = reopen(p, ref.fd, ref.type, O_RDONLY | O_DIRECTORY);
		fs_inode_put(p->inodes, &ref);
	}
	if (fd < 0)
		return fd;
	ret = syncfs(fd) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* ------------------------------------------------------------ DAX (dax.c) */

static int pt_dax_open(void *fs, uint64_t nodeid, int flags)
{
	struct pt *p = fs;
	struct fs_inode_ref ref;
	int ret = fs_inode_get(p->inodes, nodeid, &ref);
	if (ret < 0)
		return ret;
	ret = ref.type == S_IFREG ? reopen(p, ref.fd, ref.type, flags) : -EINVAL;
	fs_inode_put(p->inodes, &ref);
	return ret;
}

static int pt_setupmapping(void *fs, const struct fs_ctx *c, uint64_t nodeid,
			   const struct fuse_setupmapping_in *in, const struct fs_dax_window *w)
{
	(void)c;
	return fs_dax_setupmapping(fs, pt_dax_open, nodeid, in, w);
}

static const struct fs_ops pt_ops = {
	.init = pt_init,
	.destroy = pt_destroy,
	.lookup = pt_lookup,
	.forget = pt_forget,
	.getattr = pt_getattr,
	.setattr = pt_setattr,
	.readlink = pt_readlink,
	.symlink = pt_symlink,
	.mknod = pt_mknod,
	.mkdir = pt_mkdir,
	.unlink = pt_unlink,
	.rmdir = pt_rmdir,
	.rename = pt_rename,
	.link = pt_link,
	.open = pt_open,
	.create = pt_create,
	.read = pt_read,
	.write = pt_write,
	.statfs = pt_statfs,
	.release = pt_release,
	.flush = pt_flush,
	.fsync = pt_fsync,
	.opendir = pt_opendir,
	.readdir = pt_readdir,
	.releasedir = pt_releasedir,
	.fsyncdir = pt_fsyncdir,
	.setxattr = pt_setxattr,
	.getxattr = pt_getxattr,
	.listxattr = pt_listxattr,
	.removexattr = pt_removexattr,
	.access = pt_access,
	.fallocate = pt_fallocate,
	.lseek = pt_lseek,
	.copy_file_range = pt_copy_file_range,
	.ioctl = pt_ioctl,
	.getlk = NULL, /* POSIX locks are not offered: ENOSYS from the server */
	.setlk = NULL,
	.syncfs = pt_syncfs,
	.tmpfile = pt_tmpfile,
	.setupmapping = pt_setupmapping,
	.removemapping = fs_dax_removemapping,
};

/* ------------------------------------------------------------ construction */

static void pt_free(void *fs)
{
	struct pt *p = fs;
	if (!p)
		return;
	fs_handle_table_free(p->handles);
	fs_inode_table_free(p->inodes);
	fs_fd_account_close(&p->fds); /* after the tables: they give back into it */
	if (p->proc_self_fd >= 0)
		close(p->proc_self_fd);
	free(p);
}

/* The process umask from /proc/self/status, without calling umask(). Unknown:
 * assume 022, so mode bits are restored at worst needlessly. */
static mode_t read_proc_umask(void)
{
	mode_t m = 022;
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return m;
	char line[128];
	while (fgets(line, sizeof(line), f)) {
		unsigned v;
		if (sscanf(line, "Umask: %o", &v) == 1) {
			m = v & 0777;
			break;
		}
	}
	fclose(f);
	return m;
}

static bool probe_openat2(int dirfd)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH };
	long fd = syscall(SYS_openat2, dirfd, ".", &how, sizeof(how));
	if (fd >= 0) {
		close((int)fd);
		return true;
	}
	return false;
}

int fs_passthrough_new(const struct fs_passthrough_opts *o, struct fs_backend *out)
{
	if (!o || !o->root || !out)
		return -EINVAL;
	struct pt *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->proc_self_fd = -1;
	int ret;

	/* Every fd of every share of the VM comes out of one budget (limits.h);
	 * inodes and handles each get at most half of it, so neither kind can
	 * starve the other in this share. */
	if ((ret = fs_fd_account_open(&p->fds, o->limits)) < 0) {
		free(p);
		return ret;
	}
	unsigned budget = fs_limits_fd_budget(p->fds.l);
	unsigned max = o->max_inode_fds ? o->max_inode_fds : DEFAULT_MAX_INODE_FDS;
	if (max > budget / 2)
		max = budget / 2;
	if (max < 2)
		max = 2;
	p->max_fds = max;
	unsigned max_handles = budget / 2;
	if (max_handles < 16)
		max_handles = 16;

	p->xattr = o->xattr;
	p->writeback = o->writeback;
	atomic_init(&p->writeback_on, false);
	split_timeout(o->entry_timeout, &p->entry_sec, &p->entry_nsec);
	split_timeout(o->attr_timeout, &p->attr_sec, &p->attr_nsec);
	fs_creds_probe(&p->caps);
	p->proc_umask = read_proc_umask();

	p->proc_self_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->proc_self_fd < 0) {
		ret = -errno;
		goto fail;
	}
	/* With CAP_DAC_READ_SEARCH, inodes beyond the fd bound are kept as file
	 * handles (inode.h); without it the bound is also the entry bound. */
	unsigned entries = max;
	unsigned max_entries = fs_limits_inode_entries(p->fds.l); /* the VM's, split */
	if (max_entries > MAX_INODE_ENTRIES)
		max_entries = MAX_INODE_ENTRIES;
	if (p->caps.can_read_search && entries < max_entries)
		entries = max_entries;
	if ((ret = fs_inode_table_new(max, entries, &p->inodes)) < 0 ||
	    (ret = fs_handle_table_new(max_handles, &p->handles)) < 0)
		goto fail;
	fs_inode_table_set_fd_account(p->inodes, &p->fds);
	fs_handle_table_set_fd_account(p->handles, &p->fds);

	/* The root itself is the one path the host resolves normally: it is
	 * the embedder's choice, not the guest's. It must be a directory. */
	int rfd = open(o->root, O_PATH | O_CLOEXEC);
	if (rfd < 0) {
		ret = -errno;
		goto fail;
	}
	struct fs_inode_key key;
	mode_t type;
	ret = fs_inode_key_of(rfd, &key, &type);
	if (ret == 0 && type != S_IFDIR)
		ret = -ENOTDIR;
	if (ret < 0) {
		close(rfd);
		goto fail;
	}
	p->has_openat2 = probe_openat2(rfd);
	uint64_t root;
	ret = fs_inode_add_lookup(p->inodes, rfd, &key, type, &root);
	if (ret < 0)
		goto fail;
	if (root != FUSE_ROOT_ID) {
		ret = -EIO;
		goto fail;
	}
	*out = (struct fs_backend){ .ops = &pt_ops, .fs = p, .free = pt_free };
	return 0;
fail:
	pt_free(p);
	return ret;
}
