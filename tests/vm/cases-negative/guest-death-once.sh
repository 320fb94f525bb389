#!/bin/sh
# Stands in for a test that failed because its inner guest ended without its
# init reporting a status (ckrun's message, as after a nested-KVM reset of
# the guest at boot): the runner must try it once more in a fresh test host,
# where it passes. Only its first try fails.
# ckrun-vm-timeout: 30
case " ${CKRUN_VM_RETRIED:-} " in
*" guest-death-once "*)
	echo "guest-death-once: retried, the guest reported its status"
	exit 0 ;;
esac
echo "    guest| ckrun: the guest ended without its init reporting an exit status (a guest kernel panic?); exit status 0, as in libkrun"
echo "guest-death-once: FAIL: no result from the guest"
exit 1
