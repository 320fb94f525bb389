#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 600
# With pipes as the caller's stdio, the guest's stdout and stderr arrive
# separately (krun-stdout / krun-stderr console ports) and in order
# (stdin: init-stdin.sh).
. "$(dirname "$0")/../lib-launcher.sh"

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
