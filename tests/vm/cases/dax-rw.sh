#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/fs/dax-run tests/fs/dax-guest
# ckrun-vm-timeout: 600
# virtio-fs DAX on a read-write share (issue 9): a 2 GiB DAX window on a
# 512 MiB guest; the guest mounts the share with dax=always, checks that the
# files really are DAX (statx STATX_ATTR_DAX), reads a 64 MiB file through
# mmap and prints its checksum (must equal the host's), then stores a string
# through a MAP_SHARED mapping that the host must see in the file afterwards.
. "$CKRUN_VM_LIB"
vm_require_kvm
T=$(bb mktemp -d "$CKRUN_TMP/dax-rw.XXXXXX")
root="$T/root"
data="$T/data"
vm_busybox_root "$root"
bb mkdir -p "$root/mnt" "$data"
bb cp "$CKRUN_BUILD/tests/fs/dax-guest" "$root/bin/dax-guest"
bb dd if=/dev/urandom of="$data/big" bs=1048576 count=64 2>/dev/null
bb dd if=/dev/zero of="$data/w" bs=4096 count=4 2>/dev/null
want=$("$CKRUN_BUILD/tests/fs/dax-guest" sum "$data/big")
nonce=$(vm_nonce)
vm_log "host: big = $want; nonce $nonce"

log="$T/console.log"
rc=0
# The command line carries the workload's arguments (no '"'): run a script file.
bb cat >"$root/test.sh" <<SCRIPT
	mount -t virtiofs -o dax=always data /mnt || mount -t virtiofs -o dax data /mnt || exit 90
	grep " /mnt " /proc/mounts
	busybox dmesg | grep -i -e "cache len" -e dax
	dax-guest isdax /mnt/big || exit 91
	echo "GUEST-SUM \$(dax-guest sum /mnt/big)"
	dax-guest write /mnt/w 4100 "written-through-dax-$nonce" || exit 92
	umount /mnt || exit 93
	echo GUEST-DONE
SCRIPT
bb timeout 540 "$CKRUN_BUILD/tests/fs/dax-run" "$CKRUN_KERNEL" "$root" 512 "$data" data rw 2048 \
	/bin/sh /test.sh >"$log" 2>&1 || rc=$?
vm_show "$log" 2>/dev/null || bb cat "$log"
[ "$rc" -eq 0 ] || vm_fail "guest exit status $rc"
got=$(bb sed -n 's/^GUEST-SUM //p' "$log" | bb tr -d '\r')
[ "$got" = "$want" ] || vm_fail "guest checksum '$got' != host '$want'"
s="written-through-dax-$nonce"
at=$(bb dd if="$data/w" bs=1 skip=4100 count=${#s} 2>/dev/null)
[ "$at" = "$s" ] || vm_fail "the host file has '$at' at offset 4100, not the guest's store '$s'"
vm_log "PASS: 64 MiB read through DAX matches ($got); guest store visible on the host at offset 4100"
bb rm -rf "$T"
