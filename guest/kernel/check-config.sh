#!/bin/sh
# Usage: check-config.sh FRAGMENT DOTCONFIG
# Fails (exit 1) when an option the fragment asks for did not survive
# `make olddefconfig`: every CONFIG_X=y line must appear as such in the final
# .config, every "# CONFIG_X is not set" line must not be enabled there.
set -eu
frag=$1 cfg=$2
missing=0
for opt in $(sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=y$/\1/p' "$frag"); do
    if ! grep -qx "$opt=y" "$cfg"; then
        echo "check-config: $opt=y requested but the final config has: $(grep -E "^(# )?$opt[= ]" "$cfg" || echo 'nothing')" >&2
        missing=1
    fi
done
for opt in $(sed -n 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/p' "$frag"); do
    if grep -qE "^$opt=(y|m)" "$cfg"; then
        echo "check-config: $opt must be off but the final config enables it" >&2
        missing=1
    fi
done
[ "$missing" = 0 ] || { echo "check-config: FAILED ($cfg)" >&2; exit 1; }
echo "check-config: all options of $(basename "$frag") present"
