#!/bin/sh
# Setup failures give a clear negative errno and a message, never a hang:
# a corrupt kernel (-ENOEXEC), a missing initramfs (-ENOENT), too much RAM
# (-EINVAL: beyond the guest address space). Leaks are checked by the unit
# test vmm-run (fds, threads, mappings).
# ckrun-vm-build-files: tests/vmm/vmboot
# ckrun-vm-timeout: 120
. "$CKRUN_VM_LIB"
vm_require_kvm

vm_initramfs "$CKRUN_TMP/root" "reboot -f" "$CKRUN_TMP/initrd.gz"
echo "not a kernel" > "$CKRUN_TMP/corrupt"
vmboot=$CKRUN_BUILD/tests/vmm/vmboot

expect() { # name errno args...
    name=$1 want=$2
    shift 2
    rc=0
    bb timeout -s KILL 60 "$vmboot" "$@" < /dev/null > "$CKRUN_TMP/$name.log" 2>&1 || rc=$?
    vm_show "$CKRUN_TMP/$name.log"
    [ "$rc" = 1 ] || vm_fail "$name: exit status $rc, expected 1"
    bb grep -q "^vmboot: rc=$want " "$CKRUN_TMP/$name.log" || vm_fail "$name: expected rc=$want"
    bb grep -q "^ckrun: " "$CKRUN_TMP/$name.log" || vm_fail "$name: no explanation on stderr"
    vm_log "$name -> $want ok"
}
expect corrupt-kernel -8 "$CKRUN_TMP/corrupt" "$CKRUN_TMP/initrd.gz" - 1 128
expect missing-kernel -2 "$CKRUN_TMP/nonexistent" "$CKRUN_TMP/initrd.gz" - 1 128
expect missing-initramfs -2 "$CKRUN_KERNEL" "$CKRUN_TMP/nonexistent.gz" - 1 128
expect too-much-ram -22 "$CKRUN_KERNEL" "$CKRUN_TMP/initrd.gz" - 1 4294967295
