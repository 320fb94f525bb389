#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Boots the built /init.krun under QEMU (TCG, -M microvm) with the project's
# guest kernel and QEMU's virtiofsd serving a busybox root, independently of
# ckrun's own VMM: checks the init's contract (KRUN_* variables, arguments,
# .krun_config.json, exit statuses, console-port redirection, the read-only
# root message). virtiofsd answers the exit-code ioctl with ENOTTY, so the
# init's "cannot report the exit code N" line carries the status here.
# Usage: qemu-init.sh BUILD_DIR   (env CKRUN_KERNEL: a bzImage with virtio-fs,
# virtio-mmio command-line devices and virtio-console built in; without it the
# project kernel is taken from guest/kernel/build.sh's cache, building it if
# needed). Never skips: a missing QEMU, virtiofsd or busybox is a failure.
set -u
build=$1
kernel=${CKRUN_KERNEL:-}
if [ -z "$kernel" ]; then
	kernel=$(mktemp /tmp/ckrun-qemu-init-kernel-XXXXXX)
	trap 'rm -f "$kernel"' EXIT
	"$(dirname "$0")/../../guest/kernel/build.sh" "$kernel" >&2 || { echo "qemu-init: guest kernel build failed" >&2; exit 1; }
fi
busybox=${CKRUN_BUSYBOX:-/bin/busybox}
vfsd=/usr/lib/qemu/virtiofsd
for need in "$kernel" "$vfsd" "$busybox"; do
	if [ -z "$need" ] || [ ! -e "$need" ]; then
		echo "qemu-init: needs the guest kernel, $vfsd and busybox (missing: '${need}')" >&2
		exit 1
	fi
done
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-init: no qemu-system-x86_64" >&2; exit 1; }

T=$(mktemp -d /tmp/ckrun-qemu-init-XXXXXX)
trap 'umount "$T/robind" 2>/dev/null; rm -rf "$T"; [ -n "${CKRUN_KERNEL:-}" ] || rm -f "$kernel"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

make_root() {
	mkdir -p "$1/bin"
	cp "$busybox" "$1/bin/busybox"
	for a in sh echo cat ls touch kill true pwd env; do ln -sf busybox "$1/bin/$a"; done
	cp "$build/src/init/init.krun" "$1/init.krun" # ckrun serves it virtually; virtiofsd cannot
}

# boot ROOT CMDLINE_TAIL [PORTS]: output in $T/console, krun-std* in $T/out, $T/err.
boot() {
	root=$1 tail=$2
	sock="$T/vfs.sock"
	rm -f "$sock" "$T/out" "$T/err"
	"$vfsd" --socket-path="$sock" -o source="$root" -o cache=none >"$T/vfsd.log" 2>&1 &
	vp=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	devs="virtio_mmio.device=512@0xfeb00e00:12"
	extra=""
	if [ "${3:-}" = ports ]; then
		devs="$devs virtio_mmio.device=512@0xfeb00c00:11"
		extra="-device virtio-serial-device -chardev file,id=o,path=$T/out -device virtserialport,chardev=o,name=krun-stdout -chardev file,id=e,path=$T/err -device virtserialport,chardev=e,name=krun-stderr"
	fi
	# The command line's own `--` must come last: devices go before it.
	# root=/dev/root mounts the tag "root" on a kernel without CONFIG_BLOCK.
	# shellcheck disable=SC2086
	timeout 120 qemu-system-x86_64 -M microvm,isa-serial=on,rtc=on,acpi=off,auto-kernel-cmdline=off \
		-accel tcg -cpu max -m 256M -smp 1 -nodefaults -no-user-config -nographic \
		-serial "file:$T/console" -display none -no-reboot \
		-object memory-backend-memfd,id=mem,size=256M,share=on -machine memory-backend=mem \
		-global virtio-mmio.force-legacy=false \
		-chardev socket,id=c,path="$sock" -device vhost-user-fs-device,chardev=c,tag=root $extra \
		-kernel "$kernel" \
		-append "console=ttyS0 reboot=t panic=-1 root=/dev/root rootfstype=virtiofs rw quiet init=/init.krun $devs $tail" \
		</dev/null >"$T/qemu.log" 2>&1
	kill "$vp" 2>/dev/null
	wait "$vp" 2>/dev/null
	tr -d '\r' <"$T/console" >"$T/console.lf" && mv "$T/console.lf" "$T/console"
}

