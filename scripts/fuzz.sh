#!/bin/bash
# Build and run kexboot's libFuzzer targets (fuzz/fuzz-*.c).
#   scripts/fuzz.sh build            build every target into fuzz-build/
#   scripts/fuzz.sh run SECONDS      build, then run each target SECONDS with its
#                                    seed corpus (fuzz/corpus/NAME); prints
#                                    executions and coverage per target
# The libraries are compiled by clang with -fsanitize=fuzzer-no-link so the
# fuzzers see their coverage; targets link every library (the linker keeps
# only what each one uses).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${KB_FUZZ_BUILD:-$SRC/fuzz-build}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

build() {
	mkdir -p "$OUT"
	cd "$OUT"
	if [ ! -f Makefile ]; then
		[ -x "$SRC/configure" ] || (cd "$SRC" && ./autogen.sh)
		"$SRC/configure" -q CC=clang CFLAGS="-g -O1 -fsanitize=fuzzer-no-link $SAN" \
			LDFLAGS="$SAN"
	fi
	make -j"$(nproc)" lib/libkexboot.a discover/libparsers.a discover/libconfig.a \
		kexec-core/libkexec-core.a >/dev/null
	local libs
	libs="discover/libparsers.a discover/libconfig.a kexec-core/libkexec-core.a lib/libkexboot.a
		$(pkg-config --libs talloc libfdt zlib libzstd liblzma liblz4 2>/dev/null || echo -ltalloc -lfdt -lz -lzstd -llzma -llz4) -lbz2 -lcrypt"
	for f in "$SRC"/fuzz/fuzz-*.c; do
		local name
		name=$(basename "$f" .c)
		clang -g -O1 -fsanitize=fuzzer $SAN -D_GNU_SOURCE -I"$SRC" -I"$OUT" \
			$(pkg-config --cflags talloc) "$f" $libs -o "$OUT/$name"
	done
}

run() {
	local secs=$1 name corpus
	build
	for t in "$OUT"/fuzz-*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		corpus=$SRC/fuzz/corpus/${name#fuzz-}
		mkdir -p "$OUT/corpus-$name"
		echo "=== $name (${secs}s)"
		"$t" -max_total_time="$secs" -print_final_stats=1 "$OUT/corpus-$name" \
			$( [ -d "$corpus" ] && echo "$corpus" ) 2>&1 |
			grep -E "stat::number_of_executed_units|cov:|ERROR|SUMMARY" | tail -4
		[ "${PIPESTATUS[0]}" = 0 ] || { echo "FAIL: $name found a crash"; exit 1; }
	done
}

case "${1:-build}" in
build) build ;;
run) run "${2:-30}" ;;
*) echo "usage: $0 build | run SECONDS" >&2; exit 2 ;;
esac
