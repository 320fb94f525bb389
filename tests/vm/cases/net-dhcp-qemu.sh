#!/bin/sh
# ckrun's guest init gets a DHCP lease from passt (KRUN_DHCP=1) on a
# virtio-net device, with QEMU as the VMM: QEMU -M microvm,
# virtio-net-device, -netdev stream to passt's socket. The init is the one
# libkrun.so embeds (build/src/init/init.krun), run from an initramfs; the
# workload (tests/vm/net/guest-net.sh) reaches a server on the test host's
# loopback through the gateway address and answers the test host through a
# -t HOST:GUEST forward. This separates the init's DHCP from ckrun's device
# (net-passt-* run the same through ckrun) and is the bench's reference path.
# ckrun-vm-files: /usr/bin/qemu-system-x86_64 /usr/share/qemu/bios-microvm.bin /usr/share/qemu/linuxboot_dma.bin /usr/bin/passt ../net/guest-net.sh
# ckrun-vm-build-files: src/init/init.krun tests/vm/net/netprobe
# ckrun-vm-timeout: 480
. "$CKRUN_VM_LIB"
vm_require_kvm
vm_netns_enter "$0" "$@"

nonce=$(vm_nonce)
T=$CKRUN_TMP
NP=$CKRUN_BUILD/tests/vm/net/netprobe
# One host port per case: passt may keep a forwarded port bound after its peer left.
HPORT=8101 FWD=8201 GPORT=8080

root=$T/root
vm_busybox_root "$root"
for a in ip wait; do bb ln -sf busybox "$root/bin/$a"; done
bb cp "$CKRUN_BUILD/src/init/init.krun" "$root/init.krun"
bb cp "$NP" "$root/bin/netprobe"
bb cp "$(dirname "$0")/../net/guest-net.sh" "$root/guest-net.sh"
bb mkdir -p "$root/etc"
# The workload as a script without arguments: QEMU appends its
# virtio_mmio.device= parameters to the command line, after anything we
# put there, so arguments after "--" would swallow them.
printf '#!/bin/sh\nexec /bin/sh /guest-net.sh dhcp %s %s %s %s\n' "$VM_NET_GW" "$HPORT" "$GPORT" "$nonce" > "$root/run.sh"
bb chmod 0755 "$root/run.sh"
initrd=$T/initrd.gz
( cd "$root" && bb find . | bb cpio -o -H newc 2>/dev/null ) | bb gzip -1 > "$initrd"

"$NP" serve -b 127.0.0.1 "$HPORT" "host-$nonce" 400 > "$T/host-serve.log" 2>&1 &
vm_passt_socket "$FWD:$GPORT"

bb timeout -s KILL 420 qemu-system-x86_64 \
    -M microvm,isa-serial=on,acpi=off -accel kvm -cpu qemu64 -m 256 -smp 1 \
    -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
    -netdev stream,id=n0,server=off,addr.type=unix,addr.path="$vm_passt_sock" \
    -device virtio-net-device,netdev=n0,mac=5a:94:ef:e4:0c:ee \
    -kernel "$CKRUN_KERNEL" -initrd "$initrd" \
    -append "console=ttyS0 reboot=t panic=-1 quiet rdinit=/init.krun KRUN_DHCP=1 KRUN_INIT=/run.sh" \
    < /dev/null > "$T/console.log" 2>&1 &
vm_net_finish qemu $! "$FWD" "$nonce" "$vm_passt_pid"
vm_net_check "$nonce" "the host's loopback through the gateway" "-t $FWD:$GPORT" dhcp
c=$T/console.log
# passt offers 65520; QEMU's virtio-net offers the TSO/UFO and mergeable-buffer bits, so it is taken.
bb grep -q '^NET-GUEST: mtu 65520' "$c" || vm_fail "eth0's MTU is not passt's 65520"
bb grep -q '^NET-GUEST: done' "$c" || vm_fail "the guest workload did not finish"
vm_log "DHCP lease, guest->host and host->guest traffic through passt"
