#!/bin/sh
# Benchmark case (not a test): ckrun against QEMU -M microvm + virtiofsd,
# side by side in the same (test) host, same guest kernel, same busybox root
# shared with virtio-fs, runs alternating ckrun, QEMU, ckrun, QEMU ...
# Each pair also runs the file workloads natively in this host, on the
# shared directories themselves (the physical limit).
# Run through bench/run, which calls tests/vm/run once per pair with this
# script (BENCH_PAIR_FROM=I BENCH_PAIRS=1), so the VM run lock is released
# between pairs.
# Knobs (env): BENCH_PAIRS (5), BENCH_PAIR_FROM (1), BENCH_MB (16),
#   BENCH_NMETA (500), BENCH_NRAND (1000), BENCH_TREE_DIRS (20) x
#   BENCH_TREE_FILES (50), BENCH_VMS (ckrun qemu), BENCH_DAX (1: ckrun also
#   reads through a DAX share), BENCH_CKRUN_LAUNCH (ckrun_bench | ckrun-run).
# Needs $CKRUN_BUILD/bench/randread and $CKRUN_BUILD/bench/src.tar (bench/run
# makes the tarball with git archive).
# ckrun-vm-build-files: examples/ckrun-run bench/randread bench/src.tar
# ckrun-vm-files: bench-guest.sh summary.awk /usr/bin/qemu-system-x86_64 /usr/lib/qemu/virtiofsd /usr/share/qemu/qboot.rom /usr/share/qemu/bios-microvm.bin /usr/share/qemu/linuxboot_dma.bin
# ckrun-vm-timeout: 3300
. "$CKRUN_VM_LIB"
set +e
vm_require_kvm
PAIRS=${BENCH_PAIRS:-5} FROM=${BENCH_PAIR_FROM:-1} MB=${BENCH_MB:-16} NMETA=${BENCH_NMETA:-500}
NRAND=${BENCH_NRAND:-1000} DAX=${BENCH_DAX:-1}
DAXWIN=$((MB * 2 + 64))   # MiB, holds the whole file
TD=${BENCH_TREE_DIRS:-20} TF=${BENCH_TREE_FILES:-50}
VMS=${BENCH_VMS:-ckrun qemu}
MEM=128
VM_TMO=${BENCH_VM_TIMEOUT:-900}
# ckrun-run (libkrun's convention: root tag /dev/root, no root=) needs a guest
# kernel with CONFIG_BLOCK to mount its root; without it, bench/ckrun_bench
# (tag rootfs, root=rootfs, /init.krun a file in the root) boots the same VM.
CKRUN_LAUNCH=${BENCH_CKRUN_LAUNCH:-ckrun_bench}
here=$(bb dirname "$0")
T=$CKRUN_TMP

uptime_ms() { read -r u _ < /proc/uptime; echo "${u%.*}${u#*.}0"; }

# --- the shared directories -------------------------------------------------
root=$T/root
vm_busybox_root "$root"
for a in dd sync ls rm mkdir sleep mount umount reboot tar grep; do [ -e "$root/bin/$a" ] || bb ln -s busybox "$root/bin/$a"; done
bb cp "$here/bench-guest.sh" "$root/bench.sh"
bb cp "$CKRUN_BUILD/bench/randread" "$root/bin/randread" || vm_fail "no $CKRUN_BUILD/bench/randread"
bb cp "$CKRUN_BUILD/bench/src.tar" "$root/src.tar" || vm_fail "no $CKRUN_BUILD/bench/src.tar"
printf '#!/bin/sh\nexec /bin/sh /bench.sh start\n' > "$root/qinit-start"
printf '#!/bin/sh\nexec /bin/sh /bench.sh all %s %s %s 0\n' "$MB" "$NMETA" "$NRAND" > "$root/qinit-all"
bb chmod 0755 "$root/bench.sh" "$root/qinit-start" "$root/qinit-all"
if [ "$CKRUN_LAUNCH" != ckrun-run ]; then
    bb cp "$CKRUN_BUILD/src/init/init.krun" "$root/init.krun" && bb chmod 0755 "$root/init.krun" \
        || vm_fail "no $CKRUN_BUILD/src/init/init.krun"
fi
bb mkdir -p "$root/data" "$root/ro" "$T/rodata"
mktree() { # DIR: TD directories of TF empty files (shell builtins: no forks)
    d=0
    while [ $d -lt "$TD" ]; do
        bb mkdir -p "$1/d$d"; f=0
        while [ $f -lt "$TF" ]; do : > "$1/d$d/f$f"; f=$((f + 1)); done
        d=$((d + 1))
    done
}
mktree "$root/data/tree"; mktree "$T/rodata/tree"
bb dd if=/dev/zero of="$T/rodata/f" bs=1M count="$MB" 2>/dev/null
bb mkdir -p "$T/rodata/src" && bb tar -xf "$root/src.tar" -C "$T/rodata/src" || vm_fail "tar -x on the host failed"
# virtiofsd has no read-only option: it serves a read-only bind mount
bb mkdir -p "$T/robind"
trap 'bb umount "$T/robind" 2>/dev/null' EXIT
bb mount --bind "$T/rodata" "$T/robind" && bb mount -o remount,bind,ro "$T/robind" \
    || vm_fail "read-only bind mount failed"

