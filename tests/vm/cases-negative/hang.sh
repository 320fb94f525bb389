#!/bin/sh
# Negative check of the harness: this test never ends by itself. Its own
# limit (below) must stop it and the runner must report it as FAIL.
# ckrun-vm-timeout: 3
echo "hang: sleeping forever"
while :; do sleep 1; done
