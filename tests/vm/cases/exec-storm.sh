#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 600
# Reproducer for fs-abuse's old "KVM internal error (suberror 1)" (issue 7).
# Four loops exec busybox as fast as they can for EXEC_STORM_SECS seconds
# (default 40) on 2 vCPUs, first from a guest tmpfs, then from the virtio-fs
# root. Every exec opens /bin/busybox; ckrun answers OPEN without
# FOPEN_KEEP_CACHE, so the guest drops the file's page cache on each open and
# unmaps busybox's text from every process running it. Under the TCG test
# host, whose SVM has no NRIP save, the test host's KVM skips an intercepted
# CPUID by decoding it from guest memory; when that text page was just
# unmapped the decode faults and KVM stops the VM with an emulation failure.
# Pass: the tmpfs phase completes; the share phase either completes or ends
# with that internal error, reported with CPL 3 and exit code 0x72 (CPUID).
# Harness contract: CKRUN_BUILD, CKRUN_KERNEL, CKRUN_BUSYBOX, CKRUN_TMP; exit 0 = pass.
set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
RUN="$CKRUN_BUILD/examples/ckrun-run"
SECS="${EXEC_STORM_SECS:-40}"
export CKRUN_BOOT_TIMEOUT="${CKRUN_BOOT_TIMEOUT:-150}"
T=$(mktemp -d "$CKRUN_TMP/${0##*/}.XXXXXX")
root="$T/root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/t"
cp "$CKRUN_BUSYBOX" "$root/bin/busybox"
for a in sh echo cat mount true sleep; do ln -s busybox "$root/bin/$a"; done
cat >"$root/storm.sh" <<GUEST
export PATH=/bin
up() { read -r u _ </proc/uptime; echo "\${u%.*}"; }
storm() { # storm LABEL BUSYBOX
	t0=\$(up)
	for k in 1 2 3 4; do
		( n=0; while [ \$((\$(up) - t0)) -lt $SECS ]; do "\$2" true; n=\$((n + 1)); done; echo "STORM \$1 loop \$k: \$n execs" ) &
	done
	wait
	echo "STORM-DONE \$1"
}
mount -t tmpfs none /t && cp /bin/busybox /t/busybox || exit 90
storm tmpfs /t/busybox
storm share /bin/busybox
exit 42
GUEST
timeout -s KILL 560 "$RUN" --kernel "$CKRUN_KERNEL" --cpus 2 --mem 512 "$root" -- /bin/sh /storm.sh \
	</dev/null >"$T/out" 2>&1
rc=$?
tr -d '\r' <"$T/out" | sed 's/^/    guest| /'
tr -d '\r' <"$T/out" >"$T/log"
if ! grep -q '^STORM-DONE tmpfs' "$T/log"; then
	echo "FAIL ${0##*/}: the tmpfs phase did not complete (status $rc)"
	exit 1
fi
if [ "$rc" -eq 42 ] && grep -q '^STORM-DONE share' "$T/log"; then
	echo "PASS ${0##*/}: both phases completed"
elif grep -q 'KVM internal error: suberror 1' "$T/log"; then
	echo "PASS ${0##*/}: tmpfs phase completed; the share phase hit the nested-KVM emulation failure:"
	grep 'ckrun: vCPU' "$T/log"
else
	echo "FAIL ${0##*/}: status $rc"
	exit 1
fi
rm -rf "$T"
exit 0
