/* SPDX-License-Identifier: Apache-2.0 */
/* krun_set_root and krun_add_virtiofs*: semantics and call-time checks. */
#include <errno.h>
#include <limits.h>

#include "helpers.h"

struct fixture {
	char *dir;   /* a directory to share */
	char *dir2;
	char *file;  /* a regular file inside dir */
	uint32_t id;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = make_temp_dir();
	f->dir2 = make_temp_dir();
	f->file = make_file_in(f->dir, "file", "x");
	f->id = new_ctx();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	krun_free_ctx(f->id);
	unlink(f->file);
	rmdir(f->dir);
	rmdir(f->dir2);
	free(f->file);
	free(f->dir);
	free(f->dir2);
	free(f);
	return 0;
}

#define F struct fixture *f = *state

static void virtiofs3_records_share(void **state)
{
	F;
	const struct ckrun_share *sh;

	assert_int_equal(krun_add_virtiofs3(f->id, "data", f->dir, 1 << 20, true), 0);
	assert_int_equal(cfg_of(f->id)->nr_shares, 1);
	sh = &cfg_of(f->id)->shares[0];
	assert_string_equal(sh->tag, "data");
	assert_string_equal(sh->path, f->dir);
	assert_int_equal(sh->shm_size, 1 << 20);
	assert_true(sh->read_only);
}

static void virtiofs_is_virtiofs3_no_dax_rw(void **state)
{
	F;
	const struct ckrun_share *sh;

	assert_int_equal(krun_add_virtiofs(f->id, "plain", f->dir), 0);
	sh = &cfg_of(f->id)->shares[0];
	assert_string_equal(sh->tag, "plain");
	assert_string_equal(sh->path, f->dir);
	assert_int_equal(sh->shm_size, 0); /* 0 = no DAX window */
	assert_false(sh->read_only);
}

static void virtiofs2_is_virtiofs3_rw(void **state)
{
	F;
	const struct ckrun_share *sh;

	assert_int_equal(krun_add_virtiofs2(f->id, "shm", f->dir, 64ULL << 20), 0);
	sh = &cfg_of(f->id)->shares[0];
	assert_string_equal(sh->tag, "shm");
	assert_string_equal(sh->path, f->dir);
	assert_int_equal(sh->shm_size, 64ULL << 20);
	assert_false(sh->read_only);
}

static void set_root_is_dev_root_512mib_rw(void **state)
{
	F;
	const struct ckrun_share *sh;

	assert_int_equal(krun_set_root(f->id, f->dir), 0);
	sh = &cfg_of(f->id)->shares[0];
	assert_string_equal(sh->tag, KRUN_FS_ROOT_TAG);
	assert_string_equal(sh->tag, "/dev/root");
	/* The public spelling and the host/guest contract agree (abi/guest.h). */
	assert_string_equal(KRUN_FS_ROOT_TAG, CKRUN_ROOT_TAG);
	assert_string_equal(sh->path, f->dir);
	assert_int_equal(sh->shm_size, 512ULL << 20);
	assert_false(sh->read_only);
}

static void shares_keep_call_order(void **state)
{
	F;

	assert_int_equal(krun_add_virtiofs(f->id, "b", f->dir2), 0);
	assert_int_equal(krun_set_root(f->id, f->dir), 0);
	assert_int_equal(krun_add_virtiofs3(f->id, "a", f->dir, 0, true), 0);
	assert_int_equal(cfg_of(f->id)->nr_shares, 3);
	assert_string_equal(cfg_of(f->id)->shares[0].tag, "b");
	assert_string_equal(cfg_of(f->id)->shares[1].tag, "/dev/root");
	assert_string_equal(cfg_of(f->id)->shares[2].tag, "a");
}

static void null_tag_is_einval(void **state)
{
	F;

	assert_int_equal(krun_add_virtiofs3(f->id, NULL, f->dir, 0, false), -EINVAL);
	assert_int_equal(krun_add_virtiofs(f->id, NULL, f->dir), -EINVAL);
	assert_int_equal(cfg_of(f->id)->nr_shares, 0);
}

static void null_path_is_einval(void **state)
{
	F;

	assert_int_equal(krun_add_virtiofs3(f->id, "t", NULL, 0, false), -EINVAL);
	assert_int_equal(krun_set_root(f->id, NULL), -EINVAL);
	assert_int_equal(cfg_of(f->id)->nr_shares, 0);
}

