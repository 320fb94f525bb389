#!/bin/sh
# Stands in for a test that failed because its inner guest ended without its
# init reporting a status (ckrun's message): the runner must not try it again
# (it would pass on a retry: only its first try fails) and must say how to
# trace such a death (docs/testing.md, "Inner guest deaths").
# ckrun-vm-timeout: 30
case " ${CKRUN_VM_RETRIED:-} " in
*" guest-death-once "*)
	echo "guest-death-once: retried, the guest reported its status"
	exit 0 ;;
esac
echo "    guest| ckrun: the guest ended without its init reporting an exit status (a guest kernel panic?); exit status 0, as in libkrun"
echo "guest-death-once: FAIL: no result from the guest"
exit 1
