/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A 16550A UART at COM1: the guest's early console and the fallback console
 * (console=ttyS0). Output only: transmitted bytes go to the console output
 * fd at once (the transmitter is always empty); the receiver never has data.
 * Enough of the register set is modelled for Linux's 8250 probe (scratch
 * register, loopback MSR, FIFO bits in IIR) and for its interrupt-driven
 * transmit path (THRE interrupt on IRQ 4 through KVM_IRQ_LINE).
 */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/serial_reg.h>

#include "vmm/vm.h"

#define MSR_IDLE (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

void serial_init(struct serial *s, int out_fd, int vm_fd, int irq, atomic_bool *activity)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->out_fd = out_fd;
	s->vm_fd = vm_fd;
	s->irq = irq;
	s->mcr = UART_MCR_OUT2;
	s->lcr = UART_LCR_WLEN8;
	s->activity = activity;
}

/*
 * A console whose reader went away must not kill the embedding process with
 * SIGPIPE: vCPU threads block every signal anyway; on any other thread
 * (the final flush) SIGPIPE is blocked around the write and the one it
 * raised is consumed.
 */
static void flush_locked(struct serial *s)
{
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	bool epipe = false;
	size_t off = 0;
	while (off < s->buf_len && s->out_fd >= 0) {
		ssize_t w = write(s->out_fd, s->buf + off, s->buf_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EPIPE)
			epipe = true;
		if (w <= 0)
			break; /* the console is gone: drop output rather than stall the vCPU */
		off += (size_t)w;
	}
	s->buf_len = 0;
	if (epipe && !sigismember(&old, SIGPIPE)) {
		struct timespec zero = { 0, 0 };
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	flush_locked(s);
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_destroy(&s->lock);
}

static void update_irq_locked(struct serial *s)
{
	bool level = (s->ier & UART_IER_THRI) && s->thri_pending;
	if (level == s->irq_level)
		return;
	s->irq_level = level;
	if (s->vm_fd < 0)
		return;
	struct kvm_irq_level l = { .irq = (uint32_t)s->irq, .level = level };
	ioctl(s->vm_fd, KVM_IRQ_LINE, &l);
}

static void transmit_locked(struct serial *s, uint8_t c)
{
	if (s->mcr & UART_MCR_LOOP)
		return; /* loopback: the byte would come back on RX; we have no RX */
	s->buf[s->buf_len++] = (char)c;
	if (c == '\n' || s->buf_len == sizeof(s->buf))
		flush_locked(s);
	if (s->activity)
		atomic_store_explicit(s->activity, true, memory_order_relaxed);
}

uint8_t serial_in(struct serial *s, unsigned off)
{
	uint8_t v = 0;
	pthread_mutex_lock(&s->lock);
	bool dlab = s->lcr & UART_LCR_DLAB;
	switch (off) {
	case UART_RX:
		v = dlab ? s->dll : 0;
		break;
	case UART_IER:
		v = dlab ? s->dlm : s->ier;
		break;
	case UART_IIR:
		if ((s->ier & UART_IER_THRI) && s->thri_pending) {
			v = UART_IIR_THRI;
			s->thri_pending = false; /* reading IIR acknowledges THRE */
		} else {
			v = UART_IIR_NO_INT;
		}
		if (s->fcr & UART_FCR_ENABLE_FIFO)
			v |= 0xc0;
		break;
	case UART_LCR:
		v = s->lcr;
		break;
	case UART_MCR:
		v = s->mcr;
		break;
	case UART_LSR:
		v = UART_LSR_TEMT | UART_LSR_THRE;
		break;
	case UART_MSR:
		if (s->mcr & UART_MCR_LOOP) {
			/* Loopback wires MCR outputs to MSR inputs (the probe checks this). */
			v = (uint8_t)(((s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
				      ((s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
				      ((s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
				      ((s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
		} else {
			v = MSR_IDLE;
		}
		break;
	case UART_SCR:
		v = s->scr;
		break;
	}
	update_irq_locked(s);
	pthread_mutex_unlock(&s->lock);
	return v;
}

void serial_out(struct serial *s, unsigned off, uint8_t v)
{
	pthread_mutex_lock(&s->lock);
	bool dlab = s->lcr & UART_LCR_DLAB;
	switch (off) {
	case UART_TX:
		if (dlab) {
			s->dll = v;
		} else {
			transmit_locked(s, v);
			s->thri_pending = true; /* sent at once: the holding register is empty again */
		}
		break;
	case UART_IER:
		if (dlab) {
			s->dlm = v;
		} else {
			bool was = s->ier & UART_IER_THRI;
			s->ier = v & 0x0f;
			if (!was && (s->ier & UART_IER_THRI))
				s->thri_pending = true;
		}
		break;
	case UART_FCR:
		s->fcr = v;
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_SCR:
		s->scr = v;
		break;
	default:
		break; /* LSR/MSR writes are ignored */
	}
	update_irq_locked(s);
	pthread_mutex_unlock(&s->lock);
}
