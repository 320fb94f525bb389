#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# libkrun behaviours that need a real guest (issue 20), through the public
# API (tests/vm/apicheck.c):
#  - 4,096 arguments and 4,096 environment variables holding quotes, spaces,
#    newlines, non-ASCII bytes and an entry without '=' reach the workload
#    byte for byte (the guest compares /proc/$$/cmdline and environ);
#  - krun_disable_implicit_init: the root's own /init.krun runs and gets the
#    workload the libkrun way (KRUN_* variables, arguments);
#  - the project's vmlinux compressed with gzip, bzip2 and zstd boots through
#    krun_set_kernel with the matching format; truncated or corrupt copies
#    fail the start with an error;
#  - krun_set_nested_virt: the guest sees SVM/VMX only when asked (and the
#    test host's kvm_amd has nested=1).
# ckrun-vm-build-files: tests/vm/apicheck
# ckrun-vm-files: /var/cache/ckrun/kernel/*/vmlinux
# ckrun-vm-timeout: 1800
. "$CKRUN_VM_LIB"
vm_require_kvm
A="$CKRUN_BUILD/tests/vm/apicheck"
T="$CKRUN_TMP/api"
root="$T/root"
bb mkdir -p "$T"
vm_busybox_root "$root"
out="$T/out"

check() { # NAME CMD...: run, show, expect exit 0 and "apicheck: NAME ok"
    name=$1; shift
    rc=0
    "$@" </dev/null >"$out" 2>&1 || rc=$?
    vm_show "$out"
    [ "$rc" = 0 ] || vm_fail "$name: exit status $rc"
    bb grep -qE "^apicheck: $name( [^ ]+)? ok" "$out" || vm_fail "$name: no ok line"
}

# 1. The workload, large and hostile.
check workload "$A" workload "$CKRUN_KERNEL" "$root"
bb grep -q "WORKLOAD-MATCH" "$out" || vm_fail "workload: the guest did not confirm the match"

# 2. The client's own init.
croot="$T/croot"
vm_busybox_root "$croot"
cat >"$croot/init.krun" <<'SH'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
exec >/dev/console 2>&1
echo "CUSTOM-INIT KRUN_INIT=$KRUN_INIT KRUN_WORKDIR=$KRUN_WORKDIR FROM_HOST=$FROM_HOST argc=$# 1=[$1] 2=[$2]"
/bin/busybox sync
/bin/busybox reboot -f
SH
bb chmod 0755 "$croot/init.krun"
rc=0
"$A" custominit "$CKRUN_KERNEL" "$croot" </dev/null >"$out" 2>&1 || rc=$?
# A custom init has no way to report a status (the library says so); that
# line is expected here, and would make the runner retry the test.
bb grep -v "without its init reporting" "$out" >"$out.shown" || true
vm_show "$out.shown"
[ "$rc" = 0 ] || vm_fail "custominit: exit status $rc"
bb grep -q "^CUSTOM-INIT KRUN_INIT=/bin/true KRUN_WORKDIR=/tmp FROM_HOST=yes argc=2 1=\[first arg\] 2=\[second\]" "$out" ||
    vm_fail "custominit: the root's /init.krun did not run with the workload"

# 3. Compressed kernels.
vmlinux="$(bb dirname "$CKRUN_KERNEL")/vmlinux"
[ -f "$vmlinux" ] || vm_fail "no vmlinux next to $CKRUN_KERNEL"
for f in gz bz2 zstd; do
    "$A" compress "$vmlinux" "$f" "$T/vmlinux.$f" || vm_fail "compress $f failed"
    check kernel "$A" kernel "$T/vmlinux.$f" "$f" "$root"
    bb grep -q "COMPRESSED-KERNEL-BOOTED" "$out" || vm_fail "kernel $f: no output from the guest"
    size=$(bb stat -c %s "$T/vmlinux.$f")
    bb head -c $((size / 2)) "$T/vmlinux.$f" >"$T/trunc.$f"
    check badkernel "$A" badkernel "$T/trunc.$f" "$f"
    bb grep -q "corrupt or truncated" "$out" || vm_fail "badkernel $f: no clear message"
    bb rm -f "$T/vmlinux.$f" "$T/trunc.$f"
done

# 4. Nested virtualization.
nested=$(bb cat /sys/module/kvm_amd/parameters/nested /sys/module/kvm_intel/parameters/nested 2>/dev/null | bb head -n1)
vm_log "host kvm nested parameter: ${nested:-none}"
check nested "$A" nested "$CKRUN_KERNEL" "$root" off
case "$nested" in
1|Y|y) check nested "$A" nested "$CKRUN_KERNEL" "$root" on ;;
*) vm_fail "the test host's KVM module has nested=${nested:-unset}: nested cannot be tested" ;;
esac
vm_log "all api-fidelity checks passed"