# --- one VM run -----------------------------------------------------------------
# Console goes through a FIFO read here: the marker's arrival is stamped at
# once, and on BENCH-MEMREADY the VMM processes' memory is sampled.
mem_sample() { # PID... -> "total_rss_kib guest_ram_rss_kib" summed
    for p in "$@"; do bb cat "/proc/$p/smaps" 2>/dev/null; done | bb awk -v ram=$((MEM * 1024)) '
        /^Size:/ { big = ($2 >= ram) }
        /^Rss:/ { t += $2; if (big) g += $2 }
        END { print t + 0, g + 0 }'
}
reader() { # FIFO LOG OUTPREFIX
    while IFS= read -r l; do
        echo "$l" >> "$2"
        case $l in
        *BENCH-MARK*) uptime_ms > "$3.mark" ;;
        *BENCH-MEMREADY*) bb sleep 1; mem_sample $(bb cat "$3.pids") > "$3.mem" ;;
        esac
    done < "$1"
}
# Waits for the VMM process PID (and then the console reader RPID) and sets
# rc. A watchdog kills the VMM after VM_TMO seconds; if even SIGKILL does not
# end it within 30 s (seen with QEMU: its nested vCPU stuck in this host's
# KVM, the whole host idle), the watchdog interrupts the wait (USR1) and the
# run is given up as wedged (rc=250): the reader is killed, and the
# workloads it logged so far are still reported.
wedged=0
trap 'wedged=1' USR1
wait_vmm() { # PID RPID
    wedged=0
    (   bb sleep "$VM_TMO"; kill -9 "$1" 2>/dev/null; bb sleep 30
        st=$(bb sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | bb cut -c1)
        if [ -n "$st" ] && [ "$st" != Z ]; then
            echo "BENCH-WEDGED: pid $1 did not end after SIGKILL (state $st, in $(bb cat "/proc/$1/wchan" 2>/dev/null))"
            kill -USR1 $$
        fi ) 2>/dev/null &
    w=$!
    wait "$1"; rc=$?
    kill "$w" 2>/dev/null
    if [ "$wedged" = 1 ]; then
        rc=250
        kill -9 "$2" 2>/dev/null
    else
        wait "$2"
    fi
}

run_ckrun() { # MODE PREFIX
    fifo=$2.fifo; bb mkfifo "$fifo"
    reader "$fifo" "$2.log" "$2" &
    rpid=$!
    t0=$(uptime_ms)
    if [ "$CKRUN_LAUNCH" = ckrun-run ]; then
        "$CKRUN_BUILD/examples/ckrun-run" --kernel "$CKRUN_KERNEL" --mem $MEM --cpus 1 --console "$fifo" \
            --volume "$T/rodata:rodata:ro" "$root" -- /bin/sh /bench.sh "$1" "$MB" "$NMETA" "$NRAND" 0 \
            < /dev/null > "$2.out" 2>&1 &
    else
        # the DAX share only in files runs: start-up runs stay the same VM as QEMU's
        daxargs=
        [ "$DAX" = 1 ] && [ "$1" = all ] && daxargs="--dax $T/rodata daxdata $DAXWIN"
        "$CKRUN_BUILD/bench/ckrun_bench" $daxargs "$CKRUN_KERNEL" $MEM "$fifo" "$root" "$T/rodata" rodata \
            /bin/sh /bench.sh "$1" "$MB" "$NMETA" "$NRAND" "${daxargs:+1}" < /dev/null > "$2.out" 2>&1 &
    fi
    vpid=$!
    echo $vpid > "$2.pids"
    wait_vmm $vpid $rpid
    t1=$(uptime_ms)
    echo "$t0 $t1 $rc" > "$2.times"
}

