#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/fs/dax-run tests/fs/dax-guest
# ckrun-vm-timeout: 600
# virtio-fs DAX and a host-side truncate (issue 9): the guest maps a 4 MiB
# file through DAX and reads it; the host then truncates the file to 0 while
# the mapping is live, and the guest touches the mapping again. The host pages
# are gone: KVM's fault on them fails (the host fault is a SIGBUS inside
# get_user_pages, which KVM turns into KVM_RUN -> EFAULT), and ckrun ends the
# VM with an error. What must hold: the VMM process is not killed by SIGBUS or
# any signal, it ends on its own (no hang), and the guest got no stale data
# (it never prints a second checksum).
. "$CKRUN_VM_LIB"
vm_require_kvm
T=$(bb mktemp -d "$CKRUN_TMP/dax-trunc.XXXXXX")
root="$T/root"
data="$T/data"
vm_busybox_root "$root"
bb mkdir -p "$root/mnt" "$data"
bb cp "$CKRUN_BUILD/tests/fs/dax-guest" "$root/bin/dax-guest"
bb dd if=/dev/urandom of="$data/t" bs=1048576 count=4 2>/dev/null

log="$T/console.log"
# The command line carries the workload's arguments (no '"'): run a script file.
bb cat >"$root/test.sh" <<'SCRIPT'
	mount -t virtiofs -o dax=always data /mnt || exit 90
	dax-guest isdax /mnt/t || exit 91
	dax-guest hold /mnt/t /mnt/ready /mnt/go
	echo "GUEST-HOLD-STATUS $?"
	exit 0
SCRIPT
bb timeout 540 "$CKRUN_BUILD/tests/fs/dax-run" "$CKRUN_KERNEL" "$root" 256 "$data" data rw 64 \
	/bin/sh /test.sh >"$log" 2>&1 &
pid=$!
i=0
while [ ! -e "$data/ready" ] && [ $i -lt 480 ] && bb kill -0 $pid 2>/dev/null; do
	bb sleep 1
	i=$((i + 1))
done
[ -e "$data/ready" ] || { vm_show "$log"; vm_fail "the guest never mapped the file"; }
vm_log "host: the guest holds the mapping; truncating $data/t to 0"
: >"$data/t"
bb touch "$data/go"
rc=0
wait $pid || rc=$?
vm_show "$log"
vm_log "dax-run ended with status $rc"
[ "$rc" -ne 137 ] || vm_fail "the VM did not end within its limit after the truncate"
[ "$rc" -lt 128 ] || vm_fail "the VMM was killed by signal $((rc - 128))"
bb grep -q "^before: " "$log" || vm_fail "no first read"
if bb grep -q "^after: " "$log"; then
	vm_fail "the guest read the truncated range and got data (status $rc)"
fi
vm_log "PASS: host truncate under a live DAX mapping ended the VM with status $rc; the VMM survived"
bb rm -rf "$T"
