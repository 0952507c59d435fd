#!/bin/bash
# Integration test of the block-device layer on real loop devices:
# identities from blkid, read-only mounts that leave images byte-identical
# (dirty journals included), in-use detection, and the uevent monitor.
# Needs root and loop devices (exit 77 otherwise). Touches only loop devices
# it attaches itself, and detaches them by path on exit.
set -u

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root"
	exit 77
fi
if [ ! -e /dev/loop-control ] || ! command -v losetup >/dev/null; then
	echo "SKIP: no loop device support"
	exit 77
fi

TOOL=${BLOCKPROBE_TOOL:-./test/block/blockprobe-tool}
[ -x "$TOOL" ] || TOOL=$(dirname "$0")/blockprobe-tool
if [ ! -x "$TOOL" ]; then
	echo "FAIL: blockprobe-tool not found"
	exit 1
fi
TOOL=$(readlink -f "$TOOL")

W=$(mktemp -d /tmp/kb-block-test.XXXXXX)
LOOPS=()   # "DEV FILE" pairs we attached
MOUNTS=()  # mount points we made ourselves
MONPID=
passed=0
failed=0

cleanup() {
	[ -n "$MONPID" ] && kill "$MONPID" 2>/dev/null && wait "$MONPID" 2>/dev/null
	for m in "${MOUNTS[@]}"; do
		mountpoint -q "$m" && umount "$m"
	done
	# anything the tool left under our runtime dirs
	grep -o " $W/[^ ]*" /proc/self/mountinfo | while read -r m; do umount -l "$m"; done
	for pair in "${LOOPS[@]}"; do
		dev=${pair%% *}
		file=${pair#* }
		# detach only if it is still backed by our file
		if [ "$(losetup -nO BACK-FILE "$dev" 2>/dev/null | sed 's/ *$//')" = "$file" ]; then
			grep -q "^$dev " /proc/swaps && swapoff "$dev"
			blockdev --setro "$dev" 2>/dev/null || true
			losetup -d "$dev"
		fi
	done
	rm -rf --one-file-system "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}

# attach FILE: prints the loop device and records it for cleanup
attach() {
	local dev
	dev=$(losetup --find --show --partscan "$1") || return 1
	LOOPS+=("$dev $(readlink -f "$1")")
	udev_settle_parts "$dev"
	echo "$dev"
}
# wait for the node of a freshly attached device; kernels built without
# partition-table parsers do not scan, so add the partitions with BLKPG
# (partx -a) ourselves: that gives the same "add" uevents
udev_settle_parts() {
	local i
	for i in $(seq 50); do
		[ -e "$1" ] && break
		sleep 0.1
	done
	if [ -n "$(blkid -p -o value -s PTTYPE "$1" 2>/dev/null)" ] &&
		! ls "/sys/class/block/$(basename "$1")/" | grep -q "^$(basename "$1")p"; then
		partx -a "$1" 2>/dev/null
	fi
	for i in $(seq 20); do
		udevadm settle 2>/dev/null
		[ -z "$(blkid -p -o value -s PTTYPE "$1" 2>/dev/null)" ] || [ -e "${1}p1" ] && break
		sleep 0.1
	done
}
detach() {
	local dev=$1 i
	losetup -d "$dev"
	for i in "${!LOOPS[@]}"; do
		[ "${LOOPS[$i]%% *}" = "$dev" ] && unset "LOOPS[$i]"
	done
}

# line EVENT NAME FILE: the tool's JSON line for device NAME
devline() { grep -E "^\{\"event\":\"$1\",\"name\":\"$2\"" "$3" | tail -n 1; }
# field LINE KEY: a string/bool/number value from a JSON line ("null" if null)
field() {
	local v
	v=$(printf '%s\n' "$1" | grep -oE "\"$2\":(\"([^\"\\\\]|\\\\.)*\"|[a-z0-9]+)" | head -n 1)
	v=${v#\"$2\":}
	v=${v#\"}
	v=${v%\"}
	printf '%s' "$v"
}
expect_field() { # expect_field WHAT LINE KEY VALUE
	local got
	got=$(field "$2" "$3")
	if [ "$got" = "$4" ]; then ok "$1: $3=$4"; else bad "$1: $3: expected '$4', got '$got'"; fi
}
fs_supported() { grep -qw "$1" /proc/filesystems; }
# have_helper PROGRAM: installed where kb_mount_ro() looks for FUSE programs
have_helper() {
	local d
	for d in /usr/bin /bin /usr/sbin /sbin; do [ -x "$d/$1" ] && return 0; done
	return 1
}
# le16/le32 DEV OFFSET: a little-endian value read from a device or image
le16() { od -An -tu2 --endian=little -j "$2" -N 2 "$1" | tr -d ' '; }
le32() { od -An -tu4 --endian=little -j "$2" -N 4 "$1" | tr -d ' '; }
# fat_clean DEV: the FAT "dirty" marks are not set: boot sector state byte
# (offset 37 on FAT12/16, 65 on FAT32) bit 0 clear, and the clean-shutdown
# bit of FAT[1] (bit 15 on FAT16, bit 27 on FAT32) still set; fsck.fat -n
# agrees when it is installed
fat_clean() {
	local dev=$1 ver bps rsvd fat
	ver=$(blkid -p -o value -s VERSION "$dev")
	bps=$(le16 "$dev" 11)
	rsvd=$(le16 "$dev" 14)
	fat=$((bps * rsvd))
	case $ver in
	FAT32)
		[ $(($(od -An -tu1 -j 65 -N 1 "$dev") & 1)) = 0 ] || return 1
		[ $(($(le32 "$dev" $((fat + 4))) & 0x08000000)) != 0 ] || return 1 ;;
	FAT16)
		[ $(($(od -An -tu1 -j 37 -N 1 "$dev") & 1)) = 0 ] || return 1
		[ $(($(le16 "$dev" $((fat + 2))) & 0x8000)) != 0 ] || return 1 ;;
	*)
		[ $(($(od -An -tu1 -j 37 -N 1 "$dev") & 1)) = 0 ] || return 1 ;;
	esac
	if command -v fsck.fat >/dev/null; then
		! fsck.fat -n "$dev" 2>&1 | grep -qi dirty || return 1
	fi
	return 0
}
# no_helper_left DIR: no FUSE program still runs for a mount point under DIR
# (they exit once unmounted; a copy of the mount in another mount namespace,
# e.g. one made by a concurrent "ip netns exec", keeps one alive: only noted)
no_helper_left() {
	local i
	for i in $(seq 30); do
		ps -eo args | grep -E "^fuse(fat|iso) .* $1/" >/dev/null || return 0
		sleep 0.1
	done
	echo "note: a FUSE program for $1 still runs after unmount (mount copied into another namespace?)"
	return 0
}

# run_tool NAME_GLOB OUT: enumerate + mount + list under a private runtime dir
run_tool() {
	if ! "$TOOL" --glob "$1" --glob "$1p*" --runtime-dir "$W/rt" --mount >"$2" 2>"$2.err"; then
		bad "blockprobe-tool on $1 exited with failure: $(head -c 2000 "$2.err")"
	fi
}

mkdir -p "$W/src"
echo "kexboot block test" >"$W/src/hello.txt"

#### ext4, clean
truncate -s 64M "$W/ext4.img"
mkfs.ext4 -q -F -L KB_EXT4 -U 0c0ffee0-1111-4222-8333-444455556666 -d "$W/src" "$W/ext4.img"
sum=$(sha256sum <"$W/ext4.img")
dev=$(attach "$W/ext4.img")
n=$(basename "$dev")
run_tool "$n" "$W/ext4.out"
l=$(devline add "$n" "$W/ext4.out")
expect_field ext4 "$l" fstype ext4
expect_field ext4 "$l" label KB_EXT4
expect_field ext4 "$l" uuid 0c0ffee0-1111-4222-8333-444455556666
expect_field ext4 "$l" in_use false
check "ext4: mounted read-only with noload" grep -q "\"mount\":\"ours\",\"name\":\"$n\".*\"options\":\"noload\"" "$W/ext4.out"
check "ext4: file readable" grep -q '"hello.txt":"kexboot block test' "$W/ext4.out"
check "ext4: device ro flag restored after unmount" test "$(blockdev --getro "$dev")" = 0
check "ext4: nothing left mounted" sh -c "! grep -q ' $W/rt' /proc/self/mountinfo"
detach "$dev"
check "ext4: image byte-identical" test "$(sha256sum <"$W/ext4.img")" = "$sum"

#### GPT disk with two labelled vfat partitions
truncate -s 64M "$W/gpt.img"
sfdisk -q "$W/gpt.img" <<EOF
label: gpt
label-id: 5E1F0000-AAAA-4BBB-8CCC-DDDDEEEEFFFF
start=2048, size=40960, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=11111111-AAAA-4BBB-8CCC-000000000001, name="KBPARTONE"
start=43008, size=40960, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=22222222-AAAA-4BBB-8CCC-000000000002, name="KBPARTTWO"
EOF
dev=$(attach "$W/gpt.img")
n=$(basename "$dev")
mkfs.vfat -n KBVFAT1 -i ABCD0001 "${dev}p1" >/dev/null 2>&1
mkfs.vfat -n KBVFAT2 -i ABCD0002 "${dev}p2" >/dev/null 2>&1
if command -v mcopy >/dev/null; then
	mcopy -i "${dev}p1" "$W/src/hello.txt" ::/hello.txt 2>/dev/null
fi
sync
blockdev --flushbufs "$dev"
sum=$(sha256sum <"$W/gpt.img")
run_tool "$n" "$W/gpt.out"
l=$(devline add "$n" "$W/gpt.out")
expect_field gpt "$l" pttype gpt
expect_field gpt "$l" partition false
for i in 1 2; do
	l=$(devline add "${n}p$i" "$W/gpt.out")
	expect_field "gpt p$i" "$l" partition true
	expect_field "gpt p$i" "$l" parent "$n"
	expect_field "gpt p$i" "$l" fstype vfat
	expect_field "gpt p$i" "$l" label "KBVFAT$i"
	expect_field "gpt p$i" "$l" uuid "ABCD-000$i"
	expect_field "gpt p$i" "$l" partuuid "$([ $i = 1 ] && echo 11111111-aaaa-4bbb-8ccc-000000000001 || echo 22222222-aaaa-4bbb-8ccc-000000000002)"
	expect_field "gpt p$i" "$l" partlabel "$([ $i = 1 ] && echo KBPARTONE || echo KBPARTTWO)"
done
if fs_supported vfat; then
	check "vfat: mounted by the kernel" grep -q "\"mount\":\"ours\",\"name\":\"${n}p1\".*\"helper\":null" "$W/gpt.out"
	command -v mcopy >/dev/null &&
		check "vfat: file readable" grep -q '"hello.txt":"kexboot block test' "$W/gpt.out"
elif have_helper fusefat; then
	for i in 1 2; do
		check "vfat p$i: kernel without vfat: mounted read-only via fusefat" grep -q \
			"\"mount\":\"ours\",\"name\":\"${n}p$i\",.*\"options\":\"via fusefat\",\"helper\":\"fusefat\"" "$W/gpt.out"
	done
	# fusefat lists 8.3 names in upper case (lookups are case-insensitive)
	command -v mcopy >/dev/null &&
		check "vfat: file readable through fusefat" grep -qi '"hello.txt":"kexboot block test' "$W/gpt.out"
	no_helper_left "$W/rt"
else
	check "vfat: kernel without vfat and no fusefat reported clearly" \
		grep -q "\"mount\":\"error\",\"name\":\"${n}p1\".*kernel has no vfat support and fusefat is not installed" "$W/gpt.out"
fi
if ! fs_supported vfat; then
	# the same without the FUSE program (an override that is not there)
	KEXBOOT_FUSEFAT=$W/no/fusefat run_tool "$n" "$W/gpt-nofuse.out"
	check "vfat: missing fusefat reported clearly" grep -q \
		"\"mount\":\"error\",\"name\":\"${n}p1\".*kernel has no vfat support and fusefat is not installed" "$W/gpt-nofuse.out"
fi
check "gpt: ro flags restored" test "$(blockdev --getro "${dev}p1")$(blockdev --getro "$dev")" = 00
check "gpt: nothing left mounted" sh -c "! grep -q ' $W/rt' /proc/self/mountinfo"
check "vfat p1: dirty bits not set" fat_clean "${dev}p1"
check "vfat p2: dirty bits not set" fat_clean "${dev}p2"
detach "$dev"
check "gpt: image byte-identical" test "$(sha256sum <"$W/gpt.img")" = "$sum"

#### iso9660
if command -v xorriso >/dev/null; then
	xorriso -outdev "$W/iso.img" -volid KB_ISO -volume_date uuid 2024010203040500 \
		-map "$W/src" / >/dev/null 2>&1
	sum=$(sha256sum <"$W/iso.img")
	dev=$(attach "$W/iso.img")
	n=$(basename "$dev")
	run_tool "$n" "$W/iso.out"
	l=$(devline add "$n" "$W/iso.out")
	expect_field iso "$l" fstype iso9660
	expect_field iso "$l" label KB_ISO
	expect_field iso "$l" uuid 2024-01-02-03-04-05-00
	if fs_supported iso9660; then
		check "iso: mounted by the kernel" grep -q "\"mount\":\"ours\",\"name\":\"$n\".*\"helper\":null" "$W/iso.out"
		check "iso: file readable" grep -q '"hello.txt":"kexboot block test' "$W/iso.out"
	elif have_helper fuseiso; then
		check "iso: kernel without iso9660: mounted read-only via fuseiso" grep -q \
			"\"mount\":\"ours\",\"name\":\"$n\",.*\"options\":\"via fuseiso\",\"helper\":\"fuseiso\"" "$W/iso.out"
		check "iso: file readable through fuseiso" grep -q '"hello.txt":"kexboot block test' "$W/iso.out"
		no_helper_left "$W/rt"
	else
		check "iso: kernel without iso9660 and no fuseiso reported clearly" \
			grep -q "\"mount\":\"error\",\"name\":\"$n\".*kernel has no iso9660 support and fuseiso is not installed" "$W/iso.out"
	fi
	if ! fs_supported iso9660; then
		KEXBOOT_FUSEISO=$W/no/fuseiso run_tool "$n" "$W/iso-nofuse.out"
		check "iso: missing fuseiso reported clearly" grep -q \
			"\"mount\":\"error\",\"name\":\"$n\".*kernel has no iso9660 support and fuseiso is not installed" "$W/iso-nofuse.out"
	fi
	check "iso: ro flag restored" test "$(blockdev --getro "$dev")" = 0
	check "iso: nothing left mounted" sh -c "! grep -q ' $W/rt' /proc/self/mountinfo"
	detach "$dev"
	check "iso: image byte-identical" test "$(sha256sum <"$W/iso.img")" = "$sum"
else
	echo "note: xorriso missing, iso9660 case skipped"
fi

#### btrfs
if command -v mkfs.btrfs >/dev/null && fs_supported btrfs; then
	truncate -s 160M "$W/btrfs.img"
	mkfs.btrfs -q -L KB_BTRFS -U 0b0b0b0b-1111-4222-8333-444455556666 -r "$W/src" "$W/btrfs.img" >/dev/null
	sum=$(sha256sum <"$W/btrfs.img")
	dev=$(attach "$W/btrfs.img")
	n=$(basename "$dev")
	run_tool "$n" "$W/btrfs.out"
	l=$(devline add "$n" "$W/btrfs.out")
	expect_field btrfs "$l" fstype btrfs
	expect_field btrfs "$l" label KB_BTRFS
	expect_field btrfs "$l" uuid 0b0b0b0b-1111-4222-8333-444455556666
	check "btrfs: mounted without log replay" grep -q "\"mount\":\"ours\",\"name\":\"$n\".*nologreplay" "$W/btrfs.out"
	check "btrfs: file readable" grep -q '"hello.txt":"kexboot block test' "$W/btrfs.out"
	detach "$dev"
	check "btrfs: image byte-identical" test "$(sha256sum <"$W/btrfs.img")" = "$sum"
fi

# populate IMG: mount it read-write on our own loop device, copy src in
# while mounted: DIRTY_COPY (optional) gets a copy of the live image
populate() {
	local img=$1 dirty=${2:-} d
	d=$(attach "$img")
	mkdir -p "$W/rw"
	mount "$d" "$W/rw" && MOUNTS+=("$W/rw")
	cp "$W/src/hello.txt" "$W/rw/hello.txt"
	if [ -n "$dirty" ]; then
		echo "written while mounted" >"$W/rw/late.txt"
		sync
		cp --sparse=always "$img" "$dirty"
	fi
	umount "$W/rw"
	detach "$d"
}

#### xfs (clean, then a copy taken while mounted: dirty log)
if command -v mkfs.xfs >/dev/null && fs_supported xfs; then
	truncate -s 320M "$W/xfs.img"
	mkfs.xfs -q -L KB_XFS -m uuid=0f0f0f0f-1111-4222-8333-444455556666 "$W/xfs.img"
	populate "$W/xfs.img" "$W/xfs-dirty.img"
	for img in xfs xfs-dirty; do
		sum=$(sha256sum <"$W/$img.img")
		if [ $img = xfs-dirty ]; then
			if xfs_logprint -t "$W/$img.img" 2>/dev/null | grep -q "log tail.*head"; then :; fi
			xfs_repair -n "$W/$img.img" >"$W/$img.repair" 2>&1
			check "xfs-dirty: the copy really has a dirty log" grep -qi "log" "$W/$img.repair"
		fi
		dev=$(attach "$W/$img.img")
		n=$(basename "$dev")
		run_tool "$n" "$W/$img.out"
		l=$(devline add "$n" "$W/$img.out")
		expect_field $img "$l" fstype xfs
		expect_field $img "$l" label KB_XFS
		expect_field $img "$l" uuid 0f0f0f0f-1111-4222-8333-444455556666
		if grep -q "\"mount\":\"ours\",\"name\":\"$n\".*norecovery" "$W/$img.out"; then
			ok "$img: mounted read-only with norecovery"
			# a dirty copy shows the last checkpointed state (log not replayed)
			[ $img = xfs ] &&
				check "$img: file readable" grep -q '"hello.txt":"kexboot block test' "$W/$img.out"
		elif [ $img = xfs-dirty ] && grep -q "\"mount\":\"error\",\"name\":\"$n\".*not replayed" "$W/$img.out"; then
			ok "$img: dirty log reported clearly: $(grep -o '"why":"[^"]*"' "$W/$img.out")"
		else
			bad "$img: mount: $(grep "\"name\":\"$n\"" "$W/$img.out" | grep mount)"
		fi
		detach "$dev"
		check "$img: image byte-identical" test "$(sha256sum <"$W/$img.img")" = "$sum"
	done
fi

#### ext4 with a dirty journal (copy of a mounted filesystem)
truncate -s 64M "$W/ext4j.img"
mkfs.ext4 -q -F -L KB_EXT4J -U 0e0e0e0e-1111-4222-8333-444455556666 "$W/ext4j.img"
populate "$W/ext4j.img" "$W/ext4j-dirty.img"
check "ext4-dirty: copy needs journal recovery" sh -c \
	"dumpe2fs -h '$W/ext4j-dirty.img' 2>/dev/null | grep -i 'features' | grep -q needs_recovery"
sum=$(sha256sum <"$W/ext4j-dirty.img")
dev=$(attach "$W/ext4j-dirty.img")
n=$(basename "$dev")
run_tool "$n" "$W/ext4j.out"
l=$(devline add "$n" "$W/ext4j.out")
expect_field ext4-dirty "$l" fstype ext4
expect_field ext4-dirty "$l" label KB_EXT4J
check "ext4-dirty: mounted with noload" grep -q "\"mount\":\"ours\",\"name\":\"$n\".*noload" "$W/ext4j.out"
detach "$dev"
check "ext4-dirty: image byte-identical (journal not replayed)" test "$(sha256sum <"$W/ext4j-dirty.img")" = "$sum"
check "ext4-dirty: still needs recovery afterwards" sh -c \
	"dumpe2fs -h '$W/ext4j-dirty.img' 2>/dev/null | grep -i 'features' | grep -q needs_recovery"

#### in use: mounted read-write by someone else
dev=$(attach "$W/ext4.img")
n=$(basename "$dev")
mkdir -p "$W/busy"
mount "$dev" "$W/busy" && MOUNTS+=("$W/busy")
run_tool "$n" "$W/busy.out"
l=$(devline add "$n" "$W/busy.out")
expect_field in-use "$l" in_use true
expect_field in-use "$l" mount_point "$W/busy"
check "in-use: read through the existing mount" grep -q "\"mount\":\"existing\",\"name\":\"$n\",\"mount_point\":\"$W/busy\"" "$W/busy.out"
check "in-use: files read through it" grep -q '"hello.txt":"kexboot block test' "$W/busy.out"
check "in-use: block device not made read-only" test "$(blockdev --getro "$dev")" = 0
check "in-use: still mounted" mountpoint -q "$W/busy"
check "in-use: still writable" sh -c "echo x > '$W/busy/still-rw'"
umount "$W/busy"
detach "$dev"

#### in use: a partition mounted elsewhere makes its whole disk in use too
truncate -s 48M "$W/gptx.img"
printf 'label: gpt\nstart=2048, size=40960, name="KBEXT"\n' | sfdisk -q "$W/gptx.img"
dev=$(attach "$W/gptx.img")
n=$(basename "$dev")
if [ -e "${dev}p1" ]; then
	mkfs.ext4 -q -F -L KB_PEXT "${dev}p1"
	mkdir -p "$W/busy2"
	mount "${dev}p1" "$W/busy2" && MOUNTS+=("$W/busy2")
	run_tool "$n" "$W/busy2.out"
	l=$(devline add "$n" "$W/busy2.out")
	expect_field "in-use disk" "$l" in_use true
	expect_field "in-use disk" "$l" in_use_reason "${n}p1 is mounted at $W/busy2"
	l=$(devline add "${n}p1" "$W/busy2.out")
	expect_field "in-use partition" "$l" in_use true
	expect_field "in-use partition" "$l" mount_point "$W/busy2"
	check "in-use partition: ro flags untouched" test "$(blockdev --getro "$dev")$(blockdev --getro "${dev}p1")" = 00
	check "in-use partition: still mounted" mountpoint -q "$W/busy2"
	umount "$W/busy2"
else
	bad "gptx: partition node missing"
fi
detach "$dev"

#### in use: an active swap
truncate -s 16M "$W/swap.img"
mkswap -q -L KB_SWAP "$W/swap.img" >/dev/null
dev=$(attach "$W/swap.img")
n=$(basename "$dev")
if swapon "$dev" 2>/dev/null; then
	run_tool "$n" "$W/swap.out"
	l=$(devline add "$n" "$W/swap.out")
	expect_field swap "$l" fstype swap
	expect_field swap "$l" in_use true
	expect_field swap "$l" in_use_reason "active swap"
	check "swap: not made read-only" test "$(blockdev --getro "$dev")" = 0
	check "swap: still active" grep -q "^$dev " /proc/swaps
	swapoff "$dev"
else
	echo "note: swapon not possible here, swap case skipped"
fi
detach "$dev"

#### monitor: attach/detach while watching
# claim a free loop device name first so the glob covers only ours
mdev=
for try in 1 2 3 4 5; do
	cand=$(losetup -f) || break
	if losetup --partscan "$cand" "$W/gpt.img" 2>/dev/null; then
		mdev=$cand
		break
	fi
done
if [ -n "$mdev" ]; then
	losetup -d "$mdev"
	n=$(basename "$mdev")
	"$TOOL" --use-loop --glob "$n" --glob "${n}p*" --monitor 20 >"$W/mon.out" 2>"$W/mon.err" &
	MONPID=$!
	for i in $(seq 50); do grep -q monitoring "$W/mon.out" && break; sleep 0.1; done
	if losetup --partscan "$mdev" "$W/gpt.img"; then
		LOOPS+=("$mdev $(readlink -f "$W/gpt.img")")
		udev_settle_parts "$mdev"
		for i in $(seq 50); do
			[ -n "$(devline add "${n}p2" "$W/mon.out")" ] && break
			sleep 0.1
		done
		l=$(devline add "$n" "$W/mon.out")
		expect_field monitor-add "$l" pttype gpt
		l=$(devline add "${n}p1" "$W/mon.out")
		expect_field monitor-add "$l" partlabel KBPARTONE
		expect_field monitor-add "$l" label KBVFAT1
		l=$(devline add "${n}p2" "$W/mon.out")
		expect_field monitor-add "$l" partlabel KBPARTTWO
		detach "$mdev"
		for i in $(seq 50); do
			[ -n "$(devline remove "$n" "$W/mon.out")" ] && break
			sleep 0.1
		done
		check "monitor: remove for the disk on detach" test -n "$(devline remove "$n" "$W/mon.out")"
		check "monitor: remove for its partitions" test -n "$(devline remove "${n}p1" "$W/mon.out")"
	else
		bad "monitor: could not re-attach $mdev"
	fi
	kill -TERM "$MONPID" 2>/dev/null
	wait "$MONPID"
	check "monitor: exits 0 on SIGTERM through the event loop" test $? = 0
	check "monitor: saw SIGTERM" grep -q '"sigterm":true' "$W/mon.out"
	MONPID=
else
	bad "monitor: no free loop device"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
