#!/bin/sh
# ckrun with passt: krun_set_passt_fd on a socketpair; the guest configures eth0 itself.
# See tests/vm/net/passt-case.sh.
# ckrun-vm-files: /usr/bin/passt ../net/passt-case.sh ../net/guest-net.sh
# ckrun-vm-build-files: tests/vm/net/netprobe tests/vm/net/passt-client
# ckrun-vm-timeout: 480
exec "$(dirname "$0")/../net/passt-case.sh" fd 8103 8203 8083
