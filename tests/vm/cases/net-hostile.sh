#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/vm/netpeer
# ckrun-vm-timeout: 420
# A hostile stream peer (go-microvm's call, flags 0): after the guest's
# pings it sends a length of 0, a 9000-byte junk frame (the guest takes it
# into mergeable receive buffers; its IP layer drops it), a length of 2^31
# with garbage, and closes.
# Pass: the VM is not harmed (the guest's later pings fail, it exits 0), and
# ckrun reports every loss on stderr: 2 bad lengths, no frame too big, the
# peer failed, and the guest's later frames dropped for the failed peer.
. "$CKRUN_VM_LIB"
T=$(bb mktemp -d "$CKRUN_TMP/net.XXXXXX")
vm_busybox_root "$T/root"
bb mkdir -p "$T/tmp"
rc=0
TMPDIR="$T/tmp" "$CKRUN_BUILD/tests/vm/netpeer" hostile "$CKRUN_KERNEL" "$T/root" "$T" </dev/null 2>"$T/err" || rc=$?
bb cat "$T/err"
[ "$rc" -eq 0 ] || vm_fail "netpeer exited $rc"
line=$(bb grep 'network device eth0: the peer closed or failed' "$T/err") || vm_fail "no loss report"
echo "$line" | bb grep -q 'rx too big for the guest.s buffer 0,' || vm_fail "the 9000-byte frame did not fit the guest's mergeable buffers"
echo "$line" | bb grep -q 'rx bad length 2,' || vm_fail "lengths 0 and 2^31 were not counted"
echo "$line" | bb grep -qE 'tx to a failed peer [1-9]' || vm_fail "frames to the failed peer were not counted"
vm_log "loss report as expected"