static void empty_tag_is_einval(void **state)
{
	F;

	assert_int_equal(krun_add_virtiofs3(f->id, "", f->dir, 0, false), -EINVAL);
	assert_int_equal(cfg_of(f->id)->nr_shares, 0);
}

static void tag_over_36_bytes_is_einval(void **state)
{
	F;
	char tag[64];

	memset(tag, 'x', sizeof(tag));
	tag[37] = '\0';
	assert_int_equal(krun_add_virtiofs3(f->id, tag, f->dir, 0, false), -EINVAL);
	tag[sizeof(tag) - 1] = '\0';
	assert_int_equal(krun_add_virtiofs3(f->id, tag, f->dir, 0, false), -EINVAL);
	assert_int_equal(cfg_of(f->id)->nr_shares, 0);
	/* Exactly 36 bytes fills the config-space field and is fine. */
	tag[36] = '\0';
	assert_int_equal(krun_add_virtiofs3(f->id, tag, f->dir, 0, false), 0);
	assert_string_equal(cfg_of(f->id)->shares[0].tag, tag);
}

static void duplicate_tag_is_eexist(void **state)
{
	F;

	assert_int_equal(krun_add_virtiofs(f->id, "same", f->dir), 0);
	assert_int_equal(krun_add_virtiofs3(f->id, "same", f->dir2, 0, true), -EEXIST);
	assert_int_equal(cfg_of(f->id)->nr_shares, 1);
	assert_string_equal(cfg_of(f->id)->shares[0].path, f->dir);
}

static void root_tag_twice_is_eexist(void **state)
{
	F;

	assert_int_equal(krun_add_virtiofs3(f->id, KRUN_FS_ROOT_TAG, f->dir, 0, true), 0);
	assert_int_equal(krun_set_root(f->id, f->dir2), -EEXIST);
	assert_int_equal(cfg_of(f->id)->nr_shares, 1);
	assert_true(cfg_of(f->id)->shares[0].read_only);
}

static void missing_path_is_enoent(void **state)
{
	F;
	char *missing;

	assert_true(asprintf(&missing, "%s/does-not-exist", f->dir) > 0);
	assert_int_equal(krun_add_virtiofs(f->id, "t", missing), -ENOENT);
	assert_int_equal(krun_set_root(f->id, missing), -ENOENT);
	assert_int_equal(cfg_of(f->id)->nr_shares, 0);
	free(missing);
}

static void file_path_is_enotdir(void **state)
{
	F;

	assert_int_equal(krun_add_virtiofs(f->id, "t", f->file), -ENOTDIR);
	assert_int_equal(cfg_of(f->id)->nr_shares, 0);
}

static void too_many_shares_is_enospc(void **state)
{
	F;
	char tag[16];

	for (int i = 0; i < CKRUN_MAX_SHARES; i++) {
		snprintf(tag, sizeof(tag), "t%d", i);
		assert_int_equal(krun_add_virtiofs(f->id, tag, f->dir), 0);
	}
	assert_int_equal(krun_add_virtiofs(f->id, "one-more", f->dir), -ENOSPC);
	assert_int_equal(cfg_of(f->id)->nr_shares, CKRUN_MAX_SHARES);
}

/* The path is resolved when added: relative paths and symlinks become absolute. */
static void path_is_resolved_at_add_time(void **state)
{
	F;
	char *link, cwd[PATH_MAX];

	assert_true(asprintf(&link, "%s/link", f->dir2) > 0);
	assert_int_equal(symlink(f->dir, link), 0);
	assert_int_equal(krun_add_virtiofs(f->id, "via-link", link), 0);
	assert_string_equal(cfg_of(f->id)->shares[0].path, f->dir);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(krun_add_virtiofs(f->id, "dot", "."), 0);
	assert_string_equal(cfg_of(f->id)->shares[1].path, cwd);
	unlink(link);
	free(link);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(virtiofs3_records_share),
		T(virtiofs_is_virtiofs3_no_dax_rw),
		T(virtiofs2_is_virtiofs3_rw),
		T(set_root_is_dev_root_512mib_rw),
		T(shares_keep_call_order),
		T(null_tag_is_einval),
		T(null_path_is_einval),
		T(empty_tag_is_einval),
		T(tag_over_36_bytes_is_einval),
		T(duplicate_tag_is_eexist),
		T(root_tag_twice_is_eexist),
		T(missing_path_is_enoent),
		T(file_path_is_enotdir),
		T(too_many_shares_is_enospc),
		T(path_is_resolved_at_add_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
