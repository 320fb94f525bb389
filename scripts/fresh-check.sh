#!/usr/bin/env bash
# Runs a command in a fresh clone of this checkout's committed HEAD inside a
# bare Debian 12 root (debootstrap --variant=minbase bookworm), the way a new
# user's machine starts. It catches what a developer's machine hides: a
# program that scripts/install-deps.sh forgets because it happened to be
# installed already (kmod's depmod, issue 16).
#
# Usage (as root):
#   scripts/fresh-check.sh [--kernel-cache] [--keep] [--new-base] [--] [COMMAND...]
# COMMAND runs in the clone's top directory; default: bash scripts/demo.sh
# (the README's main command). Example: scripts/fresh-check.sh -- bash scripts/test.sh
#
#   --kernel-cache  bind-mount this machine's guest-kernel cache
#                   (/var/cache/ckrun/kernel, created when missing) so a cached
#                   kernel is reused (or one built here is kept for next time).
#                   Nothing else of /var/cache/ckrun is shared.
#   --keep          make the root a plain directory on disk and keep it after
#                   the run (default: a file system image dropped after the run)
#   --new-base      bootstrap the base again instead of reusing the tarball
#
# The base is bootstrapped once and kept as a tarball,
#   $CKRUN_FRESH_DIR/bookworm-minbase.tar   (default /var/tmp/ckrun-fresh),
# and each run unpacks it anew, so every run starts from the same untouched
# system. The Debian mirror (and the bookworm suites: updates, security) are
# read from this machine's apt configuration at run time; none is named here.
# The root is an ext4 file system in a sparse image file (or, with --keep, a
# directory), both under $CKRUN_FRESH_DIR, and gets this machine's /etc/resolv.conf, /dev and /dev/pts (bind mounts:
# /dev/kvm, /dev/fuse, /dev/net/tun), /sys (bind) and a /proc of its own:
# the command runs in private mount and PID namespaces, so every mount and
# every process it leaves behind ends with it, whatever way it exits.
# With CKRUN_VM_LOCK set, that lock file is bind-mounted at the same path in
# the root and CKRUN_VM_LOCK passed on, so VM test runs inside and outside
# take turns. CI (when set) is passed on too; nothing else of the caller's
# environment is.
#
# Exit status: the command's; 125 when the fresh root could not be made.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "fresh-check: $*" >&2; exit 125; }

# Runs as pid 1 of the command's namespaces: FC_* from the outer part.
inside() {
	local root=$FC_ROOT nb ne b t0
	nb=$1; shift
	local binds=("${@:1:nb}"); shift "$nb"
	ne=$1; shift
	local envs=("${@:1:ne}"); shift "$ne"
	t0=$(date +%s)
	if [ -n "$FC_IMAGE" ]; then
		truncate -s 64G "$FC_IMAGE" && mkfs.ext4 -q -F -E nodiscard "$FC_IMAGE" &&
			mount -o loop "$FC_IMAGE" "$root" || die "cannot make an ext4 image $FC_IMAGE"
	fi
	# The root must be a mount point of its own to become / below.
	[ -n "$FC_IMAGE" ] || mount --bind "$root" "$root" || die "cannot bind-mount $root"
	tar -C "$root" -xf "$FC_BASE" || die "cannot unpack $FC_BASE"
	chmod 0755 "$root"
	# A new user's apt has the main suite, its updates and security; they
	# come from this machine's configuration, which may name a local mirror.
	rm -f "$root/etc/apt/sources.list.d/"*
	echo "$FC_SUITES" | awk '{ print "deb " $1 " " $2 " main" }' >"$root/etc/apt/sources.list"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	# No fsync per unpacked file (as in Debian's container images): the root
	# is thrown away after the run, and installing took minutes without it.
	echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/ckrun-fresh-check"
	git clone -q "$FC_TOP" "$root/root/project" &&
		git -C "$root/root/project" checkout -q --detach "$FC_REV" || die "cannot clone $FC_TOP"
	for b in "${binds[@]}"; do
		if [ -d "$b" ]; then mkdir -p "$root$b"; else mkdir -p "$(dirname "$root$b")"; touch "$root$b"; fi
		mount --bind "$b" "$root$b" || die "cannot bind-mount $b"
	done
	mount -t proc proc "$root/proc" || die "cannot mount /proc"
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm" || die "cannot mount /dev/shm"
	echo "fresh-check: fresh bookworm root ready in $(($(date +%s) - t0)) s$([ -n "$FC_IMAGE" ] && echo " (ext4 image)"), commit $(git -C "$FC_TOP" log -1 --format='%h %s' "$FC_REV")" >&2
	echo "fresh-check: running '$*' in /root/project" >&2
	# pivot_root, not chroot: inside a chroot the kernel refuses to create a
	# user namespace (passt's sandbox needs one), which no real machine does.
	cd "$root" && mkdir -p .fresh-check-old && pivot_root . .fresh-check-old &&
		umount -l /.fresh-check-old && rmdir /.fresh-check-old || die "cannot make $root the root"
	cd / && /usr/bin/env -i "${envs[@]}" bash -c 'cd /root/project && exec "$@"' fresh-check "$@"
}
if [ "${1:-}" = --inside ]; then
	shift
	inside "$@"
	exit $?
