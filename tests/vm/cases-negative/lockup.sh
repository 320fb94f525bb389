#!/bin/sh
# Stands in for a test host whose kernel locks up during a test (nested KVM
# under TCG, see docs/testing.md): prints the kernel's soft-lockup report and
# crashes the test host, as softlockup_panic=1 would. With argument "once"
# it does so only on the first attempt and passes on the retry.
# Only ever inside the test host: it crashes the machine it runs on.
set -u
[ "${CKRUN_VM_MODE:-}" = testhost ] || { echo "lockup.sh: only in the test host"; exit 1; }
if [ "${1:-}" = once ] && [ "${CKRUN_VM_ATTEMPT:-1}" != 1 ]; then
	echo "lockup.sh: attempt $CKRUN_VM_ATTEMPT, no lockup"
	exit 0
fi
echo "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [lockup.sh:1]"
echo c >/proc/sysrq-trigger
sleep 60
exit 1
