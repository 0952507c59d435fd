# kexec-core/: the embedded kexec engine (library) — owned by the engine work.
KX_LIBS = kexec-core/libkexec-core.a $(KB_LIB) $(FDT_LIBS) $(ZLIB_LIBS) $(ZSTD_LIBS) \
	$(LZMA_LIBS) $(LZ4_LIBS) $(BZ2_LIBS)

noinst_LIBRARIES += kexec-core/libkexec-core.a
kexec_core_libkexec_core_a_CPPFLAGS = $(AM_CPPFLAGS) $(FDT_CFLAGS) $(ZLIB_CFLAGS) \
	$(ZSTD_CFLAGS) $(LZMA_CFLAGS)
kexec_core_libkexec_core_a_SOURCES = \
	kexec-core/kexec.h \
	kexec-core/sys.h kexec-core/sys.c kexec-core/sys-real.c kexec-core/sys-recording.c \
	kexec-core/util.h kexec-core/util.c \
	kexec-core/image.h kexec-core/image.c \
	kexec-core/img-bzimage.c kexec-core/img-arm64.c kexec-core/img-riscv.c \
	kexec-core/img-pe.c kexec-core/img-elf.c \
	kexec-core/compress.h kexec-core/compress.c \
	kexec-core/initrd.h kexec-core/initrd.c \
	kexec-core/dtb.h kexec-core/dtb.c \
	kexec-core/checks.h kexec-core/checks.c kexec-core/checks-kexec.c \
	kexec-core/checks-image.c kexec-core/checks-system.c kexec-core/checks-dtb.c \
	kexec-core/layout.h kexec-core/layout.c kexec-core/load.c kexec-core/exec.c \
	kexec-core/vcache.h kexec-core/vcache.c
nodist_kexec_core_libkexec_core_a_SOURCES = kexec-core/unsafe-drivers.inc
# The unsafe-driver table is embedded so the engine needs no data file at run time.
kexec-core/unsafe-drivers.inc: $(top_srcdir)/kexec-core/data/unsafe-drivers.txt
	$(AM_V_GEN)$(MKDIR_P) kexec-core && sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
kexec-core/libkexec_core_a-checks-system.$(OBJEXT): kexec-core/unsafe-drivers.inc
CLEANFILES += kexec-core/unsafe-drivers.inc
EXTRA_DIST += kexec-core/data/unsafe-drivers.txt

# Unit tests (test/kexec/): recording backend only, fixtures generated at test time.
if HAVE_CMOCKA
KX_TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS) $(FDT_CFLAGS)
KX_TEST_LIBS = $(KX_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += test/kexec/test-image
test_kexec_test_image_SOURCES = test/kexec/test-image.c test/kexec/fixtures.c test/kexec/fixtures.h
test_kexec_test_image_CPPFLAGS = $(KX_TEST_CPPFLAGS)
test_kexec_test_image_LDADD = $(KX_TEST_LIBS)
TESTS += test/kexec/test-image
check_PROGRAMS += test/kexec/test-initrd
test_kexec_test_initrd_SOURCES = test/kexec/test-initrd.c test/kexec/fixtures.c test/kexec/fixtures.h
test_kexec_test_initrd_CPPFLAGS = $(KX_TEST_CPPFLAGS)
test_kexec_test_initrd_LDADD = $(KX_TEST_LIBS)
TESTS += test/kexec/test-initrd
check_PROGRAMS += test/kexec/test-checks
test_kexec_test_checks_SOURCES = test/kexec/test-checks.c test/kexec/fixtures.c test/kexec/fixtures.h
test_kexec_test_checks_CPPFLAGS = $(KX_TEST_CPPFLAGS)
test_kexec_test_checks_LDADD = $(KX_TEST_LIBS)
TESTS += test/kexec/test-checks
check_PROGRAMS += test/kexec/test-load
test_kexec_test_load_SOURCES = test/kexec/test-load.c test/kexec/fixtures.c test/kexec/fixtures.h
test_kexec_test_load_CPPFLAGS = $(KX_TEST_CPPFLAGS)
test_kexec_test_load_LDADD = $(KX_TEST_LIBS)
TESTS += test/kexec/test-load
endif
TESTS += test/kexec/cli.sh
EXTRA_DIST += test/kexec/cli.sh
if HAVE_CMOCKA
endif
