#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# A read-only share seen through real system calls: serve a host directory
# through the FUSE server with the read-only wrapper over /dev/fuse
# (tools/ckrun-fuse-host --ro), run ordinary commands that try to change it,
# and check that each fails with "Read-only file system" and that the host
# directory is byte-for-byte and stat-for-stat what it was before.
#
# Usage: ro-syscalls.sh PATH/TO/ckrun-fuse-host
# Needs root and /dev/fuse; exits 77 (meson: SKIP, never PASS) without them.
set -u

HOST_TOOL=${1:?usage: $0 PATH/TO/ckrun-fuse-host}

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "ro-syscalls: needs root and /dev/fuse" >&2
	exit 77
fi

NAME=ro-syscalls
. "$(dirname "$0")/fuse-host-lib.sh"
fail=0

# The share: files (one big enough for dd), a directory with a file in it,
# an empty directory, a symlink, extended attributes.
head -c 65536 /dev/urandom >"$SRC/f"
printf 'other file\n' >"$SRC/g"
mkdir "$SRC/d" "$SRC/e"
printf 'inner\n' >"$SRC/d/inner"
ln -s f "$SRC/l"
setfattr -n user.k -v v "$SRC/f"
setfattr -n user.dir -v yes "$SRC/d"
chmod 0644 "$SRC/f" "$SRC/g"

# Everything about the tree that a mutation could change (atime aside: reads
# may update it under the host's atime policy).
snapshot() {
	(
		cd "$SRC" || exit 1
		find . -printf '%p type=%y mode=%m uid=%U gid=%G size=%s blocks=%b nlink=%n ino=%i mtime=%T@ ctime=%C@ target=%l\n' | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
		getfattr -R -h -d -m - -e hex . 2>/dev/null
	)
}

snapshot >"$WORK/before"

start_host --ro

# The share must be usable for reading, or every refusal below proves nothing.
if ! cmp -s "$SRC/f" "$MNT/f" || [ "$(readlink "$MNT/l")" != f ] ||
	[ "$(cat "$MNT/d/inner")" != inner ] || [ "$(getfattr --only-values -n user.k "$MNT/f" 2>/dev/null)" != v ]; then
	echo "FAIL reading the share" >&2
	fail=1
fi

# expect_erofs DESCRIPTION COMMAND...: the command must fail and say
# "Read-only file system".
expect_erofs() {
	local what=$1 out rc
	shift
	out=$("$@" </dev/null 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -q "Read-only file system" <<<"$out"; then
		echo "ok   $what"
	else
		echo "FAIL $what: rc=$rc: $out" >&2
		fail=1
	fi
}

cd "$MNT" || exit 1
expect_erofs "touch new file"          touch newfile
expect_erofs "touch existing file"     touch f
expect_erofs "rm file"                 rm f
expect_erofs "rm symlink"              rm l
expect_erofs "rm -r directory"         rm -r d
expect_erofs "mv over existing file"   mv f g
expect_erofs "mv into directory"       mv f d/
expect_erofs "mv directory"            mv e e2
expect_erofs "chmod"                   chmod 0777 f
expect_erofs "chown"                   chown 1:1 f
expect_erofs "truncate"                truncate -s 0 f
expect_erofs "echo >>"                 bash -c 'echo x >>f'
expect_erofs "echo > (O_TRUNC)"        bash -c 'echo x >f'
expect_erofs "setfattr"                setfattr -n user.k -v changed f
expect_erofs "setfattr new on dir"     setfattr -n user.new -v 1 d
expect_erofs "setfattr -x"             setfattr -x user.k f
expect_erofs "mkfifo"                  mkfifo fifo
expect_erofs "ln"                      ln f hard
expect_erofs "ln -s"                   ln -s f sym
expect_erofs "mkdir"                   mkdir newdir
expect_erofs "rmdir"                   rmdir e
expect_erofs "cp over a file"          cp g f
expect_erofs "cp new file"             cp g copy
expect_erofs "dd conv=notrunc"         dd if=/dev/zero of=f bs=1 count=1 conv=notrunc status=none
expect_erofs "touch -d (utimes)"       touch -d @0 g
cd / || exit 1

snapshot >"$WORK/after"
if ! diff -u "$WORK/before" "$WORK/after" >&2; then
	echo "FAIL the host directory changed" >&2
	fail=1
else
	echo "ok   host directory unchanged"
fi
exit $fail
