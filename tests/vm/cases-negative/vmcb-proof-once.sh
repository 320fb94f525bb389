#!/bin/sh
# Stands in for a test whose inner guest triple-faulted while the test host's
# emulated CPU delivered an interrupt inside it (docs/testing.md, "Inner guest
# deaths"): prints ckrun's line for the death and the test host's record of
# the guest's VMCB (testhost/init's kprobe) as the real ones read, and fails
# on the first try only. With argument "unproven" the record shows a page
# fault with interrupts on: nothing there proves the cause outside ckrun, so
# it must not be retried.
# ckrun-vm-timeout: 30
name=vmcb-proof-once info=0x800003ec
[ "${1:-}" = unproven ] && { name=vmcb-unproven info=0x8000030e; }
case " ${CKRUN_VM_RETRIED:-} " in
*" $name "*)
	echo "$name: retried, the guest reported its status"
	exit 0 ;;
esac
echo "    guest| ckrun: the guest ended without its init reporting an exit status (a triple fault or shutdown exit); exit status 0, as in libkrun"
echo "CKRUN-HOST: KVM trace:  netpeer-999 [000] .....  99.000001: kvm_exit: vcpu 0 reason shutdown rip 0xffffffff81169d12 info1 0x0000000000000000 info2 0x0000000000000000 intr_info $info error_code 0x00000000"
echo "CKRUN-HOST: KVM trace:  netpeer-999 [000] .....  99.000002: vmcb_at_shutdown: (shutdown_interception+0x0/0x50 [kvm_amd]) rip=0xffffffff81169d12 rflags=0x246 cs=0x10 cpl=0 ss=0x18 rsp=0xffff88800f805f38 rax=0x0 cr0=0x80050033 cr2=0x0 cr3=0x2000000 cr4=0x3106b0 efer=0xd01 gs_base=0xffff88800f800000 kernel_gs_base=0x0 idtr=0xfffffe0000000000 idtr_limit=0xfff gdtr=0xfffffe0000001000 tr_base=0xfffffe0000003000 exit_int_info=$info exit_int_info_err=0x0 int_state=0x0 int_ctl=0x0"
echo "$name: FAIL: no result from the guest"
exit 1
