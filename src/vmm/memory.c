/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest RAM: anonymous mappings registered as KVM memory slots. RAM fills
 * [0, LAYOUT_MMIO_HOLE_START) and the rest continues at 4 GiB. DAX windows are
 * PROT_NONE reservations above RAM (virtio-fs maps files into them later);
 * they are KVM slots but not in the e820 map, and not in the guest_mem the
 * devices translate through (a device must never touch them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <asm/e820.h>

#include "vmm/vm.h"

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int mem_plan_compute(uint64_t ram_mib, const uint64_t *shm_sizes, int nr_shm, uint64_t phys_limit,
		     struct mem_plan *out)
{
	memset(out, 0, sizeof(*out));
	if (ram_mib == 0 || nr_shm < 0 || nr_shm > CKRUN_MAX_SHARES)
		return -EINVAL;
	/* Bound before multiplying so nothing below can overflow. */
	if (ram_mib > phys_limit / LAYOUT_MiB)
		return -EINVAL;
	uint64_t ram = ram_mib * LAYOUT_MiB;
	out->ram_size = ram;
	out->low_size = ram < LAYOUT_MMIO_HOLE_START ? ram : LAYOUT_MMIO_HOLE_START;
	out->high_size = ram - out->low_size;

	uint64_t top;
	if (out->high_size == 0)
		top = LAYOUT_HIGH_RAM_START; /* windows start at 4 GiB */
	else
		top = align_up(LAYOUT_HIGH_RAM_START + out->high_size, LAYOUT_SHM_ALIGN);
	uint64_t end = out->high_size ? LAYOUT_HIGH_RAM_START + out->high_size : out->low_size;

	out->nr_shm = nr_shm;
	for (int i = 0; i < nr_shm; i++) {
		uint64_t sz = shm_sizes[i];
		if (sz == 0)
			continue;
		if (sz > phys_limit)
			return -EINVAL;
		sz = align_up(sz, LAYOUT_SHM_WINDOW_ALIGN);
		top = align_up(top, LAYOUT_SHM_WINDOW_ALIGN);
		if (top > phys_limit || sz > phys_limit - top)
			return -EINVAL;
		out->shm[i].gpa = top;
		out->shm[i].size = sz;
		top += sz;
		end = top;
	}
	if (end > phys_limit)
		return -EINVAL;
	out->end = end;
	return 0;
}

int mem_plan_e820(const struct mem_plan *p, struct boot_e820_entry *e, int max)
{
	int n = 0;
#define ADD(a, s)                                                   \
	do {                                                        \
		if (n >= max)                                       \
			return -EINVAL;                             \
		e[n++] = (struct boot_e820_entry){ .addr = (a), .size = (s), .type = E820_RAM }; \
	} while (0)

	if (p->low_size <= LAYOUT_HIMEM_START)
		return -EINVAL; /* the kernel itself loads at 1 MiB */
	ADD(0, LAYOUT_EBDA_START);
	ADD(LAYOUT_HIMEM_START, p->low_size - LAYOUT_HIMEM_START);
	if (p->high_size)
		ADD(LAYOUT_HIGH_RAM_START, p->high_size);
#undef ADD
	return n;
}

static int set_slot(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};
	return ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

static void *map_anon(uint64_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Guest RAM at a host address aligned like its guest-physical start. Where
 * the host backs it with transparent huge pages, KVM can then map it with
 * 2 MiB nested page table entries (it refuses them for a slot whose host and
 * guest addresses differ modulo 2 MiB): fewer nested page faults and TLB
 * misses, as QEMU gets by aligning its RAM blocks. The slack of an over-sized
 * mapping is given back. */
static void *map_ram(uint64_t size)
{
	const uint64_t a = LAYOUT_RAM_HOST_ALIGN;
	if (size > UINT64_MAX - a)
		return NULL;
	uint8_t *p = map_anon(size + a, PROT_READ | PROT_WRITE);
	if (!p)
		return NULL;
	uint8_t *start = (uint8_t *)(uintptr_t)align_up((uint64_t)(uintptr_t)p, a);
	if (start > p)
		munmap(p, (size_t)(start - p));
	if (start + size < p + size + a)
		munmap(start + size, (size_t)(p + size + a - (start + size)));
	return start;
}

int vm_memory_setup(int vm_fd, const struct mem_plan *plan, struct vm_memory *m)
{
	int err;
	memset(m, 0, sizeof(*m));
	m->plan = *plan;

	m->low = map_ram(plan->low_size);
	if (!m->low)
		goto fail_errno;
	m->gm.r[m->gm.nr++] = (struct guest_mem_region){ .gpa = 0, .size = plan->low_size, .hva = m->low };
	if ((err = set_slot(vm_fd, LAYOUT_SLOT_RAM_LOW, 0, plan->low_size, m->low)))
		goto fail;

	if (plan->high_size) {
		m->high = map_ram(plan->high_size);
		if (!m->high)
			goto fail_errno;
		m->gm.r[m->gm.nr++] = (struct guest_mem_region){
			.gpa = LAYOUT_HIGH_RAM_START, .size = plan->high_size, .hva = m->high };
		if ((err = set_slot(vm_fd, LAYOUT_SLOT_RAM_HIGH, LAYOUT_HIGH_RAM_START, plan->high_size, m->high)))
			goto fail;
	}

	for (int i = 0; i < plan->nr_shm; i++) {
		if (!plan->shm[i].size)
			continue;
		m->shm_host[i] = map_anon(plan->shm[i].size, PROT_NONE);
		if (!m->shm_host[i])
			goto fail_errno;
		if ((err = set_slot(vm_fd, LAYOUT_SLOT_SHM_FIRST + i, plan->shm[i].gpa, plan->shm[i].size,
				    m->shm_host[i])))
			goto fail;
	}
	return 0;

fail_errno:
	err = -errno;
	if (!err)
		err = -ENOMEM;
fail:
	vm_memory_release(m);
	return err;
}

/* The slots go with the VM fd; only the mappings are ours to undo. */
void vm_memory_release(struct vm_memory *m)
{
	if (m->low)
		munmap(m->low, m->plan.low_size);
	if (m->high)
		munmap(m->high, m->plan.high_size);
	for (int i = 0; i < CKRUN_MAX_SHARES; i++)
		if (m->shm_host[i])
			munmap(m->shm_host[i], m->plan.shm[i].size);
	memset(m, 0, sizeof(*m));
}

static uint64_t resident(const void *addr, uint64_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	if (!addr || pg <= 0)
		return 0;
	uint64_t pages = (len + (uint64_t)pg - 1) / (uint64_t)pg;
	unsigned char *vec = malloc(pages);
	if (!vec)
		return 0;
	uint64_t n = 0;
	if (mincore((void *)addr, len, vec) == 0)
		for (uint64_t i = 0; i < pages; i++)
			n += vec[i] & 1;
	free(vec);
	return n * (uint64_t)pg;
}

uint64_t vm_memory_resident(const struct vm_memory *m)
{
	return resident(m->low, m->plan.low_size) + resident(m->high, m->plan.high_size);
}

int vm_memory_dump(const struct vm_memory *m, int dirfd, const char *name)
{
	static const uint8_t zero[4096];
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int err = 0;
	for (int i = 0; i < m->gm.nr && !err; i++) {
		const struct guest_mem_region *r = &m->gm.r[i];
		for (uint64_t off = 0; off < r->size && !err; off += sizeof(zero)) {
			const uint8_t *pg = r->hva + off;
			size_t n = r->size - off < sizeof(zero) ? (size_t)(r->size - off) : sizeof(zero);
			if (!memcmp(pg, zero, n))
				continue; /* a hole in the file reads as zeros */
			if (pwrite(fd, pg, n, (off_t)(r->gpa + off)) != (ssize_t)n)
				err = errno ? -errno : -EIO;
		}
	}
	/* The file ends where RAM does, holes included. */
	uint64_t end = m->gm.nr ? m->gm.r[m->gm.nr - 1].gpa + m->gm.r[m->gm.nr - 1].size : 0;
	if (!err && ftruncate(fd, (off_t)end) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}
