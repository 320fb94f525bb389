#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-build-files: examples/ckrun-run tests/vm/fs/hostile
# ckrun-vm-timeout: 1200
# A hostile guest, for real (issue 11, item 4): tests/vm/fs/hostile runs in
# the guest, unbinds the kernel's virtiofs driver from one device and drives
# that virtio-mmio device itself through /dev/mem: reset, feature
# negotiation, its own split virtqueue, crafted FUSE requests and descriptor
# chains (see hostile.c). It attacks "hro" (a read-only share) and then
# "hrw" (a read-write one, while the host swaps an entry of it between a
# directory and a symlink to the outside). Afterwards the guest mounts the
# share "other" normally and reads and writes it, with a reader blocked on a
# FIFO of the share "slow" in the background.
# Checks: the program's exit codes (10 setup, 20 init, 30 ro, 40 escape,
# 50 chains, 60 secret seen), that the VM ends with the guest script's
# status (the VMM survived), that the secret planted next to the shares
# never reached the guest, that "hro" is unchanged on the host (stat +
# sha256 listing), that nothing appeared outside the shares, and that
# "other" holds what the guest wrote.
. "$(dirname "$0")/../lib-launcher.sh"
HOSTILE="$CKRUN_BUILD/tests/vm/fs/hostile"

root="$T/root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/other" "$root/slow"
cp "$CKRUN_BUSYBOX" "$root/bin/busybox"
cp "$HOSTILE" "$root/bin/hostile"
for a in sh echo cat mount umount mkdir ls grep sleep kill; do
	ln -s busybox "$root/bin/$a"
done

# The secret lives next to the shares and reaches the guest only through the
# kernel command line (--env), never through a share.
nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
secret="CKRUN-SECRET-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$secret" >"$T/secret"
hello="HELLO-$nonce"

share() { # DIR: the layout hostile.c expects
	mkdir -p "$1/sub" "$1/d/sub" "$1/race"
	printf '%s\n' "$hello" >"$1/hello"
	echo g >"$1/d/g"
	ln -s ../secret "$1/up"
	ln -s "$T/secret" "$1/abs"
	ln -s .. "$1/dd"
	ln -s /etc/passwd "$1/pw"
	mkfifo "$1/fifo"
}
share "$T/hro"
share "$T/hrw"
mkdir -p "$T/other" "$T/slow"
echo "I am other" >"$T/other/whoami"
mkfifo "$T/slow/fifo"

snapshot "$T/hro" >"$T/hro.before" || { echo "FAIL: host snapshot"; exit 1; }
sha256sum "$T/secret" >"$T/secret.sum"
# Everything next to the shares, minus this script's own bookkeeping files.
tops() { ls -A "$T" | grep -v -x -e hro.before -e hro.after -e secret.sum -e racing -e rc -e out -e log; }
top_before=$(tops)

cat >"$root/hostile.sh" <<GUEST
export PATH=/bin
fails=0
hostile hro ro "\$HOSTILE_SECRET" "$hello" "$T/secret"; rc=\$?
echo "HOSTILE-RC hro \$rc"; [ \$rc -eq 0 ] || fails=\$((fails + 1))
hostile hrw rw "\$HOSTILE_SECRET" "$hello" "$T/secret"; rc=\$?
echo "HOSTILE-RC hrw \$rc"; [ \$rc -eq 0 ] || fails=\$((fails + 1))

# The other shares keep working, with a reader stuck on a FIFO meanwhile.
mount -t virtiofs slow /slow || { echo "GUEST-BAD: mount slow"; fails=\$((fails + 1)); }
cat /slow/fifo >/dev/null 2>&1 &
stuck=\$!
mount -t virtiofs other /other || { echo "GUEST-BAD: mount other"; fails=\$((fails + 1)); }
if [ "\$(cat /other/whoami)" = "I am other" ]; then echo "GUEST-OK: other read"
else echo "GUEST-BAD: other read"; fails=\$((fails + 1)); fi
echo "$nonce" >/other/written || { echo "GUEST-BAD: other write"; fails=\$((fails + 1)); }
mkdir /other/made || { echo "GUEST-BAD: other mkdir"; fails=\$((fails + 1)); }
if [ "\$(cat /other/written)" = "$nonce" ]; then echo "GUEST-OK: other write"
else echo "GUEST-BAD: other read back"; fails=\$((fails + 1)); fi
ls /slow >/dev/null || { echo "GUEST-BAD: slow readdir with a FIFO reader"; fails=\$((fails + 1)); }
kill \$stuck 2>/dev/null
echo "HOSTILE-GUEST-END $nonce fails=\$fails"
[ \$fails -eq 0 ] && exit 42
exit 1
GUEST

# The host's side of the rename race: "race" in hrw flips between a
# directory and a symlink to the outside while the guest works.
touch "$T/racing"
(
	cd "$T/hrw" || exit 1
	while [ -e "$T/racing" ]; do
		rmdir race 2>/dev/null && ln -s .. race
		sleep 0.05
		rm -f race 2>/dev/null && mkdir race
		sleep 0.05
	done
	[ -L race ] && rm -f race && mkdir race
) &
racer=$!

echo "== running the guest"
vm_console 1100 --cpus 1 --mem 256 \
	--env "HOSTILE_SECRET=$secret" \
	--volume "$T/hro:hro:ro" --volume "$T/hrw:hrw" --volume "$T/other:other" \
	--volume "$T/slow:slow:ro" "$root" -- /bin/sh /hostile.sh
rm -f "$T/racing"
wait "$racer"

[ "$rc" -eq 42 ] || fail "exit status $rc, expected 42 (the guest script's status: the VMM must survive)"
grep -qx "HOSTILE-GUEST-END $nonce fails=0" "$T/log" || fail "no 'HOSTILE-GUEST-END $nonce fails=0' from the guest"
for t in hro hrw; do
	grep -qx "HOSTILE-RC $t 0" "$T/log" ||
		fail "hostile program on $t: $(grep "^HOSTILE-RC $t" "$T/log" || echo 'did not finish')" \
			"(10 setup, 20 init, 30 ro, 40 escape, 50 chains, 60 secret seen)"
done
grep '^HOSTILE-BAD' "$T/log" && fail "the hostile program reported failed checks"
grep -q '^GUEST-BAD' "$T/log" && fail "the other shares did not keep working"
grep -qF "$secret" "$T/log" && fail "the secret appeared on the console"
[ "$(grep -c '^HOSTILE-OK: ro: .* -> EROFS' "$T/log")" -ge 17 ] ||
	fail "fewer than 17 mutations of hro were refused with EROFS"

# The host's view.
[ "$(sha256sum "$T/secret")" = "$(cat "$T/secret.sum")" ] || fail "the secret file changed"
unchanged "the read-only share hro" "$T/hro" "$T/hro.before"
[ "$(tops)" = "$top_before" ] || { fail "entries appeared next to the shares:"; ls -la "$T"; }
for p in /tmp-escape /escape "$T/escape" "$T/hrw/../escape"; do
	[ -e "$p" ] && fail "$p exists: a name escaped the share"
done
[ "$(cat "$T/other/written" 2>&1)" = "$nonce" ] || fail "host: other/written"
[ -d "$T/other/made" ] || fail "host: other/made"

finish
