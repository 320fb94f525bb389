# Shell helpers for VM test cases (tests/vm/cases/*.sh). Source it with
#   . "$CKRUN_VM_LIB"
# It behaves the same on the outer machine (direct mode) and inside the test
# host, and uses only busybox ($CKRUN_BUSYBOX) for guest-side tooling.
#
# The central call is
#   vm_run ROOTDIR CONSOLE_LOG TIMEOUT CMD [ARGS...]
# which boots the guest kernel ($CKRUN_KERNEL) with ROOTDIR as its root,
# runs CMD in it, and returns CMD's exit status (125 when the VM failed or
# gave no status, 137 when TIMEOUT seconds passed). The guest's console
# goes to CONSOLE_LOG. The VMM is chosen by $CKRUN_VMM:
#   qemu   QEMU -accel kvm -M microvm; ROOTDIR is packed into an initramfs
#          (the harness's reference VMM, used until ckrun's own VMM boots)
#   ckrun  ckrun's launcher $CKRUN_BUILD/examples/ckrun-run; ROOTDIR is
#          shared with virtio-fs as the guest's root
# Default: qemu. Switching a case to ckrun is setting CKRUN_VMM=ckrun.

set -eu
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"

bb() { "$CKRUN_BUSYBOX" "$@"; }

vm_name=$(bb basename "$0" .sh)
vm_log() { echo "[$vm_name] $*"; }
vm_fail() { echo "[$vm_name] FAIL: $*"; exit 1; }

# The inner guest needs a standard /dev/kvm.
vm_require_kvm() {
    [ -c /dev/kvm ] || vm_fail "no /dev/kvm"
    if [ -d /sys/module/kvm_pvm ]; then
        vm_fail "/dev/kvm is PVM (kvm_pvm): a standard guest would hang; use the test host (CKRUN_VM_MODE=testhost)"
    fi
}

# vm_nonce: a value the guest must echo back, so a marker on the console
# can only come from the command this test gave it.
vm_nonce() { bb od -An -N8 -tx1 /dev/urandom | bb tr -d ' \n'; }

# Applets linked into a test root. Not all ~400: inside the TCG test host
# every process costs ~20-40 ms, and tests can always call "busybox APPLET".
VM_APPLETS="sh ash cat cut echo env grep head ls mkdir mount nproc poweroff
reboot rm sed sleep sync tail test touch tr umount uname"

# vm_busybox_root DIR: a minimal root: static busybox with common applets in
# /bin, and the empty directories a guest init mounts on.
vm_busybox_root() {
    dir=$1
    bb mkdir -p "$dir/bin" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/run"
    bb cp "$CKRUN_BUSYBOX" "$dir/bin/busybox"
    bb chmod 0755 "$dir/bin/busybox"
    for a in $VM_APPLETS; do
        [ -e "$dir/bin/$a" ] || bb ln -s busybox "$dir/bin/$a"
    done
}

# vm_initramfs DIR BODY OUT: DIR (with static busybox in /bin, /proc, /sys,
# /dev added) packed as a gzip'd initramfs OUT whose /init installs the
# busybox applets, mounts proc, sysfs and devtmpfs, then runs the shell text
# BODY. For cases that boot the VMM directly (tests/vmm/vmboot), not through
# vm_run.
vm_initramfs() {
    bb mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev"
    bb cp "$CKRUN_BUSYBOX" "$1/bin/busybox"
    { echo '#!/bin/busybox sh'; echo '/bin/busybox --install -s /bin'; echo 'export PATH=/bin'
      echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null'
      printf '%s\n' "$2"; } > "$1/init"
    bb chmod 0755 "$1/bin/busybox" "$1/init"
    ( cd "$1" && bb find . | bb cpio -o -H newc 2>/dev/null ) | bb gzip -1 > "$3"
}

# vm_quote ARG...: the arguments as one shell-quoted string.
vm_quote() {
    for a in "$@"; do
        printf "'%s' " "$(printf '%s' "$a" | bb sed "s/'/'\\\\''/g")"
    done
}

vm_run() {
    case "${CKRUN_VMM:-qemu}" in
        qemu) vm_run_qemu "$@" ;;
        ckrun) vm_run_ckrun "$@" ;;
        *) vm_fail "unknown CKRUN_VMM=${CKRUN_VMM}" ;;
    esac
}

