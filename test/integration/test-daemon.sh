#!/bin/bash
# The daemon on real loop devices: ext4 (grub.cfg), a GPT disk with two vfat
# partitions (extlinux.conf, BLS), iso9660 (isolinux), btrfs (syslinux), xfs
# (grub2) and an ext4 with a dirty journal. kexboot-ctl must list every
# device with its identities and its options; detaching withdraws them; the
# images are byte-identical afterwards; an unprivileged client can look but
# is refused `boot`; SIGTERM unmounts everything.
. "$(dirname "$0")/lib.sh"

for t in mkfs.ext4 mkfs.vfat mcopy sfdisk xorriso mkfs.btrfs mkfs.xfs jq setpriv; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done

. "$(dirname "$0")/images.sh"
make_sample_images "$W"
check "the dirty ext4 image needs journal recovery" \
	sh -c "dumpe2fs -h '$W/dirty.img' 2>/dev/null | grep -q needs_recovery"

IMAGES="ext4 gpt iso btrfs xfs dirty"
for i in $IMAGES; do sha256sum "$W/$i.img" > "$W/$i.sha"; done

declare -A DEV
DEVGLOBS=()
for i in $IMAGES; do
	attach "$W/$i.img" || exit 1
	DEV[$i]=$(basename "$LOOP")
	DEVGLOBS+=("${DEV[$i]}" "${DEV[$i]}p*")
done
echo "devices: $(for i in $IMAGES; do printf '%s=%s ' $i ${DEV[$i]}; done)"

: > "$W/kexboot.conf"
start_daemon --no-autoboot || exit 1

E=${DEV[ext4]} G=${DEV[gpt]} I=${DEV[iso]} R=${DEV[btrfs]} X=${DEV[xfs]} D=${DEV[dirty]}
check "all options appear" wait_json "[.options[].id] | length >= 8"

