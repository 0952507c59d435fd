# Parser framework and parsers (library shared by kexboot-discover and kexboot-probe).
noinst_LIBRARIES += discover/libparsers.a
discover_libparsers_a_SOURCES = \
	discover/parser.h discover/parser.c \
	discover/parser-fs.h discover/parser-fs.c \
	discover/parsers/util.h discover/parsers/util.c \
	discover/parsers/native.c \
	discover/parsers/bls.h discover/parsers/bls.c \
	discover/parsers/uki.c \
	discover/parsers/syslinux.c \
	discover/parsers/yaboot.c \
	discover/parsers/kboot.c

# The GRUB2 parser (another fragment) adds its sources to discover_libparsers_a_SOURCES.
include discover/parsers/grub2.mk
include test/parsers/local.mk

# Parser benchmark driver (bench/parsers-bench.sh runs it under callgrind).
noinst_PROGRAMS += bench/parsers-bench
bench_parsers_bench_SOURCES = bench/parsers-bench.c
bench_parsers_bench_LDADD = discover/libparsers.a $(KB_LIB)
EXTRA_DIST += bench/parsers-bench.sh
