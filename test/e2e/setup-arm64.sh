#!/bin/bash
# Prepare the arm64 end-to-end boot (test/e2e/run.sh case 7) on a Debian 12
# amd64 machine, as root:
#  - installs the cross compiler and qemu-system-arm (no recommends);
#  - with the arm64 architecture added only for the time of the downloads
#    (removed again afterwards, as the machine was), apt-get downloads
#    Debian's arm64 kernel and the arm64 libraries kexboot links with (the
#    dependency closure of the -dev packages), and extracts them into the
#    e2e cache (nothing arm64 is installed);
#  - cross-builds kexboot's programs into ARM64-BUILDDIR.
# Usage: test/e2e/setup-arm64.sh [ARM64-BUILDDIR]
#   (default $KEXBOOT_E2E_ARM64_BUILDDIR, else SRC/build-arm64)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
AB=${1:-${KEXBOOT_E2E_ARM64_BUILDDIR:-$SRC/build-arm64}}
. "$SRC/test/e2e/lib.sh"
[ "$(id -u)" = 0 ] || { echo "setup-arm64: run as root" >&2; exit 1; }

need=()
for p in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

DEVS="libtalloc-dev libudev-dev libblkid-dev libfdt-dev libncurses-dev zlib1g-dev libzstd-dev
liblzma-dev liblz4-dev libbz2-dev libcrypt-dev libcurl4-openssl-dev busybox-static"
S=$E2E_ARM64_SYSROOT
DEBS=$E2E_CACHE/arm64-debs
mkdir -p "$DEBS"
if [ ! -f "$S/.done" ] || ! ls -d "$E2E_CACHE"/linux-image-*-arm64/.done >/dev/null 2>&1; then
	added=
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		added=1
	fi
	restore() {
		if [ -n "$added" ]; then
			dpkg --remove-architecture arm64
			apt-get update -q >/dev/null || true
		fi
	}
	trap restore EXIT
	apt-get update -q >/dev/null
	kpkg=$(apt-cache depends linux-image-arm64:arm64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-arm64\)\(:arm64\)\{0,1\}$/\1/p' | head -1)
	[ -n "$kpkg" ] || { echo "setup-arm64: no linux-image-arm64 in the archive" >&2; exit 1; }
	# the libraries' closure, without the toolchain's own libc and build tools
	pkgs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances $(for p in $DEVS; do echo "$p:arm64"; done) 2>/dev/null |
		sed -n 's/^\([a-z0-9][a-z0-9.+-]*\):arm64$/\1/p' | sort -u |
		grep -vxE 'libc6|libc6-dev|libc-dev-bin|linux-libc-dev|gcc-12-base|pkg-config|pkgconf|pkgconf-bin|libpkgconf3|ncurses-bin|rpcsvc-proto')
	(cd "$DEBS" && apt-get download -q $(for p in $pkgs $kpkg; do echo "$p:arm64"; done))
	restore
	trap - EXIT

	rm -rf "$S"
	mkdir -p "$S"
	for d in "$DEBS"/*.deb; do
		case $d in */linux-image-*) ;; *) dpkg-deb -x "$d" "$S" ;; esac
	done
	# absolute -dev symlinks (libz.so -> /lib/...) must point into the sysroot
	(cd "$S" && find . -type l -lname '/*' | while read -r l; do
		ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" ".$(readlink "$l")")" "$l"
	done)
	touch "$S/.done"
	kdeb=$(ls "$DEBS/${kpkg}"_*.deb | tail -1)
	rm -rf "${E2E_CACHE:?}/$kpkg"
	dpkg-deb -x "$kdeb" "$E2E_CACHE/$kpkg"
	touch "$E2E_CACHE/$kpkg/.done"
fi

mkdir -p "$AB"
cd "$AB"
if [ ! -f Makefile ]; then
	PKG_CONFIG_LIBDIR=$S/usr/lib/aarch64-linux-gnu/pkgconfig:$S/usr/share/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$S \
		"$SRC/configure" -q --host=aarch64-linux-gnu CC=aarch64-linux-gnu-gcc \
		CPPFLAGS="-I$S/usr/include -I$S/usr/include/aarch64-linux-gnu" \
		LDFLAGS="-L$S/lib/aarch64-linux-gnu -L$S/usr/lib/aarch64-linux-gnu -Wl,-rpath-link,$S/lib/aarch64-linux-gnu -Wl,-rpath-link,$S/usr/lib/aarch64-linux-gnu"
fi
make -j"$(nproc)" discover/kexboot-discover ui/ncurses/kexboot-menu utils/kexboot-ctl utils/kexboot-kexec
echo "setup-arm64: sysroot $S, kernel $(ls -d "$E2E_CACHE"/linux-image-*-arm64 | tail -1), build $AB"
