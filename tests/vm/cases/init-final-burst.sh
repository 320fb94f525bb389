#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 900
# The last output a guest writes right before it powers off reaches the host
# whole: the workload prints ~75 KiB on stdout and on stderr as its very last
# act and exits at once, five times; each stream must match byte for byte
# (sha256). Before the console drained its queues at VM end, the tail of such
# a burst could be lost when the kick and the VM's end crossed.
. "$(dirname "$0")/../lib-launcher.sh"

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
		grep -E '^1[01][0-9]{4}$' "$T/$s.$i" >"$T/$s.$i.w"
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
