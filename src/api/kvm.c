/* SPDX-License-Identifier: Apache-2.0 */
/* What the API layer asks KVM directly: the vCPU limit, nested virtualization. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
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

int ckrun_kvm_nested(const char *const params[])
{
	for (; *params; params++) {
		char buf[8] = { 0 };
		FILE *f = fopen(*params, "re");

		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		buf[strcspn(buf, " \n")] = '\0';
		if (!strcmp(buf, "1") || !strcmp(buf, "Y") || !strcmp(buf, "y"))
			return 1;
	}
	return 0;
}
