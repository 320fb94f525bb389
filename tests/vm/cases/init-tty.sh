#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Interactively, through a pseudo-terminal (script(1)): the guest's stdio is a
# terminal, output arrives and the exit status propagates. Exit 77 (skipped)
# when no script(1) is available in the test host.
# --- common prelude of the init-*.sh cases (kept inline: each case runs alone) ---
# Harness contract: CKRUN_BUILD (meson build dir), CKRUN_KERNEL (guest kernel),
# CKRUN_BUSYBOX (static busybox), CKRUN_TMP (scratch dir); exit 0 = pass.
set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
RUN="$CKRUN_BUILD/examples/ckrun-run"
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

if ! command -v script >/dev/null 2>&1; then
	echo "SKIP ${0##*/}: script(1) is not available to provide a pty" >&2
	exit 77
fi
root="$T/root"
make_root "$root"
cat >"$T/inner.sh" <<INNER
"$RUN" --kernel "$CKRUN_KERNEL" "$root" /bin/sh -c 'if test -t 0 && test -t 1; then echo TTY-YES; else echo TTY-NO; fi; exit 7'
echo "rc=\$?"
INNER
# util-linux and busybox script both accept -q -c CMD FILE.
if command -v timeout >/dev/null 2>&1; then
	timeout "${CKRUN_VM_TIMEOUT:-180}" script -q -c "sh $T/inner.sh" /dev/null </dev/null >"$T/out" 2>&1
else
	script -q -c "sh $T/inner.sh" /dev/null </dev/null >"$T/out" 2>&1
fi
tr -d '\r' <"$T/out" >"$T/out.txt"
grep -q '^TTY-YES' "$T/out.txt" || fail "the guest did not see a terminal: $(cat "$T/out.txt")"
grep -q '^rc=7' "$T/out.txt" || fail "exit status through a tty: $(cat "$T/out.txt")"

finish
