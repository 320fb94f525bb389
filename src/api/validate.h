/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Argument checks done when a krun_* setter is called, so that a bad
 * configuration is refused there and never reaches the VMM.
 */
#ifndef CKRUN_API_VALIDATE_H
#define CKRUN_API_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

/* A virtio-fs tag: non-NULL, 1..CKRUN_TAG_MAX bytes. 0 or -EINVAL. */
int ckrun_check_tag(const char *tag);

/*
 * An existing directory: on success *abs is its canonical absolute path
 * (owned). -EINVAL NULL, -ENOTDIR not a directory, else the stat errno.
 */
int ckrun_check_dir(const char *path, char **abs);

/*
 * An existing regular file, as ckrun_check_dir. -EINVAL NULL or not a
 * regular file, else the stat errno.
 */
int ckrun_check_file(const char *path, char **abs);

/* A vCPU count against a limit (max <= 0: no known limit). 0 or -EINVAL. */
int ckrun_check_vcpus(unsigned int n, int max);

/* One rlimit entry "RESOURCE=CUR:MAX", all decimal. 0 or -EINVAL. */
int ckrun_check_rlimit(const char *s);

/* Well-formed UTF-8 (what libkrun's CStr::to_str accepts). NULL is not. */
bool ckrun_is_utf8(const char *s);

/* A network interface name's size limit (IFNAMSIZ, with its NUL). */
#define CKRUN_IFNAME_MAX 16

/* vCPU limit used when /dev/kvm cannot be asked (num_vcpus is a uint8_t). */
#define CKRUN_FALLBACK_MAX_VCPUS 255

/*
 * KVM's vCPU limit (KVM_CAP_MAX_VCPUS, else KVM_CAP_NR_VCPUS, else 4, as the
 * KVM API documents), at most 255; -errno if /dev/kvm cannot be opened.
 */
int ckrun_kvm_max_vcpus(void);

/* The sysfs files holding the KVM modules' "nested" parameter. */
#define CKRUN_KVM_NESTED_PARAMS \
	{ "/sys/module/kvm_intel/parameters/nested", "/sys/module/kvm_amd/parameters/nested", NULL }
/*
 * 1 if one of the NULL-terminated files says the parameter is on ("1", "Y"
 * or "y", as libkrun reads it), else 0 (no module loaded: 0 too).
 */
int ckrun_kvm_nested(const char *const params[]);

#endif
