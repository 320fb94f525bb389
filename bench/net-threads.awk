# Per-thread totals from the BENCH-THREAD lines of bench/net-compare.sh
# (BENCH_NET_THREADS=1): for each VM run and thread, the CPU seconds
# (utime + stime) and the voluntary / involuntary context switches over the
# thread's life up to the last sample (at most a second before the VMM
# ended), and the run's sampled span.
#   awk -f bench/net-threads.awk BUILD/bench/net-compare-*.log
{ sub(/\r$/, "") }
/BENCH-THREAD: / {
    delete kv
    for (i = 1; i <= NF; i++) if (split($i, p, "=") == 2) kv[p[1]] = p[2]
    run = kv["vmm"] " pair " kv["pair"]
    key = run SUBSEP kv["tid"]
    if (!(run in t0)) { t0[run] = kv["t"]; runs[++nr] = run }
    t1[run] = kv["t"]
    cpu = kv["utime"] + kv["stime"]
    if (!(key in c0)) { c0[key] = cpu; v0[key] = kv["vcs"]; n0[key] = kv["nvcs"]; tids[run] = tids[run] " " kv["tid"] }
    c1[key] = cpu; v1[key] = kv["vcs"]; n1[key] = kv["nvcs"]; name[key] = kv["comm"]
}
END {
    for (r = 1; r <= nr; r++) {
        run = runs[r]
        printf "%s: %.1f s sampled\n", run, t1[run] - t0[run]
        printf "  %-8s %-16s %8s %10s %10s\n", "tid", "thread", "cpu_s", "vol_cs", "invol_cs"
        n = split(tids[run], tl, " ")
        tc = 0
        for (k = 1; k <= n; k++) {
            key = run SUBSEP tl[k]
            tc += c1[key]
            printf "  %-8s %-16s %8.2f %10d %10d\n", tl[k], name[key], c1[key] / 100, v1[key], n1[key]
        }
        printf "  %-25s %8.2f\n", "all threads", tc / 100
    }
}
