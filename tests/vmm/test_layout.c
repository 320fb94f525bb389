/* SPDX-License-Identifier: Apache-2.0 */
/* Guest memory plan, e820 map and MP table. */
#include <asm/e820.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/vm.h"

#define LIMIT (1ULL << 39)

static void test_plan_128m(void **state)
{
	(void)state;
	struct mem_plan p;
	uint64_t shm[2] = { 512 * LAYOUT_MiB, 0 };
	assert_int_equal(mem_plan_compute(128, shm, 2, LIMIT, &p), 0);
	assert_int_equal(p.low_size, 128 * LAYOUT_MiB);
	assert_int_equal(p.high_size, 0);
	/* RAM fits below the hole: the DAX window starts at 4 GiB. */
	assert_int_equal(p.shm[0].gpa, 4 * LAYOUT_GiB);
	assert_int_equal(p.shm[0].size, 512 * LAYOUT_MiB);
	assert_int_equal(p.shm[1].size, 0);
	assert_int_equal(p.end, 4 * LAYOUT_GiB + 512 * LAYOUT_MiB);

	struct boot_e820_entry e[8];
	int n = mem_plan_e820(&p, e, 8);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].size, LAYOUT_EBDA_START);
	assert_int_equal(e[0].type, E820_RAM);
	assert_int_equal(e[1].addr, LAYOUT_HIMEM_START);
	assert_int_equal(e[1].size, 127 * LAYOUT_MiB);
	assert_int_equal(e[1].type, E820_RAM);
	/* No entry for the DAX window or anything at/above the hole. */
	assert_int_equal(mem_plan_e820(&p, e, 1), -EINVAL);
}

static void test_plan_4g_crosses_hole(void **state)
{
	(void)state;
	struct mem_plan p;
	uint64_t shm[3] = { 512 * LAYOUT_MiB, 0, 3 * LAYOUT_MiB + 1 };
	assert_int_equal(mem_plan_compute(4096, shm, 3, LIMIT, &p), 0);
	assert_int_equal(p.low_size, LAYOUT_MMIO_HOLE_START);
	assert_int_equal(p.high_size, 4 * LAYOUT_GiB - LAYOUT_MMIO_HOLE_START);
	/* RAM ends at 4 GiB + 768 MiB: windows from the next 1 GiB boundary. */
	assert_int_equal(p.shm[0].gpa, 5 * LAYOUT_GiB);
	assert_int_equal(p.shm[2].gpa, 5 * LAYOUT_GiB + 512 * LAYOUT_MiB);
	assert_int_equal(p.shm[2].size, 4 * LAYOUT_MiB); /* rounded to 2 MiB */
	assert_int_equal(p.end, p.shm[2].gpa + p.shm[2].size);

	struct boot_e820_entry e[8];
	int n = mem_plan_e820(&p, e, 8);
	assert_int_equal(n, 3);
	assert_int_equal(e[1].addr + e[1].size, LAYOUT_MMIO_HOLE_START);
	assert_int_equal(e[2].addr, 4 * LAYOUT_GiB);
	assert_int_equal(e[2].size, 768 * LAYOUT_MiB);
	uint64_t total = 0;
	for (int i = 0; i < n; i++)
		total += e[i].size;
	/* Everything except the legacy hole [EBDA, 1 MiB) is RAM. */
	assert_int_equal(total, 4 * LAYOUT_GiB - (LAYOUT_HIMEM_START - LAYOUT_EBDA_START));
}

static void test_plan_no_shm_high(void **state)
{
	(void)state;
	struct mem_plan p;
	assert_int_equal(mem_plan_compute(8192, NULL, 0, LIMIT, &p), 0);
	assert_int_equal(p.end, 4 * LAYOUT_GiB + (8 * LAYOUT_GiB - LAYOUT_MMIO_HOLE_START));
}

static void test_plan_invalid(void **state)
{
	(void)state;
	struct mem_plan p;
	uint64_t shm[1] = { 1ULL << 40 };
	assert_int_equal(mem_plan_compute(0, NULL, 0, LIMIT, &p), -EINVAL);
	assert_int_equal(mem_plan_compute(UINT32_MAX, NULL, 0, LIMIT, &p), -EINVAL); /* ~4 PiB */
	assert_int_equal(mem_plan_compute(1ULL << 20, NULL, 0, 1ULL << 36, &p), -EINVAL); /* 1 TiB > 64 GiB */
	assert_int_equal(mem_plan_compute(128, shm, 1, LIMIT, &p), -EINVAL);
	shm[0] = UINT64_MAX;
	assert_int_equal(mem_plan_compute(128, shm, 1, LIMIT, &p), -EINVAL);
	assert_int_equal(mem_plan_compute(128, shm, -1, LIMIT, &p), -EINVAL);
	assert_int_equal(mem_plan_compute(128, shm, CKRUN_MAX_SHARES + 1, LIMIT, &p), -EINVAL);
	/* Below 1 MiB there is no room for the kernel: no e820 either. */
	assert_int_equal(mem_plan_compute(1, NULL, 0, LIMIT, &p), 0);
	struct boot_e820_entry e[4];
	assert_int_equal(mem_plan_e820(&p, e, 4), -EINVAL);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s += *p++;
	return s;
}

