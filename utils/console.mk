# kexboot-console: one kexboot-menu per console (/proc/consoles, --console,
# the daemon's console setting), restarted when it exits.
bin_PROGRAMS += utils/kexboot-console
utils_kexboot_console_SOURCES = utils/kexboot-console.c
utils_kexboot_console_CPPFLAGS = $(AM_CPPFLAGS) -DKB_BINDIR='"$(bindir)"'
utils_kexboot_console_LDADD = $(KB_LIB)

# menus on pseudo-terminals against test/ui/fake-server (no root, no real
# consoles touched)
TESTS += test/ui/test-console.sh
dist_noinst_SCRIPTS += test/ui/test-console.sh test/ui/test-console.py
