# utils/: command-line tools.
include utils/probe.mk
