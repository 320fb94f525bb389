#!/bin/sh
# Network benchmark case (not a test): TCP throughput both ways and
# request/response latency between the guest and the test host, ckrun
# against QEMU 7.2 -M microvm with virtio-net-device, same guest kernel, same
# guest root, same passt, alternating ckrun, QEMU / QEMU, ckrun, ...
#   ckrun: tests/vm/net/passt-client socket:PATH (krun_add_net_unixstream to
#          passt's socket, NET_FLAG_DHCP_CLIENT), root shared with virtio-fs;
#   qemu:  -netdev stream to the same kind of passt socket, the root packed
#          as an initramfs, ckrun's init (init.krun) with KRUN_DHCP=1.
# Both guests get their address and MTU from passt through ckrun's init.
# In the guest (bench/net-guest.sh): iperf3 -c to an iperf3 server on the
# test host's loopback through the gateway address, up and down (-R), and
# netprobe rr (1-byte round trips) to a netprobe rr-serve there.
# BENCH_NET_BACKEND=slirp runs the same workloads over user-mode networks
# instead (QEMU -netdev user; ckrun with no network call: its implicit
# network, once it has one), same addresses (10.0.2.15 via 10.0.2.2).
# Run through bench/net-run (one tests/vm/run per pair). Knobs (env):
#   BENCH_PAIRS (3) BENCH_PAIR_FROM (1) BENCH_NET_SECS (10) BENCH_NET_RR
#   (2000) BENCH_VMS ("ckrun qemu") BENCH_NET_BACKEND (passt|slirp)
#   BENCH_VM_TIMEOUT (per VM, 900 s) BENCH_NET_THREADS (0; 1: print the
#   VMM's threads' CPU ticks and context switches once a second)
# ckrun-vm-build-files: src/init/init.krun tests/vm/net/netprobe tests/vm/net/passt-client
# ckrun-vm-files: net-guest.sh /usr/bin/passt /usr/bin/iperf3 /usr/bin/qemu-system-x86_64 /usr/share/qemu/bios-microvm.bin /usr/share/qemu/linuxboot_dma.bin
# ckrun-vm-timeout: 3000
. "$CKRUN_VM_LIB"
set +e
vm_require_kvm
vm_netns_enter "$0" "$@"
PAIRS=${BENCH_PAIRS:-3} FROM=${BENCH_PAIR_FROM:-1} SECS=${BENCH_NET_SECS:-10} RR=${BENCH_NET_RR:-2000}
VMS=${BENCH_VMS:-ckrun qemu} BACKEND=${BENCH_NET_BACKEND:-passt} VM_TMO=${BENCH_VM_TIMEOUT:-900}
THREADS=${BENCH_NET_THREADS:-0}
MEM=256
here=$(bb dirname "$0")
T=$CKRUN_TMP
NP=$CKRUN_BUILD/tests/vm/net/netprobe

