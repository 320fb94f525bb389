#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: tests/net/krun-net-client
# ckrun-vm-timeout: 1800
# Measurement, not a test: how long the guest takes to reach its workload
# with the implicit network's static configuration (the init reads eth0's
# values from the command line) against the same plus a DHCP exchange with
# libslirp (KRUN_DHCP=1 in the environment makes the init run its DHCP
# client on eth0 afterwards). The workload prints the guest's
# /proc/uptime; N runs each, alternating. Run:
#   CKRUN_VM_LOCK=/var/tmp/ckrun-vm.lock tests/vm/run build bench/usernet-boot.sh
# Prints "BENCH-USERNET-BOOT: mode=static|dhcp run=I uptime_s=U [dhcp_ms=D]" lines
# (D: the init's own measure of its DHCP exchange, from its lease line) and
# the means. The uptimes of single boots vary by seconds in the TCG test host;
# dhcp_ms is the DHCP path's extra cost without that noise.
set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
export CKRUN_KERNEL CKRUN_BOOT_TIMEOUT=200
N=${BENCH_N:-5}
CLIENT=$CKRUN_BUILD/tests/net/krun-net-client
root=$CKRUN_TMP/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
cp "$CKRUN_BUSYBOX" "$root/bin/busybox"
for a in sh cat ip grep; do ln -sf busybox "$root/bin/$a"; done
cat >"$root/up.sh" <<'GUEST'
read up idle </proc/uptime
echo "UPTIME $up $(ip -4 -o addr show eth0 | grep -c 10.0.2.15)"
GUEST
i=1
while [ $i -le "$N" ]; do
	for mode in static dhcp; do
		[ $((i % 2)) = 0 ] && mode=$([ "$mode" = static ] && echo dhcp || echo static)
		extra=
		[ "$mode" = dhcp ] && extra="-e KRUN_DHCP=1"
		out=$(timeout -s KILL 300 "$CLIENT" $extra "$root" /bin/sh /up.sh </dev/null 2>&1 | tr -d '\r')
		up=$(echo "$out" | sed -n 's/^UPTIME \([0-9.]*\) 1$/\1/p')
		ms=$(echo "$out" | sed -n 's/.*eth0: .*(DHCP, \([0-9]*\) ms).*/\1/p' | head -n 1)
		echo "BENCH-USERNET-BOOT: mode=$mode run=$i uptime_s=${up:-failed}${ms:+ dhcp_ms=$ms}"
		[ -n "$up" ] || echo "$out" | tail -n 5 | sed 's/^/    | /'
		[ "$mode" = dhcp ] && [ -z "$ms" ] && echo "$out" | grep 'eth0' | sed 's/^/    | /'
		echo "$mode $up" >>"$CKRUN_TMP/res"
		[ -n "$ms" ] && echo "dhcp_ms $ms" >>"$CKRUN_TMP/res"
	done
	i=$((i + 1))
done
awk '$2 != "" { s[$1] += $2; n[$1]++ } END { for (m in s) printf "BENCH-USERNET-BOOT-MEAN: %s n=%d mean=%.3f\n", m == "dhcp_ms" ? m : "mode=" m " uptime_s", n[m], s[m] / n[m] }' "$CKRUN_TMP/res"
exit 0
