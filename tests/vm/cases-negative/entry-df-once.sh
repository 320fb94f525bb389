#!/bin/sh
# Stands in for a test whose inner guest took the double fault at its syscall
# entry that the nested virtualisation stack causes (docs/testing.md, "Inner
# guest deaths"): prints the guest kernel's report as a failing test shows its
# console, and fails on the first try only. With argument "elsewhere" the
# same report names another RIP: that death is not proven outside ckrun and
# must not be retried.
# ckrun-vm-timeout: 30
name=entry-df-once rip=${CKRUN_VM_SYSCALL_ENTRY:-}
[ "${1:-}" = elsewhere ] && { name=df-elsewhere rip=ffffffff81000123; }
[ -n "$rip" ] || { echo "$name: FAIL: the runner named no syscall entry"; exit 1; }
case " ${CKRUN_VM_RETRIED:-} " in
*" $name "*)
	echo "$name: retried, the guest reported its status"
	exit 0 ;;
esac
echo "    guest| traps: PANIC: double fault, error_code: 0x0"
echo "    guest| double fault: 0000 [#1] SMP"
echo "    guest| RIP: 0010:0x$rip"
echo "    guest| Kernel panic - not syncing: Fatal exception in interrupt"
echo "    guest| ckrun: the guest ended without its init reporting an exit status (it reset through the keyboard controller: a guest kernel panic?); exit status 0, as in libkrun"
echo "$name: FAIL: no result from the guest"
exit 1
