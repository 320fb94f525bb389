#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run tests/vm/fs/fsprobe
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 600
# A read-only virtio-fs share (ckrun-run --volume DIR:roshare:ro), mounted by
# the guest WITHOUT -o ro, so only the host enforces it. Reads work (content,
# readdir, symlinks, xattrs); every one of touch (new and existing), echo >,
# echo >>, rm, rm -r, rmdir, mkdir, mv (in place and across directories), ln,
# ln -s, chmod, chown, chgrp, truncate (existing and new), setxattr,
# removexattr (tests/vm/fs/fsprobe: busybox has no setfattr), mkfifo, mknod,
# cp over a file, dd conv=notrunc, fallocate, an O_RDWR open and a shared
# writable mmap fails with "Read-only file system". The guest prints one
# line per command and exits non-zero on any unexpected outcome. Afterwards
# a host-side listing of the whole share (type, size, mode, owner, link
# count, inode, mtime, ctime, symlink targets, sha256 of every file, xattrs)
# must be unchanged.
. "$(dirname "$0")/../lib-launcher.sh"

# The share: files, directories (one empty), links, a FIFO made on the host.
fs_one_share sh echo cat mount umount mv ln chmod chown chgrp truncate dd mkdir rm rmdir ls \
	touch stat grep readlink head cp mkfifo mknod fallocate
printf 'hello from the host\n' >"$share/hello.txt"
mkdir -p "$share/dir/sub" "$share/empty-dir"
printf 'nested\n' >"$share/dir/nested.txt"
printf 'deeper\n' >"$share/dir/sub/deeper.txt"
ln "$share/hello.txt" "$share/hello-hard.txt"
ln -s hello.txt "$share/hello-sym"
mkfifo "$share/host-fifo"
chmod 0640 "$share/dir/nested.txt"
xattr_ns "$share/hello.txt" ckrun host-value

# The host's view: everything but atime (reads may update it), plus every
# file's sha256 and the xattrs of the marked file.
share_snapshot() {
	(
		cd "$share" || exit 1
		find . -exec stat -c '%n|%F|%s|%a|%u|%g|%h|%i|%t:%T|%Y|%Z|%N' {} + | sort
		find . -type f -exec sha256sum {} + | sort
		"$PROBE" xlist hello.txt | sort
		"$PROBE" xget hello.txt "$xns.ckrun"
	)
}
share_snapshot >"$T/before" || { echo "FAIL: host snapshot"; exit 1; }

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
{
	echo "NONCE=$nonce"
	echo "XNS=$xns"
} >"$root/case.env"

cat >"$root/ro.sh" <<'GUEST'
export PATH=/bin
. /case.env
fails=0
n=0
# ok DESC CMD...: CMD must succeed.
ok() {
	d=$1; shift
	if out=$("$@" </dev/null 2>&1); then echo "FSRO-READ-OK: $d"
	else echo "FSRO-BAD: $d: $out"; fails=$((fails + 1)); fi
}
# refused DESC CMD...: CMD must fail, saying "Read-only file system".
refused() {
	d=$1; shift
	n=$((n + 1))
	if out=$("$@" </dev/null 2>&1); then
		echo "FSRO-BAD: $d -> SUCCEEDED (must fail)"; fails=$((fails + 1))
	else
		case "$out" in
		*"Read-only file system"*) echo "FSRO-REFUSED: $d -> $out" ;;
		*) echo "FSRO-BAD: $d -> $out (not EROFS)"; fails=$((fails + 1)) ;;
		esac
	fi
}

# Mounted read-write from the guest's point of view: only the host refuses.
mount -t virtiofs roshare /mnt || { echo "FSRO-BAD: mount -t virtiofs roshare /mnt failed"; exit 90; }
M=/mnt
grep " /mnt " /proc/mounts

# Reads work.
ok "cat" sh -c "[ \"\$(cat $M/hello.txt)\" = 'hello from the host' ]"
ok "verify data.5" fsprobe verify $M/data.5 262144 5
ok "ls -lR" ls -lR $M
ok "readlink" sh -c "[ \"\$(readlink $M/hello-sym)\" = hello.txt ]"
ok "link count 2" sh -c "[ \"\$(stat -c %h $M/hello.txt)\" = 2 ]"
ok "getxattr" sh -c "[ \"\$(fsprobe xget $M/hello.txt $XNS.ckrun)\" = host-value ]"
ok "open fifo O_NONBLOCK" fsprobe opennb $M/host-fifo rd

