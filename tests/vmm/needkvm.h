/* SPDX-License-Identifier: Apache-2.0 */
/*
 * need_kvm(): the first step of a VMM test that boots a hand-made guest.
 * Without a usable /dev/kvm (a PVM-less container, a host without KVM) the
 * test is skipped; CKRUN_REQUIRE_KVM=1 makes that a failure instead, which is
 * how the VM case vmm-unit runs these tests inside the test host, where KVM
 * works: a skip there would hide a test that never ran. Include after
 * <cmocka.h>.
 */
#ifndef CKRUN_TESTS_VMM_NEEDKVM_H
#define CKRUN_TESTS_VMM_NEEDKVM_H

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static inline void need_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return;
	}
	const char *req = getenv("CKRUN_REQUIRE_KVM");
	if (req && *req && *req != '0')
		fail_msg("/dev/kvm cannot be opened, and CKRUN_REQUIRE_KVM is set");
	skip();
}

#endif
