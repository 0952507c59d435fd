# kexboot-discover: the daemon (server, device registry, boot path, settings glue).
sbin_PROGRAMS += discover/kexboot-discover
discover_kexboot_discover_SOURCES = \
	discover/daemon.h discover/settings.h \
	discover/kexboot-discover.c \
	discover/server.c \
	discover/devices.c \
	discover/boot.c \
	discover/settings.c
discover_kexboot_discover_LDADD = discover/libparsers.a $(BLOCK_LIBS) $(KB_CONFIG_LIB) $(KX_LIBS) \
	$(KB_LIB)
