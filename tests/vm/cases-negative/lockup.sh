#!/bin/sh
# Stands in for a test host whose kernel locks up during a test (nested KVM
# under TCG, see docs/testing.md): prints the kernel's soft-lockup report and
# ends the test host at once, as softlockup_panic=1 (panic, reboot) would. With argument "once"
# it does so only on the first attempt and passes on the retry.
# Only ever inside the test host: it crashes the machine it runs on.
set -u
[ "${CKRUN_VM_MODE:-}" = testhost ] || { echo "lockup.sh: only in the test host"; exit 1; }
case " ${CKRUN_VM_RETRIED:-} " in *" lockup-$1 "*) retried=1 ;; *) retried=0 ;; esac
if [ "${1:-}" = once ] && [ "$retried" = 1 ]; then
	echo "lockup.sh: retried, no lockup"
	exit 0
fi
echo "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [lockup.sh:1]"
# Power off at once: the test host ends without a summary, as after a panic.
poweroff -f
sleep 60
exit 1
