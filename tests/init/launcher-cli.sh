#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-run as a program: --help exits 0 and explains the options; bad
# arguments exit 2 with a message, before any VM is created.
# Usage: launcher-cli.sh PATH_TO_CKRUN_RUN
set -u
run=$1
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
tmp=$(mktemp -d /tmp/ckrun-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$run" --help >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] || fail "--help did not exit 0"
for w in --cpus --mem --volume --kernel --env --workdir --ro-root --console --log-level ROOTDIR CMD; do
	grep -q -- "$w" "$tmp/out" || fail "--help does not mention $w"
done
[ -s "$tmp/err" ] && fail "--help wrote to stderr"

# expect_2 ARGS...: exit status 2 and a message on stderr, nothing on stdout.
expect_2() {
	"$run" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "ckrun-run $*: exit $rc, expected 2"
	[ -s "$tmp/err" ] || fail "ckrun-run $*: no message"
	[ -s "$tmp/out" ] && fail "ckrun-run $*: wrote to stdout"
	grep -q -- '--help' "$tmp/err" || fail "ckrun-run $*: no pointer to --help"
}
mkdir -p "$tmp/root"
expect_2
expect_2 --cpus 0 "$tmp/root" /bin/true
expect_2 --mem lots "$tmp/root" /bin/true
expect_2 --volume nocolon "$tmp/root" /bin/true
expect_2 --no-such-option "$tmp/root" /bin/true
expect_2 "$tmp/missing-root" /bin/true
expect_2 -v "$tmp/missing-dir:tag" "$tmp/root" /bin/true
expect_2 --kernel "$tmp/missing-kernel" "$tmp/root" /bin/true
: >"$tmp/file"
expect_2 "$tmp/file" /bin/true
grep -q 'not a directory' "$tmp/err" || fail "a file as ROOTDIR: $(cat "$tmp/err")"

[ "$fails" -eq 0 ] || exit 1
echo "launcher-cli: ok"
