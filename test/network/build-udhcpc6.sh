#!/bin/bash
# Builds a busybox with the udhcpc6 applet (DHCPv6 client) from Debian's own
# busybox source package, for test/network/test-dhcp6.sh: Debian's binary
# busybox has no udhcpc6. Prints the binary's path on stdout; exits non-zero
# with a message on stderr when it cannot (no network to fetch the sources,
# no compiler...).
#
# The sources come through apt with a private sources list, lists and cache
# (the host's /etc/apt is never read for sources nor written): deb-src of
# $KB_BUSYBOX_SUITE (default bookworm) from $KB_DEBIAN_MIRROR. The build is
# allnoconfig plus udhcpc6 and its RFC 3646 (DNS), RFC 4704 (FQDN) and
# RFC 5970 (boot file URL/params) options, long options, usage messages
# and the busybox applet itself.
# The result is cached beside the e2e kernels (KEXBOOT_E2E_CACHE, else
# /var/cache/kexboot-e2e, else ~/.cache/kexboot-e2e) in udhcpc6/.
set -eu -o pipefail

SUITE=${KB_BUSYBOX_SUITE:-bookworm}
MIRROR=${KB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
JOBS=${KB_BUILD_JOBS:-2}
CACHE=${KEXBOOT_E2E_CACHE:-}
if [ -z "$CACHE" ]; then
	if mkdir -p /var/cache/kexboot-e2e 2>/dev/null && [ -w /var/cache/kexboot-e2e ]; then
		CACHE=/var/cache/kexboot-e2e
	else
		CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kexboot-e2e
	fi
fi
CACHE=$CACHE/udhcpc6
OUT=$CACHE/busybox

die() { echo "build-udhcpc6: $*" >&2; exit 1; }
# has_udhcpc6 BUSYBOX: it lists the applet (a good build, not a partial one)
has_udhcpc6() { [ -x "$1" ] && "$1" --list 2>/dev/null | grep -qx udhcpc6; }

mkdir -p "$CACHE" || die "cannot create the cache directory $CACHE"
# one build at a time: a second caller waits, then finds the result
exec 9>"$CACHE/.lock"
flock 9
if has_udhcpc6 "$OUT"; then
	echo "$OUT"
	exit 0
fi

for tool in apt-get dpkg-source make cc bzip2 xz; do
	command -v "$tool" >/dev/null || die "$tool not installed (packages: apt, dpkg-dev, build-essential, bzip2, xz-utils)"
done

T=$(mktemp -d /tmp/kb-udhcpc6.XXXXXX)
trap 'rm -rf --one-file-system "$T"' EXIT
mkdir -p "$T/lists/partial" "$T/cache/archives/partial" "$T/src"
echo "deb-src $MIRROR $SUITE main" > "$T/sources.list"
APT=(apt-get -q -o Dir::Etc::SourceList="$T/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$T/lists" -o Dir::Cache="$T/cache" -o Dir::Cache::pkgcache=
	-o Dir::Cache::srcpkgcache= -o APT::Sandbox::User="$(id -un)")
"${APT[@]}" update > "$T/apt.log" 2>&1 ||
	{ tail -5 "$T/apt.log" >&2; die "apt-get update of deb-src $MIRROR $SUITE failed"; }
(cd "$T/src" && "${APT[@]}" source --download-only busybox) >> "$T/apt.log" 2>&1 ||
	{ tail -5 "$T/apt.log" >&2; die "cannot fetch the busybox source package from $MIRROR $SUITE"; }
dsc=$(ls "$T"/src/busybox_*.dsc 2>/dev/null | head -1)
[ -n "$dsc" ] || die "no busybox .dsc fetched"
# apt checked the files against the suite's signed Release; dpkg-source
# applies Debian's patches
dpkg-source -x "$dsc" "$T/bb" > "$T/dpkg-source.log" 2>&1 ||
	{ tail -5 "$T/dpkg-source.log" >&2; die "dpkg-source -x $(basename "$dsc") failed"; }

cd "$T/bb"
make -s allnoconfig > "$T/build.log" 2>&1 || { tail -20 "$T/build.log" >&2; die "make allnoconfig failed"; }
# Config.src and d6_dhcpc.c's //config: lines name these (busybox 1.35)
for c in BUSYBOX FEATURE_IPV6 UDHCPC6 FEATURE_UDHCPC6_RFC3646 FEATURE_UDHCPC6_RFC4704 \
	FEATURE_UDHCPC6_RFC5970 LONG_OPTS SHOW_USAGE; do
	grep -q "^# CONFIG_$c is not set$" .config || die "CONFIG_$c not in this busybox's configuration"
	sed -i "s/^# CONFIG_$c is not set\$/CONFIG_$c=y/" .config
done
# settle what the new options bring in (answer every new question with its default)
(set +o pipefail; yes '' | make -s oldconfig) >> "$T/build.log" 2>&1 || { tail -20 "$T/build.log" >&2; die "make oldconfig failed"; }
for c in UDHCPC6 FEATURE_UDHCPC6_RFC3646 FEATURE_UDHCPC6_RFC5970; do
	grep -q "^CONFIG_$c=y$" .config || die "CONFIG_$c did not stay enabled"
done
make -j"$JOBS" busybox >> "$T/build.log" 2>&1 || { tail -30 "$T/build.log" >&2; die "the busybox build failed"; }
has_udhcpc6 ./busybox || die "the built busybox has no udhcpc6 applet"
cp ./busybox "$OUT.tmp"
echo "$(basename "$dsc" .dsc) allnoconfig+udhcpc6 built $(date -u +%F)" > "$CACHE/VERSION"
mv "$OUT.tmp" "$OUT"
echo "$OUT"
