/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel images for the 64-bit direct boot:
 *  - bzImage (Linux x86 boot protocol >= 2.12 with XLF_KERNEL_64): the
 *    protected-mode part goes to 1 MiB (or pref_address when the kernel is
 *    not relocatable) and is entered at load address + 0x200;
 *  - ELF vmlinux: PT_LOAD segments at their physical addresses, entered at
 *    e_entry (phys_startup_64 for x86_64 vmlinux).
 *  - a libkrunfw bundle (no file: a pre-laid-out image handed over by
 *    libkrunfw, see krunfw.h): copied as is to its load address.
 * KRUN_KERNEL_FORMAT_RAW is accepted for both files: libkrun has no bzImage
 * constant, and RAW means "detect bzImage or ELF by content".
 *  - IMAGE_GZ/BZ2/ZSTD: an ELF vmlinux compressed, found in the file and
 *    decompressed first (decompress.c), then loaded as ELF. PE_GZ (aarch64)
 *    gives -ENOTSUP.
 * Every field comes from an untrusted file and is range-checked.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/vm.h"

#define SETUP_HDR_OFFSET 0x1f1
#define HDRS_MAGIC 0x53726448 /* "HdrS" */
#define BOOT_FLAG 0xAA55
#define MIN_BOOT_PROTOCOL 0x020c /* xloadflags (XLF_KERNEL_64) exist from 2.12 */
#define KERNEL_FILE_MAX (512ULL * LAYOUT_MiB)

static bool is_bzimage(const uint8_t *d, size_t n)
{
	uint32_t magic;
	if (n < SETUP_HDR_OFFSET + sizeof(struct setup_header))
		return false;
	memcpy(&magic, d + SETUP_HDR_OFFSET + offsetof(struct setup_header, header), sizeof(magic));
	return magic == HDRS_MAGIC;
}

static bool is_elf(const uint8_t *d, size_t n)
{
	return n >= SELFMAG && memcmp(d, ELFMAG, SELFMAG) == 0;
}

static int parse_bzimage(struct kernel_image *k)
{
	const uint8_t *d = k->data;
	size_t n = k->size;
	struct setup_header h;

	if (!is_bzimage(d, n))
		return -ENOEXEC;
	/* The header's length is in the jump instruction at 0x200 (byte 0x201). */
	size_t hdr_len = 0x202 + (size_t)d[0x201] - SETUP_HDR_OFFSET;
	if (hdr_len > sizeof(h))
		hdr_len = sizeof(h);
	memset(&h, 0, sizeof(h));
	memcpy(&h, d + SETUP_HDR_OFFSET, hdr_len);

	if (h.boot_flag != BOOT_FLAG || h.header != HDRS_MAGIC)
		return -ENOEXEC;
	if (h.version < MIN_BOOT_PROTOCOL || !(h.xloadflags & XLF_KERNEL_64))
		return -ENOEXEC;
	size_t setup_sects = h.setup_sects ? h.setup_sects : 4;
	size_t pm_off = (setup_sects + 1) * 512;
	if (pm_off >= n)
		return -ENOEXEC;
	size_t pm_size = n - pm_off;

	uint64_t load = LAYOUT_HIMEM_START;
	if (!h.relocatable_kernel)
		load = h.pref_address;
	if (load < LAYOUT_HIMEM_START || load > LAYOUT_MMIO_HOLE_START)
		return -ENOEXEC;
	uint64_t need = pm_size > h.init_size ? pm_size : h.init_size;
	if (need > LAYOUT_MMIO_HOLE_START - load)
		return -ENOEXEC;

	k->kind = KERNEL_BZIMAGE;
	k->hdr = h;
	k->pm_offset = pm_off;
	k->load_addr = load;
	k->entry = load + 0x200;
	k->end = load + need;
	return 0;
}

static int parse_elf(struct kernel_image *k)
{
	const uint8_t *d = k->data;
	size_t n = k->size;
	Elf64_Ehdr eh;

	if (!is_elf(d, n) || n < sizeof(eh))
		return -ENOEXEC;
	memcpy(&eh, d, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64 || eh.e_type != ET_EXEC)
		return -ENOEXEC;
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > n ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > n - eh.e_phoff)
		return -ENOEXEC;

	uint64_t end = 0;
	bool entry_ok = false;
	int loads = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, d + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > n || ph.p_filesz > n - ph.p_offset)
			return -ENOEXEC;
		/* Below 1 MiB live the zero page, page tables and MP table. */
		if (ph.p_paddr < LAYOUT_HIMEM_START || ph.p_paddr > LAYOUT_MMIO_HOLE_START ||
		    ph.p_memsz > LAYOUT_MMIO_HOLE_START - ph.p_paddr)
			return -ENOEXEC;
		if (ph.p_paddr + ph.p_memsz > end)
			end = ph.p_paddr + ph.p_memsz;
		if (eh.e_entry >= ph.p_paddr && eh.e_entry - ph.p_paddr < ph.p_memsz)
			entry_ok = true;
		loads++;
	}
	if (!loads || !entry_ok)
		return -ENOEXEC;
	k->kind = KERNEL_ELF;
	memset(&k->hdr, 0, sizeof(k->hdr));
	k->entry = eh.e_entry;
	k->end = end;
	return 0;
}

/* accept() for kernel_decompress: an ELF image parse_elf takes. */
static int bootable_elf(const uint8_t *d, size_t n)
{
	struct kernel_image t = { .data = (uint8_t *)d, .size = n };
	return parse_elf(&t) == 0;
}

