#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/vm/netpeer
# ckrun-vm-timeout: 420
# The legacy call krun_set_passt_fd on a stream socketpair: a unixstream
# device with libkrun's default MAC 5a:94:ef:e4:0c:ee.
# The guest sets 192.168.127.2/24 on eth0, checks its MAC and pings
# 192.168.127.1; the host side answers and pings the guest back
# (tests/vm/netpeer.c). Pass: the guest's pings and the host's pings answered.
. "$CKRUN_VM_LIB"
T=$(bb mktemp -d "$CKRUN_TMP/net.XXXXXX")
vm_busybox_root "$T/root"
bb mkdir -p "$T/tmp"
TMPDIR="$T/tmp" "$CKRUN_BUILD/tests/vm/netpeer" passt-fd "$CKRUN_KERNEL" "$T/root" "$T" </dev/null
