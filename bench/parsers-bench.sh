#!/bin/bash
# Instruction counts for the syslinux and BLS parsers on gen-configs.py inputs
# (1,000 entries each), measured with callgrind. Targets: syslinux <= 4 M,
# BLS (1,000 entry files) <= 7 M. Three counts per input:
#   whole   the driver's whole run (start-up, parse, freeing everything);
#   device  kb_parse_device: every parser tried on the device, as the
#           daemon does (--toggle-collect=kb_parse_device);
#   parser  the format's own parser on its input (syslinux_parse, bls_scan).
# Under valgrind openat2 is unknown (ENOSYS), so file opens take the
# component-walk resolver: that cost is counted too.
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

count() { # DIR NAME PARSER-FUNCTION
	local w d p
	valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$DRV" "$1" > "$T/out" 2> "$T/err"
	w=$(grep -m1 '^summary:' "$T/cg.out" | awk '{print $2}')
	valgrind --tool=callgrind --toggle-collect=kb_parse_device --callgrind-out-file="$T/cg.out" \
		"$DRV" "$1" > /dev/null 2> "$T/err"
	d=$(grep -m1 '^summary:' "$T/cg.out" | awk '{print $2}')
	valgrind --tool=callgrind --toggle-collect="$3" --callgrind-out-file="$T/cg.out" \
		"$DRV" "$1" > /dev/null 2> "$T/err"
	p=$(grep -m1 '^summary:' "$T/cg.out" | awk '{print $2}')
	printf '%-9s %5d entries: whole %6.2f M, device %6.2f M, parser %6.2f M  [%s]\n' "$2" "$N" \
		"$(echo "$w / 1000000" | bc -l)" "$(echo "$d / 1000000" | bc -l)" \
		"$(echo "$p / 1000000" | bc -l)" "$(cat "$T/out")"
}
count "$T/syslinux" syslinux syslinux_parse
count "$T/bls" bls bls_scan
