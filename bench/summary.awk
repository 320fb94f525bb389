# Summary of bench/vm-compare.sh: reads "BENCH: vmm=V pair=I mode=M rc=R
# metric=value ..." lines and prints, per metric, the medians of ckrun and
# QEMU and the median, min and max of the per-pair ratios ckrun/QEMU (every
# metric is lower-is-better: ms or KiB). A pair counts only when both sides
# have the metric; failed runs (rc != 0) are left out. Usage: awk -f bench/summary.awk RESULTS
# (also: sed -n 's/.*\(BENCH: .*\)/\1/p' LOG | tr -d '\r' | awk -f bench/summary.awk)
/ rc=[1-9]/ { next }   # a failed run (VMM or workload status) counts for nothing
{ v = ""; p = ""
  for (k = 2; k <= NF; k++) { split($k, kv, "="); if (kv[1] == "vmm") v = kv[2]; else if (kv[1] == "pair") p = kv[2]
    else if (kv[1] != "mode" && kv[1] != "rc" && kv[1] != "incomplete") { val[v, p, kv[1]] = kv[2]; m[kv[1]] = 1 } }
  pairs[p] = 1 }
function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
END {
  printf "BENCH-SUMMARY: %-16s %10s %10s %8s %8s %8s %s\n", "metric", "ckrun", "qemu", "ratio", "min", "max", "pairs"
  for (k in m) { n = 0; nc = 0; nq = 0
    for (p in pairs) {
      c = val["ckrun", p, k]; q = val["qemu", p, k]
      if (c != "") cs[++nc] = c
      if (q != "") qs[++nq] = q
      if (c != "" && q != "" && q > 0) r[++n] = c / q }
    printf "BENCH-SUMMARY: %-16s %10s %10s %8s %8s %8s %d\n", k, nc ? med(cs, nc) : "-", nq ? med(qs, nq) : "-",
      n ? sprintf("%.3f", med(r, n)) : "-", n ? sprintf("%.3f", r[1]) : "-", n ? sprintf("%.3f", r[n]) : "-", n
    delete cs; delete qs; delete r }
}
