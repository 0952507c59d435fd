# ui/ncurses/: kexboot-menu.
