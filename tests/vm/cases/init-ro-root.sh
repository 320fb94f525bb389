#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 300
# A read-only root (krun_add_virtiofs3("/dev/root", dir, 0, true), i.e.
# ckrun-run --ro-root): with dev/ proc/ sys/ present the program runs, reads
# work, writes fail with EROFS, the virtual /init.krun is there (and not on
# the host disk) and the exit code comes back. Without proc/ the init says
# which directories are missing.
. "$(dirname "$0")/../lib-launcher.sh"

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
