#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-build-files: tests/net/krun-net-client tests/net/nettool
# ckrun-vm-timeout: 900
# krunvm's shape: a client calls krun_set_port_map({"18080:80", NULL}) and no
# network function; the guest (on the implicit network, eth0 configured by
# the init) serves port 80; the test host fetches 127.0.0.1:18080 and, since
# the forward listens on every host address as libkrun's does, also the
# address of a dummy interface. Then: a port map whose host port is in use
# fails the start with a message naming it; krunvm's empty map ({NULL})
# boots with the network and exposes nothing.
# ckrun-vm-files and helpers: tests/vm/lib-launcher.sh.
. "$(dirname "$0")/../lib-launcher.sh"
CLIENT=$CKRUN_BUILD/tests/net/krun-net-client
NT=$CKRUN_BUILD/tests/net/nettool
export CKRUN_KERNEL
DUMMY=198.18.0.1

# A dummy interface with an address: a non-loopback host address; nothing sent there leaves.
ip link add ckd0 type dummy 2>/dev/null
ip addr add "$DUMMY/24" dev ckd0 2>/dev/null
ip link set ckd0 up || fail "cannot set up a dummy interface"
ip link set lo up
# ICMP echo leaves through an unprivileged ping socket of the VMM process.
echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range

root=$T/root
make_root "$root"
ln -sf busybox "$root/bin/ip"
ln -sf busybox "$root/bin/ping"
cp "$NT" "$root/bin/nettool"
mkdir -p "$root/www" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/etc"
nonce="page-$$-$(date +%s)"
echo "$nonce" >"$root/www/index"
cat >"$root/serve.sh" <<'GUEST'
echo "guest eth0: $(ip -4 addr show eth0 | grep inet)"
echo "guest route: $(ip route | grep default)"
echo "guest resolv: $(cat /etc/resolv.conf)"
echo "guest env CKRUN_NET=${CKRUN_NET:-unset}"
ping -c 1 -W 10 198.18.0.1 >/dev/null 2>&1 && echo "guest ping=ok" || echo "guest ping=failed"
exec nettool serve 0.0.0.0 80 /www/index 2
GUEST

# 1. The forward serves requests, on 127.0.0.1 and on the dummy address.
timeout -s KILL 600 "$CLIENT" -p 18080:80 "$root" /bin/sh /serve.sh </dev/null >"$T/c1.out" 2>&1 &
cpid=$!
got=
i=0
while [ $i -lt 400 ]; do
	if got=$("$NT" get 127.0.0.1 18080 / 2>/dev/null); then break; fi
	kill -0 "$cpid" 2>/dev/null || break
	i=$((i + 1))
	sleep 1
done
echo "host: fetched 127.0.0.1:18080 after ${i} s: $got"
[ "$got" = "$nonce" ] || fail "127.0.0.1:18080 did not serve the guest's page (got '$got')"
got2=$("$NT" get "$DUMMY" 18080 / 2>&1)
echo "host: fetched $DUMMY:18080: $got2"
[ "$got2" = "$nonce" ] || fail "$DUMMY:18080 did not serve the guest's page (got '$got2')"
wait "$cpid"
rc=$?
sed 's/^/    c1| /' "$T/c1.out" | tr -d '\r'
[ "$rc" -eq 0 ] || fail "client 1 exit status $rc, expected 0 (the guest served 2 requests and exited)"
grep -q "guest eth0: .*inet 10.0.2.15/24" "$T/c1.out" || fail "eth0 is not 10.0.2.15/24 in the guest"
grep -q "guest route: default via 10.0.2.2" "$T/c1.out" || fail "no default route via 10.0.2.2"
grep -q "guest resolv: nameserver 10.0.2.3" "$T/c1.out" || fail "resolv.conf not written"
grep -q "guest env CKRUN_NET=unset" "$T/c1.out" || fail "CKRUN_NET leaked into the workload's environment"
grep -q "guest ping=ok" "$T/c1.out" || fail "the guest's ping of a test-host address got no reply"

# 2. A host port in use: the start fails, the message names the port.
"$NT" hold 0.0.0.0 18081 300 &
spid=$!
"$NT" wait 127.0.0.1 18081 10 || fail "the blocking listener did not start"
timeout -s KILL 300 "$CLIENT" -p 18081:80 "$root" /bin/true </dev/null >"$T/c2.out" 2>&1
rc=$?
sed 's/^/    c2| /' "$T/c2.out"
[ "$rc" -eq 1 ] || fail "client 2 exit status $rc, expected 1 (krun_start_enter failed)"
grep -q "port map 18081:80: cannot listen on host TCP port 18081: Address already in use" "$T/c2.out" ||
	fail "no message naming the port in use"
grep -q "krun_start_enter.*Address already in use" "$T/c2.out" || fail "krun_start_enter did not return EADDRINUSE"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

# 3. krunvm without ports: krun_set_port_map({NULL}); the guest still has its network.
cat >"$root/noports.sh" <<'GUEST'
ip -4 addr show eth0 | grep -q "inet 10.0.2.15/24" || exit 11
exit 0
GUEST
timeout -s KILL 300 "$CLIENT" -P "$root" /bin/sh /noports.sh </dev/null >"$T/c3.out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { sed 's/^/    c3| /' "$T/c3.out"; fail "client 3 (empty map) exit status $rc, expected 0"; }

finish
