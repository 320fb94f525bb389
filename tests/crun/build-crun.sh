#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build crun from Debian's source package with its krun handler, for the
# crun-krun VM test (tests/vm/cases/crun-krun.sh).
#
# Usage: tests/crun/build-crun.sh BUILD_DIR [OUTPUT]
#   BUILD_DIR is a configured ckrun meson build directory (its libkrun.pc
#   and the source tree's include/libkrun.h are what crun compiles against).
#   Prints the path of the cached crun binary on stdout (last line); when
#   OUTPUT is given, also copies the binary there.
#
# Nothing goes into the source tree. The cache is
#   ${CKRUN_CACHE:-/var/cache/ckrun}/crun-<version>-<key>/{src,build,crun}
# where <key> hashes the build recipe (configure flags and a revision number
# to bump when the steps change), include/libkrun.h and the source package
# version, so a second run with the same inputs takes a moment. crun only
# needs the header at build time: it dlopen()s libkrun.so.1 when a container
# asks for the krun handler, so a rebuilt ckrun needs no rebuilt crun.
#
# Sources come through a private apt configuration (a deb-src entry for
# Debian's archive in the cache directory); /etc/apt is not touched.
# Build dependencies (scripts/install-deps.sh installs them): libyajl-dev
# libseccomp-dev libcap-dev libsystemd-dev autoconf automake libtool
# pkg-config python3 dpkg-dev.
#
# Environment: CKRUN_CACHE (cache root), CKRUN_CRUN_VERSION (source package
# version to fetch, default: the archive's candidate for crun).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src_root=$(cd "$here/../.." && pwd)
build_dir=${1:?usage: build-crun.sh BUILD_DIR}
build_dir=$(cd "$build_dir" && pwd)
out_arg=${2:-}
header=$src_root/include/libkrun.h

log() { echo "build-crun: $*" >&2; }

if [ -z "${CKRUN_CACHE:-}" ]; then
    if mkdir -p /var/cache/ckrun 2>/dev/null && [ -w /var/cache/ckrun ]; then
        CKRUN_CACHE=/var/cache/ckrun
    else
        CKRUN_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ckrun
    fi
fi
mkdir -p "$CKRUN_CACHE"

version=${CKRUN_CRUN_VERSION:-$(apt-cache policy crun 2>/dev/null | sed -n 's/^ *Candidate: *//p')}
[ -n "$version" ] && [ "$version" != "(none)" ] ||
    { log "no crun version: apt knows no crun package (set CKRUN_CRUN_VERSION)"; exit 1; }
# Static libcrun: otherwise libtool leaves a wrapper script as ./crun.
configure_flags="--with-libkrun --disable-systemd --disable-criu --disable-shared --enable-static"
recipe="1 $configure_flags"
key=$( { echo "recipe=$recipe"; cat "$header"; echo "version=$version"; } | sha256sum | cut -c1-16)
out=$CKRUN_CACHE/crun-${version//[^A-Za-z0-9.+-]/_}-$key

finish() {
    if [ -n "$out_arg" ]; then
        mkdir -p "$(dirname "$out_arg")"
        cp -f "$out/crun" "$out_arg.tmp.$$" && mv -f "$out_arg.tmp.$$" "$out_arg"
    fi
    echo "$out/crun"
    exit 0
}
[ -x "$out/crun" ] && finish

# One build at a time per cache (meson and a developer may both ask).
exec 9>"$CKRUN_CACHE/.crun.lock"
flock 9
[ -x "$out/crun" ] && finish

# ---- sources, through a private apt configuration
apt_dir=$CKRUN_CACHE/crun-apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/sources"
cat >"$apt_dir/sources/debian-src.sources" <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources/debian-src.sources"
          -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$apt_dir/lists"
          -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")

rm -rf "$out.tmp"
mkdir -p "$out.tmp/src"
log "fetching crun $version source (private apt configuration in $apt_dir)"
apt-get -q "${apt_opts[@]}" update >&2
(cd "$out.tmp/src" && apt-get -q "${apt_opts[@]}" source "crun=$version" >&2)
srcdir=$(find "$out.tmp/src" -mindepth 1 -maxdepth 1 -type d -name 'crun-*' | head -n1)
[ -n "$srcdir" ] || { log "apt-get source gave no crun-* directory"; exit 1; }

# ---- crun's configure looks for libkrun.h and links nothing from it
# (dlopen at run time); hand it ckrun's header and pkg-config file.
export PKG_CONFIG_PATH="$build_dir/meson-private${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export CPPFLAGS="-I$src_root/include ${CPPFLAGS:-}"
export CFLAGS="-O2 -g0 ${CFLAGS:-}"

buildlog=$out.tmp/build.log
log "building crun $version in $out.tmp (log: $buildlog)"
start=$(date +%s)
(
    set -e
    cd "$srcdir"
    # The release tarball carries configure; regenerate only when missing.
    [ -x configure ] || ./autogen.sh
    mkdir -p "$out.tmp/build"
    cd "$out.tmp/build"
    # shellcheck disable=SC2086 # word splitting intended
    "$srcdir/configure" $configure_flags
    # The whole default target: `make crun` alone skips BUILT_SOURCES
    # (git-version.h) and races libocispec's generated headers.
    make -j"$(nproc)"
) >"$buildlog" 2>&1 || { log "build failed; tail of $buildlog:"; tail -n 30 "$buildlog" >&2; exit 1; }

bin=$out.tmp/build/crun
[ -x "$bin" ] || { log "no crun binary after the build"; exit 1; }
features=$("$bin" --version)
echo "$features" | grep -q '+LIBKRUN' ||
    { log "crun was built without the krun handler: $features"; exit 1; }

# Keep only what the test needs: the binary (crun links libcrun statically).
mkdir -p "$out"
cp "$bin" "$out/crun.tmp" && mv "$out/crun.tmp" "$out/crun"
cp "$buildlog" "$out/build.log"
rm -rf "$out.tmp"
log "crun $version built in $(( $(date +%s) - start )) s: $(echo "$features" | tr '\n' ' ')"
finish
