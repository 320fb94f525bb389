#!/bin/bash
# Build ckrun's guest kernel from Debian's linux-source-6.1.
#
# Usage: guest/kernel/build.sh [OUTPUT]
#   Prints the path of the cached bzImage on stdout (last line); when OUTPUT is
#   given, also copies the bzImage there.
#
# The result is cached outside the source tree, in
#   ${CKRUN_CACHE:-/var/cache/ckrun}/kernel/<key>/{bzImage,vmlinux,config}
# where <key> hashes the config fragment, this script, the config check and
# the source package version: a second run with the same inputs takes a
# moment. The kernel tree itself is extracted once per source version
# (kernel/tree-<version>) and reused, so a config change rebuilds
# incrementally.
#
# Environment: CKRUN_CACHE (cache root), CKRUN_KERNEL_SOURCE (tarball,
# default /usr/src/linux-source-6.1.tar.xz), CKRUN_VERBOSE=1 (stream the
# build log to stderr instead of only writing it to a file).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
frag=$here/config-fragment
check=$here/check-config.sh
src_tar=${CKRUN_KERNEL_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
# Cache root: $CKRUN_CACHE, else /var/cache/ckrun when writable, else the
# user's cache directory.
if [ -z "${CKRUN_CACHE:-}" ]; then
    if mkdir -p /var/cache/ckrun 2>/dev/null && [ -w /var/cache/ckrun ]; then
        CKRUN_CACHE=/var/cache/ckrun
    else
        CKRUN_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ckrun
    fi
fi
cache=$CKRUN_CACHE/kernel
out_arg=${1:-}

log() { echo "guest-kernel: $*" >&2; }

[ -r "$src_tar" ] || { log "no kernel source at $src_tar (apt-get install linux-source-6.1)"; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$srcver" ] || srcver=$(stat -c '%s-%Y' "$src_tar")

key=$( { cat "$frag" "$0" "$check"; echo "source=$srcver"; } | sha256sum | cut -c1-16)
out=$cache/$key

finish() {
    if [ -n "$out_arg" ]; then
        mkdir -p "$(dirname "$out_arg")"
        cp -f "$out/bzImage" "$out_arg.tmp.$$" && mv -f "$out_arg.tmp.$$" "$out_arg"
    fi
    echo "$out/bzImage"
    exit 0
}

[ -s "$out/bzImage" ] && finish

mkdir -p "$cache"
# One build at a time per cache (meson and the runner may both ask).
exec 9>"$cache/.lock"
flock 9
[ -s "$out/bzImage" ] && finish

tree=$cache/tree-$srcver
if [ ! -e "$tree/.ckrun-extracted" ]; then
    log "extracting $src_tar into $tree"
    rm -rf "$tree"
    mkdir -p "$tree"
    tar -xf "$src_tar" -C "$tree" --strip-components=1
    touch "$tree/.ckrun-extracted"
fi

buildlog=$cache/$key.log
log "building kernel $key (source $srcver) in $tree; log: $buildlog"
start=$(date +%s)
jobs=$(nproc)
export KBUILD_BUILD_USER=ckrun KBUILD_BUILD_HOST=ckrun KBUILD_BUILD_TIMESTAMP="source $srcver"
(
    set -e
    cd "$tree"
    make ARCH=x86_64 tinyconfig
    # -m: merge only; olddefconfig then resolves the dependencies.
    scripts/kconfig/merge_config.sh -m .config "$frag"
    make ARCH=x86_64 olddefconfig
    "$check" "$frag" .config
    make ARCH=x86_64 -j"$jobs" bzImage
) > >(if [ "${CKRUN_VERBOSE:-0}" = 1 ]; then tee "$buildlog" >&2; else cat > "$buildlog"; fi) 2>&1 || {
    rc=$?
    sleep 1
    log "build FAILED (exit $rc); last lines of $buildlog:"
    tail -n 30 "$buildlog" >&2
    exit 1
}
# The check also runs here so a failure is reported even if the subshell's
# output went only to the log.
"$check" "$frag" "$tree/.config" >&2

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$tree/arch/x86/boot/bzImage" "$tree/vmlinux" "$out.tmp/"
cp "$tree/.config" "$out.tmp/config"
rm -rf "$out"
mv "$out.tmp" "$out"
log "built in $(( $(date +%s) - start )) s: $out/bzImage"
finish
