#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 900
# The workload's exit status becomes ckrun-run's: 0, 1, 42, 125 (workdir),
# 126 (not executable), 127 (not found), 128+N for a death by signal N.
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
printf 'just text\n' >"$root/bin/noexec"
chmod 0644 "$root/bin/noexec"

# check WANT [ARGS...]: run and compare the exit status.
check() {
	want=$1
	shift
	vm "$@" >"$T/out" 2>&1 </dev/null
	got=$?
	if [ "$got" != "$want" ]; then
		fail "ckrun-run $*: exit $got, expected $want; output:"
		tail -n 20 "$T/out" >&2
	fi
}

check 0 "$root" /bin/sh -c 'exit 0'
check 1 "$root" /bin/sh -c 'exit 1'
check 42 "$root" -- /bin/sh -c 'exit 42'
check 42 --cpus 2 --mem 192 "$root" /bin/sh -c 'exit 42'
check 255 "$root" /bin/sh -c 'exit 255'
check 125 --workdir /does/not/exist "$root" /bin/true
grep -q '/does/not/exist' "$T/out" || fail "125: no message naming the working directory"
check 126 "$root" /bin/noexec
check 127 "$root" /bin/does-not-exist
grep -q 'does-not-exist' "$T/out" || fail "127: no message naming the program"
check 137 "$root" /bin/sh -c 'kill -KILL $$'
check 143 "$root" /bin/sh -c 'kill -TERM $$'
# The workdir is entered before exec.
# (No '"' in arguments: the kernel command line cannot carry it.)
vm --workdir /bin "$root" /bin/sh -c 'test $(pwd) = /bin' </dev/null >"$T/out" 2>&1 ||
	fail "--workdir /bin was not the working directory"
# Bad arguments are the launcher's: exit 2 before any VM.
"$RUN" --cpus 0 "$root" /bin/true 2>/dev/null
[ $? -eq 2 ] || fail "bad --cpus did not exit 2"
"$RUN" "$T/no-such-root" /bin/true 2>/dev/null
[ $? -eq 2 ] || fail "a missing ROOTDIR did not exit 2"
[ ! -e "$root/init.krun" ] || fail "init.krun appeared on the host disk"

finish
