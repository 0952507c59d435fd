# lib/: shared by the daemon, the menu and the tools.
noinst_LIBRARIES += lib/libkexboot.a
lib_libkexboot_a_SOURCES = \
	lib/types.h lib/types.c \
	lib/log.h lib/log.c \
	lib/event.h lib/event.c \
	lib/protocol.h lib/protocol.c \
	lib/conn.h lib/conn.c
KB_LIB = lib/libkexboot.a $(TALLOC_LIBS)

# Unit tests for lib/ (cmocka).
if HAVE_CMOCKA
LIB_TESTS = test/unit/test-protocol test/unit/test-event test/unit/test-conn test/unit/test-log
check_PROGRAMS += $(LIB_TESTS)
TESTS += $(LIB_TESTS)
test_unit_test_protocol_SOURCES = test/unit/test-protocol.c
test_unit_test_protocol_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_unit_test_protocol_LDADD = $(KB_LIB) $(CMOCKA_LIBS)
test_unit_test_event_SOURCES = test/unit/test-event.c
test_unit_test_event_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_unit_test_event_LDADD = $(KB_LIB) $(CMOCKA_LIBS)
test_unit_test_conn_SOURCES = test/unit/test-conn.c
test_unit_test_conn_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_unit_test_conn_LDADD = $(KB_LIB) $(CMOCKA_LIBS)
test_unit_test_log_SOURCES = test/unit/test-log.c
test_unit_test_log_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_unit_test_log_LDADD = $(KB_LIB) $(CMOCKA_LIBS)
endif
lib_libkexboot_a_SOURCES += lib/json.h lib/json.c
