#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 600
# The privilege drop (src/vmm/privs.c), seen from the host while a guest
# runs as root: the guest writes a marker file to a share and sleeps; the
# host then reads /proc/PID/task/*/status of the VMM (examples/ckrun-run,
# i.e. krun_start_enter). Every thread but the main one (the vCPU thread and
# the device workers it started) must hold exactly the keep set in its
# effective, permitted and bounding sets, nothing inheritable or ambient, and
# no_new_privs; the main thread (the caller's) is unchanged.
#   run 1: a writable root, a writable and a read-only volume, CKRUN_SECCOMP=1
#          -> 0x880000df (CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID
#          SETGID SETUID MKNOD SETFCAP), "Seccomp: 2" (filter) on those
#          threads, and a file workload (create, write, read back, mkdir,
#          rename, link, symlink, chmod, chown, truncate, unlink, mkfifo,
#          mknod) that succeeds under the seccomp allow-list;
#   run 2: --ro-root and a read-only volume only -> 0x4 (DAC_READ_SEARCH).
# Harness contract: CKRUN_BUILD, CKRUN_KERNEL, CKRUN_BUSYBOX, CKRUN_TMP; exit 0 = pass.
set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
RUN="$CKRUN_BUILD/examples/ckrun-run"
export CKRUN_BOOT_TIMEOUT="${CKRUN_BOOT_TIMEOUT:-150}"
T=$(mktemp -d "$CKRUN_TMP/${0##*/}.XXXXXX")
fails=0
fail() { echo "FAIL ${0##*/}: $*"; fails=$((fails + 1)); }

[ "$(id -u)" = 0 ] || { echo "FAIL ${0##*/}: must run as root (it checks a drop from full capabilities)"; exit 1; }

make_root() {
	mkdir -p "$1/bin" "$1/dev" "$1/proc" "$1/sys" "$1/tmp" "$1/rw" "$1/ro"
	cp "$CKRUN_BUSYBOX" "$1/bin/busybox"
	for a in sh echo cat ls mkdir touch rm mv ln chmod chown truncate mkfifo mknod sleep mount \
		grep seq stat; do
		ln -sf busybox "$1/bin/$a"
	done
}

# vmm_pid: the pid of the running ckrun-run (one at a time in the test host).
vmm_pid() {
	for d in /proc/[0-9]*; do
		case "$(readlink "$d/exe" 2>/dev/null)" in
		*/ckrun-run) echo "${d#/proc/}"; return 0 ;;
		esac
	done
	return 1
}

# wait_marker FILE: until the guest created FILE (at most 300 s).
wait_marker() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ "$i" -le 300 ] || return 1
		sleep 1
	done
}

field() { grep "^$2:" "$1" | tr -d ' \t' | cut -d: -f2; }

# check_threads PID KEEP SECCOMP NAME: the status of every thread of PID.
check_threads() {
	pid=$1 keep=$2 sec=$3 what=$4
	own_eff=$(field /proc/self/status CapEff)
	n=0
	for st in /proc/"$pid"/task/*/status; do
		tid=${st%/status}
		tid=${tid##*/}
		cp "$st" "$T/st.$tid" 2>/dev/null || continue
		s="$T/st.$tid"
		echo "    $what thread $tid: $(grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "$s" | tr -s ' \t' ' ' | tr '\n' ' ')"
		if [ "$tid" = "$pid" ]; then
			# The caller's thread: not touched by the library.
			[ "$(field "$s" CapEff)" = "$own_eff" ] || fail "$what: main thread CapEff $(field "$s" CapEff), expected the caller's $own_eff"
			[ "$(field "$s" NoNewPrivs)" = 0 ] || fail "$what: main thread has no_new_privs"
			continue
		fi
		n=$((n + 1))
		for f in CapEff CapPrm CapBnd; do
			[ "$(field "$s" $f)" = "$keep" ] || fail "$what: thread $tid $f $(field "$s" $f), expected $keep"
		done
		for f in CapInh CapAmb; do
			[ "$(field "$s" $f)" = 0000000000000000 ] || fail "$what: thread $tid $f $(field "$s" $f), expected 0"
		done
		[ "$(field "$s" NoNewPrivs)" = 1 ] || fail "$what: thread $tid without no_new_privs"
		[ "$(field "$s" Seccomp)" = "$sec" ] || fail "$what: thread $tid Seccomp $(field "$s" Seccomp), expected $sec"
	done
	# 1 vCPU + the console + one virtio-fs worker per share.
	[ "$n" -ge "$5" ] || fail "$what: $n VMM threads besides the main one, expected at least $5"
}

