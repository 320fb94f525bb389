#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 300
# A read-only root (krun_add_virtiofs3("/dev/root", dir, 0, true), i.e.
# ckrun-run --ro-root): with dev/ proc/ sys/ present the program runs, reads
# work, writes fail with EROFS, the virtual /init.krun is there (and not on
# the host disk) and the exit code comes back. Without proc/ the init says
# which directories are missing.
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
mkdir -p "$root/dev" "$root/proc" "$root/sys"
echo hello >"$root/hello.txt"
# The guest script is a file: the kernel command line cannot carry '"'.
cat >"$root/check.sh" <<'SH'
read -r x </hello.txt; echo "read:$x"
test -x /init.krun && echo "init:present"
test -r /proc/self/status && echo "proc:mounted"
if err=$(touch /newfile 2>&1); then echo "write:accepted"; exit 1; fi
case "$err" in *"Read-only file system"*) echo "write:erofs" ;; *) echo "write:$err" ;; esac
exit 42
SH


vm --ro-root "$root" /bin/sh /check.sh </dev/null >"$T/out" 2>&1
rc=$?
[ "$rc" -eq 42 ] || fail "exit status $rc, expected 42: $(tail -n 10 "$T/out")"
for l in read:hello init:present proc:mounted write:erofs; do
	grep -qxF "$l" "$T/out" || fail "missing '$l' in: $(cat "$T/out")"
done
[ ! -e "$root/newfile" ] || fail "the guest created a file on the read-only root"
[ ! -e "$root/init.krun" ] || fail "init.krun appeared on the host disk"


# The same tree without proc/: the init names what is missing, the program still runs.
root2="$T/noproc"
make_root "$root2"
mkdir -p "$root2/dev" "$root2/sys"
vm --ro-root "$root2" /bin/sh -c 'echo ran; exit 5' </dev/null >"$T/out2" 2>&1
rc=$?
[ "$rc" -eq 5 ] || fail "without proc/: exit status $rc, expected 5: $(tail -n 10 "$T/out2")"
grep -q 'proc/' "$T/out2" && grep -q 'dev/ proc/ sys/' "$T/out2" ||
	fail "without proc/: no message naming the missing directory: $(cat "$T/out2")"
grep -qx 'ran' "$T/out2" || fail "without proc/: the program did not run"

finish
