# SPDX-License-Identifier: Apache-2.0
# Shared prelude of the VM cases that drive the launcher, examples/ckrun-run
# (init-*.sh, fs-*.sh). Unlike lib.sh it does not `set -e`: these cases look
# at many exit statuses and count failed checks. A case uses it with
#   # ckrun-vm-files: ../lib-launcher.sh
#   . "$(dirname "$0")/../lib-launcher.sh"
# (the runner packs a relative ckrun-vm-files path from next to the case, so
# the file is at the same path in both modes).
#
# Stable interface (new cases rely on these names):
#   RUN               the launcher, $CKRUN_BUILD/examples/ckrun-run
#   T                 this case's scratch directory (removed by a passing finish)
#   fails             the number of failed checks so far
#   CKRUN_BOOT_TIMEOUT  exported, default 150 s: guests boot slowly in the TCG
#                     test host, the library's own default is 30 s
#   fail MSG          count a failed check; print "FAIL <case>: MSG" on stderr
#   finish [NOTE]     exit 0 ("PASS <case> [NOTE]", $T removed) when no check
#                     failed, else exit 1 ($T kept for a look)
#   make_root DIR     a minimal root: busybox and common applets in DIR/bin
#   vm ARGS...        $RUN --kernel $CKRUN_KERNEL ARGS..., killed after
#                     ${CKRUN_VM_TIMEOUT:-180} s
#   vm_console SECS ARGS...
#                     $RUN --kernel $CKRUN_KERNEL ARGS... with stdin from
#                     /dev/null, killed after SECS s; the console is streamed
#                     into the case's output ("    guest| " prefix) while it
#                     runs, kept in $T/out and, without CRs, in $T/log; sets
#                     rc to the launcher's exit status (255: none recorded)
#   fs_root DIR APPLET...
#                     a root for the virtio-fs cases: DIR/{bin,dev,proc,sys,tmp},
#                     busybox with the APPLETs, and $PROBE as /bin/fsprobe
#   fs_one_share APPLET...
#                     a one-share case's start: root=$T/root (fs_root with
#                     the APPLETs, and /mnt to mount the share on) and
#                     share=$T/share holding fsprobe's data set (mkdata)
#   xattr_ns FILE SUFFIX VALUE
#                     sets xns to the first of user, trusted in which the
#                     host file system takes the xattr "$xns.SUFFIX"=VALUE on
#                     FILE (left set), else ends the case; for trusted.*
#                     (CAP_SYS_ADMIN, which the VMM's threads drop: see
#                     docs/security.md, "Privileges") exports
#                     CKRUN_PRIVS_DROP=0
#   PROBE             the fs cases' helper, $CKRUN_BUILD/tests/vm/fs/fsprobe
#                     (declare tests/vm/fs/fsprobe in ckrun-vm-build-files)
#   guest_passed TAG [FIELDS]
#                     the verdict of a guest script that counts its failed
#                     checks: exit status 42, a "TAG-END $nonce FIELDSfails=0"
#                     line (FIELDS: a regex, e.g. "refused=[1-9][0-9]* "), no
#                     "TAG-BAD" line in $T/log; a failed check for each miss
#   heq WHAT GOT WANT a host-side check: "host-ok: WHAT", or a failed check
#   snapshot DIR      DIR's tree as a sorted listing: stat fields of every
#                     entry, then the sha256 of every file
#   unchanged WHAT DIR NAME.before
#                     a failed check (with the diff) unless DIR's snapshot is
#                     still the one in NAME.before (the new one: NAME.after)
# Harness contract: CKRUN_BUILD, CKRUN_KERNEL, CKRUN_BUSYBOX, CKRUN_TMP;
# exit 0 = pass.

set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
RUN="$CKRUN_BUILD/examples/ckrun-run"
PROBE="$CKRUN_BUILD/tests/vm/fs/fsprobe"
export CKRUN_BOOT_TIMEOUT="${CKRUN_BOOT_TIMEOUT:-150}"
T=$(mktemp -d "$CKRUN_TMP/${0##*/}.XXXXXX")
fails=0

