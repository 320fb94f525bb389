#!/bin/sh
# The guest init's DHCP client against a real passt, without a VM (root,
# /dev/net/tun, passt; util-linux unshare and iproute2):
#   dhcp-passt.sh BUILD_DIR
# passt runs in a network namespace of its own whose only route goes to a
# tap device nothing reads (so nothing leaves; passt needs a routable
# interface); the client (tests/init/dhcp_passt) runs in another one with a
# tap named eth0 relayed to passt's socket, and a private mount namespace in
# which /etc/resolv.conf is a scratch file. Checks the lease passt gives:
# its own address copied from its interface, /24, the gateway, passt's DNS
# in resolv.conf, and the MTU kept at 1500 (no virtio device: the init
# caps passt's 65520 to what 1518-byte receive buffers take).
set -eu
bin=$1/tests/init/dhcp_passt
t=$(mktemp -d)
trap 'kill $pp 2>/dev/null; rm -rf "$t"' EXIT
chmod 1777 "$t" # passt makes its socket as nobody
unshare -n sh -c '
    ip link set lo up
    ip tuntap add dev ckr0 mode tap
    ip link set ckr0 up
    ip addr add 10.0.2.15/24 dev ckr0
    ip route add default via 10.0.2.2 dev ckr0
    exec passt -f -e -s "$1/sock"' dhcp-passt "$t" > "$t/passt.log" 2>&1 &
pp=$!
i=0
while [ ! -S "$t/sock" ]; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$t/passt.log"; echo "FAIL: passt made no socket"; exit 1; }
    sleep 0.1
done
: > "$t/resolv.conf"
out=$(unshare -n -m sh -c '
    mount --bind "$1/resolv.conf" /etc/resolv.conf
    mount -t sysfs sysfs /sys # this namespace'"'"'s devices, not the machine'"'"'s eth0
    ip link set lo up
    "$2" "$1/sock" eth0 3000 "ip -4 -o addr show dev eth0; ip route show default;
        echo mtu \$(cat /sys/class/net/eth0/mtu)" 2>&1 || echo "client failed: $?"
    echo "resolv: $(grep -c "^nameserver" /etc/resolv.conf)"' dhcp-passt "$t" "$bin" 2>&1)
echo "$out" | sed 's/^/    /'
fails=0
check() { echo "$out" | grep -q "$1" || { echo "FAIL: $2"; fails=$((fails + 1)); }; }
check 'ckrun init: eth0: 10\.0\.2\.15/24, gateway 10\.0\.2\.2, mtu 1500 (offered 65520; the device takes 1500)' "the init's lease line"
check 'inet 10\.0\.2\.15/24' "eth0's address"
check '^default via 10\.0\.2\.2 dev eth0' "the default route"
check '^mtu 1500$' "the MTU"
check '^init_net_dhcp: 0$' "init_net_dhcp's result"
if grep -q '^nameserver' /etc/resolv.conf 2>/dev/null; then
    check '^resolv: [1-9]' "resolv.conf with passt's DNS servers"
fi
[ $fails = 0 ] || { sed 's/^/    passt| /' "$t/passt.log"; exit 1; }
echo "PASS dhcp-passt"
