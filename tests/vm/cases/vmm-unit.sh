#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/vmm/test-vmm-run tests/vmm/test-vmm-privs_vm tests/vmm/test-vmm-preload tests/vmm/test-vmm-krunfw tests/vmm/libkrunfw.so.5
# ckrun-vm-timeout: 300
# The VMM unit tests that boot hand-made tiny guests (the reset and triple-fault
# exits and the registers printed after a fault, several vCPUs, the watchdog,
# setup failures without leaks, the privilege drop on the vCPU threads, the
# preloaded kernel, the libkrunfw bundle) need a /dev/kvm that opens. Where none
# does (a container, a PVM host) the unit suite can only skip them, so they run
# here, where KVM works, with CKRUN_REQUIRE_KVM=1: a test that would skip fails.
. "$CKRUN_VM_LIB"
vm_require_kvm
b=$CKRUN_BUILD/tests/vmm
# name, then VAR=VALUE... for its environment
unit() {
	name=$1
	shift
	rc=0
	bb env CKRUN_REQUIRE_KVM=1 "$@" "$b/$name" > "$CKRUN_TMP/$name.log" 2>&1 || rc=$?
	vm_show "$CKRUN_TMP/$name.log"
	[ "$rc" = 0 ] || vm_fail "$name: exit status $rc"
	! bb grep -q "SKIPPED" "$CKRUN_TMP/$name.log" || vm_fail "$name: a test was skipped"
	bb grep -q "PASSED" "$CKRUN_TMP/$name.log" || vm_fail "$name: no PASSED line"
}
unit test-vmm-run
unit test-vmm-privs_vm
unit test-vmm-preload
unit test-vmm-krunfw LD_LIBRARY_PATH="$b" CKRUN_KERNEL=/nonexistent/ckrun/vmlinuz
vm_log "the KVM-needing VMM unit tests ran, none skipped"
