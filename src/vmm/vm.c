/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM object (struct vm, vm.h): creation, the one way to end a VM and to
 * wait for that end, and teardown. vCPUs, port handlers and devices reach the
 * VM only through here (vm_request_end, vm_guest_exit_code), never through
 * the builder, so the calls among the VMM's files form no cycle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <stdio.h>
#include <string.h>

#include "fs/limits.h"
#include "vmm/vm.h"

#define WATCHDOG_POLL_NS 50000000ULL /* 50 ms */

uint64_t vm_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

bool vm_trace_enabled(void)
{
	const char *e = getenv("CKRUN_TRACE");
	return e && *e && strcmp(e, "0") != 0;
}

void vm_crash_dump(struct vm *vm)
{
	if ((vm->crash_dirfd < 0 && !vm->crash_dir_err) || atomic_exchange(&vm->crash_dumped, true))
		return;
	if (vm->crash_dirfd < 0) {
		fprintf(stderr, "ckrun: no guest RAM dump: CKRUN_CRASH_DIR could not be opened: %s\n",
			strerror(-vm->crash_dir_err));
		return;
	}
	char name[64];
	snprintf(name, sizeof(name), "ckrun-ram.%ld.%llu", (long)gettid(), (unsigned long long)vm->start_ns);
	int err = vm_memory_dump(&vm->mem, vm->crash_dirfd, name);
	if (err)
		fprintf(stderr, "ckrun: cannot write guest RAM to CKRUN_CRASH_DIR: %s\n", strerror(-err));
	else
		fprintf(stderr, "ckrun: guest RAM written to CKRUN_CRASH_DIR/%s (file offset = guest-physical "
				"address)\n", name);
}

void vm_request_end(struct vm *vm, enum vm_end why, int err)
{
	static const char *const names[] = { "none", "reset", "shutdown", "error" };
	pthread_mutex_lock(&vm->lock);
	if (vm->end == VM_END_NONE) {
		vm->end = why;
		vm->end_error = err;
		if (vm_trace_enabled())
			fprintf(stderr, "ckrun-trace: end %s (%d) at %.3f s, exit code %s\n",
				(unsigned)why < 4 ? names[why] : "?", err,
				(double)(vm_now_ns() - vm->start_ns) / 1e9,
				atomic_load(&vm->guest_exit_code_set) ? "reported" : "not reported");
	}
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

void vm_guest_exit_code(void *opaque, int32_t code)
{
	struct vm *vm = opaque;
	atomic_store(&vm->guest_exit_code, code);
	atomic_store(&vm->guest_exit_code_set, true);
}

struct vm *vm_new(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	vm->kvm_fd = vm->vm_fd = vm->out_fd = -1;
	vm->start_ns = vm_now_ns();
	vm->crash_dirfd = -1;
	const char *dir = getenv("CKRUN_CRASH_DIR");
	if (dir && *dir) {
		/* A failure is told only if a triple fault comes: a process
		 * that cannot see the directory (crun's container) stays quiet. */
		vm->crash_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (vm->crash_dirfd < 0)
			vm->crash_dir_err = -errno;
	}
	for (size_t i = 0; i < sizeof(vm->vcpus) / sizeof(vm->vcpus[0]); i++)
		vm->vcpus[i].fd = -1;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&vm->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&vm->lock, NULL);
	i8042_init(&vm->kbd);
	return vm;
}

/* Stop and release everything, in the reverse order of creation. */
void vm_destroy(struct vm *vm)
{
	atomic_store(&vm->stopping, true);
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]); /* joins */
	vm_free_devices(vm);                 /* device threads stop before RAM goes */
	fs_limits_unref(vm->fs_limits);      /* the shares dropped theirs */
	if (vm->serial_ready)
		serial_destroy(&vm->serial);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm_memory_release(&vm->mem);
	free(vm->workload); /* served by a device: freed once the devices are gone */
	if (vm->own_out_fd && vm->out_fd >= 0)
		close(vm->out_fd);
	free(vm->cpuid);
	if (vm->crash_dirfd >= 0)
		close(vm->crash_dirfd);
	i8042_destroy(&vm->kbd);
	pthread_mutex_destroy(&vm->lock);
	pthread_cond_destroy(&vm->cond);
	free(vm);
}

int vm_wait_end(struct vm *vm, double timeout_s)
{
	uint64_t deadline = vm_now_ns() + (uint64_t)(timeout_s * 1e9);
	bool alive = false;
	int r = 0;
	pthread_mutex_lock(&vm->lock);
	while (vm->end == VM_END_NONE) {
		if (!alive && atomic_load(&vm->activity))
			alive = true;
		if (alive) {
			pthread_cond_wait(&vm->cond, &vm->lock);
			continue;
		}
		uint64_t now = vm_now_ns();
		if (now >= deadline) {
			atomic_store(&vm->lifeless, true);
			r = -ETIMEDOUT;
			break;
		}
		uint64_t until = now + WATCHDOG_POLL_NS < deadline ? now + WATCHDOG_POLL_NS : deadline;
		struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ULL),
				       .tv_nsec = (long)(until % 1000000000ULL) };
		pthread_cond_timedwait(&vm->cond, &vm->lock, &ts);
	}
	pthread_mutex_unlock(&vm->lock);
	return r;
}
