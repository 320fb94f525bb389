#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets with clang (ASan + UBSan) and run them.
#
#   fuzz/run-libfuzzer.sh [SECONDS] [TARGET...]
#       Configure build-fuzz/ (CC=clang), build, generate the seeds, then run
#       each target (default: all five) for SECONDS (default 300) at nice 19.
#       New inputs go to build-fuzz/fuzz/work-<target>/; crashes to
#       build-fuzz/fuzz/crash-<target>/ — copy each into
#       fuzz/regressions/<target>/ with the fix.
#   fuzz/run-libfuzzer.sh --ci TARGET_BINARY CORPUS REGRESSIONS
#       What `meson test --suite fuzz` runs in a clang build: a fixed number
#       of mutations from the seeds (deterministic seed), new inputs to a
#       throw-away directory.
set -eu

if [ "${1:-}" = "--ci" ]; then
	bin=$2 corpus=$3 regr=$4
	work=$(mktemp -d /tmp/ckrun-fuzz-ci.XXXXXX)
	trap 'rm -rf "$work"' EXIT
	# Regressions replay first (as files: executed, not mutated), then mutate.
	set -- "$regr"/*
	if [ -e "$1" ]; then
		"$bin" -handle_xfsz=0 "$@"
	fi
	"$bin" -runs="${FUZZ_CI_RUNS:-3000}" -seed=1 -max_len=4096 -timeout=10 -handle_xfsz=0 \
		-artifact_prefix="$(dirname "$bin")/ci-crash-" "$work" "$corpus"
	exit 0 # set -e: a crash above already exited non-zero (artifact next to the binary)
fi

secs=${1:-300}
[ $# -gt 0 ] && shift
targets=${*:-fuzz_server_passthrough fuzz_server_readonly fuzz_virtqueue fuzz_dax fuzz_guest_reads}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}

if [ ! -d "$build" ]; then
	CC=clang meson setup "$build" "$src" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dwerror=false -Dbuildtype=debugoptimized
fi
# Only the fuzz targets and the generator: the rest of the tree need not
# build with clang.
ninja -C "$build" -j2 fuzz/gen-corpus $(for t in $targets; do echo "fuzz/$t"; done)
mkdir -p "$build/fuzz"
"$build/fuzz/gen-corpus" "$build/fuzz/corpus-server" "$build/fuzz/corpus-virtqueue"

for t in $targets; do
	case $t in
	fuzz_virtqueue) seeds=$build/fuzz/corpus-virtqueue ;;
	fuzz_dax | fuzz_guest_reads) seeds=$src/fuzz/corpus/$t ;; # kept in the tree (merge new finds with -merge=1)
	*) seeds=$build/fuzz/corpus-server ;;
	esac
	mkdir -p "$build/fuzz/work-$t" "$build/fuzz/crash-$t"
	echo "== $t for ${secs}s"
	nice -n 19 "$build/fuzz/$t" -max_total_time="$secs" -max_len=4096 -timeout=10 -handle_xfsz=0 \
		-print_final_stats=1 -artifact_prefix="$build/fuzz/crash-$t/" \
		"$build/fuzz/work-$t" "$seeds" "$src/fuzz/regressions/$t" || echo "== $t: exit $?"
done
