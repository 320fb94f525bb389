#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run tests/vm/fs/fsprobe
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 600
# Two virtio-fs shares at once with distinct tags: "ro-data" read-only and
# "rw-data" read-write (plus the root share). The guest mounts both (neither
# with -o ro), checks that each tag reaches its own directory, copies files
# from the RO share into the RW one, writes, renames and removes on the RW
# share, and sees every write on the RO share refused with EROFS; a tag that
# does not exist cannot be mounted. The host then finds the RW share's new
# content and the RO share unchanged (stat + sha256 listing).
. "$(dirname "$0")/../lib-launcher.sh"

root="$T/root"
ro="$T/ro"
rw="$T/rw"
fs_root "$root" sh echo cat mount umount mv cp rm mkdir ls touch grep
mkdir -p "$root/ro" "$root/rw" "$root/nope" "$ro/sub" "$rw"

"$PROBE" mkdata "$ro" || { echo "FAIL: fsprobe mkdata"; exit 1; }
echo "I am the RO share" >"$ro/whoami"
echo "ro nested" >"$ro/sub/nested.txt"
echo "I am the RW share" >"$rw/whoami"
echo "rw, to be removed" >"$rw/remove-me"

snapshot "$ro" >"$T/ro.before" || { echo "FAIL: host snapshot"; exit 1; }

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
echo "NONCE=$nonce" >"$root/case.env"

cat >"$root/two.sh" <<'GUEST'
export PATH=/bin
. /case.env
fails=0
ok() { d=$1; shift; if out=$("$@" </dev/null 2>&1); then echo "FS2-OK: $d"; else echo "FS2-BAD: $d: $out"; fails=$((fails + 1)); fi; }
eq() { if [ "$2" = "$3" ]; then echo "FS2-OK: $1"; else echo "FS2-BAD: $1: got '$2', want '$3'"; fails=$((fails + 1)); fi; }
refused() {
	d=$1; shift
	if out=$("$@" </dev/null 2>&1); then echo "FS2-BAD: $d succeeded on the RO share"; fails=$((fails + 1))
	else case "$out" in
		*"Read-only file system"*) echo "FS2-REFUSED: $d -> $out" ;;
		*) echo "FS2-BAD: $d -> $out (not EROFS)"; fails=$((fails + 1)) ;;
	esac; fi
}

mount -t virtiofs ro-data /ro || { echo "FS2-BAD: mount ro-data"; exit 90; }
mount -t virtiofs rw-data /rw || { echo "FS2-BAD: mount rw-data"; exit 91; }
if mount -t virtiofs no-such-tag /nope 2>/dev/null; then
	echo "FS2-BAD: a tag that does not exist was mounted"; fails=$((fails + 1)); umount /nope
else echo "FS2-OK: unknown tag refused"; fi

# Each tag reaches its own directory.
eq "ro whoami" "$(cat /ro/whoami)" "I am the RO share"
eq "rw whoami" "$(cat /rw/whoami)" "I am the RW share"

# RO -> RW copies, writes, renames, removal on the RW share.
ok "cp data.3" cp /ro/data.3 /rw/copy.3
ok "verify copy.3" fsprobe verify /rw/copy.3 262144 3
ok "cp -r sub" cp -r /ro/sub /rw/sub-copy
echo "$NONCE" >/rw/nonce.txt
ok "mkdir" mkdir /rw/made
ok "mv" mv /rw/nonce.txt /rw/made/nonce.txt
ok "rm" rm /rw/remove-me
ok "mmap on rw" fsprobe mmapw /rw/mapped 65536 11

# The RO share refuses, at the same time as the RW share takes writes.
refused "write" sh -c "echo x > /ro/whoami"
refused "create" touch /ro/new
refused "rm" rm -f /ro/whoami
refused "mkdir" mkdir /ro/made
refused "cp rw->ro" cp /rw/copy.3 /ro/copy.3
refused "mv ro->ro" mv /ro/whoami /ro/whoami2
refused "mmap on ro" fsprobe mmapw /ro/data.2 262144 2
eq "ro still readable" "$(cat /ro/sub/nested.txt)" "ro nested"
ok "ro data intact" fsprobe verify /ro/data.7 262144 7

cd /
umount /rw || { echo "FS2-BAD: umount /rw"; fails=$((fails + 1)); }
umount /ro || { echo "FS2-BAD: umount /ro"; fails=$((fails + 1)); }
echo "FS2-END $NONCE fails=$fails"
[ "$fails" -eq 0 ] && exit 42
exit 1
GUEST

echo "== running the guest ($ro as ro-data:ro, $rw as rw-data)"
vm_console 540 --cpus 1 --mem 256 \
	--volume "$ro:ro-data:ro" --volume "$rw:rw-data" "$root" -- /bin/sh /two.sh

guest_passed FS2
[ "$(grep -c '^FS2-REFUSED: ' "$T/log")" -eq 7 ] || fail "not all 7 RO writes were refused with EROFS"

# The host's view.
"$PROBE" verify "$rw/copy.3" 262144 3 || fail "host: rw/copy.3"
"$PROBE" verify "$rw/mapped" 65536 11 || fail "host: rw/mapped"
heq "rw/sub-copy" "$(cat "$rw/sub-copy/nested.txt" 2>&1)" "ro nested"
heq "rw/made/nonce.txt" "$(cat "$rw/made/nonce.txt" 2>&1)" "$nonce"
heq "rw/remove-me gone" "$(ls -A "$rw" | grep -c remove-me)" 0
heq "rw/whoami untouched" "$(cat "$rw/whoami")" "I am the RW share"
heq "nothing of rw in ro" "$(ls -A "$ro" | grep -c -e copy -e made -e nonce -e mapped)" 0
unchanged "the RO share" "$ro" "$T/ro.before"

finish
