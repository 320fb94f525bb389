/* SPDX-License-Identifier: Apache-2.0 */
/* Functions ckrun does not implement answer -ENOENT for an unknown context,
 * else -ENOTSUP, and change nothing. */
#include <errno.h>

#include "helpers.h"
#include "abi/init_blob.h"

/* Every unsupported function called on id must answer want. */
static void call_all(uint32_t id, int want)
{
	const char *const strv[] = { "a", NULL };
	uint8_t blob[4] = { 0 };
	uint16_t qs[] = { 256 };

#define NS(call) assert_int_equal((call), want)
	NS(krun_set_smbios_oem_strings(id, strv));
	NS(krun_add_disk(id, "vda", "/tmp/disk", true));
	NS(krun_add_disk2(id, "vda", "/tmp/disk", KRUN_DISK_FORMAT_RAW, true));
	NS(krun_add_disk3(id, "vda", "/tmp/disk", KRUN_DISK_FORMAT_RAW, true, false,
			  KRUN_SYNC_FULL));
	NS(krun_set_root_disk(id, "/tmp/disk"));
	NS(krun_set_data_disk(id, "/tmp/disk"));
	NS(krun_set_root_disk_remount(id, "/dev/vda", "ext4", NULL));
	NS(krun_fs_add_overlay_file(id, KRUN_FS_ROOT_TAG, "f", blob, sizeof(blob), 0100644, false));
	NS(krun_fs_add_overlay_dir(id, KRUN_FS_ROOT_TAG, "d", 040755));
	NS(krun_add_vsock_port(id, 1024, "/tmp/sock"));
	NS(krun_add_vsock_port2(id, 1024, "/tmp/sock", true));
	NS(krun_add_vsock(id, KRUN_TSI_HIJACK_INET));
	NS(krun_disable_implicit_console(id));
	NS(krun_set_kernel_console(id, "ttyS0"));
	NS(krun_add_virtio_console_default(id, 0, 1, 2));
	NS(krun_add_serial_console_default(id, 0, 1));
	NS(krun_add_virtio_console_multiport(id));
	NS(krun_add_console_port_tty(id, 0, "tty", 0));
	NS(krun_add_console_port_inout(id, 0, "io", 0, 1));
	NS(krun_set_firmware(id, "/tmp/fw"));
	NS(krun_set_tee_config_file(id, "/tmp/tee.json"));
	NS(krun_set_gpu_options(id, VIRGLRENDERER_RENDER_SERVER));
	NS(krun_set_gpu_options2(id, VIRGLRENDERER_VENUS, 1ULL << 33));
	NS(krun_add_display(id, 800, 600));
	NS(krun_display_set_edid(id, 0, blob, sizeof(blob)));
	NS(krun_display_set_dpi(id, 0, 96));
	NS(krun_display_set_physical_size(id, 0, 300, 200));
	NS(krun_display_set_refresh_rate(id, 0, 60));
	NS(krun_set_display_backend(id, blob, sizeof(blob)));
	NS(krun_add_input_device(id, blob, sizeof(blob), blob, sizeof(blob)));
	NS(krun_add_input_device_fd(id, 0));
	NS(krun_add_vhost_user_device(id, KRUN_VIRTIO_DEVICE_RNG, "/tmp/rng.sock", NULL,
				      KRUN_VHOST_USER_RNG_NUM_QUEUES, qs));
#undef NS
}

static void unsupported_functions_return_enotsup(void **state)
{
	uint32_t id = new_ctx();
	struct ckrun_config before;

	(void)state;
	memcpy(&before, cfg_of(id), sizeof(before));
	call_all(id, -ENOTSUP);
	/* The unknown context first, whatever the other arguments (issue 20). */
	call_all(NO_SUCH_CTX, -ENOENT);
	/* Nothing was recorded by any of them. */
	assert_memory_equal(&before, cfg_of(id), sizeof(before));
	assert_int_equal(krun_free_ctx(id), 0);
}

static void fixed_answers_match_libkrun(void **state)
{
	const char *const vols[] = { "/a:/b", NULL };
	const uint8_t *data = NULL;
	size_t len = 0;
	uint32_t id = new_ctx();

	(void)state;
	assert_int_equal(krun_set_mapped_volumes(id, vols), -EINVAL);
	assert_int_equal(krun_set_mapped_volumes(NO_SUCH_CTX, NULL), -EINVAL);
	assert_int_equal(krun_get_shutdown_eventfd(id), -EINVAL);
	assert_int_equal(krun_get_shutdown_eventfd(NO_SUCH_CTX), -ENOENT);
	assert_int_equal(krun_get_default_init(NULL, &len), -EINVAL);
	assert_int_equal(krun_get_default_init(&data, NULL), -EINVAL);
	/* The init blob the feature bit promises: the static ELF served as /init.krun. */
	assert_int_equal(krun_has_feature(KRUN_FEATURE_INIT_BLOB), 1);
	assert_int_equal(krun_get_default_init(&data, &len), 0);
	assert_non_null(data);
	assert_true(len > 4096);
	assert_memory_equal(data, "\x7f" "ELF", 4);
	assert_ptr_equal(data, ckrun_init_blob);
	assert_int_equal(len, ckrun_init_blob_size);
	assert_int_equal(krun_free_ctx(id), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unsupported_functions_return_enotsup),
		cmocka_unit_test(fixed_answers_match_libkrun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