fi

# All of it is read before anything runs: a run is not disturbed by an edit
# of this file (bash reads a script as it goes).
main() {
kernel_cache=0 keep=0 new_base=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel-cache) kernel_cache=1 ;;
	--keep) keep=1 ;;
	--new-base) new_base=1 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) usage >&2; die "unknown option $1" ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || set -- bash scripts/demo.sh

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot, mounts)"
# The host needs only these two for the check itself (install-deps.sh lists
# them too); a fresh CI machine may lack debootstrap.
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v git >/dev/null || missing+=(git)
if [ "${#missing[@]}" -gt 0 ]; then
	echo "fresh-check: installing ${missing[*]} on this machine" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
		{ apt-get update -q >&2 && apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; } ||
		die "cannot install ${missing[*]}"
fi

top=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null) || die "$0 is not in a git checkout"
rev=$(git -C "$top" rev-parse --verify HEAD) || die "no committed HEAD"
dir=${CKRUN_FRESH_DIR:-/var/tmp/ckrun-fresh}
base=$dir/bookworm-minbase.tar
mkdir -p "$dir"

# "URI SUITE" for each bookworm suite this machine's apt uses (deb lines only).
apt_suites() {
	# An empty lists directory: only the configuration is read (reading
	# the machine's package lists took 10-16 s at load 15).
	mkdir -p "$dir/no-lists/partial"
	apt-get -o Dir::State::Lists="$dir/no-lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
		indextargets --no-release-info --format '$(TARGET_OF) $(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk '$1 == "deb" && $3 ~ /^bookworm(-updates|-security)?$/ { print $2, $3 }' | sort -u
}
suites=$(apt_suites)
mirror=$(echo "$suites" | awk '$2 == "bookworm" { print $1; exit }')
[ -n "$mirror" ] || die "this machine's apt sources name no Debian bookworm mirror"

# ---- the base tarball: made once (under a lock, several runs may start at once)
exec 8>"$dir/.base.lock"
flock 8
# The recipe of the base: a change to how it is made makes a new one.
recipe="minbase bookworm 2"
if [ "$new_base" = 1 ] || [ ! -s "$base" ] || [ "$(cat "$base.recipe" 2>/dev/null)" != "$recipe" ]; then
	log=$dir/debootstrap.log
	tmp=$(mktemp -d "$dir/base.XXXXXX")
	echo "fresh-check: bootstrapping a minimal bookworm root from $mirror (once; log: $log)" >&2
	t0=$(date +%s)
	if ! debootstrap --variant=minbase bookworm "$tmp" "$mirror" >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		rm -rf --one-file-system "$tmp"
		die "debootstrap failed, see $log"
	fi
	# debootstrap's own .debs are no part of an installed system; apt's
	# download directories belong to _apt there (debootstrap made them before
	# that user existed, and apt would warn).
	chroot "$tmp" apt-get clean
	chroot "$tmp" chown _apt:root /var/cache/apt/archives/partial /var/lib/apt/lists/partial
	chmod 0755 "$tmp"  # mktemp's 0700 would become the root's mode
	tar -C "$tmp" -cf "$base.part" . && mv -f "$base.part" "$base"
	echo "$recipe" >"$base.recipe"
	rm -rf --one-file-system "$tmp"
	echo "fresh-check: base ready in $(($(date +%s) - t0)) s: $base ($(du -m "$base" | cut -f1) MiB)" >&2
