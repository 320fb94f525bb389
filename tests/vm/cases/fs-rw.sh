#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run tests/vm/fs/fsprobe
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 600
# A read-write virtio-fs share (ckrun-run --volume DIR:rwshare), mounted by
# the guest: create, write, append, read, rename (in place, across
# directories, over an existing file), hard link, symlink (relative and
# dangling), chmod, chown, truncate (shrink and grow), xattrs (set, get, list,
# remove; with tests/vm/fs/fsprobe, as busybox has no setfattr), unlink,
# rmdir, a directory of FS_RW_NFILES files (created, listed and read back) and
# MAP_SHARED writes. The guest checks what it can see itself; then, after the
# VM has exited, the HOST checks content, modes, owners, link counts, inode
# identity, symlink targets, sizes and xattrs in the shared directory.
#
# FS_RW_NFILES (default 1000; the issue's figure is 5000): under the TCG test
# host every FUSE request is a nested-KVM exit emulated by TCG, ~17 ms each
# on a loaded 2-core machine. Measured there: creating 1000 files took 86 s,
# readdir of them 0.2 s, reading each back 78 s, the whole case 239 s; 5000
# would need ~14 minutes, past the runner's 900 s budget. The runner does not
# pass the environment into the test host: use FS_RW_NFILES=5000 in direct
# mode, where guests run at hardware speed. The guest prints "FSRW-TIME".
#
# The xattr namespace is user.* when the host file system takes it, else
# trusted.* (the test host's /tmp is a 6.1 tmpfs, which has no user.*
# xattrs); the case says which one it used.
NFILES="${FS_RW_NFILES:-1000}"
. "$(dirname "$0")/../lib-launcher.sh"

# Host-written content the guest must read back intact.
fs_one_share sh echo cat mount umount mv ln chmod chown truncate dd mkdir rm rmdir ls wc \
	touch stat sync cut tr grep readlink head cmp
printf 'from the host\n' >"$share/host.txt"

# Which xattr namespace the host file system under the share accepts.
xattr_ns "$share/host.txt" ckrun-probe v
"$PROBE" xdel "$share/host.txt" "$xns.ckrun-probe"

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
{
	echo "NONCE=$nonce"
	echo "NFILES=$NFILES"
	echo "XNS=$xns"
} >"$root/case.env"

# The guest's script is a file: the kernel command line cannot carry '"'.
cat >"$root/rw.sh" <<'GUEST'
export PATH=/bin
. /case.env
fails=0
ok() { echo "FSRW-OK: $*"; }
bad() { echo "FSRW-BAD: $*"; fails=$((fails + 1)); }
# t DESC CMD...: CMD must succeed.
t() { d=$1; shift; if out=$("$@" </dev/null 2>&1); then ok "$d"; else bad "$d: $out"; fi; }
# eq DESC GOT WANT
eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi; }
up() { read -r u _ </proc/uptime; echo "$u"; }

mount -t virtiofs rwshare /mnt || { echo "FSRW-BAD: mount -t virtiofs rwshare /mnt failed"; exit 90; }
M=/mnt

# Reads of host-written files.
eq "read host.txt" "$(cat $M/host.txt)" "from the host"
for k in 0 1 2 3 4 5 6 7; do t "verify data.$k" fsprobe verify $M/data.$k 262144 $k; done

# Create, write, append, read.
echo "hello rw" >$M/new.txt && echo "second line" >>$M/new.txt
eq "append" "$(cat $M/new.txt)" "hello rw
second line"
t "dd copy (256 KiB write)" dd if=$M/data.1 of=$M/copy.1 bs=65536
t "verify copy.1" fsprobe verify $M/copy.1 262144 1
t "cmp copy.1" cmp $M/data.1 $M/copy.1

# Directories and renames.
t "mkdir -p" mkdir -p $M/a/b/c
echo deep >$M/a/b/c/deep.txt
echo moving >$M/before.txt
t "rename in place" mv $M/before.txt $M/after.txt
t "mkdir dir2" mkdir $M/dir2
t "rename across dirs" mv $M/a/b/c/deep.txt $M/dir2/deep.txt
echo old >$M/replaced.txt
echo new >$M/replacer.txt
t "rename over a file" mv -f $M/replacer.txt $M/replaced.txt
eq "renamed content" "$(cat $M/replaced.txt)" "new"

# Links.
t "hard link" ln $M/new.txt $M/hard.txt
eq "hard link count" "$(stat -c %h $M/new.txt)" 2
eq "hard link inode" "$(stat -c %i $M/hard.txt)" "$(stat -c %i $M/new.txt)"
t "symlink" ln -s new.txt $M/sym
t "dangling symlink" ln -s /nowhere/at/all $M/dangling
eq "readlink" "$(readlink $M/sym)" "new.txt"
eq "read through symlink" "$(head -n 1 $M/sym)" "hello rw"

# Metadata.
touch $M/mode.bin $M/owned.bin
t "chmod 0751" chmod 0751 $M/mode.bin
t "chmod dir 0700" chmod 0700 $M/dir2
eq "mode seen" "$(stat -c %a $M/mode.bin)" 751
t "chown 1234:5678" chown 1234:5678 $M/owned.bin
eq "owner seen" "$(stat -c %u:%g $M/owned.bin)" 1234:5678
t "10000 bytes" dd if=$M/data.2 of=$M/shrink.bin bs=10000 count=1
t "truncate shrink" truncate -s 100 $M/shrink.bin
echo grow >$M/grow.bin
t "truncate grow" truncate -s 50000 $M/grow.bin
eq "shrunk size" "$(stat -c %s $M/shrink.bin)" 100
eq "grown size" "$(stat -c %s $M/grow.bin)" 50000

