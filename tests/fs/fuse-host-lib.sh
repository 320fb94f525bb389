# SPDX-License-Identifier: Apache-2.0
# Sourced by the tests that serve a host directory over /dev/fuse with
# tools/ckrun-fuse-host (fuse-host-perms.sh, ro-syscalls.sh).
# Set before sourcing: HOST_TOOL (the server), NAME (the test, for messages).
# Gives: WORK (a fresh directory, removed at exit), SRC (the served directory,
# created), MNT (the mount point, created);
#   start_host [ARGS...]  the server with ARGS on SRC at MNT, its output in
#                         $WORK/host.log; returns once the FUSE mount is there,
#                         else says why (with the log) and exits 1;
#   stop_host             unmounts and stops the server (also at exit).

WORK=$(mktemp -d "/tmp/ckrun-$NAME.XXXXXX")
SRC=$WORK/src
MNT=$WORK/mnt
PID=
mkdir -p "$SRC" "$MNT"

stop_host() {
	if mountpoint -q "$MNT" 2>/dev/null; then
		umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
	fi
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	PID=
}
trap 'stop_host; rm -rf "$WORK"' EXIT

start_host() {
	"$HOST_TOOL" "$@" "$SRC" "$MNT" >"$WORK/host.log" 2>&1 &
	PID=$!
	for _ in $(seq 100); do
		findmnt -n -M "$MNT" -o FSTYPE 2>/dev/null | grep -q fuse && return 0
		if ! kill -0 "$PID" 2>/dev/null; then
			echo "$NAME: $HOST_TOOL exited before mounting:" >&2
			cat "$WORK/host.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo "$NAME: $MNT not mounted after 10 s" >&2
	cat "$WORK/host.log" >&2
	exit 1
}
