/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vCPUs: per-CPU state for the 64-bit direct boot (CPUID with the APIC id,
 * MSRs, FPU, LAPIC LINT pins; long-mode registers on the boot CPU) and one
 * thread per vCPU running KVM_RUN.
 *
 * Stopping without touching process-wide signal state: each vCPU thread runs
 * with every signal blocked; KVM_SET_SIGNAL_MASK unblocks VCPU_KICK_SIGNAL
 * only while the vCPU is inside KVM_RUN. A thread-directed kick
 * (pthread_kill) then either interrupts KVM_RUN (-EINTR) or stays pending
 * (blocked) and makes the next KVM_RUN return at once. No handler is ever
 * installed and the signal is never delivered to user code: while in KVM_RUN
 * the kernel counts it as blocked for the "ignored signal" check
 * (real_blocked), and outside KVM_RUN it is blocked. immediate_exit covers
 * the same window once more.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/privs.h"
#include "vmm/vm.h"

#define VCPU_KICK_SIGNAL SIGURG

/* Architectural MSR numbers (Intel SDM vol. 4). */
#define MSR_IA32_TSC 0x10
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_MISC_ENABLE_FAST_STRING 1ULL
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

/* LAPIC register offsets and LVT delivery modes. */
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

#define CPUID_HYPERVISOR_BIT (1u << 31)

static int set_cpuid(struct vcpu *c, const struct kvm_cpuid2 *base)
{
	size_t sz = sizeof(*base) + base->nent * sizeof(base->entries[0]);
	struct kvm_cpuid2 *cp = malloc(sz);
	if (!cp)
		return -ENOMEM;
	memcpy(cp, base, sz);
	for (uint32_t i = 0; i < cp->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cp->entries[i];
		switch (e->function) {
		case 1:
			/* EBX[31:24]: initial APIC id; ECX[31]: running under a hypervisor. */
			e->ebx = (e->ebx & 0x00ffffffu) | ((uint32_t)c->id << 24);
			e->ecx |= CPUID_HYPERVISOR_BIT;
			break;
		case 0xb:
		case 0x1f:
			e->edx = (uint32_t)c->id; /* x2APIC id, in every sub-leaf */
			break;
		}
	}
	int r = ioctl(c->fd, KVM_SET_CPUID2, cp) < 0 ? -errno : 0;
	free(cp);
	return r;
}

static int set_msrs(struct vcpu *c)
{
	static const uint32_t idx[] = { MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
					MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
					MSR_IA32_TSC, MSR_IA32_MISC_ENABLE };
	enum { N = sizeof(idx) / sizeof(idx[0]) };
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[N];
	} m;
	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = N;
	for (int i = 0; i < N; i++) {
		m.e[i].index = idx[i];
		m.e[i].data = idx[i] == MSR_IA32_MISC_ENABLE ? MSR_IA32_MISC_ENABLE_FAST_STRING : 0;
	}
	int r = ioctl(c->fd, KVM_SET_MSRS, &m);
	if (r < 0)
		return -errno;
	if (r != N) {
		fprintf(stderr, "ckrun: KVM refused MSR 0x%x\n", idx[r]);
		return -EINVAL;
	}
	return 0;
}

static int set_fpu(struct vcpu *c)
{
	struct kvm_fpu f;
	memset(&f, 0, sizeof(f));
	f.fcw = 0x37f;    /* x87 default control word */
	f.mxcsr = 0x1f80; /* SSE default: all exceptions masked */
	return ioctl(c->fd, KVM_SET_FPU, &f) < 0 ? -errno : 0;
}

static void lvt_set_mode(struct kvm_lapic_state *l, int off, uint32_t mode)
{
	uint32_t v;
	memcpy(&v, &l->regs[off], sizeof(v));
	v = (v & ~0x700u) | (mode << 8);
	memcpy(&l->regs[off], &v, sizeof(v));
}

static int set_lapic(struct vcpu *c)
{
	struct kvm_lapic_state l;
	if (ioctl(c->fd, KVM_GET_LAPIC, &l) < 0)
		return -errno;
	/* Virtual-wire mode: LINT0 takes the PIC's ExtINT, LINT1 is NMI. */
	lvt_set_mode(&l, APIC_LVT0, APIC_MODE_EXTINT);
	lvt_set_mode(&l, APIC_LVT1, APIC_MODE_NMI);
	return ioctl(c->fd, KVM_SET_LAPIC, &l) < 0 ? -errno : 0;
}

