#!/bin/bash
# doc/protocol.md must agree with lib/protocol.h: every message (name and
# number) in both and the same in both, the same protocol version, and every
# limit/flag constant of the header listed with the header's value.
#
#   test-protocol-doc.sh [HEADER DOC]   compare two files (default: the tree's)
#   test-protocol-doc.sh                also proves the comparison can fail,
#                                       on mutated copies
set -uo pipefail
srcdir=${srcdir:-$(dirname "$0")/../..}

# "NAME 0xNNNN" per message of the enum in protocol.h, sorted.
header_msgs() {
	sed -n 's/^[[:space:]]*KB_MSG_\([A-Z0-9_]*\)[[:space:]]*=[[:space:]]*\(0x[0-9a-fA-F]*\).*/\1 \2/p' "$1" |
		while read -r n v; do printf '%s 0x%04x\n' "$n" "$((v))"; done | sort
}

# The same from the messages table of protocol.md: | `0x0001` | `HELLO` | ...
doc_msgs() {
	sed -n 's/^|[[:space:]]*`\(0x[0-9a-fA-F]*\)`[[:space:]]*|[[:space:]]*`\([A-Z0-9_]*\)`[[:space:]]*|.*/\2 \1/p' "$1" |
		while read -r n v; do printf '%s 0x%04x\n' "$n" "$((v))"; done | sort
}

# Constants: "NAME VALUE" for the header's KB_MSG_MAX_*, KB_MSG_HEADER_SIZE,
# KB_HELLO_* and KB_BOOT_* defines, their C expressions evaluated.
header_consts() {
	sed -n 's/^#define[[:space:]]\{1,\}\(KB_\(MSG_MAX\|MSG_HEADER\|HELLO\|BOOT\)_[A-Z0-9_]*\)[[:space:]]\{1,\}\([^/]*\).*/\1 \3/p' "$1" |
		while read -r n expr; do
			expr=$(sed -e 's/\([0-9]\)[uU][lL]*/\1/g' <<<"$expr")
			printf '%s %d\n' "$n" "$((expr))"
		done | sort
}

# From protocol.md's constants table: | `KB_MSG_MAX_STRING` | 65536 | ...
doc_consts() {
	sed -n 's/^|[[:space:]]*`\(KB_[A-Z0-9_]*\)`[[:space:]]*|[[:space:]]*\([0-9][0-9]*\)[[:space:]]*|.*/\1 \2/p' "$1" | sort
}

check() { # HEADER DOC: prints every mismatch, returns 1 if any
	local h=$1 d=$2 bad=0 hv dv
	local hm dm
	hm=$(header_msgs "$h")
	dm=$(doc_msgs "$d")
	if [[ -z $hm ]]; then
		echo "no KB_MSG_* enum values found in $h"
		return 1
	fi
	if [[ $hm != "$dm" ]]; then
		echo "messages differ between $h (<) and $d (>):"
		diff <(echo "$hm") <(echo "$dm") | grep '^[<>]'
		bad=1
	fi
	hv=$(sed -n 's/^#define[[:space:]]*KB_PROTOCOL_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$h")
	dv=$(sed -n 's/^Protocol version:[[:space:]]*\([0-9]*\)[[:space:]]*$/\1/p' "$d")
	if [[ -z $hv || $hv != "$dv" ]]; then
		echo "protocol version: $h says '${hv}', $d says '${dv}' (a line 'Protocol version: N')"
		bad=1
	fi
	local hc dc
	hc=$(header_consts "$h")
	dc=$(doc_consts "$d")
	if [[ $hc != "$dc" ]]; then
		echo "constants differ between $h (<) and $d (>):"
		diff <(echo "$hc") <(echo "$dc") | grep '^[<>]'
		bad=1
	fi
	return $bad
}

if [[ $# -eq 2 ]]; then
	check "$1" "$2"
	exit
fi

H=$srcdir/lib/protocol.h
D=$srcdir/doc/protocol.md
for f in "$H" "$D"; do
	[[ -r $f ]] || { echo "FAIL: cannot read $f"; exit 1; }
done
fail=0
if check "$H" "$D"; then
	echo "ok: $(header_msgs "$H" | wc -l) messages, version and $(header_consts "$H" | wc -l) constants agree"
else
	echo "FAIL: doc/protocol.md disagrees with lib/protocol.h"
	fail=1
fi

# The comparison must be able to fail: each mutation must be caught.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mutate() { # NAME FILE SED-EXPR: FILE is h or d
	local what=$1 which=$2 expr=$3
	cp "$H" "$tmp/h"
	cp "$D" "$tmp/d"
	sed -i -e "$expr" "$tmp/$which"
	if cmp -s "$tmp/$which" "$([[ $which == h ]] && echo "$H" || echo "$D")"; then
		echo "FAIL: mutation '$what' changed nothing (the test's patterns are stale)"
		fail=1
	elif check "$tmp/h" "$tmp/d" >/dev/null; then
		echo "FAIL: mutation '$what' was not detected"
		fail=1
	fi
}
mutate "renumbered message in the header" h 's/\(KB_MSG_RESCAN[[:space:]]*=[[:space:]]*\)0x0202/\10x0209/'
mutate "new message in the header" h 's/^\(\tKB_MSG_EXIT_SHELL = 0x0208,.*\)$/\1\n\tKB_MSG_NEW_THING = 0x0209,/'
mutate "message missing from the doc" d '/`OPTION_REMOVE`/d'
mutate "renamed message in the doc" d 's/`SYNC_DONE`/`SYNCED`/'
mutate "version bump in the header" h 's/^#define KB_PROTOCOL_VERSION .*/#define KB_PROTOCOL_VERSION 2/'
mutate "limit changed in the header" h 's/^#define KB_MSG_MAX_ITEMS .*/#define KB_MSG_MAX_ITEMS 2048u/'
mutate "flag changed in the doc" d 's/^| `KB_BOOT_MATCH` | 8 |/| `KB_BOOT_MATCH` | 16 |/'
exit $fail
