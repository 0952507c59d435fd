# kexboot-probe: offline config parsing (the daemon's parsers, no daemon).
bin_PROGRAMS += utils/kexboot-probe
utils_kexboot_probe_SOURCES = utils/kexboot-probe.c
utils_kexboot_probe_CFLAGS = $(AM_CFLAGS) $(BLKID_CFLAGS)
utils_kexboot_probe_LDADD = discover/libparsers.a $(KB_LIB) $(BLKID_LIBS)
