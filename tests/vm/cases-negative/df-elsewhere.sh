#!/bin/sh
# ckrun-vm-files: entry-df-once.sh
# ckrun-vm-timeout: 30
exec "$(dirname "$0")/entry-df-once.sh" elsewhere
