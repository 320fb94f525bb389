#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 600
# ckrun run by a normal user: a user "ckuser" (uid/gid 4321) is added to the
# test host, /dev/kvm is given to its group (0660), and examples/ckrun-run
# runs as that user (busybox su) over a root, a writable share and a
# read-only share, all owned by ckuser. The guest (root inside) writes and
# reads files, makes a directory and a FIFO; the host then sees every new
# file owned by 4321:4321 (the passthrough cannot switch to the guest's ids
# without CAP_SETUID/CAP_SETGID: files belong to the running user). What the
# user may not do fails the request with a plain errno, and the VM goes on:
# reading a root-owned 0600 file in the share (EACCES), chown to root
# (EPERM), mknod of a device (EPERM). The read-only share refuses writes
# (EROFS) and is unchanged. While the guest runs, the VMM's threads are
# checked: no capabilities anywhere, no_new_privs on the vCPU and device
# threads, uid 4321.
# Harness contract: CKRUN_BUILD, CKRUN_KERNEL, CKRUN_BUSYBOX, CKRUN_TMP; exit 0 = pass.
set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
RUN="$CKRUN_BUILD/examples/ckrun-run"
T=$(mktemp -d "$CKRUN_TMP/${0##*/}.XXXXXX")
fails=0
fail() { echo "FAIL ${0##*/}: $*"; fails=$((fails + 1)); }
U=ckuser
ID=4321

[ "$(id -u)" = 0 ] || { echo "FAIL ${0##*/}: must start as root (it creates the user)"; exit 1; }
[ -c /dev/kvm ] || { echo "FAIL ${0##*/}: no /dev/kvm"; exit 1; }

# The user, without adduser's interactive parts.
mkdir -p /etc
grep -q "^$U:" /etc/passwd 2>/dev/null || echo "$U:x:$ID:$ID:ckrun test user:$T:/bin/sh" >>/etc/passwd
grep -q "^$U:" /etc/group 2>/dev/null || echo "$U:x:$ID:" >>/etc/group
[ -x /bin/sh ] || { echo "FAIL ${0##*/}: no /bin/sh for su"; exit 1; }
kvm_mode=$(stat -c %a:%g /dev/kvm)
chgrp "$ID" /dev/kvm && chmod 0660 /dev/kvm || { echo "FAIL: cannot give /dev/kvm to $U"; exit 1; }
restore_kvm() { chmod "${kvm_mode%:*}" /dev/kvm; chgrp "${kvm_mode#*:}" /dev/kvm; }

root="$T/root"
rw="$T/rw"
ro="$T/ro"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/rw" "$root/ro" "$rw" "$ro"
cp "$CKRUN_BUSYBOX" "$root/bin/busybox"
for a in sh echo cat ls mkdir touch rm mv chmod chown mkfifo mknod sleep mount grep stat; do
	ln -sf busybox "$root/bin/$a"
done
echo "read-only content" >"$ro/hello.txt"
echo "root's secret" >"$rw/secret"
chmod 0600 "$rw/secret" # stays root's
chown -R "$ID:$ID" "$root" "$ro"
chown "$ID:$ID" "$rw" "$T"
chmod 0700 "$rw" "$ro" # only the user (and root) may enter
snap_ro() { (cd "$ro" && find . -exec stat -c '%n|%s|%a|%u|%g|%Y' {} + | sort && cat hello.txt); }
snap_ro >"$T/ro.before"

cat >"$root/work.sh" <<'GUEST'
export PATH=/bin
mount -t virtiofs rwshare /rw || exit 90
mount -t virtiofs roshare /ro || exit 91
bad=0
ok() { d=$1; shift; if out=$("$@" 2>&1); then echo "UNPRIV-OK: $d"; else echo "UNPRIV-BAD: $d: $out"; bad=$((bad + 1)); fi; }
# refused DESC WANT CMD...: CMD must fail with the message WANT.
refused() {
	d=$1 want=$2; shift 2
	if out=$("$@" 2>&1); then echo "UNPRIV-BAD: $d succeeded"; bad=$((bad + 1))
	else case "$out" in
		*"$want"*) echo "UNPRIV-REFUSED: $d: $out" ;;
		*) echo "UNPRIV-BAD: $d: $out (expected $want)"; bad=$((bad + 1)) ;;
	esac; fi
}
ok "write" sh -c 'echo "guest data" >/rw/new.txt'
ok "read back" grep -q "guest data" /rw/new.txt
ok "mkdir" mkdir /rw/dir
ok "write in dir" sh -c 'echo nested >/rw/dir/f'
ok "rename" mv /rw/dir/f /rw/dir/g
ok "mkfifo" mkfifo /rw/fifo
ok "chmod" chmod 640 /rw/new.txt
ok "write on root" touch /on-root
ok "read ro" grep -q "read-only content" /ro/hello.txt
refused "read root's 0600 file" "Permission denied" cat /rw/secret
refused "chown to root" "Operation not permitted" chown 0:0 /rw/new.txt
refused "mknod c" "Operation not permitted" mknod /rw/null c 1 3
refused "write ro" "Read-only file system" sh -c 'echo x >/ro/hello.txt'
refused "create on ro" "Read-only file system" touch /ro/new
ok "still serving" grep -q "guest data" /rw/new.txt
echo "UNPRIV-END bad=$bad"
touch /rw/running
sleep 15
[ "$bad" -eq 0 ] && exit 42
exit 1
GUEST
chown "$ID:$ID" "$root/work.sh"

