#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The dynamic symbols libkrun.so.1 defines must be exactly the functions the
# public headers declare, and exactly tests/api/symbols.txt (the list the
# link test resolves): nothing missing for clients, nothing internal leaking.
# Usage: symbols-test.sh LIBKRUN_SO SYMBOLS_TXT LIBKRUN_H CKRUN_H
set -eu
lib=$1 list=$2 h1=$3 h2=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The soname clients dlopen.
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libkrun.so.1 ] || { echo "soname is '$soname', not libkrun.so.1"; exit 1; }

nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sort > "$tmp/exported"
nm -D --defined-only "$lib" | awk '$2 != "T" { print }' > "$tmp/other"
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list" | sort > "$tmp/listed"
# Declarations start a line: "int32_t krun_x(" or "int krun_x(".
grep -hoE '^(int32_t|int)[[:space:]]+(krun|ckrun)_[a-z0-9_]+\(' "$h1" "$h2" |
	sed -E 's/^[a-z0-9_]+[[:space:]]+([a-z0-9_]+)\($/\1/' | sort > "$tmp/declared"

status=0
if [ -s "$tmp/other" ]; then
	echo "unexpected non-function dynamic symbols:"; cat "$tmp/other"; status=1
fi
if ! diff -u "$tmp/listed" "$tmp/exported"; then
	echo "exported functions differ from $list (- listed, + exported)"; status=1
fi
if ! diff -u "$tmp/declared" "$tmp/exported"; then
	echo "exported functions differ from the headers (- declared, + exported)"; status=1
fi
n=$(wc -l < "$tmp/exported")
[ "$n" -ge 31 ] || { echo "only $n functions exported"; status=1; }
[ $status -eq 0 ] && echo "ok: $n functions exported, declared and listed"
exit $status
