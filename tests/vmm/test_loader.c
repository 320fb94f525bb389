/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel image validation (bzImage, ELF), initramfs placement and the zero page. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tinyguest.h"
#include "vmm/vm.h"

#define BZ_SIZE 16384

/* A synthetic bzImage: setup header only, 1 setup sector, protected-mode part after. */
static uint8_t *make_bz(void)
{
	uint8_t *d = calloc(1, BZ_SIZE);
	struct setup_header h;
	memset(&h, 0, sizeof(h));
	h.setup_sects = 1;
	h.boot_flag = 0xAA55;
	h.jump = (uint16_t)(0xeb | ((0x268 - 0x202) << 8)); /* header length in the jump */
	h.header = 0x53726448;
	h.version = 0x020f;
	h.relocatable_kernel = 1;
	h.xloadflags = XLF_KERNEL_64;
	h.init_size = 0x100000;
	h.initrd_addr_max = 0x7fffffff;
	h.cmdline_size = 2048;
	h.pref_address = 0x1000000;
	memcpy(d + 0x1f1, &h, sizeof(h));
	return d;
}

static int parse(uint8_t *d, size_t n, uint32_t fmt, struct kernel_image *k)
{
	memset(k, 0, sizeof(*k));
	k->data = d;
	k->size = n;
	return kernel_image_parse(k, fmt);
}

static void test_bzimage_ok(void **state)
{
	(void)state;
	uint8_t *d = make_bz();
	struct kernel_image k;
	assert_int_equal(parse(d, BZ_SIZE, VM_KERNEL_FORMAT_RAW, &k), 0);
	assert_int_equal(k.kind, KERNEL_BZIMAGE);
	assert_int_equal(k.pm_offset, 1024);
	assert_int_equal(k.load_addr, LAYOUT_HIMEM_START);
	assert_int_equal(k.entry, LAYOUT_HIMEM_START + 0x200);
	assert_int_equal(k.end, LAYOUT_HIMEM_START + 0x100000); /* init_size > file */
	/* Not relocatable: pref_address. */
	d[0x1f1 + offsetof(struct setup_header, relocatable_kernel)] = 0;
	assert_int_equal(parse(d, BZ_SIZE, VM_KERNEL_FORMAT_RAW, &k), 0);
	assert_int_equal(k.load_addr, 0x1000000);
	/* setup_sects 0 means 4. */
	d[0x1f1] = 0;
	assert_int_equal(parse(d, BZ_SIZE, VM_KERNEL_FORMAT_RAW, &k), 0);
	assert_int_equal(k.pm_offset, 5 * 512);
	/* ELF format asked for, bzImage given. */
	assert_int_equal(parse(d, BZ_SIZE, VM_KERNEL_FORMAT_ELF, &k), -ENOEXEC);
	free(d);
}

/* Offset of a setup-header field in the file. */
#define HDR(field) (0x1f1 + offsetof(struct setup_header, field))

/* make_bz() with `len` bytes at `off` (and, if len2, `len2` at `off2`)
 * overwritten must be refused. */
static void assert_patched_bz_refused(size_t off, const void *val, size_t len, size_t off2,
				      const void *val2, size_t len2)
{
	struct kernel_image k;
	uint8_t *d = make_bz();
	memcpy(d + off, val, len);
	if (len2)
		memcpy(d + off2, val2, len2);
	assert_int_equal(parse(d, BZ_SIZE, VM_KERNEL_FORMAT_RAW, &k), -ENOEXEC);
	free(d);
}

#define REFUSED(field, type, v) assert_patched_bz_refused(HDR(field), &(type){ v }, sizeof(type), 0, NULL, 0)

