#!/bin/bash
# Install everything kexboot needs to build and test on Debian 12 (root).
# Used by ./check, ./demo and .ci/run. Never installs kexec-tools (it would
# arm kexec for this host's next reboot).
set -euo pipefail
PKGS=(
	# build
	build-essential autoconf automake libtool pkg-config clang llvm libclang-rt-14-dev
	libtalloc-dev libudev-dev libblkid-dev libfdt-dev libncurses-dev libcmocka-dev
	zlib1g-dev libzstd-dev liblzma-dev liblz4-dev libbz2-dev libcrypt-dev libcurl4-openssl-dev
	# tests: filesystems, images, terminals, tools
	e2fsprogs dosfstools mtools xorriso btrfs-progs xfsprogs fdisk util-linux udev
	tmux jq valgrind device-tree-compiler cpio gzip xz-utils zstd lz4 bzip2 python3
	busybox-static gettext fusefat fuseiso strace
	# network boot tests: DHCP/TFTP server, netns and veth, the CA bundle for https
	dnsmasq-base iproute2 ca-certificates openssl python3-pyftpdlib tinyproxy-bin
	# test/network/build-udhcpc6.sh: busybox from Debian's source package (apt-get source)
	dpkg-dev
	# end-to-end boots in QEMU (test/e2e), without its ~400 recommended packages
	qemu-system-x86
	# tests: configs made by the real tools (u-boot-update; kernel-install is systemd's)
	u-boot-menu systemd
	# grub-mkconfig, grub-probe, grub-editenv (test-grub-mkconfig.sh, chrooted
	# into our own image): no grub-pc/grub-efi, nothing installed to a disk
	grub-common grub2-common
)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
