#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run tests/init/pty-run
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 300
# Interactively, through a pseudo-terminal (tests/init/pty-run): the guest's
# stdio is a terminal, its output arrives and the exit status propagates.
. "$(dirname "$0")/../lib-launcher.sh"

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
