/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hand-made x86_64 ELF "kernels" for VMM tests that must not depend on a
 * Linux guest: entered in long mode at 1 MiB by the direct boot.
 */
#ifndef CKRUN_TESTS_TINYGUEST_H
#define CKRUN_TESTS_TINYGUEST_H

#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* marker, "OK\n" on COM1, i8042 reset */
static const uint8_t tiny_ok_code[] = {
	0x66, 0xba, 0x10, 0x06, /* mov dx, 0x610 */
	0xb0, 0x01, 0xee,       /* mov al, 1; out dx, al */
	0x66, 0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
	0xb0, 'O', 0xee, 0xb0, 'K', 0xee, 0xb0, '\n', 0xee,
	0xb0, 0xfe, 0xe6, 0x64, /* mov al, 0xfe; out 0x64, al */
	0xf4, 0xeb, 0xfd,       /* hlt; jmp hlt */
};

/* jmp . : never exits to the VMM (the watchdog's case) */
static const uint8_t tiny_spin_code[] = { 0xeb, 0xfe };

/* A triple fault: one exit first (a POST code to port 0x80, which no device
 * claims), then load an empty IDT and raise #UD (ud2). */
static const uint8_t tiny_fault_code[] = {
	0xb0, 0x5a, 0xe6, 0x80, /* mov al, 0x5a; out 0x80, al */
	0x6a, 0x00, 0x6a, 0x00, /* push 0; push 0 */
	0x0f, 0x01, 0x1c, 0x24, /* lidt [rsp] (limit 0) */
	0x0f, 0x0b,             /* ud2 */
};

/* A triple fault on an IDT the guest's page tables do not map: the boot
 * tables map only PML4 slot 0, the IDT goes at 512 GiB (slot 1) with a real
 * limit, then #UD: its gate, #PF's and #DF's are all unreadable, and the
 * last page fault (CR2) is the #DF gate, 0x8000000080. The test host's
 * page walker finds that gate unmapped in the RAM dump (idt-broken). */
static const uint8_t tiny_idt_unmapped_code[] = {
	0xb0, 0x5a, 0xe6, 0x80,                                     /* mov al, 0x5a; out 0x80, al */
	0x48, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, /* mov rax, 0x8000000000 */
	0x48, 0x83, 0xec, 0x10,                                     /* sub rsp, 16 */
	0x66, 0xc7, 0x04, 0x24, 0xff, 0x0f,                         /* mov word [rsp], 0xfff */
	0x48, 0x89, 0x44, 0x24, 0x02,                               /* mov [rsp+2], rax */
	0x0f, 0x01, 0x1c, 0x24,                                     /* lidt [rsp] */
	0x0f, 0x0b,                                                 /* ud2 (at 0x100021) */
};

#define TINY_LOAD_ADDR 0x100000ULL

/* Write an ELF with one PT_LOAD of code at TINY_LOAD_ADDR; 0 or -1. */
static inline int tiny_write_elf(const char *path, const uint8_t *code, size_t len)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	memset(&eh, 0, sizeof(eh));
	memset(&ph, 0, sizeof(ph));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = TINY_LOAD_ADDR;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	ph.p_type = PT_LOAD;
	ph.p_flags = PF_R | PF_X;
	ph.p_offset = sizeof(eh) + sizeof(ph);
	ph.p_vaddr = ph.p_paddr = TINY_LOAD_ADDR;
	ph.p_filesz = len;
	ph.p_memsz = len + 4096;
	ph.p_align = 4096;
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(&eh, sizeof(eh), 1, f) == 1 && fwrite(&ph, sizeof(ph), 1, f) == 1 &&
		 fwrite(code, len, 1, f) == 1;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* A file that is no kernel at all ("this is not a kernel\n"); 0 or -1. */
static inline int tiny_write_not_a_kernel(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("this is not a kernel\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

/* One fresh temporary directory holding a kernel of each tiny kind, a file
 * that is no kernel, and the name of a console output file (not created). */
struct tiny_files {
	char dir[64], ok_elf[128], spin_elf[128], fault_elf[128], idt_elf[128], bad_kernel[128], out_path[128];
};

/* `tmpl` is a mkdtemp template ("/tmp/name-XXXXXX"); 0 or -1. */
static inline int tiny_files_make(struct tiny_files *t, const char *tmpl)
{
	snprintf(t->dir, sizeof(t->dir), "%s", tmpl);
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->ok_elf, sizeof(t->ok_elf), "%s/ok.elf", t->dir);
	snprintf(t->spin_elf, sizeof(t->spin_elf), "%s/spin.elf", t->dir);
	snprintf(t->fault_elf, sizeof(t->fault_elf), "%s/fault.elf", t->dir);
	snprintf(t->idt_elf, sizeof(t->idt_elf), "%s/idt.elf", t->dir);
	snprintf(t->bad_kernel, sizeof(t->bad_kernel), "%s/bad", t->dir);
	snprintf(t->out_path, sizeof(t->out_path), "%s/console.out", t->dir);
	if (tiny_write_elf(t->ok_elf, tiny_ok_code, sizeof(tiny_ok_code)) ||
	    tiny_write_elf(t->spin_elf, tiny_spin_code, sizeof(tiny_spin_code)) ||
	    tiny_write_elf(t->fault_elf, tiny_fault_code, sizeof(tiny_fault_code)) ||
	    tiny_write_elf(t->idt_elf, tiny_idt_unmapped_code, sizeof(tiny_idt_unmapped_code)))
		return -1;
	return tiny_write_not_a_kernel(t->bad_kernel);
}

static inline void tiny_files_remove(const struct tiny_files *t)
{
	unlink(t->ok_elf);
	unlink(t->spin_elf);
	unlink(t->fault_elf);
	unlink(t->idt_elf);
	unlink(t->bad_kernel);
	unlink(t->out_path);
	rmdir(t->dir);
}

#endif
