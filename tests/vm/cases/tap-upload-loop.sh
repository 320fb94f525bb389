#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-files: ../net/tap-guest.sh /usr/bin/qemu-system-x86_64 /usr/share/qemu/bios-microvm.bin /usr/share/qemu/linuxboot_dma.bin
# ckrun-vm-build-files: tests/vm/netpeer tests/virtio/test-virtio-net_tap
# ckrun-vm-timeout: 1500
# Inner-guest deaths under a tap with offloads (issue 21; docs/testing.md,
# "Inner guest deaths"): net-tap-offload's workload (16 MiB each way over a
# tap with TSO and checksum offloads, tests/vm/netpeer.c) for TAPLOOP_SECS
# (default 1200), each guest after that case's real-tap unit tests
# (TAPLOOP_UNIT=0: without), alternating ckrun (mode tap-offload) and QEMU with the same
# kernel, -cpu host and -netdev tap,vnet_hdr=on (mode tap-qemu). One line per
# guest; a guest that ends without finishing has its end printed (ckrun: the
# VMM's report with its last exits; QEMU: its console's tail). Fails when any
# guest of either VMM died: the counts per VMM are the finding.
. "$CKRUN_VM_LIB"
vm_require_kvm
secs=${TAPLOOP_SECS:-1200}
unit=${TAPLOOP_UNIT:-1} # net-tap-offload's unit tests before each guest, as that case runs them
here=$(bb dirname "$0")
root=$CKRUN_TMP/root
vm_busybox_root "$root"
bb cp "$here/../net/tap-guest.sh" "$root/tap-guest.sh"
{ echo '#!/bin/sh'; echo 'export PATH=/bin HOME=/'
  echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null'
  echo '/bin/sh /tap-guest.sh offload 16777216 0; echo "tap-guest: exit $?"'; echo 'reboot -f'; } > "$root/init.tap"
bb chmod 0755 "$root/init.tap"
initrd=$CKRUN_TMP/initrd.gz
( cd "$root" && bb find . | bb cpio -o -H newc 2>/dev/null ) | bb gzip -1 > "$initrd"
start=$(bb date +%s) n=0 runs_ckrun=0 runs_qemu=0 died_ckrun=0 died_qemu=0 other=0
while [ $(( $(bb date +%s) - start )) -lt "$secs" ]; do
    for v in ckrun qemu; do
        n=$((n + 1)) log=$CKRUN_TMP/g-$n.log t0=$(bb date +%s)
        [ "$unit" = 1 ] && { bb env CKRUN_REQUIRE_TAP=1 "$CKRUN_BUILD/tests/virtio/test-virtio-net_tap" \
            > "$CKRUN_TMP/unit.log" 2>&1 || { bb cat "$CKRUN_TMP/unit.log"; vm_fail "test-virtio-net_tap"; }; }
        T=$(bb mktemp -d "$CKRUN_TMP/net.XXXXXX")
        bb mkdir -p "$T/tmp"
        rc=0
        if [ $v = ckrun ]; then
            TMPDIR="$T/tmp" "$CKRUN_BUILD/tests/vm/netpeer" tap-offload "$CKRUN_KERNEL" "$root" "$T" \
                < /dev/null > "$log" 2>&1 || rc=$?
        else
            TMPDIR="$T/tmp" "$CKRUN_BUILD/tests/vm/netpeer" tap-qemu "$CKRUN_KERNEL" "$initrd" "$T" \
                < /dev/null > "$log" 2>&1 || rc=$?
        fi
        eval "runs_$v=\$((runs_$v + 1))"
        rate=$(bb sed -n 's/^netpeer: mode [a-z-]*: guest exit [0-9]*; //p' "$log" | bb cut -c1-160)
        if bb grep -q "tap-guest: done" "$log"; then
            echo "TAPLOOP: guest $n $v finished in $(( $(bb date +%s) - t0 )) s, netpeer status $rc: $rate"
            [ "$rc" = 0 ] || { other=$((other + 1)); bb grep '^netpeer' "$log" | bb sed 's/^/    /'; }
        else
            eval "died_$v=\$((died_$v + 1))"
            echo "TAPLOOP: guest $n $v DID NOT FINISH ($(( $(bb date +%s) - t0 )) s, netpeer status $rc); its end:"
            bb tr -d '\r' < "$log" | bb tail -n 40 | bb sed 's/^/    guest| /'
        fi
        bb rm -rf "$log" "$T"
    done
done
echo "TAPLOOP-TOTAL: ckrun $runs_ckrun guests, $died_ckrun died; qemu $runs_qemu guests, $died_qemu died; $other other failures"
[ $((died_ckrun + died_qemu + other)) -eq 0 ]
