#!/bin/sh
# A guest that dies without its init reporting a status (here: init=/bin/false,
# so the kernel panics "Attempted to kill init!" and panic=-1 reboots it) ends
# the VM cleanly with status 0, libkrun's contract, and ckrun says on stderr
# that no status was reported. The same root with the embedded init gives the
# workload's own status.
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 400
. "$CKRUN_VM_LIB"
vm_require_kvm
root=$CKRUN_TMP/root
vm_busybox_root "$root"
bb ln -s busybox "$root/bin/false"
run=$CKRUN_BUILD/examples/ckrun-run

rc=0
CKRUN_BOOT_TIMEOUT=150 bb timeout -s KILL 300 "$run" --kernel "$CKRUN_KERNEL" \
    --kernel-cmdline "reboot=k panic=-1 console=hvc0 root=/dev//dev/root rootfstype=virtiofs init=/bin/false" \
    "$root" < /dev/null > "$CKRUN_TMP/panic.log" 2>&1 || rc=$?
vm_show "$CKRUN_TMP/panic.log"
[ "$rc" = 0 ] || vm_fail "a guest kernel panic ended with status $rc, expected 0 (libkrun's contract)"
bb grep -q "ended without its init reporting an exit status" "$CKRUN_TMP/panic.log" ||
    vm_fail "no message about the missing exit status"

rc=0
CKRUN_BOOT_TIMEOUT=150 bb timeout -s KILL 300 "$run" --kernel "$CKRUN_KERNEL" \
    "$root" -- /bin/sh -c 'exit 7' < /dev/null > "$CKRUN_TMP/ok.log" 2>&1 || rc=$?
vm_show "$CKRUN_TMP/ok.log"
[ "$rc" = 7 ] || vm_fail "the workload's own status: got $rc, expected 7"
vm_log "guest panic -> 0 and a message, workload exit 7 -> 7"