static void test_bzimage_corrupt(void **state)
{
	(void)state;
	struct kernel_image k;
	uint8_t *d;

	REFUSED(header, uint8_t, 'X');
	REFUSED(boot_flag, uint8_t, 0);
	REFUSED(version, uint16_t, 0x0206);
	REFUSED(xloadflags, uint8_t, 0);              /* no 64-bit entry */
	REFUSED(setup_sects, uint8_t, 200);           /* setup sectors beyond the file */
	REFUSED(init_size, uint32_t, 0xf0000000);
	/* not relocatable, and the preferred address is below the kernel area */
	assert_patched_bz_refused(HDR(relocatable_kernel), &(uint8_t){ 0 }, 1, HDR(pref_address),
				  &(uint64_t){ 0x1000 }, 8);

	/* Truncated files of every small size never parse and never read out of bounds. */
	d = make_bz();
	for (size_t n = 0; n < 0x300; n++) {
		uint8_t *c = malloc(n ? n : 1);
		memcpy(c, d, n);
		assert_int_equal(parse(c, n, VM_KERNEL_FORMAT_RAW, &k), -ENOEXEC);
		free(c);
	}
	free(d);

	/* Garbage. */
	d = calloc(1, BZ_SIZE);
	memset(d, 0x5a, BZ_SIZE);
	assert_int_equal(parse(d, BZ_SIZE, VM_KERNEL_FORMAT_RAW, &k), -ENOEXEC);
	free(d);
}

static uint8_t *make_elf(size_t *n)
{
	char path[] = "/tmp/ckrun-elf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(tiny_write_elf(path, tiny_ok_code, sizeof(tiny_ok_code)), 0);
	FILE *f = fopen(path, "rb");
	uint8_t *d = malloc(4096);
	*n = fread(d, 1, 4096, f);
	fclose(f);
	unlink(path);
	return d;
}

static void test_elf(void **state)
{
	(void)state;
	size_t n;
	uint8_t *d = make_elf(&n);
	struct kernel_image k;
	assert_int_equal(parse(d, n, VM_KERNEL_FORMAT_ELF, &k), 0);
	assert_int_equal(k.kind, KERNEL_ELF);
	assert_int_equal(k.entry, TINY_LOAD_ADDR);
	assert_int_equal(k.end, TINY_LOAD_ADDR + sizeof(tiny_ok_code) + 4096);
	assert_int_equal(parse(d, n, VM_KERNEL_FORMAT_RAW, &k), 0); /* detected */

	Elf64_Ehdr *eh = (Elf64_Ehdr *)d;
	Elf64_Phdr *ph = (Elf64_Phdr *)(d + sizeof(*eh));
	Elf64_Ehdr se = *eh;
	Elf64_Phdr sp = *ph;
#define EXPECT_BAD(mutation)                                                     \
	do {                                                                     \
		mutation;                                                        \
		assert_int_equal(parse(d, n, VM_KERNEL_FORMAT_ELF, &k), -ENOEXEC); \
		*eh = se;                                                        \
		*ph = sp;                                                        \
	} while (0)
	EXPECT_BAD(eh->e_ident[EI_CLASS] = ELFCLASS32);
	EXPECT_BAD(eh->e_machine = EM_386);
	EXPECT_BAD(eh->e_type = ET_DYN);
	EXPECT_BAD(eh->e_phoff = n);
	EXPECT_BAD(eh->e_phoff = UINT64_MAX - 8);
	EXPECT_BAD(eh->e_phnum = 0xffff);
	EXPECT_BAD(eh->e_phentsize = 1);
	EXPECT_BAD(eh->e_entry = 0x5000);
	EXPECT_BAD(ph->p_type = PT_NOTE);
	EXPECT_BAD(ph->p_filesz = ph->p_memsz + 1);
	EXPECT_BAD(ph->p_offset = n);
	EXPECT_BAD(ph->p_offset = UINT64_MAX);
	EXPECT_BAD(ph->p_filesz = n);
	EXPECT_BAD(ph->p_paddr = 0x1000; eh->e_entry = 0x1000); /* over the boot structures */
	EXPECT_BAD(ph->p_memsz = UINT64_MAX);
	EXPECT_BAD(ph->p_paddr = UINT64_MAX - 10; eh->e_entry = UINT64_MAX - 5);
	EXPECT_BAD(ph->p_memsz = LAYOUT_MMIO_HOLE_START);
	for (size_t t = 0; t < n; t++)
		if (t < sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + sizeof(tiny_ok_code))
			assert_int_equal(parse(d, t, VM_KERNEL_FORMAT_ELF, &k), -ENOEXEC);
	free(d);
}

