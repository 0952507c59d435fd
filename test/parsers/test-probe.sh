#!/bin/bash
# kexboot-probe integration tests: directory trees built here, shaped like
# what distributions install, checked with jq against BRIEF.md's JSON contract.
set -u
PROBE=${KEXBOOT_PROBE:-$PWD/utils/kexboot-probe}
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
[ -x "$PROBE" ] || { echo "no $PROBE"; exit 1; }

T=$(mktemp -d /tmp/kb-probe-test.XXXXXX)
LOOPIMG=
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
fails=0
ok() { echo "ok - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
# check NAME JSON-FILE JQ-EXPR: the expression must yield true
check() {
	if jq -e "$3" "$2" >/dev/null; then ok "$1"; else bad "$1"; jq -c . "$2" | head -c 3000; echo; fi
}
# contract: exactly one JSON object, at most one default, normalised paths
contract() {
	local f=$1
	if [ "$(jq -s 'length' "$f")" = 1 ] &&
	   jq -e '(.devices|type=="array") and (.options|type=="array") and (.errors|type=="array")
	          and ([.options[]|select(.default)]|length) <= 1
	          and all(.options[]; (.args==null or (.args|type=="string"))
	                  and ([.kernel, .dtb, .initrds[]] | all(.==null or .url!=null or
	                        ((.path|startswith("/")) and (.path|test("//|/\\./|/\\.\\./|/\\.$|/\\.\\.$")|not)))))' "$f" >/dev/null
	then ok "$2: JSON contract"; else bad "$2: JSON contract"; cat "$f"; fi
}

# --- command line --------------------------------------------------------
"$PROBE" --help | grep -q "kexboot-probe" && ok "--help" || bad "--help"
"$PROBE" --version | grep -q "kexboot-probe" && ok "--version" || bad "--version"
"$PROBE" >/dev/null 2>&1; [ $? = 2 ] && ok "no DEVICE: exit 2" || bad "no DEVICE: exit 2"
"$PROBE" --bogus "$T" >/dev/null 2>&1; [ $? = 2 ] && ok "bad option: exit 2" || bad "bad option: exit 2"
"$PROBE" "$T/missing" >/dev/null 2>&1; [ $? = 2 ] && ok "missing path: exit 2" || bad "missing path: exit 2"
"$PROBE" "name=a:b,path=$T" >/dev/null 2>&1; [ $? = 2 ] && ok "bad name: exit 2" || bad "bad name: exit 2"

# --- Debian installer isolinux tree, nested includes -----------------------
D=$T/di; mkdir -p $D/isolinux $D/install.amd
cat > $D/isolinux/isolinux.cfg <<'EOF'
# D-I config version 2.0
# search path for the c32 support libraries (libcom32, libutil etc.)
path 
include menu.cfg
default vesamenu.c32
prompt 0
timeout 0
EOF
cat > $D/isolinux/menu.cfg <<'EOF'
menu hshift 4
menu width 70

menu title Debian GNU/Linux installer menu (BIOS mode)
include stdmenu.cfg
include gtk.cfg
include txt.cfg
menu begin advanced
    menu label ^Advanced options
	menu title Advanced options
	include stdmenu.cfg
	label mainmenu
		menu label ^Back..
		menu exit
	include adgtk.cfg
	include adtxt.cfg
menu end
label help
	menu label ^Help
	text help
   Display help screens; type 'menu' at boot prompt to return to this menu
	endtext
	config prompt.cfg
EOF
printf 'menu background splash.png\nmenu color title\t* #FFFFFFFF *\n' > $D/isolinux/stdmenu.cfg
cat > $D/isolinux/gtk.cfg <<'EOF'
label installgui
	menu label ^Graphical install
	menu default
	kernel /install.amd/vmlinuz
	append vga=788 initrd=/install.amd/gtk/initrd.gz --- quiet 
EOF
cat > $D/isolinux/txt.cfg <<'EOF'
label install
	menu label ^Install
	kernel /install.amd/vmlinuz
	append vga=788 initrd=/install.amd/initrd.gz --- quiet 
EOF
cat > $D/isolinux/adgtk.cfg <<'EOF'
label expertgui
	menu label Graphical expert install
	kernel /install.amd/vmlinuz
	append priority=low vga=788 initrd=/install.amd/gtk/initrd.gz --- 
EOF
cat > $D/isolinux/adtxt.cfg <<'EOF'
label expert
	menu label E^xpert install
	kernel /install.amd/vmlinuz
	append priority=low vga=788 initrd=/install.amd/initrd.gz --- 
include rqtxt.cfg
label auto
	menu label ^Automated install
	kernel /install.amd/vmlinuz
	append auto=true priority=critical vga=788 initrd=/install.amd/initrd.gz --- quiet 
EOF
cat > $D/isolinux/rqtxt.cfg <<'EOF'
label rescue
	menu label ^Rescue mode
	kernel /install.amd/vmlinuz
	append vga=788 initrd=/install.amd/initrd.gz rescue/enable=true --- quiet 
EOF
"$PROBE" --json "name=sr0,path=$D,label=Debian 12.5.0 amd64 n,fstype=iso9660" > $T/di.json
contract $T/di.json "debian-installer"
check "d-i: 6 entries in menu order" $T/di.json \
  '[.options[].name] == ["Graphical install","Install","Graphical expert install","Expert install","Rescue mode","Automated install"]'
check "d-i: default is MENU DEFAULT" $T/di.json \
  '[.options[]|select(.default)|.name] == ["Graphical install"]'
check "d-i: kernel/initrd resources" $T/di.json \
  '.options[0].kernel == {"device":"sr0","path":"/install.amd/vmlinuz"} and
   .options[0].initrds == [{"device":"sr0","path":"/install.amd/gtk/initrd.gz"}] and
   .options[0].dtb == null and .options[0].id == "sr0:syslinux:0" and .options[0].parser == "syslinux"'
check "d-i: args as the config passes them" $T/di.json \
  '.options[1].args == "vga=788 initrd=/install.amd/initrd.gz --- quiet"'
check "d-i: device fields" $T/di.json \
  '.devices == [{"name":"sr0","uuid":null,"label":"Debian 12.5.0 amd64 n","partuuid":null,"partlabel":null,"fstype":"iso9660"}]'
check "d-i: no errors" $T/di.json '.errors == []'

# --- RISC-V board extlinux.conf with fdtdir --------------------------------
R=$T/rv; mkdir -p $R/boot/extlinux $R/usr/lib/linux-image-6.12.9-riscv64/starfive
cat > $R/boot/extlinux/extlinux.conf <<'EOF'
## /boot/extlinux/extlinux.conf
##
## IMPORTANT WARNING
##
## The configuration of this file is generated automatically.
## Do not edit this file manually, use: u-boot-update

default l0
menu title U-Boot menu
prompt 1
timeout 50


label l0
	menu label Debian GNU/Linux trixie/sid 6.12.9-riscv64
	linux /boot/vmlinux-6.12.9-riscv64
	initrd /boot/initrd.img-6.12.9-riscv64
	fdtdir /usr/lib/linux-image-6.12.9-riscv64/
	
	append root=UUID=7c8a1f3e-2c8b-4a3e-9d7a-0b1d2c3e4f50 rw console=ttyS0,115200n8 earlycon rootwait

label l0r
	menu label Debian GNU/Linux trixie/sid 6.12.9-riscv64 (rescue target)
	linux /boot/vmlinux-6.12.9-riscv64
	initrd /boot/initrd.img-6.12.9-riscv64
	fdtdir /usr/lib/linux-image-6.12.9-riscv64/
	append root=UUID=7c8a1f3e-2c8b-4a3e-9d7a-0b1d2c3e4f50 rw console=ttyS0,115200n8 earlycon rootwait single
EOF
: > $R/usr/lib/linux-image-6.12.9-riscv64/starfive/jh7110-starfive-visionfive-2-v1.3b.dtb
"$PROBE" --json --arch riscv64 --compatible "starfive,visionfive-2-v1.3b starfive,jh7110-starfive-visionfive-2-v1.3b starfive,jh7110" "name=mmcblk0p1,path=$R" > $T/rv.json
contract $T/rv.json "riscv extlinux"
check "extlinux: dtb from fdtdir + compatible" $T/rv.json \
  '.options[0].dtb == {"device":"mmcblk0p1","path":"/usr/lib/linux-image-6.12.9-riscv64/starfive/jh7110-starfive-visionfive-2-v1.3b.dtb"}'
check "extlinux: default l0, two entries" $T/rv.json \
  '(.options|length) == 2 and .options[0].default and (.options[1].default|not) and
   .options[1].name == "Debian GNU/Linux trixie/sid 6.12.9-riscv64 (rescue target)"'

# --- Fedora BLS layout: /boot partition with grub2 + blscfg + grubenv ------
F=$T/fedora; mkdir -p $F/loader/entries $F/grub2
MID=6c063c8e48904f2684abde8eea303f41
for v in 6.8.9-300.fc40.x86_64 6.10.3-200.fc40.x86_64; do
cat > $F/loader/entries/$MID-$v.conf <<EOF
title Fedora Linux ($v) 40 (Workstation Edition)
version $v
linux /vmlinuz-$v
initrd /initramfs-$v.img
options root=UUID=0a3f6c1e-5b7d-4c2a-9e1f-3d2b4a5c6e7f ro rootflags=subvol=root rhgb quiet
grub_users \$grub_users
grub_arg --unrestricted
grub_class fedora
EOF
done
printf 'title Fedora Linux (0-rescue-%s) 40\nversion 0-rescue-%s\nlinux /vmlinuz-0-rescue-%s\ninitrd /initramfs-0-rescue-%s.img\noptions $kernelopts\n' $MID $MID $MID $MID > $F/loader/entries/$MID-0-rescue.conf
# Pure BLS device first (no grub.cfg): the BLS parser lists the entries.
"$PROBE" --json --arch x86_64 "name=nvme0n1p2,path=$F" > $T/bls.json
contract $T/bls.json "fedora bls"
check "bls: newest first, rescue last" $T/bls.json \
  '[.options[].name] == ["Fedora Linux (6.10.3-200.fc40.x86_64) 40 (Workstation Edition)","Fedora Linux (6.8.9-300.fc40.x86_64) 40 (Workstation Edition)","Fedora Linux (0-rescue-'$MID') 40"] and
   all(.options[]; .parser == "bls") and .options[0].default'
# With GRUB's blscfg: entries come through grub2 only, $kernelopts expanded.
cat > $F/grub2/grub.cfg <<'EOF'
set pager=1
if [ -f ${config_directory}/grubenv ]; then
  load_env -f ${config_directory}/grubenv
elif [ -s $prefix/grubenv ]; then
  load_env
fi
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="${saved_entry}"
fi
set timeout=5
insmod part_gpt
insmod ext2
blscfg
EOF
printf '# GRUB Environment Block\nsaved_entry=%s-6.8.9-300.fc40.x86_64\nkernelopts=root=UUID=0a3f ro rescue-opts\n' $MID > $F/grub2/grubenv
head -c 1024 $F/grub2/grubenv > $F/grub2/grubenv.tmp 2>/dev/null; mv $F/grub2/grubenv.tmp $F/grub2/grubenv
"$PROBE" --json --arch x86_64 "name=nvme0n1p2,path=$F" > $T/fgrub.json
contract $T/fgrub.json "fedora grub+blscfg"
check "blscfg: BLS entries listed once (not again by the BLS parser)" $T/fgrub.json \
  '([.options[]|select(.parser=="bls")]|length) == 0 and (.options|length) == 3'
check "blscfg: \$kernelopts from grubenv, saved_entry default" $T/fgrub.json \
  '(.options[]|select(.name|test("rescue"))|.args) == "root=UUID=0a3f ro rescue-opts" and
   ([.options[]|select(.default)|.name] == ["Fedora Linux (6.8.9-300.fc40.x86_64) 40 (Workstation Edition)"])'

# --- RHEL ppc64 yaboot.conf ------------------------------------------------
Y=$T/yaboot; mkdir -p $Y/etc
cat > $Y/etc/yaboot.conf <<'EOF'
# yaboot.conf generated by anaconda

boot=/dev/sda1
init-message="Welcome to Red Hat Enterprise Linux!\nHit <TAB> for boot options"

partition=2
timeout=50
install=/usr/lib/yaboot/yaboot
delay=5
enablecdboot
enableofboot
enablenetboot
nonvram
fstype=raw

image=/vmlinuz-2.6.32-431.el6.ppc64
	label=linux
	read-only
	initrd=/initramfs-2.6.32-431.el6.ppc64.img
	append="rd_NO_LUKS LANG=en_US.UTF-8 KEYTABLE=us console=hvc0 rd_LVM_LV=vg_p7/lv_root rd_NO_MD SYSFONT=latarcyrheb-sun16 crashkernel=auto rd_NO_DM"
	root=/dev/mapper/vg_p7-lv_root
EOF
"$PROBE" --json --arch ppc64 "name=sda2,path=$Y" > $T/y.json
contract $T/y.json "yaboot"
check "yaboot: image, initrd, root/ro/append" $T/y.json \
  '.options[0].kernel.path == "/vmlinuz-2.6.32-431.el6.ppc64" and
   .options[0].initrds[0].path == "/initramfs-2.6.32-431.el6.ppc64.img" and
   (.options[0].args|startswith("root=/dev/mapper/vg_p7-lv_root ro rd_NO_LUKS")) and .options[0].default and
   .options[0].parser == "yaboot"'

# --- symlink escapes -------------------------------------------------------
S=$T/sym; mkdir -p $S/root/extlinux $S/root/etc $S/outside
printf 'label EVIL\n linux /evil\n' > $S/outside/evil.cfg
printf 'label inside-shadow\n linux /vmlinuz\n' > $S/root/etc/shadow
ln -s /etc/shadow $S/root/extlinux/extlinux.conf           # absolute: stays in the root
ln -s ../../../outside/evil.cfg $S/root/escape.cfg          # relative: clamped at the root
ln -s "$S/outside/evil.cfg" $S/root/hostpath.cfg             # a host path: not on the device
mkdir -p $S/root/boot/extlinux
printf 'include /escape.cfg\ninclude ../../../../hostpath.cfg\ninclude /../../outside/evil.cfg\n' > $S/root/boot/extlinux/extlinux.conf
"$PROBE" --json "name=d,path=$S/root" > $T/sym.json
contract $T/sym.json "symlinks"
check "symlinks: nothing outside the device is read" $T/sym.json \
  '([.options[]|select(.name=="EVIL")]|length) == 0'
check "symlinks: absolute link resolved inside the device" $T/sym.json \
  '[.options[].name] == ["inside-shadow"]'
check "symlinks: refused includes are reported" $T/sym.json \
  '([.errors[]|select(.file=="/boot/extlinux/extlinux.conf")]|length) == 3'

# --- FIFO as a config: refused, no hang -----------------------------------
P=$T/fifo; mkdir -p $P/extlinux; mkfifo $P/extlinux/extlinux.conf
timeout 20 "$PROBE" --json "name=f,path=$P" > $T/fifo.json; rc=$?
[ $rc = 0 ] && ok "fifo: no hang" || bad "fifo: exit $rc"
check "fifo: refused as not a regular file" $T/fifo.json \
  '.errors[0].file == "/extlinux/extlinux.conf" and (.errors[0].message|test("not a regular file"))'

# --- config over 16 MiB ------------------------------------------------------
B=$T/big; mkdir -p $B/extlinux $B/boot/extlinux
truncate -s $((16 * 1024 * 1024 + 1)) $B/extlinux/extlinux.conf
printf 'label small\n linux /vmlinuz\n' > $B/boot/extlinux/extlinux.conf
"$PROBE" --json "name=b,path=$B" > $T/big.json
check "16 MiB: refused with the limit and the size" $T/big.json \
  '[.errors[]|select(.file=="/extlinux/extlinux.conf")|.message|test("16777217 bytes.*16777216")] == [true]'
check "16 MiB: other configs still parsed" $T/big.json '[.options[].name] == ["small"]'

# --- include loop ------------------------------------------------------------
L=$T/loop; mkdir -p $L/syslinux
printf 'include a.cfg\nlabel top\n linux /vmlinuz\n' > $L/syslinux/syslinux.cfg
printf 'include syslinux.cfg\n' > $L/syslinux/a.cfg
timeout 20 "$PROBE" --json "name=l,path=$L" > $T/loop.json
check "include loop: capped with an error, entries kept once" $T/loop.json \
  '(.errors|length) >= 1 and (.errors[0].message|test("KB_PARSE_MAX_INCLUDE_DEPTH")) and [.options[].name] == ["top"]'

# --- several devices resolve each other --------------------------------------
N=$T/multi; mkdir -p $N/a $N/b
printf '[x]\nkernel = label=rootfs:/boot/vmlinuz\ninitrd = uuid=dead-beef:/initrd\n' > $N/a/kexboot.conf
"$PROBE" --json "name=sda1,path=$N/a" "name=sda2,path=$N/b,label=rootfs" > $T/multi.json
contract $T/multi.json "multi"
check "multi: label resolved to the other device, missing uuid unresolved" $T/multi.json \
  '.options[0].kernel == {"device":"sda2","path":"/boot/vmlinuz"} and
   .options[0].initrds == [{"unresolved":"uuid:dead-beef","path":"/initrd"}] and .options[0].args == null'

# --- an ext4 image, mounted read-only in a private namespace (root only) ----
if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null && [ -e /dev/loop-control ]; then
	I=$T/img; mkdir -p $I/tree/boot/extlinux
	printf 'default a\nlabel a\n linux /boot/vmlinuz\n append root=LABEL=kbtest\n' > $I/tree/boot/extlinux/extlinux.conf
	mkfs.ext4 -q -F -L kbtest -U 11111111-2222-3333-4444-555555555555 -d $I/tree $I/disk.img 16M
	before=$(sha256sum < $I/disk.img)
	"$PROBE" --json "$I/disk.img" > $T/img.json
	after=$(sha256sum < $I/disk.img)
	contract $T/img.json "ext4 image"
	check "image: blkid identity and options" $T/img.json \
	  '.devices[0] == {"name":"disk.img","uuid":"11111111-2222-3333-4444-555555555555","label":"kbtest","partuuid":null,"partlabel":null,"fstype":"ext4"} and
	   .options[0].kernel == {"device":"disk.img","path":"/boot/vmlinuz"} and .options[0].default'
	[ "$before" = "$after" ] && ok "image: byte-identical after probing" || bad "image: modified"
	grep -q kexboot-probe /proc/self/mountinfo && bad "image: mount leaked to the host" || ok "image: no mount left behind"
	losetup -j $I/disk.img | grep -q . && bad "image: loop device left attached" || ok "image: loop device released"
else
	echo "skip - image mount tests need root and loop devices"
fi

[ $fails = 0 ] || { echo "$fails failure(s)"; exit 1; }
exit 0
