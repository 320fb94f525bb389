/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The i8042 keyboard controller, reduced to what a microVM needs: the CPU
 * reset line (command 0xFE on port 0x64), which is how the guest's reboot -
 * and, with panic=-1, its panic - ends the VM under reboot=k, libkrun's
 * default. The controller answers Linux's probe at once (CTR read/write,
 * self-tests) and reports no AUX port and no keyboard, so the guest kernel
 * does not spend its probe timeouts on us. No interrupts: there is no input.
 */
#include <string.h>

#include "vmm/vm.h"

/* Controller commands (port 0x64) and status bits (IBM PC/AT i8042 interface). */
#define CMD_READ_CTR 0x20
#define CMD_WRITE_CTR 0x60
#define CMD_AUX_DISABLE 0xa7
#define CMD_AUX_ENABLE 0xa8
#define CMD_AUX_TEST 0xa9
#define CMD_SELF_TEST 0xaa
#define CMD_KBD_TEST 0xab
#define CMD_KBD_DISABLE 0xad
#define CMD_KBD_ENABLE 0xae
#define CMD_WRITE_KBD_OUT 0xd2
#define CMD_AUX_LOOP 0xd3
#define CMD_WRITE_AUX 0xd4
#define CMD_RESET_CPU 0xfe

#define STR_OBF 0x01
#define STR_SYS 0x04
#define STR_CMDDAT 0x08

#define SELF_TEST_OK 0x55
#define PORT_TEST_OK 0x00
#define PORT_TEST_CLOCK_STUCK 0x01 /* "no AUX port" as far as Linux is concerned */
#define CTR_INITIAL 0x30           /* keyboard and AUX clocks disabled, no interrupts */

void i8042_init(struct i8042 *k)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
	k->ctr = CTR_INITIAL;
}

void i8042_destroy(struct i8042 *k)
{
	pthread_mutex_destroy(&k->lock);
}

static void reply(struct i8042 *k, uint8_t v)
{
	k->out = v;
	k->out_full = true;
}

uint8_t i8042_in(struct vm *vm, uint16_t port)
{
	struct i8042 *k = &vm->kbd;
	uint8_t v;
	pthread_mutex_lock(&k->lock);
	if (port == LAYOUT_I8042_PORT_CMD) {
		v = STR_SYS | (k->out_full ? STR_OBF : 0) | (k->pending ? STR_CMDDAT : 0);
	} else {
		v = k->out;
		k->out_full = false;
	}
	pthread_mutex_unlock(&k->lock);
	return v;
}

void i8042_out(struct vm *vm, uint16_t port, uint8_t v)
{
	struct i8042 *k = &vm->kbd;
	bool reset = false;
	pthread_mutex_lock(&k->lock);
	if (port == LAYOUT_I8042_PORT_CMD) {
		k->pending = 0;
		switch (v) {
		case CMD_READ_CTR:
			reply(k, k->ctr);
			break;
		case CMD_WRITE_CTR:
		case CMD_WRITE_KBD_OUT:
		case CMD_AUX_LOOP:
		case CMD_WRITE_AUX:
			k->pending = v; /* its parameter comes on the data port */
			break;
		case CMD_SELF_TEST:
			reply(k, SELF_TEST_OK);
			break;
		case CMD_KBD_TEST:
			reply(k, PORT_TEST_OK);
			break;
		case CMD_AUX_TEST:
			reply(k, PORT_TEST_CLOCK_STUCK);
			break;
		case CMD_RESET_CPU:
			reset = true;
			break;
		case CMD_AUX_DISABLE:
		case CMD_AUX_ENABLE:
		case CMD_KBD_DISABLE:
		case CMD_KBD_ENABLE:
		default:
			break;
		}
	} else {
		switch (k->pending) {
		case CMD_WRITE_CTR:
			k->ctr = v;
			break;
		case CMD_WRITE_KBD_OUT:
		case CMD_AUX_LOOP:
			/* Loopback data comes back without the AUX flag: "no AUX port". */
			reply(k, v);
			break;
		default:
			break; /* a byte for the keyboard or mouse: there is none */
		}
		k->pending = 0;
	}
	pthread_mutex_unlock(&k->lock);
	if (reset)
		vm_request_end(vm, VM_END_RESET, 0);
}
