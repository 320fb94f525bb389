#!/bin/sh
# Smoke with ckrun's own VMM: smoke-boot through the launcher
# (examples/ckrun-run), the guest's root shared with virtio-fs.
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-files: smoke-boot.sh
# ckrun-vm-timeout: 480
CKRUN_VMM=ckrun
export CKRUN_VMM
exec "$(dirname "$0")/smoke-boot.sh"
