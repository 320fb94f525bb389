#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 400
# The main job (README command 1): a VM whose root is a small busybox tree and
# which gets a host directory shared READ-ONLY under the tag "data". The guest
# mounts it WITHOUT -o ro, so only the host enforces read-only: reading works,
# every write fails with "Read-only file system", and the host directory is
# byte-for-byte unchanged afterwards.
# Harness contract: CKRUN_BUILD, CKRUN_KERNEL, CKRUN_BUSYBOX, CKRUN_TMP; exit 0 = pass.
set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
T=$(mktemp -d "$CKRUN_TMP/demo.XXXXXX")

root="$T/root"
mkdir -p "$root/bin" "$root/mnt"
cp "$CKRUN_BUSYBOX" "$root/bin/busybox"
for a in sh echo cat mount touch rm mv mkdir ln chmod sha256sum ls; do ln -s busybox "$root/bin/$a"; done

data="$T/data"
mkdir -p "$data/docs"
echo "hello from the host" >"$data/hello.txt"
echo "a report" >"$data/docs/report.txt"
before=$(cd "$data" && find . -exec stat -c '%n %s %a %u %g %Y %Z %h' {} + | sort; find . -type f -exec sha256sum {} + | sort)

# The guest's script lives in the root: the kernel command line that carries
# the workload's arguments cannot carry a '"'.
cat >"$root/demo.sh" <<'GUEST'
mount -t virtiofs data /mnt || exit 90
echo "guest: cat /mnt/hello.txt -> $(cat /mnt/hello.txt)"
fails=0
try() {
	if out=$("$@" 2>&1); then
		echo "guest: $* -> SUCCEEDED (must not)"; fails=$((fails + 1))
	else
		echo "guest: $* -> ${out##*: }"
		case "$out" in *"Read-only file system"*) ;; *) fails=$((fails + 1)) ;; esac
	fi
}
try touch /mnt/new-file
try sh -c "echo overwrite > /mnt/hello.txt"
try sh -c "echo append >> /mnt/hello.txt"
try rm /mnt/hello.txt
try mv /mnt/hello.txt /mnt/renamed.txt
try mkdir /mnt/newdir
try ln -s /etc/passwd /mnt/link
try chmod 777 /mnt/hello.txt
exit $fails
GUEST

echo "== host: sharing $data read-only as tag 'data'; running the guest"
: "${CKRUN_BOOT_TIMEOUT:=150}"; export CKRUN_BOOT_TIMEOUT  # TCG test hosts boot slowly
timeout 300 "$CKRUN_BUILD/examples/ckrun-run" --kernel "$CKRUN_KERNEL" --volume "$data:data:ro" "$root" -- /bin/sh /demo.sh >"$T/out" 2>&1
rc=$?
cat "$T/out"
after=$(cd "$data" && find . -exec stat -c '%n %s %a %u %g %Y %Z %h' {} + | sort; find . -type f -exec sha256sum {} + | sort)
if [ "$rc" -ne 0 ]; then
	echo "FAIL demo-readonly: guest exit status $rc (0 = every write refused)"
	exit 1
fi
# The guest must really have run: the read and all eight refusals are in its output.
if ! grep -qxF "guest: cat /mnt/hello.txt -> hello from the host" "$T/out"; then
	echo "FAIL demo-readonly: the guest did not read the share"
	exit 1
fi
n=$(grep -c "^guest: .* -> Read-only file system$" "$T/out")
if [ "$n" -ne 8 ]; then
	echo "FAIL demo-readonly: $n of 8 writes were refused with 'Read-only file system'"
	exit 1
fi
if [ "$before" != "$after" ]; then
	echo "FAIL demo-readonly: the host directory changed"
	exit 1
fi
echo "== host: guest exit status 0; every write was refused; $data is unchanged"
rm -rf "$T"
exit 0
