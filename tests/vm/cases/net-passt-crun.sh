#!/bin/sh
# ckrun with passt: crun's passt call sequence (no passt in crun 1.8.1: passt-client makes crun's calls in crun's order); DHCP by the init.
# See tests/vm/net/passt-case.sh.
# ckrun-vm-files: /usr/bin/passt ../net/passt-case.sh ../net/guest-net.sh
# ckrun-vm-build-files: tests/vm/net/netprobe tests/vm/net/passt-client
# ckrun-vm-timeout: 480
exec "$(dirname "$0")/../net/passt-case.sh" crun 8102 8202 8082
