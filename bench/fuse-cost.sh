#!/bin/sh
# Benchmark (not a test): user-space instructions per FUSE request through
# fuse_server_handle + the passthrough (and behind the read-only wrapper),
# counted by callgrind, so the figure repeats exactly from run to run.
# Modes: rw (the passthrough alone), ro (read-only share), root and rootro
# (the boot root share, with the virtual /init.krun, read-write / read-only).
#   bench/fuse-cost.sh [BUILD_DIR [N]]      (default: build 2000)
# For each op and mode: callgrind counts bench_loop() for N and for 2N
# requests; (I(2N) - I(N)) / N is the cost of one request (one-time costs
# such as lazy binding and the first touch of the reply buffer cancel out).
# Writes a table to stdout and BUILD_DIR/bench/fuse-cost.txt.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
n=${2:-2000}
drv=$build/bench/fuse_cost
if [ ! -x "$drv" ]; then
    # bench/ not part of the meson build: compile the driver against the core library
    mkdir -p "$build/bench"
    cc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -I"$here/../include" -I"$here/../src" "$here/fuse_cost.c" \
        "$build/libckrun-core.a" -lcap-ng -lpthread -o "$drv"
fi
command -v valgrind >/dev/null || { echo "fuse-cost: valgrind not installed" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

count() { # OP N MODE -> instructions inside bench_loop
    valgrind --tool=callgrind --toggle-collect=bench_loop --callgrind-out-file="$tmp/cg" \
        "$drv" "$1" "$2" "$3" > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg"
}

out=$build/bench/fuse-cost.txt
mkdir -p "$build/bench"
{
    echo "# fuse-cost: instructions/request (callgrind, user space only), N=$n"
    printf '%-12s %12s %12s %12s %12s %8s\n' op rw ro root rootro rootro/rw
    for op in getattr lookup read4k readdirplus; do
        set --
        for mode in rw ro root rootro; do
            a=$(count $op "$n" $mode)
            b=$(count $op $((2 * n)) $mode)
            set -- "$@" $(( (b - a) / n ))
        done
        printf '%-12s %12s %12s %12s %12s %8s\n' $op "$1" "$2" "$3" "$4" \
            "$(awk -v a="$1" -v b="$4" 'BEGIN { printf "%.3f", b / a }')"
    done
} | tee "$out"