# --- the guest root: busybox, netprobe, iperf3 with its libraries ----------
root=$T/root
vm_busybox_root "$root"
for a in ip awk wait; do bb ln -sf busybox "$root/bin/$a"; done
bb cp "$NP" "$root/bin/netprobe"
bb cp "$here/net-guest.sh" "$root/net-guest.sh"
bb cp "$CKRUN_BUILD/src/init/init.krun" "$root/init.krun"
bb mkdir -p "$root/etc" "$root/usr/bin"
bb cp /usr/bin/iperf3 "$root/usr/bin/iperf3"
bb ln -sf ../usr/bin/iperf3 "$root/bin/iperf3"
# The loader lists what iperf3 needs (there is no ldd in the test host).
for lib in $(LD_TRACE_LOADED_OBJECTS=1 /usr/bin/iperf3 | bb sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
    bb mkdir -p "$root$(bb dirname "$lib")"
    bb cp -L "$lib" "$root$lib"
done
bb chroot "$root" /usr/bin/iperf3 --version > /dev/null 2>&1 || vm_fail "iperf3 does not run from the guest root"
printf '{"Cmd": ["/bin/sh", "/net-guest.sh", "10.0.2.2", "%s", "%s"], "Env": ["PATH=/bin:/usr/bin"]}\n' \
    "$SECS" "$RR" > "$root/.krun_config.json"
# QEMU's workload: a script without arguments (QEMU appends its
# virtio_mmio.device= parameters after anything on the command line).
printf '#!/bin/sh\nexec /bin/sh /net-guest.sh 10.0.2.2 %s %s\n' "$SECS" "$RR" > "$root/run.sh"
bb chmod 0755 "$root/run.sh"
initrd=$T/initrd.gz
( cd "$root" && bb find . | bb cpio -o -H newc 2>/dev/null ) | bb gzip -1 > "$initrd"

# --- the test host's servers, on its loopback --------------------------------
iperf3 -s -B 127.0.0.1 -p 5201 > "$T/iperf3-server.log" 2>&1 &
"$NP" rr-serve -b 127.0.0.1 5301 3000 > "$T/rr-server.log" 2>&1 &
bb sleep 1

start_passt() { # DIR -> $pp, socket DIR/sock
    bb rm -rf "$1"; bb mkdir -p "$1"; bb chmod 1777 "$1"
    passt -f -q -e -s "$1/sock" > "$1.log" 2>&1 &
    pp=$!
    vm_wait_socket "$1/sock" 60 || { bb cat "$1.log"; pp=; return 1; }
}

# Once a second until killed: "BENCH-THREAD: t=UPTIME tid=T comm=C utime=U stime=S
# vcs=V nvcs=N" (clock ticks; voluntary and involuntary context switches) for
# each thread of the process named COMM. Shell builtins only (busybox ash;
# no fork per sample but the sleep), so the sampler costs the VMM little.
threads_sample() { # COMM
    want=$1
    while :; do
        read -r up _ < /proc/uptime
        for p in /proc/[0-9]*; do
            read -r c < "$p/comm" 2>/dev/null || continue
            [ "$c" = "$want" ] || continue
            for t in "$p"/task/*; do
                read -r st < "$t/stat" 2>/dev/null || continue
                read -r tc < "$t/comm"
                set -- ${st##*) }
                ut=${12} sy=${13} v= nv=
                while read -r k val; do
                    case "$k" in
                    voluntary_ctxt_switches:) v=$val ;;
                    nonvoluntary_ctxt_switches:) nv=$val ;;
                    esac
                done < "$t/status"
                echo "BENCH-THREAD: t=$up tid=${t##*/} comm=${tc// /_} utime=$ut stime=$sy vcs=$v nvcs=$nv"
            done
        done
        bb sleep 1
    done
}

run_vm() { # VMM PAIR
    log=$T/$1-$2.log
    pp=
    t0=$(bb date +%s)
    sp=
    if [ "$THREADS" = 1 ]; then
        case $1 in ckrun) comm=passt-client ;; *) comm=qemu-system-x86 ;; esac
        threads_sample "$comm" > "$T/threads-$1-$2" 2>/dev/null &
        sp=$!
    fi
    case "$1.$BACKEND" in
    ckrun.passt)
        start_passt "$T/passt-$1-$2" || return 1
        CKRUN_BOOT_TIMEOUT=300 PASST_CLIENT_MEM=$MEM bb timeout -s KILL "$VM_TMO" \
            "$CKRUN_BUILD/tests/vm/net/passt-client" "socket:$T/passt-$1-$2/sock" "$root" "$CKRUN_KERNEL" \
            < /dev/null > "$log" 2>&1 ;;
    ckrun.slirp)
        CKRUN_BOOT_TIMEOUT=300 PASST_CLIENT_MEM=$MEM bb timeout -s KILL "$VM_TMO" \
            "$CKRUN_BUILD/tests/vm/net/passt-client" implicit "$root" "$CKRUN_KERNEL" \
            < /dev/null > "$log" 2>&1 ;;
    qemu.*)
        if [ "$BACKEND" = passt ]; then
            start_passt "$T/passt-$1-$2" || return 1
            nd="stream,id=n0,server=off,addr.type=unix,addr.path=$T/passt-$1-$2/sock"
        else
            nd="user,id=n0"
        fi
        bb timeout -s KILL "$VM_TMO" qemu-system-x86_64 \
            -M microvm,isa-serial=on,acpi=off -accel kvm -cpu qemu64 -m "$MEM" -smp 1 \
            -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
            -netdev "$nd" -device virtio-net-device,netdev=n0,mac=5a:94:ef:e4:0c:ee \
            -kernel "$CKRUN_KERNEL" -initrd "$initrd" \
            -append "console=ttyS0 reboot=t panic=-1 quiet rdinit=/init.krun KRUN_DHCP=1 KRUN_INIT=/run.sh" \
            < /dev/null > "$log" 2>&1 ;;
    esac
    rc=$?
    [ -n "$pp" ] && kill "$pp" 2>/dev/null
    if [ -n "$sp" ]; then
        kill "$sp" 2>/dev/null
        wait "$sp" 2>/dev/null
        bb sed "s/^BENCH-THREAD: /BENCH-THREAD: vmm=$1 pair=$2 /" "$T/threads-$1-$2"
    fi
    line=$(bb tr -d '\r' < "$log" | bb sed -n 's/^BENCH-NET-GUEST: //p' | bb tail -n1)
    lease=$(bb tr -d '\r' < "$log" | bb sed -n 's/^ckrun init: eth0: //p' | bb head -n1)
    echo "BENCH-NET: vmm=$1 pair=$2 backend=$BACKEND rc=$rc secs=$(($(bb date +%s) - t0)) $line"
    [ -n "$lease" ] && echo "    $1 lease: $lease"
    [ -n "$line" ] && [ "$rc" = 0 ] || bb tail -n 30 "$log" | bb sed 's/^/    guest| /'
}

i=$FROM
last=$((FROM + PAIRS - 1))
while [ "$i" -le "$last" ]; do
    # Alternate which VMM goes first, so drift in the host's load evens out.
    if [ $((i % 2)) = 1 ]; then order=$VMS; else order=$(echo "$VMS" | bb awk '{ for (k = NF; k > 0; k--) printf "%s ", $k }'); fi
    for v in $order; do run_vm "$v" "$i"; done
    i=$((i + 1))
done
exit 0
