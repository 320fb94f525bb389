/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs inside test guests (static binary in the guest initramfs): writes
 * ckrun's boot marker port, so the host can time "guest userspace reached".
 * The port comes from the host/guest contract, src/abi/guest.h.
 */
#include <stdio.h>
#include <sys/io.h>

#include "abi/guest.h"

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	unsigned long port = CKRUN_BOOT_MARKER_PORT;
	if (ioperm(port, 1, 1) != 0) {
		perror("guest-marker: ioperm");
		return 1;
	}
	outb(1, (unsigned short)port);
	return 0;
}
