#!/bin/bash
# mkimage.sh: build a kexboot firmware initramfs (cpio newc + gzip).
#
# The image holds a static busybox, kexboot's programs and the shared
# libraries they need (found through ELF NEEDED entries, loader included),
# terminfo for the usual consoles, the C.UTF-8 locale, optional kernel
# modules (dependencies resolved from the modules themselves, loaded in
# order at boot) and an /init that starts kexboot-discover and a
# kexboot-menu on every console. See doc/e2e.md.
#
# Usage: mkimage.sh [OPTION]... OUT
#   --arch ARCH        x86_64 (default: the host's), arm64, ppc64el
#   --builddir DIR     where kexboot was built (default: current directory)
#   --busybox FILE     a static busybox for ARCH (default /bin/busybox on the host arch)
#   --kernel-root DIR  an extracted kernel package (holds lib/modules/KVER)
#   --kver VER         kernel release of the modules (default: the only one under DIR)
#   --modules "M..."   modules to load at boot (their dependencies are added)
#   --kconfig FILE     kernel config, installed as /boot/config-KVER (read by
#                      the engine's preflight checks when /proc/config.gz is absent)
#   --libdir DIR       extra directory to search for shared libraries (repeatable)
#   --add SRC:DST      extra file in the image (repeatable)
#   --add-program SRC:DST  an extra program (e.g. kexec-tools' kexec, which
#                      the engine falls back to where it has no load path of
#                      its own); its shared libraries come along (repeatable)
#   --compress C       gzip (default), xz or zstd (the kernel must support it)
#   --no-strip         keep symbols in kexboot's programs
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
die() { echo "mkimage: $*" >&2; exit 1; }

ARCH=$(dpkg --print-architecture 2>/dev/null || uname -m)
BUILDDIR=$PWD BUSYBOX= KROOT= KVER= MODULES= KCONFIG= OUT= STRIP_BIN=1 COMPRESS=gzip
LIBDIRS=() ADDS=() EXTRA_PROGS=()
while [ $# -gt 0 ]; do
	case $1 in
	--arch) ARCH=$2; shift ;;
	--builddir) BUILDDIR=$2; shift ;;
	--busybox) BUSYBOX=$2; shift ;;
	--kernel-root) KROOT=$2; shift ;;
	--kver) KVER=$2; shift ;;
	--modules) MODULES=$2; shift ;;
	--kconfig) KCONFIG=$2; shift ;;
	--libdir) LIBDIRS+=("$2"); shift ;;
	--add) ADDS+=("$2"); shift ;;
	--add-program) EXTRA_PROGS+=("$2"); shift ;;
	--compress) COMPRESS=$2; shift ;;
	--no-strip) STRIP_BIN= ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) [ -z "$OUT" ] || die "more than one output"; OUT=$1 ;;
	esac
	shift
done
[ -n "$OUT" ] || die "no output file (see --help)"
case $COMPRESS in
gzip) ZIP=(gzip -9) ;;
xz) ZIP=(xz -9 --check=crc32) ;; # the kernel's xz decoder needs CRC32 (or no) checks
zstd) ZIP=(zstd -19 -q) ;;
*) die "unknown compression $COMPRESS" ;;
esac

case $ARCH in
amd64 | x86_64) ARCH=x86_64 TRIPLET=x86_64-linux-gnu ;;
arm64 | aarch64) ARCH=arm64 TRIPLET=aarch64-linux-gnu ;;
ppc64el | ppc64le) ARCH=ppc64el TRIPLET=powerpc64le-linux-gnu ;;
*) die "unsupported architecture $ARCH" ;;
esac
HOST_TRIPLET=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
if [ "$TRIPLET" = "$HOST_TRIPLET" ]; then STRIP=strip; else STRIP=$TRIPLET-strip; fi
[ -n "$BUSYBOX" ] || BUSYBOX=/bin/busybox
LIBDIRS+=("/lib/$TRIPLET" "/usr/lib/$TRIPLET" "/usr/$TRIPLET/lib" /lib64 /usr/lib64)

