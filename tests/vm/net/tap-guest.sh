#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The guest of tests/vm/netpeer.c's tap-offload and tap-bulk modes.
#   tap-guest.sh offload|plain BYTES IPERF_SECS
# eth0 gets 192.168.127.2/24; the virtio-net device's negotiated features
# (sysfs: one character per bit, bit 0 first) must include (offload) or
# exclude (plain) CSUM, GUEST_CSUM, GUEST_TSO4/6, HOST_TSO4/6 (bits 0 1 7 8
# 11 12). Then BYTES from the test host's port 5001, compared with the
# pattern made here, and BYTES of it sent to port 5002 (the host compares).
# With IPERF_SECS > 0 (the bench) iperf3 -c for that long each way.
B=/bin/busybox
mode=$1 N=$2 SECS=$3
HOST=192.168.127.1
LINE=ckrun-tap-offload-0123456789
$B ip link set lo up && $B ip addr add 192.168.127.2/24 dev eth0 && $B ip link set eth0 up || exit 2
f=
for d in /sys/bus/virtio/devices/*; do
	[ "$($B cat "$d/device")" = 0x0001 ] && f=$($B cat "$d/features")
done
echo "tap-guest: virtio-net features $f"
[ -n "$f" ] || { echo "tap-guest: no virtio-net device"; exit 3; }
for b in 0 1 7 8 11 12; do
	c=$(echo "$f" | $B cut -c$((b + 1)))
	if [ "$mode" = offload ] && [ "$c" != 1 ]; then echo "tap-guest: feature bit $b not negotiated"; exit 3; fi
	if [ "$mode" = plain ] && [ "$c" != 0 ]; then echo "tap-guest: feature bit $b negotiated"; exit 3; fi
done
$B ping -c 1 -w 60 $HOST > /dev/null || { echo "tap-guest: no answer from $HOST"; exit 4; }
want=$($B yes $LINE | $B head -c "$N" | $B md5sum)
got=$($B nc $HOST 5001 < /dev/null | $B md5sum)
[ "$got" = "$want" ] || { echo "tap-guest: host->guest bytes differ: md5 $got, want $want"; exit 5; }
echo "tap-guest: host->guest $N bytes, md5 ok"
$B yes $LINE | $B head -c "$N" | $B nc $HOST 5002 > /dev/null || { echo "tap-guest: guest->host failed"; exit 6; }
echo "tap-guest: guest->host $N bytes sent"
if [ "${SECS:-0}" -gt 0 ]; then
	iperf3 -c $HOST -t "$SECS" -f m 2>&1 | $B grep -E 'sender|receiver' | $B sed "s/^/tap-guest: iperf3 $mode up: /"
	iperf3 -c $HOST -t "$SECS" -f m -R 2>&1 | $B grep -E 'sender|receiver' | $B sed "s/^/tap-guest: iperf3 $mode down: /"
fi
$B cat /proc/net/dev
echo "tap-guest: done"
