#!/bin/sh
# Runs inside the benchmark guest (same script under ckrun and QEMU), as
# /bench.sh in the shared busybox root. Prints "BENCH-RES NAME VALUE" lines;
# times in ms of guest uptime (10 ms steps). Keeps forks out of the timed
# parts where it can (TCG makes every fork cost tens of ms).
#   /bench.sh start | all MB NMETA
export PATH=/bin
exec 3>&1   # results go to fd 3: a timed command's redirection must not swallow them
[ -e /proc/self ] || mount -t proc proc /proc
[ -e /sys/kernel ] || mount -t sysfs sys /sys
stamp() { read -r u _ < /proc/uptime; T=${u%.*}${u#*.}0; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
timed() { # NAME CMD...: run CMD, print its time
    n=$1; shift
    stamp; t0=$T
    "$@"
    stamp; echo "BENCH-RES $n $((T - t0))" >&3
}
fin() {
    # under QEMU this is PID 1: end the VM (reboot=t + -no-reboot end QEMU)
    if [ $$ = 1 ]; then sync; reboot -f; sleep 10; fi
    exit 0
}
case $1 in
start)
    echo BENCH-MARK
    fin ;;
all)
    mb=$2 nmeta=$3
    echo BENCH-MEMREADY
    sleep 4
    mkdir -p /ro && mount -t virtiofs rodata /ro || echo "BENCH-ERR no read-only share"
    timed seqwrite_ms dd if=/dev/zero of=/data/f bs=1M count="$mb" conv=fsync 2>/dev/null
    drop
    timed seqread_ms dd if=/data/f of=/dev/null bs=1M 2>/dev/null
    drop
    timed ro_seqread_ms dd if=/ro/f of=/dev/null bs=1M 2>/dev/null
    rm -f /data/f
    mkdir /data/m
    create() { i=0; while [ $i -lt "$nmeta" ]; do : > /data/m/f$i; i=$((i + 1)); done; }
    timed create_ms create
    drop
    timed stat_ms ls -l /data/m > /dev/null
    timed unlink_ms rm -rf /data/m
    drop
    timed lsR_ms ls -lR /data/tree > /dev/null
    drop
    timed ro_lsR_ms ls -lR /ro/tree > /dev/null
    echo BENCH-DONE
    fin ;;
esac
