# discover/: the daemon and the parsers it shares with kexboot-probe.
include discover/parsers/local.mk
include discover/block.mk
include discover/config.mk
include discover/daemon.mk
include discover/network.mk
