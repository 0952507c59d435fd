# shellcheck shell=bash
# Shared by test/e2e/run.sh and test/e2e/demo.sh: fetch a real Debian kernel
# (cached), build the firmware initramfs, the stage-2 test initrd and the
# sample disks. Source it after setting SRC (source tree) and B (build tree).
# Needs root for nothing but apt-get: disks are built without mounts.

E2E_CACHE=${KEXBOOT_E2E_CACHE:-}
if [ -z "$E2E_CACHE" ]; then
	if mkdir -p /var/cache/kexboot-e2e 2>/dev/null && [ -w /var/cache/kexboot-e2e ]; then
		E2E_CACHE=/var/cache/kexboot-e2e
	else
		E2E_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kexboot-e2e
	fi
fi
# modules the firmware loads on Debian's cloud kernel (NVMe, ext4 are built in)
E2E_MODULES="virtio_pci virtio_blk virtio_net vfat nls_cp437 nls_iso8859_1 nls_ascii nls_utf8 isofs"
# the marker the stage-2 initrd prints
E2E_MARK=KEXBOOT-E2E-CMDLINE

# e2e_fetch_kernel ARCH: sets KVER and KROOT (an extracted linux-image .deb),
# KERNEL (its vmlinuz). Returns 1 when no kernel can be had.
e2e_fetch_kernel() {
	local arch=${1:-amd64} flavour pkg deb
	case $arch in
	amd64) flavour=cloud-amd64 ;;
	ppc64el) flavour=powerpc64le ;;
	*) flavour=$arch ;;
	esac
	mkdir -p "$E2E_CACHE" || return 1
	pkg=$(apt-cache depends "linux-image-$flavour" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-image-[0-9].*-$flavour\)\$/\1/p" | sort -V | tail -1)
	if [ -z "$pkg" ]; then
		# no apt metadata: fall back to whatever is cached
		pkg=$(cd "$E2E_CACHE" && ls -d linux-image-*-"$flavour" 2>/dev/null | sort -V | tail -1)
		[ -n "$pkg" ] || return 1
	fi
	KVER=${pkg#linux-image-}
	KROOT=$E2E_CACHE/$pkg
	if [ ! -f "$KROOT/.done" ]; then
		deb=$(ls "$E2E_CACHE/${pkg}"_*.deb 2>/dev/null | tail -1)
		if [ -z "$deb" ]; then
			(cd "$E2E_CACHE" && apt-get download -q "$pkg" >/dev/null 2>&1) || return 1
			deb=$(ls "$E2E_CACHE/${pkg}"_*.deb 2>/dev/null | tail -1)
			[ -n "$deb" ] || return 1
		fi
		rm -rf "$KROOT"
		dpkg-deb -x "$deb" "$KROOT" || return 1
		touch "$KROOT/.done"
	fi
	KERNEL=$(ls "$KROOT"/boot/vmlinu[xz]-"$KVER" 2>/dev/null | head -1)
	[ -n "$KERNEL" ]
}

# e2e_firmware OUT: the firmware initramfs for the fetched kernel.
e2e_firmware() {
	"$SRC/utils/mkimage/mkimage.sh" --builddir "$B" --kernel-root "$KROOT" --kver "$KVER" \
		--kconfig "$KROOT/boot/config-$KVER" --modules "$E2E_MODULES" "$1"
}

# e2e_stage2 OUT: busybox ($E2E_BUSYBOX, default the host's) initrd whose /init prints "$E2E_MARK: <cmdline>" and powers off.
e2e_stage2() {
	local r
	r=$(mktemp -d "${TMPDIR:-/tmp}/kexboot-stage2.XXXXXX")
	mkdir -p "$r"/{bin,proc,dev}
	cp "${E2E_BUSYBOX:-/bin/busybox}" "$r/bin/busybox"
	for a in sh mount cat echo poweroff sleep cut; do ln -s busybox "$r/bin/$a"; done
	cat > "$r/init" <<EOF
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
echo "$E2E_MARK: \$(cat /proc/cmdline)"
echo "KEXBOOT-E2E-UPTIME: \$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
EOF
	chmod 755 "$r/init"
	(cd "$r" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet --owner=0:0 | gzip -9) > "$1"
	rm -rf "$r"
}

# e2e_corrupt IN OUT: a copy of a gzip'd initrd with one byte of its
# compressed data flipped (the gzip CRC no longer matches).
e2e_corrupt() {
	local size off
	cp "$1" "$2"
	size=$(stat -c %s "$2")
	off=$((size / 2))
	printf "$(printf '\\%03o' $((($(od -An -tu1 -j$off -N1 "$2") ^ 0xff))))" |
		dd of="$2" bs=1 seek=$off conv=notrunc status=none
}

