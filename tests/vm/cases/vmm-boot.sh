#!/bin/sh
# ckrun's own VMM boots the guest kernel (1 vCPU, 128 MiB) with a busybox
# initramfs: /init writes the boot-marker port, prints a marker with a nonce
# on the serial console and reboots; the VMM must return 0 with the guest's
# exit ("end=reset"). Also reports the times to the boot marker and to the end.
# ckrun-vm-build-files: tests/vmm/vmboot tests/vmm/guest-marker
# ckrun-vm-timeout: 600
. "$CKRUN_VM_LIB"
vm_require_kvm

nonce=$(vm_nonce)
bb mkdir -p "$CKRUN_TMP/root/bin"
bb cp "$CKRUN_BUILD/tests/vmm/guest-marker" "$CKRUN_TMP/root/bin/guest-marker"
vm_initramfs "$CKRUN_TMP/root" "
/bin/guest-marker || echo 'guest-marker failed (kernel without X86_IOPL_IOPERM?)'
echo CKRUN-GUEST-MARKER $nonce cpus=\$(nproc) memtotal_kb=\$(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2)
reboot -f" "$CKRUN_TMP/initrd.gz"

rc=0
CKRUN_BOOT_TIMEOUT=120 bb timeout -s KILL 500 "$CKRUN_BUILD/tests/vmm/vmboot" \
    "$CKRUN_KERNEL" "$CKRUN_TMP/initrd.gz" "console=ttyS0 reboot=k panic=-1 quiet" 1 128 \
    < /dev/null > "$CKRUN_TMP/console.log" 2>&1 || rc=$?
vm_show "$CKRUN_TMP/console.log"

[ "$rc" = 0 ] || vm_fail "vmboot exit status $rc"
line=$(bb grep "^CKRUN-GUEST-MARKER $nonce " "$CKRUN_TMP/console.log" | bb tr -d "\r"); [ -n "$line" ] || vm_fail "marker not seen on the guest console"
echo "$line" | bb grep -q " cpus=1 " || vm_fail "expected 1 CPU: $line"
res=$(bb grep "^vmboot: " "$CKRUN_TMP/console.log") || vm_fail "no vmboot result line"
echo "$res" | bb grep -q " rc=0 exit_code=0 end=reset " || vm_fail "unexpected end: $res"
vm_log "boot ok: $res"
