/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /dev/kvm: the checks a VM needs before it is worth building, and the VM
 * itself with its x86 platform pieces (TSS and identity-map pages, in-kernel
 * IOAPIC/PIC/LAPIC, PIT).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/vm.h"

/* Capabilities the VMM relies on; a KVM without one cannot run ckrun's guest. */
static const struct {
	int cap;
	const char *name;
} required_caps[] = {
	{ KVM_CAP_IRQCHIP, "IRQCHIP" },
	{ KVM_CAP_HLT, "HLT" },
	{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, "SET_IDENTITY_MAP_ADDR" },
	{ KVM_CAP_PIT2, "PIT2" },
	{ KVM_CAP_EXT_CPUID, "EXT_CPUID" },
	{ KVM_CAP_IOEVENTFD, "IOEVENTFD" },
	{ KVM_CAP_IRQFD, "IRQFD" },
	{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
};

/*
 * PVM (kvm_pvm) is a software hypervisor that only runs PVM-enabled guest
 * kernels: a standard kernel hangs as soon as its 64-bit code runs.
 */
bool kvm_host_is_pvm(void)
{
	struct stat st;
	return stat("/sys/module/kvm_pvm", &st) == 0;
}

int kvm_open_vm(int *kvm_fd, int *vm_fd, size_t *run_size)
{
	int err;
	*kvm_fd = *vm_fd = -1;
	int kfd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kfd < 0)
		return -errno;
	int v = ioctl(kfd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		err = -ENOTSUP;
		goto fail_kvm;
	}
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		if (ioctl(kfd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			fprintf(stderr, "ckrun: /dev/kvm lacks KVM_CAP_%s\n", required_caps[i].name);
			err = -ENOTSUP;
			goto fail_kvm;
		}
	}
	int rs = ioctl(kfd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (rs < (int)sizeof(struct kvm_run)) {
		err = rs < 0 ? -errno : -ENOTSUP;
		goto fail_kvm;
	}
	int vfd;
	do
		vfd = ioctl(kfd, KVM_CREATE_VM, 0);
	while (vfd < 0 && errno == EINTR);
	if (vfd < 0) {
		err = -errno;
		goto fail_kvm;
	}
	uint64_t ident = LAYOUT_IDENTITY_MAP_ADDR;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	if (ioctl(vfd, KVM_SET_TSS_ADDR, (unsigned long)LAYOUT_TSS_ADDR) < 0 ||
	    ioctl(vfd, KVM_SET_IDENTITY_MAP_ADDR, &ident) < 0 || ioctl(vfd, KVM_CREATE_IRQCHIP, 0) < 0 ||
	    ioctl(vfd, KVM_CREATE_PIT2, &pit) < 0) {
		err = -errno;
		goto fail_vm;
	}
	*kvm_fd = kfd;
	*vm_fd = vfd;
	*run_size = (size_t)rs;
	return 0;

fail_vm:
	close(vfd);
fail_kvm:
	close(kfd);
	return err;
}

int kvm_supported_cpuid(int kvm_fd, struct kvm_cpuid2 **out)
{
	*out = NULL;
	for (unsigned n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			*out = c;
			return 0;
		}
		int err = -errno;
		free(c);
		if (err != -E2BIG)
			return err;
	}
	return -E2BIG;
}

/* Where the CPU says it has hardware virtualization (Intel SDM / AMD APM). */
#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_80000001_ECX_SVM (1u << 2)

int kvm_cpuid_nested(struct kvm_cpuid2 *cpuid, bool nested)
{
	bool have = false;
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		uint32_t bit = e->function == 1 ? CPUID_1_ECX_VMX : e->function == 0x80000001 ? CPUID_80000001_ECX_SVM : 0;
		if (!bit)
			continue;
		have |= (e->ecx & bit) != 0;
		if (!nested)
			e->ecx &= ~bit;
	}
	return nested && !have ? -ENOTSUP : 0;
}

/* 1 << MAXPHYADDR from CPUID 0x80000008, capped by LAYOUT_PHYS_LIMIT. */
uint64_t kvm_phys_limit(const struct kvm_cpuid2 *cpuid)
{
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		if (e->function == 0x80000008) {
			unsigned bits = e->eax & 0xff;
			if (bits >= 32 && bits < 64 && (1ULL << bits) < LAYOUT_PHYS_LIMIT)
				return 1ULL << bits;
		}
	}
	return LAYOUT_PHYS_LIMIT;
}
