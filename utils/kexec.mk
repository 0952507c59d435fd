# utils/kexboot-kexec: the engine's own CLI (owned by the engine work).
sbin_PROGRAMS += utils/kexboot-kexec
utils_kexboot_kexec_SOURCES = utils/kexboot-kexec.c
utils_kexboot_kexec_LDADD = $(KX_LIBS)