# QEMU: ROOTDIR plus a generated /init.ckrun-test become an initramfs; the
# init runs CMD, prints its status and reboots (reboot=t + -no-reboot end
# QEMU). The project's kernel needs neither ACPI nor PCI: microvm with the
# serial port only.
vm_run_qemu() {
    root=$1 out=$2 tmo=$3
    shift 3
    {
        echo '#!/bin/sh'
        echo 'export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/'
        echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null'
        echo "$(vm_quote "$@")"
        echo 'echo "CKRUN-GUEST-EXIT: $?"'
        echo 'reboot -f'
    } > "$root/init.ckrun-test"
    bb chmod 0755 "$root/init.ckrun-test"
    initrd=$CKRUN_TMP/vm_run.initrd.gz
    ( cd "$root" && bb find . | bb cpio -o -H newc 2>/dev/null ) | bb gzip -1 > "$initrd"
    set +e
    bb timeout -s KILL "$tmo" qemu-system-x86_64 \
        -M microvm,isa-serial=on,acpi=off -accel kvm -cpu qemu64 \
        -m "${VM_MEM:-128}" -smp "${VM_CPUS:-1}" \
        -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
        -kernel "$CKRUN_KERNEL" -initrd "$initrd" \
        -append "console=ttyS0 earlyprintk=ttyS0 reboot=t panic=-1 quiet rdinit=/init.ckrun-test ${VM_CMDLINE:-}" \
        < /dev/null > "$out" 2>&1
    vmm_rc=$?
    set -e
    [ "$vmm_rc" = 0 ] || { vm_log "qemu exited with $vmm_rc"; [ "$vmm_rc" = 137 ] && return 137; return 125; }
    st=$(bb sed -n 's/^CKRUN-GUEST-EXIT: \([0-9]*\).*/\1/p' "$out" | bb tail -n1)
    [ -n "$st" ] || { vm_log "no exit status on the guest console"; return 125; }
    return "$st"
}

# ckrun: the launcher shares ROOTDIR as the guest's root (virtio-fs) and
# exits with CMD's status.
vm_run_ckrun() {
    root=$1 out=$2 tmo=$3
    shift 3
    launcher=$CKRUN_BUILD/examples/ckrun-run
    [ -x "$launcher" ] || vm_fail "no launcher at $launcher"
    set +e
    bb timeout -s KILL "$tmo" "$launcher" --kernel "$CKRUN_KERNEL" \
        --mem "${VM_MEM:-128}" --cpus "${VM_CPUS:-1}" --console "$out" \
        "$root" -- "$@" < /dev/null >> "$out.launcher" 2>&1
    st=$?
    set -e
    bb cat "$out.launcher" >> "$out" 2>/dev/null || true
    return $st
}

# vm_show FILE: print a console log, indented, into the test's output.
vm_show() { bb sed 's/^/    guest| /' "$1"; }

# ---------------------------------------------------------------- networks
# Network cases run in a private network namespace (nothing they do reaches
# the machine's own interfaces, in either mode) with:
#   lo up; 10.9.9.9/32 on lo: a host address to serve from that is neither
#       the guest's nor the gateway's (passt --no-map-gw forwards the guest's
#       connections to it as they are);
#   ckdummy0, a dummy interface (it drops whatever is sent to it) with
#       VM_NET_HOST_ADDR/24 and a default route via VM_NET_GW: passt needs a
#       routable interface ("No external routable interface" otherwise) and
#       hands the guest this address and gateway;
#   a private mount namespace whose root is a bind mount of /, so that
#       passt's sandbox (a user namespace and pivot_root) works: both are
#       refused while / is the test host's initramfs or a chroot;
#   RLIMIT_NOFILE 1048576: crun's "-t all -u all" binds every free TCP and
#       UDP port (65536 fds were too few: "L4 socket: Too many open files").
VM_NET_HOST_ADDR=10.0.2.15
VM_NET_GW=10.0.2.2
VM_NET_SERVER=10.9.9.9

# vm_netns_enter "$0" "$@": at the top of a network case; re-runs the case
# inside the namespaces above and exits with its status (a no-op inside).
vm_netns_enter() {
    [ -n "${CKRUN_IN_NETNS:-}" ] && return 0
    _script=$1
    shift
    _nr=$CKRUN_TMP/netns-root
    bb mkdir -p "$_nr"
    set +e
    CKRUN_IN_NETNS=1 bb unshare -n -m "$CKRUN_BUSYBOX" sh -c '
        set -e
        nr=$1; shift
        mount --make-rprivate /
        ip link set lo up
        ip addr add '"$VM_NET_SERVER"'/32 dev lo
        ip link add ckdummy0 type dummy
        ip addr add '"$VM_NET_HOST_ADDR"'/24 dev ckdummy0
        ip link set ckdummy0 up
        ip route add default via '"$VM_NET_GW"' dev ckdummy0
        ulimit -n 1048576
        mount --rbind / "$nr"
        cd "$nr"
        mount --move . /
        exec chroot . "$@"
    ' vm_netns "$_nr" "$_script" "$@"
    _rc=$?
    exit $_rc
}