names_before=$(ls -AR $M 2>&1)

# Every write fails with EROFS.
refused "touch new" touch $M/new-file
refused "touch existing" touch $M/hello.txt
refused "echo >" sh -c "echo overwrite > $M/hello.txt"
refused "echo > new" sh -c "echo new > $M/new-file2"
refused "echo >>" sh -c "echo append >> $M/hello.txt"
refused "exec 3<>" sh -c "exec 3<> $M/hello.txt"
refused "rm" rm -f $M/hello.txt
refused "rm symlink" rm -f $M/hello-sym
refused "rm -r" rm -rf $M/dir
refused "rmdir" rmdir $M/empty-dir
refused "mkdir" mkdir $M/new-dir
refused "mkdir -p nested" mkdir -p $M/dir/new/deeper
refused "mv" mv $M/hello.txt $M/moved.txt
refused "mv across dirs" mv $M/dir/nested.txt $M/nested.txt
refused "mv dir" mv $M/dir $M/dir2
refused "ln" ln $M/hello.txt $M/hard2
refused "ln -s" ln -s /etc/passwd $M/sym2
refused "chmod" chmod 777 $M/hello.txt
refused "chmod dir" chmod 700 $M/dir
refused "chown" chown 1:1 $M/hello.txt
refused "chgrp" chgrp 1 $M/dir/nested.txt
refused "truncate existing" truncate -s 0 $M/hello.txt
refused "truncate new" truncate -s 10 $M/new-file3
refused "setxattr (fsprobe)" fsprobe xset $M/hello.txt $XNS.other v
refused "replace xattr (fsprobe)" fsprobe xset $M/hello.txt $XNS.ckrun changed
refused "removexattr (fsprobe)" fsprobe xdel $M/hello.txt $XNS.ckrun
refused "mkfifo" mkfifo $M/fifo
refused "mknod c" mknod $M/null c 1 3
refused "mknod b" mknod $M/blk b 7 0
refused "cp over a file" cp /case.env $M/hello.txt
refused "cp new" cp /case.env $M/copied
refused "dd conv=notrunc" dd if=/case.env of=$M/hello.txt conv=notrunc
refused "dd seek" dd if=/case.env of=$M/data.0 bs=1 seek=100 conv=notrunc
refused "fallocate" fallocate -l 1048576 $M/hello.txt
refused "fallocate new" fallocate -l 4096 $M/new-file4
refused "mmap MAP_SHARED write (fsprobe)" fsprobe mmapw $M/data.1 262144 1

# Reads still work and nothing changed from the guest's point of view.
ok "cat after" sh -c "[ \"\$(cat $M/hello.txt)\" = 'hello from the host' ]"
ok "verify data.0 after" fsprobe verify $M/data.0 262144 0
names_after=$(ls -AR $M 2>&1)
if [ "$names_after" = "$names_before" ]; then echo "FSRO-READ-OK: same names"
else echo "FSRO-BAD: the names changed: $names_after"; fails=$((fails + 1)); fi

cd /
umount /mnt || { echo "FSRO-BAD: umount"; fails=$((fails + 1)); }
echo "FSRO-END $NONCE refused=$n fails=$fails"
[ "$fails" -eq 0 ] && exit 42
exit 1
GUEST

echo "== running the guest (share $share read-only as tag roshare)"
vm_console 540 --cpus 1 --mem 256 \
	--volume "$share:roshare:ro" "$root" -- /bin/sh /ro.sh

guest_passed FSRO "refused=[1-9][0-9]* "
nref=$(grep -c '^FSRO-REFUSED: ' "$T/log")
nwant=$(grep -c '^refused ' "$root/ro.sh")
[ "$nref" -eq "$nwant" ] || fail "$nref commands refused with EROFS, expected $nwant"

share_snapshot >"$T/after" 2>&1
if cmp -s "$T/before" "$T/after"; then
	echo "== host: the share is unchanged ($(wc -l <"$T/before") lines of stat, sha256 and xattrs)"
else
	fail "the share changed on the host:"
	diff "$T/before" "$T/after"
fi

finish "($nref writes refused, share unchanged)"
