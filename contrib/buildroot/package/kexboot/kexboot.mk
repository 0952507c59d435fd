################################################################################
#
# kexboot
#
################################################################################

KEXBOOT_VERSION = 0.1.0
KEXBOOT_LICENSE = GPL-2.0+
KEXBOOT_LICENSE_FILES = COPYING
# Built from the source tree this external tree lives in. To build a release
# or a git tree instead, set KEXBOOT_SITE/KEXBOOT_SITE_METHOD here, or point
# KEXBOOT_OVERRIDE_SRCDIR (local.mk) at a checkout.
KEXBOOT_SITE = $(realpath $(BR2_EXTERNAL_KEXBOOT_PATH)/../..)
KEXBOOT_SITE_METHOD = local
# A git checkout has no configure script yet.
KEXBOOT_AUTORECONF = YES
KEXBOOT_DEPENDENCIES = host-pkgconf host-gettext \
	talloc udev util-linux dtc ncurses zlib zstd xz lz4 bzip2 libcurl \
	$(if $(BR2_PACKAGE_LIBXCRYPT),libxcrypt) \
	$(if $(BR2_PACKAGE_BUSYBOX),busybox)
KEXBOOT_CONF_OPTS = --with-runtime-dir=/run/kexboot

ifeq ($(BR2_INIT_SYSTEMD),y)
# installed, not enabled: enable them in a post-build script or preset
KEXBOOT_CONF_OPTS += --with-systemdsystemunitdir=/usr/lib/systemd/system
else
KEXBOOT_CONF_OPTS += --without-systemdsystemunitdir
endif

ifeq ($(BR2_PACKAGE_KEXBOOT_INIT),y)
define KEXBOOT_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(BR2_EXTERNAL_KEXBOOT_PATH)/package/kexboot/S60kexboot \
		$(TARGET_DIR)/etc/init.d/S60kexboot
	$(SED) 's|@CONSOLES@|$(call qstrip,$(BR2_PACKAGE_KEXBOOT_CONSOLES))|' \
		-e 's|@STATE@|$(call qstrip,$(BR2_PACKAGE_KEXBOOT_STATE))|' \
		$(TARGET_DIR)/etc/init.d/S60kexboot
endef
endif

$(eval $(autotools-package))
