/* SPDX-License-Identifier: Apache-2.0 */
/* The legacy devices as the guest drives them: 16550A UART, i8042, port dispatch. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/serial_reg.h>

#include "vmm/vm.h"

static void test_serial_probe_and_output(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	atomic_bool activity = false;
	struct serial s;
	serial_init(&s, p[1], -1, 4, &activity);

	/* Linux's autoconfig: IER read-back, scratch register, loopback MSR. */
	serial_out(&s, UART_IER, 0);
	assert_int_equal(serial_in(&s, UART_IER), 0);
	serial_out(&s, UART_IER, 0x0f);
	assert_int_equal(serial_in(&s, UART_IER), 0x0f);
	serial_out(&s, UART_IER, 0);
	serial_out(&s, UART_SCR, 0xa5);
	assert_int_equal(serial_in(&s, UART_SCR), 0xa5);
	serial_out(&s, UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(serial_in(&s, UART_MSR) & 0xf0, 0x90);
	serial_out(&s, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(serial_in(&s, UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	/* FIFO: 16550A signature in IIR. */
	serial_out(&s, UART_FCR, UART_FCR_ENABLE_FIFO);
	assert_int_equal(serial_in(&s, UART_IIR) & 0xc0, 0xc0);
	/* Divisor latch does not transmit. */
	serial_out(&s, UART_LCR, UART_LCR_DLAB);
	serial_out(&s, UART_DLL, 1);
	serial_out(&s, UART_DLM, 0);
	assert_int_equal(serial_in(&s, UART_DLL), 1);
	serial_out(&s, UART_LCR, UART_LCR_WLEN8);
	assert_false(atomic_load(&activity));

	/* Transmitter always empty. */
	assert_int_equal(serial_in(&s, UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(serial_in(&s, UART_LSR) & UART_LSR_DR, 0);

	/* THRE interrupt: raised when enabled, acknowledged by reading IIR, raised again by a write. */
	serial_out(&s, UART_IER, UART_IER_THRI);
	assert_true(s.irq_level);
	assert_int_equal(serial_in(&s, UART_IIR) & 0x0f, UART_IIR_THRI);
	assert_false(s.irq_level);
	assert_int_equal(serial_in(&s, UART_IIR) & 0x0f, UART_IIR_NO_INT);
	for (const char *c = "hello\n"; *c; c++)
		serial_out(&s, UART_TX, (uint8_t)*c);
	assert_true(s.irq_level);
	assert_true(atomic_load(&activity));
	serial_out(&s, UART_IER, 0);
	assert_false(s.irq_level);

	char buf[16] = { 0 };
	assert_int_equal(read(p[0], buf, sizeof(buf)), 6);
	assert_string_equal(buf, "hello\n");
	/* Loopback mode sends nothing; the rest is flushed at destroy. */
	serial_out(&s, UART_MCR, UART_MCR_LOOP);
	serial_out(&s, UART_TX, 'x');
	serial_out(&s, UART_MCR, 0);
	serial_out(&s, UART_TX, 'y');
	serial_destroy(&s);
	close(p[1]);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(read(p[0], buf, sizeof(buf)), 1);
	assert_string_equal(buf, "y");
	close(p[0]);
}

static void test_serial_long_line_and_dead_fd(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct serial s;
	serial_init(&s, p[1], -1, 4, NULL);
	for (int i = 0; i < 1000; i++)
		serial_out(&s, UART_TX, 'a'); /* no newline: flushed in buffer-sized pieces */
	char buf[2048];
	ssize_t n = read(p[0], buf, sizeof(buf));
	assert_true(n >= 256);
	close(p[0]); /* the console goes away: output is dropped, the vCPU never blocks */
	for (int i = 0; i < 1000; i++)
		serial_out(&s, UART_TX, '\n');
	serial_destroy(&s);
	close(p[1]);
}

static struct vm *new_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	assert_non_null(vm);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	i8042_init(&vm->kbd);
	return vm;
}

static void free_vm(struct vm *vm)
{
	i8042_destroy(&vm->kbd);
	pthread_mutex_destroy(&vm->lock);
	pthread_cond_destroy(&vm->cond);
	free(vm);
}

static uint8_t pin(struct vm *vm, uint16_t port)
{
	uint8_t v = 0x5a;
	vm_pio_access(vm, port, &v, 1, false);
	return v;
}

static void pout(struct vm *vm, uint16_t port, uint8_t v)
{
	vm_pio_access(vm, port, &v, 1, true);
}

static void test_i8042(void **state)
{
	(void)state;
	struct vm *vm = new_vm();
	const uint16_t cmd = LAYOUT_I8042_PORT_CMD, data = LAYOUT_I8042_PORT_DATA;

	assert_int_equal(pin(vm, cmd) & 0x03, 0); /* nothing to read, ready for input */
	pout(vm, cmd, 0xaa);                       /* self test */
	assert_int_equal(pin(vm, cmd) & 0x01, 1);
	assert_int_equal(pin(vm, data), 0x55);
	assert_int_equal(pin(vm, cmd) & 0x01, 0);
	pout(vm, cmd, 0x20);                       /* read CTR */
	uint8_t ctr = pin(vm, data);
	pout(vm, cmd, 0x60);                       /* write CTR */
	pout(vm, data, (uint8_t)(ctr | 0x01));
	pout(vm, cmd, 0x20);
	assert_int_equal(pin(vm, data), ctr | 0x01);
	pout(vm, cmd, 0xd3);                       /* AUX loopback: data back without the AUX flag */
	pout(vm, data, 0x5a);
	assert_int_equal(pin(vm, cmd) & 0x21, 0x01);
	assert_int_equal(pin(vm, data), 0x5a);
	pout(vm, cmd, 0xa9);                       /* AUX test: "clock line stuck" */
	assert_int_equal(pin(vm, data), 0x01);
	pout(vm, data, 0xf2);                      /* a keyboard command: no keyboard, no reply */
	assert_int_equal(pin(vm, cmd) & 0x01, 0);
	assert_int_equal(vm->end, VM_END_NONE);
	pout(vm, cmd, 0xfe);                       /* CPU reset ends the VM */
	assert_int_equal(vm->end, VM_END_RESET);
	free_vm(vm);
}

static void test_pio_misc(void **state)
{
	(void)state;
	struct vm *vm = new_vm();
	uint8_t buf[4] = { 0 };
	vm_pio_access(vm, 0x2f8, buf, 4, false); /* COM2: nothing there */
	assert_int_equal(buf[0] & buf[1] & buf[2] & buf[3], 0xff);
	vm_pio_access(vm, LAYOUT_CMOS_PORT_DATA, buf, 1, false);
	assert_int_equal(buf[0], 0);
	assert_int_equal(atomic_load(&vm->marker_ns), 0);
	pout(vm, LAYOUT_BOOT_MARKER_PORT, 1);
	uint64_t t = atomic_load(&vm->marker_ns);
	assert_true(t > 0);
	pout(vm, LAYOUT_BOOT_MARKER_PORT, 1); /* only the first write counts */
	assert_int_equal(atomic_load(&vm->marker_ns), t);
	free_vm(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serial_probe_and_output),
		cmocka_unit_test(test_serial_long_line_and_dead_fd),
		cmocka_unit_test(test_i8042),
		cmocka_unit_test(test_pio_misc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
