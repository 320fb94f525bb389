#!/bin/sh
# The guest side of the network cases (tests/vm/cases/net-*.sh), run as the
# workload with busybox and /bin/netprobe in the root:
#   guest-net.sh dhcp|static HOST_ADDR HOST_PORT GUEST_PORT NONCE [RR_PORT]
# dhcp: the init configured eth0 (KRUN_DHCP=1); static: configure it here
# as passt would (10.0.2.15/24 via 10.0.2.2, MTU 65520). Then: serve
# GUEST_PORT for the host (answering "guest-NONCE <line>"), reach the host's
# HOST_ADDR:HOST_PORT, (with RR_PORT) echo 20 x 30000 bytes through the
# host's HOST_ADDR:RR_PORT and count eth0's received bytes and frames meanwhile,
# wait for the host's probe. Prints NET-GUEST lines; exit 0 when all worked.
mode=$1 host=$2 hport=$3 gport=$4 nonce=$5 rrport=$6
if [ "$mode" = static ]; then
    ip link set eth0 up && ip link set eth0 mtu 65520 && ip addr add 10.0.2.15/24 dev eth0 &&
        ip route add default via 10.0.2.2 || { echo "NET-GUEST: static setup failed"; exit 2; }
fi
echo "NET-GUEST: addr $(ip -4 -o addr show dev eth0 | sed -n 's/.* inet \([0-9./]*\).*/\1/p' | head -n1)"
echo "NET-GUEST: route $(ip route | grep '^default' | head -n1)"
echo "NET-GUEST: mtu $(cat /sys/class/net/eth0/mtu)"
[ -f /etc/resolv.conf ] && echo "NET-GUEST: resolv.conf $(grep -c nameserver /etc/resolv.conf) nameservers"
/bin/netprobe serve "$gport" "guest-$nonce" 240 > /tmp/serve.log 2>&1 &
sp=$!
out=$(/bin/netprobe get "$host" "$hport" "from-guest-$nonce" 120) || { echo "NET-GUEST: no answer from the host"; exit 3; }
echo "NET-GUEST: host said: $out"
# eth0's received bytes and frames (/proc/net/dev: the first two numbers).
rx() { sed -n 's/^ *eth0: *\([0-9]*\) *\([0-9]*\) .*/\1 \2/p' /proc/net/dev; }
if [ -n "$rrport" ]; then
    rx > /tmp/rx0
    /bin/netprobe rr "$host" "$rrport" 20 30000 60 || { echo "NET-GUEST: the bulk echo failed"; exit 5; }
    rx > /tmp/rx1
    read -r b0 f0 < /tmp/rx0
    read -r b1 f1 < /tmp/rx1
    echo "NET-GUEST: bulk rx $((b1 - b0)) bytes in $((f1 - f0)) frames"
fi
wait "$sp"
src=$?
cat /tmp/serve.log
[ "$src" = 0 ] || { echo "NET-GUEST: the host's probe never arrived"; exit 4; }
echo "NET-GUEST: done"
exit 0
