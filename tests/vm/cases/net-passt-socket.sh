#!/bin/sh
# ckrun with passt: krun_add_net_unixstream to passt's socket path, NET_FLAG_DHCP_CLIENT.
# See tests/vm/net/passt-case.sh.
# ckrun-vm-files: /usr/bin/passt ../net/passt-case.sh ../net/guest-net.sh
# ckrun-vm-build-files: tests/vm/net/netprobe tests/vm/net/passt-client
# ckrun-vm-timeout: 480
exec "$(dirname "$0")/../net/passt-case.sh" socket 8104 8204 8084
