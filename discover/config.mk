# discover/config.mk: settings, their storage, autoboot policy and restricted
# mode, as a library the daemon links (no dependence on the server).
noinst_LIBRARIES += discover/libconfig.a
discover_libconfig_a_SOURCES = \
	discover/config.h discover/config.c \
	discover/config-store.h discover/config-store.c \
	discover/autoboot.h discover/autoboot.c \
	discover/auth.h discover/auth.c
KB_CONFIG_LIB = discover/libconfig.a $(KB_LIB) -lcrypt

if HAVE_CMOCKA
check_PROGRAMS += test/config/test-config test/config/test-config-store \
	test/config/test-autoboot test/config/test-auth
TESTS += test/config/test-config test/config/test-config-store \
	test/config/test-autoboot test/config/test-auth
test_config_test_config_SOURCES = test/config/test-config.c
test_config_test_config_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_config_test_config_LDADD = $(KB_CONFIG_LIB) $(CMOCKA_LIBS)
test_config_test_config_store_SOURCES = test/config/test-config-store.c
test_config_test_config_store_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_config_test_config_store_LDADD = $(KB_CONFIG_LIB) $(CMOCKA_LIBS)
test_config_test_autoboot_SOURCES = test/config/test-autoboot.c
test_config_test_autoboot_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_config_test_autoboot_LDADD = $(KB_CONFIG_LIB) $(CMOCKA_LIBS)
test_config_test_auth_SOURCES = test/config/test-auth.c
test_config_test_auth_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_config_test_auth_LDADD = $(KB_CONFIG_LIB) $(CMOCKA_LIBS)
endif
