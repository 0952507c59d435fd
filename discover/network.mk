# Network boot: interfaces and DHCP (network.c, udhcpc-hook), PXE decisions
# (pxe.c, pure, shared with the fuzzers), downloads (download.c, libcurl) and
# the iPXE script parser.
discover_libparsers_a_SOURCES += discover/pxe.h discover/pxe.c discover/parsers/ipxe.c
discover_kexboot_discover_SOURCES += \
	discover/network.h discover/network.c \
	discover/download.h discover/download.c
# libcurl is dlopen()ed on the first download (discover/download.c)
discover_kexboot_discover_LDADD += -ldl
# the script udhcpc runs; the daemon finds it next to itself or in pkglibexecdir
pkglibexec_SCRIPTS = discover/udhcpc-hook
EXTRA_DIST += discover/udhcpc-hook
EXTRA_DIST += doc/network.md
AM_CPPFLAGS += $(CURL_CFLAGS) -DKB_UDHCPC_HOOK='"$(pkglibexecdir)/udhcpc-hook"'

if HAVE_CMOCKA
NET_TESTS = test/network/test-pxe test/network/test-ipxe test/network/test-download
check_PROGRAMS += $(NET_TESTS)
TESTS += $(NET_TESTS)
test_network_test_pxe_SOURCES = test/network/test-pxe.c
test_network_test_pxe_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_network_test_pxe_LDADD = discover/libparsers.a $(KB_LIB) $(CMOCKA_LIBS)
test_network_test_ipxe_SOURCES = test/network/test-ipxe.c test/parsers/memfs.c test/parsers/memfs.h
test_network_test_ipxe_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_network_test_ipxe_LDADD = discover/libparsers.a $(KB_LIB) $(CMOCKA_LIBS)
# download.c itself against test/network/dlserver.py on loopback
test_network_test_download_SOURCES = test/network/test-download.c \
	discover/download.h discover/download.c
test_network_test_download_CPPFLAGS = $(AM_CPPFLAGS) \
	-DKB_DLSERVER='"$(abs_top_srcdir)/test/network/dlserver.py"'
test_network_test_download_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_network_test_download_LDADD = discover/libparsers.a $(KB_LIB) -ldl $(CMOCKA_LIBS)
endif
EXTRA_DIST += test/network/dlserver.py

# Real DHCP/TFTP/HTTP servers in network namespaces (root).
TESTS += test/network/test-network.sh
dist_noinst_SCRIPTS += test/network/test-network.sh
EXTRA_DIST += test/network/netlib.sh
# DHCPv6 through the real busybox udhcpc6, built from Debian's busybox source
TESTS += test/network/test-dhcp6.sh
dist_noinst_SCRIPTS += test/network/test-dhcp6.sh test/network/build-udhcpc6.sh
