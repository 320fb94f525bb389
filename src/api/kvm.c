/* SPDX-License-Identifier: Apache-2.0 */
/* What the API layer asks KVM directly: the vCPU limit. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "api/validate.h"

int ckrun_kvm_max_vcpus(void)
{
	int fd, max;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	max = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max <= 0)
		max = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max <= 0)
		max = 4; /* what the KVM API says to assume without either capability */
	close(fd);
	return max > CKRUN_FALLBACK_MAX_VCPUS ? CKRUN_FALLBACK_MAX_VCPUS : max;
}