static int set_boot_regs(struct vcpu *c, uint64_t entry)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	if (ioctl(c->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	boot_fill_sregs(&s);
	if (ioctl(c->fd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	boot_fill_regs(&r, entry);
	return ioctl(c->fd, KVM_SET_REGS, &r) < 0 ? -errno : 0;
}

static int set_signal_mask(struct vcpu *c)
{
	/* The kernel's sigset is 8 bytes on x86_64: all blocked but the kick. */
	struct {
		struct kvm_signal_mask hdr;
		uint64_t set;
	} m;
	m.hdr.len = sizeof(m.set);
	m.set = ~(1ULL << (VCPU_KICK_SIGNAL - 1));
	return ioctl(c->fd, KVM_SET_SIGNAL_MASK, &m) < 0 ? -errno : 0;
}

int vcpu_create(struct vm *vm, struct vcpu *c, int id, const struct kvm_cpuid2 *cpuid)
{
	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->id = id;
	c->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (c->fd < 0) {
		c->fd = -1;
		return -errno;
	}
	c->run_size = vm->run_size;
	void *run = mmap(NULL, c->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (run == MAP_FAILED) {
		int err = -errno;
		close(c->fd);
		c->fd = -1;
		return err;
	}
	c->run = run;
	/* KVM copies the registers into the run page at each exit (no extra
	 * ioctl): the exit ring below records where the guest was. */
	int sync = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	if (sync > 0 && (sync & KVM_SYNC_X86_REGS))
		c->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	int err;
	if ((err = set_cpuid(c, cpuid)) || (err = set_msrs(c)) || (err = set_fpu(c)) || (err = set_lapic(c)) ||
	    (err = set_signal_mask(c)))
		return err; /* vcpu_destroy releases */
	return 0;
}

int vcpu_set_entry(struct vcpu *c, uint64_t entry)
{
	return set_boot_regs(c, entry);
}

/*
 * One line that says what KVM could not do, then one with the registers, so a
 * failure seen once in a log can be mapped to a guest symbol (RIP) and, for an
 * emulation failure after a nested-page fault, to a guest-physical address.
 * For KVM_INTERNAL_ERROR_EMULATION, x86 KVM (5.15+) fills data[] as: flags,
 * [insn_size, insn_bytes x16 when flags say so], then the vendor's exit info
 * (exit reason, info1, info2, interrupt info, error code); on SVM an NPF's
 * info2 is the faulting guest-physical address. Other data is printed raw.
 */
static void report_internal_error(struct vcpu *c)
{
	const struct kvm_run *run = c->run;
	char buf[512];
	size_t n = 0;
	uint32_t nd = run->internal.ndata;
	const uint32_t max = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
	if (nd > max)
		nd = max;
#define APPEND(...)                                                                   \
	do {                                                                          \
		if (n < sizeof(buf)) {                                                \
			int w_ = snprintf(buf + n, sizeof(buf) - n, __VA_ARGS__);     \
			n = w_ < 0 ? sizeof(buf) : n + (size_t)w_;                    \
		}                                                                     \
	} while (0)
	struct kvm_regs r;
	struct kvm_sregs s;
	bool have_regs = ioctl(c->fd, KVM_GET_REGS, &r) == 0;
	bool have_sregs = ioctl(c->fd, KVM_GET_SREGS, &s) == 0;
	APPEND("suberror %u", run->internal.suberror);
	if (have_regs)
		APPEND(" rip 0x%llx", (unsigned long long)r.rip);
	uint32_t i = 0;
	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION && nd >= 1) {
		uint64_t flags = run->emulation_failure.flags;
		i = 1;
		if ((flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) && nd >= 3) {
			uint32_t len = run->emulation_failure.insn_size;
			if (len > sizeof(run->emulation_failure.insn_bytes))
				len = sizeof(run->emulation_failure.insn_bytes);
			APPEND(" insn");
			for (uint32_t k = 0; k < len; k++)
				APPEND(" %02x", run->emulation_failure.insn_bytes[k]);
			if (!len)
				APPEND(" (none fetched)");
			i = 3;
		} else {
			APPEND(" insn (not reported)");
		}
		if (nd >= i + 3)
			APPEND(" exit 0x%llx info1 0x%llx info2 0x%llx", (unsigned long long)run->internal.data[i],
			       (unsigned long long)run->internal.data[i + 1],
			       (unsigned long long)run->internal.data[i + 2]);
		i = nd >= i + 5 ? i + 5 : nd;
	}
	if (i < nd) {
		APPEND(" data");
		for (; i < nd; i++)
			APPEND(" 0x%llx", (unsigned long long)run->internal.data[i]);
	}
	fprintf(stderr, "ckrun: vCPU %d: KVM internal error: %s\n", c->id, buf);
	n = 0;
	if (have_regs)
		APPEND("rax %llx rbx %llx rcx %llx rdx %llx rsi %llx rdi %llx rsp %llx rbp %llx rflags %llx",
		       (unsigned long long)r.rax, (unsigned long long)r.rbx, (unsigned long long)r.rcx,
		       (unsigned long long)r.rdx, (unsigned long long)r.rsi, (unsigned long long)r.rdi,
		       (unsigned long long)r.rsp, (unsigned long long)r.rbp, (unsigned long long)r.rflags);
	if (have_sregs)
		APPEND(" cs %x cpl %u cr0 %llx cr2 %llx cr3 %llx cr4 %llx efer %llx", s.cs.selector, s.cs.dpl,
		       (unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3,
		       (unsigned long long)s.cr4, (unsigned long long)s.efer);
#undef APPEND
	if (n)
		fprintf(stderr, "ckrun: vCPU %d: registers: %s\n", c->id, buf);
}

/*
 * The last exits of one vCPU, with the guest's RIP and RSP at each (from the
 * registers KVM syncs into the run page; 0 where it cannot). On AMD a triple
 * fault reaches the VMM after KVM has re-initialised the vCPU (the VMCB is
 * undefined after a shutdown intercept: svm.c, shutdown_interception), so the
 * registers read then are the reset state; these are the last real ones.
 */
#define EXIT_RING 16

struct exit_rec {
	uint64_t ns, rip, rsp;
	uint64_t where; /* I/O port or guest-physical address */
	uint32_t reason;
	uint8_t write, len;
};

struct exit_ring {
	struct exit_rec r[EXIT_RING];
	uint64_t n; /* exits recorded so far */
};

static void ring_record(struct exit_ring *g, const struct kvm_run *run)
{
	struct exit_rec *e = &g->r[g->n++ % EXIT_RING];
	*e = (struct exit_rec){ .ns = vm_now_ns(), .reason = run->exit_reason };
	if (run->kvm_valid_regs & KVM_SYNC_X86_REGS) {
		e->rip = run->s.regs.regs.rip;
		e->rsp = run->s.regs.regs.rsp;
	}
	if (run->exit_reason == KVM_EXIT_IO) {
		e->where = run->io.port;
		e->write = run->io.direction == KVM_EXIT_IO_OUT;
		e->len = run->io.size;
	} else if (run->exit_reason == KVM_EXIT_MMIO) {
		e->where = run->mmio.phys_addr;
		e->write = run->mmio.is_write;
		e->len = (uint8_t)run->mmio.len;
	}
}

static void ring_print(const struct exit_ring *g, const char *tag, int id, uint64_t end_ns)
{
	uint64_t first = g->n > EXIT_RING ? g->n - EXIT_RING : 0;
	if (g->n)
		fprintf(stderr, "%s: vCPU %d: the last %llu exits, oldest first (ms before the end):\n", tag, id,
			(unsigned long long)(g->n - first));
	for (uint64_t i = first; i < g->n; i++) {
		const struct exit_rec *e = &g->r[i % EXIT_RING];
		char what[64];
		if (e->reason == KVM_EXIT_IO || e->reason == KVM_EXIT_MMIO)
			snprintf(what, sizeof(what), "%s %s %s 0x%llx len %u", e->reason == KVM_EXIT_IO ? "IO" : "MMIO",
				 e->write ? "write" : "read", e->reason == KVM_EXIT_IO ? "port" : "addr",
				 (unsigned long long)e->where, e->len);
		else
			snprintf(what, sizeof(what), "exit %u", e->reason);
		fprintf(stderr, "%s: vCPU %d:   #%llu -%.3f ms %s rip %llx rsp %llx\n", tag, id,
			(unsigned long long)i + 1, (double)(end_ns - e->ns) / 1e6, what, (unsigned long long)e->rip,
			(unsigned long long)e->rsp);
	}
}

/* The exit that ended this vCPU's loop, with its registers, how many exits
 * of each kind it had and the last of them: always after a triple fault or a
 * stop for want of any sign of life, and for every end under CKRUN_TRACE
 * (vm.h, vm_trace_enabled). A guest that dies before its console exists
 * leaves nothing else to map to a guest symbol. */
static void trace_end(struct vcpu *c, const char *tag, const char *why, const uint64_t *counts, size_t n,
		      const struct exit_ring *ring, uint64_t dropped)
{
	/* A vCPU that never ran (an AP waiting for its SIPI) sits at the reset vector too. */
	const bool run_shutdown = c->run->exit_reason == KVM_EXIT_SHUTDOWN;
	struct kvm_regs r;
	struct kvm_sregs s;
	char buf[256];
	size_t len = 0;
	uint64_t end_ns = vm_now_ns();

	if (ioctl(c->fd, KVM_GET_REGS, &r) == 0 && ioctl(c->fd, KVM_GET_SREGS, &s) == 0) {
		fprintf(stderr, "%s: vCPU %d: %s: rip %llx rsp %llx rflags %llx cs %x cpl %u cr0 %llx "
				"cr2 %llx cr3 %llx\n", tag, c->id, why, (unsigned long long)r.rip,
			(unsigned long long)r.rsp, (unsigned long long)r.rflags, s.cs.selector, s.cs.dpl,
			(unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3);
		if (run_shutdown && r.rip == 0xfff0 && s.cs.selector == 0xf000)
			fprintf(stderr, "%s: vCPU %d: (those are the reset state: on AMD, KVM re-initialises the vCPU "
					"before a SHUTDOWN exit; the last exits below show where the guest was)\n",
				tag, c->id);
	} else {
		fprintf(stderr, "%s: vCPU %d: %s (registers unreadable)\n", tag, c->id, why);
	}
	for (size_t i = 0; i < n && len < sizeof(buf); i++) {
		if (!counts[i])
			continue;
		int w = snprintf(buf + len, sizeof(buf) - len, " %zu:%llu", i, (unsigned long long)counts[i]);
		len = w < 0 ? sizeof(buf) : len + (size_t)w;
	}
	fprintf(stderr, "%s: vCPU %d: exits by KVM_EXIT_* number:%s; MMIO writes no device claimed: %llu\n", tag,
		c->id, len ? buf : " none", (unsigned long long)dropped);
	ring_print(ring, tag, c->id, end_ns);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *c = arg;
	struct vm *vm = c->vm;
	struct kvm_run *run = c->run;

	/* Before any guest code runs: this thread and the device workers it
	 * starts (on the driver's activation) handle guest input. */
	int err = privs_drop(vm->privs_keep);
	if (!err && vm->privs_seccomp)
		err = vm->privs_seccomp_net ? privs_seccomp_net() : privs_seccomp();
	if (err) {
		fprintf(stderr, "ckrun: vCPU %d: cannot reduce privileges: %s\n", c->id, strerror(-err));
		vm_request_end(vm, VM_END_ERROR, err);
		return NULL;
	}

	const bool trace = vm_trace_enabled();
	uint64_t counts[64] = { 0 }, dropped = 0;
	struct exit_ring ring = { .n = 0 };
	const char *why = "stopped by the VMM";
	bool dump = trace;
	while (!atomic_load(&vm->stopping)) {
		if (ioctl(c->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue; /* a kick, or a signal meant for someone else: re-check stopping */
			if (trace)
				fprintf(stderr, "ckrun-trace: vCPU %d: KVM_RUN: %s\n", c->id, strerror(errno));
			why = "KVM_RUN failed";
			vm_request_end(vm, VM_END_ERROR, -errno);
			break;
		}
		counts[run->exit_reason < 64 ? run->exit_reason : 63]++;
		ring_record(&ring, run);
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			atomic_store_explicit(&vm->activity, true, memory_order_relaxed);
			uint8_t *data = (uint8_t *)run + run->io.data_offset;
			unsigned size = run->io.size;
			if (run->io.data_offset > c->run_size || size > 8 ||
			    (uint64_t)size * run->io.count > c->run_size - run->io.data_offset)
				break; /* cannot happen with a sane KVM; never read out of the page */
			for (uint32_t i = 0; i < run->io.count; i++)
				vm_pio_access(vm, run->io.port, data + (size_t)i * size, size,
					      run->io.direction == KVM_EXIT_IO_OUT);
			break;
		}
		case KVM_EXIT_MMIO:
			atomic_store_explicit(&vm->activity, true, memory_order_relaxed);
			if (!vm_mmio_access(vm, run->mmio.phys_addr, run->mmio.data, run->mmio.len, run->mmio.is_write)) {
				/* No device there: a read gets all ones, a write is
				 * dropped and counted (also a store into a read-only
				 * DAX page on host kernels that emulate it as MMIO). */
				if (run->mmio.is_write)
					dropped++;
				else
					memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			}
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_HLT:
		case KVM_EXIT_SHUTDOWN:
			why = run->exit_reason == KVM_EXIT_HLT ? "HLT exit" : "SHUTDOWN exit (triple fault)";
			dump = dump || run->exit_reason == KVM_EXIT_SHUTDOWN;
			vm_request_end(vm, VM_END_SHUTDOWN, 0);
			goto out;
		case KVM_EXIT_SYSTEM_EVENT:
			why = "SYSTEM_EVENT exit";
			vm_request_end(vm, run->system_event.type == KVM_SYSTEM_EVENT_RESET ? VM_END_RESET
											     : VM_END_SHUTDOWN,
				       0);
			goto out;
		case KVM_EXIT_FAIL_ENTRY:
			why = "FAIL_ENTRY exit";
			fprintf(stderr, "ckrun: vCPU %d: KVM entry failed (reason 0x%llx)\n", c->id,
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			vm_request_end(vm, VM_END_ERROR, -EIO);
			goto out;
		case KVM_EXIT_INTERNAL_ERROR:
			why = "INTERNAL_ERROR exit";
			report_internal_error(c);
			vm_request_end(vm, VM_END_ERROR, -EIO);
			goto out;
		default:
			why = "unexpected exit";
			fprintf(stderr, "ckrun: vCPU %d: unexpected KVM exit %u\n", c->id, run->exit_reason);
			vm_request_end(vm, VM_END_ERROR, -EIO);
			goto out;
		}
	}
out:
	/* A guest stopped for showing no sign of life: where each vCPU sat
	 * (early boot, a spin, a lost interrupt) is the only clue left. */
	if (atomic_load(&vm->lifeless)) {
		why = "stopped: no sign of life";
		dump = true;
	}
	if (dump)
		trace_end(c, trace ? "ckrun-trace" : "ckrun", why, counts, sizeof(counts) / sizeof(counts[0]), &ring,
			  dropped);
	if (run->exit_reason == KVM_EXIT_SHUTDOWN)
		vm_crash_dump(vm);
	return NULL;
}

int vcpu_start(struct vcpu *c)
{
	sigset_t all, old;
	sigfillset(&all);
	/* The new thread inherits "everything blocked"; ours is restored at once. */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int r = pthread_create(&c->thread, NULL, vcpu_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	c->started = true;
	return 0;
}

void vcpu_kick(struct vcpu *c)
{
	if (!c->started)
		return;
	__atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(c->thread, VCPU_KICK_SIGNAL);
}

void vcpu_destroy(struct vcpu *c)
{
	if (c->started) {
		pthread_join(c->thread, NULL);
		c->started = false;
	}
	if (c->run)
		munmap(c->run, c->run_size);
	if (c->fd >= 0)
		close(c->fd);
	c->run = NULL;
	c->fd = -1;
}
