#!/bin/sh
# ckrun-vm-files: vmcb-proof-once.sh
# ckrun-vm-timeout: 30
exec "$(dirname "$0")/vmcb-proof-once.sh" idt
