#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The vm-crun test (meson test --suite vm): build crun with its krun handler
# (cached; tests/crun/build-crun.sh), put the binary where the VM case looks
# for it ($BUILD_DIR/tests/crun/crun, packed into the test host by the case's
# ckrun-vm-build-files header), then run tests/vm/run with the given
# arguments. The test host has no network and no compiler, hence the build
# here, on the machine that runs the runner.
# Usage: tests/crun/vm-crun.sh BUILD_DIR [tests/vm/run arguments...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: vm-crun.sh BUILD_DIR [run args...]}
shift
"$here/build-crun.sh" "$build" "$build/tests/crun/crun" >/dev/null
exec "$here/../vm/run" "$@"
