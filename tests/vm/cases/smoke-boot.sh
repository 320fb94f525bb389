#!/bin/sh
# Smoke: the project's guest kernel boots under KVM with a busybox root; a
# command in the guest prints a marker carrying a nonce from this test and
# exits with 7; the test checks both. The VMM is $CKRUN_VMM (default: QEMU
# -M microvm); smoke-boot-ckrun runs the same with ckrun's own VMM.
# ckrun-vm-files: /usr/bin/qemu-system-x86_64 /usr/share/qemu/bios-microvm.bin /usr/share/qemu/linuxboot_dma.bin
# ckrun-vm-timeout: 480
. "$CKRUN_VM_LIB"
vm_require_kvm

nonce=$(vm_nonce)
vm_busybox_root "$CKRUN_TMP/root"

t0=$(bb date +%s)
rc=0
vm_run "$CKRUN_TMP/root" "$CKRUN_TMP/console.log" 420 \
    /bin/sh -c "echo CKRUN-GUEST-MARKER $nonce uptime=\$(cut -d' ' -f1 /proc/uptime) cpus=\$(nproc); exit 7" || rc=$?
t1=$(bb date +%s)
vm_show "$CKRUN_TMP/console.log"
vm_log "VMM ${CKRUN_VMM:-qemu}: guest command status $rc after $((t1 - t0)) s"

bb grep -q "CKRUN-GUEST-MARKER $nonce " "$CKRUN_TMP/console.log" || vm_fail "marker not seen on the guest console"
[ "$rc" = 7 ] || vm_fail "guest command status $rc, expected 7"
vm_log "guest ran the command and powered off"