static void check_mptable(int cpus)
{
	size_t len = mptable_size(cpus);
	uint8_t *b = calloc(1, len + 64);
	assert_non_null(b);
	memset(b, 0xaa, len + 64);
	assert_int_equal(mptable_build(b, len, LAYOUT_MPTABLE_ADDR, cpus), 0);
	assert_memory_equal(b, "_MP_", 4);
	assert_int_equal(b[8], 1);  /* length: 16 bytes */
	assert_int_equal(b[9], 4);  /* spec 1.4 */
	assert_int_equal(sum(b, 16), 0);
	uint32_t phys;
	memcpy(&phys, b + 4, 4);
	assert_int_equal(phys, LAYOUT_MPTABLE_ADDR + 16);
	uint8_t *t = b + 16;
	assert_memory_equal(t, "PCMP", 4);
	uint16_t tlen, count;
	memcpy(&tlen, t + 4, 2);
	memcpy(&count, t + 34, 2);
	assert_int_equal(tlen, len - 16);
	assert_int_equal(sum(t, tlen), 0);
	assert_int_equal(count, cpus + 1 + 1 + 16 + 2);
	/* Walk the entries: cpus processors (BSP first), one bus, one IOAPIC, 16 + 2 interrupts. */
	uint8_t *p = t + 44;
	int nproc = 0, nbus = 0, nioapic = 0, nint = 0, nlint = 0;
	for (int i = 0; i < count; i++) {
		switch (p[0]) {
		case 0:
			assert_int_equal(p[1], nproc);
			assert_int_equal(p[3] & 1, 1);
			assert_int_equal(!!(p[3] & 2), nproc == 0);
			nproc++;
			p += 20;
			break;
		case 1:
			assert_memory_equal(p + 2, "ISA   ", 6);
			nbus++;
			p += 8;
			break;
		case 2:
			assert_int_equal(p[1], cpus);
			nioapic++;
			p += 8;
			break;
		case 3:
			assert_int_equal(p[5], nint); /* source IRQ */
			assert_int_equal(p[7], nint); /* IOAPIC pin */
			nint++;
			p += 8;
			break;
		case 4:
			nlint++;
			p += 8;
			break;
		default:
			fail_msg("bad entry type %d", p[0]);
		}
	}
	assert_int_equal(p - t, tlen);
	assert_int_equal(nproc, cpus);
	assert_int_equal(nbus, 1);
	assert_int_equal(nioapic, 1);
	assert_int_equal(nint, 16);
	assert_int_equal(nlint, 2);
	assert_int_equal(b[len], 0xaa); /* nothing written past the end */
	free(b);
}

static void test_mptable(void **state)
{
	(void)state;
	check_mptable(1);
	check_mptable(2);
	check_mptable(4);
	check_mptable(254);
	uint8_t b[4096];
	assert_int_equal(mptable_build(b, sizeof(b), LAYOUT_MPTABLE_ADDR, 0), -EINVAL);
	assert_int_equal(mptable_build(b, sizeof(b), LAYOUT_MPTABLE_ADDR, 255), -EINVAL);
	assert_int_equal(mptable_build(b, mptable_size(4) - 1, LAYOUT_MPTABLE_ADDR, 4), -EINVAL);
	assert_int_equal(mptable_build(b, sizeof(b), 0xfffffff0ULL, 1), -EINVAL);
}

static void test_layout_consistency(void **state)
{
	(void)state;
	static const int irqs[] = LAYOUT_VIRTIO_IRQS;
	assert_int_equal(sizeof(irqs) / sizeof(irqs[0]), LAYOUT_VIRTIO_MAX_DEVS);
	for (int i = 0; i < LAYOUT_VIRTIO_MAX_DEVS; i++) {
		assert_true(irqs[i] >= LAYOUT_VIRTIO_IRQ_FIRST && irqs[i] <= LAYOUT_VIRTIO_IRQ_LAST);
		assert_true(irqs[i] != LAYOUT_COM1_IRQ && irqs[i] != LAYOUT_I8042_IRQ);
	}
	/* Boot structures below the command line, the command line below the EBDA. */
	assert_true(LAYOUT_PD_ADDR + 4 * 4096 <= LAYOUT_CMDLINE_ADDR);
	assert_true(LAYOUT_ZERO_PAGE_ADDR + 4096 <= LAYOUT_BOOT_STACK_ADDR + 16);
	assert_true(LAYOUT_CMDLINE_ADDR + LAYOUT_CMDLINE_MAX <= LAYOUT_EBDA_START);
	assert_true(LAYOUT_MPTABLE_ADDR + mptable_size(254) <= LAYOUT_HIMEM_START);
	assert_true(LAYOUT_VIRTIO_MMIO_BASE + LAYOUT_VIRTIO_MAX_DEVS * LAYOUT_VIRTIO_MMIO_SIZE <= LAYOUT_IOAPIC_ADDR);
	assert_true(LAYOUT_IDENTITY_MAP_ADDR + 4096 == LAYOUT_TSS_ADDR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_128m),   cmocka_unit_test(test_plan_4g_crosses_hole),
		cmocka_unit_test(test_plan_no_shm_high), cmocka_unit_test(test_plan_invalid),
		cmocka_unit_test(test_mptable),     cmocka_unit_test(test_layout_consistency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
