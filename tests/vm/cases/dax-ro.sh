#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/fs/dax-run tests/fs/dax-guest
# ckrun-vm-timeout: 600
# virtio-fs DAX on a READ-ONLY share (issue 9). The guest mounts the share
# with dax=always (and without -o ro: only the host enforces read-only):
#  1. reads through DAX work: a 16 MiB file read through mmap has the host's
#     checksum, and statx reports STATX_ATTR_DAX;
#  2. writes fail: a MAP_SHARED writable mapping (open O_RDWR) and a plain
#     write both get EROFS;
#  3. a hostile store: root in the guest writes through /dev/mem straight into
#     the DAX window, where the host mapped the file PROT_READ. KVM cannot
#     satisfy a write fault on a read-only host mapping. A 6.1 host KVM (the
#     test host's) fails KVM_RUN with EFAULT and ckrun ends the VM with an
#     error; a newer one (seen on 6.18) emulates the store as an MMIO write,
#     which no device claims and the VMM drops, and the guest reads the old
#     bytes back (docs/security.md, "DAX"). Either is a pass. The VMM process
#     must end normally (no signal) and the host file must be byte-for-byte
#     unchanged.
. "$CKRUN_VM_LIB"
vm_require_kvm
T=$(bb mktemp -d "$CKRUN_TMP/dax-ro.XXXXXX")
root="$T/root"
data="$T/data"
vm_busybox_root "$root"
bb mkdir -p "$root/mnt" "$data"
bb cp "$CKRUN_BUILD/tests/fs/dax-guest" "$root/bin/dax-guest"
printf 'ABCDfirst bytes of the file the guest maps first\n' >"$data/first"
bb dd if=/dev/urandom of="$data/big" bs=1048576 count=16 2>/dev/null
want=$("$CKRUN_BUILD/tests/fs/dax-guest" sum "$data/big")
before=$(bb sha256sum "$data/first" "$data/big")

log="$T/console.log"
rc=0
# The command line carries the workload's arguments (no '"'): run a script file.
bb cat >"$root/test.sh" <<'SCRIPT'
	mount -t virtiofs -o dax=always data /mnt || mount -t virtiofs -o dax data /mnt || exit 90
	# map "first" before anything else: its 2 MiB chunk takes window offset 0
	dax-guest sum /mnt/first || exit 91
	dax-guest isdax /mnt/big || exit 92
	echo "GUEST-SUM $(dax-guest sum /mnt/big)"
	if dax-guest write /mnt/first 0 XXXX; then echo "GUEST-WRITE-MAPPING-SUCCEEDED"; exit 93; fi
	if echo x >/mnt/first; then echo "GUEST-WRITE-SUCCEEDED"; exit 94; fi
	echo GUEST-WRITES-REFUSED
	base=$(busybox dmesg | sed -n "s/.*Cache len: 0x[0-9a-f]* @ \(0x[0-9a-f]*\).*/\1/p" | head -n 1)
	[ -n "$base" ] || exit 95
	[ -e /dev/mem ] || busybox mknod /dev/mem c 1 1
	echo "GUEST-WINDOW $base"
	# the first 4 bytes at window offset 0, as the guest sees them: "ABCD"
	echo "GUEST-DEVMEM-READ $(busybox devmem $base 32)"
	echo GUEST-STORE-ATTEMPT
	busybox devmem $base 32 0x58585858
	echo "GUEST-STORE-RETURNED $(busybox devmem $base 32)"
	exit 0
SCRIPT
bb timeout 540 "$CKRUN_BUILD/tests/fs/dax-run" "$CKRUN_KERNEL" "$root" 512 "$data" data ro 256 \
	/bin/sh /test.sh >"$log" 2>&1 || rc=$?
vm_show "$log"
bb grep -q GUEST-WRITES-REFUSED "$log" || vm_fail "the ordinary writes were not refused (status $rc)"
got=$(bb sed -n 's/^GUEST-SUM //p' "$log" | bb tr -d '\r')
[ "$got" = "$want" ] || vm_fail "guest checksum '$got' != host '$want'"
after=$(bb sha256sum "$data/first" "$data/big")
[ "$before" = "$after" ] || vm_fail "the host files changed"
[ "$rc" -lt 128 ] || vm_fail "the VMM ended with status $rc (killed by a signal?)"
bb grep -q GUEST-STORE-ATTEMPT "$log" || vm_fail "the guest never attempted the store (status $rc)"
if bb grep -q GUEST-STORE-RETURNED "$log"; then
	# the MMIO-exit path: the store was dropped, the page still holds "ABCD"
	back=$(bb sed -n 's/.*GUEST-STORE-RETURNED //p' "$log" | bb tr -d '\r')
	[ "$back" = 0x44434241 ] || vm_fail "the store into the read-only mapping returned and reads back '$back'"
	how="was dropped as an MMIO write (reads back $back)"
else
	[ "$rc" -ne 0 ] || vm_fail "status 0 after the store, without the store returning"
	how="ended the VM (status $rc)"
fi
vm_log "PASS: reads match ($got), writes refused, store into the RO window $how, host unchanged"
bb rm -rf "$T"
