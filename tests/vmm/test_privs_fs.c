/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keep sets of src/vmm/privs.c against the real passthrough backend: a
 * thread reduced to the read-only set still reads what other users own
 * (CAP_DAC_READ_SEARCH is the minimum: without it the same reads fail), a
 * thread reduced to the writable set still acts with the guest's
 * credentials, and a process without any privilege (uid 65534) serves a
 * share with its own rights and plain errnos. Each case runs in a forked
 * child; the child exits with the number of the step that went wrong.
 * Needs root (to own files as other users and to become 65534): without it
 * the program exits 77, which meson reports as SKIP, not as a pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/fuse.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs/passthrough.h"
#include "fs/readonly.h"
#include "vmm/privs.h"
#include "../rm_tree.h"

#define OTHER 1234 /* owns the files a reduced root must still read */
#define NOBODY 65534

static char dir[64];

static void write_file(const char *name, const char *text, mode_t mode, uid_t uid, gid_t gid)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(fchown(fd, uid, gid), 0);
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ckrun-privs-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* writable by all: the guest uid creates here (the host checks its rights) */
	assert_int_equal(chmod(dir, 0777), 0);
	/* d/ is OTHER's and closed to everyone else; so is d/secret. */
	char p[256];
	snprintf(p, sizeof(p), "%s/d", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chown(p, OTHER, OTHER), 0);
	write_file("d/secret", "other's data\n", 0600, OTHER, OTHER);
	write_file("rootfile", "root's data\n", 0600, 0, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(dir);
	return 0;
}

static int host_owner(const char *name, uid_t *uid, gid_t *gid)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (lstat(p, &st) < 0)
		return -errno;
	*uid = st.st_uid;
	*gid = st.st_gid;
	return 0;
}

static int run_in_child(int (*fn)(void))
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static const struct fs_ctx guest_root = { .uid = 0, .gid = 0 };
static const struct fs_ctx guest_user = { .uid = 4000, .gid = 4001 };

/* Look up d/secret and open it read-only: 0, or the first -errno. */
static int read_secret(struct fs_backend *be)
{
	struct fuse_entry_out d, f;
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	struct fs_table t; /* a passthrough or a read-only share: its composed table */
	if (fs_backend_table(be, &t))
		return -EINVAL;
	int r = FS_CALL(&t, lookup, &guest_root, FUSE_ROOT_ID, "d", &d);
	if (r)
		return r;
	r = FS_CALL(&t, lookup, &guest_root, d.nodeid, "secret", &f);
	if (r)
		return r;
	r = FS_CALL(&t, opendir, &guest_root, d.nodeid, &oi, &oo);
	if (r)
		return r;
	return FS_CALL(&t, open, &guest_root, f.nodeid, &oi, &oo);
}

/* A read-only share after the read-only drop: root's view of other users' files. */
static int child_ro_reads(void)
{
	struct fs_passthrough_opts po = { .root = dir, .xattr = true };
	struct fs_backend be;
	if (fs_passthrough_new(&po, &be) || fs_readonly_new(be, &be))
		return 1;
	if (privs_drop(privs_keep_ro))
		return 2;
	if (read_secret(&be) != 0)
		return 3;
	/* and writes are still refused by the wrapper, not by a missing capability */
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_entry_out eo;
	if (FS_CALL(be.table, mkdir, &guest_root, FUSE_ROOT_ID, "x", &mk, &eo) != -EROFS)
		return 4;
	be.free(be.fs);
	return 0;
}

/* The control: root without DAC_READ_SEARCH cannot read them. */
static int child_no_caps_reads(void)
{
	struct fs_passthrough_opts po = { .root = dir, .xattr = true };
	struct fs_backend be;
	if (fs_passthrough_new(&po, &be) || fs_readonly_new(be, &be))
		return 1;
	if (privs_drop(0))
		return 2;
	if (read_secret(&be) != -EACCES)
		return 3;
	be.free(be.fs);
	return 0;
}

static void test_ro_minimum(void **state)
{
	(void)state;
	assert_int_equal(run_in_child(child_ro_reads), 0);
	assert_int_equal(run_in_child(child_no_caps_reads), 0);
}

