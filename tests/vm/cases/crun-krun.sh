#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/crun/crun tests/net/nettool
# ckrun-vm-timeout: 900
# crun's krun handler runs an OCI bundle in a ckrun microVM, with crun
# unchanged: Debian's crun 1.8.1 source built --with-libkrun
# (tests/crun/build-crun.sh; tests/crun/vm-crun.sh copies the binary to
# $CKRUN_BUILD/tests/crun/crun), dlopen()ing this build's libkrun.so.1 by
# LD_LIBRARY_PATH. crun calls the krun API in the container's PID 1, after
# pivot_root into the bundle's rootfs (which holds no kernel) and after
# closing every fd >= 3; the kernel reaches the VM only because the library
# read $CKRUN_KERNEL when crun loaded it. Checked: process.args run in the
# guest, process.env and process.cwd are honoured, stdout comes back through
# crun, exit statuses 0 and 3 are crun's, a root.readonly bundle runs, and
# crun's default path (no network call: libkrun's implicit TSI, ckrun's
# implicit network) gives the guest a network: the bundle's process fetches
# a page from a server on the test host's dummy interface and prints it.
#
# cgroups: crun refuses a hybrid v1/v2 hierarchy and this test does not
# depend on the machine's; it runs crun with --cgroup-manager=disabled (the
# krun handler needs no cgroup: /dev/kvm is a device node crun creates).
# pivot_root: the test host's root is the initramfs, which pivot_root(2)
# refuses to move (EINVAL); crun is run from a private mount namespace whose
# root is a bind mount of / (a mount with a parent), so crun's real
# pivot_root path is the one tested.
set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
CRUN="$CKRUN_BUILD/tests/crun/crun"
T=$(mktemp -d "$CKRUN_TMP/${0##*/}.XXXXXX")
fails=0
fail() { echo "FAIL ${0##*/}: $*" >&2; fails=$((fails + 1)); }
finish() {
	if [ "$fails" -eq 0 ]; then
		echo "PASS ${0##*/}"
		rm -rf "$T"
		exit 0
	fi
	echo "FAIL ${0##*/}: $fails check(s) failed; files kept in $T" >&2
	exit 1
}

[ -x "$CRUN" ] || { echo "FAIL: no crun at $CRUN (run tests/crun/vm-crun.sh)" >&2; exit 1; }
[ -c /dev/kvm ] || { echo "FAIL: no /dev/kvm" >&2; exit 1; }
version=$("$CRUN" --version 2>&1)
echo "$version" | sed 's/^/crun --version| /'
echo "$version" | grep -q '+LIBKRUN' || fail "crun lacks +LIBKRUN"

# The rootfs: static busybox, the guest script, the directories the guest
# init mounts on, the working directory. No kernel in it.
make_rootfs() {
	mkdir -p "$1/bin" "$1/dev" "$1/proc" "$1/sys" "$1/tmp" "$1/work dir"
	cp "$CKRUN_BUSYBOX" "$1/bin/busybox"
	cp "$CKRUN_BUILD/tests/net/nettool" "$1/bin/nettool"
	for a in sh echo cat pwd env touch ls; do ln -sf busybox "$1/bin/$a"; done
	cat >"$1/check.sh" <<'SH'
echo "greeting=$GREETING"
echo "cwd=$(pwd)"
echo "args=$#:$1|$2"
if touch /probe 2>/dev/null; then echo "root=rw"; else echo "root=ro"; fi
if [ -n "${FETCH:-}" ]; then /bin/nettool get $FETCH; echo "fetch=$?"; fi
exit "${CODE:-0}"
SH
}

# kvm_device_json: /dev/kvm as an OCI linux.devices entry (this machine's numbers).
kvm_device_json() {
	set -- $(busybox stat -L -c '%t %T' /dev/kvm)
	printf '{"path": "/dev/kvm", "type": "c", "major": %d, "minor": %d, "fileMode": 438, "uid": 0, "gid": 0}' \
		"0x$1" "0x$2"
}

# write_bundle DIR READONLY CODE DEVICES: config.json as `crun spec` makes it
# (capabilities, rlimits, mounts, masked paths), with the krun annotation,
# a 256 MiB memory limit (the VM's RAM) and our process.
write_bundle() {
	dir=$1 ro=$2 code=$3 devices=$4
	make_rootfs "$dir/rootfs"
	caps='"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"'
	cat >"$dir/config.json" <<EOF
{
  "ociVersion": "1.0.0",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sh", "/check.sh", "first arg", "second"],
    "env": ["PATH=/bin", "GREETING=hello from process.env", "CODE=$code", "CKRUN_BOOT_TIMEOUT=200"],
    "cwd": "/work dir",
    "capabilities": {"bounding": [$caps], "effective": [$caps], "inheritable": [],
                     "permitted": [$caps], "ambient": [$caps]},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": $ro},
  "hostname": "crun",
  "annotations": {"run.oci.handler": "krun"},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]}
  ],
  "linux": {
    "resources": {"devices": [{"allow": false, "access": "rwm"}],
                  "memory": {"limit": 268435456}},
    "devices": [$devices],
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                   {"type": "uts"}, {"type": "mount"}],
    "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}
