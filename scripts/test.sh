#!/usr/bin/env bash
# Installs what is needed, builds ckrun twice (plain, and ASan+UBSan) and runs every test:
# the cmocka unit tests in both builds, then the VM tests (real guests, booted directly
# where the host's KVM can run Linux, otherwise inside a TCG test host) in the plain build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

setup() { # dir, extra meson options...
	local dir=$1; shift
	if [ -d "$dir" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null
	else meson setup "$dir" "$@" >/dev/null; fi
}

# Every optional part is required here (-Drequire_all, -Dauto_features=enabled): a
# dependency install-deps.sh forgot fails the configuration instead of quietly
# leaving out the tests that need it.
strict=(-Drequire_all=true -Dauto_features=enabled)
setup build "${strict[@]}"
ninja -C build
setup build-asan -Db_sanitize=address,undefined "${strict[@]}"
ninja -C build-asan

status=0
echo "== unit tests (ASan+UBSan)"
# The cgo build links Go code against the library, which an ASan build cannot serve.
meson test -C build-asan --no-suite vm --no-suite vm-stress --no-suite cgo --print-errorlogs || status=1
echo "== unit tests and VM tests"
# vm-stress holds reproducers of test-host limits (docs/testing.md); they run on demand.
meson test -C build --no-suite vm-stress --print-errorlogs || status=1
# Passing VM groups print nothing above: keep each case's time and any test-host
# restart in the output, so a slow or retried run can be told from a quick one.
echo "== VM cases: results and times"
grep -hE '^(\| )?CKRUN-TEST: |vm-run: (the test host|restarting|total)' build/meson-logs/testlog.txt || true
echo "== benchmarks at a tiny size (kept working; figures come from bench/run)"
meson test -C build --benchmark --print-errorlogs || status=1
exit $status