fail() { echo "FAIL ${0##*/}: $*" >&2; fails=$((fails + 1)); }

finish() {
	if [ "$fails" -eq 0 ]; then
		echo "PASS ${0##*/}${1:+ $1}"
		rm -rf "$T"
		exit 0
	fi
	echo "FAIL ${0##*/}: $fails check(s) failed; files kept in $T" >&2
	exit 1
}

make_root() {
	mkdir -p "$1/bin"
	cp "$CKRUN_BUSYBOX" "$1/bin/busybox"
	for a in sh echo cat printf ls mkdir touch rm kill sleep true false env test \
		mount grep id seq pwd; do
		ln -sf busybox "$1/bin/$a"
	done
}

vm() {
	if command -v timeout >/dev/null 2>&1; then
		timeout "${CKRUN_VM_TIMEOUT:-180}" "$RUN" --kernel "$CKRUN_KERNEL" "$@"
	else
		"$RUN" --kernel "$CKRUN_KERNEL" "$@"
	fi
}

# The console is streamed (a run stopped by the runner still shows how far
# it got) and kept for the checks.
vm_console() {
	_secs=$1
	shift
	_start=$(date +%s)
	{
		timeout -s KILL "$_secs" "$RUN" --kernel "$CKRUN_KERNEL" "$@" </dev/null 2>&1
		echo $? >"$T/rc"
	} | tee "$T/out" | tr -d '\r' | sed 's/^/    guest| /'
	rc=$(cat "$T/rc" 2>/dev/null || echo 255)
	echo "== guest ended after $(($(date +%s) - _start)) s with status $rc"
	tr -d '\r' <"$T/out" >"$T/log"
}

fs_root() {
	_dir=$1
	shift
	mkdir -p "$_dir/bin" "$_dir/dev" "$_dir/proc" "$_dir/sys" "$_dir/tmp"
	cp "$CKRUN_BUSYBOX" "$_dir/bin/busybox"
	cp "$PROBE" "$_dir/bin/fsprobe"
	for a in "$@"; do
		ln -s busybox "$_dir/bin/$a"
	done
}

fs_one_share() {
	root="$T/root"
	share="$T/share"
	fs_root "$root" "$@"
	mkdir -p "$root/mnt" "$share"
	"$PROBE" mkdata "$share" || { echo "FAIL: fsprobe mkdata"; exit 1; }
}

xattr_ns() {
	xns=
	for _ns in user trusted; do
		if "$PROBE" xset "$1" "$_ns.$2" "$3" 2>/dev/null; then
			xns=$_ns
			break
		fi
	done
	[ -n "$xns" ] || { echo "FAIL ${0##*/}: the host file system under $1 takes neither user.* nor trusted.* xattrs"; exit 1; }
	echo "== xattr namespace: $xns.*"
	[ "$xns" = trusted ] && export CKRUN_PRIVS_DROP=0
}

guest_passed() {
	[ "$rc" -eq 42 ] || fail "exit status $rc, expected 42 (the guest's 'all checks passed')"
	grep -q "^$1-END $nonce ${2:-}fails=0\$" "$T/log" || fail "no '$1-END $nonce ${2:-}fails=0' line from the guest"
	! grep -q "^$1-BAD" "$T/log" || fail "the guest reported failed checks"
}

heq() { if [ "$2" = "$3" ]; then echo "host-ok: $1"; else fail "host: $1: got '$2', want '$3'"; fi; }

snapshot() {
	(
		cd "$1" || exit 1
		find . -exec stat -c '%n|%F|%s|%a|%u|%g|%h|%i|%Y|%Z' {} + | sort
		find . -type f -exec sha256sum {} + | sort
	)
}

unchanged() {
	_after="${3%.before}.after"
	snapshot "$2" >"$_after" 2>&1
	if cmp -s "$3" "$_after"; then
		echo "== host: $1 is unchanged"
	else
		fail "$1 changed on the host:"
		diff "$3" "$_after"
	fi
}