# vfat_fill IMG DIR: copy DIR's tree into a vfat image with mtools.
vfat_fill() {
	local d f
	(cd "$2" && for d in $(find . -mindepth 1 -type d | sed 's|^\./||' | sort); do
		mmd -i "$1" "::/$d"
	done
	for f in $(find . -type f | sed 's|^\./||'); do
		mcopy -i "$1" "$f" "::/$f"
	done)
}

# e2e_disks DIR: sample disks holding $KERNEL and DIR/stage2.img
#   grub.img     ext4, /boot/grub/grub.cfg, default = 2nd entry (by id)
#   extlinux.img GPT, partition 1 vfat (ESP) with /extlinux/extlinux.conf, 3 labels
#   bls.img      ext4 with /loader/entries (two versions)
#   corrupt.img  ext4 grub.cfg: default entry's initrd corrupt, 2nd entry good
# Each entry's command line names its case: E2E_ARGS_<case> hold them.
e2e_disks() {
	local W=$1 k=$KERNEL s=$1/stage2.img
	rm -rf "$W/d"
	mkdir -p "$W/d/grub/boot/grub" "$W/d/ext/extlinux" "$W/d/bls/loader/entries" "$W/d/corrupt/boot/grub"
	C="console=ttyS0"
	E2E_ARGS_grub="$C e2e.case=grub-default e2e.var=expanded root=/dev/null"
	E2E_ARGS_ext="$C e2e.case=extlinux-third panic=-1"
	E2E_ARGS_bls="$C e2e.case=bls-older e2e.extra=1"
	E2E_ARGS_good="$C e2e.case=after-corrupt"
	E2E_ARGS_pxe="$C e2e.case=pxe-tftp"

	cp "$k" "$W/d/grub/boot/vmlinuz-$KVER"
	cp "$s" "$W/d/grub/boot/initrd.img-$KVER"
	cat > "$W/d/grub/boot/grub/grub.cfg" <<EOF
set default=e2e-second
set timeout=5
set e2evar=expanded
menuentry 'E2E grub first' --id e2e-first {
	linux /boot/vmlinuz-$KVER $C e2e.case=grub-first
	initrd /boot/initrd.img-$KVER
}
menuentry 'E2E grub second' --id e2e-second {
	linux /boot/vmlinuz-$KVER $C e2e.case=grub-default e2e.var=\$e2evar root=/dev/null
	initrd /boot/initrd.img-$KVER
}
EOF
	mkfs.ext4 -q -F -L E2EGRUB -d "$W/d/grub" "$W/grub.img" 48M >/dev/null

	cp "$k" "$W/d/ext/vmlinuz"
	cp "$s" "$W/d/ext/initrd.img"
	cat > "$W/d/ext/extlinux/extlinux.conf" <<EOF
DEFAULT one
TIMEOUT 50
LABEL one
  MENU LABEL E2E extlinux one
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND $C e2e.case=extlinux-one
LABEL two
  MENU LABEL E2E extlinux two
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND $C e2e.case=extlinux-two
LABEL three
  MENU LABEL E2E extlinux three
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND $E2E_ARGS_ext
EOF
	rm -f "$W/extlinux.img" "$W/p1.vfat"
	truncate -s 48M "$W/extlinux.img"
	printf 'label: gpt\nstart=2048, size=94208, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="E2EESP"\n' |
		sfdisk -q "$W/extlinux.img"
	mkfs.vfat -C -n E2EVFAT "$W/p1.vfat" $((94208 / 2)) >/dev/null
	vfat_fill "$W/p1.vfat" "$W/d/ext"
	dd if="$W/p1.vfat" of="$W/extlinux.img" bs=512 seek=2048 conv=notrunc status=none
	rm -f "$W/p1.vfat"

	cp "$k" "$W/d/bls/vmlinuz-6.9.1"
	cp "$k" "$W/d/bls/vmlinuz-6.1.0"
	cp "$s" "$W/d/bls/initrd-e2e.img"
	cat > "$W/d/bls/loader/entries/e2e-6.9.1.conf" <<EOF
title E2E BLS newer
version 6.9.1
linux /vmlinuz-6.9.1
initrd /initrd-e2e.img
options $C e2e.case=bls-newer
EOF
	cat > "$W/d/bls/loader/entries/e2e-6.1.0.conf" <<EOF
title E2E BLS older
version 6.1.0
linux /vmlinuz-6.1.0
initrd /initrd-e2e.img
options $E2E_ARGS_bls
EOF
	mkfs.ext4 -q -F -L E2EBLS -d "$W/d/bls" "$W/bls.img" 48M >/dev/null

	cp "$k" "$W/d/corrupt/boot/vmlinuz"
	cp "$s" "$W/d/corrupt/boot/initrd-good.img"
	e2e_corrupt "$s" "$W/d/corrupt/boot/initrd-bad.img"
	cat > "$W/d/corrupt/boot/grub/grub.cfg" <<EOF
set default=0
menuentry 'E2E corrupt initrd' {
	linux /boot/vmlinuz $C e2e.case=corrupt
	initrd /boot/initrd-bad.img
}
menuentry 'E2E good after corrupt' {
	linux /boot/vmlinuz $E2E_ARGS_good
	initrd /boot/initrd-good.img
}
EOF
	mkfs.ext4 -q -F -L E2EBAD -d "$W/d/corrupt" "$W/corrupt.img" 48M >/dev/null
}

