# contrib/: bash completion, systemd units (disabled by default), and the
# Buildroot external tree and Yocto recipe (shipped in the tarball only).
bashcompletion_DATA = contrib/bash-completion/kexboot-ctl
EXTRA_DIST += contrib/bash-completion/kexboot-ctl

KB_UNITS_IN = contrib/systemd/kexboot-discover.service.in contrib/systemd/kexboot-menu@.service.in
EXTRA_DIST += $(KB_UNITS_IN)
if HAVE_SYSTEMD_UNITS
# Installed only with --with-systemdsystemunitdir; never enabled (no symlinks).
systemdsystemunit_DATA = contrib/systemd/kexboot-discover.service contrib/systemd/kexboot-menu@.service
CLEANFILES += $(systemdsystemunit_DATA)
endif
contrib/systemd/%.service: $(srcdir)/contrib/systemd/%.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd && $(KB_SUBST) $< > $@.tmp && mv $@.tmp $@

EXTRA_DIST += contrib/buildroot contrib/yocto contrib/README.md