EOF
}

# in_mountns CMD...: CMD with a root pivot_root accepts (see the header).
newroot=$T/newroot
mkdir -p "$newroot"
in_mountns() {
	unshare -m sh -c '
		nr=$1; shift
		mount -o rbind / "$nr" && cd "$nr" && mount -o move . / && exec chroot . "$@"
	' in_mountns "$newroot" "$@"
}

# run_crun NAME BUNDLE: crun run with stdout/stderr captured; one CPU in the
# affinity mask so crun asks for one vCPU (nested KVM under TCG is slow).
n=0
run_crun() {
	n=$((n + 1))
	out=$T/$1.out
	LD_LIBRARY_PATH=$CKRUN_BUILD in_mountns taskset 1 timeout 400 \
		"$CRUN" --cgroup-manager=disabled --root "$T/state" run --bundle "$2" "ctr-$n-$1" \
		</dev/null >"$out" 2>"$out.err"
	rc=$?
	echo "--- $1: crun exit status $rc; stdout:"
	sed 's/^/    | /' "$out"
	echo "--- $1: stderr:"
	grep -v '^ *$' "$out.err" | tail -n 25 | sed 's/^/    | /'
	return $rc
}

# expect NAME LINE...: each LINE is a whole line of NAME's stdout.
expect() {
	name=$1; shift
	for l in "$@"; do
		grep -qxF "$l" "$T/$name.out" || fail "$name: no line '$l' on crun's stdout"
	done
}

# 1. Exit status 0; args, env, cwd; /dev/kvm made by crun's krun handler.
write_bundle "$T/b-ok" false 0 ""
run_crun ok "$T/b-ok"
rc=$?
[ "$rc" -eq 0 ] || fail "ok: crun exit status $rc, expected 0"
expect ok "greeting=hello from process.env" "cwd=/work dir" "args=2:first arg|second" "root=rw"
[ -e "$T/b-ok/rootfs/probe" ] || fail "ok: the guest's write did not reach the bundle's rootfs"
[ ! -e "$T/b-ok/rootfs/vmlinuz" ] && [ ! -e "$T/b-ok/rootfs/init.krun" ] ||
	fail "ok: a kernel or init.krun appeared in the rootfs"

# 2. Exit status 3 comes back as crun's.
write_bundle "$T/b-three" false 3 ""
run_crun three "$T/b-three"
rc=$?
[ "$rc" -eq 3 ] || fail "three: crun exit status $rc, expected 3"
expect three "greeting=hello from process.env"

# 3. root.readonly, /dev/kvm listed in the bundle's devices.
write_bundle "$T/b-ro" true 0 "$(kvm_device_json)"
run_crun ro "$T/b-ro"
rc=$?
[ "$rc" -eq 0 ] || fail "ro: crun exit status $rc, expected 0"
expect ro "greeting=hello from process.env" "cwd=/work dir" "root=ro"
[ ! -e "$T/b-ro/rootfs/probe" ] || fail "ro: the guest wrote to a read-only rootfs"

# 4. crun's default path has a network: the implicit one. The container
# shares the test host's network namespace (no "network" namespace in the
# bundle: a podman container would reach the outside through its own); the
# server listens on a dummy interface's address, as an outside server would.
ip link add ckd0 type dummy 2>/dev/null
ip addr add 198.18.0.1/24 dev ckd0 2>/dev/null
ip link set ckd0 up || fail "net: cannot set up a dummy interface"
nonce="crun-net-page-$$-$(date +%s)"
echo "$nonce" >"$T/page"
"$CKRUN_BUILD/tests/net/nettool" serve 198.18.0.1 8080 "$T/page" 1 >/dev/null &
spid=$!
write_bundle "$T/b-net" false 0 ""
sed -i 's/{"type": "network"}, //; s|"CODE=0"|"CODE=0", "FETCH=198.18.0.1 8080 /page"|' "$T/b-net/config.json"
grep -q '"type": "network"' "$T/b-net/config.json" && fail "net: the bundle still asks for a network namespace"
run_crun net "$T/b-net"
rc=$?
[ "$rc" -eq 0 ] || fail "net: crun exit status $rc, expected 0"
expect net "$nonce" "fetch=0"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

finish
