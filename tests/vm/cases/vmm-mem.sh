#!/bin/sh
# Guest RAM: 128 MiB, and 4 GiB which crosses the 32-bit MMIO hole (RAM above
# 0xd0000000 continues at 4 GiB). The guest's /proc/meminfo and /proc/iomem
# must show it.
# ckrun-vm-build-files: tests/vmm/vmboot
# ckrun-vm-timeout: 900
. "$CKRUN_VM_LIB"
vm_require_kvm

nonce=$(vm_nonce)
vm_initramfs "$CKRUN_TMP/root" "
echo CKRUN-GUEST-MARKER $nonce memtotal_kb=\$(grep MemTotal /proc/meminfo | tr -s ' ' | cut -d' ' -f2) high=\$(grep -c '^100000000-.* : System RAM' /proc/iomem)
grep 'System RAM' /proc/iomem
reboot -f" "$CKRUN_TMP/initrd.gz"

# mem MiB, MemTotal bounds (kB), System RAM ranges starting at 4 GiB
for spec in "128 100000 131072 0" "4096 3800000 4194304 1"; do
    set -- $spec
    mem=$1 lo=$2 hi=$3 high=$4
    log=$CKRUN_TMP/console-$mem.log
    rc=0
    CKRUN_BOOT_TIMEOUT=120 bb timeout -s KILL 400 "$CKRUN_BUILD/tests/vmm/vmboot" \
        "$CKRUN_KERNEL" "$CKRUN_TMP/initrd.gz" "console=ttyS0 reboot=k panic=-1 quiet" 1 "$mem" \
        < /dev/null > "$log" 2>&1 || rc=$?
    vm_show "$log"
    [ "$rc" = 0 ] || vm_fail "$mem MiB: vmboot exit status $rc"
    line=$(bb grep "^CKRUN-GUEST-MARKER $nonce " "$log" | bb tr -d "\r"); [ -n "$line" ] || vm_fail "$mem MiB: marker not seen"
    kb=$(echo "$line" | bb sed -n 's/.* memtotal_kb=\([0-9]*\) .*/\1/p')
    [ -n "$kb" ] && [ "$kb" -ge "$lo" ] && [ "$kb" -le "$hi" ] || vm_fail "$mem MiB: MemTotal $kb kB not in [$lo, $hi]"
    echo "$line" | bb grep -q " high=$high\$" || vm_fail "$mem MiB: expected $high RAM range(s) at 4 GiB: $line"
    vm_log "$mem MiB ok (MemTotal $kb kB)"
done
