#!/bin/sh
# The body of net-passt-crun, net-passt-setfd and net-passt-socket: a guest
# booted by ckrun (tests/vm/net/passt-client) with passt as its network, in
# the network namespace of lib.sh (vm_netns_enter). The guest workload
# (guest-net.sh) reaches a server in the test host and answers the test
# host's probe through a passt port forward.
#   crun    crun's passt call sequence: passt -t all -u all --no-dhcp-dns
#           --no-map-gw --fd N on a socketpair, krun_add_net_unixstream with
#           NET_FLAG_DHCP_CLIENT; the guest's address comes from the init's
#           DHCP. --no-map-gw: the guest reaches the host at an address of
#           the host's own (10.9.9.9 on lo); "-t all" forwards the guest's
#           port under the same number.
#   fd      krun_set_passt_fd with "passt -t FWD:GPORT --fd N": no DHCP flag,
#           the guest sets passt's address itself; the gateway address
#           reaches the host's loopback.
#   socket  "passt -s PATH -t FWD:GPORT", krun_add_net_unixstream(PATH, -1,
#           ..., NET_FLAG_DHCP_CLIENT): DHCP, the gateway reaches loopback.
# Usage (from a case): passt-case.sh MODE HPORT FWD GPORT
. "$CKRUN_VM_LIB"
mode=$1 HPORT=$2 FWD=$3 GPORT=$4
vm_require_kvm
vm_netns_enter "$0" "$@"

nonce=$(vm_nonce)
T=$CKRUN_TMP
NP=$CKRUN_BUILD/tests/vm/net/netprobe
CLIENT=$CKRUN_BUILD/tests/vm/net/passt-client
export CKRUN_BOOT_TIMEOUT=${CKRUN_BOOT_TIMEOUT:-200} PASST_CLIENT_LOG=$T/passt.log

root=$T/root
vm_busybox_root "$root"
for a in ip wait; do bb ln -sf busybox "$root/bin/$a"; done
bb cp "$NP" "$root/bin/netprobe"
bb cp "$(dirname "$0")/guest-net.sh" "$root/guest-net.sh"
bb mkdir -p "$root/etc"

case "$mode" in
crun)   gmode=dhcp host=$VM_NET_SERVER bind=$VM_NET_SERVER probe=$GPORT ;;
fd)     gmode=static host=$VM_NET_GW bind=127.0.0.1 probe=$FWD ;;
socket) gmode=dhcp host=$VM_NET_GW bind=127.0.0.1 probe=$FWD ;;
*)      vm_fail "unknown mode $mode" ;;
esac
printf '{"Cmd": ["/bin/sh", "/guest-net.sh", "%s", "%s", "%s", "%s", "%s"], "Env": ["PATH=/bin"]}\n' \
    "$gmode" "$host" "$HPORT" "$GPORT" "$nonce" > "$root/.krun_config.json"

# The host's server first: crun's "-t all" binds every port still free.
"$NP" serve -b "$bind" "$HPORT" "host-$nonce" 400 > "$T/host-serve.log" 2>&1 &

ppid= extra=
case "$mode" in
crun)   cmode=crun ;;
fd)     cmode=passt-fd extra="-t $FWD:$GPORT" ;;
socket)
    vm_passt_socket "$FWD:$GPORT"
    ppid=$vm_passt_pid cmode=socket:$vm_passt_sock ;;
esac
# shellcheck disable=SC2086 # $extra is passt's arguments, split on purpose
bb timeout -s KILL 420 "$CLIENT" "$cmode" "$root" "$CKRUN_KERNEL" $extra \
    < /dev/null > "$T/console.log" 2>&1 &
vm_net_finish client $! "$probe" "$nonce" "$ppid"
crc=$vm_net_rc
vm_net_check "$nonce" "$host:$HPORT" "127.0.0.1:$probe" "$gmode"
[ "$crc" = 0 ] || vm_fail "the client (the guest workload) ended with status $crc"
vm_log "$mode: traffic both ways through passt"