# ---- run 1: writable shares, seccomp on
root="$T/root"
make_root "$root"
rw="$T/rw"
ro="$T/ro"
mkdir -p "$rw" "$ro"
echo "read-only content" >"$ro/hello.txt"
cat >"$root/work.sh" <<'GUEST'
export PATH=/bin
mount -t virtiofs rwshare /rw || exit 90
mount -t virtiofs roshare /ro || exit 91
bad=0
chk() { d=$1; shift; if "$@" >/dev/null 2>&1; then echo "PRIVS-OK: $d"; else echo "PRIVS-BAD: $d"; bad=$((bad + 1)); fi; }
chk "read ro" grep -q "read-only content" /ro/hello.txt
for i in $(seq 1 50); do echo "file $i" >/rw/f.$i || bad=$((bad + 1)); done
chk "read back" grep -q "file 37" /rw/f.37
chk "ls" ls -l /rw
chk "mkdir" mkdir /rw/d
chk "rename" mv /rw/f.1 /rw/d/moved
chk "link" ln /rw/f.2 /rw/f.2.hard
chk "symlink" ln -s f.3 /rw/f.3.sym
chk "chmod" chmod 600 /rw/f.4
chk "chown" chown 1000:1000 /rw/f.5
chk "truncate" truncate -s 1 /rw/f.6
chk "unlink" rm /rw/f.7
chk "mkfifo" mkfifo /rw/fifo
chk "mknod" mknod /rw/null c 1 3
chk "write root" touch /written-on-root
echo "PRIVS-END bad=$bad"
touch /rw/running
sleep 15
[ "$bad" -eq 0 ] && exit 42
exit 1
GUEST

echo "== run 1: writable root, rwshare, roshare:ro, CKRUN_SECCOMP=1"
CKRUN_SECCOMP=1 timeout -s KILL 400 "$RUN" --kernel "$CKRUN_KERNEL" --cpus 1 --mem 256 \
	--volume "$rw:rwshare" --volume "$ro:roshare:ro" "$root" -- /bin/sh /work.sh </dev/null >"$T/out1" 2>&1 &
bg=$!
if wait_marker "$rw/running" && pid=$(vmm_pid); then
	check_threads "$pid" 00000000880000df 2 "run 1" 5
else
	fail "run 1: the guest never signalled that it runs"
fi
wait $bg
rc=$?
tr -d '\r' <"$T/out1" | sed 's/^/    guest| /'
[ "$rc" -eq 42 ] || fail "run 1: exit status $rc, expected 42"
grep -q "^PRIVS-END bad=0" "$T/out1" || fail "run 1: the workload failed"
[ "$(stat -c %u:%g "$rw/f.5")" = 1000:1000 ] || fail "run 1: chown did not reach the host"
[ -c "$rw/null" ] || fail "run 1: mknod did not reach the host"
[ -e "$root/written-on-root" ] || fail "run 1: the root share was not written"

# ---- run 2: read-only only
root2="$T/root2"
make_root "$root2"
cat >"$root2/ro.sh" <<'GUEST'
export PATH=/bin
mount -t virtiofs roshare /ro || exit 91
grep -q "read-only content" /ro/hello.txt || exit 92
echo PRIVS-RO-READ
sleep 25
exit 42
GUEST
echo "== run 2: --ro-root, roshare:ro"
timeout -s KILL 400 "$RUN" --kernel "$CKRUN_KERNEL" --cpus 1 --mem 256 --ro-root \
	--volume "$ro:roshare:ro" "$root2" -- /bin/sh /ro.sh </dev/null >"$T/out2" 2>&1 &
bg=$!
# No share can take a marker: wait for the guest's line on the console.
i=0
while ! grep -q PRIVS-RO-READ "$T/out2" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -le 300 ] || break
	sleep 1
done
if grep -q PRIVS-RO-READ "$T/out2" && pid=$(vmm_pid); then
	check_threads "$pid" 0000000000000004 0 "run 2" 4
else
	fail "run 2: the guest never signalled that it runs"
fi
wait $bg
rc=$?
tr -d '\r' <"$T/out2" | sed 's/^/    guest| /'
[ "$rc" -eq 42 ] || fail "run 2: exit status $rc, expected 42"

if [ "$fails" -eq 0 ]; then
	echo "PASS ${0##*/}"
	rm -rf "$T"
	exit 0
fi
echo "FAIL ${0##*/}: $fails check(s) failed; files kept in $T"
exit 1
