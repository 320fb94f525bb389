#!/bin/sh
# Benchmark (not a test): ckrun's VMM booting the guest kernel with a busybox
# initramfs whose /init writes the boot marker and reboots at once.
# Reports, per run, the wall time from ckrun_vm_run's start to the guest's
# boot marker and to the VM's end, and the VMM's own memory (process RSS at
# the end minus the guest RAM pages it holds). For a ratio, the same kernel
# and initramfs under QEMU (-M microvm, -accel kvm) in the same machine.
# Run it through the VM runner (inside the TCG test host on PVM machines):
#   tests/vm/run BUILD_DIR bench/vmm-boot.sh
# ckrun-vm-build-files: tests/vmm/vmboot tests/vmm/guest-marker
# ckrun-vm-files: /usr/bin/qemu-system-x86_64 /usr/share/qemu/bios-microvm.bin /usr/share/qemu/linuxboot_dma.bin
# ckrun-vm-timeout: 900
. "$CKRUN_VM_LIB"
vm_require_kvm
RUNS=${VMM_BENCH_RUNS:-3}

bb mkdir -p "$CKRUN_TMP/root/bin"
bb cp "$CKRUN_BUILD/tests/vmm/guest-marker" "$CKRUN_TMP/root/bin/guest-marker"
vm_initramfs "$CKRUN_TMP/root" "
/bin/guest-marker
echo CKRUN-BENCH-GUEST uptime=\$(cut -d' ' -f1 /proc/uptime)
reboot -f" "$CKRUN_TMP/initrd.gz"

i=0
while [ $i -lt "$RUNS" ]; do
    i=$((i + 1))
    log=$CKRUN_TMP/ckrun-$i.log
    CKRUN_BOOT_TIMEOUT=120 bb timeout -s KILL 300 "$CKRUN_BUILD/tests/vmm/vmboot" \
        "$CKRUN_KERNEL" "$CKRUN_TMP/initrd.gz" "console=ttyS0 reboot=k panic=-1 quiet" 1 128 \
        < /dev/null > "$log" 2>&1 || vm_fail "ckrun run $i failed: $(bb tail -5 "$log")"
    res=$(bb grep "^vmboot: " "$log")
    set -- $(echo "$res" | bb sed 's/.*marker_ms=\([^ ]*\) end_ms=\([^ ]*\) done_ms=\([^ ]*\) rss_kib=\([0-9]*\) guest_rss_kib=\([0-9]*\).*/\1 \2 \3 \4 \5/')
    echo "CKRUN-BENCH: ckrun run=$i marker_ms=$1 end_ms=$2 done_ms=$3 rss_kib=$4 guest_rss_kib=$5 vmm_rss_kib=$(($4 - $5)) $(bb grep CKRUN-BENCH-GUEST "$log")"
done

i=0
while [ $i -lt "$RUNS" ]; do
    i=$((i + 1))
    log=$CKRUN_TMP/qemu-$i.log
    t0=$(bb date +%s%N)
    bb timeout -s KILL 300 qemu-system-x86_64 -M microvm,isa-serial=on,acpi=off -accel kvm -cpu qemu64 \
        -m 128 -smp 1 -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
        -kernel "$CKRUN_KERNEL" -initrd "$CKRUN_TMP/initrd.gz" \
        -append "console=ttyS0 reboot=t panic=-1 quiet" < /dev/null > "$log" 2>&1 || vm_fail "qemu run $i failed"
    t1=$(bb date +%s%N)
    echo "CKRUN-BENCH: qemu run=$i end_ms=$(( (t1 - t0) / 1000000 )) $(bb grep CKRUN-BENCH-GUEST "$log")"
done
