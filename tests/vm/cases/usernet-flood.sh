#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-build-files: tests/net/krun-net-client tests/net/nettool
# ckrun-vm-timeout: 900
# A guest flooding connections is bounded (docs/security.md, "The implicit
# network"): with RLIMIT_NOFILE 1024 the bound is 1024/8 = 128 host sockets.
# The guest opens 600 TCP connections at once to a test-host listener that
# never accepts (each one that gets through holds a host socket); at most
# 128 are established and the VMM process holds at most 128 more sockets
# than before the flood. Once the listener is gone (its connections reset), the
# guest's network works again: it fetches a page from the test host.
. "$(dirname "$0")/../lib-launcher.sh"
CLIENT=$CKRUN_BUILD/tests/net/krun-net-client
NT=$CKRUN_BUILD/tests/net/nettool
export CKRUN_KERNEL
DUMMY=198.18.0.1
BOUND=128

ip link add ckd0 type dummy 2>/dev/null
ip addr add "$DUMMY/24" dev ckd0 2>/dev/null
ip link set ckd0 up || fail "cannot set up a dummy interface"

root=$T/root
make_root "$root"
cp "$NT" "$root/bin/nettool"
mkdir -p "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
echo "after-flood-page" >"$T/page"
cat >"$root/flood.sh" <<GUEST
echo flood-start
sleep 2
nettool flood $DUMMY 9000 600 20
echo flood-done
i=0
while [ \$i -lt 120 ]; do
	nettool get $DUMMY 8080 / && exit 0
	i=\$((i + 1))
	sleep 1
done
exit 12
GUEST

"$NT" hold "$DUMMY" 9000 600 &
hpid=$!
(ulimit -n 1024 && exec timeout -s KILL 600 "$CLIENT" "$root" /bin/sh /flood.sh) </dev/null >"$T/c.out" 2>&1 &
cpid=$!

# The VMM process is the client itself (krun_start_enter runs in it).
# Sockets only: the bound is on sockets (a transient file fd is not the guest's).
fds() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'socket:'; }
vmm=
i=0
while [ $i -lt 600 ] && ! grep -q flood-start "$T/c.out"; do
	i=$((i + 1)); sleep 1
done
# busybox timeout execs the command in its own process (the timer is its child).
vmm=$cpid
case "$(readlink "/proc/$cpid/exe")" in
*krun-net-client) ;;
*) vmm=$(pgrep -P "$cpid" | head -n1) ;;
esac
before=$(fds "$vmm")
peak=$before
i=0
while [ $i -lt 120 ] && ! grep -q "opened=" "$T/c.out"; do
	n=$(fds "$vmm"); [ "$n" -gt "$peak" ] && peak=$n
	i=$((i + 1)); sleep 1
done
for j in 1 2 3 4 5; do
	n=$(fds "$vmm"); [ "$n" -gt "$peak" ] && peak=$n
	sleep 1
done
echo "host: VMM sockets before the flood $before, at its peak $peak (bound $BOUND)"
kill "$hpid"
wait "$hpid" 2>/dev/null
"$NT" serve "$DUMMY" 8080 "$T/page" 1 >/dev/null &
spid=$!
wait "$cpid"
rc=$?
tr -d '\r' <"$T/c.out" | sed 's/^/    c| /'
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null

est=$(sed -n 's/.*established=\([0-9]*\).*/\1/p' "$T/c.out" | tr -d '\r')
[ -n "$est" ] || fail "the guest's flood printed no result"
[ -n "$est" ] && [ "$est" -le "$BOUND" ] || fail "$est connections established, more than the bound $BOUND"
[ -n "$est" ] && [ "$est" -ge $((BOUND / 2)) ] || fail "only $est connections established: not the bound at work"
[ $((peak - before)) -le "$BOUND" ] || fail "the VMM held $((peak - before)) more sockets, more than the bound $BOUND"
[ "$rc" -eq 0 ] || fail "client exit status $rc: the guest's network did not work after the flood"
grep -q "^after-flood-page" "$T/c.out" || fail "no page fetched after the flood"

finish
