/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every guest-physical address, I/O port and IRQ number ckrun uses on x86_64.
 * Nothing else in the tree may hard-code one of these.
 */
#ifndef CKRUN_VMM_LAYOUT_H
#define CKRUN_VMM_LAYOUT_H

#include "abi/guest.h"

#define LAYOUT_KiB 1024ULL
#define LAYOUT_MiB (1024ULL * LAYOUT_KiB)
#define LAYOUT_GiB (1024ULL * LAYOUT_MiB)

/* Low memory used by the direct 64-bit boot (Linux x86 boot protocol). */
#define LAYOUT_GDT_ADDR          0x500ULL
#define LAYOUT_IDT_ADDR          0x520ULL
#define LAYOUT_ZERO_PAGE_ADDR    0x7000ULL   /* struct boot_params */
#define LAYOUT_BOOT_STACK_ADDR   0x8ff0ULL
#define LAYOUT_PML4_ADDR         0x9000ULL
#define LAYOUT_PDPT_ADDR         0xa000ULL
#define LAYOUT_PD_ADDR           0xb000ULL   /* 4 pages: identity map of the first 4 GiB with 2 MiB pages */
#define LAYOUT_CMDLINE_ADDR      0x20000ULL
#define LAYOUT_CMDLINE_MAX       (64 * LAYOUT_KiB)
#define LAYOUT_EBDA_START        0x9fc00ULL  /* end of conventional RAM in the e820 map */
#define LAYOUT_MPTABLE_ADDR      LAYOUT_EBDA_START  /* MP floating pointer + table in the last KiB */
#define LAYOUT_HIMEM_START       (1 * LAYOUT_MiB)   /* kernel load address (bzImage protected-mode part) */

/* The 32-bit MMIO hole: RAM stops here and resumes at 4 GiB. */
#define LAYOUT_MMIO_HOLE_START   0xd0000000ULL
#define LAYOUT_MMIO_HOLE_END     (4 * LAYOUT_GiB)
#define LAYOUT_HIGH_RAM_START    (4 * LAYOUT_GiB)

/* virtio-mmio devices: one 4 KiB window each, from the start of the hole. */
#define LAYOUT_VIRTIO_MMIO_BASE  LAYOUT_MMIO_HOLE_START
#define LAYOUT_VIRTIO_MMIO_SIZE  0x1000ULL
#define LAYOUT_VIRTIO_IRQ_FIRST  5
#define LAYOUT_VIRTIO_IRQ_LAST   15
/* IRQs 5..15 minus 8 (the CMOS RTC's line, which Linux may claim unshared). */
#define LAYOUT_VIRTIO_IRQS       { 5, 6, 7, 9, 10, 11, 12, 13, 14, 15 }
#define LAYOUT_VIRTIO_MAX_DEVS   10

/* Interrupt controllers (KVM in-kernel irqchip). */
#define LAYOUT_IOAPIC_ADDR       0xfec00000ULL
#define LAYOUT_LAPIC_ADDR        0xfee00000ULL
#define LAYOUT_TSS_ADDR          0xfffbd000ULL  /* KVM_SET_TSS_ADDR: 3 pages below the BIOS */
#define LAYOUT_IDENTITY_MAP_ADDR 0xfffbc000ULL

/* Legacy PC devices. */
#define LAYOUT_COM1_PORT         0x3f8
#define LAYOUT_COM1_IRQ          4
#define LAYOUT_I8042_PORT_DATA   0x60
#define LAYOUT_I8042_PORT_CMD    0x64
#define LAYOUT_I8042_IRQ         1
#define LAYOUT_CMOS_PORT_INDEX   0x70
#define LAYOUT_CMOS_PORT_DATA    0x71
#define LAYOUT_NR_LEGACY_IRQS    16   /* ISA IRQs 0..15, all listed in the MP table */

/* ckrun's boot-time marker (part of the host/guest contract, abi/guest.h). */
#define LAYOUT_BOOT_MARKER_PORT  CKRUN_BOOT_MARKER_PORT

/* DAX windows go above RAM: at 4 GiB when RAM fits below the hole, otherwise
 * at the first 1 GiB boundary above the end of RAM. Not in the e820 map. */
#define LAYOUT_SHM_ALIGN         (1 * LAYOUT_GiB)
/* Each window starts on a 2 MiB boundary (the guest hot-plugs it as ZONE_DEVICE
 * memory, which needs subsection alignment). */
#define LAYOUT_SHM_WINDOW_ALIGN  (2 * LAYOUT_MiB)

/* Host mappings of guest RAM start on this boundary, as its guest-physical
 * ranges do (0 and 4 GiB): KVM maps a slot with 2 MiB nested page table
 * entries only where host and guest addresses agree modulo 2 MiB (memory.c). */
#define LAYOUT_RAM_HOST_ALIGN    (2 * LAYOUT_MiB)

/* Initramfs: placed as high as it fits in the RAM below the hole and below
 * the kernel's initrd_addr_max (bzImage setup header), above the kernel, at
 * this alignment (boot.c). */
#define LAYOUT_INITRD_ALIGN      0x1000ULL

/* Guest-physical address space ckrun will use at most (RAM + DAX windows):
 * 39 bits is the smallest MAXPHYADDR of current x86_64 hosts; the builder
 * also checks the host's value from CPUID 0x80000008. */
#define LAYOUT_PHYS_LIMIT        (1ULL << 39)

/* KVM memory slots. */
#define LAYOUT_SLOT_RAM_LOW      0
#define LAYOUT_SLOT_RAM_HIGH     1
#define LAYOUT_SLOT_SHM_FIRST    2

#endif
