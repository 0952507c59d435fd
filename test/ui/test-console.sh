#!/bin/sh
# kexboot-console on pseudo-terminals (see test-console.py); run from the
# build directory or with KB_BUILDDIR set.
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
[ -e /dev/ptmx ] || { echo "SKIP: no pseudo-terminals"; exit 77; }
exec python3 "$(dirname "$0")/test-console.py" "${KB_BUILDDIR:-.}"
