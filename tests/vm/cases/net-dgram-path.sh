#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/vm/netpeer
# ckrun-vm-timeout: 420
# krun_add_net_unixgram with a path and flags 0: ckrun binds its own socket
# under $TMPDIR, connects, and sends no greeting (the peer checks).
# The guest sets 192.168.127.2/24 on eth0, checks its MAC and pings
# 192.168.127.1; the host side answers and pings the guest back
# (tests/vm/netpeer.c). Pass: the guest's pings and the host's pings answered.
. "$CKRUN_VM_LIB"
T=$(bb mktemp -d "$CKRUN_TMP/net.XXXXXX")
vm_busybox_root "$T/root"
bb mkdir -p "$T/tmp"
TMPDIR="$T/tmp" "$CKRUN_BUILD/tests/vm/netpeer" dgram-path "$CKRUN_KERNEL" "$T/root" "$T" </dev/null
