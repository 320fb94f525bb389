#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Client link test: install the build into a temporary DESTDIR, then build
# link_client.c with the *installed* pkg-config file and headers, as a
# libkrun client would, and run it against the installed library.
# Usage: link-test.sh BUILD_DIR LINK_CLIENT_C SYMBOLS_TXT
set -eu
build=$1 client=$2 symbols=$3
cc=${CC:-cc}
dest=$(mktemp -d "${TMPDIR:-/tmp}/ckrun-link-test.XXXXXX")
trap 'rm -rf "$dest"' EXIT

# Only what a library package ships: the runtime and development files.
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" --tags runtime,devel >/dev/null

pc=$(find "$dest" -name libkrun.pc | head -n 1)
[ -n "$pc" ] || { echo "libkrun.pc was not installed"; exit 1; }
# The .pc file names the final prefix; the sysroot maps it into DESTDIR.
PKG_CONFIG_PATH=$(dirname "$pc")
PKG_CONFIG_SYSROOT_DIR=$dest
PKG_CONFIG_LIBDIR=$PKG_CONFIG_PATH   # nothing from the system's own .pc files
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

pkg-config --exists libkrun
[ "$(pkg-config --modversion libkrun)" = 1.18.0 ] || { echo "unexpected libkrun version"; exit 1; }
cflags=$(pkg-config --cflags libkrun)
libs=$(pkg-config --libs libkrun)
libdir=$(pkg-config --libs-only-L libkrun | sed 's/^-L//; s/ *$//')
case "$libs" in *-lkrun*) ;; *) echo "pkg-config libs lack -lkrun: $libs"; exit 1;; esac
echo "pkg-config libkrun: cflags '$cflags' libs '$libs'"

# Installed names: the real file plus the soname and development links.
for f in libkrun.so libkrun.so.1 libkrun.so.1.18.0; do
	[ -e "$libdir/$f" ] || { echo "missing $libdir/$f"; exit 1; }
done
[ -L "$libdir/libkrun.so.1" ] && [ -L "$libdir/libkrun.so" ] || { echo "soname links missing"; exit 1; }
incdir=$(echo "$cflags" | sed 's/^-I//; s/ *$//')
for h in libkrun.h ckrun.h; do
	[ -f "$incdir/$h" ] || { echo "header $h not installed in $incdir"; exit 1; }
done

# The installed headers compile cleanly in strict modes, C and C++.
printf '#include <libkrun.h>\n#include <ckrun.h>\nint main(void) { return KRUN_LOG_LEVEL_OFF; }\n' > "$dest/h.c"
for std in gnu11 c99 c11; do
	$cc -std=$std -Wall -Wextra -Werror -pedantic $cflags -c "$dest/h.c" -o "$dest/h.o"
done
if command -v c++ >/dev/null 2>&1; then
	cp "$dest/h.c" "$dest/h.cc"
	c++ -Wall -Wextra -Werror $cflags -c "$dest/h.cc" -o "$dest/h.o"
fi

# A sanitizer build of the library needs its runtime first in the client.
san=
objdump -p "$libdir/libkrun.so.1" | grep -q 'NEEDED *libasan' && san="$san -fsanitize=address"
objdump -p "$libdir/libkrun.so.1" | grep -q 'NEEDED *libubsan' && san="$san -fsanitize=undefined"

# Build the client like a client: installed flags, link with -lkrun.
$cc -std=gnu11 -Wall -Wextra -Werror $san $cflags "$client" -o "$dest/link_client" $libs -ldl
# It must have been linked against the soname, not a path.
objdump -p "$dest/link_client" | grep -q 'NEEDED *libkrun.so.1$' ||
	{ echo "client does not depend on libkrun.so.1"; exit 1; }

LD_LIBRARY_PATH=$libdir "$dest/link_client" "$symbols"
