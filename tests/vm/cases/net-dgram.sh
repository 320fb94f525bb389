#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/vm/netpeer
# ckrun-vm-timeout: 420
# krun_add_net_unixgram on one end of a socketpair(AF_UNIX, SOCK_DGRAM):
# one datagram per frame. A second device (unixstream, never answered) is
# added after it and must be eth1 with its own MAC: devices are eth0, eth1,
# ... in call order.
# The guest sets 192.168.127.2/24 on eth0, checks its MAC and pings
# 192.168.127.1; the host side answers and pings the guest back
# (tests/vm/netpeer.c). Pass: the guest's pings and the host's pings answered.
. "$CKRUN_VM_LIB"
T=$(bb mktemp -d "$CKRUN_TMP/net.XXXXXX")
vm_busybox_root "$T/root"
bb mkdir -p "$T/tmp"
TMPDIR="$T/tmp" "$CKRUN_BUILD/tests/vm/netpeer" dgram "$CKRUN_KERNEL" "$T/root" "$T" </dev/null
