#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-files: dax-ro.sh dax-rw.sh
# ckrun-vm-build-files: tests/fs/dax-run tests/fs/dax-guest
# ckrun-vm-timeout: 900
# Reproduction loop for the silent inner-guest deaths (issue 21; docs/testing.md,
# "Inner guest deaths"): runs the cases named in DEATH_LOOP_CASES (default
# dax-ro and dax-rw, where one was seen) one after the other for DEATH_LOOP_SECS
# seconds (default 780) with CKRUN_TRACE=1, so every guest logs its kernel
# messages to the serial port from its first line and the VMM says how each
# guest ended. Prints one line per round and, for a round whose guest ended
# without its init's status, that round's whole output. Fails when any round
# failed (a death reproduced: the evidence is in the output above).
. "$CKRUN_VM_LIB"
vm_require_kvm
export CKRUN_TRACE=1
secs="${DEATH_LOOP_SECS:-780}"
cases="${DEATH_LOOP_CASES:-dax-ro dax-rw}"
dir=$(bb dirname "$0")
start=$(bb date +%s)
n=0 bad=0 died=0
while [ $(( $(bb date +%s) - start )) -lt "$secs" ]; do
	for c in $cases; do
		n=$((n + 1))
		out="$CKRUN_TMP/round-$n.log"
		rc=0
		t0=$(bb date +%s)
		"$dir/$c.sh" >"$out" 2>&1 || rc=$?
		t1=$(bb date +%s)
		if bb grep -q 'ended without its init reporting' "$out"; then
			died=$((died + 1))
			echo "DEATH-LOOP: round $n $c status $rc in $((t1 - t0)) s: GUEST DIED; its output:"
			bb sed 's/^/    /' "$out"
		elif bb grep -q 'ckrun-trace:' "$out"; then
			echo "DEATH-LOOP: round $n $c status $rc in $((t1 - t0)) s; VMM trace:"
			bb grep 'ckrun-trace:\|ckrun:' "$out" | bb sed 's/^/    /'
		else
			echo "DEATH-LOOP: round $n $c status $rc in $((t1 - t0)) s (no VMM trace?)"
		fi
		if [ "$rc" -ne 0 ]; then
			bad=$((bad + 1))
			[ "$died" -gt 0 ] || { echo "DEATH-LOOP: round $n failed; its output:"; bb sed 's/^/    /' "$out"; }
		fi
		bb rm -f "$out"
	done
done
echo "DEATH-LOOP: $n rounds, $bad failed, $died guest deaths"
[ "$bad" -eq 0 ]