# xattrs.
echo x >$M/xattr.bin
t "setxattr" fsprobe xset $M/xattr.bin $XNS.ckrun.keep value-one
t "setxattr 2" fsprobe xset $M/xattr.bin $XNS.ckrun.gone value-two
eq "getxattr" "$(fsprobe xget $M/xattr.bin $XNS.ckrun.keep)" value-one
xl=$(fsprobe xlist $M/xattr.bin | grep -c "^$XNS.ckrun")
eq "listxattr" "$xl" 2
t "removexattr" fsprobe xdel $M/xattr.bin $XNS.ckrun.gone

# Unlink and rmdir.
echo bye >$M/gone.txt
mkdir $M/gone.dir
t "unlink" rm $M/gone.txt
t "rmdir" rmdir $M/gone.dir

# Shared writable mappings: page-aligned and not.
t "mmap 1 MiB" fsprobe mmapw $M/mmap.bin 1048576 99
t "mmap 10000 B" fsprobe mmapw $M/mmap-small.bin 10000 98

# A big directory.
t "mkdir many" mkdir $M/many
t0=$(up)
# Not captured: fsprobe prints its progress, which shows where time goes.
if fsprobe mkfiles $M/many $NFILES; then ok "create $NFILES files"; else bad "create $NFILES files"; fi
t1=$(up)
eq "ls count" "$(ls $M/many | wc -l)" "$NFILES"
t2=$(up)
if fsprobe checkfiles $M/many $NFILES; then ok "readdir+read $NFILES files"; else bad "readdir+read $NFILES files"; fi
t3=$(up)
echo "FSRW-TIME: nfiles=$NFILES create=$t0..$t1 ls=$t1..$t2 readdir+read=$t2..$t3 (guest uptime, s)"

t "sync" sync
cd /
t "umount" umount /mnt
echo "FSRW-END $NONCE fails=$fails"
[ "$fails" -eq 0 ] && exit 42
exit 1
GUEST

echo "== running the guest (share $share as tag rwshare, $NFILES files)"
vm_console 540 --cpus 1 --mem 256 \
	--volume "$share:rwshare" "$root" -- /bin/sh /rw.sh

guest_passed FSRW

# --- the host's view, after the VM has exited -----------------------------
S=$share
hok() { d=$1; shift; if out=$("$@" 2>&1); then echo "host-ok: $d"; else fail "host: $d: $out"; fi; }
heq "new.txt" "$(cat "$S/new.txt" 2>&1)" "hello rw
second line"
hok "copy.1 content" "$PROBE" verify "$S/copy.1" 262144 1
heq "deep.txt moved" "$(cat "$S/dir2/deep.txt" 2>&1)" deep
heq "deep.txt left its old dir" "$(ls -A "$S/a/b/c" 2>&1)" ""
heq "after.txt" "$(cat "$S/after.txt" 2>&1)" moving
heq "before.txt gone" "$(ls "$S/before.txt" 2>/dev/null)" ""
heq "replaced.txt" "$(cat "$S/replaced.txt" 2>&1)" new
heq "replacer.txt gone" "$(ls "$S/replacer.txt" 2>/dev/null)" ""
heq "link count" "$(stat -c %h "$S/new.txt")" 2
heq "same inode" "$(stat -c %i "$S/hard.txt" 2>&1)" "$(stat -c %i "$S/new.txt" 2>&1 || echo none)"
heq "symlink type" "$(stat -c %F "$S/sym")" "symbolic link"
heq "symlink target" "$(readlink "$S/sym")" new.txt
heq "dangling target" "$(readlink "$S/dangling")" /nowhere/at/all
heq "mode 0751" "$(stat -c %a "$S/mode.bin")" 751
heq "dir mode 0700" "$(stat -c %a "$S/dir2")" 700
heq "owner" "$(stat -c %u:%g "$S/owned.bin")" 1234:5678
heq "shrunk size" "$(stat -c %s "$S/shrink.bin")" 100
hok "shrunk content" cmp -n 100 "$S/shrink.bin" "$S/data.2"
heq "grown size" "$(stat -c %s "$S/grow.bin")" 50000
heq "grown head" "$(head -n 1 "$S/grow.bin")" grow
heq "xattr kept" "$("$PROBE" xget "$S/xattr.bin" "$xns.ckrun.keep" 2>&1)" value-one
heq "xattr removed" "$("$PROBE" xlist "$S/xattr.bin" | grep -c "^$xns.ckrun")" 1
heq "unlinked" "$(ls -d "$S/gone.txt" "$S/gone.dir" 2>/dev/null)" ""
hok "mmap 1 MiB content" "$PROBE" verify "$S/mmap.bin" 1048576 99
hok "mmap 10000 B content" "$PROBE" verify "$S/mmap-small.bin" 10000 98
hok "$NFILES files" "$PROBE" checkfiles "$S/many" "$NFILES"
for k in 0 1 2 3 4 5 6 7; do
	"$PROBE" verify "$S/data.$k" 262144 "$k" || fail "host: data.$k changed"
done

finish "($NFILES files, xattrs in $xns.*)"
