# kexboot-ctl: the command-line client.
bin_PROGRAMS += utils/kexboot-ctl
utils_kexboot_ctl_SOURCES = utils/kexboot-ctl.c
utils_kexboot_ctl_LDADD = $(KB_LIB)
