/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-mmio devices on the guest bus: each gets the next 4 KiB window from
 * LAYOUT_VIRTIO_MMIO_BASE and the next IRQ of LAYOUT_VIRTIO_IRQS. Queue
 * notifications bypass the vCPU thread (KVM ioeventfd per queue on
 * base + QueueNotify, datamatch = queue index); interrupts come from the
 * device's eventfd through a KVM irqfd. Only register accesses reach
 * vm_mmio_access on a vCPU thread.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/virtio_mmio.h>

#include "vmm/vm.h"
#include "virtio/mmio.h"

static const int virtio_irqs[LAYOUT_VIRTIO_MAX_DEVS] = LAYOUT_VIRTIO_IRQS;

static int wire(struct vm *vm, struct vm_virtio *v)
{
	int nq = virtio_mmio_num_queues(v->dev);
	if (nq < 0)
		return -EINVAL;
	for (int q = 0; q < nq; q++) {
		int fd = virtio_mmio_notify_fd(v->dev, q);
		if (fd < 0)
			return -EINVAL;
		struct kvm_ioeventfd ev = {
			.datamatch = (uint64_t)q,
			.addr = v->base + VIRTIO_MMIO_QUEUE_NOTIFY,
			.len = 4,
			.fd = fd,
			.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
		};
		if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &ev) < 0)
			return -errno;
	}
	int irqfd = virtio_mmio_irq_fd(v->dev);
	if (irqfd < 0)
		return -EINVAL;
	struct kvm_irqfd irq = { .fd = (uint32_t)irqfd, .gsi = (uint32_t)v->irq };
	if (ioctl(vm->vm_fd, KVM_IRQFD, &irq) < 0)
		return -errno;
	return 0;
}

/* Takes ownership of dev in every case (freed on failure). */
int vm_add_virtio(struct vm *vm, struct virtio_mmio_dev *dev)
{
	if (vm->nr_devs >= LAYOUT_VIRTIO_MAX_DEVS) {
		virtio_mmio_free(dev);
		return -ENOSPC;
	}
	struct vm_virtio *v = &vm->devs[vm->nr_devs];
	v->dev = dev;
	v->base = LAYOUT_VIRTIO_MMIO_BASE + (uint64_t)vm->nr_devs * LAYOUT_VIRTIO_MMIO_SIZE;
	v->irq = virtio_irqs[vm->nr_devs];
	vm->nr_devs++; /* from here vm_free_devices owns it, even if wiring fails */
	return wire(vm, v);
}

static struct vm_virtio *find(struct vm *vm, uint64_t addr)
{
	for (int i = 0; i < vm->nr_devs; i++)
		if (addr >= vm->devs[i].base && addr - vm->devs[i].base < LAYOUT_VIRTIO_MMIO_SIZE)
			return &vm->devs[i];
	return NULL;
}

bool vm_mmio_access(struct vm *vm, uint64_t addr, uint8_t *data, unsigned len, bool is_write)
{
	struct vm_virtio *v = find(vm, addr);
	if (!v)
		return false;
	uint64_t off = addr - v->base;
	if (len == 8) {
		/* Two 32-bit halves, low first (the spec allows only 32-bit registers anyway). */
		return vm_mmio_access(vm, addr, data, 4, is_write) && vm_mmio_access(vm, addr + 4, data + 4, 4, is_write);
	}
	if (len != 1 && len != 2 && len != 4)
		return false;
	if (off + len > LAYOUT_VIRTIO_MMIO_SIZE)
		return false;
	if (is_write) {
		uint32_t val = 0;
		for (unsigned i = 0; i < len; i++)
			val |= (uint32_t)data[i] << (8 * i);
		virtio_mmio_write(v->dev, off, val, len);
	} else {
		uint32_t val = virtio_mmio_read(v->dev, off, len);
		for (unsigned i = 0; i < len; i++)
			data[i] = (uint8_t)(val >> (8 * i));
	}
	return true;
}

void vm_free_devices(struct vm *vm)
{
	for (int i = vm->nr_devs - 1; i >= 0; i--) {
		virtio_mmio_free(vm->devs[i].dev);
		memset(&vm->devs[i], 0, sizeof(vm->devs[i]));
	}
	vm->nr_devs = 0;
}
