#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-build-files: examples/ckrun-run tests/vm/fs/fsprobe
# ckrun-vm-timeout: 720
# An abusive but legal workload on two shares at once ("ab-ro" read-only,
# "ab-rw" read-write), then proof that the VMM and both shares still work.
#
# FS_ABUSE_WORKERS processes (default 16) run for FS_ABUSE_SECS seconds
# (default 20), a quarter each of: writers on the RW share (create, write,
# fsync, read back, rename, stat, readdir, unlink), readers on the RW share
# and readers on the RO share (content verified on every read), and
# "refusers" on the RO share (nine kinds of write, each must fail with
# EROFS). All run from tests/vm/fs/fsprobe. The issue's target is 64 workers
# for 60 s; 16 x 20 s is the default because the guest runs under nested
# KVM inside the TCG test host on 2 shared cores, where 64 x 60 s would take
# most of the runner's time budget while exercising the same paths (the
# worker count is past the 2 vCPUs and the queue depth either way); set
# FS_ABUSE_WORKERS=64 FS_ABUSE_SECS=60 where guests run at hardware speed
# (direct mode; the runner does not pass the environment into the test
# host). Measured in the test host at load ~10: each worker completed 3-40
# iterations in its 20 s, one FIFO/device round fit, the case took 131 s.
#
# While they run, the guest creates a FIFO and device nodes in the RW share
# (mkfifo; mknod c 1 3, c 1 5, and c 60 7: a major reserved for local
# use, which no driver takes) and, in
# rounds until the workers end, opens them: a FIFO reader with no writer
# (killed by timeout), a FIFO transfer in each direction through the guest's
# FIFO and through one the host made, O_NONBLOCK opens (read: succeeds;
# write with no reader: ENXIO), reads from the zero node, writes to the null
# node, and an open of the driverless node (must fail, not hang).
#
# Programs from a tmpfs: the guest copies busybox and fsprobe into a tmpfs and
# runs everything from there. Run from the virtio-fs root, every exec opens
# /bin/busybox, and ckrun's OPEN reply carries no FOPEN_KEEP_CACHE, so the
# guest drops the binary's page cache on each open and unmaps its text from
# every running process. Inside the TCG test host that is the likely cause
# of this case's old "KVM internal error (suberror 1)": the emulated SVM has
# no NRIP save, so the test host's KVM skips an intercepted CPUID (glibc runs
# dozens at each static binary's start) by decoding it from guest memory, and
# a decode that faults because the text page was just unmapped stops the VM
# (docs/testing.md, "Known limits"; not proven, the old message had no RIP).
# Hardware KVM gets the next RIP from the CPU and never decodes there. The
# shares under test are used exactly as before; only the programs' own text
# no longer lives on a share (exec from the share was also 2x slower).
#
# Afterwards: every worker succeeded, a final command on each share works,
# the workload's exit status comes back through the VMM; on the host, each
# writer's last file is intact, the FIFO and device nodes are what the guest
# made, and the RO share is unchanged (stat + sha256 listing).
. "$(dirname "$0")/../lib-launcher.sh"
WORKERS="${FS_ABUSE_WORKERS:-16}"
SECS="${FS_ABUSE_SECS:-20}"

root="$T/root"
ro="$T/ro"
rw="$T/rw"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/ro" "$root/rw" "$root/x" "$ro" "$rw"
cp "$CKRUN_BUSYBOX" "$root/bin/busybox"
cp "$PROBE" "$root/bin/fsprobe"
for a in sh echo cat mount umount mkfifo mknod dd wc ls timeout sleep rm grep cp ln; do
	ln -s busybox "$root/bin/$a"
done

"$PROBE" mkdata "$ro" && "$PROBE" mkdata "$rw" || { echo "FAIL: fsprobe mkdata"; exit 1; }
echo "ro share" >"$ro/hello.txt"
mkfifo "$rw/host-fifo"

snapshot "$ro" >"$T/ro.before" || { echo "FAIL: host snapshot"; exit 1; }

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
{
	echo "NONCE=$nonce"
	echo "WORKERS=$WORKERS"
	echo "SECS=$SECS"
} >"$root/case.env"

cat >"$root/abuse.sh" <<'GUEST'
# Programs run from a guest tmpfs, not from the virtio-fs root: see
# "Programs from a tmpfs" above.
if [ -z "${FSAB_TMPFS:-}" ]; then
	/bin/mount -t tmpfs -o size=16m none /x || { echo "FSAB-BAD: mount tmpfs /x"; exit 92; }
	/bin/cp /bin/busybox /bin/fsprobe /x/ || { echo "FSAB-BAD: copy programs to /x"; exit 93; }
	for a in sh echo cat mount umount mkfifo mknod dd wc ls timeout sleep rm grep; do
		/bin/ln -s busybox "/x/$a"
	done
	FSAB_TMPFS=1 exec /x/sh /abuse.sh
fi
export PATH=/x
. /case.env
fails=0
okk() { echo "FSAB-OK: $*"; }
bad() { echo "FSAB-BAD: $*"; fails=$((fails + 1)); }
ok() { d=$1; shift; if out=$("$@" </dev/null 2>&1); then okk "$d"; else bad "$d: $out"; fi; }
eq() { if [ "$2" = "$3" ]; then okk "$1"; else bad "$1: got '$2', want '$3'"; fi; }
up() { read -r u _ </proc/uptime; echo "${u%.*}"; }

mount -t virtiofs ab-ro /ro || { echo "FSAB-BAD: mount ab-ro"; exit 90; }
mount -t virtiofs ab-rw /rw || { echo "FSAB-BAD: mount ab-rw"; exit 91; }

