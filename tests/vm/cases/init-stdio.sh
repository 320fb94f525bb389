#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 600
# With pipes as the caller's stdio, the guest's stdout and stderr arrive
# separately (krun-stdout / krun-stderr console ports) and in order
# (stdin: init-stdin.sh).
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

root="$T/root"
make_root "$root"

# stdout and stderr through two pipes; the exit status through a file.
( ( vm "$root" /bin/sh -c 'echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 3' \
	</dev/null; echo $? >"$T/rc" ) | cat >"$T/out" ) 2>&1 | cat >"$T/err"
[ "$(cat "$T/rc")" = 3 ] || fail "exit status $(cat "$T/rc"), expected 3"
# Only the workload's lines are compared: the console may add kernel warnings.
[ "$(grep -E '^(out|err)[0-9]$' "$T/out" | tr '\n' ' ')" = "out1 out2 " ] ||
	fail "stdout: $(cat "$T/out")"
[ "$(grep -E '^(out|err)[0-9]$' "$T/err" | tr '\n' ' ')" = "err1 err2 " ] ||
	fail "stderr: $(cat "$T/err")"

# A large output keeps its order and loses nothing.
vm "$root" /bin/seq 1 20000 </dev/null 2>"$T/err" | grep -E '^[0-9]+$' >"$T/seq"
seq 1 20000 >"$T/seq.want"
cmp -s "$T/seq" "$T/seq.want" || fail "seq 1 20000: $(wc -l <"$T/seq") lines arrived, not in order or incomplete"

finish