dev() { jq -c ".devices[] | select(.name == \"$1\")" "$W/list.json"; }
devis() { # devis NAME FIELD VALUE
	[ "$(jq -r ".devices[] | select(.name == \"$1\") | .$2" "$W/list.json")" = "$3" ]
}
check "ext4 identities" devis $E uuid $EXT4_UUID
check "ext4 label" devis $E label KBEXT4
check "ext4 fstype" devis $E fstype ext4
check "ext4 mounted" devis $E state mounted
check "iso9660 identities" devis $I fstype iso9660
check "iso9660 label" devis $I label KBISO
check "iso9660 is optical" devis $I type optical
check "btrfs identities" devis $R uuid $BTRFS_UUID
check "xfs identities" devis $X uuid $XFS_UUID
check "dirty ext4 mounted without replay" devis $D state mounted
check "GPT p1 partuuid" devis ${G}p1 partuuid $P1_UUID
check "GPT p1 partlabel" devis ${G}p1 partlabel kb-esp
check "GPT p2 partlabel" devis ${G}p2 partlabel kb-boot
check "GPT p1 vfat label" devis ${G}p1 label KBPART1
check "GPT whole disk has no options" jqt "[.options[] | select(.device == \"$G\")] | length == 0"

opt() { jq -c ".options[] | select(.name == \"$1\")" "$W/list.json"; }
optis() { # optis NAME JQ_TEST: the option exists and passes the test
	local o
	o=$(opt "$1")
	jqe "$2" <<< "$o"
}
check "grub option on ext4" optis "Debian GNU/Linux" \
	".device == \"$E\" and .kernel == {device: \"$E\", path: \"/boot/vmlinuz-6.1.0-9-amd64\"} and .args == \"root=UUID=$EXT4_UUID ro quiet\""
check "grub initrd" optis "Debian GNU/Linux" ".initrds == [{device: \"$E\", path: \"/boot/initrd.img-6.1.0-9-amd64\"}]"
check "extlinux option on GPT p1" optis "Board Linux" \
	".device == \"${G}p1\" and .kernel.path == \"/Image\" and .args == \"console=ttyS0,115200 root=PARTLABEL=kb-boot\""
check "BLS option on GPT p2" optis "Fedora Linux 39" ".device == \"${G}p2\" and .kernel.path == \"/vmlinuz-6.5.6\""
check "isolinux option" optis "Live system" ".device == \"$I\" and .kernel.path == \"/live/vmlinuz\" and .initrds[0].path == \"/live/initrd.img\""
check "syslinux option on btrfs" optis "Btrfs Linux" ".device == \"$R\""
check "grub2 option on xfs" optis "Fedora on xfs" ".device == \"$X\""
check "extlinux option on the dirty ext4" optis "dirty" ".device == \"$D\""

# nothing may be written to a probed device: the block layer is read-only
check "mounted devices are read-only at the block layer" \
	test "$(blockdev --getro /dev/$E)" = 1
check "mounts are read-only" sh -c "grep ' $W/run/mnt/' /proc/self/mountinfo | awk '{print \$6}' | grep -qv '^rw' && ! grep ' $W/run/mnt/' /proc/self/mountinfo | awk '{print \$6}' | grep -q '^rw'"

# status and the text list work too
check "status answers" sh -c "'$CTL' --socket '$SOCK' status | grep -q 'options: '"
check "text list shows the ext4 option" sh -c "'$CTL' --socket '$SOCK' list | grep -q 'Debian GNU/Linux (rescue)'"

# authority: an unprivileged client can look but not boot
ID=$(opt "Debian GNU/Linux" | jq -r .id)
# let it connect at all: the daemon itself must refuse
chmod 0711 "$W"
chmod 0666 "$SOCK"
check "unprivileged list works" setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" --socket "$SOCK" list --json
setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" --socket "$SOCK" boot "$ID" --dry-run \
	> "$W/unpriv.out" 2>&1
rc=$?
check "unprivileged boot is refused (exit $rc)" test $rc = 1
check "the refusal says why" grep -q "not allowed to boot" "$W/unpriv.out"
for req in "rescan" "next-boot $ID" "config set timeout 3" "cancel" "remove $ID"; do
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" --socket "$SOCK" $req > "$W/unpriv.out" 2>&1
	check "unprivileged '$req' refused" grep -q "not allowed" "$W/unpriv.out"
done
check "the daemon logged the refusal" grep -q "refusing BOOT" "$W/daemon.log"

# a privileged dry run resolves the files and runs the preflight checks
ctl check "$ID" --json > "$W/check.json"
check "check reports preflight results" jqe '.results | length > 0 and all(.[]; has("id") and has("severity") and has("source") and has("remediation"))' "$W/check.json"
ctl boot "$ID" --dry-run --force > "$W/boot.out" 2>&1
check "a privileged forced dry run resolves the kernel" grep -q "dry run: would boot 'Debian GNU/Linux'" "$W/boot.out"
ctl boot --match 'no such entry' --dry-run > "$W/boot.out" 2>&1
check "boot --match without a match fails clearly" grep -q "no option name matches" "$W/boot.out"
DEF=$(ctl status --json | jq -r .autoboot.option)
DEFNAME=$(jq -r ".options[] | select(.id == \"$DEF\") | .name" "$W/list.json")
ctl boot --default --dry-run --force > "$W/boot.out" 2>&1
check "--default boots the announced default ($DEFNAME)" grep -qF "would boot '$DEFNAME'" "$W/boot.out"
check "the default is an entry its config marks default" jqt ".options[] | select(.id == \"$DEF\") | .name | test(\"rescue|Live|Board|Fedora|Btrfs|dirty\")"

# bad peers: a client speaking another protocol version is told and dropped,
# garbage and oversized frames are dropped, and the daemon keeps serving
python3 - "$SOCK" > "$W/peers.out" 2>&1 <<'PY'
import socket, struct, sys
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(path); return s
def frame(t, payload): return struct.pack("<HHI", t, 0, len(payload)) + payload
def string(b): return struct.pack("<I", len(b)) + b
def recv_frame(s):
    h = b""
    while len(h) < 8:
        c = s.recv(8 - len(h))
        if not c: return None
        h += c
    t, f, n = struct.unpack("<HHI", h)
    p = b""
    while len(p) < n: p += s.recv(n - len(p))
    return t, p
def closed(s):
    try:
        while True:
            if not s.recv(65536): return True
    except socket.timeout: return False
    except ConnectionResetError: return True
# a peer speaking version 99: VERSION_MISMATCH (0x0002) carrying our version, then closed
s = conn(); s.sendall(frame(1, struct.pack("<II", 99, 0) + string(b"future-client")))
t, p = recv_frame(s)
print("mismatch", hex(t), struct.unpack("<I", p[:4])[0], closed(s))
# garbage before HELLO
s = conn(); s.sendall(b"\xff" * 64); print("garbage", closed(s))
# an oversized frame header
s = conn(); s.sendall(struct.pack("<HHI", 1, 0, 0x7fffffff)); print("oversized", closed(s))
# a truncated HELLO payload then EOF: dropped without harm
s = conn(); s.sendall(frame(1, b"\x01\x00")); print("truncated", closed(s))
PY
check "a wrong-version peer gets VERSION_MISMATCH with our version, then is dropped" grep -q "^mismatch 0x2 1 True" "$W/peers.out"
check "a garbage peer is dropped" grep -q "^garbage True" "$W/peers.out"
check "an oversized frame is dropped" grep -q "^oversized True" "$W/peers.out"
check "a truncated frame is dropped" grep -q "^truncated True" "$W/peers.out"
check "the daemon still serves the others" ctlq '.options | length >= 8' list --json
check "the daemon logged the mismatch" grep -q "protocol version 99" "$W/daemon.log"

# removal: detaching withdraws the device and its options
detach "/dev/$I"
check "detached iso9660 withdrawn" wait_json "[.devices[].name] | index(\"$I\") == null"
check "its options withdrawn" jqt "[.options[] | select(.device == \"$I\")] | length == 0"
check "its mount released" sh -c "! grep -q ' $W/run/mnt/$I ' /proc/self/mountinfo"

# SIGTERM: everything unmounted, clean exit
stop_daemon
rc=$?
check "daemon exits cleanly on SIGTERM" test $rc = 0
check "no mounts left" sh -c "! grep -q ' $W/run/' /proc/self/mountinfo"
check "block devices read-write again" test "$(blockdev --getro /dev/$E)" = 0

# detach the rest, then compare
for i in $IMAGES; do
	[ "$i" = iso ] || detach "/dev/${DEV[$i]}"
done
for i in $IMAGES; do
	check "$i image byte-identical" sha256sum -c --quiet "$W/$i.sha"
done
finish
