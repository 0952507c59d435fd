# utils/: command-line tools.
include utils/probe.mk
include utils/ctl.mk
include utils/kexec.mk
include utils/console.mk
