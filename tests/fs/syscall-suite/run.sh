#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run the real-syscall suite on a plain directory and on a share served by
# ckrun's FUSE server over /dev/fuse, and compare the transcripts.
#
#   run.sh SUITE-BINARY FUSE-HOST-BINARY
#
# FUSE-HOST-BINARY is invoked as `FUSE-HOST SRCDIR MOUNTPOINT` and must serve
# SRCDIR at MOUNTPOINT until unmounted. Needs root and /dev/fuse; exits 77
# (skipped, reported as SKIP) without them.
set -u
suite=$1
host=$2

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "needs root and /dev/fuse" >&2
	exit 77
fi

tmp=$(mktemp -d /tmp/ckrun-syscall-suite.XXXXXX) || exit 1
mkdir "$tmp/plain" "$tmp/share" "$tmp/mnt"
hostpid=

mounted() {
	grep -q " $tmp/mnt " /proc/self/mounts
}

cleanup() {
	if mounted; then
		umount "$tmp/mnt" 2>/dev/null || umount -l "$tmp/mnt"
	fi
	if [ -n "$hostpid" ]; then
		kill "$hostpid" 2>/dev/null
		wait "$hostpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$suite" "$tmp/plain" >"$tmp/plain.txt" || { echo "suite failed on the plain directory" >&2; exit 1; }

"$host" "$tmp/share" "$tmp/mnt" >"$tmp/host.log" 2>&1 &
hostpid=$!
i=0
until mounted; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$hostpid" 2>/dev/null && ! mounted; then
		echo "the FUSE host did not mount $tmp/mnt:" >&2
		cat "$tmp/host.log" >&2
		exit 1
	fi
	sleep 0.1
done

"$suite" "$tmp/mnt" >"$tmp/fuse.txt" || { echo "suite failed on the share" >&2; }

# Unmount and let the server exit by itself: it must end cleanly (also no
# sanitizer report in an ASan build).
umount "$tmp/mnt" || umount -l "$tmp/mnt"
i=0
while kill -0 "$hostpid" 2>/dev/null && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
host_ok=1
if kill -0 "$hostpid" 2>/dev/null; then
	echo "the FUSE host did not exit after unmount" >&2
	host_ok=0
else
	wait "$hostpid"
	rc=$?
	hostpid=
	if [ "$rc" != 0 ] || grep -q "Sanitizer\|runtime error" "$tmp/host.log"; then
		echo "the FUSE host failed (exit $rc):" >&2
		cat "$tmp/host.log" >&2
		host_ok=0
	fi
fi

if diff -u "$tmp/plain.txt" "$tmp/fuse.txt"; then
	echo "transcripts identical ($(wc -l <"$tmp/plain.txt") lines)"
	# The share's files are the host's files: compare the trees as well.
	(cd "$tmp/plain" && find . -printf '%p %y %m %U %G %s\n' | sort) >"$tmp/plain.tree"
	(cd "$tmp/share" && find . -printf '%p %y %m %U %G %s\n' | sort) >"$tmp/share.tree"
	if ! diff -u "$tmp/plain.tree" "$tmp/share.tree"; then
		echo "host trees differ after the run" >&2
		exit 1
	fi
	[ $host_ok = 1 ] || exit 1
	exit 0
fi
echo "transcripts differ" >&2
exit 1