# code: the status the init reported.
code() { sed -n 's/.*cannot report the exit code \([0-9]*\) to the host.*/\1/p' "$T/console" | tail -n 1; }
expect() { # expect WANT_CODE LINE...
	want=$1
	shift
	[ "$(code)" = "$want" ] || fail "status $(code), expected $want: $(cat "$T/console")"
	for l in "$@"; do grep -qxF "$l" "$T/console" || fail "no line '$l' in: $(cat "$T/console")"; done
}

root="$T/root"
make_root "$root"

boot "$root" 'KRUN_INIT=/bin/sh KRUN_WORKDIR=/bin KRUN_RLIMITS="7=123:456" "GREETING=hello wörld" HOSTNAME=vmhost -- "-c" "echo [$(pwd)] [$GREETING] [$HOME] [$(cat /proc/sys/kernel/hostname)] [$(ulimit -n)] [$0] [$1]; exit 42" "a b" "c'"'"'d"'
expect 42 "[/bin] [hello wörld] [/] [vmhost] [123] [a b] [c'd]"

boot "$root" 'KRUN_INIT=/does-not-exist'
expect 127
boot "$root" 'KRUN_INIT=/bin/true KRUN_WORKDIR=/no/such/dir'
expect 125
printf 'text\n' >"$root/notexec"
boot "$root" 'KRUN_INIT=/notexec'
expect 126
boot "$root" 'KRUN_INIT=/bin/sh -- "-c" "kill -TERM $$"'
expect 143

printf '%s\n' '{"Config":{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo \"nested:$SHAPE:$(pwd):$HOME:\\\"q\\\"\"; exit 13"],"Env":["SHAPE=n","HOME=/root"],"WorkingDir":"/bin"}}' >"$root/.krun_config.json"
boot "$root" ''
expect 13 'nested:n:/bin:/root:"q"'
printf '%s\n' '{"process":{"args":["/bin/sh","-c","echo oci:$SHAPE; exit 11"],"env":["SHAPE=o"],"cwd":"/"}}' >"$root/.krun_config.json"
boot "$root" ''
expect 11 'oci:o'
printf '%s\n' '{"Cmd":["/bin/sh","-c","echo flat:$SHAPE; exit 12"],"Env":["SHAPE=f"]}' >"$root/.krun_config.json"
boot "$root" ''
expect 12 'flat:f'
printf '{"Cmd":[}\n' >"$root/.krun_config.json"
boot "$root" ''
expect 125
grep -q 'invalid configuration file /.krun_config.json' "$T/console" || fail "no message for a bad config"
rm "$root/.krun_config.json"

boot "$root" 'KRUN_INIT=/bin/sh -- "-c" "echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 7"' ports
expect 7
[ "$(cat "$T/out" 2>/dev/null)" = "$(printf 'out1\nout2')" ] || fail "krun-stdout got: $(cat "$T/out" 2>/dev/null)"
[ "$(cat "$T/err" 2>/dev/null)" = "$(printf 'err1\nerr2')" ] || fail "krun-stderr got: $(cat "$T/err" 2>/dev/null)"

# A read-only root without proc/: the init names it, the program still runs.
ro="$T/ro"
make_root "$ro"
mkdir -p "$ro/dev" "$ro/sys" "$T/robind"
if mount --bind "$ro" "$T/robind" 2>/dev/null && mount -o remount,ro,bind "$T/robind" 2>/dev/null; then
	boot "$T/robind" 'KRUN_INIT=/bin/sh -- "-c" "touch /x 2>/dev/null && exit 1; exit 5"'
	expect 5
	grep -q 'cannot create proc/ .*dev/ proc/ sys/' "$T/console" || fail "no message naming proc/: $(cat "$T/console")"
	umount "$T/robind"
else
	echo "qemu-init: read-only root case not run (cannot bind-mount here)" >&2
fi

[ "$fails" -eq 0 ] || exit 1
echo "qemu-init: ok"
