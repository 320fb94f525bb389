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
#   PROBE             the fs cases' helper, $CKRUN_BUILD/tests/vm/fs/fsprobe
#                     (declare tests/vm/fs/fsprobe in ckrun-vm-build-files)
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
