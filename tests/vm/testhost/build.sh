#!/bin/bash
# Prepare the pieces of the KVM-capable "test host", from Debian's archive only:
# Debian's cloud kernel (the package linux-image-cloud-amd64 depends on), its
# KVM modules in dependency order, and a static busybox.
#
# Usage: tests/vm/testhost/build.sh
#   Prints the directory holding the result (last line on stdout):
#     vmlinuz        the cloud kernel
#     modules/*.ko   irqbypass, kvm, kvm-amd, kvm-intel, dummy, tun and their deps
#     modules.order  file names to insmod, dependencies first
#     busybox        a static busybox
#     version        "<kernel package> <version>"
#     vcpu_svm_vmcb_offset  where kvm-amd's struct vcpu_svm keeps its VMCB
#                    pointer (empty if not found), for the triple-fault probe
# Cached in ${CKRUN_CACHE:-/var/cache/ckrun}/testhost/<package>_<version>/,
# keyed by the package versions and this script: a second run takes a moment.
#
# The runner (tests/vm/run) builds the initramfs from this plus /init and
# the artifacts under test.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# Cache root: $CKRUN_CACHE, else /var/cache/ckrun when writable, else the
# user's cache directory.
if [ -z "${CKRUN_CACHE:-}" ]; then
    if mkdir -p /var/cache/ckrun 2>/dev/null && [ -w /var/cache/ckrun ]; then
        CKRUN_CACHE=/var/cache/ckrun
    else
        CKRUN_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ckrun
    fi
fi
cache=$CKRUN_CACHE/testhost
log() { echo "testhost: $*" >&2; }

meta=linux-image-cloud-amd64
mkdir -p "$cache"
# Resolving through apt-cache takes several seconds on a loaded machine; the
# answer only changes when the package lists do, so it is kept until then.
resolved=$cache/resolved
lists=/var/lib/apt/lists
if [ -s "$resolved" ] && [ "$resolved" -nt "$lists" ] && \
   { [ ! -e /var/cache/apt/pkgcache.bin ] || [ "$resolved" -nt /var/cache/apt/pkgcache.bin ]; }; then
    read -r pkg ver bbver < "$resolved"
else
    # The meta package depends on exactly one versioned kernel image package.
    pkg=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-amd64\)$/\1/p' | head -n1)
    [ -n "$pkg" ] || { log "cannot resolve the kernel package $meta depends on (apt-get update?)"; exit 1; }
    policy=$(apt-cache policy "$pkg" busybox-static)
    ver=$(echo "$policy" | awk -v p="$pkg:" '$1 == p { f = 1 } f && $1 == "Candidate:" { print $2; exit }')
    bbver=$(echo "$policy" | awk '$1 == "busybox-static:" { f = 1 } f && $1 == "Candidate:" { print $2; exit }')
    [ -n "$ver" ] && [ "$ver" != "(none)" ] || { log "no candidate version for $pkg"; exit 1; }
    [ -n "$bbver" ] && [ "$bbver" != "(none)" ] || { log "no candidate version for busybox-static"; exit 1; }
    echo "$pkg $ver $bbver" > "$resolved.tmp.$$" && mv -f "$resolved.tmp.$$" "$resolved"
fi
script_hash=$(sha256sum "$0" | cut -c1-12)
key="${pkg}_${ver}_bb${bbver}_${script_hash}"
key=${key//[:\/]/_}
out=$cache/$key

if [ -s "$out/vmlinuz" ] && [ -s "$out/modules.order" ] && [ -x "$out/busybox" ]; then
    echo "$out"; exit 0
fi

exec 9>"$cache/.lock"
flock 9
if [ -s "$out/vmlinuz" ] && [ -s "$out/modules.order" ] && [ -x "$out/busybox" ]; then
    echo "$out"; exit 0
fi

work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

log "downloading $pkg $ver and busybox-static $bbver from the Debian archive"
# apt-get download as root drops to the _apt user when it can; the work
# directory must be writable for it.
chmod 0777 "$work"
apt-get download -q "$pkg=$ver" "busybox-static=$bbver" >&2
mkdir k bb
dpkg -x "$pkg"_*.deb k
dpkg -x busybox-static_*.deb bb

kver=$(ls k/lib/modules | head -n1)
[ -f "k/boot/vmlinuz-$kver" ] || { log "no vmlinuz in $pkg"; exit 1; }
moddir=k/lib/modules/$kver
dep=$moddir/modules.dep
if [ ! -s "$dep" ]; then
    # The package ships no modules.dep; generate it (depmod reads the tree).
    depmod -b k "$kver"
fi

mkdir -p stage/modules
order=()
# Depth-first walk of modules.dep: a module's dependencies are listed
# (and later loaded) before the module itself.
declare -A seen=()
add() {
    local m=$1 d deps
    [ -n "${seen[$m]:-}" ] && return 0
    seen[$m]=1
    deps=$(sed -n "s|^$m: *||p" "$dep")
    for d in $deps; do add "$d"; done
    order+=("$m")
}
# dummy: network cases give passt a routable interface that sends nothing
# anywhere; tun: tap backends.
for want in kvm-amd kvm-intel dummy tun; do
    m=$(grep -oE "^kernel/[^:]*/$want\.ko(\.[a-z]+)?" "$dep" | head -n1)
    [ -n "$m" ] || { log "module $want not found in $pkg"; exit 1; }
    add "$m"
done
: > stage/modules.order
for m in "${order[@]}"; do
    base=$(basename "$m")
    case "$base" in
        *.ko.xz) xz -dc "$moddir/$m" > "stage/modules/${base%.xz}"; base=${base%.xz} ;;
        *.ko.zst) zstd -qdc "$moddir/$m" > "stage/modules/${base%.zst}"; base=${base%.zst} ;;
        *.ko.gz) gzip -dc "$moddir/$m" > "stage/modules/${base%.gz}"; base=${base%.gz} ;;
        *) cp "$moddir/$m" "stage/modules/$base" ;;
    esac
    echo "$base" >> stage/modules.order
done
# Where struct vcpu_svm keeps its VMCB pointer in this build: the test
# host's /init reads an inner guest's VMCB through it when the guest
# triple-faults. invlpg_interception loads it from the vcpu (%rdi) and reads
# exit_info_1 (VMCB offset 0x78) through it. Not found: no such probe.
objdump -d --no-show-raw-insn stage/modules/kvm-amd.ko 2>/dev/null | awk '
    /<invlpg_interception>:/ { f = 1; next }
    f && /^$/ { exit }
    f && match($0, /mov +0x[0-9a-f]+\(%rdi\),%rax/) { split(substr($0, RSTART), a, /[ (]+/); off = a[2] }
    f && off && /mov +0x78\(%rax\),/ { print off; exit }' > stage/vcpu_svm_vmcb_offset || true
log "vcpu_svm.vmcb at offset $(cat stage/vcpu_svm_vmcb_offset 2>/dev/null)"
cp "k/boot/vmlinuz-$kver" stage/vmlinuz
cp bb/bin/busybox stage/busybox
chmod 0755 stage/busybox
echo "$pkg $ver $kver" > stage/version

rm -rf "$out"
mv stage "$out"
# Test hosts of other package versions are not needed any more. Other
# revisions of this script are kept: checkouts on one machine that differ in
# it would otherwise delete each other's copy on every run.
for old in "$cache"/linux-image-*; do
    case "$old" in "$cache/${key%_*}"_*) continue ;; esac
    rm -rf "$old"
done
log "ready: $out ($(tr '\n' ' ' < "$out/modules.order"))"
echo "$out"
