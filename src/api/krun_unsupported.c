/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libkrun functions ckrun does not implement. They exist so that every
 * libkrun client links and resolves its symbols; each answers -ENOENT for an
 * unknown context and -ENOTSUP otherwise (whatever its other arguments), and
 * changes nothing, so no caller mistakes one for success. docs/api.md lists them. Move a function out of this file
 * when it works.
 */
#include <errno.h>

#include "libkrun.h"
#include "api/ctx.h"
#include "api/export.h"

#define UNUSED __attribute__((unused))

/* As everywhere in the API: an unknown context is reported first. */
static int32_t unsupported(uint32_t ctx_id)
{
	int err = ckrun_ctx_check(ctx_id);

	return err ? err : -ENOTSUP;
}

CKRUN_EXPORT int32_t krun_set_smbios_oem_strings(uint32_t ctx_id,
		UNUSED const char *const oem_strings[])
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_disk(uint32_t ctx_id, UNUSED const char *block_id,
		UNUSED const char *disk_path, UNUSED bool read_only)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_disk2(uint32_t ctx_id, UNUSED const char *block_id,
		UNUSED const char *disk_path, UNUSED uint32_t disk_format, UNUSED bool read_only)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_disk3(uint32_t ctx_id, UNUSED const char *block_id,
		UNUSED const char *disk_path, UNUSED uint32_t disk_format, UNUSED bool read_only,
		UNUSED bool direct_io, UNUSED uint32_t sync_mode)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_set_root_disk(uint32_t ctx_id, UNUSED const char *disk_path)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_set_data_disk(uint32_t ctx_id, UNUSED const char *disk_path)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_set_root_disk_remount(uint32_t ctx_id,
		UNUSED const char *device, UNUSED const char *fstype, UNUSED const char *options)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_fs_add_overlay_file(uint32_t ctx_id, UNUSED const char *fs_tag,
		UNUSED const char *path, UNUSED const uint8_t *data, UNUSED size_t data_len,
		UNUSED uint32_t mode, UNUSED bool one_shot)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_fs_add_overlay_dir(uint32_t ctx_id, UNUSED const char *fs_tag,
		UNUSED const char *path, UNUSED uint32_t mode)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_vsock_port(uint32_t ctx_id, UNUSED uint32_t port,
		UNUSED const char *c_filepath)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_vsock_port2(uint32_t ctx_id, UNUSED uint32_t port,
		UNUSED const char *c_filepath, UNUSED bool listen)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_vsock(uint32_t ctx_id, UNUSED uint32_t tsi_features)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_disable_implicit_console(uint32_t ctx_id)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_set_kernel_console(uint32_t ctx_id,
		UNUSED const char *console_id)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_virtio_console_default(uint32_t ctx_id,
		UNUSED int input_fd, UNUSED int output_fd, UNUSED int err_fd)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_serial_console_default(uint32_t ctx_id,
		UNUSED int input_fd, UNUSED int output_fd)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_virtio_console_multiport(uint32_t ctx_id)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_console_port_tty(uint32_t ctx_id,
		UNUSED uint32_t console_id, UNUSED const char *name, UNUSED int tty_fd)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_console_port_inout(uint32_t ctx_id,
		UNUSED uint32_t console_id, UNUSED const char *name, UNUSED int input_fd,
		UNUSED int output_fd)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_set_firmware(uint32_t ctx_id, UNUSED const char *firmware_path)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_set_tee_config_file(uint32_t ctx_id,
		UNUSED const char *filepath)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_set_gpu_options(uint32_t ctx_id, UNUSED uint32_t virgl_flags)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_set_gpu_options2(uint32_t ctx_id, UNUSED uint32_t virgl_flags,
		UNUSED uint64_t shm_size)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_display(uint32_t ctx_id, UNUSED uint32_t width,
		UNUSED uint32_t height)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_display_set_edid(uint32_t ctx_id, UNUSED uint32_t display_id,
		UNUSED const uint8_t *edid_blob, UNUSED size_t blob_size)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_display_set_dpi(uint32_t ctx_id, UNUSED uint32_t display_id,
		UNUSED uint32_t dpi)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_display_set_physical_size(uint32_t ctx_id,
		UNUSED uint32_t display_id, UNUSED uint16_t width_mm, UNUSED uint16_t height_mm)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_display_set_refresh_rate(uint32_t ctx_id,
		UNUSED uint32_t display_id, UNUSED uint32_t refresh_rate)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_set_display_backend(uint32_t ctx_id,
		UNUSED const void *display_backend, UNUSED size_t backend_size)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int krun_add_input_device(uint32_t ctx_id,
		UNUSED const void *config_backend, UNUSED size_t config_backend_size,
		UNUSED const void *events_backend, UNUSED size_t events_backend_size)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int krun_add_input_device_fd(uint32_t ctx_id, UNUSED int input_fd)
{
	return unsupported(ctx_id);
}

CKRUN_EXPORT int32_t krun_add_vhost_user_device(uint32_t ctx_id,
		UNUSED uint32_t device_type, UNUSED const char *socket_path, UNUSED const char *name,
		UNUSED uint16_t num_queues, UNUSED const uint16_t *queue_sizes)
{
	return unsupported(ctx_id);
}

/* Special cases: libkrun's own fixed answers, kept. */

CKRUN_EXPORT int32_t krun_get_shutdown_eventfd(uint32_t ctx_id)
{
	/* libkrun creates this eventfd only on macOS/aarch64. */
	int err = ckrun_ctx_check(ctx_id);

	return err ? err : -EINVAL;
}
