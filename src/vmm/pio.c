/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Port I/O exits from the vCPUs: COM1, the i8042, a CMOS stub and ckrun's
 * boot marker. The PIC, PIT and speaker port live in KVM. Unknown ports read
 * as all ones (an empty ISA bus) and ignore writes.
 */
#include <string.h>

#include "vmm/vm.h"

void vm_pio_access(struct vm *vm, uint16_t port, uint8_t *data, unsigned size, bool is_write)
{
	if (port >= LAYOUT_COM1_PORT && port < LAYOUT_COM1_PORT + 8 && size == 1) {
		if (is_write)
			serial_out(&vm->serial, port - LAYOUT_COM1_PORT, data[0]);
		else
			data[0] = serial_in(&vm->serial, port - LAYOUT_COM1_PORT);
		return;
	}
	if ((port == LAYOUT_I8042_PORT_DATA || port == LAYOUT_I8042_PORT_CMD) && size == 1) {
		if (is_write)
			i8042_out(vm, port, data[0]);
		else
			data[0] = i8042_in(vm, port);
		return;
	}
	if (port == LAYOUT_BOOT_MARKER_PORT) {
		if (is_write) {
			uint_fast64_t zero = 0;
			atomic_compare_exchange_strong(&vm->marker_ns, &zero, vm_now_ns());
		} else {
			memset(data, 0, size);
		}
		return;
	}
	if (port == LAYOUT_CMOS_PORT_DATA) {
		/* No RTC: reads are 0, so "update in progress" is never set. */
		if (!is_write)
			memset(data, 0, size);
		return;
	}
	if (!is_write)
		memset(data, 0xff, size);
}
