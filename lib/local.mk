# lib/: shared by the daemon, the menu and the tools.
noinst_LIBRARIES += lib/libkexboot.a
lib_libkexboot_a_SOURCES = \
	lib/types.h lib/types.c \
	lib/log.h lib/log.c \
	lib/event.h lib/event.c \
	lib/protocol.h lib/protocol.c \
	lib/conn.h lib/conn.c
KB_LIB = lib/libkexboot.a $(TALLOC_LIBS)
