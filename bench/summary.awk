# Summary of bench/vm-compare.sh: reads "BENCH: vmm=V pair=I mode=M rc=R
# metric=value ..." lines (V: ckrun, qemu, native) and prints, per metric,
# the medians of each side and the median [min, max] of the per-pair ratios
# ckrun/QEMU, ckrun/native and QEMU/native (every metric is lower-is-better:
# ms or KiB). dax_* metrics exist for ckrun only (QEMU 7.2's virtiofsd has
# no DAX): their "ckrun/peer" ratio is against ckrun's own metric without
# the dax_ prefix in the same pair (ckrun with DAX / ckrun without).
# A pair counts only when both sides have the metric. A failed start-up run
# (rc != 0) counts for nothing; a files run that failed or was killed
# (incomplete, e.g. by the per-VM watchdog) keeps the workloads it finished:
# each is timed on its own and reported only when it ends, so a hang in a
# later workload does not touch them (listed as BENCH-SUMMARY-PARTIAL).
# Usage: awk -f bench/summary.awk RESULTS
# (also: sed -n 's/.*\(BENCH: .*\)/\1/p' LOG | tr -d '\r' | awk -f bench/summary.awk)
!/^BENCH: / { next }
/ mode=start / && / rc=[1-9]/ { next }   # a failed start-up run counts for nothing
/ rc=[1-9]/ || / incomplete=1/ { last = $NF; if (last == "incomplete=1") last = $(NF - 1); sub(/=.*/, "", last)
  partial = partial sprintf("%s pair %s (%s, last finished: %s); ", substr($2, 5), substr($3, 6), $5, last) }
{ v = ""; p = ""
  for (k = 2; k <= NF; k++) { split($k, kv, "="); if (kv[1] == "vmm") v = kv[2]; else if (kv[1] == "pair") p = kv[2]
    else if (kv[1] != "mode" && kv[1] != "rc" && kv[1] != "incomplete") { val[v, p, kv[1]] = kv[2]; m[kv[1]] = 1 } }
  pairs[p] = 1 }
function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
# median of side V's metric K over the pairs, or "-"
function side(v, k,   p, n, a) { n = 0; for (p in pairs) if (val[v, p, k] != "") a[++n] = val[v, p, k]
    return n ? sprintf("%.0f", med(a, n)) : "-" }
# "median [min, max] n" of the per-pair ratio A/B (A: side va metric ka)
function ratio(va, ka, vb, kb,   p, n, r) { n = 0
    for (p in pairs) if (val[va, p, ka] != "" && val[vb, p, kb] != "" && val[vb, p, kb] > 0) r[++n] = val[va, p, ka] / val[vb, p, kb]
    if (!n) return "- 0"
    return sprintf("%.3f [%.3f,%.3f] %d", med(r, n), r[1], r[n], n) }
END {
  printf "BENCH-SUMMARY: %-16s %9s %9s %9s | %-26s | %-26s | %-26s\n", "metric", "ckrun", "qemu", "native",
    "ckrun/peer med [min,max] n", "ckrun/native", "qemu/native"
  for (k in m) {
    if (k ~ /^dax_/) { peer = "ckrun"; pk = substr(k, 5) } else { peer = "qemu"; pk = k }
    printf "BENCH-SUMMARY: %-16s %9s %9s %9s | %-26s | %-26s | %-26s\n", k, side("ckrun", k), side("qemu", k),
      side("native", k), ratio("ckrun", k, peer, pk) (peer == "ckrun" ? " (vs ckrun no-DAX)" : ""),
      ratio("ckrun", k, "native", pk), ratio("qemu", k, "native", k)
  }
  if (partial != "") print "BENCH-SUMMARY-PARTIAL: files runs that did not finish, their finished workloads used: " partial
}
