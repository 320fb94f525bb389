#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-timeout: 300
# Environment values and arguments with spaces, quotes, '=' and non-ASCII
# text reach the workload unchanged (through the kernel command line).
# Values may not contain '"' (the kernel has no escape); .krun_config.json
# carries those (init-config-shapes.sh). "voilà" holds the byte 0xA0, which
# the kernel's isspace() counts as a space unless the value is quoted.
# --- common prelude of the init-*.sh cases (kept inline: each case runs alone) ---
# Harness contract: CKRUN_BUILD (meson build dir), CKRUN_KERNEL (guest kernel),
# CKRUN_BUSYBOX (static busybox), CKRUN_TMP (scratch dir); exit 0 = pass.
set -u
: "${CKRUN_BUILD:?}" "${CKRUN_KERNEL:?}" "${CKRUN_BUSYBOX:?}" "${CKRUN_TMP:?}"
RUN="$CKRUN_BUILD/examples/ckrun-run"
# Guests boot slowly in the TCG test host: allow more than the library's
# default 30 s before it declares a guest dead.
export CKRUN_BOOT_TIMEOUT="${CKRUN_BOOT_TIMEOUT:-150}"
T=$(mktemp -d "$CKRUN_TMP/${0##*/}.XXXXXX")
fails=0
fail() { echo "FAIL ${0##*/}: $*" >&2; fails=$((fails + 1)); }
# make_root DIR: a minimal root with busybox; nothing else is needed.
make_root() {
	mkdir -p "$1/bin"
	cp "$CKRUN_BUSYBOX" "$1/bin/busybox"
	for a in sh echo cat printf ls mkdir touch rm kill sleep true false env test \
		mount grep id seq pwd; do
		ln -sf busybox "$1/bin/$a"
	done
}
# vm ARGS...: ckrun-run with the test kernel, bounded in time.
vm() {
	if command -v timeout >/dev/null 2>&1; then
		timeout "${CKRUN_VM_TIMEOUT:-180}" "$RUN" --kernel "$CKRUN_KERNEL" "$@"
	else
		"$RUN" --kernel "$CKRUN_KERNEL" "$@"
	fi
}
finish() {
	if [ "$fails" -eq 0 ]; then
		echo "PASS ${0##*/}"
		rm -rf "$T"
		exit 0
	fi
	echo "FAIL ${0##*/}: $fails check(s) failed; files kept in $T" >&2
	exit 1
}
# --- end of prelude ---

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