PROGS=(discover/kexboot-discover ui/ncurses/kexboot-menu utils/kexboot-ctl utils/kexboot-kexec)
for p in "${PROGS[@]}"; do [ -x "$BUILDDIR/$p" ] || die "$BUILDDIR/$p not built (--builddir?)"; done
for a in ${EXTRA_PROGS[@]+"${EXTRA_PROGS[@]}"}; do
	if [ ! -x "${a%%:*}" ] || [ "${a#*:}" = "$a" ]; then
		die "--add-program $a: not SRC:DST with SRC a program"
	fi
done
[ -x "$BUSYBOX" ] || die "no busybox at $BUSYBOX"
! readelf -l "$BUSYBOX" 2>/dev/null | grep -q "program interpreter" || die "$BUSYBOX is not statically linked (busybox-static)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kexboot-mkimage.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,etc/kexboot,proc,sys,dev,run,tmp,mnt,root,boot,lib/modules}
chmod 1777 "$R/tmp"

# --- busybox and its applets (the list comes from the binary when it runs
# here, else from the host's busybox of the same Debian version) ---
cp "$BUSYBOX" "$R/bin/busybox"
if applets=$("$BUSYBOX" --list-full 2>/dev/null); then :; else applets=$(/bin/busybox --list-full); fi
for a in $applets; do [ -e "$R/$a" ] || ln -s /bin/busybox "$R/$a"; done

# --- kexboot's programs ---
for p in "${PROGS[@]}"; do
	b=$(basename "$p")
	case $b in kexboot-discover | kexboot-kexec) d=sbin ;; *) d=bin ;; esac
	cp "$BUILDDIR/$p" "$R/$d/$b"
	[ -z "$STRIP_BIN" ] || "$STRIP" --strip-unneeded "$R/$d/$b"
done

