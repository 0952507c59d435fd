# Parser unit tests (cmocka, in-memory filesystem) and kexboot-probe shell tests.
# Unit tests link test/parsers/no-grub2.c: a GRUB2 slot without a parser
# (the GRUB2 parser has its own tests under test/parsers/grub2/).
PARSER_TEST_COMMON = test/parsers/memfs.c test/parsers/memfs.h test/parsers/no-grub2.c \
	test/parsers/helpers.h
PARSER_TEST_LDADD = discover/libparsers.a $(KB_LIB) $(CMOCKA_LIBS)
if HAVE_CMOCKA
PARSER_TESTS = test/parsers/test-syslinux
check_PROGRAMS += $(PARSER_TESTS)
TESTS += $(PARSER_TESTS)
test_parsers_test_syslinux_SOURCES = test/parsers/test-syslinux.c $(PARSER_TEST_COMMON)
test_parsers_test_syslinux_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_parsers_test_syslinux_LDADD = $(PARSER_TEST_LDADD)
endif
