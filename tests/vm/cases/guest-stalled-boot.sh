#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 900
# A probe for the silent inner-guest deaths (issue 21; docs/testing.md,
# "Inner guest deaths"): a guest whose VMM does not run for a while early in
# boot, as the test host's scheduler does to it under load. The VMM process is
# stopped (SIGSTOP) for 150 ms of every 200 ms during its first STALL_SECS
# seconds (default 40), with CKRUN_TRACE=1 (the guest kernel logs to COM1 from
# its first line; the VMM says how the guest ended). The guest must still boot,
# run the workload and report its status (7). Tested hypothesis: the guest
# kernel's IO-APIC timer check (a TSC-timed window counting timer ticks) fails
# when the VMM is not scheduled and panics before any console exists; it did
# not (KVM's PIT delivers the missed ticks), so this stays a probe.
. "$(dirname "$0")/../lib-launcher.sh"
export CKRUN_TRACE=1
STALL_SECS=${STALL_SECS:-40}
root="$T/root"
make_root "$root"

# run_stalled OUT ARGS...: the launcher in the background, stopped 150 ms of
# every 200 ms for STALL_SECS s; sets rc.
run_stalled() {
	out=$1
	shift
	"$RUN" --kernel "$CKRUN_KERNEL" "$@" </dev/null >"$out" 2>&1 &
	pid=$!
	end=$(($(date +%s) + STALL_SECS))
	while [ "$(date +%s)" -lt "$end" ] && kill -0 "$pid" 2>/dev/null; do
		kill -STOP "$pid" 2>/dev/null
		sleep 0.15
		kill -CONT "$pid" 2>/dev/null
		sleep 0.05
	done
	kill -CONT "$pid" 2>/dev/null
	t0=$(date +%s)
	while kill -0 "$pid" 2>/dev/null; do
		[ $(($(date +%s) - t0)) -lt 300 ] || { kill -KILL "$pid"; break; }
		sleep 1
	done
	wait "$pid"
	rc=$?
}

show() {
	tr -d '\r' <"$1" | grep -i 'ckrun\|panic\|timer\|IO-APIC\|BOOTED' | sed 's/^/    | /' | tail -n 40
}

run_stalled "$T/fixed" "$root" /bin/sh -c 'echo BOOTED-OK; exit 7'
echo "== stalled boot, status $rc:"
show "$T/fixed"
[ "$rc" = 7 ] || fail "the stalled guest ended with status $rc, not 7"
grep -q BOOTED-OK "$T/fixed" || fail "the workload did not run"
grep -q 'ended without its init reporting' "$T/fixed" && fail "the guest died"
finish
