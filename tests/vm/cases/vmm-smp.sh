#!/bin/sh
# SMP through the MP table: the guest kernel sees exactly 2 and then 4 vCPUs
# (/proc/cpuinfo) and the VM still ends cleanly with every vCPU stopped.
# ckrun-vm-build-files: tests/vmm/vmboot
# ckrun-vm-timeout: 900
. "$CKRUN_VM_LIB"
vm_require_kvm

nonce=$(vm_nonce)
vm_initramfs "$CKRUN_TMP/root" "
echo CKRUN-GUEST-MARKER $nonce cpuinfo=\$(grep -c ^processor /proc/cpuinfo) online=\$(cat /sys/devices/system/cpu/online)
reboot -f" "$CKRUN_TMP/initrd.gz"

for cpus in 2 4; do
    log=$CKRUN_TMP/console-$cpus.log
    rc=0
    CKRUN_BOOT_TIMEOUT=120 bb timeout -s KILL 400 "$CKRUN_BUILD/tests/vmm/vmboot" \
        "$CKRUN_KERNEL" "$CKRUN_TMP/initrd.gz" "console=ttyS0 reboot=k panic=-1 quiet" "$cpus" 128 \
        < /dev/null > "$log" 2>&1 || rc=$?
    vm_show "$log"
    [ "$rc" = 0 ] || vm_fail "$cpus vCPUs: vmboot exit status $rc"
    line=$(bb grep "^CKRUN-GUEST-MARKER $nonce " "$log" | bb tr -d "\r"); [ -n "$line" ] || vm_fail "$cpus vCPUs: marker not seen"
    echo "$line" | bb grep -q " cpuinfo=$cpus " || vm_fail "expected $cpus CPUs in /proc/cpuinfo: $line"
    expect_online=0-$((cpus - 1))
    echo "$line" | bb grep -q " online=$expect_online\$" || vm_fail "expected CPUs $expect_online online: $line"
    bb grep -q "^vmboot: rc=0 exit_code=0 end=reset " "$log" || vm_fail "$cpus vCPUs: VM did not end cleanly"
    vm_log "$cpus vCPUs ok"
done
