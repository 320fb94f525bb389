#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 900
# The last output a guest writes right before it powers off reaches the host
# whole: the workload prints ~75 KiB on stdout and on stderr as its very last
# act and exits at once, five times; each stream must match byte for byte
# (sha256). Before the console drained its queues at VM end, the tail of such
# a burst could be lost when the kick and the VM's end crossed.
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

seq 100000 110922 >"$T/want"   # 10923 lines x 7 bytes = 76461 bytes
want=$(sha256sum <"$T/want" | cut -d' ' -f1)
i=1
while [ "$i" -le 5 ]; do
	( ( vm "$root" /bin/sh -c 'seq 100000 110922; seq 100000 110922 >&2; exit 7' \
		</dev/null; echo $? >"$T/rc" ) | cat >"$T/out.$i" ) 2>&1 | cat >"$T/err.$i"
	[ "$(cat "$T/rc")" = 7 ] || fail "round $i: exit status $(cat "$T/rc"), expected 7"
	# The console may add kernel lines: keep the workload's only.
	for s in out err; do
		grep -E '^1[01][0-9]{5}$' "$T/$s.$i" >"$T/$s.$i.w"
		got=$(sha256sum <"$T/$s.$i.w" | cut -d' ' -f1)
		if [ "$got" = "$want" ]; then
			echo "round $i: std$s complete ($(wc -c <"$T/$s.$i.w") bytes)"
		else
			fail "round $i: std$s: $(wc -c <"$T/$s.$i.w") of 76461 bytes, last line '$(tail -n1 "$T/$s.$i.w")'"
		fi
	done
	i=$((i + 1))
done

finish
