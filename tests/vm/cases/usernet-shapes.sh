#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-build-files: tests/net/krun-net-client tests/net/nettool
# ckrun-vm-timeout: 900
# Which clients get the implicit network, by libkrun's rule for its implicit
# TSI: a client that calls krun_disable_implicit_vsock gets no network (no
# eth0; krun_set_port_map then answers -ENODEV); go-microvm's shape (an
# explicit unixstream device on a socketpair, flags 0) gets its own eth0 and
# no implicit one (no eth1, eth0 left unconfigured for the workload, no
# CKRUN_NET); ckrun_set_net_host_loopback(true) lets the guest reach a
# server on the test host's 127.0.0.1 through 10.0.2.2, which it cannot
# reach by default.
. "$(dirname "$0")/../lib-launcher.sh"
CLIENT=$CKRUN_BUILD/tests/net/krun-net-client
NT=$CKRUN_BUILD/tests/net/nettool
export CKRUN_KERNEL
ip link set lo up

root=$T/root
make_root "$root"
ln -sf busybox "$root/bin/ip"
cp "$NT" "$root/bin/nettool"
mkdir -p "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
echo "loopback-page" >"$T/page"
cat >"$root/show.sh" <<'GUEST'
echo "links: $(ip -o link show | sed 's/^[0-9]*: \([^:@]*\).*/\1/' | tr '\n' ' ')"
echo "eth0 inet: $(ip -4 -o addr show eth0 2>/dev/null | grep -c inet)"
echo "env CKRUN_NET=${CKRUN_NET:-unset}"
if [ $# -eq 3 ]; then nettool get "$1" "$2" "$3"; echo "fetch=$?"; fi
exit 0
GUEST

run() {
	name=$1
	shift
	timeout -s KILL 300 "$CLIENT" "$@" </dev/null >"$T/$name.out" 2>&1
	rc=$?
	tr -d '\r' <"$T/$name.out" | sed "s/^/    $name| /"
	return $rc
}

# 1. krun_disable_implicit_vsock: only lo.
run disabled -d "$root" /bin/sh /show.sh || fail "disabled: client exit status $rc"
# (sit0, the kernel's IPv6-in-IPv4 device, is there whatever the VMM does.)
grep -q "^links: .*lo" "$T/disabled.out" && ! grep -q "^links: .*eth" "$T/disabled.out" ||
	fail "disabled: the guest has an Ethernet interface"
# ... and a port map after it is -ENODEV, libkrun's answer.
run disabled-map -d -p 18082:80 "$root" /bin/true
[ "$rc" -eq 1 ] && grep -q "krun_set_port_map.*No such device" "$T/disabled-map.out" ||
	fail "disabled-map: krun_set_port_map after krun_disable_implicit_vsock did not fail with ENODEV"

# 2. go-microvm's shape: its explicit eth0 only, unconfigured by the init.
run explicit -s "$root" /bin/sh /show.sh || fail "explicit: client exit status $rc"
grep -q "^links: .*eth0 " "$T/explicit.out" && ! grep -q "^links: .*eth1" "$T/explicit.out" ||
	fail "explicit: expected eth0 and no eth1"
grep -q "^eth0 inet: 0$" "$T/explicit.out" || fail "explicit: the init configured the client's eth0"
grep -q "^env CKRUN_NET=unset$" "$T/explicit.out" || fail "explicit: CKRUN_NET was passed"
# ... and a port map after an explicit device is -EINVAL.
run explicit-map -s -p 18083:80 "$root" /bin/true
[ "$rc" -eq 1 ] && grep -q "krun_set_port_map.*Invalid argument" "$T/explicit-map.out" ||
	fail "explicit-map: krun_set_port_map after krun_add_net_unixstream did not fail with EINVAL"

# 3. The host's loopback: refused by default, reachable when the client asks.
"$NT" serve 127.0.0.1 18084 "$T/page" 5 >/dev/null &
spid=$!
sleep 1
run lo-default "$root" /bin/sh /show.sh 10.0.2.2 18084 / || fail "lo-default: client exit status $rc"
grep -q "^fetch=1$" "$T/lo-default.out" || fail "lo-default: the guest reached the host's loopback"
run lo-allowed -l "$root" /bin/sh /show.sh 10.0.2.2 18084 / || fail "lo-allowed: client exit status $rc"
grep -q "^loopback-page$" "$T/lo-allowed.out" && grep -q "^fetch=0$" "$T/lo-allowed.out" ||
	fail "lo-allowed: the guest did not fetch the host loopback's page"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

finish