/* The decompressed ELF replaces the file's bytes in k. */
static int parse_compressed(struct kernel_image *k, uint32_t format)
{
	uint8_t *elf;
	size_t n;
	int err = kernel_decompress(k->data, k->size, format, KERNEL_FILE_MAX, bootable_elf, &elf, &n);
	if (err)
		return err;
	if (!k->borrowed)
		free(k->data);
	k->data = elf;
	k->size = n;
	k->borrowed = false;
	return parse_elf(k);
}

int kernel_image_parse(struct kernel_image *k, uint32_t format)
{
	switch (format) {
	case VM_KERNEL_FORMAT_ELF:
		return parse_elf(k);
	case VM_KERNEL_FORMAT_RAW:
		if (is_bzimage(k->data, k->size))
			return parse_bzimage(k);
		if (is_elf(k->data, k->size))
			return parse_elf(k);
		return -ENOEXEC;
	case VM_KERNEL_FORMAT_IMAGE_BZ2:
	case VM_KERNEL_FORMAT_IMAGE_GZ:
	case VM_KERNEL_FORMAT_IMAGE_ZSTD:
		return parse_compressed(k, format);
	case VM_KERNEL_FORMAT_PE_GZ:
		return -ENOTSUP;
	default:
		return -EINVAL;
	}
}

int vmm_file_open(const char *path, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int err = 0;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	if (err) {
		close(fd);
		return err;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int vmm_file_create(const char *path)
{
	/* Created or truncated, as libkrun (File::create): a reader of the
	 * file sees this VM's output only. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

int vmm_file_read(int fd, void *dst, uint64_t len)
{
	uint8_t *p = dst;
	while (len) {
		ssize_t r = read(fd, p, len > (1 << 30) ? (1 << 30) : len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* the file shrank under us */
		p += r;
		len -= (uint64_t)r;
	}
	return 0;
}

int kernel_file_read(const char *path, uint8_t **data, size_t *size)
{
	*data = NULL;
	*size = 0;
	if (!path)
		return -EINVAL;
	uint64_t n;
	int fd = vmm_file_open(path, &n);
	if (fd < 0)
		return fd;
	int err = 0;
	uint8_t *buf = NULL;
	if (n > KERNEL_FILE_MAX || n == 0) {
		err = -ENOEXEC;
		goto out;
	}
	buf = malloc((size_t)n);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	err = vmm_file_read(fd, buf, n);
out:
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*data = buf;
	*size = (size_t)n;
	return 0;
}

int kernel_image_open(const char *path, uint32_t format, struct kernel_image *k)
{
	memset(k, 0, sizeof(*k));
	int err = kernel_file_read(path, &k->data, &k->size);
	if (err)
		return err;
	err = kernel_image_parse(k, format);
	if (err)
		kernel_image_free(k);
	return err;
}

int kernel_image_from_memory(const uint8_t *data, size_t size, uint32_t format, struct kernel_image *k)
{
	memset(k, 0, sizeof(*k));
	if (!data || size == 0)
		return -EINVAL;
	k->data = (uint8_t *)data; /* never written: the loader only copies from it */
	k->size = size;
	k->borrowed = true;
	int err = kernel_image_parse(k, format);
	if (err)
		memset(k, 0, sizeof(*k));
	return err;
}

int kernel_image_from_bundle(const uint8_t *data, size_t size, uint64_t load_addr, uint64_t entry,
			     struct kernel_image *k)
{
	memset(k, 0, sizeof(*k));
	/* The library is trusted code, but its numbers are still checked: below
	 * 1 MiB live the zero page, page tables and MP table. */
	if (!data || size == 0 || load_addr < LAYOUT_HIMEM_START || load_addr >= LAYOUT_MMIO_HOLE_START ||
	    size > LAYOUT_MMIO_HOLE_START - load_addr || entry < load_addr || entry - load_addr >= size)
		return -EINVAL;
	k->kind = KERNEL_BUNDLE;
	k->data = (uint8_t *)data;
	k->size = size;
	k->borrowed = true;
	k->load_addr = load_addr;
	k->entry = entry;
	k->end = load_addr + size;
	return 0;
}

void kernel_image_free(struct kernel_image *k)
{
	if (!k->borrowed)
		free(k->data);
	memset(k, 0, sizeof(*k));
}

int kernel_image_load(const struct kernel_image *k, const struct guest_mem *gm, uint64_t low_size)
{
	if (k->end > low_size)
		return -ENOMEM;
	if (k->kind == KERNEL_BUNDLE) {
		uint8_t *dst = guest_mem_ptr(gm, k->load_addr, k->size);
		if (!dst)
			return -ENOMEM;
		memcpy(dst, k->data, k->size);
		return 0;
	}
	if (k->kind == KERNEL_BZIMAGE) {
		size_t len = k->size - k->pm_offset;
		uint8_t *dst = guest_mem_ptr(gm, k->load_addr, len);
		if (!dst)
			return -ENOMEM;
		memcpy(dst, k->data + k->pm_offset, len);
		return 0;
	}
	Elf64_Ehdr eh;
	memcpy(&eh, k->data, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, k->data + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		uint8_t *dst = guest_mem_ptr(gm, ph.p_paddr, ph.p_memsz);
		if (!dst)
			return -ENOMEM;
		memcpy(dst, k->data + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	return 0;
}
