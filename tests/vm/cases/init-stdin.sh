#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 300
# With a pipe as the caller's stdin, the guest reads it (krun-stdin console
# port) and sees its end: a read loop in the guest terminates.
. "$(dirname "$0")/../lib-launcher.sh"

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
