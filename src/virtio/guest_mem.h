/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest-physical memory as the devices see it: a short list of host mappings.
 * The VMM fills it (src/vmm/memory.c); devices only translate through it, with
 * every guest-supplied address and length checked. Unit tests build a fake one.
 */
#ifndef CKRUN_VIRTIO_GUEST_MEM_H
#define CKRUN_VIRTIO_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_MAX_REGIONS 8

struct guest_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct guest_mem {
	struct guest_mem_region r[GUEST_MEM_MAX_REGIONS];
	int nr;
};

/*
 * Host pointer for [gpa, gpa+len) when the whole range lies inside one region
 * (no overflow, len may be 0 only at a valid gpa); NULL otherwise.
 */
static inline void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < m->nr; i++) {
		const struct guest_mem_region *r = &m->r[i];
		if (gpa < r->gpa)
			continue;
		uint64_t off = gpa - r->gpa;
		if (off >= r->size || len > r->size - off)
			continue;
		return r->hva + off;
	}
	return NULL;
}

#endif