static void test_formats_and_files(void **state)
{
	(void)state;
	struct kernel_image k;
	uint8_t d[16] = { 0 };
	/* Compressed formats without their stream (test_decompress has the rest). */
	assert_int_equal(parse(d, sizeof(d), VM_KERNEL_FORMAT_IMAGE_GZ, &k), -ENOEXEC);
	assert_int_equal(parse(d, sizeof(d), VM_KERNEL_FORMAT_IMAGE_BZ2, &k), -ENOEXEC);
	assert_int_equal(parse(d, sizeof(d), VM_KERNEL_FORMAT_IMAGE_ZSTD, &k), -ENOEXEC);
	assert_int_equal(parse(d, sizeof(d), VM_KERNEL_FORMAT_PE_GZ, &k), -ENOTSUP);
	assert_int_equal(parse(d, sizeof(d), 99, &k), -EINVAL);

	assert_int_equal(kernel_image_open("/nonexistent/ckrun-kernel", 0, &k), -ENOENT);
	assert_null(k.data);
	assert_int_equal(kernel_image_open("/tmp", 0, &k), -EINVAL);
	assert_int_equal(kernel_image_open(NULL, 0, &k), -EINVAL);
	assert_int_equal(kernel_image_open("/dev/null", 0, &k), -EINVAL); /* not a regular file */
	char path[] = "/tmp/ckrun-empty-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(kernel_image_open(path, 0, &k), -ENOEXEC); /* empty */
	assert_int_equal(write(fd, "garbage!", 8), 8);
	assert_int_equal(kernel_image_open(path, 0, &k), -ENOEXEC);
	close(fd);
	assert_int_equal(tiny_write_elf(path, tiny_ok_code, sizeof(tiny_ok_code)), 0);
	assert_int_equal(kernel_image_open(path, VM_KERNEL_FORMAT_ELF, &k), 0);
	assert_int_equal(k.entry, TINY_LOAD_ADDR);
	kernel_image_free(&k);
	unlink(path);
}

/* A fake guest: 64 MiB of low RAM. */
#define FAKE_RAM (64 * LAYOUT_MiB)

static void fake_mem(struct guest_mem *gm, struct mem_plan *p)
{
	memset(gm, 0, sizeof(*gm));
	gm->nr = 1;
	gm->r[0].gpa = 0;
	gm->r[0].size = FAKE_RAM;
	gm->r[0].hva = calloc(1, FAKE_RAM);
	assert_non_null(gm->r[0].hva);
	assert_int_equal(mem_plan_compute(FAKE_RAM / LAYOUT_MiB, NULL, 0, 1ULL << 39, p), 0);
}

