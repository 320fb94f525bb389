#!/usr/bin/env bash
# The main job: installs what is needed, builds ckrun and its guest kernel, and runs
# a VM that shares a host directory read-only, showing the guest can read it but
# cannot change it (tests/vm/cases/demo-readonly.sh). Where this machine's KVM
# cannot boot a standard Linux guest (PVM), the VM runs inside a TCG test host;
# the runner's first line says which.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
ninja -C build
# --quiet-host-kernel: the test host's kernel messages (KVM's "Unhandled WRMSR" and
# the like) are noise to a new user; the tests keep them.
exec tests/vm/run --quiet-host-kernel build demo-readonly
