#!/bin/sh
# ckrun-vm-files: lockup.sh
# ckrun-vm-timeout: 120
exec "$(dirname "$0")/lockup.sh" once
