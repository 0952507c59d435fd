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
