#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run tests/init/pty-run
# ckrun-vm-timeout: 300
# Interactively, through a pseudo-terminal (tests/init/pty-run): the guest's
# stdio is a terminal, its output arrives and the exit status propagates.
# --- common prelude of the init-*.sh cases (kept inline: each case runs alone) ---
# Harness contract: CKRUN_BUILD (meson build dir), CKRUN_KERNEL (guest kernel),
# CKRUN_BUSYBOX (static busybox), CKRUN_TMP (scratch dir); exit 0 = pass.
set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
RUN="$CKRUN_BUILD/examples/ckrun-run"
# Guests boot slowly in the TCG test host: allow more than the library's
# default 30 s before it declares a guest dead.
export CKRUN_BOOT_TIMEOUT="${CKRUN_BOOT_TIMEOUT:-150}"
T=$(mktemp -d "$CKRUN_TMP/${0##*/}.XXXXXX")
fails=0
fail() { echo "FAIL ${0##*/}: $*" >&2; fails=$((fails + 1)); }
# make_root DIR: a minimal root with busybox; nothing else is needed.
make_root() {
	mkdir -p "$1/bin"
	cp "$CKRUN_BUSYBOX" "$1/bin/busybox"
	for a in sh echo cat printf ls mkdir touch rm kill sleep true false env test \
		mount grep id seq pwd; do
		ln -sf busybox "$1/bin/$a"
	done
}
# vm ARGS...: ckrun-run with the test kernel, bounded in time.
vm() {
	if command -v timeout >/dev/null 2>&1; then
		timeout "${CKRUN_VM_TIMEOUT:-180}" "$RUN" --kernel "$CKRUN_KERNEL" "$@"
	else
		"$RUN" --kernel "$CKRUN_KERNEL" "$@"
	fi
}
finish() {
	if [ "$fails" -eq 0 ]; then
		echo "PASS ${0##*/}"
		rm -rf "$T"
		exit 0
	fi
	echo "FAIL ${0##*/}: $fails check(s) failed; files kept in $T" >&2
	exit 1
}
# --- end of prelude ---

PTY_RUN="$CKRUN_BUILD/tests/init/pty-run"
# A pty needs devpts on /dev/pts; the test host (busybox) may not mount it.
if [ ! -e /dev/pts/ptmx ]; then
	mkdir -p /dev/pts && mount -t devpts -o ptmxmode=0666 devpts /dev/pts ||
		fail "no devpts on /dev/pts and cannot mount it"
fi
root="$T/root"
make_root "$root"
# pty-run gives ckrun-run a new pseudo-terminal as stdin/stdout/stderr and
# exits with its status (busybox has no script(1)).
"$PTY_RUN" "$RUN" --kernel "$CKRUN_KERNEL" "$root" /bin/sh -c \
	'if test -t 0 && test -t 1 && test -t 2; then echo TTY-YES; else echo TTY-NO; fi; exit 7' \
	</dev/null >"$T/out" 2>&1
rc=$?
tr -d '\r' <"$T/out" >"$T/out.txt"
[ "$rc" -eq 7 ] || fail "exit status through a tty: $rc, expected 7: $(cat "$T/out.txt")"
grep -q '^TTY-YES' "$T/out.txt" || fail "the guest did not see a terminal: $(cat "$T/out.txt")"

finish
