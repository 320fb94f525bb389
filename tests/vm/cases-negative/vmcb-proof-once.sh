#!/bin/sh
# Stands in for a test whose inner guest triple-faulted (docs/testing.md,
# "Inner guest deaths"): prints ckrun's line for the death, the test host's
# record of the guest's VMCB (testhost/init's kprobe) and the page walker's
# verdict on the guest's RAM as the real ones read, and fails on the first
# try only. Modes (argument):
#   (none)    an interrupt delivered inside the guest by the emulated CPU
#             (EXITINTINFO exception type, vector 0xec): retried
#   idt       an injected interrupt whose delivery could not read the IDT
#             (CR2 = the #DF gate) that ptwalk finds intact: retried
#   unproven  the same with ptwalk finding the IDT unmapped: a cause inside
#             the guest's memory, so possibly ckrun's: not retried
# ckrun-vm-timeout: 30
name=vmcb-proof-once info=0x800003ec verdict=
case "${1:-}" in
idt) name=vmcb-idt-once info=0x80000023 verdict=idt-intact ;;
unproven) name=vmcb-unproven info=0x80000023 verdict=idt-broken ;;
esac
case " ${CKRUN_VM_RETRIED:-} " in
*" $name "*)
	echo "$name: retried, the guest reported its status"
	exit 0 ;;
esac
echo "    guest| ckrun: the guest ended without its init reporting an exit status (a triple fault or shutdown exit); exit status 0, as in libkrun"
echo "CKRUN-HOST: KVM trace:  netpeer-999 [000] .....  99.000001: kvm_exit: vcpu 0 reason shutdown rip 0x428875 info1 0x0000000000000000 info2 0x0000000000000000 intr_info $info error_code 0x00000000"
echo "CKRUN-HOST: KVM trace:  netpeer-999 [000] .....  99.000002: vmcb_at_shutdown: (shutdown_interception+0x0/0x50 [kvm_amd]) rip=0x428875 rflags=0x287 cs=0x33 cpl=3 ss=0x2b rsp=0x7ffe7b0488a8 rax=0x0 cr0=0x80050033 cr2=0xfffffe0000000080 cr3=0x2288000 cr4=0x3106b0 efer=0xd01 gs_base=0x0 kernel_gs_base=0xffff88800f800000 idtr=0xfffffe0000000000 idtr_limit=0xfff gdtr=0xfffffe0000001000 tr_base=0xfffffe0000003000 exit_int_info=$info exit_int_info_err=0x0 int_state=0x0 int_ctl=0x0"
[ -n "$verdict" ] && echo "CKRUN-HOST: ptwalk: verdict: $verdict"
echo "$name: FAIL: no result from the guest"
exit 1
