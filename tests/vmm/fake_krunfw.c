/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A stand-in libkrunfw.so.5 for tests/vmm/test_krunfw.c: its "kernel" is a
 * tiny 64-bit guest that writes the boot marker, "FW\n" on COM1 and resets.
 * FAKE_KRUNFW_MODE picks a broken bundle: "big" (larger than the test's RAM),
 * "hole" (reaching into the MMIO hole), "null" (no kernel).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_LOAD 0x200000ULL
#define FAKE_ENTRY_OFF 16 /* entry != load: the loader must honour entry_addr */

static const uint8_t image[] = {
	/* load_addr: ud2 (a triple fault) if entered at the wrong place */
	0x0f, 0x0b, 0x0f, 0x0b, 0x0f, 0x0b, 0x0f, 0x0b, 0x0f, 0x0b, 0x0f, 0x0b, 0x0f, 0x0b, 0x0f, 0x0b,
	/* entry_addr */
	0x66, 0xba, 0x10, 0x06, /* mov dx, 0x610 */
	0xb0, 0x01, 0xee,       /* mov al, 1; out dx, al   (boot marker) */
	0x66, 0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
	0xb0, 'F', 0xee, 0xb0, 'W', 0xee, 0xb0, '\n', 0xee,
	0xb0, 0xfe, 0xe6, 0x64, /* mov al, 0xfe; out 0x64, al   (i8042 reset) */
	0xf4, 0xeb, 0xfd,       /* hlt; jmp hlt */
};

static uint8_t big[48 << 20]; /* bss: costs nothing until copied */

__attribute__((visibility("default"))) char *krunfw_get_kernel(uint64_t *load_addr, uint64_t *entry_addr,
								size_t *size)
{
	const char *mode = getenv("FAKE_KRUNFW_MODE");
	if (!mode)
		mode = "";
	*load_addr = FAKE_LOAD;
	*entry_addr = FAKE_LOAD + FAKE_ENTRY_OFF;
	*size = sizeof(image);
	if (strcmp(mode, "null") == 0)
		return NULL;
	if (strcmp(mode, "big") == 0) {
		memcpy(big, image, sizeof(image));
		*size = sizeof(big);
		return (char *)big;
	}
	if (strcmp(mode, "hole") == 0) {
		*load_addr = 0xcfff0000ULL; /* 64 KiB below the hole; 48 MiB reach into it */
		*entry_addr = *load_addr;
		*size = sizeof(big);
		return (char *)big;
	}
	return (char *)image;
}
