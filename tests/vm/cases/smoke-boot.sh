#!/bin/sh
# Smoke: the project's guest kernel boots under KVM with a busybox initramfs
# whose /init prints a marker (with a nonce from this test) and powers off.
# The VMM is QEMU (-M microvm); set CKRUN_VMM=ckrun to boot it with ckrun's
# own VMM instead (see smoke-boot-ckrun.sh).
# ckrun-vm-files: /usr/bin/qemu-system-x86_64 /usr/share/qemu/bios-microvm.bin /usr/share/qemu/linuxboot_dma.bin
# ckrun-vm-timeout: 300
. "$CKRUN_VM_LIB"
vm_require_kvm

nonce=$(vm_nonce)
vm_busybox_root "$CKRUN_TMP/root" "
echo CKRUN-GUEST-MARKER $nonce uptime=\$(cut -d' ' -f1 /proc/uptime) cpus=\$(nproc)
reboot -f"
vm_make_initramfs "$CKRUN_TMP/root" "$CKRUN_TMP/initrd.gz"

t0=$(bb date +%s)
rc=0
vm_boot "$CKRUN_KERNEL" "$CKRUN_TMP/initrd.gz" "quiet" "$CKRUN_TMP/console.log" 240 || rc=$?
t1=$(bb date +%s)
vm_show "$CKRUN_TMP/console.log"
vm_log "VMM ${CKRUN_VMM:-qemu} exited with $rc after $((t1 - t0)) s"

bb grep -q "CKRUN-GUEST-MARKER $nonce " "$CKRUN_TMP/console.log" || vm_fail "marker not seen on the guest console"
[ "$rc" = 0 ] || vm_fail "VMM exit status $rc (expected 0 after the guest's reboot -f)"
vm_log "guest reached /init and powered off"
