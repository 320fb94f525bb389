#!/bin/sh
# CI check of the benchmark's file workloads without a VM (meson test
# --benchmark): runs bench/bench-guest.sh in native mode at a tiny size on a
# scratch directory with busybox, as bench/vm-compare.sh does in the test
# host, and checks that every workload reported a figure and that
# bench/summary.awk reads the result line.
#   bench/native-smoke.sh BUILD_DIR BUSYBOX
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$1 busybox=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/root/bin" "$t/root/data/tree/d0" "$t/ro/src" "$t/ro/tree/d0"
cp "$busybox" "$t/root/bin/busybox"
for a in dd sync ls rm mkdir sleep mount umount tar grep cat; do ln -s busybox "$t/root/bin/$a"; done
cp "$build/bench/randread" "$t/root/bin/randread"
: > "$t/root/data/tree/d0/f0"; : > "$t/ro/tree/d0/f0"
tar -C "$here/.." -cf "$t/root/src.tar" bench
tar -xf "$t/root/src.tar" -C "$t/ro/src"
dd if=/dev/zero of="$t/ro/f" bs=1M count=1 2>/dev/null
# no cache dropping: a smoke test must not disturb the machine (and may not be root)
BENCH_NODROP=1 "$busybox" sh "$here/bench-guest.sh" native 1 20 50 "$t/root" "$t/ro" > "$t/out" 2>&1 || { cat "$t/out"; exit 1; }
cat "$t/out"
grep -q BENCH-DONE "$t/out" || { echo "no BENCH-DONE"; exit 1; }
for m in seqwrite_ms seqread_ms ro_seqread_ms randread_us ro_randread_us create_ms stat_ms unlink_ms lsR_ms \
        ro_lsR_ms tar_ms grep_ms ro_grep_ms; do
    grep -q "^BENCH-RES $m [0-9][0-9]*$" "$t/out" || { echo "no figure for $m"; exit 1; }
done
# summary.awk over made-up lines with these metrics: native v+1, QEMU 2(v+1), ckrun 3(v+1)
sed -n 's/^BENCH-RES \([a-z_A-Z]*\) \([0-9]*\)$/\1 \2/p' "$t/out" | awk '
    { n = n " " $1 "=" $2 + 1; q = q " " $1 "=" 2 * ($2 + 1); c = c " " $1 "=" 3 * ($2 + 1) }
    END { print "BENCH: vmm=ckrun pair=1 mode=all rc=0" c; print "BENCH: vmm=qemu pair=1 mode=all rc=0" q
          print "BENCH: vmm=native pair=1 mode=all rc=0" n }' | awk -f "$here/summary.awk" > "$t/sum"
cat "$t/sum"
grep -q "^BENCH-SUMMARY: randread_us .*| 1.500 \[1.500,1.500\] 1 *| 3.000 \[3.000,3.000\] 1 *| 2.000 \[2.000,2.000\] 1" "$t/sum" \
    || { echo "summary.awk: wrong ratios"; exit 1; }
echo "native-smoke: ok"
