/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Intel MultiProcessor Specification 1.4 tables: how a guest without
 * ACPI finds its CPUs, the IOAPIC and the ISA interrupt routing. Linux has
 * no uapi header for these, so the layouts below are written from the
 * specification (chapter 4), packed, little-endian.
 * Layout: floating pointer (16 bytes), then the configuration table:
 * header, one processor entry per vCPU, bus ISA, the IOAPIC, an I/O
 * interrupt entry for each ISA IRQ 0..15 (IRQ n -> IOAPIC pin n, so the
 * virtio-mmio IRQs are routed), and LINT0 = ExtINT, LINT1 = NMI.
 */
#include <errno.h>
#include <string.h>

#include "vmm/vm.h"

struct mpf_intel {
	char signature[4]; /* "_MP_" */
	uint32_t physptr;
	uint8_t length;    /* in 16-byte units */
	uint8_t specification;
	uint8_t checksum;
	uint8_t feature1;
	uint8_t feature2;
	uint8_t feature3, feature4, feature5;
} __attribute__((packed));

struct mpc_table {
	char signature[4]; /* "PCMP" */
	uint16_t length;
	uint8_t spec;
	uint8_t checksum;
	char oem[8];
	char productid[12];
	uint32_t oemptr;
	uint16_t oemsize;
	uint16_t oemcount;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type;
	uint8_t apicid;
	uint8_t apicver;
	uint8_t cpuflag;
	uint32_t cpufeature;
	uint32_t featureflag;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type;
	uint8_t busid;
	char bustype[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type;
	uint8_t apicid;
	uint8_t apicver;
	uint8_t flags;
	uint32_t apicaddr;
} __attribute__((packed));

struct mpc_intsrc {
	uint8_t type;
	uint8_t irqtype;
	uint16_t irqflag;
	uint8_t srcbus;
	uint8_t srcbusirq;
	uint8_t dstapic;
	uint8_t dstirq;
} __attribute__((packed));

_Static_assert(sizeof(struct mpf_intel) == 16, "MP floating pointer is 16 bytes");
_Static_assert(sizeof(struct mpc_table) == 44, "MP config header is 44 bytes");
_Static_assert(sizeof(struct mpc_cpu) == 20, "processor entry is 20 bytes");
_Static_assert(sizeof(struct mpc_bus) == 8 && sizeof(struct mpc_ioapic) == 8 && sizeof(struct mpc_intsrc) == 8,
	       "8-byte entries");

enum { MP_PROCESSOR = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_INTSRC = 3, MP_LINTSRC = 4 };
enum { MP_INT = 0, MP_NMI = 1, MP_EXTINT = 3 };
#define CPU_ENABLED 1
#define CPU_BOOTPROCESSOR 2
#define APIC_VERSION 0x14
#define IOAPIC_VERSION 0x11
#define CPU_STEPPING 0x600         /* family 6 */
#define CPU_FEATURE_FPU_APIC 0x201 /* CPUID.1:EDX FPU and APIC bits */
#define MP_SPEC_REV 4              /* 1.4 */
#define MP_MAX_CPUS 254            /* APIC ids 0..253; the IOAPIC takes the next id */

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s += *p++;
	return (uint8_t)-s;
}

size_t mptable_size(int nr_cpus)
{
	return sizeof(struct mpf_intel) + sizeof(struct mpc_table) + (size_t)nr_cpus * sizeof(struct mpc_cpu) +
	       sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +
	       (LAYOUT_NR_LEGACY_IRQS + 2) * sizeof(struct mpc_intsrc);
}

int mptable_build(uint8_t *buf, size_t len, uint64_t base_gpa, int nr_cpus)
{
	if (nr_cpus < 1 || nr_cpus > MP_MAX_CPUS)
		return -EINVAL;
	size_t total = mptable_size(nr_cpus);
	if (len < total || base_gpa + total > UINT32_MAX)
		return -EINVAL;
	memset(buf, 0, total);

	struct mpf_intel mpf = {
		.signature = { '_', 'M', 'P', '_' },
		.physptr = (uint32_t)(base_gpa + sizeof(struct mpf_intel)),
		.length = 1,
		.specification = MP_SPEC_REV,
	};
	mpf.checksum = checksum((const uint8_t *)&mpf, sizeof(mpf));
	memcpy(buf, &mpf, sizeof(mpf));

	uint8_t *table = buf + sizeof(mpf);
	uint8_t *p = table + sizeof(struct mpc_table);
	uint16_t count = 0;
	const uint8_t ioapic_id = (uint8_t)nr_cpus;

	for (int i = 0; i < nr_cpus; i++, count++) {
		struct mpc_cpu c = {
			.type = MP_PROCESSOR,
			.apicid = (uint8_t)i,
			.apicver = APIC_VERSION,
			.cpuflag = CPU_ENABLED | (i == 0 ? CPU_BOOTPROCESSOR : 0),
			.cpufeature = CPU_STEPPING,
			.featureflag = CPU_FEATURE_FPU_APIC,
		};
		memcpy(p, &c, sizeof(c));
		p += sizeof(c);
	}
	struct mpc_bus bus = { .type = MP_BUS, .busid = 0, .bustype = { 'I', 'S', 'A', ' ', ' ', ' ' } };
	memcpy(p, &bus, sizeof(bus));
	p += sizeof(bus);
	count++;
	struct mpc_ioapic io = {
		.type = MP_IOAPIC,
		.apicid = ioapic_id,
		.apicver = IOAPIC_VERSION,
		.flags = 1,
		.apicaddr = (uint32_t)LAYOUT_IOAPIC_ADDR,
	};
	memcpy(p, &io, sizeof(io));
	p += sizeof(io);
	count++;
	for (int irq = 0; irq < LAYOUT_NR_LEGACY_IRQS; irq++, count++) {
		/* irqflag 0: polarity and trigger conform to the bus (ISA: edge, active high). */
		struct mpc_intsrc s = {
			.type = MP_INTSRC,
			.irqtype = MP_INT,
			.srcbus = 0,
			.srcbusirq = (uint8_t)irq,
			.dstapic = ioapic_id,
			.dstirq = (uint8_t)irq,
		};
		memcpy(p, &s, sizeof(s));
		p += sizeof(s);
	}
	struct mpc_intsrc lint0 = { .type = MP_LINTSRC, .irqtype = MP_EXTINT, .dstapic = 0xff, .dstirq = 0 };
	struct mpc_intsrc lint1 = { .type = MP_LINTSRC, .irqtype = MP_NMI, .dstapic = 0xff, .dstirq = 1 };
	memcpy(p, &lint0, sizeof(lint0));
	p += sizeof(lint0);
	memcpy(p, &lint1, sizeof(lint1));
	p += sizeof(lint1);
	count += 2;

	struct mpc_table h = {
		.signature = { 'P', 'C', 'M', 'P' },
		.length = (uint16_t)(p - table),
		.spec = MP_SPEC_REV,
		.oem = { 'C', 'K', 'R', 'U', 'N', ' ', ' ', ' ' },
		.productid = { 'M', 'I', 'C', 'R', 'O', 'V', 'M', ' ', ' ', ' ', ' ', ' ' },
		.oemcount = count,
		.lapic = (uint32_t)LAYOUT_LAPIC_ADDR,
	};
	memcpy(table, &h, sizeof(h));
	table[offsetof(struct mpc_table, checksum)] = checksum(table, h.length);
	return 0;
}
