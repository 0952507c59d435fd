# man/: manual pages, written in roff. The *.in sources get the version and
# the configured runtime paths substituted at build time.
KB_MAN8 = man/kexboot-discover.8 man/kexboot-menu.8 man/kexboot-ctl.8 man/kexboot-console.8 \
	man/kexboot-probe.8 man/kexboot-kexec.8
KB_MAN5 = man/kexboot.conf.5
man_MANS = $(KB_MAN8) $(KB_MAN5)
EXTRA_DIST += $(man_MANS:=.in)
CLEANFILES += $(man_MANS)

KB_SUBST = sed -e 's|@VERSION[@]|$(PACKAGE_VERSION)|g' \
	-e 's|@RUNTIME_DIR[@]|$(KB_RUNTIME_DIR)|g' \
	-e 's|@SOCKET[@]|$(KB_RUNTIME_DIR)/kexboot.sock|g' \
	-e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@localedir[@]|$(localedir)|g' \
	-e 's|@pkglibexecdir[@]|$(pkglibexecdir)|g'

man/%.8: $(srcdir)/man/%.8.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && $(KB_SUBST) $< > $@.tmp && mv $@.tmp $@
man/%.5: $(srcdir)/man/%.5.in Makefile
	$(AM_V_GEN)$(MKDIR_P) man && $(KB_SUBST) $< > $@.tmp && mv $@.tmp $@
