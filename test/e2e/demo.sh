#!/bin/bash
# The firmware demo: boot kexboot's firmware initramfs on a real Debian
# kernel in QEMU (software emulation) with the menu on this terminal (the
# guest's serial console). The sample disks hold the same real kernel and a
# small initrd that prints the command line it was booted with and powers
# off: choosing an entry kexecs into it for real, inside the guest.
#   disks: ext4 + grub.cfg (virtio), GPT + vfat + extlinux.conf (virtio),
#          iso9660 + isolinux.cfg (virtio), an ext4 whose default entry has a
#          corrupt initrd (virtio), ext4 + BLS entries (NVMe)
# Usage: test/e2e/demo.sh [BUILDDIR]   (default $KB_BUILDDIR, else SRC/build)
# Environment: KEXBOOT_DEMO_ARGS adds firmware kernel arguments (e.g.
# "kexboot.timeout=5" or "kbfw.shell=1"); KEXBOOT_E2E_KEEP=1 keeps the work
# directory. Quit QEMU with Ctrl-A X.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-${KB_BUILDDIR:-$SRC/build}}" && pwd)
. "$SRC/test/e2e/lib.sh"
command -v qemu-system-x86_64 >/dev/null || {
	echo "demo: qemu-system-x86_64 is not installed (apt-get install --no-install-recommends qemu-system-x86)" >&2
	exit 1
}
e2e_fetch_kernel amd64 || { echo "demo: cannot fetch Debian's cloud kernel (apt-get download)" >&2; exit 1; }
W=$(mktemp -d /tmp/kexboot-demo.XXXXXX)
cleanup() { if [ -n "${KEXBOOT_E2E_KEEP:-}" ]; then echo "kept $W"; else rm -rf "$W"; fi; }
trap cleanup EXIT
echo "Building the firmware image and sample disks for $KVER in $W ..."
e2e_firmware "$W/fw.img"
e2e_stage2 "$W/stage2.img"
e2e_disks "$W"
e2e_iso "$W"

# the guest's menu draws for this terminal: a TERM the image has terminfo for
case ${TERM:-} in
xterm-256color | xterm | linux | vt100 | vt220) term=$TERM ;;
xterm*) term=xterm ;;
screen* | tmux*) term=screen ;;
*) term=vt220 ;;
esac
size=$(stty size 2>/dev/null | tr ' ' x) || true
[ -n "$size" ] || size=24x80
q=()
mapfile -t q < <(e2e_qemu_x86 "$W/fw.img" "kbfw.term=$term kbfw.size=$size kexboot.timeout=30 ${KEXBOOT_DEMO_ARGS:-}" \
	-drive "file=$W/grub.img,if=virtio,format=raw" \
	-drive "file=$W/extlinux.img,if=virtio,format=raw" \
	-drive "file=$W/iso.img,if=virtio,format=raw,readonly=on" \
	-drive "file=$W/corrupt.img,if=virtio,format=raw" \
	-drive "file=$W/bls.img,if=none,id=nv0,format=raw" -device nvme,serial=demo0,drive=nv0)
echo "Booting (menu in a few seconds; autoboot after 30 s unless a key is pressed; Ctrl-A X quits QEMU) ..."
sleep 1
"${q[@]}" || true
echo
echo "The guest powered off (each sample entry's initrd prints its command line, then stops)."
