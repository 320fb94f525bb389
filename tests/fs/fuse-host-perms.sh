#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# ckrun-fuse-host enforces the host's permission checks for other users
# (issue 21, item 4). The server runs as root and the mount has allow_other,
# so without default_permissions the kernel let any local user act as root in
# the source directory (measured: uid 65534 chowned root's file, opened
# mode-0000 files, changed other users' modes). Here uid 65534 (setpriv, in a
# child process) must be refused:
#   chown of root's file, open of a mode-0000 file, chmod of uid 1000's file,
#   writing into root's 0755 directory;
# while what it may do works (read a 0644 file, list the directory). With
# --ro, statvfs on the mount reports ST_RDONLY (mounted MS_RDONLY).
#
# Usage: fuse-host-perms.sh PATH/TO/ckrun-fuse-host
# Needs root, /dev/fuse and setpriv; exits 77 (meson: SKIP, never PASS) without.
set -u

HOST_TOOL=${1:?usage: $0 PATH/TO/ckrun-fuse-host}
if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || ! command -v setpriv >/dev/null; then
	echo "fuse-host-perms: needs root, /dev/fuse and setpriv" >&2
	exit 77
fi

NAME=fuse-host-perms
. "$(dirname "$0")/fuse-host-lib.sh"
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

chmod 0755 "$WORK" "$SRC" "$MNT"
echo secret >"$SRC/root-file" && chmod 0644 "$SRC/root-file"
echo hidden >"$SRC/zero" && chmod 0000 "$SRC/zero"
echo theirs >"$SRC/other" && chown 1000:1000 "$SRC/other" && chmod 0644 "$SRC/other"
before=$(stat -c '%n %u %g %a' "$SRC"/* | sort)

start_host
# what uid 65534 may not do
as_nobody chown 65534 "$MNT/root-file" 2>/dev/null && fail "uid 65534 chowned root's file"
as_nobody cat "$MNT/zero" >/dev/null 2>&1 && fail "uid 65534 opened a mode-0000 file"
as_nobody chmod 0666 "$MNT/other" 2>/dev/null && fail "uid 65534 changed uid 1000's file's mode"
as_nobody sh -c "echo x > '$MNT/new'" 2>/dev/null && fail "uid 65534 created a file in root's 0755 directory"
as_nobody sh -c "echo x >> '$MNT/root-file'" 2>/dev/null && fail "uid 65534 wrote root's 0644 file"
# what it may do
[ "$(as_nobody cat "$MNT/root-file" 2>/dev/null)" = secret ] || fail "uid 65534 could not read a 0644 file"
as_nobody ls "$MNT" >/dev/null 2>&1 || fail "uid 65534 could not list the directory"
# root still may (the server's own checks are the host's)
chmod 0600 "$MNT/other" || fail "root could not chmod through the mount"
chmod 0644 "$MNT/other"
stop_host
after=$(stat -c '%n %u %g %a' "$SRC"/* | sort)
[ "$before" = "$after" ] || fail "the source directory changed: $before -> $after"
[ -e "$SRC/new" ] && fail "a file was created"

# --ro: the mount itself is read-only
start_host --ro
grep -q ' '"$MNT"' fuse.ckrun ro[, ]' /proc/mounts || fail "--ro mount not ro in /proc/mounts: $(grep "$MNT" /proc/mounts)"
# statvfs's ST_RDONLY comes from the same mount flag; checked directly where python3 is.
if command -v python3 >/dev/null; then
	flags=$(python3 -c 'import os,sys; print(os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY)' "$MNT")
	[ "$flags" = 1 ] || fail "statvfs on the --ro mount does not report ST_RDONLY ($flags)"
fi
as_nobody cat "$MNT/zero" >/dev/null 2>&1 && fail "uid 65534 opened a mode-0000 file (--ro)"
stop_host

if [ "$fails" -ne 0 ]; then
	echo "fuse-host-perms: $fails failed"
	exit 1
fi
echo "fuse-host-perms: all checks passed"
