#!/bin/sh
# Stands in for a test host that stops answering during a test (a hard hang
# of nested KVM, see docs/testing.md): on the first try it freezes all of the
# test host's user space (cgroup v2 freezer), so its /init and the
# `timeout -s KILL` around this test can no longer act and the console goes
# silent while the kernel runs on. The runner must notice, kill the test
# host and retry this test, which then passes.
# Only ever inside the test host: it wedges the machine it runs on.
# ckrun-vm-timeout: 15
set -u
[ "${CKRUN_VM_MODE:-}" = testhost ] || { echo "wedge-once: only in the test host"; exit 1; }
case " ${CKRUN_VM_RETRIED:-} " in
*" wedge-once "*)
	echo "wedge-once: retried, no wedge"
	exit 0 ;;
esac
cg=/sys/fs/cgroup
[ -e "$cg/cgroup.procs" ] || mount -t cgroup2 cgroup2 "$cg" || { echo "wedge-once: no cgroup2"; exit 1; }
mkdir -p "$cg/ckrun-wedge" || exit 1
# This shell first, so that anything it starts is in the cgroup too; kernel
# threads refuse to move (EINVAL), which leaves them running as they should.
echo $$ > "$cg/ckrun-wedge/cgroup.procs" || exit 1
moved=0
for d in /proc/[0-9]*; do
	echo "${d#/proc/}" 2>/dev/null > "$cg/ckrun-wedge/cgroup.procs" && moved=$((moved + 1))
done
echo "wedge-once: freezing the test host's user space ($moved processes)"
echo 1 > "$cg/ckrun-wedge/cgroup.freeze"
# Not reached while the freeze holds; if it did not, the test's own limit
# ends it and it fails (no retry), which fails the negative check.
echo "wedge-once: the freeze did not hold"
while :; do sleep 1; done
