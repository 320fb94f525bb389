#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-files: /usr/bin/qemu-system-x86_64 /usr/share/qemu/bios-microvm.bin /usr/share/qemu/linuxboot_dma.bin
# ckrun-vm-timeout: 1200
# Probe for the double fault at the guest's syscall entry (issue 21;
# docs/testing.md, "Inner guest deaths"): for 900 s, guests alternately
# under ckrun and under QEMU with -cpu host (SMAP on, as ckrun's guests
# have; the bench's qemu64 has none) each make 1.2 million system calls
# (dd with 1-byte blocks) while a second process floods the console, for
# exits and interrupts, and the test host compacts its memory every 0.2 s,
# which moves guest pages under the nested page tables. One line per guest;
# a guest that does not finish has its console (without the flood) printed,
# and the case fails.
. "$CKRUN_VM_LIB"
vm_require_kvm
secs=${SYSC_SECS:-900}
root=$CKRUN_TMP/root
vm_busybox_root "$root"
bb ln -sf busybox "$root/bin/dd"
flood='while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done'
work="($flood) > /dev/console & i=0; while [ \$i -lt 6 ]; do dd if=/dev/zero of=/dev/null bs=1 count=100000 2>/dev/null; i=\$((i+1)); done; echo SYSC-\$((6 * 7))-DONE; kill \$!"
( while :; do echo 1 > /proc/sys/vm/compact_memory; bb sleep 0.2; done ) &
compactor=$!
trap 'kill $compactor 2>/dev/null' EXIT
qemu_host() { # LOG
    { echo '#!/bin/sh'; echo 'export PATH=/bin HOME=/'
      echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null'
      echo "$work"; echo 'reboot -f'; } > "$root/init.sysc"
    bb chmod 0755 "$root/init.sysc"
    ( cd "$root" && bb find . | bb cpio -o -H newc 2>/dev/null ) | bb gzip -1 > "$CKRUN_TMP/initrd.gz"
    bb timeout -s KILL 300 qemu-system-x86_64 -M microvm,isa-serial=on,acpi=off -accel kvm -cpu host \
        -m 128 -smp 1 -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
        -kernel "$CKRUN_KERNEL" -initrd "$CKRUN_TMP/initrd.gz" \
        -append "console=ttyS0 reboot=t panic=-1 quiet rdinit=/init.sysc" < /dev/null > "$1" 2>&1
}
start=$(bb date +%s) n=0 runs_ckrun=0 runs_qemu=0 died_ckrun=0 died_qemu=0
while [ $(( $(bb date +%s) - start )) -lt "$secs" ]; do
    for v in ckrun qemu; do
        n=$((n + 1)) log=$CKRUN_TMP/g-$n.log t0=$(bb date +%s)
        if [ $v = ckrun ]; then
            CKRUN_VMM=ckrun vm_run "$root" "$log" 300 /bin/sh -c "$work" > /dev/null 2>&1 || true
        else
            qemu_host "$log" || true
        fi
        eval "runs_$v=\$((runs_$v + 1))"
        if bb grep -q "SYSC-42-DONE" "$log"; then
            echo "SYSC: guest $n $v finished in $(( $(bb date +%s) - t0 )) s"
        else
            eval "died_$v=\$((died_$v + 1))"
            echo "SYSC: guest $n $v DID NOT FINISH ($(( $(bb date +%s) - t0 )) s); its console:"
            bb grep -v xxxxxxxx "$log" | bb tail -n 40 | bb sed 's/^/    guest| /'
        fi
        bb rm -f "$log" "$log.launcher"
    done
done
echo "SYSC-TOTAL: ckrun $runs_ckrun guests, $died_ckrun died; qemu -cpu host $runs_qemu guests, $died_qemu died"
[ $((died_ckrun + died_qemu)) -eq 0 ]
