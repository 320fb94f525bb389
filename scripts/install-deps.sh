#!/usr/bin/env bash
# Installs everything ckrun needs to build, test and run its demo on Debian 12 (as root):
# every program and library a script, test, build step or VM test of this tree invokes,
# on top of a minimal system (debootstrap --variant=minbase). The README's commands run
# this first; scripts/fresh-check.sh (and so CI) proves the list complete from such a
# minimal system. A new dependency goes here, with a reason in docs/, in the same commit.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get install)" >&2
	exit 1
fi
pkgs=(
	# the build: meson runs python3 (and src/init/embed.py), clang builds the fuzzers
	build-essential meson ninja-build pkg-config python3 clang libclang-rt-14-dev
	libcmocka-dev libcap-ng-dev libseccomp-dev libfuse3-dev
	# compressed guest kernels (krun_set_kernel IMAGE_GZ/BZ2/ZSTD) and the tools its tests use
	zlib1g-dev libbz2-dev libzstd-dev gzip bzip2
	# fs tests: fusermount3, setfattr/getfattr (tests/fs/ro-syscalls.sh)
	fuse3 attr
	# VM tests: QEMU (test host, init-qemu; its virtiofsd), the test host's pieces
	# (tests/vm/testhost/build.sh: apt-get download, dpkg -x, depmod from kmod, xz/zstd
	# for compressed modules), busybox for guest roots, cpio for initramfs images
	qemu-system-x86 busybox-static cpio xz-utils zstd kmod
	# the guest kernel (guest/kernel/build.sh)
	linux-source-6.1 bc flex bison libelf-dev libssl-dev dwarves
	# the cgo client (examples/go) and the benchmark's instruction counts (bench/fuse-cost.sh)
	golang-go valgrind
	# networking
	passt libslirp-dev iperf3 iproute2
	# crun with its krun handler, from Debian's source package (tests/crun/build-crun.sh:
	# apt-get source needs dpkg-dev)
	dpkg-dev libyajl-dev libcap-dev libsystemd-dev autoconf automake libtool
	# bench/run (git archive) and scripts/fresh-check.sh (git clone, debootstrap)
	git debootstrap
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
