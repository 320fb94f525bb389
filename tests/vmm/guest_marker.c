/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs inside test guests (static binary in the guest initramfs): writes
 * ckrun's boot marker port, so the host can time "guest userspace reached".
 * The port comes from src/vmm/layout.h.
 */
#include <stdio.h>
#include <sys/io.h>

#include "vmm/layout.h"

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	unsigned long port = LAYOUT_BOOT_MARKER_PORT;
	if (ioperm(port, 1, 1) != 0) {
		perror("guest-marker: ioperm");
		return 1;
	}
	outb(1, (unsigned short)port);
	return 0;
}
