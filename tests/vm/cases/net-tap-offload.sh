#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-files: ../net/tap-guest.sh
# ckrun-vm-build-files: tests/vm/netpeer tests/virtio/test-virtio-net_tap
# ckrun-vm-timeout: 600
# krun_add_net_tap with offload features (COMPAT_NET_FEATURES | GUEST_TSO6 |
# HOST_TSO6) on a tap cktap0 in a private network namespace, then the same
# tap with features 0 (tests/vm/netpeer.c, tap-offload and tap-bulk; the
# guest side is tests/vm/net/tap-guest.sh): with offloads the guest
# negotiates CSUM, GUEST_CSUM, GUEST_TSO4/6, HOST_TSO4/6, a 16 MiB TCP
# transfer each way arrives intact (md5 in the guest, a byte compare here),
# and a packet socket on the tap sees at least 10 frames above 1,514 bytes
# each way (the host kernel segments and checksums); without, none is
# negotiated and no frame is longer than 1,514 bytes. First the real-tap unit tests
# (tests/virtio/test_net_tap.c) with CKRUN_REQUIRE_TAP=1: a skip fails here.
. "$CKRUN_VM_LIB"
log=$CKRUN_TMP/net_tap.log
rc=0
bb env CKRUN_REQUIRE_TAP=1 "$CKRUN_BUILD/tests/virtio/test-virtio-net_tap" > "$log" 2>&1 || rc=$?
vm_show "$log"
[ "$rc" = 0 ] || vm_fail "test-virtio-net_tap: exit status $rc"
! bb grep -q SKIPPED "$log" || vm_fail "test-virtio-net_tap: a test was skipped"
bb grep -q PASSED "$log" || vm_fail "test-virtio-net_tap: no PASSED line"
for mode in tap-offload tap-bulk; do
	T=$(bb mktemp -d "$CKRUN_TMP/net.XXXXXX")
	vm_busybox_root "$T/root"
	bb cp "$(bb dirname "$0")/../net/tap-guest.sh" "$T/root/tap-guest.sh"
	bb mkdir -p "$T/tmp"
	TMPDIR="$T/tmp" "$CKRUN_BUILD/tests/vm/netpeer" $mode "$CKRUN_KERNEL" "$T/root" "$T" </dev/null ||
		vm_fail "netpeer $mode"
done
vm_log "tap offloads negotiated and used, plain tap unchanged, transfers intact"