# e2e_iso DIR: DIR/iso.img, iso9660 with /isolinux/isolinux.cfg (demo disk)
e2e_iso() {
	local W=$1
	rm -rf "$W/d/iso"
	mkdir -p "$W/d/iso/isolinux" "$W/d/iso/live"
	cp "$KERNEL" "$W/d/iso/live/vmlinuz"
	cp "$W/stage2.img" "$W/d/iso/live/initrd.img"
	cat > "$W/d/iso/isolinux/isolinux.cfg" <<EOF
DEFAULT live
LABEL live
  MENU LABEL E2E live system (iso9660)
  KERNEL /live/vmlinuz
  APPEND initrd=/live/initrd.img console=ttyS0 e2e.case=isolinux
EOF
	xorriso -as mkisofs -quiet -V E2EISO -R -J -o "$W/iso.img" "$W/d/iso" 2>/dev/null
}

# --- arm64 (Debian's arm64 kernel: no KEXEC_FILE, so the engine's native
# kexec_load path with the running device tree). test/e2e/setup-arm64.sh
# prepares the sysroot, the kernel and the cross build these use. ---
E2E_ARM64_MODULES="virtio_mmio virtio_pci virtio_blk crc32c_generic ext4 vfat nls_cp437 nls_iso8859_1 nls_ascii nls_utf8"
E2E_ARM64_SYSROOT=$E2E_CACHE/arm64-sysroot

# e2e_firmware_arm64 BUILDDIR OUT
e2e_firmware_arm64() {
	local S=$E2E_ARM64_SYSROOT
	"$SRC/utils/mkimage/mkimage.sh" --arch arm64 --builddir "$1" --busybox "$S/bin/busybox" \
		--libdir "$S/lib/aarch64-linux-gnu" --libdir "$S/usr/lib/aarch64-linux-gnu" \
		--kernel-root "$KROOT" --kver "$KVER" --kconfig "$KROOT/boot/config-$KVER" \
		--modules "$E2E_ARM64_MODULES" "$2"
}

# e2e_disk_arm64 DIR: DIR/arm64.img, ext4 with a grub.cfg whose default entry
# boots $KERNEL with DIR/stage2-arm64.img; E2E_ARGS_arm64 its command line.
e2e_disk_arm64() {
	local W=$1
	E2E_ARGS_arm64="console=ttyAMA0 e2e.case=arm64-kexec-load"
	rm -rf "$W/d/arm64"
	mkdir -p "$W/d/arm64/boot/grub"
	cp "$KERNEL" "$W/d/arm64/boot/Image"
	cp "$W/stage2-arm64.img" "$W/d/arm64/boot/initrd.img"
	cat > "$W/d/arm64/boot/grub/grub.cfg" <<EOF
set default=0
menuentry 'E2E arm64 Image' {
	linux /boot/Image $E2E_ARGS_arm64
	initrd /boot/initrd.img
}
EOF
	mkfs.ext4 -q -F -L E2EARM64 -d "$W/d/arm64" "$W/arm64.img" 96M >/dev/null
}

# e2e_qemu_arm64 FWIMG KERNEL-ARGS QEMU-ARGS...: as e2e_qemu_x86
e2e_qemu_arm64() {
	local fw=$1 args=$2
	shift 2
	printf '%s\n' qemu-system-aarch64 -M virt -cpu cortex-a57 -m 1024 -smp 1 -nographic \
		-no-reboot -nic none -kernel "$KERNEL" -initrd "$fw" \
		-append "console=ttyAMA0 quiet panic=-1 $args" "$@"
}

