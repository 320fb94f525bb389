#!/bin/sh
# Companion of must-fail: passes only when the runner hands a test the
# documented environment, so the negative run also shows that a passing
# test is reported as PASS in the same run.
set -eu
[ -d "$CKRUN_BUILD" ] || { echo "no CKRUN_BUILD dir"; exit 1; }
[ -s "$CKRUN_KERNEL" ] || { echo "no CKRUN_KERNEL file"; exit 1; }
[ -x "$CKRUN_BUSYBOX" ] || { echo "no CKRUN_BUSYBOX"; exit 1; }
[ -d "$CKRUN_TMP" ] && [ -w "$CKRUN_TMP" ] || { echo "no writable CKRUN_TMP"; exit 1; }
[ -r "$CKRUN_VM_LIB" ] || { echo "no CKRUN_VM_LIB"; exit 1; }
case "$CKRUN_VM_MODE" in direct|testhost) ;; *) echo "bad CKRUN_VM_MODE"; exit 1 ;; esac
echo "env-check: mode $CKRUN_VM_MODE, build $CKRUN_BUILD, kernel $CKRUN_KERNEL"