fi
flock -u 8
exec 8>&-

# ---- this run's root
# By default the root is an ext4 image, loop-mounted in the command's own
# mount namespace: ext4 as on a Debian 12 install (a tmpfs root made a unit
# test fail: tmpfs has no FALLOC_FL_ZERO_RANGE), and dropped in a moment
# afterwards, where removing the few GiB of files of a root on disk took
# 3.5 min on this shared machine. With --keep it is a plain directory.
# Directories of earlier runs that were killed hold no lock and are not
# marked kept: removed here.
for old in "$dir"/run.*; do
	[ -d "$old" ] && [ ! -e "$old.kept" ] || continue
	if flock -n "$old.lock" true 2>/dev/null; then
		rm -rf --one-file-system "$old"
		rm -f "$old.img" "$old.lock"
	fi
done
root=$(mktemp -d "$dir/run.XXXXXX")
exec 9>"$root.lock"
flock 9
cleanup() {
	if [ "$keep" = 1 ]; then
		touch "$root.kept"
		echo "fresh-check: kept the root $root (remove it and $root.* by hand)" >&2
	else
		# Nothing is mounted there on this side: the mounts lived in the
		# command's namespace, which ended with it.
		rm -rf --one-file-system "$root"
		rm -f "$root.img" "$root.lock"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

binds=(/dev /dev/pts /sys)
if [ "$kernel_cache" = 1 ]; then
	mkdir -p /var/cache/ckrun/kernel
	binds+=(/var/cache/ckrun/kernel)
	echo "fresh-check: reusing this machine's guest-kernel cache /var/cache/ckrun/kernel" >&2
fi
envs=(HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
[ -n "${CI:-}" ] && envs+=(CI="$CI")
if [ -n "${CKRUN_VM_LOCK:-}" ]; then
	case $CKRUN_VM_LOCK in /*) ;; *) die "CKRUN_VM_LOCK must be an absolute path" ;; esac
	touch "$CKRUN_VM_LOCK" || die "cannot create CKRUN_VM_LOCK=$CKRUN_VM_LOCK"
	binds+=("$CKRUN_VM_LOCK")
	envs+=(CKRUN_VM_LOCK="$CKRUN_VM_LOCK")
fi

t0=$(date +%s)
# pid 1 of new mount and PID namespaces (`inside` above) makes the root,
# runs the command and exits with its status; the kernel then kills
# whatever is left inside and drops every mount made there. unshare
# ignores INT and TERM while it waits: they become its SIGKILL here, which
# --kill-child passes on to that pid 1. (<&0: a background command would
# get /dev/null as its input.)
FC_ROOT=$root FC_BASE=$base FC_TOP=$top FC_REV=$rev FC_SUITES=$suites FC_IMAGE=$([ "$keep" = 1 ] || echo "$root.img") \
	unshare --mount --propagation private --pid --fork --kill-child -- \
	bash "$0" --inside "${#binds[@]}" "${binds[@]}" "${#envs[@]}" "${envs[@]}" "$@" <&0 &
ns=$!
stop() {
	kill -KILL "$ns" 2>/dev/null
	{ wait "$ns"; } 2>/dev/null
	echo "fresh-check: stopped by SIG$1; the command and all it started were ended" >&2
	exit "$2"
}
trap 'stop INT 130' INT
trap 'stop TERM 143' TERM
set +e
wait "$ns"
rc=$?
set -e
echo "fresh-check: '$*' exited with status $rc after $(($(date +%s) - t0)) s" >&2
exit $rc
}
main "$@"
exit $?
