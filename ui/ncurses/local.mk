# ui/ncurses/: kexboot-menu, the ncurses boot menu (a client of the daemon).
bin_PROGRAMS += ui/ncurses/kexboot-menu
ui_ncurses_kexboot_menu_SOURCES = \
	ui/ncurses/ui.h \
	ui/ncurses/main.c \
	ui/ncurses/client.c \
	ui/ncurses/draw.c \
	ui/ncurses/model.h ui/ncurses/model.c \
	ui/ncurses/screen-main.c \
	ui/ncurses/screen-text.c \
	ui/ncurses/screen-boot.c \
	ui/ncurses/screen-form.c
ui_ncurses_kexboot_menu_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
ui_ncurses_kexboot_menu_LDADD = $(KB_LIB) $(NCURSES_LIBS)

# test/ui/: the menu driven through a real terminal (tmux) against a scripted
# fake daemon; test/ui/bench-3000.sh (not in TESTS) measures the menu's CPU.
check_PROGRAMS += test/ui/fake-server
test_ui_fake_server_SOURCES = test/ui/fake-server.c
test_ui_fake_server_LDADD = $(KB_LIB)
TESTS += test/ui/test-menu.sh
dist_noinst_SCRIPTS += test/ui/lib.sh test/ui/test-menu.sh test/ui/bench-3000.sh

if HAVE_CMOCKA
check_PROGRAMS += test/ui/test-model
TESTS += test/ui/test-model
test_ui_test_model_SOURCES = test/ui/test-model.c ui/ncurses/model.c ui/ncurses/model.h
test_ui_test_model_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_ui_test_model_LDADD = $(KB_LIB) $(CMOCKA_LIBS)
endif
