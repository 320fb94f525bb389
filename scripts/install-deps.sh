#!/usr/bin/env bash
# Installs everything ckrun needs to build, test and run its demo on Debian 12 (as root).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get install)" >&2
	exit 1
fi
pkgs=(
	build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
	libcmocka-dev libcap-ng-dev libfuse3-dev fuse3 attr
	zlib1g-dev libbz2-dev libzstd-dev gzip bzip2 zstd
	qemu-system-x86 busybox-static cpio xz-utils
	linux-source-6.1 bc flex bison libelf-dev libssl-dev dwarves
	golang-go valgrind kmod
	passt libslirp-dev iperf3 iproute2
	libyajl-dev libseccomp-dev libcap-dev libsystemd-dev autoconf automake libtool
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
