# GRUB2 parser: hand-written lexer, parser and interpreter for grub.cfg scripts.
discover_libparsers_a_SOURCES += \
	discover/parsers/grub2.h \
	discover/parsers/grub2.c \
	discover/parsers/grub2-lexer.c \
	discover/parsers/grub2-parser.c \
	discover/parsers/grub2-interp.c \
	discover/parsers/grub2-builtins.c \
	discover/parsers/grub2-blscfg.c

# Unit tests over an in-memory filesystem backend.
if HAVE_CMOCKA
check_PROGRAMS += test/parsers/grub2/test-grub2
TESTS += test/parsers/grub2/test-grub2
test_parsers_grub2_test_grub2_SOURCES = \
	test/parsers/grub2/test-grub2.c \
	test/parsers/grub2/memfs.h test/parsers/grub2/memfs.c
test_parsers_grub2_test_grub2_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_parsers_grub2_test_grub2_LDADD = discover/libparsers.a $(KB_LIB) $(CMOCKA_LIBS)
endif

# Benchmark driver (bench/grub2-bench.sh runs it under callgrind).
noinst_PROGRAMS += bench/grub2-bench
bench_grub2_bench_SOURCES = bench/grub2-bench.c \
	test/parsers/grub2/memfs.h test/parsers/grub2/memfs.c
bench_grub2_bench_LDADD = discover/libparsers.a $(KB_LIB)

EXTRA_DIST += bench/grub2-bench.sh fuzz/fuzz-grub2.c