# --- shared libraries: walk DT_NEEDED through the search path; the loader
# comes from PT_INTERP ---
find_lib() {
	local d
	for d in "${LIBDIRS[@]}"; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
declare -A SEEN=()
add_needed() { # ELF
	local n path
	for n in $(readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -z "${SEEN[$n]:-}" ] || continue
		SEEN[$n]=1
		path=$(find_lib "$n") || die "library $n (needed by $1) not found in ${LIBDIRS[*]}"
		mkdir -p "$R/lib/$TRIPLET"
		cp -L "$path" "$R/lib/$TRIPLET/$n"
		add_needed "$path"
	done
}
# libraries the daemon dlopen()s: libcurl, for network boot (its DT_NEEDED
# chain comes along); an image without it still boots from disks
add_dlopened() { # SONAME
	local path
	[ -z "${SEEN[$1]:-}" ] || return 0
	path=$(find_lib "$1") || { echo "mkimage: $1 not found: no network downloads in this image" >&2; return 0; }
	SEEN[$1]=1
	mkdir -p "$R/lib/$TRIPLET"
	cp -L "$path" "$R/lib/$TRIPLET/$1"
	add_needed "$path"
}
INTERP=
add_dlopened libcurl.so.4
for p in "${PROGS[@]}"; do
	add_needed "$BUILDDIR/$p"
	i=$(readelf -l "$BUILDDIR/$p" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -z "$i" ] || INTERP=$i
done
# extra programs (copied as they are: they are not ours to strip)
for a in ${EXTRA_PROGS[@]+"${EXTRA_PROGS[@]}"}; do
	src=${a%%:*} dst=${a#*:}
	mkdir -p "$R/$(dirname "$dst")"
	rm -f "$R/$dst" # it replaces a busybox applet link of that name, never busybox itself
	cp -L "$src" "$R/$dst"
	add_needed "$src"
	i=$(readelf -l "$src" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -z "$i" ] || [ -z "$INTERP" ] || [ "$i" = "$INTERP" ] || die "$src wants loader $i, kexboot's programs $INTERP"
	[ -z "$i" ] || INTERP=$i
done
if [ -n "$INTERP" ]; then
	src=$(find_lib "$(basename "$INTERP")") || die "loader $INTERP not found"
	mkdir -p "$R/$(dirname "$INTERP")"
	cp -L "$src" "$R/$INTERP"
fi
# the loader finds libraries in its default directories; say so anyway
echo "/lib/$TRIPLET" > "$R/etc/ld.so.conf"

# --- terminfo, locale, message catalogs ---
for t in linux vt100 vt102 vt220 xterm xterm-256color xterm-color screen tmux; do
	for d in /lib/terminfo /usr/share/terminfo /etc/terminfo; do
		f=$d/${t:0:1}/$t
		if [ -f "$f" ]; then
			mkdir -p "$R/usr/share/terminfo/${t:0:1}"
			cp "$f" "$R/usr/share/terminfo/${t:0:1}/$t"
			break
		fi
	done
done
[ -f "$R/usr/share/terminfo/l/linux" ] && [ -f "$R/usr/share/terminfo/v/vt100" ] ||
	die "terminfo for linux/vt100 not found (ncurses-base)"
for l in /usr/lib/locale/C.utf8 /usr/lib/locale/C.UTF-8; do
	if [ -d "$l" ]; then
		mkdir -p "$R/usr/lib/locale"
		cp -a "$l" "$R/usr/lib/locale/C.utf8"
		break
	fi
done
if [ -d "$BUILDDIR/po/locale" ]; then
	mkdir -p "$R/usr/share/locale"
	cp -a "$BUILDDIR/po/locale/." "$R/usr/share/locale/"
fi

# --- kernel modules: dependencies from each module's .modinfo, loaded in
# dependency order (the list /etc/kexboot/modules is relative to lib/modules/KVER) ---
: > "$R/etc/kexboot/modules"
if [ -n "$MODULES" ]; then
	[ -n "$KROOT" ] || die "--modules needs --kernel-root"
	if [ -z "$KVER" ]; then
		KVER=$(ls "$KROOT/lib/modules" | head -1)
		[ "$(ls "$KROOT/lib/modules" | wc -l)" -eq 1 ] || die "several kernels in $KROOT: give --kver"
	fi
	MD=$KROOT/lib/modules/$KVER
	[ -d "$MD" ] || die "no $MD"
	declare -A KO=() MDONE=()
	while IFS= read -r f; do
		n=$(basename "$f"); n=${n%%.ko*}; KO[${n//-/_}]=$f
	done < <(find "$MD/kernel" -name '*.ko*')
	add_module() { # name
		local n=${1//-/_} f dep
		[ -z "${MDONE[$n]:-}" ] || return 0
		MDONE[$n]=1
		f=${KO[$n]:-}
		[ -n "$f" ] || { echo "mkimage: module $n not in $MD (built in?), skipped" >&2; return 0; }
		case $f in *.ko) ;; *) die "compressed module $f: not supported" ;; esac
		for dep in $(readelf -p .modinfo "$f" | sed -n 's/.*depends=\(.*\)/\1/p' | tr ',' ' '); do
			add_module "$dep"
		done
		rel=${f#"$MD/"}
		mkdir -p "$R/lib/modules/$KVER/$(dirname "$rel")"
		cp "$f" "$R/lib/modules/$KVER/$rel"
		echo "$rel" >> "$R/etc/kexboot/modules"
	}
	for m in $MODULES; do add_module "$m"; done
fi
[ -z "$KCONFIG" ] || { [ -n "$KVER" ] || die "--kconfig needs --kver or --kernel-root"; cp "$KCONFIG" "$R/boot/config-$KVER"; }
echo "KVER=$KVER" > "$R/etc/kexboot/firmware.conf"
echo "ARCH=$ARCH" >> "$R/etc/kexboot/firmware.conf"

# --- init and its helpers ---
install -m 0755 "$HERE/init" "$R/init"
install -m 0755 "$HERE/menu-run" "$R/sbin/kexboot-menu-run"
# the daemon's DHCP hook (network discovery), when the tree has one
if [ -f "$HERE/../../discover/udhcpc-hook" ]; then
	mkdir -p "$R/usr/libexec/kexboot"
	install -m 0755 "$HERE/../../discover/udhcpc-hook" "$R/usr/libexec/kexboot/udhcpc-hook"
fi
: > "$R/etc/kexboot.conf"
for a in ${ADDS[@]+"${ADDS[@]}"}; do
	src=${a%%:*} dst=${a#*:}
	mkdir -p "$R/$(dirname "$dst")"
	cp -a "$src" "$R/$dst"
done

# --- the archive ---
(cd "$R" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet --owner=0:0 | "${ZIP[@]}") > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "mkimage: $OUT ($ARCH, $(stat -c %s "$OUT") bytes, modules: $(wc -l < "$R/etc/kexboot/modules"))"
