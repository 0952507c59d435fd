#!/bin/bash
# GRUB2 parser benchmark: instruction counts (callgrind, the parse only) for
# grub-script and grub-plain with 1,000 entries, and peak RSS for
# grub-script with 10,000 entries, on inputs from shared/bench/gen-configs.py.
#   bench/grub2-bench.sh [BUILD_DIR]     (default: the current directory)
# Targets (doc: issue 3): script 1k <= 21 M, plain 1k <= 6 M, RSS 10k <= 27 MB.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-.}" && pwd)
GEN=${KB_GEN_CONFIGS:-$SRC/../shared/bench/gen-configs.py}
DRV=$BUILD/bench/grub2-bench
[ -x "$DRV" ] || make -C "$BUILD" bench/grub2-bench >/dev/null
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 77; }
[ -f "$GEN" ] || { echo "generator $GEN not found (set KB_GEN_CONFIGS)" >&2; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

instr() { # config [bls-dir]
	valgrind --tool=callgrind --toggle-collect=bench_parse \
		--callgrind-out-file="$TMP/cg.out" "$DRV" "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

python3 "$GEN" grub-script 1000 "$TMP/script1k.cfg"
python3 "$GEN" grub-plain 1000 "$TMP/plain1k.cfg"
python3 "$GEN" grub-script 10000 "$TMP/script10k.cfg"
python3 "$GEN" bls 1000 "$TMP/bls"

printf '%-34s %s\n' "grub-script 1000 (instructions)" "$(instr "$TMP/script1k.cfg")"
printf '%-34s %s\n' "grub-plain 1000 (instructions)" "$(instr "$TMP/plain1k.cfg")"
printf '%-34s %s\n' "blscfg 1000 entries (instructions)" "$(instr "$TMP/bls.grub.cfg" "$TMP/bls")"
rss=$("$DRV" "$TMP/script10k.cfg" | sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p')
printf '%-34s %s KiB (whole process, input file included)\n' "grub-script 10000 peak RSS" "$rss"
"$DRV" "$TMP/script10k.cfg" | head -1