run_qemu() { # MODE PREFIX
    fifo=$2.fifo; bb mkfifo "$fifo"
    reader "$fifo" "$2.log" "$2" &
    rpid=$!
    s1=$2.sock1 s2=$2.sock2
    t0=$(uptime_ms)
    /usr/lib/qemu/virtiofsd --socket-path="$s1" -o source="$root" -o cache=auto -o sandbox=chroot \
        --thread-pool-size=0 > "$2.vfs1" 2>&1 &
    f1=$!
    /usr/lib/qemu/virtiofsd --socket-path="$s2" -o source="$T/robind" -o cache=auto -o sandbox=chroot \
        --thread-pool-size=0 > "$2.vfs2" 2>&1 &
    f2=$!
    n=0
    while { [ ! -S "$s1" ] || [ ! -S "$s2" ]; } && [ $n -lt 200 ]; do bb usleep 20000; n=$((n + 1)); done
    qemu-system-x86_64 -M microvm,isa-serial=on,acpi=off,memory-backend=mem -accel kvm -cpu host \
        -m $MEM -smp 1 -nodefaults -no-user-config -nographic -no-reboot \
        -object memory-backend-memfd,id=mem,size=${MEM}M,share=on \
        -global virtio-mmio.force-legacy=false \
        -chardev socket,id=fs0,path="$s1" -device vhost-user-fs-device,chardev=fs0,tag=rootfs \
        -chardev socket,id=fs1,path="$s2" -device vhost-user-fs-device,chardev=fs1,tag=rodata \
        -serial file:"$fifo" -kernel "$CKRUN_KERNEL" \
        -append "reboot=t panic=-1 panic_print=0 nomodule console=ttyS0 rootfstype=virtiofs root=rootfs rw quiet no-kvmapf init=/qinit-$1" \
        < /dev/null > "$2.out" 2>&1 &
    vpid=$!
    echo "$vpid $f1 $f2" > "$2.pids"
    # virtiofsd ends when QEMU does; the reader when the FIFO closes
    wait_vmm $vpid $rpid
    t1=$(uptime_ms)
    kill "$f1" "$f2" 2>/dev/null; wait "$f1" "$f2" 2>/dev/null
    echo "$t0 $t1 $rc" > "$2.times"
}

run_native() { # all PREFIX: the same file workloads here, on the shared directories
    t0=$(uptime_ms)
    "$root/bin/busybox" sh "$root/bench.sh" native "$MB" "$NMETA" "$NRAND" "$root" "$T/robind" \
        < /dev/null > "$2.log" 2>&1
    rc=$?
    t1=$(uptime_ms)
    echo "$t0 $t1 $rc" > "$2.times"
}

# Prints "BENCH: vmm=V pair=I metric=value ..." for one run.
report() { # VMM PAIR MODE PREFIX
    read -r t0 t1 rc < "$4.times"
    line="BENCH: vmm=$1 pair=$2 mode=$3 rc=$rc"
    if [ "$3" = start ]; then
        line="$line exit_ms=$((t1 - t0))"
        [ -s "$4.mark" ] && line="$line marker_ms=$(( $(bb cat "$4.mark") - t0 ))"
    else
        if [ -s "$4.mem" ]; then
            read -r rss gram < "$4.mem"
            line="$line rss_kib=$rss guest_ram_kib=$gram vmm_kib=$((rss - gram))"
        fi
        line="$line $(bb sed -n 's/.*BENCH-RES \([a-zA-Z_]*\) \([0-9]*\).*/\1=\2/p' "$4.log" | bb tr '\n' ' ')"
        bb grep -q BENCH-DONE "$4.log" || line="$line incomplete=1"
    fi
    echo "$line" | bb tee -a "$T/results"
    bb grep BENCH-ERR "$4.log" 2>/dev/null | bb sed 's/^.*BENCH-ERR/BENCH-ERR: '"$1"'/'
    if [ "$rc" != 0 ] || { [ "$3" = start ] && [ ! -s "$4.mark" ]; }; then
        echo "BENCH-FAILED-RUN: $1 pair $2 $3 rc=$rc"; bb tail -20 "$4.log" 2>/dev/null; bb tail -5 "$4.out"
        for f in "$4.vfs1" "$4.vfs2"; do [ -s "$f" ] && bb tail -5 "$f"; done
    fi
}

vm_log "pairs $FROM..$((FROM + PAIRS - 1)) file=${MB}MiB rand=${NRAND}x4KiB meta=$NMETA tree=$((TD * TF)) vms: $VMS dax=$DAX window=${DAXWIN}MiB"
vm_log "test host loadavg: $(bb cat /proc/loadavg)"
i=$((FROM - 1))
while [ $i -lt $((FROM + PAIRS - 1)) ]; do
    i=$((i + 1))
    for mode in start all; do
        # odd pairs ckrun first, even pairs QEMU first (A B, B A, ...): whoever
        # runs first after the test host boots must not always be the same
        vms=$VMS
        [ $((i % 2)) = 0 ] && vms=$(echo $VMS | bb awk '{ for (k = NF; k > 0; k--) printf "%s ", $k }')
        [ $mode = all ] && vms="$vms native"
        for v in $vms; do
            p=$T/$v-$i-$mode
            bb rm -rf "$root/data/f" "$root/data/m" "$root/data/src"
            # let the previous VM's teardown (its memory, the nested VM in
            # this host's KVM) finish before the clock starts: in session 3
            # the second VM of a pair booted 1-3 s slower without this
            sync; bb sleep "${BENCH_SETTLE:-5}"
            run_$v $mode "$p"
            report $v $i $mode "$p"
        done
    done
done
vm_log "test host loadavg: $(bb cat /proc/loadavg)"

# --- summary: per-pair ratio ckrun/QEMU, median with min and max ----------
# (all metrics are "lower is better": ms or KiB)
bb awk -f "$here/summary.awk" "$T/results"
bb grep -q "rc=[1-9]" "$T/results" && vm_fail "some runs failed (see BENCH-FAILED-RUN)"
exit 0
