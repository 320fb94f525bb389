#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Tap throughput with and without offloads (a bench case, not a test):
# tests/vm/netpeer.c's tap-offload (krun_add_net_tap with COMPAT_NET_FEATURES
# | GUEST_TSO6 | HOST_TSO6) and tap-bulk (features 0) on a tap in a private
# network namespace of the test host, alternating, ROUNDS times each; in
# each, the 16 MiB verified transfer each way (netpeer prints its rate) and
# iperf3 -c for SECS s up and down (-R) against an iperf3 server on the
# tap's host address. Run: CKRUN_VM_LOCK=... tests/vm/run build bench/net-tap.sh
# ckrun-vm-files: ../tests/vm/net/tap-guest.sh /usr/bin/iperf3
# ckrun-vm-build-files: tests/vm/netpeer
# ckrun-vm-timeout: 1500
. "$CKRUN_VM_LIB"
ROUNDS=2 SECS=10
here=$(bb dirname "$0")
root=$CKRUN_TMP/root
vm_busybox_root "$root"
bb cp "$here/../tests/vm/net/tap-guest.sh" "$root/tap-guest.sh"
bb mkdir -p "$root/usr/bin"
bb cp /usr/bin/iperf3 "$root/usr/bin/iperf3"
bb ln -sf ../usr/bin/iperf3 "$root/bin/iperf3"
for lib in $(LD_TRACE_LOADED_OBJECTS=1 /usr/bin/iperf3 | bb sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
    bb mkdir -p "$root$(bb dirname "$lib")"
    bb cp -L "$lib" "$root$lib"
done
i=0
while [ $i -lt $ROUNDS ]; do
    i=$((i + 1))
    for mode in tap-offload tap-bulk; do
        T=$(bb mktemp -d "$CKRUN_TMP/net.XXXXXX")
        bb mkdir -p "$T/tmp"
        TMPDIR="$T/tmp" NETPEER_IPERF3=/usr/bin/iperf3 NETPEER_IPERF_SECS=$SECS \
            "$CKRUN_BUILD/tests/vm/netpeer" $mode "$CKRUN_KERNEL" "$root" "$T" </dev/null > "$T/out" 2>&1
        rc=$?
        bb grep -E '^netpeer: mode|iperf3' "$T/out" | bb sed "s/^/BENCH-TAP round $i: /"
        [ $rc = 0 ] || { vm_show "$T/out"; vm_fail "netpeer $mode"; }
    done
done
