#!/bin/bash
# Prepare the ppc64el end-to-end boot (test/e2e/run.sh case 8) on a Debian 12
# amd64 machine, as root:
#  - installs the cross compiler and qemu-system-ppc (no recommends);
#  - with the ppc64el architecture added only for the time of the downloads
#    (removed again afterwards, as the machine was), apt-get downloads
#    Debian's ppc64el kernel, static busybox, kexec-tools and the ppc64el
#    libraries kexboot links with (the dependency closure of the -dev
#    packages), and extracts them into the e2e cache. Nothing ppc64el is
#    installed; kexec-tools is only extracted, for the guest image (Debian
#    12's ppc64el kernel has KEXEC but no KEXEC_FILE, and the engine has no
#    native kexec_load path for ppc64: it falls back to kexec-tools there);
#  - cross-builds kexboot's programs into PPC64EL-BUILDDIR.
# Usage: test/e2e/setup-ppc64el.sh [PPC64EL-BUILDDIR]
#   (default $KEXBOOT_E2E_PPC64EL_BUILDDIR, else SRC/build-ppc64el)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PB=${1:-${KEXBOOT_E2E_PPC64EL_BUILDDIR:-$SRC/build-ppc64el}}
. "$SRC/test/e2e/lib.sh"
[ "$(id -u)" = 0 ] || { echo "setup-ppc64el: run as root" >&2; exit 1; }
A=ppc64el T=powerpc64le-linux-gnu

need=()
for p in gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross qemu-system-ppc; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

DEVS="libtalloc-dev libudev-dev libblkid-dev libfdt-dev libncurses-dev zlib1g-dev libzstd-dev
liblzma-dev liblz4-dev libbz2-dev libcrypt-dev libcurl4-openssl-dev busybox-static kexec-tools"
S=$E2E_PPC64EL_SYSROOT
KT=$E2E_PPC64EL_KEXEC
DEBS=$E2E_CACHE/$A-debs
mkdir -p "$DEBS"
if [ ! -f "$S/.done" ] || [ ! -f "$KT/.done" ] ||
	! ls -d "$E2E_CACHE"/linux-image-*-powerpc64le/.done >/dev/null 2>&1; then
	added=
	if ! dpkg --print-foreign-architectures | grep -qx $A; then
		dpkg --add-architecture $A
		added=1
	fi
	restore() {
		if [ -n "$added" ]; then
			dpkg --remove-architecture $A
			apt-get update -q >/dev/null || true
		fi
	}
	trap restore EXIT
	# a mirror in sync may fail one index: what the others give is enough
	apt-get update -q >/dev/null || echo "setup-ppc64el: apt-get update reported errors; going on" >&2
	kpkg=$(apt-cache depends linux-image-powerpc64le:$A |
		sed -n "s/^ *Depends: \(linux-image-[0-9][^:]*-powerpc64le\)\(:$A\)\{0,1\}\$/\1/p" | head -1)
	[ -n "$kpkg" ] || { echo "setup-ppc64el: no linux-image-powerpc64le in the archive" >&2; exit 1; }
	# the libraries' closure, without the toolchain's own libc and build tools
	# (kexec-tools' own libraries come along: they go into the guest image)
	# shellcheck disable=SC2046
	pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances $(for p in $DEVS; do echo "$p:$A"; done) 2>/dev/null |
		sed -n "s/^\([a-z0-9][a-z0-9.+-]*\):$A\$/\1/p" | sort -u |
		grep -vxE 'libc6|libc6-dev|libc-dev-bin|linux-libc-dev|gcc-12-base|pkg-config|pkgconf|pkgconf-bin|libpkgconf3|ncurses-bin|rpcsvc-proto|debconf')
	rm -f "$DEBS"/*.deb
	# shellcheck disable=SC2046
	(cd "$DEBS" && apt-get download -q $(for p in $pkgs $kpkg; do echo "$p:$A"; done))
	restore
	trap - EXIT

	rm -rf "$S" "$KT"
	mkdir -p "$S" "$KT"
	for d in "$DEBS"/*.deb; do
		case $d in
		*/linux-image-*) ;;
		*/kexec-tools_*) dpkg-deb -x "$d" "$KT" ;;
		*) dpkg-deb -x "$d" "$S" ;;
		esac
	done
	# absolute -dev symlinks (libz.so -> /lib/...) must point into the sysroot
	(cd "$S" && find . -type l -lname '/*' | while read -r l; do
		ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" ".$(readlink "$l")")" "$l"
	done)
	[ -x "$KT/sbin/kexec" ] || { echo "setup-ppc64el: no sbin/kexec in the kexec-tools package" >&2; exit 1; }
	touch "$S/.done" "$KT/.done"
	kdeb=$(ls "$DEBS/${kpkg}"_*.deb | tail -1)
	rm -rf "${E2E_CACHE:?}/$kpkg"
	dpkg-deb -x "$kdeb" "$E2E_CACHE/$kpkg"
	touch "$E2E_CACHE/$kpkg/.done"
fi
if [ -n "$(dpkg --print-foreign-architectures)" ]; then
	echo "setup-ppc64el: note: foreign architectures configured: $(dpkg --print-foreign-architectures | tr '\n' ' ')" >&2
fi

mkdir -p "$PB"
cd "$PB"
if [ ! -f Makefile ]; then
	PKG_CONFIG_LIBDIR=$S/usr/lib/$T/pkgconfig:$S/usr/share/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$S \
		"$SRC/configure" -q --host=$T CC=$T-gcc \
		CPPFLAGS="-I$S/usr/include -I$S/usr/include/$T" \
		LDFLAGS="-L$S/lib/$T -L$S/usr/lib/$T -Wl,-rpath-link,$S/lib/$T -Wl,-rpath-link,$S/usr/lib/$T"
fi
make -j"$(nproc)" discover/kexboot-discover ui/ncurses/kexboot-menu utils/kexboot-ctl utils/kexboot-kexec
echo "setup-ppc64el: sysroot $S, kexec-tools $KT, kernel $(ls -d "$E2E_CACHE"/linux-image-*-powerpc64le | tail -1), build $PB"
