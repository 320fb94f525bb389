/* SPDX-License-Identifier: Apache-2.0 */
/* Machine size and machine-wide settings of a context. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "helpers.h"
#include "api/validate.h"

static void defaults_are_one_vcpu_128_mib(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	assert_int_equal(cfg_of(id)->vcpus, 1);
	assert_int_equal(cfg_of(id)->ram_mib, 128);
	assert_int_equal(cfg_of(id)->nr_shares, 0);
	assert_int_equal(cfg_of(id)->boot_timeout_s, 0);
	assert_null(cfg_of(id)->kernel_path);
	assert_null(cfg_of(id)->exec_path);
	assert_false(cfg_of(id)->env_set);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void set_vm_config_stores_values(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	assert_int_equal(krun_set_vm_config(id, 2, 4096), 0);
	assert_int_equal(cfg_of(id)->vcpus, 2);
	assert_int_equal(cfg_of(id)->ram_mib, 4096);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void zero_vcpus_is_einval(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	assert_int_equal(krun_set_vm_config(id, 0, 256), -EINVAL);
	/* Refused means untouched: the RAM of the failed call is not applied. */
	assert_int_equal(cfg_of(id)->vcpus, 1);
	assert_int_equal(cfg_of(id)->ram_mib, 128);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void zero_ram_is_einval(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	assert_int_equal(krun_set_vm_config(id, 2, 0), -EINVAL);
	assert_int_equal(cfg_of(id)->vcpus, 1);
	assert_int_equal(cfg_of(id)->ram_mib, 128);
	assert_int_equal(krun_free_ctx(id), 0);
}

/* The limit check itself, against a small limit. */
static void vcpus_above_limit_are_einval(void **state)
{
	(void)state;
	assert_int_equal(ckrun_check_vcpus(4, 4), 0);
	assert_int_equal(ckrun_check_vcpus(5, 4), -EINVAL);
	assert_int_equal(ckrun_check_vcpus(255, 254), -EINVAL);
	assert_int_equal(ckrun_check_vcpus(0, 4), -EINVAL);
	assert_int_equal(ckrun_check_vcpus(255, -ENOENT), 0); /* no known limit */
}

/* Ask KVM ourselves, the way the library should. */
static int kvm_limit(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), max;

	if (fd < 0)
		return -1;
	max = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max <= 0)
		max = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max <= 0)
		max = 4;
	close(fd);
	return max > 255 ? 255 : max;
}

static void max_vcpus_is_kvms_limit(void **state)
{
	int expect = kvm_limit();

	(void)state;
	if (expect < 0)
		assert_int_equal(krun_get_max_vcpus(), -EINVAL);
	else
		assert_int_equal(krun_get_max_vcpus(), expect);
}

/* krun_set_vm_config applies that limit: the maximum passes, one more fails. */
static void set_vm_config_uses_kvm_limit(void **state)
{
	int max = krun_get_max_vcpus();
	uint32_t id = new_ctx();

	(void)state;
	if (max < 0)
		max = CKRUN_FALLBACK_MAX_VCPUS;
	assert_int_equal(krun_set_vm_config(id, (uint8_t)max, 128), 0);
	assert_int_equal(cfg_of(id)->vcpus, max);
	if (max < 255)
		assert_int_equal(krun_set_vm_config(id, (uint8_t)(max + 1), 128), -EINVAL);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void boot_timeout_is_stored(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	assert_int_equal(ckrun_set_boot_timeout(id, 17), 0);
	assert_int_equal(cfg_of(id)->boot_timeout_s, 17);
	assert_int_equal(ckrun_set_boot_timeout(id, 0), 0);
	assert_int_equal(cfg_of(id)->boot_timeout_s, 0);
	assert_int_equal(krun_free_ctx(id), 0);
}

static void has_feature_answers_known_and_rejects_unknown(void **state)
{
	const uint64_t known[] = {
		KRUN_FEATURE_BLK, KRUN_FEATURE_GPU, KRUN_FEATURE_INPUT,
		KRUN_FEATURE_TEE, KRUN_FEATURE_AMD_SEV, KRUN_FEATURE_INTEL_TDX,
		KRUN_FEATURE_AWS_NITRO, KRUN_FEATURE_VIRGL_RESOURCE_MAP2,
	};

	(void)state;
	/* None of these features' functions work in ckrun yet. */
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_int_equal(krun_has_feature(known[i]), 0);
	/* The guest init is embedded, as in a libkrun built with its init blob. */
	assert_int_equal(krun_has_feature(KRUN_FEATURE_INIT_BLOB), 1);
	/* virtio-net and the krun_add_net_* family work (libkrun's "net" feature). */
	assert_int_equal(krun_has_feature(KRUN_FEATURE_NET), 1);
	assert_int_equal(krun_has_feature(3), -EINVAL);
	assert_int_equal(krun_has_feature(5), -EINVAL);
	assert_int_equal(krun_has_feature(12), -EINVAL);
	assert_int_equal(krun_has_feature(UINT64_MAX), -EINVAL);
}

/* Settings ckrun can only honour when off: off succeeds, on is refused. */
static void off_only_settings(void **state)
{
	uint32_t id = new_ctx();

	(void)state;
	assert_int_equal(krun_check_nested_virt(), 0);
	assert_int_equal(krun_set_nested_virt(id, false), 0);
	assert_int_equal(krun_set_nested_virt(id, true), -ENOTSUP);
	assert_int_equal(krun_split_irqchip(id, false), 0);
	assert_int_equal(krun_split_irqchip(id, true), -ENOTSUP);
	assert_int_equal(krun_set_snd_device(id, false), 0);
	assert_int_equal(krun_set_snd_device(id, true), -ENOTSUP);
	assert_int_equal(krun_disable_implicit_vsock(id), 0);
	assert_int_equal(krun_free_ctx(id), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_one_vcpu_128_mib),
		cmocka_unit_test(set_vm_config_stores_values),
		cmocka_unit_test(zero_vcpus_is_einval),
		cmocka_unit_test(zero_ram_is_einval),
		cmocka_unit_test(vcpus_above_limit_are_einval),
		cmocka_unit_test(max_vcpus_is_kvms_limit),
		cmocka_unit_test(set_vm_config_uses_kvm_limit),
		cmocka_unit_test(boot_timeout_is_stored),
		cmocka_unit_test(has_feature_answers_known_and_rejects_unknown),
		cmocka_unit_test(off_only_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
