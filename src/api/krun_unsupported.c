/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libkrun functions ckrun does not implement. They exist so that every
 * libkrun client links and resolves its symbols; each answers -ENOTSUP
 * (whatever its arguments) and changes nothing, so no caller mistakes one
 * for success. docs/api.md lists them. Move a function out of this file
 * when it works.
 */
#include <errno.h>

#include "libkrun.h"
#include "api/export.h"

#define UNUSED __attribute__((unused))

CKRUN_EXPORT int32_t krun_set_smbios_oem_strings(UNUSED uint32_t ctx_id,
		UNUSED const char *const oem_strings[])
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_setuid(UNUSED uint32_t ctx_id, UNUSED uid_t uid)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_setgid(UNUSED uint32_t ctx_id, UNUSED gid_t gid)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_disk(UNUSED uint32_t ctx_id, UNUSED const char *block_id,
		UNUSED const char *disk_path, UNUSED bool read_only)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_disk2(UNUSED uint32_t ctx_id, UNUSED const char *block_id,
		UNUSED const char *disk_path, UNUSED uint32_t disk_format, UNUSED bool read_only)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_disk3(UNUSED uint32_t ctx_id, UNUSED const char *block_id,
		UNUSED const char *disk_path, UNUSED uint32_t disk_format, UNUSED bool read_only,
		UNUSED bool direct_io, UNUSED uint32_t sync_mode)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_set_root_disk(UNUSED uint32_t ctx_id, UNUSED const char *disk_path)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_set_data_disk(UNUSED uint32_t ctx_id, UNUSED const char *disk_path)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_set_root_disk_remount(UNUSED uint32_t ctx_id,
		UNUSED const char *device, UNUSED const char *fstype, UNUSED const char *options)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_disable_implicit_init(UNUSED uint32_t ctx_id)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_fs_add_overlay_file(UNUSED uint32_t ctx_id, UNUSED const char *fs_tag,
		UNUSED const char *path, UNUSED const uint8_t *data, UNUSED size_t data_len,
		UNUSED uint32_t mode, UNUSED bool one_shot)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_fs_add_overlay_dir(UNUSED uint32_t ctx_id, UNUSED const char *fs_tag,
		UNUSED const char *path, UNUSED uint32_t mode)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_vsock_port(UNUSED uint32_t ctx_id, UNUSED uint32_t port,
		UNUSED const char *c_filepath)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_vsock_port2(UNUSED uint32_t ctx_id, UNUSED uint32_t port,
		UNUSED const char *c_filepath, UNUSED bool listen)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_vsock(UNUSED uint32_t ctx_id, UNUSED uint32_t tsi_features)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_disable_implicit_console(UNUSED uint32_t ctx_id)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_set_kernel_console(UNUSED uint32_t ctx_id,
		UNUSED const char *console_id)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_virtio_console_default(UNUSED uint32_t ctx_id,
		UNUSED int input_fd, UNUSED int output_fd, UNUSED int err_fd)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_serial_console_default(UNUSED uint32_t ctx_id,
		UNUSED int input_fd, UNUSED int output_fd)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_virtio_console_multiport(UNUSED uint32_t ctx_id)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_console_port_tty(UNUSED uint32_t ctx_id,
		UNUSED uint32_t console_id, UNUSED const char *name, UNUSED int tty_fd)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_console_port_inout(UNUSED uint32_t ctx_id,
		UNUSED uint32_t console_id, UNUSED const char *name, UNUSED int input_fd,
		UNUSED int output_fd)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_set_firmware(UNUSED uint32_t ctx_id, UNUSED const char *firmware_path)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_set_tee_config_file(UNUSED uint32_t ctx_id,
		UNUSED const char *filepath)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_set_gpu_options(UNUSED uint32_t ctx_id, UNUSED uint32_t virgl_flags)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_set_gpu_options2(UNUSED uint32_t ctx_id, UNUSED uint32_t virgl_flags,
		UNUSED uint64_t shm_size)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_display(UNUSED uint32_t ctx_id, UNUSED uint32_t width,
		UNUSED uint32_t height)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_display_set_edid(UNUSED uint32_t ctx_id, UNUSED uint32_t display_id,
		UNUSED const uint8_t *edid_blob, UNUSED size_t blob_size)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_display_set_dpi(UNUSED uint32_t ctx_id, UNUSED uint32_t display_id,
		UNUSED uint32_t dpi)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_display_set_physical_size(UNUSED uint32_t ctx_id,
		UNUSED uint32_t display_id, UNUSED uint16_t width_mm, UNUSED uint16_t height_mm)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_display_set_refresh_rate(UNUSED uint32_t ctx_id,
		UNUSED uint32_t display_id, UNUSED uint32_t refresh_rate)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_set_display_backend(UNUSED uint32_t ctx_id,
		UNUSED const void *display_backend, UNUSED size_t backend_size)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int krun_add_input_device(UNUSED uint32_t ctx_id,
		UNUSED const void *config_backend, UNUSED size_t config_backend_size,
		UNUSED const void *events_backend, UNUSED size_t events_backend_size)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int krun_add_input_device_fd(UNUSED uint32_t ctx_id, UNUSED int input_fd)
{
	return -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_add_vhost_user_device(UNUSED uint32_t ctx_id,
		UNUSED uint32_t device_type, UNUSED const char *socket_path, UNUSED const char *name,
		UNUSED uint16_t num_queues, UNUSED const uint16_t *queue_sizes)
{
	return -ENOTSUP;
}

/* Special cases: libkrun's own fixed answers, kept. */

CKRUN_EXPORT int32_t krun_get_default_init(const uint8_t **data_out, size_t *len_out)
{
	if (!data_out || !len_out)
		return -EINVAL;
	return -ENOTSUP; /* as libkrun built without its init blob */
}

CKRUN_EXPORT int32_t krun_get_shutdown_eventfd(UNUSED uint32_t ctx_id)
{
	return -EINVAL; /* libkrun creates this eventfd only on macOS/aarch64 */
}