ok "mkfifo" mkfifo /rw/fifo
ok "mknod null" mknod /rw/null c 1 3
ok "mknod zero" mknod /rw/zero c 1 5
ok "mknod nodev" mknod /rw/nodev c 60 7

t0=$(up)
echo "FSAB: starting $WORKERS workers for $SECS s at uptime $t0"
i=0
pids=
while [ "$i" -lt "$WORKERS" ]; do
	case $((i % 4)) in
	0) fsprobe hammer write /rw "$i" "$SECS" >/tmp/w.$i.log 2>&1 & ;;
	1) fsprobe hammer read /rw "$i" "$SECS" >/tmp/w.$i.log 2>&1 & ;;
	2) fsprobe hammer read /ro "$i" "$SECS" >/tmp/w.$i.log 2>&1 & ;;
	3) fsprobe hammer refuse /ro "$i" "$SECS" >/tmp/w.$i.log 2>&1 & ;;
	esac
	pids="$pids $!"
	i=$((i + 1))
done

# FIFO and device-node rounds while the workers run.
round=0
while [ "$round" -eq 0 ] || [ $(($(up) - t0)) -lt "$SECS" ]; do
	round=$((round + 1))
	# A reader with no writer blocks in open(); timeout ends it.
	timeout 3 cat /rw/fifo >/dev/null 2>&1
	st=$?
	[ "$st" -ne 0 ] || bad "round $round: cat of a writer-less FIFO returned 0"
	for f in fifo host-fifo; do
		timeout 30 sh -c "sleep 1; echo 'through $f $round' >/rw/$f" &
		got=$(timeout 30 cat /rw/$f)
		wait $!
		eq "round $round: $f transfer" "$got" "through $f $round"
	done
	ok "round $round: O_NONBLOCK read open of the FIFO" fsprobe opennb /rw/fifo rd
	out=$(fsprobe opennb /rw/fifo wr 2>&1)
	case "$out" in
	*"No such device or address"*) okk "round $round: O_NONBLOCK write open without reader: ENXIO" ;;
	*) bad "round $round: O_NONBLOCK write open without reader: $out" ;;
	esac
	eq "round $round: 64 KiB from the zero node" "$(dd if=/rw/zero bs=4096 count=16 2>/dev/null | wc -c)" 65536
	ok "round $round: write to the null node" sh -c "echo discarded > /rw/null"
	eq "round $round: read the null node" "$(cat /rw/null)" ""
	if out=$(timeout 10 fsprobe opennb /rw/nodev rd 2>&1); then
		bad "round $round: the driverless node opened: $out"
	else
		okk "round $round: the driverless node refused: $out"
	fi
done
echo "FSAB: $round FIFO/device rounds"

i=0
for p in $pids; do
	wait "$p"
	st=$?
	cat /tmp/w.$i.log
	[ "$st" -eq 0 ] || bad "worker $i exited with $st"
	i=$((i + 1))
done
echo "FSAB: workers done at uptime $(up)"

# Both shares and the VMM still answer.
eq "ro after" "$(cat /ro/hello.txt)" "ro share"
ok "ro data after" fsprobe verify /ro/data.4 262144 4
ok "ro listing after" ls -l /ro
echo "$NONCE" >/rw/after.txt
eq "rw after" "$(cat /rw/after.txt)" "$NONCE"
ok "rw data after" fsprobe verify /rw/data.6 262144 6

cd /
umount /rw || bad "umount /rw"
umount /ro || bad "umount /ro"
echo "FSAB-END $NONCE rounds=$round fails=$fails"
[ "$fails" -eq 0 ] && exit 42
exit 1
GUEST

echo "== running the guest: $WORKERS workers x $SECS s on $ro (ab-ro, ro) and $rw (ab-rw)"
vm_console 660 --cpus 2 --mem 512 \
	--volume "$ro:ab-ro:ro" --volume "$rw:ab-rw" "$root" -- /bin/sh /abuse.sh

guest_passed FSAB "rounds=[1-9][0-9]* "
nw=$(grep -c '^hammer .* rc=0$' "$T/log")
[ "$nw" -eq "$WORKERS" ] || fail "$nw of $WORKERS workers reported success"
# Every worker did real work.
! grep -q '^hammer .* ops=0 ' "$T/log" || fail "a worker completed no operation"

# The host's view.
i=0
while [ "$i" -lt "$WORKERS" ]; do
	if [ $((i % 4)) -eq 0 ]; then
		"$PROBE" verify "$rw/w.$i/final" 65536 "$i" || fail "host: writer $i's final file"
	fi
	i=$((i + 1))
done
for k in 0 1 2 3 4 5 6 7; do
	"$PROBE" verify "$rw/data.$k" 262144 "$k" || fail "host: rw/data.$k changed"
done
heq "after.txt" "$(cat "$rw/after.txt" 2>&1)" "$nonce"
heq "fifo" "$(stat -c %F "$rw/fifo" 2>&1)" fifo
heq "host-fifo" "$(stat -c %F "$rw/host-fifo" 2>&1)" fifo
heq "null node" "$(stat -c '%F %t %T' "$rw/null" 2>&1)" "character special file 1 3"
heq "zero node" "$(stat -c '%F %t %T' "$rw/zero" 2>&1)" "character special file 1 5"
heq "driverless node" "$(stat -c '%F %t %T' "$rw/nodev" 2>&1)" "character special file 3c 7"
unchanged "the RO share" "$ro" "$T/ro.before"

finish "($WORKERS workers x $SECS s)"