# vm_wait_socket PATH SECS: wait until a unix socket (passt's) exists.
vm_wait_socket() {
    _i=0
    while [ ! -S "$1" ]; do
        _i=$((_i + 1))
        [ "$_i" -le $(($2 * 10)) ] || return 1
        bb sleep 0.1
    done
}

# vm_passt_socket FWD:GPORT: passt on a unix socket in $CKRUN_TMP/passt
# (log: $CKRUN_TMP/passt.log) forwarding host port FWD to the guest's GPORT;
# returns once the socket is there (else fails the case). Sets
# vm_passt_sock and vm_passt_pid.
vm_passt_socket() {
    _sdir=$CKRUN_TMP/passt
    bb mkdir -p "$_sdir"
    bb chmod 1777 "$_sdir" # passt creates its socket as nobody
    passt -f -e -s "$_sdir/sock" -t "$1" > "$CKRUN_TMP/passt.log" 2>&1 &
    vm_passt_pid=$!
    vm_passt_sock=$_sdir/sock
    vm_wait_socket "$vm_passt_sock" 60 || { bb cat "$CKRUN_TMP/passt.log"; vm_fail "passt made no socket"; }
}

# The host side of a guest-net.sh run (tests/vm/net/guest-net.sh, its
# console in $CKRUN_TMP/console.log, the host's netprobe server's output in
# $CKRUN_TMP/host-serve.log), shared by net-dhcp-qemu and net/passt-case.sh.
# vm_net_finish WHAT PID PORT NONCE [PASST_PID]: while the VMM (WHAT, PID)
# runs, probes the guest's server through 127.0.0.1:PORT (retried until it
# answers; it ends with the VMM at the latest); then stops passt, shows the
# console and passt's log. Sets vm_net_rc (the VMM's status) and
# vm_net_probe_rc (the probe's).
vm_net_finish() {
    _t0=$(bb date +%s)
    "$CKRUN_BUILD/tests/vm/net/netprobe" get 127.0.0.1 "$3" "from-host-$4" 400 \
        > "$CKRUN_TMP/host-get.log" 2>&1 &
    _gp=$!
    vm_net_rc=0
    wait "$2" || vm_net_rc=$?
    kill "$_gp" 2>/dev/null || true
    vm_net_probe_rc=0
    wait "$_gp" || vm_net_probe_rc=$?
    _t1=$(bb date +%s)
    [ -z "${5:-}" ] || kill "$5" 2>/dev/null || true
    vm_show "$CKRUN_TMP/console.log"
    if [ -f "$CKRUN_TMP/passt.log" ]; then
        bb sed 's/^/    passt| /' "$CKRUN_TMP/passt.log" | bb head -n 40
    fi
    vm_log "$1 status $vm_net_rc after $((_t1 - _t0)) s; host probe: $(bb cat "$CKRUN_TMP/host-get.log")"
    vm_log "host server: $(bb cat "$CKRUN_TMP/host-serve.log" | bb tr '\n' ' ')"
}

# vm_net_check NONCE SERVER PROBE [dhcp]: after vm_net_finish, what every
# such run must show: (with dhcp) the init's lease line, eth0 at
# VM_NET_HOST_ADDR/24 with the default route via VM_NET_GW, the host's server
# (SERVER, for the message) answered the guest, the guest's server answered
# the host's probe (through PROBE).
vm_net_check() {
    _c=$CKRUN_TMP/console.log
    if [ "${4:-}" = dhcp ]; then
        bb grep -q "ckrun init: eth0: $VM_NET_HOST_ADDR/24, gateway $VM_NET_GW.*(DHCP" "$_c" ||
            vm_fail "the init reported no DHCP lease for $VM_NET_HOST_ADDR/24 via $VM_NET_GW"
    fi
    bb grep -q "^NET-GUEST: addr $VM_NET_HOST_ADDR/24" "$_c" || vm_fail "eth0 has not passt's address"
    bb grep -q "^NET-GUEST: route default via $VM_NET_GW" "$_c" || vm_fail "no default route via the gateway"
    bb grep -q "^NET-GUEST: host said: host-$1 from-guest-$1" "$_c" ||
        vm_fail "the guest did not reach the host's server at $2"
    [ "$vm_net_probe_rc" = 0 ] && bb grep -q "^guest-$1 from-host-$1" "$CKRUN_TMP/host-get.log" ||
        vm_fail "the host did not reach the guest's server through $3"
}
