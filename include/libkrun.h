/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libkrun.h: ckrun's implementation of the libkrun 1.18 C API.
 *
 * Names, argument types and constant values match libkrun, so programs
 * written for libkrun build and run unchanged against ckrun. Every function
 * returns 0 (or a non-negative value where stated) on success and a negative
 * errno on failure. An unknown context ID gives -ENOENT, and that check comes
 * first: a call naming an unknown context returns -ENOENT whatever its other
 * arguments, also from the functions ckrun does not implement, which
 * otherwise return -ENOTSUP and never pretend to succeed (exceptions, as in
 * libkrun: krun_set_mapped_volumes is always -EINVAL, and krun_add_net_*
 * check their arguments before the context); see
 * docs/api.md for the status of each function and where ckrun deliberately
 * differs from libkrun.
 *
 * String arrays are NULL-terminated and hold at most 4096 entries.
 */
#ifndef _LIBKRUN_H
#define _LIBKRUN_H

#ifdef __cplusplus
extern "C" {
#endif

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h> /* uid_t, gid_t even in strict ISO C modes */
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Logging                                                             */
/* ------------------------------------------------------------------ */

#define KRUN_LOG_TARGET_DEFAULT -1

#define KRUN_LOG_LEVEL_OFF 0
#define KRUN_LOG_LEVEL_ERROR 1
#define KRUN_LOG_LEVEL_WARN 2
#define KRUN_LOG_LEVEL_INFO 3
#define KRUN_LOG_LEVEL_DEBUG 4
#define KRUN_LOG_LEVEL_TRACE 5

#define KRUN_LOG_STYLE_AUTO 0
#define KRUN_LOG_STYLE_ALWAYS 1
#define KRUN_LOG_STYLE_NEVER 2

#define KRUN_LOG_OPTION_NO_ENV 1

/**
 * Set the library's log level: 0 off, 1 error, 2 warn, 3 info, 4 debug,
 * 5 (or more) trace. May be called any number of times, also after
 * krun_init_log.
 *
 * Returns 0.
 */
int32_t krun_set_log_level(uint32_t level);

/**
 * Set up logging: where it goes, how verbose, and its style.
 *
 * "target_fd": KRUN_LOG_TARGET_DEFAULT (-1) for stderr, 1 or 2 for stdout or
 * stderr, any other fd is taken over by the library (closed when replaced).
 * "level": a KRUN_LOG_LEVEL_* value. "style": a KRUN_LOG_STYLE_* value.
 * "options": 0 or KRUN_LOG_OPTION_NO_ENV.
 *
 * Errors: -EINVAL for target_fd 0 or below -1, an unknown style or unknown
 * option bits; -EBADF if target_fd is not an open descriptor.
 */
int32_t krun_init_log(int target_fd, uint32_t level, uint32_t style, uint32_t options);

/* ------------------------------------------------------------------ */
/* Contexts                                                            */
/* ------------------------------------------------------------------ */

/**
 * Create a configuration context with the defaults (1 vCPU, 128 MiB).
 * IDs start at 0 and are handed out sequentially.
 *
 * Returns the context ID, or -ENOMEM / -ENOSPC (ID space exhausted).
 */
int32_t krun_create_ctx();

/**
 * Free a configuration context that was not started.
 *
 * Errors: -ENOENT if the context does not exist.
 */
int32_t krun_free_ctx(uint32_t ctx_id);

/* ------------------------------------------------------------------ */
/* VM configuration                                                    */
/* ------------------------------------------------------------------ */

/**
 * Set the number of vCPUs and the guest RAM in MiB.
 *
 * Errors: -ENOENT unknown context; -EINVAL for 0 vCPUs, more vCPUs than KVM
 * allows (krun_get_max_vcpus), or 0 MiB.
 */
int32_t krun_set_vm_config(uint32_t ctx_id, uint8_t num_vcpus, uint32_t ram_mib);

/**
 * Ask for nested virtualization in the guest: the host CPU's VMX or SVM is
 * shown to the guest (CPUID), which can then run its own KVM guests.
 *
 * ckrun: enabled=true needs a host whose KVM module has nested=1
 * (krun_check_nested_virt() == 1), else -ENOTSUP. Without this call (or with
 * enabled=false) the guest sees neither VMX nor SVM.
 * Errors: -ENOENT unknown context; -ENOTSUP see above.
 */
int32_t krun_set_nested_virt(uint32_t ctx_id, bool enabled);

/**
 * Whether nested virtualization can be offered to guests.
 *
 * Returns 1 (yes), 0 (no) or a negative errno: 1 when the host's KVM module
 * (kvm_intel or kvm_amd) has its "nested" parameter on, as libkrun.
 */
int32_t krun_check_nested_virt(void);

/**
 * The largest vCPU count krun_set_vm_config accepts: KVM's limit
 * (KVM_CAP_MAX_VCPUS), capped at 255.
 *
 * Errors: -EINVAL if /dev/kvm cannot be queried.
 */
int32_t krun_get_max_vcpus(void);

/**
 * Split the interrupt controller between host and guest (x86_64).
 *
 * ckrun: enable=false succeeds; enable=true returns -ENOTSUP.
 * Errors: -ENOENT unknown context.
 */
int32_t krun_split_irqchip(uint32_t ctx_id, bool enable);

/* Feature constants for krun_has_feature(). */
#define KRUN_FEATURE_NET 0
#define KRUN_FEATURE_BLK 1
#define KRUN_FEATURE_GPU 2
#define KRUN_FEATURE_INPUT 4
#define KRUN_FEATURE_TEE 6
#define KRUN_FEATURE_AMD_SEV 7
#define KRUN_FEATURE_INTEL_TDX 8
#define KRUN_FEATURE_AWS_NITRO 9
#define KRUN_FEATURE_VIRGL_RESOURCE_MAP2 10
#define KRUN_FEATURE_INIT_BLOB 11

/**
 * Whether this build supports a KRUN_FEATURE_* feature.
 *
 * Returns 1 or 0; -EINVAL for an unknown feature constant.
 */
int32_t krun_has_feature(uint64_t feature);

/**
 * Set SMBIOS OEM strings (NULL-terminated array). ckrun: -ENOTSUP.
 */
int32_t krun_set_smbios_oem_strings(uint32_t ctx_id, const char *const oem_strings[]);

/**
 * Switch the process to this user ID (setuid) in the start call, before the
 * VM is built, as libkrun does; the start call returns -errno if it fails.
 * Errors: -ENOENT unknown context.
 */
int32_t krun_setuid(uint32_t ctx_id, uid_t uid);

/**
 * Switch the process to this group ID (setgid) in the start call, before
 * krun_setuid's change and before the VM is built, as libkrun does.
 * Errors: -ENOENT unknown context.
 */
int32_t krun_setgid(uint32_t ctx_id, gid_t gid);

/* ------------------------------------------------------------------ */
/* Root filesystem, virtio-fs shares and disks                         */
/* ------------------------------------------------------------------ */

/* The virtio-fs tag of the share the guest boots from. */
#define KRUN_FS_ROOT_TAG "/dev/root"

/**
 * Share a host directory as the guest's root filesystem. Same as
 * krun_add_virtiofs3(ctx_id, KRUN_FS_ROOT_TAG, root_path, 512 MiB, false).
 *
 * Errors: as krun_add_virtiofs3.
 */
int32_t krun_set_root(uint32_t ctx_id, const char *root_path);

/**
 * Share a host directory with the guest as a virtio-fs device, without a DAX
 * window, read-write. Same as krun_add_virtiofs3(ctx_id, c_tag, c_path, 0,
 * false).
 *
 * Errors: as krun_add_virtiofs3.
 */
int32_t krun_add_virtiofs(uint32_t ctx_id, const char *c_tag, const char *c_path);

/**
 * Like krun_add_virtiofs, with a DAX window of shm_size bytes (0: none).
 * Same as krun_add_virtiofs3(ctx_id, c_tag, c_path, shm_size, false).
 *
 * Errors: as krun_add_virtiofs3.
 */
int32_t krun_add_virtiofs2(uint32_t ctx_id, const char *c_tag, const char *c_path,
                           uint64_t shm_size);

/**
 * Share the host directory c_path with the guest as a virtio-fs device named
 * c_tag. shm_size is the DAX window in bytes (0: no window). With read_only
 * the host refuses every modification (EROFS), whatever the guest does.
 * Devices appear in the order they are added. The tag KRUN_FS_ROOT_TAG makes
 * the share the guest's root.
 *
 * Errors: -ENOENT unknown context; -EINVAL NULL tag or path, tag empty or
 * longer than 36 bytes; -EEXIST tag already used in this context; -ENOENT
 * (or another stat errno) the path does not exist; -ENOTDIR the path is not
 * a directory; -ENOSPC too many shares.
 */
int32_t krun_add_virtiofs3(uint32_t ctx_id, const char *c_tag, const char *c_path,
                           uint64_t shm_size, bool read_only);

/**
 * No longer supported by libkrun either: always returns -EINVAL.
 */
int32_t krun_set_mapped_volumes(uint32_t ctx_id, const char *const mapped_volumes[]);

/* Disk image formats. */
#define KRUN_DISK_FORMAT_RAW 0
#define KRUN_DISK_FORMAT_QCOW2 1
#define KRUN_DISK_FORMAT_VMDK 2

/* Disk sync modes. */
#define KRUN_SYNC_NONE 0
#define KRUN_SYNC_RELAXED 1
#define KRUN_SYNC_FULL 2

/**
 * Add a raw disk image as a virtio-blk device. ckrun: -ENOTSUP.
 */
int32_t krun_add_disk(uint32_t ctx_id, const char *block_id, const char *disk_path,
                      bool read_only);

/**
 * Add a disk image in a KRUN_DISK_FORMAT_* format. ckrun: -ENOTSUP.
 */
int32_t krun_add_disk2(uint32_t ctx_id, const char *block_id, const char *disk_path,
                       uint32_t disk_format, bool read_only);

/**
 * Add a disk image with cache and KRUN_SYNC_* flush control. ckrun: -ENOTSUP.
 */
int32_t krun_add_disk3(uint32_t ctx_id, const char *block_id, const char *disk_path,
                       uint32_t disk_format, bool read_only, bool direct_io,
                       uint32_t sync_mode);

/**
 * Deprecated: the disk image holding the root filesystem. ckrun: -ENOTSUP.
 */
int32_t krun_set_root_disk(uint32_t ctx_id, const char *disk_path);

/**
 * Deprecated: a data disk image. ckrun: -ENOTSUP.
 */
int32_t krun_set_data_disk(uint32_t ctx_id, const char *disk_path);

/**
 * Boot from a block device by switching root after init. ckrun: -ENOTSUP.
 */
int32_t krun_set_root_disk_remount(uint32_t ctx_id, const char *device, const char *fstype,
                                   const char *options);

/**
 * Do not serve the built-in /init.krun on the root share: the client brings
 * its own init (the kernel still runs /init.krun, or the init= of a command
 * line given to krun_set_kernel), which receives the workload the libkrun way,
 * as KRUN_* variables and arguments on the kernel command line.
 * Errors: -ENOENT unknown context.
 */
int32_t krun_disable_implicit_init(uint32_t ctx_id);

/**
 * Get the built-in init binary (a static x86_64 executable); the data stays
 * valid while the library is loaded and must not be written.
 *
 * Errors: -EINVAL if data_out or len_out is NULL.
 */
int32_t krun_get_default_init(const uint8_t **data_out, size_t *len_out);

/**
 * Add a virtual file to a virtio-fs share. ckrun: -ENOTSUP.
 */
int32_t krun_fs_add_overlay_file(uint32_t ctx_id, const char *fs_tag, const char *path,
                                 const uint8_t *data, size_t data_len, uint32_t mode,
                                 bool one_shot);

/**
 * Add a virtual directory to a virtio-fs share. ckrun: -ENOTSUP.
 */
int32_t krun_fs_add_overlay_dir(uint32_t ctx_id, const char *fs_tag, const char *path,
                                uint32_t mode);

/* ------------------------------------------------------------------ */
/* Networking and vsock                                                */
/* ------------------------------------------------------------------ */

/* Network flags. */
#define NET_FLAG_VFKIT (1 << 0)
#define NET_FLAG_DHCP_CLIENT (1 << 1)

/* TSI (transparent socket impersonation) features for krun_add_vsock. */
#define KRUN_TSI_HIJACK_INET (1 << 0)
#define KRUN_TSI_HIJACK_UNIX (1 << 1)

/* virtio-net feature bits (values as in <linux/virtio_net.h>). */
#define NET_FEATURE_CSUM (1 << 0)
#define NET_FEATURE_GUEST_CSUM (1 << 1)
#define NET_FEATURE_GUEST_TSO4 (1 << 7)
#define NET_FEATURE_GUEST_TSO6 (1 << 8)
#define NET_FEATURE_GUEST_UFO (1 << 10)
#define NET_FEATURE_HOST_TSO4 (1 << 11)
#define NET_FEATURE_HOST_TSO6 (1 << 12)
#define NET_FEATURE_HOST_UFO (1 << 14)

/* The features the legacy network calls enable. */
#define COMPAT_NET_FEATURES                                                  \
	(NET_FEATURE_CSUM | NET_FEATURE_GUEST_CSUM | NET_FEATURE_GUEST_TSO4 | \
	 NET_FEATURE_GUEST_UFO | NET_FEATURE_HOST_TSO4 | NET_FEATURE_HOST_UFO)

/**
 * Add a virtio-net device backed by a unix stream socket (passt,
 * socket_vmnet): either c_path or fd (-1 if unused). Each frame is a 4-byte
 * big-endian length then the Ethernet frame. Devices are eth0, eth1, ... in
 * call order. flags: NET_FLAG_DHCP_CLIENT only.
 */
int32_t krun_add_net_unixstream(uint32_t ctx_id, const char *c_path, int fd,
                                uint8_t *const c_mac, uint32_t features, uint32_t flags);

/**
 * Add a virtio-net device backed by a unix datagram socket (gvproxy): one
 * datagram per frame. flags: NET_FLAG_VFKIT (with a path: send "VFKT"
 * first), NET_FLAG_DHCP_CLIENT.
 */
int32_t krun_add_net_unixgram(uint32_t ctx_id, const char *c_path, int fd,
                              uint8_t *const c_mac, uint32_t features, uint32_t flags);

/**
 * Add a virtio-net device backed by an existing host tap interface.
 */
int32_t krun_add_net_tap(uint32_t ctx_id, char *c_tap_name, uint8_t *const c_mac,
                         uint32_t features, uint32_t flags);

/**
 * Deprecated: network through a connected passt fd (a unixstream device
 * with COMPAT_NET_FEATURES). -EINVAL after krun_add_net_*.
 */
int32_t krun_set_passt_fd(uint32_t ctx_id, int fd);

/**
 * Deprecated: network through gvproxy's vfkit socket (a unixgram device with
 * the VFKT greeting). -EINVAL after krun_add_net_*.
 */
int32_t krun_set_gvproxy_path(uint32_t ctx_id, char *c_path);

/**
 * MAC address (6 bytes) of the legacy network device (default
 * 5a:94:ef:e4:0c:ee).
 */
int32_t krun_set_net_mac(uint32_t ctx_id, uint8_t *const c_mac);

/**
 * Expose guest TCP ports on the host: each "HOST:GUEST" entry (decimal u16
 * values; at most 4096 entries are read) makes the implicit network listen
 * on TCP port HOST of every host address (0.0.0.0) and forward each
 * connection to the guest's port GUEST. An empty array exposes nothing;
 * NULL means "no map" (libkrun's header says "expose all", libkrun crashes).
 * Only the implicit network (no krun_add_net_* call) forwards ports; a host
 * port already in use makes the start call fail.
 *
 * Errors: -EINVAL malformed entry, duplicate host or guest port, or an
 * explicit network device already added; -ENOENT unknown context; -ENODEV
 * after krun_disable_implicit_vsock.
 */
int32_t krun_set_port_map(uint32_t ctx_id, const char *const port_map[]);

/**
 * Connect guest vsock port "port" to the host unix socket c_filepath.
 * ckrun: -ENOTSUP.
 */
int32_t krun_add_vsock_port(uint32_t ctx_id, uint32_t port, const char *c_filepath);

/**
 * Like krun_add_vsock_port; with listen the host side listens on c_filepath.
 * ckrun: -ENOTSUP.
 */
int32_t krun_add_vsock_port2(uint32_t ctx_id, uint32_t port, const char *c_filepath,
                             bool listen);

/**
 * Add a vsock device with KRUN_TSI_* features. ckrun: -ENOTSUP.
 */
int32_t krun_add_vsock(uint32_t ctx_id, uint32_t tsi_features);

/**
 * Do not create the implicit vsock device (libkrun: no TSI). ckrun has no
 * vsock; what this turns off is its equivalent, the implicit network: the
 * guest then has no network unless a krun_add_net_* device is added.
 *
 * Errors: -ENOENT unknown context.
 */
int32_t krun_disable_implicit_vsock(uint32_t ctx_id);

/* ------------------------------------------------------------------ */
/* Console                                                             */
/* ------------------------------------------------------------------ */

/**
 * Send the guest's console output to the file c_filepath (created or
 * truncated when the VM starts, as libkrun) instead of the caller's stdio;
 * the guest gets no console input.
 *
 * Errors: -ENOENT unknown context; -EINVAL NULL path or a second call on the
 * same context.
 */
int32_t krun_set_console_output(uint32_t ctx_id, const char *c_filepath);

/**
 * An eventfd that asks the guest to shut down. As in libkrun on Linux, there
 * is none: always returns -EINVAL.
 */
int32_t krun_get_shutdown_eventfd(uint32_t ctx_id);

/**
 * Do not create the implicit console device. ckrun: -ENOTSUP.
 */
int32_t krun_disable_implicit_console(uint32_t ctx_id);

/**
 * Set the value of console= on the kernel command line. ckrun: -ENOTSUP.
 */
int32_t krun_set_kernel_console(uint32_t ctx_id, const char *console_id);

/**
 * Add a virtio-console device on the given fds. ckrun: -ENOTSUP.
 */
int32_t krun_add_virtio_console_default(uint32_t ctx_id, int input_fd, int output_fd,
                                        int err_fd);

/**
 * Add a legacy serial console on the given fds. ckrun: -ENOTSUP.
 */
int32_t krun_add_serial_console_default(uint32_t ctx_id, int input_fd, int output_fd);

/**
 * Add a multi-port virtio-console device; returns its console ID.
 * ckrun: -ENOTSUP.
 */
int32_t krun_add_virtio_console_multiport(uint32_t ctx_id);

/**
 * Add a TTY port to a multi-port console. ckrun: -ENOTSUP.
 */
int32_t krun_add_console_port_tty(uint32_t ctx_id, uint32_t console_id, const char *name,
                                  int tty_fd);

/**
 * Add an input/output port to a multi-port console. ckrun: -ENOTSUP.
 */
int32_t krun_add_console_port_inout(uint32_t ctx_id, uint32_t console_id, const char *name,
                                    int input_fd, int output_fd);

/* ------------------------------------------------------------------ */
/* Kernel and firmware                                                 */
/* ------------------------------------------------------------------ */

#define KRUN_KERNEL_FORMAT_RAW 0
#define KRUN_KERNEL_FORMAT_ELF 1
#define KRUN_KERNEL_FORMAT_PE_GZ 2
#define KRUN_KERNEL_FORMAT_IMAGE_BZ2 3
#define KRUN_KERNEL_FORMAT_IMAGE_GZ 4
#define KRUN_KERNEL_FORMAT_IMAGE_ZSTD 5

/**
 * Boot this kernel instead of the default one. "initramfs" (may be NULL) is
 * loaded as the initial ramdisk. A non-NULL "cmdline" replaces the default
 * kernel command line prolog (including init=/init.krun).
 *
 * ckrun accepts, on x86_64, KRUN_KERNEL_FORMAT_RAW (a bzImage or a plain
 * vmlinux), KRUN_KERNEL_FORMAT_ELF, and KRUN_KERNEL_FORMAT_IMAGE_GZ/BZ2/ZSTD:
 * an ELF vmlinux compressed with gzip, bzip2 or zstd, alone or inside another
 * file such as a distribution's vmlinuz (the first stream of that kind that
 * decompresses to an ELF image is used). A damaged image is reported by the
 * start call.
 *
 * Errors: -ENOENT unknown context; -EINVAL NULL kernel_path, unknown format,
 * PE_GZ (aarch64 only), a path that is not a regular file, a command line
 * too long for the guest; a stat errno (e.g. -ENOENT) if kernel or
 * initramfs do not exist.
 */
int32_t krun_set_kernel(uint32_t ctx_id, const char *kernel_path, uint32_t kernel_format,
                        const char *initramfs, const char *cmdline);

/**
 * Boot EFI firmware. ckrun: -ENOTSUP.
 */
int32_t krun_set_firmware(uint32_t ctx_id, const char *firmware_path);

/**
 * TEE configuration file (SEV builds only). ckrun: -ENOTSUP.
 */
int32_t krun_set_tee_config_file(uint32_t ctx_id, const char *filepath);

/* ------------------------------------------------------------------ */
/* Workload: executable, arguments, environment, working directory     */
/* ------------------------------------------------------------------ */

/**
 * The working directory of the workload, a path inside the guest.
 *
 * Errors: -ENOENT unknown context; -EINVAL NULL path.
 */
int32_t krun_set_workdir(uint32_t ctx_id, const char *workdir_path);

/**
 * The program the guest runs (a path inside the guest), its arguments and
 * its environment. "argv" holds the arguments only, without argv[0]; NULL
 * means none. "envp" holds "NAME=value" strings; NULL copies the calling
 * process's environment at the time of the call. Replaces earlier settings.
 * With ckrun's init, every byte of every string reaches the workload as
 * given (quotes, newlines, entries without '='), up to 4096 of each.
 *
 * Errors: -ENOENT unknown context; -EINVAL NULL exec_path; -E2BIG argv or
 * envp with more than 4096 entries; -ENOMEM.
 */
int32_t krun_set_exec(uint32_t ctx_id, const char *exec_path, const char *const argv[],
                      const char *const envp[]);

/**
 * The workload's environment ("NAME=value" strings); NULL copies the calling
 * process's environment at the time of the call.
 *
 * Errors: -ENOENT unknown context; -E2BIG more than 4096 entries; -ENOMEM.
 */
int32_t krun_set_env(uint32_t ctx_id, const char *const envp[]);

/**
 * Resource limits for the workload, entries "RESOURCE=CUR:MAX" or
 * "RESOURCE:CUR:MAX" where RESOURCE is the numeric Linux rlimit ID and CUR,
 * MAX are decimal numbers. As libkrun's init, a malformed entry is skipped
 * (ckrun logs a warning) and the others are applied.
 *
 * Errors: -ENOENT unknown context; -EINVAL NULL array; -E2BIG more than 4096
 * entries; -ENOMEM.
 */
int32_t krun_set_rlimits(uint32_t ctx_id, const char *const rlimits[]);

/* ------------------------------------------------------------------ */
/* GPU, display, input, sound, vhost-user (not supported by ckrun)     */
/* ------------------------------------------------------------------ */

/* virglrenderer flags. */
#define VIRGLRENDERER_USE_EGL (1 << 0)
#define VIRGLRENDERER_THREAD_SYNC (1 << 1)
#define VIRGLRENDERER_USE_GLX (1 << 2)
#define VIRGLRENDERER_USE_SURFACELESS (1 << 3)
#define VIRGLRENDERER_USE_GLES (1 << 4)
#define VIRGLRENDERER_USE_EXTERNAL_BLOB (1 << 5)
#define VIRGLRENDERER_VENUS (1 << 6)
#define VIRGLRENDERER_NO_VIRGL (1 << 7)
#define VIRGLRENDERER_USE_ASYNC_FENCE_CB (1 << 8)
#define VIRGLRENDERER_RENDER_SERVER (1 << 9)
#define VIRGLRENDERER_DRM (1 << 10)

/**
 * Add a virtio-gpu device with these virglrenderer flags. ckrun: -ENOTSUP.
 */
int32_t krun_set_gpu_options(uint32_t ctx_id, uint32_t virgl_flags);

/**
 * Like krun_set_gpu_options with a host window of shm_size bytes.
 * ckrun: -ENOTSUP.
 */
int32_t krun_set_gpu_options2(uint32_t ctx_id, uint32_t virgl_flags, uint64_t shm_size);

#define KRUN_MAX_DISPLAYS 16

/** Add a display; returns its ID. ckrun: -ENOTSUP. */
int32_t krun_add_display(uint32_t ctx_id, uint32_t width, uint32_t height);

/** Set a display's EDID blob. ckrun: -ENOTSUP. */
int32_t krun_display_set_edid(uint32_t ctx_id, uint32_t display_id, const uint8_t *edid_blob,
                              size_t blob_size);

/** Set a display's DPI. ckrun: -ENOTSUP. */
int32_t krun_display_set_dpi(uint32_t ctx_id, uint32_t display_id, uint32_t dpi);

/** Set a display's physical size in millimetres. ckrun: -ENOTSUP. */
int32_t krun_display_set_physical_size(uint32_t ctx_id, uint32_t display_id,
                                       uint16_t width_mm, uint16_t height_mm);

/** Set a display's refresh rate in Hz. ckrun: -ENOTSUP. */
int32_t krun_display_set_refresh_rate(uint32_t ctx_id, uint32_t display_id,
                                      uint32_t refresh_rate);

/** Set the display backend (a struct from libkrun_display.h). ckrun: -ENOTSUP. */
int32_t krun_set_display_backend(uint32_t ctx_id, const void *display_backend,
                                 size_t backend_size);

/** Add an input device from config and event backends. ckrun: -ENOTSUP. */
int krun_add_input_device(uint32_t ctx_id, const void *config_backend,
                          size_t config_backend_size, const void *events_backend,
                          size_t events_backend_size);

/** Add an input device passing a host /dev/input fd through. ckrun: -ENOTSUP. */
int krun_add_input_device_fd(uint32_t ctx_id, int input_fd);

/**
 * Enable or disable a virtio-snd device (libkrun 1.18).
 * ckrun: enable=false succeeds; enable=true returns -ENOTSUP.
 * Errors: -ENOENT unknown context.
 */
int32_t krun_set_snd_device(uint32_t ctx_id, bool enable);

/* Device types for krun_add_vhost_user_device (virtio device IDs). */
#define KRUN_VIRTIO_DEVICE_CONSOLE 3
#define KRUN_VIRTIO_DEVICE_RNG 4
#define KRUN_VIRTIO_DEVICE_GPU 16
#define KRUN_VIRTIO_DEVICE_RTC 17
#define KRUN_VIRTIO_DEVICE_INPUT 18
#define KRUN_VIRTIO_DEVICE_VSOCK 19
#define KRUN_VIRTIO_DEVICE_SND 25
#define KRUN_VIRTIO_DEVICE_CAN 36

#define KRUN_VHOST_USER_CONSOLE_NUM_QUEUES 4
#define KRUN_VHOST_USER_CONSOLE_QUEUE_SIZES ((uint16_t[]){128, 128, 64, 64})
#define KRUN_VHOST_USER_RNG_NUM_QUEUES 1
#define KRUN_VHOST_USER_RNG_QUEUE_SIZES ((uint16_t[]){256})
#define KRUN_VHOST_USER_RTC_NUM_QUEUES 2
#define KRUN_VHOST_USER_RTC_QUEUE_SIZES ((uint16_t[]){1024, 1024})
#define KRUN_VHOST_USER_INPUT_NUM_QUEUES 2
#define KRUN_VHOST_USER_INPUT_QUEUE_SIZES ((uint16_t[]){1024, 1024})
#define KRUN_VHOST_USER_SND_NUM_QUEUES 4
#define KRUN_VHOST_USER_SND_QUEUE_SIZES ((uint16_t[]){64, 64, 64, 64})
#define KRUN_VHOST_USER_VSOCK_NUM_QUEUES 3
#define KRUN_VHOST_USER_VSOCK_QUEUE_SIZES ((uint16_t[]){128, 128, 128})
#define KRUN_VHOST_USER_CAN_NUM_QUEUES 3
#define KRUN_VHOST_USER_CAN_QUEUE_SIZES ((uint16_t[]){64, 64, 64})
#define KRUN_VHOST_USER_GPU_NUM_QUEUES 2
#define KRUN_VHOST_USER_GPU_QUEUE_SIZES ((uint16_t[]){1024, 1024})

/**
 * Add a device served by a vhost-user backend on socket_path.
 * ckrun: -ENOTSUP.
 */
int32_t krun_add_vhost_user_device(uint32_t ctx_id, uint32_t device_type,
                                   const char *socket_path, const char *name,
                                   uint16_t num_queues, const uint16_t *queue_sizes);

/* ------------------------------------------------------------------ */
/* Start                                                               */
/* ------------------------------------------------------------------ */

/**
 * Start the VM described by the context and run it until the guest powers
 * off. The context is consumed, whether the start succeeds or not.
 *
 * On success this never returns: the process ends with _exit(code), where
 * code is the guest workload's exit status. The guest init uses 125 (it
 * could not set up the environment), 126 (the program cannot be executed)
 * and 127 (the program was not found).
 *
 * Returns only on error: -ENOENT unknown context, or the negative errno of
 * the failure that prevented the VM from running (e.g. -EINVAL, -ENOEXEC,
 * -ENOMEM); every resource has been released by then.
 *
 * To get the exit status back instead of ending the process, see
 * ckrun_start_and_wait() in <ckrun.h>.
 */
int32_t krun_start_enter(uint32_t ctx_id);

#ifdef __cplusplus
}
#endif

#endif /* _LIBKRUN_H */
