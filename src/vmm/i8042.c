/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The i8042 keyboard controller, reduced to what a microVM needs: the CPU
 * reset line. With reboot=k (libkrun's default) the guest's reboot, and its
 * panic with panic=-1, write command 0xFE to port 0x64; that ends the VM.
 * Reads say "no data, input buffer empty" so Linux's probe finds no keyboard.
 */
#include "vmm/vm.h"

#define I8042_CMD_RESET_CPU 0xfe

uint8_t i8042_in(struct vm *vm, uint16_t port)
{
	(void)vm;
	(void)port;
	return 0;
}

void i8042_out(struct vm *vm, uint16_t port, uint8_t v)
{
	if (port == LAYOUT_I8042_PORT_CMD && v == I8042_CMD_RESET_CPU)
		vm_request_end(vm, VM_END_RESET, 0);
}
