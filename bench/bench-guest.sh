#!/bin/sh
# Runs inside the benchmark guest (same script under ckrun and QEMU), as
# /bench.sh in the shared busybox root, and natively in the (test) host on
# the shared directories themselves (the physical limit). Prints
# "BENCH-RES NAME VALUE" lines; times in ms of uptime (10 ms steps), except
# the random reads, which bench/randread times itself (in microseconds). Keeps forks out of the
# timed parts where it can (TCG makes every fork cost tens of ms).
#   /bench.sh start
#   /bench.sh all MB NMETA NRAND DAX        (in a guest; DAX 1: also the
#                                            daxdata share, mounted -o dax)
#   bench.sh native MB NMETA NRAND ROOT RODATA   (in the host, busybox in ROOT/bin)
mode=$1
if [ "$mode" = native ]; then
    base=$5 ro=$6
    export PATH=$base/bin
    D=$base/data R=$ro S=$base/src.tar
else
    export PATH=/bin
    base= D=/data R=/ro S=/src.tar
    [ -e /proc/self ] || mount -t proc proc /proc
    [ -e /sys/kernel ] || mount -t sysfs sys /sys
fi
exec 3>&1   # results go to fd 3: a timed command's redirection must not swallow them
stamp() { read -r u _ < /proc/uptime; T=${u%.*}${u#*.}0; }
drop() { sync; [ -n "${BENCH_NODROP:-}" ] || echo 3 > /proc/sys/vm/drop_caches; }
timed() { # NAME CMD...: run CMD, print its time
    n=$1; shift
    stamp; t0=$T
    "$@"
    stamp; echo "BENCH-RES $n $((T - t0))" >&3
}
rand() { # NAME FILE: NRAND 4 KiB preads at fixed pseudo-random offsets
    r=$("$base/bin/randread" "$2" "$nrand" 1) && echo "BENCH-RES $1 ${r%% *}" >&3 \
        || echo "BENCH-ERR $1 failed" >&3
}
fin() {
    # under QEMU this is PID 1: end the VM (reboot=t + -no-reboot end QEMU)
    if [ $$ = 1 ]; then sync; reboot -f; sleep 10; fi
    exit 0
}
case $mode in
start)
    echo BENCH-MARK
    fin ;;
all|native)
    mb=$2 nmeta=$3 nrand=$4 dax=0
    [ "$mode" = all ] && dax=${5:-0}
    if [ "$mode" = all ]; then
        echo BENCH-MEMREADY
        sleep 4
        mkdir -p /ro && mount -t virtiofs rodata /ro || echo "BENCH-ERR no read-only share"
    fi
    timed seqwrite_ms dd if=/dev/zero of=$D/f bs=1M count="$mb" conv=fsync 2>/dev/null
    drop
    timed seqread_ms dd if=$D/f of=/dev/null bs=1M 2>/dev/null
    drop
    timed ro_seqread_ms dd if=$R/f of=/dev/null bs=1M 2>/dev/null
    drop
    rand randread_us $D/f
    drop
    rand ro_randread_us $R/f
    rm -f $D/f
    if [ "$dax" = 1 ]; then
        # the same file as /ro/f, through a share with a DAX window; mounted
        # afresh for each workload, so the random reads find no mappings left
        # by the sequential read
        mkdir -p /dax
        if mount -t virtiofs -o dax daxdata /dax && grep -q " /dax .*dax" /proc/mounts; then
            drop
            timed dax_seqread_ms dd if=/dax/f of=/dev/null bs=1M 2>/dev/null
            umount /dax; mount -t virtiofs -o dax daxdata /dax; drop
            rand dax_randread_us /dax/f
            umount /dax
        else
            echo "BENCH-ERR no DAX share"
        fi
    fi
    mkdir $D/m
    create() { i=0; while [ $i -lt "$nmeta" ]; do : > $D/m/f$i; i=$((i + 1)); done; }
    timed create_ms create
    drop
    timed stat_ms ls -l $D/m > /dev/null
    timed unlink_ms rm -rf $D/m
    drop
    timed lsR_ms ls -lR $D/tree > /dev/null
    drop
    timed ro_lsR_ms ls -lR $R/tree > /dev/null
    # a source tree (git archive of the project, made on the outer host)
    mkdir -p $D/src
    drop
    tarx() { tar -xf $S -C $D/src && sync; }
    timed tar_ms tarx
    drop
    timed grep_ms grep -rn krun_ $D/src > /dev/null
    drop
    timed ro_grep_ms grep -rn krun_ $R/src > /dev/null
    rm -rf $D/src
    echo BENCH-DONE
    [ "$mode" = native ] && exit 0
    fin ;;
esac
