#!/bin/bash
# Stripped sizes of the daemon and the menu (BRIEF: <= 400 KB together, the
# kexec engine inside), built the way a firmware image would be:
# ./configure --enable-small (-Os, LTO, section GC, no unwind tables).
#   bench/size.sh [BUILDDIR]   (default: a temporary directory)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$(mktemp -d /tmp/kexboot-size.XXXXXX)}
mkdir -p "$B" && cd "$B"
[ -x "$SRC/configure" ] || (cd "$SRC" && ./autogen.sh >/dev/null)
[ -f Makefile ] || "$SRC/configure" -q --enable-small
make -j"$(nproc)" discover/kexboot-discover ui/ncurses/kexboot-menu >/dev/null
total=0
for b in discover/kexboot-discover ui/ncurses/kexboot-menu; do
	strip -o "$B/stripped" "$b"
	s=$(stat -c %s "$B/stripped")
	total=$((total + s))
	printf '%-26s %7d bytes\n' "$(basename "$b")" "$s"
done
printf '%-26s %7d bytes (%d KB)\n' "daemon + menu" "$total" $((total / 1024))
