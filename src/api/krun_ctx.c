/* SPDX-License-Identifier: Apache-2.0 */
/* krun_* functions for contexts, machine size and build features. */
#include <errno.h>

#include "libkrun.h"
#include "ckrun.h"
#include "api/ctx.h"
#include "api/export.h"
#include "api/preload.h"
#include "api/validate.h"

CKRUN_EXPORT int32_t krun_create_ctx(void) /* the header keeps libkrun's "()" */
{
	/* libkrun loads libkrunfw here: newer crun calls this before entering
	 * the container's root, where the kernel could no longer be found. The
	 * library's constructor already tried (for crun 1.7-1.20); this covers
	 * a kernel installed since, and is a no-op once a copy is held. */
	ckrun_preload_kernel();
	return ckrun_ctx_create();
}

CKRUN_EXPORT int32_t krun_free_ctx(uint32_t ctx_id)
{
	return ckrun_ctx_free(ctx_id);
}

CKRUN_EXPORT int32_t krun_set_vm_config(uint32_t ctx_id, uint8_t num_vcpus, uint32_t ram_mib)
{
	int max, ret;

	if (ckrun_ctx_check(ctx_id))
		return -ENOENT;
	max = ckrun_kvm_max_vcpus();
	if (max < 0)
		max = CKRUN_FALLBACK_MAX_VCPUS;
	ret = ckrun_check_vcpus(num_vcpus, max);
	if (ret)
		return ret;
	if (ram_mib == 0)
		return -EINVAL;

	return CKRUN_CTX_UPDATE(ctx_id, cfg, cfg->vcpus = num_vcpus; cfg->ram_mib = ram_mib);
}

CKRUN_EXPORT int32_t krun_get_max_vcpus(void)
{
	int max = ckrun_kvm_max_vcpus();

	return max < 0 ? -EINVAL : max;
}

CKRUN_EXPORT int32_t ckrun_set_boot_timeout(uint32_t ctx_id, uint32_t seconds)
{
	return CKRUN_CTX_UPDATE(ctx_id, cfg, cfg->boot_timeout_s = seconds);
}

/*
 * Settings ckrun can only honour in their "off" position: off is accepted
 * (it is what happens), on is refused rather than silently ignored.
 */
static int32_t only_off(uint32_t ctx_id, bool on)
{
	if (ckrun_ctx_check(ctx_id))
		return -ENOENT;
	return on ? -ENOTSUP : 0;
}

CKRUN_EXPORT int32_t krun_set_nested_virt(uint32_t ctx_id, bool enabled)
{
	static const char *const params[] = CKRUN_KVM_NESTED_PARAMS;
	int err = ckrun_ctx_check(ctx_id);

	if (err)
		return err;
	/* Without nested=1 KVM offers no VMX/SVM to pass on: refuse now rather
	 * than boot a guest without what was asked for. */
	if (enabled && ckrun_kvm_nested(params) != 1)
		return -ENOTSUP;
	return CKRUN_CTX_UPDATE(ctx_id, cfg, cfg->nested_virt = enabled);
}

CKRUN_EXPORT int32_t krun_split_irqchip(uint32_t ctx_id, bool enable)
{
	return only_off(ctx_id, enable);
}

CKRUN_EXPORT int32_t krun_set_snd_device(uint32_t ctx_id, bool enable)
{
	return only_off(ctx_id, enable);
}

CKRUN_EXPORT int32_t krun_check_nested_virt(void)
{
	static const char *const params[] = CKRUN_KVM_NESTED_PARAMS;

	return ckrun_kvm_nested(params);
}

/* Recorded here, applied by the start call (krun_start.c) as libkrun does. */
CKRUN_EXPORT int32_t krun_setuid(uint32_t ctx_id, uid_t uid)
{
	return CKRUN_CTX_UPDATE(ctx_id, cfg, cfg->uid = uid; cfg->set_uid = true);
}

CKRUN_EXPORT int32_t krun_setgid(uint32_t ctx_id, gid_t gid)
{
	return CKRUN_CTX_UPDATE(ctx_id, cfg, cfg->gid = gid; cfg->set_gid = true);
}

/*
 * KRUN_FEATURE_* constants that exist, and whether this build has them.
 * Flip an entry when its functions work.
 */
static const struct {
	uint64_t feature;
	bool present;
} features[] = {
	{ KRUN_FEATURE_NET, true }, /* virtio-net, krun_add_net_* */
	{ KRUN_FEATURE_BLK, false },
	{ KRUN_FEATURE_GPU, false },        { KRUN_FEATURE_INPUT, false },
	{ KRUN_FEATURE_TEE, false },        { KRUN_FEATURE_AMD_SEV, false },
	{ KRUN_FEATURE_INTEL_TDX, false },  { KRUN_FEATURE_AWS_NITRO, false },
	{ KRUN_FEATURE_VIRGL_RESOURCE_MAP2, false },
	{ KRUN_FEATURE_INIT_BLOB, true }, /* the guest init is built into the library */
};

CKRUN_EXPORT int32_t krun_has_feature(uint64_t feature)
{
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (features[i].feature == feature)
			return features[i].present ? 1 : 0;
	return -EINVAL;
}
