/* SPDX-License-Identifier: Apache-2.0 */
/* virtio-console (device id 3), multiport: hvc0 plus krun-stdin/stdout/stderr ports. */
#ifndef CKRUN_VIRTIO_CONSOLE_H
#define CKRUN_VIRTIO_CONSOLE_H

#include <stdbool.h>

#include "virtio/guest_mem.h"
#include "virtio/mmio.h"

struct virtio_console_config {
	int in_fd;   /* the guest's console input; -1 = none */
	int out_fd;  /* the guest's console output */
	int err_fd;  /* stderr port output; -1 = none (then no krun-std* ports) */
	/* true: add named ports krun-stdin/krun-stdout/krun-stderr for non-tty stdio */
	bool named_ports;
};

int virtio_console_new(const struct virtio_console_config *cfg, const struct guest_mem *mem,
		       struct virtio_mmio_dev **out);

#endif
