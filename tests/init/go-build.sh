#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds examples/go (cgo, `#cgo pkg-config: libkrun`) against the library in
# the build tree with Debian's Go, offline, then runs its unit test and checks
# that the binary links libkrun.so.1 and rejects a bad configuration with 125.
# Usage: go-build.sh BUILD_DIR SOURCE_DIR      (exit 77 = skipped: no Go)
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)

if ! command -v go >/dev/null 2>&1; then
	echo "go-build: the Go toolchain (golang-go) is not installed" >&2
	exit 77
fi

tmp=$(mktemp -d /tmp/ckrun-go-XXXXXX)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM

# Install into a scratch root, as a client would find the library: the
# installed libkrun.pc, libkrun.h and libkrun.so.1 (the uninstalled .pc does
# not point at include/). PKG_CONFIG_SYSROOT_DIR maps its paths there.
meson install -C "$build" --no-rebuild --destdir "$tmp/inst" >"$tmp/install.log" 2>&1 || {
	cat "$tmp/install.log" >&2
	exit 1
}
pc=$(find "$tmp/inst" -name libkrun.pc | head -n 1)
[ -n "$pc" ] || { echo "go-build: meson install wrote no libkrun.pc" >&2; exit 1; }
lib=$(find "$tmp/inst" -name 'libkrun.so.1' | head -n 1)
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$tmp/inst"
export GOCACHE="$tmp/cache" GOPATH="$tmp/gopath" GOMODCACHE="$tmp/gopath/mod"
export GOFLAGS=-mod=mod GOPROXY=off GOSUMDB=off GO111MODULE=on CGO_ENABLED=1
export LD_LIBRARY_PATH="$(dirname "$lib")"
# A sanitizer build of the library needs its runtime loaded first in a
# program that is not itself instrumented (Go).
if readelf -d "$lib" | grep -q 'NEEDED.*libasan'; then
	export LD_PRELOAD="$(${CC:-cc} -print-file-name=libasan.so)"
	export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
fi
echo "pkg-config libkrun: $(pkg-config --cflags --libs libkrun)"

cp -R "$src/examples/go" "$tmp/src"
cd "$tmp/src"
go vet ./...
go build -o "$tmp/gorunner" .
go test ./... 2>"$tmp/test.err" || { cat "$tmp/test.err" >&2; exit 1; }

readelf -d "$tmp/gorunner" | grep -q 'NEEDED.*libkrun\.so\.1' || {
	echo "go-build: gorunner does not link libkrun.so.1" >&2
	exit 1
}
set +e
"$tmp/gorunner" '{"root_path":""}' 2>"$tmp/err"
rc=$?
set -e
if [ "$rc" -ne 125 ] || ! grep -q root_path "$tmp/err"; then
	echo "go-build: expected exit 125 and a message for a bad config, got $rc: $(cat "$tmp/err")" >&2
	exit 1
fi
echo "go-build: ok"
