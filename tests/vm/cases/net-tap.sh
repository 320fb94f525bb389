#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/vm/netpeer
# ckrun-vm-timeout: 420
# krun_add_net_tap on an existing tap interface (cktap0, 192.168.127.1/24)
# in a private network namespace: the test host's own kernel answers the
# guest's pings, and a raw ICMP socket pings the guest through the tap.
# The guest sets 192.168.127.2/24 on eth0, checks its MAC and pings
# 192.168.127.1; the host side answers and pings the guest back
# (tests/vm/netpeer.c). Pass: the guest's pings and the host's pings answered.
. "$CKRUN_VM_LIB"
T=$(bb mktemp -d "$CKRUN_TMP/net.XXXXXX")
vm_busybox_root "$T/root"
bb mkdir -p "$T/tmp"
TMPDIR="$T/tmp" "$CKRUN_BUILD/tests/vm/netpeer" tap "$CKRUN_KERNEL" "$T/root" "$T" </dev/null
