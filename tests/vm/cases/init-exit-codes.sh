#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 900
# The workload's exit status becomes ckrun-run's: 0, 1, 42, 255, 125 (workdir),
# 126 (not executable), 127 (not found), 128+N for a death by signal N.
# One VM per status (each boot costs ~10 s in the TCG test host).
. "$(dirname "$0")/../lib-launcher.sh"

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
# The workdir is entered before exec (and 1 is an ordinary status).
# (No '"' in arguments: the kernel command line cannot carry it.)
check 1 --workdir /bin "$root" /bin/sh -c 'test $(pwd) = /bin && exit 1; exit 9'
check 42 --cpus 2 --mem 192 "$root" -- /bin/sh -c 'exit 42'
check 255 "$root" /bin/sh -c 'exit 255'
check 125 --workdir /does/not/exist "$root" /bin/true
grep -q '/does/not/exist' "$T/out" || fail "125: no message naming the working directory"
check 126 "$root" /bin/noexec
check 127 "$root" /bin/does-not-exist
grep -q 'does-not-exist' "$T/out" || fail "127: no message naming the program"
check 143 "$root" /bin/sh -c 'kill -TERM $$'
# Bad arguments are the launcher's: exit 2 before any VM.
"$RUN" --cpus 0 "$root" /bin/true 2>/dev/null
[ $? -eq 2 ] || fail "bad --cpus did not exit 2"
"$RUN" "$T/no-such-root" /bin/true 2>/dev/null
[ $? -eq 2 ] || fail "a missing ROOTDIR did not exit 2"
[ ! -e "$root/init.krun" ] || fail "init.krun appeared on the host disk"

finish
