SUMMARY = "kexboot: a kexec-based bootloader"
DESCRIPTION = "kexboot-discover finds boot options on every disk (GRUB 2, \
syslinux/extlinux, BLS, UKI, yaboot, kboot, kexboot.conf), kexboot-menu shows \
them on every console, and the embedded kexec engine checks that the jump is \
safe before booting the chosen kernel; kexboot-ctl scripts it (JSON)."
SECTION = "bootloaders"
LICENSE = "GPL-2.0-or-later"
LIC_FILES_CHKSUM = "file://COPYING;md5=b234ee4d69f5fce4486a80fdaf4a4263"

# Point KEXBOOT_GIT_URI at the kexboot repository (local.conf), e.g.
# KEXBOOT_GIT_URI = "git://git.example.org/kexboot.git;protocol=https"
KEXBOOT_GIT_URI ??= "git://${TOPDIR}/../kexboot;protocol=file"
SRC_URI = "${KEXBOOT_GIT_URI};branch=main"
SRCREV ??= "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

DEPENDS = "talloc udev util-linux dtc ncurses zlib zstd xz lz4 bzip2 \
           virtual/crypt curl gettext-native"
# busybox's udhcpc is the DHCP client for network boot
RRECOMMENDS:${PN} = "busybox"

inherit autotools pkgconfig bash-completion systemd

EXTRA_OECONF = "--with-runtime-dir=/run/kexboot"

# Units are installed but never enabled: enable them in an image recipe or
# a preset if the target should run the menu under systemd.
PACKAGECONFIG ??= "${@bb.utils.filter('DISTRO_FEATURES', 'systemd', d)}"
PACKAGECONFIG[systemd] = "--with-systemdsystemunitdir=${systemd_system_unitdir},--without-systemdsystemunitdir"
SYSTEMD_SERVICE:${PN} = "kexboot-discover.service"
SYSTEMD_AUTO_ENABLE = "disable"

FILES:${PN} += "${systemd_system_unitdir}"
