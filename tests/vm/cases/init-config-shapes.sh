#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ckrun-vm-build-files: examples/ckrun-run
# ckrun-vm-files: ../lib-launcher.sh
# ckrun-vm-timeout: 600
# Without a command, the guest init runs what /.krun_config.json says, in the
# three shapes clients write: OCI config.json (crun), flat
# {"Cmd","Env","WorkingDir"} (go-microvm) and nested {"Config":{...}}.
. "$(dirname "$0")/../lib-launcher.sh"

# shape NAME JSON WANT_LINE WANT_RC
shape() {
	root="$T/$1"
	make_root "$root"
	mkdir -p "$root/tmp"
	printf '%s\n' "$2" >"$root/.krun_config.json"
	vm "$root" </dev/null >"$T/$1.out" 2>&1
	rc=$?
	[ "$rc" -eq "$4" ] || fail "$1: exit status $rc, expected $4: $(tail -n 5 "$T/$1.out")"
	grep -qxF "$3" "$T/$1.out" || fail "$1: no line '$3' in: $(cat "$T/$1.out")"
}

shape oci '{"ociVersion":"1.0.2","process":{"terminal":false,"user":{"uid":0,"gid":0},
 "args":["/bin/sh","-c","echo \"oci:$SHAPE:$(pwd):$HOME\"; exit 11"],
 "env":["PATH=/bin","SHAPE=oci","HOME=/tmp"],"cwd":"/tmp"},
 "root":{"path":"rootfs"},"hostname":"h"}' 'oci:oci:/tmp:/tmp' 11

shape flat '{"Cmd":["/bin/sh","-c","echo flat:$SHAPE:$(pwd); exit 12"],"Env":["SHAPE=flat"],"WorkingDir":"/bin"}' \
	'flat:flat:/bin' 12

shape nested '{"architecture":"amd64","Config":{"Entrypoint":["/bin/sh","-c"],
 "Cmd":["echo \"nested:$SHAPE:$(pwd):\\\"dq\\\" \u00e9\"; exit 13"],
 "Env":["SHAPE=nested"],"WorkingDir":"/"}}' 'nested:nested:/:"dq" é' 13

# A malformed file is reported, and the VM ends with 125.
root="$T/bad"
make_root "$root"
printf '{"Cmd":["/bin/true",]}\n' >"$root/.krun_config.json"
vm "$root" </dev/null >"$T/bad.out" 2>&1
rc=$?
[ "$rc" -eq 125 ] || fail "malformed config: exit status $rc, expected 125"
grep -q 'krun_config.json' "$T/bad.out" || fail "malformed config: no message: $(cat "$T/bad.out")"

# ckrun-run -w overrides the file's working directory (KRUN_WORKDIR wins).
root="$T/flat"
vm -w / "$root" </dev/null >"$T/wd.out" 2>&1
grep -qxF 'flat:flat:/' "$T/wd.out" || fail "--workdir did not override WorkingDir: $(cat "$T/wd.out")"

finish
