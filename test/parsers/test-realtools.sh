#!/bin/bash
# Configs made by the real tools Debian ships, generated here, parsed by
# kexboot-probe and checked with jq:
#   - u-boot-update (package u-boot-menu) writes /boot/extlinux/extlinux.conf;
#     its paths are fixed, so it runs in a private mount namespace with
#     tmpfs over /boot and /etc/default (fake kernels, initrd, DTB dir): the
#     host's /boot is never written (checked before the tool runs);
#   - kernel-install (systemd) with layout=bls writes loader entries under
#     $BOOT_ROOT, a tmpfs mounted in a private mount namespace so that it is
#     a mount point (the entry paths are relative to it, as on a real
#     ESP/XBOOTLDR partition), copied out afterwards; only 90-loaderentry runs.
# Exit 77 when neither tool can run here (not root, no unshare, no tools).
set -u
PROBE=${KEXBOOT_PROBE:-$PWD/utils/kexboot-probe}
command -v jq >/dev/null || { echo "jq not installed: skipped"; exit 77; }
[ -x "$PROBE" ] || { echo "no $PROBE"; exit 1; }
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null ||
   ! unshare --mount --propagation private true 2>/dev/null; then
	echo "needs root and mount namespaces: skipped"
	exit 77
fi

T=$(mktemp -d /tmp/kb-realtools.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
ran=0
ok() { echo "ok - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
check() {
	if jq -e "$3" "$2" >/dev/null; then ok "$1"; else bad "$1"; jq -c . "$2" | head -c 3000; echo; fi
}

# --- u-boot-update ---------------------------------------------------------
if command -v u-boot-update >/dev/null && command -v linux-version >/dev/null; then
	ran=1
	mkdir -p "$T/uboot"
	unshare --mount --propagation private bash -eu -c '
		out=$1
		mount -t tmpfs -o size=16m kb-boot /boot
		mount -t tmpfs -o size=1m kb-default /etc/default
		# never let the tool near the real /boot
		[ "$(findmnt -n -o SOURCE --target /boot)" = kb-boot ]
		[ "$(findmnt -n -o SOURCE --target /etc/default)" = kb-default ]
		for v in 6.1.0-9-riscv64 6.1.0-10-riscv64; do
			echo "fake kernel $v" > /boot/vmlinuz-$v
		done
		echo "fake initrd" > /boot/initrd.img-6.1.0-10-riscv64
		d=/boot/usr/lib/linux-image-6.1.0-10-riscv64/sifive
		mkdir -p $d
		echo "fake dtb" > $d/hifive-unmatched-a00.dtb
		cat > /etc/default/u-boot <<-EOF
			U_BOOT_ROOT="root=LABEL=rootfs"
			U_BOOT_PARAMETERS="ro quiet"
			U_BOOT_MENU_LABEL="Debian GNU/Linux"
			U_BOOT_TIMEOUT="30"
		EOF
		u-boot-update
		cp -a /boot/. "$out/"
	' _ "$T/uboot" > "$T/uboot.log" 2>&1 || { bad "u-boot-update ran"; cat "$T/uboot.log"; }
	if [ -f "$T/uboot/extlinux/extlinux.conf" ]; then
		ok "u-boot-update wrote extlinux/extlinux.conf"
		"$PROBE" --json --arch riscv64 --compatible "sifive,hifive-unmatched-a00 sifive,fu740-c000" \
			"name=boot,path=$T/uboot" > "$T/uboot.json"
		F=$T/uboot.json
		check "u-boot-update: 4 entries (default + rescue per kernel), no errors" "$F" \
			'(.options|length)==4 and (.errors|length)==0 and all(.options[]; .parser=="syslinux")'
		check "u-boot-update: newest kernel first, and the default (DEFAULT l0)" "$F" \
			'.options[0].name=="Debian GNU/Linux 6.1.0-10-riscv64" and .options[0].default==true
			 and ([.options[]|select(.default)]|length)==1'
		check "u-boot-update: kernel, initrd, command line" "$F" \
			'.options[0].kernel=={"device":"boot","path":"/vmlinuz-6.1.0-10-riscv64"}
			 and .options[0].initrds==[{"device":"boot","path":"/initrd.img-6.1.0-10-riscv64"}]
			 and .options[0].args=="root=LABEL=rootfs ro quiet"'
		check "u-boot-update: fdtdir resolved for the board's compatible" "$F" \
			'.options[0].dtb=={"device":"boot","path":"/usr/lib/linux-image-6.1.0-10-riscv64/sifive/hifive-unmatched-a00.dtb"}'
		check "u-boot-update: rescue entry (single, no quiet)" "$F" \
			'.options[1].name=="Debian GNU/Linux 6.1.0-10-riscv64 (rescue target)"
			 and .options[1].args=="root=LABEL=rootfs ro single"'
		check "u-boot-update: older kernel without initrd or DTB" "$F" \
			'.options[2].name=="Debian GNU/Linux 6.1.0-9-riscv64"
			 and .options[2].kernel.path=="/vmlinuz-6.1.0-9-riscv64"
			 and .options[2].initrds==[] and .options[2].dtb==null'
	else
		bad "u-boot-update wrote extlinux/extlinux.conf"
		cat "$T/uboot.log"
	fi
else
	echo "u-boot-update (u-boot-menu) or linux-version not installed: that part skipped"
fi

# --- kernel-install --------------------------------------------------------
LOADERENTRY=/usr/lib/kernel/install.d/90-loaderentry.install
if command -v kernel-install >/dev/null && [ -x "$LOADERENTRY" ]; then
	ran=1
	MID=6c063c8e48904f2684abde8eea303f41
	mkdir -p "$T/esp" "$T/conf"
	echo "layout=bls" > "$T/conf/install.conf"
	echo "root=UUID=0a3f6c1e-5b7d-4c2a-9e1f-3d2b4a5c6e7f ro quiet" > "$T/conf/cmdline"
	echo "fake kernel 6.1.0-9" > "$T/vmlinuz-6.1.0-9-amd64"
	echo "fake kernel 6.1.0-10" > "$T/vmlinuz-6.1.0-10-amd64"
	echo "fake initrd" > "$T/initrd.img-6.1.0-10-amd64"
	unshare --mount --propagation private bash -eu -c '
		T=$1
		mkdir -p "$T/espmnt"
		mount -t tmpfs -o size=16m kb-esp "$T/espmnt"
		[ "$(findmnt -n -o SOURCE --target "$T/espmnt")" = kb-esp ]
		export BOOT_ROOT=$T/espmnt KERNEL_INSTALL_CONF_ROOT=$T/conf MACHINE_ID=$2
		export KERNEL_INSTALL_PLUGINS=$3
		kernel-install add 6.1.0-9-amd64 "$T/vmlinuz-6.1.0-9-amd64"
		kernel-install add 6.1.0-10-amd64 "$T/vmlinuz-6.1.0-10-amd64" "$T/initrd.img-6.1.0-10-amd64"
		cp -a "$T/espmnt/." "$T/esp/"
	' _ "$T" "$MID" "$LOADERENTRY" > "$T/ki.log" 2>&1 || { bad "kernel-install ran"; cat "$T/ki.log"; }
	if ls "$T/esp/loader/entries/"*.conf >/dev/null 2>&1; then
		ok "kernel-install wrote loader entries"
		PRETTY=$( (. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-}") )
		"$PROBE" --json --arch x86_64 "name=esp,path=$T/esp" > "$T/ki.json"
		F=$T/ki.json
		check "kernel-install: 2 BLS entries, no errors" "$F" \
			'(.options|length)==2 and (.errors|length)==0 and all(.options[]; .parser=="bls")'
		check "kernel-install: newest version first and default" "$F" \
			'(.options[0].kernel.path|endswith("/6.1.0-10-amd64/linux")) and .options[0].default==true
			 and .options[1].default==false'
		check "kernel-install: kernel and initrd copied under the entry token, paths on the ESP" "$F" \
			".options[0].kernel=={\"device\":\"esp\",\"path\":\"/$MID/6.1.0-10-amd64/linux\"}
			 and .options[0].initrds==[{\"device\":\"esp\",\"path\":\"/$MID/6.1.0-10-amd64/initrd.img-6.1.0-10-amd64\"}]
			 and .options[1].initrds==[]"
		# the entry token is the machine id, so the tool appends systemd.machine_id=
		check "kernel-install: options line from the cmdline file" "$F" \
			"all(.options[]; .args==\"root=UUID=0a3f6c1e-5b7d-4c2a-9e1f-3d2b4a5c6e7f ro quiet systemd.machine_id=$MID\")"
		if [ -n "$PRETTY" ]; then
			if jq -e --arg p "$PRETTY" 'all(.options[]; .name==$p)' "$F" >/dev/null; then
				ok "kernel-install: title is os-release PRETTY_NAME"
			else
				bad "kernel-install: title is os-release PRETTY_NAME"
			fi
		fi
		for f in "$T/esp/$MID"/*/linux; do
			cmp -s "$f" "$T/vmlinuz-$(basename "$(dirname "$f")")" || bad "kernel-install copied $f"
		done
	else
		bad "kernel-install wrote loader entries"
		cat "$T/ki.log"
	fi
else
	echo "kernel-install or $LOADERENTRY missing: that part skipped"
fi

[ "$ran" = 1 ] || { echo "no tool available: skipped"; exit 77; }
echo "$fails failed"
[ "$fails" = 0 ]