/* A writable share after the writable drop: the guest's credentials still work. */
static int child_rw_creds(void)
{
	struct fs_passthrough_opts po = { .root = dir, .xattr = true };
	struct fs_backend be;
	if (fs_passthrough_new(&po, &be)) /* built before the drop, as in the VMM */
		return 1;
	if (privs_drop(privs_keep_rw))
		return 2;
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_entry_out eo;
	if (be.ops->mkdir(be.fs, &guest_user, FUSE_ROOT_ID, "as-guest", &mk, &eo))
		return 3;
	uid_t u = 0;
	gid_t g = 0;
	if (host_owner("as-guest", &u, &g) || u != guest_user.uid || g != guest_user.gid)
		return 4;
	struct fuse_mknod_in mn = { .mode = S_IFCHR | 0600, .rdev = makedev(1, 3) };
	if (be.ops->mknod(be.fs, &guest_root, FUSE_ROOT_ID, "null", &mn, &eo))
		return 5;
	struct fuse_setattr_in si = { .valid = FATTR_UID | FATTR_GID, .uid = 7, .gid = 8 };
	struct fuse_attr_out ao;
	if (be.ops->setattr(be.fs, &guest_root, eo.nodeid, &si, &ao))
		return 6;
	if (host_owner("null", &u, &g) || u != 7 || g != 8)
		return 7;
	if (read_secret(&be) != 0)
		return 8;
	be.free(be.fs);
	return 0;
}

static void test_rw_set(void **state)
{
	(void)state;
	assert_int_equal(run_in_child(child_rw_creds), 0);
}

/* A normal user: the share works with that user's rights. */
static int child_unprivileged(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
		return 1;
	struct privs_state st;
	if (privs_read(&st) || st.effective || st.permitted)
		return 2;
	struct fs_passthrough_opts po = { .root = dir, .xattr = true };
	struct fs_backend be;
	if (fs_passthrough_new(&po, &be))
		return 3;
	if (privs_drop(privs_keep_rw)) /* nothing to drop: succeeds */
		return 4;
	if (privs_read(&st) || st.effective || st.permitted || !st.no_new_privs)
		return 5;
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_entry_out eo;
	/* created as the guest's uid 4000, owned by the running user */
	if (be.ops->mkdir(be.fs, &guest_user, FUSE_ROOT_ID, "mine", &mk, &eo))
		return 6;
	uid_t u = 0;
	gid_t g = 0;
	if (host_owner("mine", &u, &g) || u != NOBODY || g != NOBODY)
		return 7;
	uint64_t mine = eo.nodeid;
	struct fuse_mknod_in fifo = { .mode = S_IFIFO | 0644 };
	if (be.ops->mknod(be.fs, &guest_root, mine, "fifo", &fifo, &eo))
		return 8;
	struct fuse_mknod_in dev = { .mode = S_IFCHR | 0600, .rdev = makedev(1, 3) };
	if (be.ops->mknod(be.fs, &guest_root, mine, "null", &dev, &eo) != -EPERM)
		return 9;
	struct fuse_setattr_in si = { .valid = FATTR_UID, .uid = 0 };
	struct fuse_attr_out ao;
	if (be.ops->setattr(be.fs, &guest_root, mine, &si, &ao) != -EPERM)
		return 10;
	struct fuse_entry_out f;
	struct fuse_open_in oi = { .flags = O_RDONLY };
	struct fuse_open_out oo;
	if (be.ops->lookup(be.fs, &guest_root, FUSE_ROOT_ID, "rootfile", &f))
		return 11;
	if (be.ops->open(be.fs, &guest_root, f.nodeid, &oi, &oo) != -EACCES)
		return 12;
	if (read_secret(&be) != -EACCES)
		return 13;
	be.free(be.fs);
	return 0;
}

static void test_unprivileged(void **state)
{
	(void)state;
	/* the share root must be writable by the user, as it would be its own */
	assert_int_equal(chown(dir, NOBODY, NOBODY), 0);
	int r = run_in_child(child_unprivileged);
	assert_int_equal(chown(dir, 0, 0), 0);
	assert_int_equal(r, 0);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test-vmm-privs-fs needs root (files of other users, setresuid)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ro_minimum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unprivileged, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
