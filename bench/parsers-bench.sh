#!/bin/bash
# Instruction counts for the syslinux and BLS parsers on gen-configs.py inputs
# (1,000 entries each), measured with callgrind. Targets: syslinux <= 4 M,
# BLS (1,000 entry files) <= 7 M. The count covers the whole run of the
# driver (process start-up included), so it is an upper bound for parsing.
# usage: bench/parsers-bench.sh [BUILD_DIR] [GEN_CONFIGS_PY]
set -eu
B=${1:-.}
GEN=${2:-/work/shared/bench/gen-configs.py}
N=${N:-1000}
DRV=$B/bench/parsers-bench
[ -x "$DRV" ] || { echo "build $DRV first (make bench/parsers-bench)"; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

mkdir -p "$T/syslinux/extlinux" "$T/bls/loader"
python3 "$GEN" syslinux "$N" "$T/syslinux/extlinux/extlinux.conf"
python3 "$GEN" bls "$N" "$T/bls/loader/entries"
rm -f "$T/bls/loader/entries.grub.cfg" # the grub2 bench uses that one

count() {
	valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$DRV" "$1" > "$T/out" 2> "$T/err"
	local ir; ir=$(grep -m1 '^summary:' "$T/cg.out" | awk '{print $2}')
	printf '%-10s %6d entries: %12d instructions (%.2f M)  [%s]\n' "$2" "$N" "$ir" \
		"$(echo "$ir / 1000000" | bc -l)" "$(cat "$T/out")"
}
count "$T/syslinux" syslinux
count "$T/bls" bls
