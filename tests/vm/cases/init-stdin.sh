#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 300
# With a pipe as the caller's stdin, the guest reads it (krun-stdin console
# port) and sees its end: a read loop in the guest terminates.
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

# stdin reaches the guest, and its end ends the guest's read loop.
# (The guest script is a file: the kernel command line cannot carry '"'.)
cat >"$root/readloop.sh" <<'SH'
while read -r l; do echo "got:$l"; done
echo eof
SH
printf 'in1\nin 2\n' | vm "$root" /bin/sh /readloop.sh >"$T/in" 2>&1
[ "$(grep -E '^(got:|eof)' "$T/in" | tr '\n' '|')" = "got:in1|got:in 2|eof|" ] ||
	fail "stdin: $(cat "$T/in")"

finish
