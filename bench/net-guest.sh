#!/bin/sh
# The guest side of bench/net-compare.sh:
#   net-guest.sh HOST SECS RR_COUNT
# eth0 is configured by the init's DHCP (KRUN_DHCP=1) or, when it has no
# address (a backend without DHCP from the init), statically as passt and
# libslirp hand it out (10.0.2.15/24 via 10.0.2.2). Then, against servers
# on the test host's loopback reached through the gateway address HOST:
# iperf3 upload (guest -> host) and download (-R) for SECS seconds each,
# and RR_COUNT 1-byte TCP request/response round trips (netprobe rr).
# Prints one "BENCH-NET-GUEST: mtu=.. up_mbps=.. down_mbps=.. rr_us=..
# rr_p50_us=.." line (a metric that failed is left out).
host=$1 secs=$2 rr=$3
mount -t tmpfs tmpfs /tmp 2>/dev/null # iperf3 keeps its buffer in a /tmp file
if ! ip -4 addr show dev eth0 | grep -q inet; then
    ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
fi
mtu=$(cat /sys/class/net/eth0/mtu)
# iperf3's receiver line: "... sec  X MBytes  Y Mbits/sec  receiver"
rate() { awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") r = $(i - 1) } END { if (r != "") print r }' "$1"; }
iperf3 -c "$host" -p 5201 -t "$secs" -f m > /tmp/up 2>&1
up=$(rate /tmp/up)
iperf3 -c "$host" -p 5201 -t "$secs" -f m -R > /tmp/down 2>&1
down=$(rate /tmp/down)
[ -n "$up" ] || { echo "iperf3 upload failed:"; cat /tmp/up; }
[ -n "$down" ] || { echo "iperf3 download failed:"; cat /tmp/down; }
/bin/netprobe rr "$host" 5301 "$rr" 1 > /tmp/rr 2>&1 || cat /tmp/rr
# "rr: N x 1 B: mean U us, p50 U us, p99 U us"
rrm=$(sed -n 's/.*mean \([0-9.]*\) us.*/\1/p' /tmp/rr)
rrp=$(sed -n 's/.*p50 \([0-9.]*\) us.*/\1/p' /tmp/rr)
echo "BENCH-NET-GUEST: mtu=$mtu${up:+ up_mbps=$up}${down:+ down_mbps=$down}${rrm:+ rr_us=$rrm}${rrp:+ rr_p50_us=$rrp}"
