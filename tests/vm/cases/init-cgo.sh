#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/go/gorunner
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 300
# The cgo runner (examples/go, go-microvm's call sequence) starts a VM with
# one read-only and one read-write virtio-fs mount; the workload comes from
# /.krun_config.json. The guest reads both, writes the RW one, and gets EROFS
# on the RO one, even after `mount -o remount,rw`. Console output goes to
# the file given with console_log_path.
. "$(dirname "$0")/../lib-launcher.sh"

GORUNNER="$CKRUN_BUILD/examples/go/gorunner"
if [ ! -x "$GORUNNER" ]; then
	echo "FAIL ${0##*/}: $GORUNNER is missing (built by examples/go when Go is installed)" >&2
	exit 1
fi
root="$T/root" ro="$T/ro" rw="$T/rw"
make_root "$root"
mkdir -p "$ro" "$rw"
echo "from-ro" >"$ro/in.txt"
echo "from-rw" >"$rw/in.txt"
cat >"$root/.krun_config.json" <<'JSON'
{"Cmd": ["/bin/sh", "-c", "mkdir -p /mnt/ro /mnt/rw && mount -t virtiofs ro /mnt/ro && mount -t virtiofs rw /mnt/rw || exit 90; cat /mnt/ro/in.txt /mnt/rw/in.txt; echo written >/mnt/rw/out.txt || exit 91; if err=$(touch /mnt/ro/out.txt 2>&1); then exit 92; fi; case \"$err\" in *'Read-only file system'*) echo ro:erofs ;; *) echo \"ro:$err\"; exit 94 ;; esac; mount -o remount,rw /mnt/ro; if touch /mnt/ro/again 2>/dev/null; then exit 93; fi; echo done; exit 0"],
 "Env": ["PATH=/bin"], "WorkingDir": "/"}
JSON
cfg=$(printf '{"root_path":"%s","num_vcpus":1,"ram_mib":256,"virtiofs_mounts":[{"tag":"ro","path":"%s","read_only":true},{"tag":"rw","path":"%s","read_only":false}],"console_log_path":"%s","log_level":0,"kernel_path":"%s"}' \
	"$root" "$ro" "$rw" "$T/console.log" "$CKRUN_KERNEL")
if command -v timeout >/dev/null 2>&1; then
	LD_LIBRARY_PATH="$CKRUN_BUILD" timeout "${CKRUN_VM_TIMEOUT:-180}" "$GORUNNER" "$cfg" </dev/null >"$T/out" 2>&1
else
	LD_LIBRARY_PATH="$CKRUN_BUILD" "$GORUNNER" "$cfg" </dev/null >"$T/out" 2>&1
fi
rc=$?
[ "$rc" -eq 0 ] || fail "gorunner exit status $rc: $(cat "$T/out"); console: $(tail -n 20 "$T/console.log" 2>/dev/null)"
# hvc0 is a terminal in the guest: lines end in CR LF.
tr -d '\r' <"$T/console.log" >"$T/console.txt" 2>/dev/null
for l in from-ro from-rw ro:erofs done; do
	grep -qxF "$l" "$T/console.txt" || fail "console.log lacks '$l': $(cat "$T/console.txt")"
done
[ "$(cat "$rw/out.txt" 2>/dev/null)" = written ] || fail "the RW mount was not written"
[ ! -e "$ro/out.txt" ] && [ ! -e "$ro/again" ] || fail "the guest wrote to the RO mount"
[ ! -e "$root/init.krun" ] || fail "init.krun appeared on the host disk"

finish
