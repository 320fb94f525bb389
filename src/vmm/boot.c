/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The 64-bit direct boot (Linux x86 boot protocol, "64-bit boot protocol"):
 * the kernel is entered in long mode with paging on, identity-mapped page
 * tables for the first 4 GiB, a flat GDT, RSI pointing at the zero page
 * (struct boot_params) that carries the e820 map, the command line and the
 * initramfs. Addresses come from layout.h only.
 */
#include <asm/e820.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vmm/vm.h"

#define LOADER_TYPE_UNDEFINED 0xff
#define BOOT_FLAG 0xAA55
#define HDRS_MAGIC 0x53726448
#define KERNEL_ALIGNMENT (16 * LAYOUT_MiB)

/* x86 control bits (architectural; no uapi header carries them). */
#define CR0_PE (1ULL << 0)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define PTE_PRESENT_RW 0x3ULL
#define PDE_2M_PAGE 0x83ULL /* present, writable, page size */

/* GDT descriptors: null, 64-bit code, data, TSS (flags, base, limit). */
#define GDT_CODE_SEL 0x08
#define GDT_DATA_SEL 0x10
#define GDT_TSS_SEL 0x18

static uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000u) << 32) | ((uint64_t)(flags & 0xf0ffu) << 40) |
	       ((uint64_t)(limit & 0x000f0000u) << 32) | ((uint64_t)(base & 0x00ffffffu) << 16) |
	       (uint64_t)(limit & 0x0000ffffu);
}

static const uint16_t gdt_flags[4] = { 0, 0xa09b, 0xc093, 0x808b };

int boot_load_initrd(const char *path, const struct kernel_image *k, const struct guest_mem *gm,
		     uint64_t low_size, uint64_t *gpa, uint64_t *size)
{
	*gpa = *size = 0;
	uint64_t len;
	int fd = vmm_file_open(path, &len);
	if (fd < 0)
		return fd;
	int err;
	uint64_t max = low_size;
	if (k->kind == KERNEL_BZIMAGE && k->hdr.initrd_addr_max && (uint64_t)k->hdr.initrd_addr_max + 1 < max)
		max = (uint64_t)k->hdr.initrd_addr_max + 1;
	if (len > max || ((max - len) & ~(LAYOUT_INITRD_ALIGN - 1)) < k->end) {
		err = -ENOMEM;
		goto out;
	}
	uint64_t addr = (max - len) & ~(LAYOUT_INITRD_ALIGN - 1);
	uint8_t *dst = guest_mem_ptr(gm, addr, len);
	if (!dst) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = vmm_file_read(fd, dst, len)))
		goto out;
	*gpa = addr;
	*size = len;
out:
	close(fd);
	return err;
}

