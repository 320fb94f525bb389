#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/fs/dax-run tests/fs/dax-guest
# ckrun-vm-timeout: 1500
# DAX benchmark (bench/dax.md), not a correctness test: sequential (1 MiB
# pread) and random (4 KiB pread, $DAX_BENCH_OPS of them) reads, and the same
# through mmap, of one $DAX_BENCH_MIB MiB file: natively on the (test) host,
# in a guest without DAX, and in a guest with dax=always. The guest's page
# cache is dropped before each run. Passes when every figure was produced.
# Inside the TCG test host every figure is emulated: compare ratios only.
. "$CKRUN_VM_LIB"
vm_require_kvm
MIB=${DAX_BENCH_MIB:-64}
OPS=${DAX_BENCH_OPS:-4096}
T=$(bb mktemp -d "$CKRUN_TMP/dax-bench.XXXXXX")
root="$T/root"
data="$T/data"
vm_busybox_root "$root"
bb mkdir -p "$root/mnt" "$data"
bb cp "$CKRUN_BUILD/tests/fs/dax-guest" "$root/bin/dax-guest"
bb dd if=/dev/urandom of="$data/f" bs=1048576 count="$MIB" 2>/dev/null
G="$CKRUN_BUILD/tests/fs/dax-guest"

vm_log "file: $MIB MiB; random reads: $OPS x 4 KiB"
for m in seq rand mmap-seq mmap-rand; do
	echo "RESULT native $("$G" bench "$data/f" "$m" "$OPS")"
done

for v in "nodax 0" "dax 1024"; do
	set -- $v
	name=$1 shm=$2
	mopt=""
	[ "$shm" = 0 ] || mopt="-o dax=always"
	# The command line carries the workload's arguments (no '"'): run a script file.
	bb cat >"$root/test.sh" <<SCRIPT
mount -t virtiofs $mopt data /mnt || exit 90
grep " /mnt " /proc/mounts
for m in seq rand mmap-seq mmap-rand; do
	sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
	echo "RESULT $name \$(dax-guest bench /mnt/f \$m $OPS)"
done
exit 0
SCRIPT
	log="$T/$name.log"
	t0=$(bb date +%s)
	rc=0
	bb timeout 1200 "$CKRUN_BUILD/tests/fs/dax-run" "$CKRUN_KERNEL" "$root" 512 "$data" data rw "$shm" \
		/bin/sh /test.sh >"$log" 2>&1 || rc=$?
	vm_show "$log"
	[ "$rc" -eq 0 ] || vm_fail "$name: guest exit status $rc"
	vm_log "$name: VM total $(($(bb date +%s) - t0)) s"
	n=$(bb grep -c "^RESULT $name bench" "$log")
	[ "$n" -eq 4 ] || vm_fail "$name: $n of 4 results"
	bb grep "^RESULT" "$log"
done
bb rm -rf "$T"
