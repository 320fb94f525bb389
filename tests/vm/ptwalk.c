/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ptwalk DUMP CR3 IDTR IDT_LIMIT VECTOR...
 *
 * Reads a guest RAM dump (CKRUN_CRASH_DIR: file offset = guest-physical
 * address) the way the CPU would have at a triple fault: walks the guest's
 * 4-level page tables from CR3 for each IDT gate of the given vectors and
 * prints the gate. The test host's /init runs it with the registers its
 * kprobe read from the dead guest's VMCB (docs/testing.md, "Inner guest
 * deaths"). Last line:
 *   ptwalk: verdict: idt-intact   every gate asked for is mapped and present
 *   ptwalk: verdict: idt-broken   one is not (the guest's own tables say so)
 * Exit status 0 for either verdict, 2 when the dump cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PTE_P  (1ULL << 0)
#define PTE_PS (1ULL << 7)
#define PTE_ADDR 0x000ffffffffff000ULL

static int dump_fd;

static bool read_pa(uint64_t pa, void *buf, size_t n)
{
	return pread(dump_fd, buf, n, (off_t)pa) == (ssize_t)n;
}

/* Guest-physical address of VA, or false with *why set. */
static bool walk(uint64_t cr3, uint64_t va, uint64_t *pa, char *why, size_t wlen)
{
	static const char *const level[] = { "PML4", "PDPT", "PD", "PT" };
	uint64_t table = cr3 & PTE_ADDR;
	for (int l = 0; l < 4; l++) {
		int shift = 39 - 9 * l;
		uint64_t idx = (va >> shift) & 511, e;
		if (!read_pa(table + idx * 8, &e, sizeof(e))) {
			snprintf(why, wlen, "%s table at %#" PRIx64 " is outside the dump", level[l], table);
			return false;
		}
		if (!(e & PTE_P)) {
			snprintf(why, wlen, "%s entry %" PRIu64 " at %#" PRIx64 " not present (%#" PRIx64 ")", level[l],
				 idx, table + idx * 8, e);
			return false;
		}
		if (l > 0 && l < 3 && (e & PTE_PS)) { /* 1 GiB or 2 MiB page */
			uint64_t size = 1ULL << shift;
			*pa = (e & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			return true;
		}
		table = e & PTE_ADDR;
	}
	*pa = table | (va & 0xfff);
	return true;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: ptwalk DUMP CR3 IDTR IDT_LIMIT VECTOR...\n");
		return 2;
	}
	dump_fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (dump_fd < 0) {
		fprintf(stderr, "ptwalk: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	uint64_t cr3 = strtoull(argv[2], NULL, 0), idtr = strtoull(argv[3], NULL, 0);
	uint64_t limit = strtoull(argv[4], NULL, 0);
	bool intact = true;
	for (int i = 5; i < argc; i++) {
		uint64_t vec = strtoull(argv[i], NULL, 0), va = idtr + vec * 16, pa;
		char why[160];
		uint8_t g[16];
		if (vec > 255 || vec * 16 + 15 > limit) {
			printf("ptwalk: gate %#" PRIx64 ": beyond the IDT limit %#" PRIx64 "\n", vec, limit);
			intact = false;
			continue;
		}
		if (!walk(cr3, va, &pa, why, sizeof(why))) {
			printf("ptwalk: gate %#" PRIx64 " at %#" PRIx64 ": not mapped: %s\n", vec, va, why);
			intact = false;
			continue;
		}
		if (!read_pa(pa, g, sizeof(g))) {
			printf("ptwalk: gate %#" PRIx64 " at %#" PRIx64 " (pa %#" PRIx64 "): outside the dump\n", vec, va, pa);
			intact = false;
			continue;
		}
		uint64_t handler = (uint64_t)g[0] | (uint64_t)g[1] << 8 | (uint64_t)g[6] << 16 | (uint64_t)g[7] << 24 |
				   (uint64_t)g[8] << 32 | (uint64_t)g[9] << 40 | (uint64_t)g[10] << 48 |
				   (uint64_t)g[11] << 56;
		bool present = g[5] & 0x80;
		printf("ptwalk: gate %#" PRIx64 " at %#" PRIx64 " (pa %#" PRIx64 "): %s, type %#x, dpl %d, ist %d, "
		       "selector %#x, handler %#" PRIx64 "\n",
		       vec, va, pa, present ? "present" : "NOT present", g[5] & 0xf, (g[5] >> 5) & 3, g[4] & 7,
		       g[2] | g[3] << 8, handler);
		if (!present)
			intact = false;
	}
	printf("ptwalk: verdict: %s\n", intact ? "idt-intact" : "idt-broken");
	close(dump_fd);
	return 0;
}
