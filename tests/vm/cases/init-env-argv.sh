#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 300
# Environment values and arguments with spaces, quotes, '=' and non-ASCII
# text reach the workload unchanged (through the kernel command line).
# Values may not contain '"' (the kernel has no escape); .krun_config.json
# carries those (init-config-shapes.sh). "voilà" holds the byte 0xA0, which
# the kernel's isspace() counts as a space unless the value is quoted.
. "$(dirname "$0")/../lib-launcher.sh"

root="$T/root"
make_root "$root"

# The guest scripts live in the root: arguments on the kernel command line
# cannot contain '"'.
cat >"$root/show.sh" <<'SH'
printf '[%s]\n' "$GREETING" "$SQ" "$ACCENT" "$EMOJI" "$EQ" "$@"
SH
cat >"$root/defaults.sh" <<'SH'
echo "path=$PATH"; echo "marker=${MARKER_FROM_HOST:-unset}"; echo "home=$HOME"
SH
vm -e 'GREETING=hello wörld' -e "SQ=it's" -e 'ACCENT=voilà' -e 'EMOJI=😀€' -e 'EQ=a=b' \
	"$root" /bin/sh /show.sh 'a b' "c'd" '  lead' 'é€😀' 'x=y' '' 'last' </dev/null >"$T/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc"
printf '%s\n' '[hello wörld]' "[it's]" '[voilà]' '[😀€]' '[a=b]' '[a b]' "[c'd]" \
	'[  lead]' '[é€😀]' '[x=y]' '[]' '[last]' >"$T/want"
grep '^\[' "$T/out" >"$T/got"
cmp -s "$T/got" "$T/want" || {
	fail "environment/arguments differ; got:"
	cat "$T/got" >&2
}

# The default environment: PATH is set, the host's is not copied.
MARKER_FROM_HOST=leak vm "$root" /bin/sh /defaults.sh </dev/null >"$T/out" 2>&1
grep -q '^path=.*/bin' "$T/out" || fail "no PATH in the guest: $(cat "$T/out")"
grep -q '^marker=unset' "$T/out" || fail "the host environment leaked: $(cat "$T/out")"
grep -q '^home=/' "$T/out" || fail "no HOME: $(cat "$T/out")"

finish