int boot_setup_memory(const struct kernel_image *k, const struct mem_plan *p, const struct guest_mem *gm,
		      const char *cmdline, uint64_t initrd_gpa, uint64_t initrd_size, int nr_cpus)
{
	size_t clen = strlen(cmdline);
	if (clen + 1 > LAYOUT_CMDLINE_MAX)
		return -E2BIG;
	if (k->kind == KERNEL_BZIMAGE && k->hdr.cmdline_size && clen > k->hdr.cmdline_size)
		return -E2BIG;

	struct boot_params *bp = guest_mem_ptr(gm, LAYOUT_ZERO_PAGE_ADDR, sizeof(*bp));
	char *cl = guest_mem_ptr(gm, LAYOUT_CMDLINE_ADDR, clen + 1);
	uint64_t *pml4 = guest_mem_ptr(gm, LAYOUT_PML4_ADDR, 4096);
	uint64_t *pdpt = guest_mem_ptr(gm, LAYOUT_PDPT_ADDR, 4096);
	uint64_t *pd = guest_mem_ptr(gm, LAYOUT_PD_ADDR, 4 * 4096);
	uint64_t *gdt = guest_mem_ptr(gm, LAYOUT_GDT_ADDR, sizeof(uint64_t) * 4);
	uint64_t *idt = guest_mem_ptr(gm, LAYOUT_IDT_ADDR, sizeof(uint64_t));
	size_t mp_len = LAYOUT_HIMEM_START - LAYOUT_MPTABLE_ADDR;
	uint8_t *mp = guest_mem_ptr(gm, LAYOUT_MPTABLE_ADDR, mp_len);
	if (!bp || !cl || !pml4 || !pdpt || !pd || !gdt || !idt || !mp)
		return -ENOMEM;

	/* Zero page. For a bzImage start from the file's setup header (the
	 * kernel reads its own fields back); for ELF only the fields it needs. */
	memset(bp, 0, sizeof(*bp));
	if (k->kind == KERNEL_BZIMAGE) {
		bp->hdr = k->hdr;
	} else {
		bp->hdr.boot_flag = BOOT_FLAG;
		bp->hdr.header = HDRS_MAGIC;
		bp->hdr.kernel_alignment = KERNEL_ALIGNMENT;
	}
	bp->hdr.type_of_loader = LOADER_TYPE_UNDEFINED;
	bp->hdr.loadflags |= LOADED_HIGH;
	bp->hdr.cmd_line_ptr = (uint32_t)LAYOUT_CMDLINE_ADDR;
	bp->hdr.cmdline_size = (uint32_t)clen;
	bp->hdr.ramdisk_image = (uint32_t)initrd_gpa;
	bp->hdr.ramdisk_size = (uint32_t)initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(initrd_gpa >> 32);
	bp->ext_ramdisk_size = (uint32_t)(initrd_size >> 32);
	int n = mem_plan_e820(p, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	if (n < 0)
		return n;
	bp->e820_entries = (uint8_t)n;

	memcpy(cl, cmdline, clen + 1);

	/* Identity map of the first 4 GiB with 2 MiB pages. */
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = LAYOUT_PDPT_ADDR | PTE_PRESENT_RW;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (LAYOUT_PD_ADDR + i * 4096) | PTE_PRESENT_RW;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PDE_2M_PAGE;

	for (int i = 0; i < 4; i++)
		gdt[i] = gdt_entry(gdt_flags[i], 0, i ? 0xfffff : 0);
	*idt = 0;

	return mptable_build(mp, mp_len, LAYOUT_MPTABLE_ADDR, nr_cpus);
}

static struct kvm_segment seg_from_gdt(uint64_t e, uint16_t sel)
{
	return (struct kvm_segment){
		.base = ((e >> 16) & 0xffffff) | (((e >> 56) & 0xff) << 24),
		.limit = (uint32_t)((e & 0xffff) | (((e >> 48) & 0xf) << 16)),
		.selector = sel,
		.type = (uint8_t)((e >> 40) & 0xf),
		.present = (uint8_t)((e >> 47) & 1),
		.dpl = (uint8_t)((e >> 45) & 3),
		.db = (uint8_t)((e >> 54) & 1),
		.s = (uint8_t)((e >> 44) & 1),
		.l = (uint8_t)((e >> 53) & 1),
		.g = (uint8_t)((e >> 55) & 1),
		.avl = (uint8_t)((e >> 52) & 1),
		.unusable = 0,
	};
}

void boot_fill_sregs(struct kvm_sregs *s)
{
	struct kvm_segment code = seg_from_gdt(gdt_entry(gdt_flags[1], 0, 0xfffff), GDT_CODE_SEL);
	struct kvm_segment data = seg_from_gdt(gdt_entry(gdt_flags[2], 0, 0xfffff), GDT_DATA_SEL);
	struct kvm_segment tss = seg_from_gdt(gdt_entry(gdt_flags[3], 0, 0xfffff), GDT_TSS_SEL);

	s->gdt.base = LAYOUT_GDT_ADDR;
	s->gdt.limit = 4 * sizeof(uint64_t) - 1;
	s->idt.base = LAYOUT_IDT_ADDR;
	s->idt.limit = sizeof(uint64_t) - 1;
	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = tss;
	s->cr0 |= CR0_PE | CR0_PG;
	s->cr3 = LAYOUT_PML4_ADDR;
	s->cr4 |= CR4_PAE;
	s->efer |= EFER_LME | EFER_LMA;
}

void boot_fill_regs(struct kvm_regs *r, uint64_t entry)
{
	memset(r, 0, sizeof(*r));
	r->rflags = 2; /* bit 1 is reserved and always set */
	r->rip = entry;
	r->rsp = LAYOUT_BOOT_STACK_ADDR;
	r->rbp = LAYOUT_BOOT_STACK_ADDR;
	r->rsi = LAYOUT_ZERO_PAGE_ADDR;
}
