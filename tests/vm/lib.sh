# Shell helpers for VM test cases (tests/vm/cases/*.sh). Source it with
#   . "$CKRUN_VM_LIB"
# It works the same on the outer machine (direct mode) and inside the test
# host, using only busybox ($CKRUN_BUSYBOX) for the guest-side tooling.
#
# The VMM that boots the guest is chosen by $CKRUN_VMM:
#   qemu   QEMU -accel kvm -M microvm (the harness's reference VMM)
#   ckrun  ckrun's own VMM through the launcher $CKRUN_BUILD/examples/ckrun-run
# A case that must use one of them sets CKRUN_VMM itself before calling
# vm_boot; the default is qemu.

set -eu
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"

bb() { "$CKRUN_BUSYBOX" "$@"; }

vm_log() { echo "[$(basename "$0" .sh)] $*"; }
vm_fail() { echo "[$(basename "$0" .sh)] FAIL: $*"; exit 1; }

# The inner guest needs a standard /dev/kvm.
vm_require_kvm() {
    [ -c /dev/kvm ] || vm_fail "no /dev/kvm"
    if [ -d /sys/module/kvm_pvm ]; then
        vm_fail "/dev/kvm is PVM (kvm_pvm): a standard guest would hang; use the test host (CKRUN_VM_MODE=testhost)"
    fi
}

# vm_nonce: a value the guest must echo back, so a marker cannot come from
# anywhere but the init we built.
vm_nonce() { bb od -An -N8 -tx1 /dev/urandom | bb tr -d ' \n'; }

# vm_busybox_root DIR INIT_BODY: a minimal root with a static busybox and an
# /init running INIT_BODY (after mounting proc, sys and dev).
vm_busybox_root() {
    dir=$1 body=$2
    bb mkdir -p "$dir/bin" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp"
    bb cp "$CKRUN_BUSYBOX" "$dir/bin/busybox"
    bb chmod 0755 "$dir/bin/busybox"
    {
        echo '#!/bin/busybox sh'
        echo '/bin/busybox --install -s /bin'
        echo 'export PATH=/bin'
        echo 'mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null'
        printf '%s\n' "$body"
    } > "$dir/init"
    bb chmod 0755 "$dir/init"
}

# vm_make_initramfs DIR OUT: gzip'd newc cpio of DIR.
vm_make_initramfs() {
    ( cd "$1" && bb find . | bb cpio -o -H newc 2>/dev/null ) | bb gzip -1 > "$2"
}

# vm_boot KERNEL INITRD CMDLINE CONSOLE_LOG [TIMEOUT]: boot a guest with the
# selected VMM, serial console to CONSOLE_LOG; returns the VMM's exit status
# (124+ on timeout). The guest is expected to power itself off.
vm_boot() {
    case "${CKRUN_VMM:-qemu}" in
        qemu) vm_boot_qemu "$@" ;;
        ckrun) vm_boot_ckrun "$@" ;;
        *) vm_fail "unknown CKRUN_VMM=${CKRUN_VMM}" ;;
    esac
}

vm_boot_qemu() {
    kernel=$1 initrd=$2 cmdline=$3 out=$4 tmo=${5:-120}
    # microvm with the serial port only: the project's kernel needs neither
    # ACPI nor PCI; reboot=t + -no-reboot make "reboot -f" end QEMU.
    set +e
    bb timeout -s KILL "$tmo" qemu-system-x86_64 \
        -M microvm,isa-serial=on,acpi=off -accel kvm -cpu qemu64 \
        -m "${VM_MEM:-128}" -smp "${VM_CPUS:-1}" \
        -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
        -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0 earlyprintk=ttyS0 reboot=t panic=-1 $cmdline" \
        < /dev/null > "$out" 2>&1
    rc=$?
    set -e
    return $rc
}

vm_boot_ckrun() {
    kernel=$1 initrd=$2 cmdline=$3 out=$4 tmo=${5:-120}
    launcher=$CKRUN_BUILD/examples/ckrun-run
    [ -x "$launcher" ] || vm_fail "no launcher at $launcher"
    set +e
    bb timeout -s KILL "$tmo" "$launcher" --kernel "$kernel" --initrd "$initrd" \
        --cmdline "console=ttyS0 reboot=k panic=-1 $cmdline" \
        --mem "${VM_MEM:-128}" --cpus "${VM_CPUS:-1}" \
        < /dev/null > "$out" 2>&1
    rc=$?
    set -e
    return $rc
}

# vm_show FILE: print a console log, indented, for the test's own output.
vm_show() { bb sed 's/^/    guest| /' "$1"; }