cat >"$T/launch.sh" <<EOF
#!/bin/sh
export CKRUN_BOOT_TIMEOUT=150
exec "$RUN" --kernel "$CKRUN_KERNEL" --cpus 1 --mem 256 --volume "$rw:rwshare" --volume "$ro:roshare:ro" "$root" -- /bin/sh /work.sh
EOF
chmod 0755 "$T/launch.sh"

echo "== running ckrun-run as $U ($(id "$U" 2>&1))"
timeout -s KILL 400 su -s /bin/sh "$U" -c "$T/launch.sh" </dev/null >"$T/out" 2>&1 &
bg=$!

field() { grep "^$2:" "$1" | tr -d ' \t' | cut -d: -f2; }
i=0
while [ ! -e "$rw/running" ] && [ "$i" -le 300 ]; do i=$((i + 1)); sleep 1; done
pid=
for d in /proc/[0-9]*; do
	case "$(readlink "$d/exe" 2>/dev/null)" in */ckrun-run) pid=${d#/proc/} ;; esac
done
if [ -e "$rw/running" ] && [ -n "$pid" ]; then
	n=0
	for st in /proc/"$pid"/task/*/status; do
		tid=${st%/status}
		tid=${tid##*/}
		cp "$st" "$T/st" 2>/dev/null || continue
		echo "    thread $tid: $(grep -E '^(Uid|CapPrm|CapEff|NoNewPrivs):' "$T/st" | tr -s ' \t' ' ' | tr '\n' ' ')"
		[ "$(field "$T/st" Uid)" = "$ID$ID$ID$ID" ] || fail "thread $tid: Uid $(field "$T/st" Uid)"
		[ "$(field "$T/st" CapEff)" = 0000000000000000 ] || fail "thread $tid has capabilities"
		[ "$(field "$T/st" CapPrm)" = 0000000000000000 ] || fail "thread $tid has permitted capabilities"
		[ "$tid" = "$pid" ] && continue
		n=$((n + 1))
		[ "$(field "$T/st" NoNewPrivs)" = 1 ] || fail "thread $tid without no_new_privs"
	done
	[ "$n" -ge 4 ] || fail "$n VMM threads besides the main one, expected at least 4"
else
	fail "the guest never signalled that it runs"
fi
wait $bg
rc=$?
restore_kvm
tr -d '\r' <"$T/out" | sed 's/^/    guest| /'
[ "$rc" -eq 42 ] || fail "exit status $rc, expected 42"
grep -q "^UNPRIV-END bad=0" "$T/out" || fail "the guest reported unexpected outcomes"
[ "$(grep -c '^UNPRIV-REFUSED' "$T/out")" -eq 5 ] || fail "not every refusal was seen"

# The host's view: everything the guest made belongs to the user.
for f in new.txt dir dir/g fifo running; do
	o=$(stat -c %u:%g "$rw/$f" 2>&1)
	[ "$o" = "$ID:$ID" ] || fail "$f is owned by $o, expected $ID:$ID"
done
[ "$(stat -c %u:%g "$root/on-root" 2>&1)" = "$ID:$ID" ] || fail "on-root is not the user's"
[ "$(stat -c %a "$rw/new.txt")" = 640 ] || fail "chmod did not reach the host"
[ ! -e "$rw/null" ] || fail "mknod made a node"
[ "$(stat -c %u:%g:%a "$rw/secret")" = 0:0:600 ] || fail "the secret changed"
snap_ro >"$T/ro.after"
cmp -s "$T/ro.before" "$T/ro.after" || fail "the read-only share changed: $(diff "$T/ro.before" "$T/ro.after")"

if [ "$fails" -eq 0 ]; then
	echo "PASS ${0##*/}"
	rm -rf "$T"
	exit 0
fi
echo "FAIL ${0##*/}: $fails check(s) failed; files kept in $T"
exit 1