# --- ppc64el (Debian's ppc64el kernel, an ELF vmlinux: no KEXEC_FILE, and
# the engine has no native kexec_load path for ppc64, so it falls back to the
# kexec-tools binary in the image). test/e2e/setup-ppc64el.sh prepares the
# sysroot, the extracted kexec-tools, the kernel and the cross build. ---
E2E_PPC64EL_SYSROOT=$E2E_CACHE/ppc64el-sysroot
E2E_PPC64EL_KEXEC=$E2E_CACHE/ppc64el-kexec-tools
E2E_PPC64EL_MODULES="virtio_pci virtio_blk crc32c_generic ext4"

# e2e_firmware_ppc64el BUILDDIR OUT: with kexec-tools (and its libraries) as /sbin/kexec
e2e_firmware_ppc64el() {
	local S=$E2E_PPC64EL_SYSROOT T=powerpc64le-linux-gnu
	"$SRC/utils/mkimage/mkimage.sh" --arch ppc64el --builddir "$1" --busybox "$S/bin/busybox" \
		--libdir "$S/lib/$T" --libdir "$S/usr/lib/$T" \
		--kernel-root "$KROOT" --kver "$KVER" --kconfig "$KROOT/boot/config-$KVER" \
		--modules "$E2E_PPC64EL_MODULES" --add-program "$E2E_PPC64EL_KEXEC/sbin/kexec:/sbin/kexec" "$2"
}

# e2e_kernel_ppc64el OUT: $KERNEL without its symbols (the ELF vmlinux is
# mostly symbols); sets KERNEL to OUT.
e2e_kernel_ppc64el() {
	powerpc64le-linux-gnu-strip -o "$1" "$KERNEL" && KERNEL=$1
}

# e2e_disk_ppc64el DIR: DIR/ppc64el.img, ext4 with a grub.cfg of two entries
# booting $KERNEL with DIR/stage2-ppc64el.img, the first the default;
# E2E_ARGS_ppc64el is the second's command line.
e2e_disk_ppc64el() {
	local W=$1
	E2E_ARGS_ppc64el="console=hvc0 e2e.case=ppc64el-second"
	rm -rf "$W/d/ppc64el"
	mkdir -p "$W/d/ppc64el/boot/grub"
	cp "$KERNEL" "$W/d/ppc64el/boot/vmlinux"
	cp "$W/stage2-ppc64el.img" "$W/d/ppc64el/boot/initrd.img"
	cat > "$W/d/ppc64el/boot/grub/grub.cfg" <<EOF
set default=0
set timeout=30
menuentry 'E2E ppc64el first' {
	linux /boot/vmlinux console=hvc0 e2e.case=ppc64el-first
	initrd /boot/initrd.img
}
menuentry 'E2E ppc64el second' {
	linux /boot/vmlinux $E2E_ARGS_ppc64el
	initrd /boot/initrd.img
}
EOF
	mkfs.ext4 -q -F -L E2EPPC -d "$W/d/ppc64el" "$W/ppc64el.img" 128M >/dev/null
}

# e2e_qemu_ppc64el FWIMG KERNEL-ARGS QEMU-ARGS...: as e2e_qemu_x86 (pseries,
# TCG; the console is the first spapr-vty, hvc0)
e2e_qemu_ppc64el() {
	local fw=$1 args=$2
	shift 2
	printf '%s\n' qemu-system-ppc64 -M pseries -accel tcg -m 2048 -smp 1 -nographic \
		-no-reboot -nic none -vga none -kernel "$KERNEL" -initrd "$fw" \
		-append "console=hvc0 quiet panic=-1 $args" "$@"
}

# e2e_qemu_x86 FWIMG KERNEL-ARGS QEMU-ARGS...: the QEMU command line, one
# word a line (read it with mapfile). The serial console is QEMU's stdio:
# pass "-serial stdio -monitor none" for a program, nothing for a terminal
# (-nographic then multiplexes the console and the monitor: Ctrl-A X quits).
e2e_qemu_x86() {
	local fw=$1 args=$2
	shift 2
	printf '%s\n' qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nographic -no-reboot \
		-nic none -kernel "$KERNEL" -initrd "$fw" \
		-append "console=ttyS0 quiet panic=-1 $args" "$@"
}
