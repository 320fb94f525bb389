#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/vm/netpeer
# ckrun-vm-timeout: 420
# go-microvm's shape: krun_add_net_unixstream on one end of a
# socketpair(AF_UNIX, SOCK_STREAM), MAC 02:4b:72:75:6e:00, COMPAT_NET_FEATURES,
# flags 0; the other end is a small peer in the test speaking the 4-byte
# big-endian length framing.
# The guest sets 192.168.127.2/24 on eth0, checks its MAC and pings
# 192.168.127.1; the host side answers and pings the guest back
# (tests/vm/netpeer.c). Pass: the guest's pings and the host's pings answered.
. "$CKRUN_VM_LIB"
T=$(bb mktemp -d "$CKRUN_TMP/net.XXXXXX")
vm_busybox_root "$T/root"
bb mkdir -p "$T/tmp"
TMPDIR="$T/tmp" "$CKRUN_BUILD/tests/vm/netpeer" stream "$CKRUN_KERNEL" "$T/root" "$T" </dev/null
