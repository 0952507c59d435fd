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
	ui/ncurses/screen-form.c \
	ui/ncurses/i18n.h ui/ncurses/i18n.c
ui_ncurses_kexboot_menu_CPPFLAGS = $(AM_CPPFLAGS) -DKB_LOCALEDIR='"$(localedir)"'
ui_ncurses_kexboot_menu_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
ui_ncurses_kexboot_menu_LDADD = $(KB_LIB) $(NCURSES_LIBS)

# po/: the menu's messages (gettext domain "kexboot"). msgfmt is needed to
# build; po/kexboot.pot is regenerated with `make update-po-kexboot`.
KB_MSGFMT = msgfmt
kbfrmsgdir = $(localedir)/fr/LC_MESSAGES
kbfrmsg_DATA = po/locale/fr/LC_MESSAGES/kexboot.mo
po/locale/fr/LC_MESSAGES/kexboot.mo: $(srcdir)/po/fr.po
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(KB_MSGFMT) -c -o $@ $(srcdir)/po/fr.po
CLEANFILES += $(kbfrmsg_DATA)
EXTRA_DIST += po/fr.po po/kexboot.pot
update-po-kexboot:
	cd $(srcdir) && xgettext --from-code=UTF-8 -k_ -kN_ -kngettext:1,2 --add-comments \
		--package-name=kexboot -o po/kexboot.pot ui/ncurses/*.c && \
		msgmerge -U --backup=none po/fr.po po/kexboot.pot
.PHONY: update-po-kexboot

# test/ui/: the menu driven through a real terminal (tmux) against a scripted
# fake daemon; test/ui/bench-3000.sh (not in TESTS) measures the menu's CPU.
check_PROGRAMS += test/ui/fake-server
test_ui_fake_server_SOURCES = test/ui/fake-server.c
test_ui_fake_server_LDADD = $(KB_LIB)
TESTS += test/ui/test-menu.sh
# the same menu against the real daemon on loop disks (root; skips otherwise)
TESTS += test/ui/test-menu-daemon.sh
dist_noinst_SCRIPTS += test/ui/lib.sh test/ui/test-menu.sh test/ui/bench-3000.sh \
	test/ui/test-menu-daemon.sh

if HAVE_CMOCKA
check_PROGRAMS += test/ui/test-model
TESTS += test/ui/test-model
test_ui_test_model_SOURCES = test/ui/test-model.c ui/ncurses/model.c ui/ncurses/model.h
test_ui_test_model_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_ui_test_model_LDADD = $(KB_LIB) $(CMOCKA_LIBS)
endif
