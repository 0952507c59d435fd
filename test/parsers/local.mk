# Parser unit tests (cmocka, in-memory filesystem) and kexboot-probe shell tests.
# Unit tests link test/parsers/no-grub2.c: a GRUB2 slot without a parser
# (the GRUB2 parser has its own tests under test/parsers/grub2/).
PARSER_TEST_COMMON = test/parsers/memfs.c test/parsers/memfs.h test/parsers/no-grub2.c \
	test/parsers/helpers.h
PARSER_TEST_LDADD = discover/libparsers.a $(KB_LIB) $(CMOCKA_LIBS)
if HAVE_CMOCKA
PARSER_TESTS = test/parsers/test-syslinux test/parsers/test-bls test/parsers/test-parser \
	test/parsers/test-parser-fs test/parsers/test-formats
check_PROGRAMS += $(PARSER_TESTS)
TESTS += $(PARSER_TESTS)
test_parsers_test_syslinux_SOURCES = test/parsers/test-syslinux.c $(PARSER_TEST_COMMON)
test_parsers_test_syslinux_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_parsers_test_syslinux_LDADD = $(PARSER_TEST_LDADD)
test_parsers_test_bls_SOURCES = test/parsers/test-bls.c $(PARSER_TEST_COMMON)
test_parsers_test_bls_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_parsers_test_bls_LDADD = $(PARSER_TEST_LDADD)
test_parsers_test_parser_SOURCES = test/parsers/test-parser.c $(PARSER_TEST_COMMON)
test_parsers_test_parser_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_parsers_test_parser_LDADD = $(PARSER_TEST_LDADD)
test_parsers_test_parser_fs_SOURCES = test/parsers/test-parser-fs.c $(PARSER_TEST_COMMON)
test_parsers_test_parser_fs_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_parsers_test_parser_fs_LDADD = $(PARSER_TEST_LDADD)
test_parsers_test_formats_SOURCES = test/parsers/test-formats.c $(PARSER_TEST_COMMON)
test_parsers_test_formats_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_parsers_test_formats_LDADD = $(PARSER_TEST_LDADD)
endif

# kexboot-probe on directory trees (and an ext4 image when run as root).
TESTS += test/parsers/test-probe.sh
dist_noinst_SCRIPTS += test/parsers/test-probe.sh

# Configs written by u-boot-update (u-boot-menu) and kernel-install (systemd)
# in private mount namespaces, parsed by kexboot-probe (root; else skipped).
TESTS += test/parsers/test-realtools.sh
dist_noinst_SCRIPTS += test/parsers/test-realtools.sh

# A grub.cfg (and grubenv) written by Debian's grub-mkconfig, grub-set-default
# and grub-reboot chrooted into an ext4 image on our own loop device, parsed
# by kexboot-probe (root, grub-common + grub2-common; else skipped).
TESTS += test/parsers/test-grub-mkconfig.sh
dist_noinst_SCRIPTS += test/parsers/test-grub-mkconfig.sh
