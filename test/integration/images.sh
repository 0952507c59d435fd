# Sample disk images for the integration tests and the demo: each holds a
# kernel, an initrd and a boot config of one format on one filesystem.
# make_sample_images DIR writes DIR/{ext4,gpt,iso,btrfs,xfs,dirty}.img
# (the last an ext4 whose journal needs recovery). Needs root (xfs and the
# dirty ext4 are filled through a temporary loop mount, undone before return).
# UUIDs are fresh each run: btrfs and xfs refuse a second filesystem with a
# UUID they already know, so fixed ones would collide between runs.

EXT4_UUID=$(cat /proc/sys/kernel/random/uuid)
BTRFS_UUID=$(cat /proc/sys/kernel/random/uuid)
XFS_UUID=$(cat /proc/sys/kernel/random/uuid)
DIRTY_UUID=$(cat /proc/sys/kernel/random/uuid)
P1_UUID=$(cat /proc/sys/kernel/random/uuid)
P2_UUID=$(cat /proc/sys/kernel/random/uuid)

make_sample_images() {
	local W=$1 i p

	mkdir -p "$W/ext4/boot/grub" "$W/iso/isolinux" "$W/iso/live" "$W/btrfs/boot/syslinux" \
		"$W/xfs/boot/grub2" "$W/dirty/extlinux" "$W/p1/extlinux" "$W/p2/loader/entries"
	# a synthetic bzImage and a gzip'd cpio: the engine's preflight accepts them
	python3 "$FIXTURES/mkbzimage.py" "$W/kernel"
	python3 "$FIXTURES/mkinitrd.py" "$W/initrd"

	cp "$W/kernel" "$W/ext4/boot/vmlinuz-6.1.0-9-amd64"
	cp "$W/initrd" "$W/ext4/boot/initrd.img-6.1.0-9-amd64"
	cat > "$W/ext4/boot/grub/grub.cfg" <<EOF
set default="debian-rescue"
set timeout=5
menuentry 'Debian GNU/Linux' --id debian {
	linux /boot/vmlinuz-6.1.0-9-amd64 root=UUID=$EXT4_UUID ro quiet
	initrd /boot/initrd.img-6.1.0-9-amd64
}
menuentry 'Debian GNU/Linux (rescue)' --id debian-rescue {
	linux /boot/vmlinuz-6.1.0-9-amd64 root=UUID=$EXT4_UUID ro single
	initrd /boot/initrd.img-6.1.0-9-amd64
}
EOF
	mkfs.ext4 -q -F -L KBEXT4 -U $EXT4_UUID -d "$W/ext4" "$W/ext4.img" 16M

	cp "$W/kernel" "$W/iso/live/vmlinuz"
	cp "$W/initrd" "$W/iso/live/initrd.img"
	cat > "$W/iso/isolinux/isolinux.cfg" <<'EOF'
DEFAULT live
LABEL live
  MENU LABEL Live system
  KERNEL /live/vmlinuz
  APPEND initrd=/live/initrd.img boot=live quiet
EOF
	xorriso -as mkisofs -quiet -V KBISO -R -o "$W/iso.img" "$W/iso" 2>/dev/null

	cp "$W/kernel" "$W/btrfs/boot/vmlinuz"
	cat > "$W/btrfs/boot/syslinux/syslinux.cfg" <<'EOF'
LABEL btr
  MENU LABEL Btrfs Linux
  LINUX /boot/vmlinuz
  APPEND root=LABEL=KBBTRFS rw
EOF
	truncate -s 128M "$W/btrfs.img"
	mkfs.btrfs -q -f -L KBBTRFS -U $BTRFS_UUID --rootdir "$W/btrfs" "$W/btrfs.img" >/dev/null

	# xfs cannot be populated offline: fill it through a mount of our own first
	truncate -s 300M "$W/xfs.img"
	mkfs.xfs -q -f -L KBXFS -m uuid=$XFS_UUID "$W/xfs.img"
	mkdir -p "$W/m"
	mount -o loop "$W/xfs.img" "$W/m"
	mkdir -p "$W/m/boot/grub2"
	cp "$W/kernel" "$W/m/boot/vmlinuz-xfs"
	cat > "$W/m/boot/grub2/grub.cfg" <<'EOF'
menuentry 'Fedora on xfs' {
	linux /boot/vmlinuz-xfs root=LABEL=KBXFS ro
}
EOF
	umount "$W/m"

	# an ext4 whose journal needs recovery: copy the image while it is mounted
	# and written to
	cp "$W/kernel" "$W/dirty/vmlinuz"
	cat > "$W/dirty/extlinux/extlinux.conf" <<'EOF'
LABEL dirty
  LINUX /vmlinuz
  APPEND root=LABEL=KBDIRTY
EOF
	mkfs.ext4 -q -F -L KBDIRTY -U $DIRTY_UUID -d "$W/dirty" "$W/dirty-src.img" 16M
	mount -o loop "$W/dirty-src.img" "$W/m"
	for i in $(seq 20); do echo "$i" > "$W/m/file$i"; done
	sync -f "$W/m/file1"
	cp --sparse=always "$W/dirty-src.img" "$W/dirty.img"
	umount "$W/m"

	# GPT: p1 vfat with extlinux.conf, p2 vfat with a BLS entry
	truncate -s 64M "$W/gpt.img"
	sfdisk -q "$W/gpt.img" <<EOF
label: gpt
start=2048, size=40960, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$P1_UUID, name="kb-esp"
start=43008, size=40960, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$P2_UUID, name="kb-boot"
EOF
	cat > "$W/p1/extlinux/extlinux.conf" <<'EOF'
DEFAULT board
LABEL board
  MENU LABEL Board Linux
  LINUX /Image
  INITRD /initrd.img
  APPEND console=ttyS0,115200 root=PARTLABEL=kb-boot
EOF
	cat > "$W/p2/loader/entries/fedora.conf" <<'EOF'
title Fedora Linux 39
version 6.5.6-300.fc39.x86_64
linux /vmlinuz-6.5.6
options root=UUID=abcd ro rhgb
EOF
	for p in 1 2; do
		mkfs.vfat -n KBPART$p -C "$W/p$p.img" 20480 >/dev/null
		(cd "$W/p$p" && for d in $(find . -mindepth 1 -type d | sed 's|^\./||'); do mmd -i "$W/p$p.img" "::/$d"; done
		 for f in $(find . -type f | sed 's|^\./||'); do mcopy -i "$W/p$p.img" "$f" "::/$f"; done)
	done
	mcopy -i "$W/p1.img" "$W/kernel" ::/Image
	mcopy -i "$W/p1.img" "$W/initrd" ::/initrd.img
	mcopy -i "$W/p2.img" "$W/kernel" ::/vmlinuz-6.5.6
	dd if="$W/p1.img" of="$W/gpt.img" bs=512 seek=2048 conv=notrunc status=none
	dd if="$W/p2.img" of="$W/gpt.img" bs=512 seek=43008 conv=notrunc status=none
	umount "$W/m" 2>/dev/null
	return 0
}
