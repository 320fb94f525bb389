#!/bin/sh
# Negative check of the harness: this test fails on purpose. The meson test
# vm-harness-negative asserts that the runner reports it as FAIL and exits
# non-zero.
echo "must-fail: failing on purpose"
exit 3
