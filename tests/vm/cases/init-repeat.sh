#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/vm/repeat
# ckrun-vm-timeout: 900
# 6 VMs started one after another in one process with ckrun_start_and_wait:
# each returns its workload's exit status, and the caller ends with the same
# number of fds, threads and temporary files it had before (exact counts:
# one VM's leak shows; more VMs only cost time in the TCG test host).
# Harness contract: CKRUN_BUILD, CKRUN_KERNEL, CKRUN_BUSYBOX, CKRUN_TMP; exit 0 = pass.
set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
T=$(mktemp -d "$CKRUN_TMP/repeat.XXXXXX")
mkdir -p "$T/root/bin" "$T/tmp"
cp "$CKRUN_BUSYBOX" "$T/root/bin/busybox"
ln -s busybox "$T/root/bin/sh"
TMPDIR="$T/tmp" "$CKRUN_BUILD/tests/vm/repeat" "$CKRUN_KERNEL" "$T/root" 6 "$T/tmp" </dev/null
rc=$?
[ "$rc" -eq 0 ] && rm -rf "$T"
exit $rc