static void test_load_and_zero_page(void **state)
{
	(void)state;
	struct guest_mem gm;
	struct mem_plan p;
	fake_mem(&gm, &p);
	uint8_t *ram = gm.r[0].hva;

	uint8_t *d = make_bz();
	memset(d + 1024, 0xcc, BZ_SIZE - 1024);
	struct kernel_image k;
	assert_int_equal(parse(d, BZ_SIZE, VM_KERNEL_FORMAT_RAW, &k), 0);
	assert_int_equal(kernel_image_load(&k, &gm, FAKE_RAM), 0);
	assert_int_equal(ram[LAYOUT_HIMEM_START], 0xcc);
	assert_int_equal(ram[LAYOUT_HIMEM_START + BZ_SIZE - 1024 - 1], 0xcc);
	assert_int_equal(kernel_image_load(&k, &gm, 2 * LAYOUT_MiB - 1), -ENOMEM); /* too little RAM */

	/* initramfs at the top of RAM, page aligned. */
	char path[] = "/tmp/ckrun-initrd-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	uint8_t blob[5000];
	memset(blob, 0x77, sizeof(blob));
	assert_int_equal(write(fd, blob, sizeof(blob)), (ssize_t)sizeof(blob));
	close(fd);
	uint64_t igpa, isize;
	assert_int_equal(boot_load_initrd(path, &k, &gm, FAKE_RAM, &igpa, &isize), 0);
	assert_int_equal(isize, sizeof(blob));
	assert_int_equal(igpa % 4096, 0);
	assert_true(igpa + isize <= FAKE_RAM && igpa + isize + 4096 > FAKE_RAM);
	assert_memory_equal(ram + igpa, blob, sizeof(blob));
	/* Does not fit above the kernel. */
	assert_int_equal(boot_load_initrd(path, &k, &gm, k.end + 4096, &igpa, &isize), -ENOMEM);
	unlink(path);
	assert_int_equal(boot_load_initrd("/nonexistent/initrd", &k, &gm, FAKE_RAM, &igpa, &isize), -ENOENT);

	assert_int_equal(boot_setup_memory(&k, &p, &gm, "console=ttyS0", 0x3000000, 5000, 2), 0);
	struct boot_params *bp = (struct boot_params *)(ram + LAYOUT_ZERO_PAGE_ADDR);
	assert_int_equal(bp->hdr.boot_flag, 0xAA55);
	assert_int_equal(bp->hdr.header, 0x53726448);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.cmd_line_ptr, LAYOUT_CMDLINE_ADDR);
	assert_int_equal(bp->hdr.ramdisk_image, 0x3000000);
	assert_int_equal(bp->hdr.ramdisk_size, 5000);
	assert_int_equal(bp->e820_entries, 2);
	assert_int_equal(bp->e820_table[1].addr + bp->e820_table[1].size, FAKE_RAM);
	assert_string_equal((char *)ram + LAYOUT_CMDLINE_ADDR, "console=ttyS0");
	uint64_t pml4, pd0, pd_last;
	memcpy(&pml4, ram + LAYOUT_PML4_ADDR, 8);
	memcpy(&pd0, ram + LAYOUT_PD_ADDR, 8);
	memcpy(&pd_last, ram + LAYOUT_PD_ADDR + (4 * 512 - 1) * 8, 8);
	assert_int_equal(pml4, LAYOUT_PDPT_ADDR | 3);
	assert_int_equal(pd0, 0x83);
	assert_int_equal(pd_last, (4 * LAYOUT_GiB - 2 * LAYOUT_MiB) | 0x83);
	assert_memory_equal(ram + LAYOUT_MPTABLE_ADDR, "_MP_", 4);

	/* Longer than the kernel's cmdline_size, and longer than ckrun's maximum. */
	char *longer = malloc(LAYOUT_CMDLINE_MAX + 1);
	memset(longer, 'a', LAYOUT_CMDLINE_MAX);
	longer[2049] = '\0';
	assert_int_equal(boot_setup_memory(&k, &p, &gm, longer, 0, 0, 1), -E2BIG);
	longer[2049] = 'a';
	longer[LAYOUT_CMDLINE_MAX] = '\0';
	k.hdr.cmdline_size = 0;
	assert_int_equal(boot_setup_memory(&k, &p, &gm, longer, 0, 0, 1), -E2BIG);
	free(longer);

	struct kvm_sregs s;
	memset(&s, 0, sizeof(s));
	boot_fill_sregs(&s);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.db, 0);
	assert_int_equal(s.cs.selector, 0x08);
	assert_int_equal(s.ds.selector, 0x10);
	assert_int_equal(s.cr3, LAYOUT_PML4_ADDR);
	assert_true(s.cr0 & 0x80000001);
	assert_true(s.efer & (1 << 10));
	struct kvm_regs r;
	boot_fill_regs(&r, k.entry);
	assert_int_equal(r.rip, LAYOUT_HIMEM_START + 0x200);
	assert_int_equal(r.rsi, LAYOUT_ZERO_PAGE_ADDR);
	assert_int_equal(r.rflags, 2);

	free(d);
	free(gm.r[0].hva);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage_ok), cmocka_unit_test(test_bzimage_corrupt),
		cmocka_unit_test(test_elf),        cmocka_unit_test(test_formats_and_files),
		cmocka_unit_test(test_load_and_zero_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
