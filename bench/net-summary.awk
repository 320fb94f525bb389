# Summary of bench/net-compare.sh: reads "BENCH-NET: vmm=V pair=I
# backend=B rc=R secs=S mtu=M up_mbps=.. down_mbps=.. rr_us=.. rr_p50_us=.."
# lines and prints, per metric, each VMM's median and the median [min, max]
# of the per-pair ratios ckrun/QEMU. Throughput: higher is better; latency:
# lower is better. A run with rc != 0 counts for nothing.
# Usage: awk -f bench/net-summary.awk RESULTS
!/^BENCH-NET: / { next }
/ rc=[1-9]/ { failed = failed " " $2 "/" $3; next }
{ v = ""; p = ""
  for (k = 2; k <= NF; k++) { split($k, kv, "="); if (kv[1] == "vmm") v = kv[2]; else if (kv[1] == "pair") p = kv[2]
    else if (kv[1] ~ /_mbps$|_us$|^mtu$/) { val[v, p, kv[1]] = kv[2]; m[kv[1]] = 1 } }
  pairs[p] = 1 }
function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
function side(v, k,   p, n, a) { n = 0; for (p in pairs) if (val[v, p, k] != "") a[++n] = val[v, p, k]
    return n ? sprintf("%.1f", med(a, n)) : "-" }
function ratio(k,   p, n, r) { n = 0
    for (p in pairs) if (val["ckrun", p, k] != "" && val["qemu", p, k] > 0) r[++n] = val["ckrun", p, k] / val["qemu", p, k]
    if (!n) return "- 0"
    med(r, n)
    return sprintf("%.3f [%.3f,%.3f] %d", med(r, n), r[1], r[n], n) }
END {
  printf "BENCH-NET-SUMMARY: %-10s %10s %10s | %-28s\n", "metric", "ckrun", "qemu", "ckrun/qemu med [min,max] n"
  split("up_mbps down_mbps rr_us rr_p50_us mtu", order, " ")
  for (i = 1; i <= 5; i++) { k = order[i]; if (!(k in m)) continue
    printf "BENCH-NET-SUMMARY: %-10s %10s %10s | %-28s\n", k, side("ckrun", k), side("qemu", k), ratio(k) }
  if (failed != "") print "BENCH-NET-SUMMARY: failed runs:" failed
}
