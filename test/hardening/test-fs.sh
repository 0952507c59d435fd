#!/bin/bash
# Hostile filesystems on real ext4 images, probed by the real daemon:
#  escape  configs, includes, kernels and initrds that are symlinks out of the
#          device (/etc/shadow, ../../../etc/passwd, a marker file planted on
#          this host, a link to /): nothing outside the device is ever opened
#          (strace of every open) and no marker content reaches an option;
#  special a FIFO, a socket and device nodes where configs are expected: no hang;
#  big     a 2 GiB sparse config: refused, naming the limit;
#  loops   include/source/configfile loops: refused at the depth limit, the
#          entries beside them kept;
#  huge    100,000 entries: the daemon keeps answering while it parses, all
#          options reach a client, memory bounded.
# In every case the daemon keeps running, the images are byte-identical
# afterwards and the talloc report at exit is empty.
. "$(dirname "$0")/lib.sh"

for t in mkfs.ext4 jq strace mkfifo; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
strace -f -o /dev/null -e trace=openat true 2>/dev/null || { echo "SKIP: strace cannot trace here"; exit 77; }
N_HUGE=${KB_HARD_HUGE:-100000}

python3 "$FIXTURES/mkbzimage.py" "$W/kernel"
# a directory on this host the daemon must never read: planted markers
HOST=$W/host-secret
mkdir -p "$HOST"
MARK=KBHOSTMARKER$$
printf "menuentry '%s grub' {\n\tlinux /vmlinuz\n}\n" $MARK > "$HOST/grub.cfg"
printf 'LABEL m\n  MENU LABEL %s syslinux\n  LINUX /vmlinuz\n' $MARK > "$HOST/extlinux.conf"
printf 'title %s bls\nlinux /vmlinuz\n' $MARK > "$HOST/bls.conf"
cp "$W/kernel" "$HOST/vmlinuz"
UP=../../../../../../../../../../..

# escape: every config location a symlink off the device, plus valid configs
# whose includes and files are
E=$W/escape
mkdir -p "$E/boot/grub" "$E/grub" "$E/grub2" "$E/extlinux" "$E/boot/extlinux" "$E/boot/grub2" \
	"$E/loader/entries" "$E/boot/loader/entries"
ln -s /etc/shadow "$E/boot/grub/grub.cfg"
ln -s "$HOST/grub.cfg" "$E/grub/grub.cfg"
ln -s "$UP/etc/passwd" "$E/extlinux/extlinux.conf"
ln -s "$UP$HOST/extlinux.conf" "$E/extlinux.conf"
ln -s /etc/shadow "$E/loader/entries/shadow.conf"
ln -s "$HOST/bls.conf" "$E/loader/entries/host.conf"
ln -s "$UP$HOST/bls.conf" "$E/boot/loader/entries/host-rel.conf"
ln -s / "$E/rootlink"
ln -s "$HOST" "$E/hostdir"
ln -s /etc/shadow "$E/vmlinuz-shadow"
ln -s "$UP/etc/passwd" "$E/initrd-passwd"
ln -s "$HOST/vmlinuz" "$E/vmlinuz-host"
ln -s "$HOST/extlinux.conf" "$E/boot/extlinux/inc.cfg"
cp "$W/kernel" "$E/vmlinuz"
cat > "$E/boot/extlinux/extlinux.conf" <<EOF
LABEL shadow
  MENU LABEL Kernel is /etc/shadow
  LINUX /vmlinuz-shadow
  INITRD /initrd-passwd
LABEL host
  MENU LABEL Kernel is a host file
  LINUX /vmlinuz-host
LABEL up
  MENU LABEL Kernel path climbs out
  LINUX /../../../../etc/shadow
LABEL root
  MENU LABEL Kernel through a link to /
  LINUX /rootlink/etc/shadow
LABEL fine
  MENU LABEL Escape survivor
  LINUX /vmlinuz
INCLUDE /boot/extlinux/inc.cfg
INCLUDE /hostdir/extlinux.conf
INCLUDE /rootlink$HOST/extlinux.conf
EOF
cat > "$E/boot/grub2/grub.cfg" <<EOF
source /rootlink$HOST/grub.cfg
source /hostdir/grub.cfg
configfile /rootlink/etc/shadow
menuentry 'Grub escape survivor' {
	linux /vmlinuz
}
EOF
mkfs.ext4 -q -F -L ESCAPE -d "$E" "$W/escape.img" 16M

# special files where configs are expected
S=$W/special
mkdir -p "$S/boot/grub" "$S/extlinux" "$S/loader/entries" "$S/boot/syslinux" "$S/grub"
mkfifo "$S/boot/grub/grub.cfg"
mkfifo "$S/loader/entries/fifo.conf"
mknod "$S/extlinux/extlinux.conf" c 1 5      # /dev/zero
mknod "$S/grub/grub.cfg" c 1 3               # /dev/null
python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$S/boot/syslinux/syslinux.cfg"
cp "$W/kernel" "$S/vmlinuz"
printf 'LABEL ok\n  MENU LABEL Special survivor\n  LINUX /vmlinuz\n' > "$S/syslinux.cfg"
mkfs.ext4 -q -F -L SPECIAL -d "$S" "$W/special.img" 16M

# a 2 GiB sparse config
G=$W/big
mkdir -p "$G/boot/grub" "$G/extlinux"
truncate -s 2G "$G/boot/grub/grub.cfg"
printf 'LABEL ok\n  MENU LABEL Big survivor\n  LINUX /vmlinuz\n' > "$G/extlinux/extlinux.conf"
cp "$W/kernel" "$G/vmlinuz"
truncate -s 3G "$W/big.img"
mkfs.ext4 -q -F -L BIG -d "$G" "$W/big.img"

# include loops
L=$W/loops
mkdir -p "$L/boot/grub" "$L/extlinux" "$L/grub2"
cat > "$L/boot/grub/grub.cfg" <<'EOF'
menuentry 'Grub loop survivor' {
	linux /vmlinuz
}
source /boot/grub/grub.cfg
EOF
cat > "$L/grub2/grub.cfg" <<'EOF'
menuentry 'Configfile loop survivor' {
	linux /vmlinuz
}
configfile /grub2/b.cfg
EOF
printf 'configfile /grub2/grub.cfg\n' > "$L/grub2/b.cfg"
printf 'LABEL ok\n  MENU LABEL Syslinux loop survivor\n  LINUX /vmlinuz\nINCLUDE /extlinux/a.cfg\n' > "$L/extlinux/extlinux.conf"
printf 'INCLUDE /extlinux/extlinux.conf\n' > "$L/extlinux/a.cfg"
cp "$W/kernel" "$L/vmlinuz"
mkfs.ext4 -q -F -L LOOPS -d "$L" "$W/loops.img" 16M

IMAGES="escape special big loops"
declare -A DEV
DEVGLOBS=()
for i in $IMAGES; do
	sha256sum "$W/$i.img" > "$W/$i.sha"
	attach "$W/$i.img" || exit 1
	DEV[$i]=$(basename "$LOOP")
	DEVGLOBS+=("${DEV[$i]}")
done
: > "$W/kexboot.conf"

# every open the daemon makes, with its arguments
KB_DAEMON_WRAPPER="env ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 strace -f -qq -o $W/strace.log -e trace=open,openat,openat2,open_tree,name_to_handle_at,execve" \
	start_daemon --no-autoboot --talloc-report "$W/talloc.txt" || exit 1
check "survivors appear" wait_json '[.options[].name] | (index("Escape survivor") and index("Special survivor") and index("Big survivor") and index("Syslinux loop survivor")) != null' 60
t=$(ms ctl status)
check "the daemon answers at once after the special files ($t ms)" test "$t" -lt 2000
cp "$W/list.json" "$W/fs-list.json"
ctl watch --json > /dev/null 2>&1 & sleep 0.5; kill $! 2>/dev/null

# escape
check "no host marker reached an option" sh -c "! grep -q $MARK '$W/fs-list.json'"
check "no option read from /etc" sh -c "! jq -r '.options[].name' '$W/fs-list.json' | grep -q '^root:'"
dev_status() { grep -F "${DEV[$1]}: " "$W/daemon.log"; }
dev_status escape > "$W/escape.status"
check "escape: config symlinks refused with a reason" grep -Eqi "symlink|leads off|outside|escap|loop|ELOOP|EXDEV|too many levels|cross-device" "$W/escape.status"
for name in "Kernel is /etc/shadow" "Kernel is a host file" "Kernel path climbs out" "Kernel through a link to /"; do
	id=$(jq -r ".options[] | select(.name == \"$name\") | .id" "$W/fs-list.json")
	if [ -z "$id" ]; then
		ok "escape: '$name' not offered at all"
		continue
	fi
	ctl boot "$id" --dry-run --force > "$W/boot.out" 2>&1
	rc=$?
	check "escape: booting '$name' refused (exit $rc: $(head -c 200 "$W/boot.out"))" \
		sh -c "[ $rc != 0 ] && grep -Eq 'leads off its device|No such file|not present' '$W/boot.out'"
done
check "escape: the grub survivor is kept" jqe '[.options[].name] | index("Grub escape survivor") != null' "$W/fs-list.json"
# strace: no open of anything outside the device by name, and no marker
grep -E 'open|name_to_handle' "$W/strace.log" > "$W/opens.log"
check "strace saw the daemon's opens ($(wc -l < "$W/opens.log") calls)" test -s "$W/opens.log"
# a path that names the forbidden files is harmless only when resolved
# inside the device root by the kernel (openat2 RESOLVE_IN_ROOT/BENEATH)
grep -E "etc/(shadow|passwd)|$HOST" "$W/opens.log" | grep -vE "resolve=[A-Z_|]*RESOLVE_(IN_ROOT|BENEATH)" > "$W/bad-opens" || true
check "no unconfined open names /etc/shadow, /etc/passwd or the planted host files$( [ -s "$W/bad-opens" ] && echo ": $(head -3 "$W/bad-opens")")" \
	test ! -s "$W/bad-opens"
check "the daemon did try the hostile paths, confined ($(grep -c RESOLVE_IN_ROOT "$W/opens.log") confined opens)" \
	grep -Eq "host-secret.*RESOLVE_(IN_ROOT|BENEATH)" "$W/opens.log"
# absolute opens must stay in the runtime dir, our own files, or the system's
# ("/" itself: libudev resolves sysfs paths from an O_PATH handle on it)
grep -oE 'open(at2?)?\([^"]*"/[^"]*"' "$W/opens.log" | grep -oE '"/[^"]*"' | tr -d '"' | sort -u > "$W/abs-paths"
grep -vx / "$W/abs-paths" |
	grep -vE "^($W/(run|state|sysroot|kexboot\.conf|daemon\.log|talloc\.txt|kexboot\.sock)|/proc/|/sys/|/dev/|/run/udev|/etc/(ld\.so|localtime|nsswitch|udev|blkid|mtab|fstab|filesystems)|/lib|/usr/lib|/usr/share/(locale|zoneinfo))" \
	> "$W/abs-outside" || true
check "every absolute path opened is the daemon's own or the system's$( [ -s "$W/abs-outside" ] && echo ": $(head -5 "$W/abs-outside" | tr '\n' ' '): $(grep -F "\"$(head -1 "$W/abs-outside")\"" "$W/opens.log" | head -2)")" \
	test ! -s "$W/abs-outside"

# special files
dev_status special > "$W/special.status"
check "special: FIFO/socket/device configs refused as not regular (or denied: nodev)" \
	grep -Eq "not a regular file|Permission denied|No such device" "$W/special.status"
check "special: the survivor is kept" jqe '[.options[].name] | index("Special survivor") != null' "$W/fs-list.json"
check "special: mounted nodev" sh -c "grep ' $W/run/mnt/${DEV[special]} ' /proc/self/mountinfo | grep -q nodev"

# big
dev_status big > "$W/big.status"
check "big: the 2 GiB config refused naming the limit ($(grep -m1 -o 'refusing[^"]*' "$W/big.status" | head -c 160))" \
	grep -q "over the config size limit of 16777216 bytes" "$W/big.status"

# loops
dev_status loops > "$W/loops.status"
for f in /boot/grub/grub.cfg /grub2/grub.cfg /extlinux/a.cfg; do
	check "loops: $f refused at the include depth limit" \
		grep -q "$f:[0-9]*: .*nesting deeper than 16 (KB_PARSE_MAX_INCLUDE_DEPTH)" "$W/loops.status"
done
for s in "Grub loop survivor" "Configfile loop survivor" "Syslinux loop survivor"; do
	check "loops: '$s' kept" jqe "[.options[].name] | index(\"$s\") != null" "$W/fs-list.json"
done
check "the daemon is still running" daemon_alive

kill $(pgrep -P "$DAEMON")
wait "$DAEMON"
rc=$?
check "daemon exits cleanly (status $rc)" test $rc = 0
check "talloc report at exit is empty" talloc_report_empty "$W/talloc.txt"
check "no mounts left" test "$(our_mounts)" = 0

# huge: 100,000 grub entries on one device (syslinux stops at 65,536
# labels, KB_SYSLINUX_MAX_LABELS)
H=$W/huge
mkdir -p "$H/boot/grub"
cp "$W/kernel" "$H/vmlinuz"
python3 - "$H/boot/grub/grub.cfg" "$N_HUGE" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write("menuentry 'Entry %d' {\n\tlinux /vmlinuz ro n=%d\n}\n" % (i, i))
EOF
echo "huge config: $(stat -c %s "$H/boot/grub/grub.cfg") bytes, $N_HUGE entries"
mkfs.ext4 -q -F -L HUGE -d "$H" "$W/huge.img" 64M
sha256sum "$W/huge.img" > "$W/huge.sha"
attach "$W/huge.img" || exit 1
DEV[huge]=$(basename "$LOOP")
DEVGLOBS=("${DEV[huge]}")
t0=$(date +%s%N)
start_daemon --no-autoboot --talloc-report "$W/talloc2.txt" || exit 1
# clients connecting while it parses and publishes: each must be answered
worst=0 n=0 got=0
while :; do
	t1=$(date +%s%N)
	got=$($PEER hello "$SOCK" 2>/dev/null)
	t=$(( ($(date +%s%N) - t1) / 1000000 ))
	n=$((n + 1))
	[ "$t" -gt "$worst" ] && worst=$t
	[ "$got" = "$N_HUGE" ] && break
	[ $(( ($(date +%s%N) - t0) / 1000000000 )) -gt 120 ] && break
done
t_all=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "huge: a client had all $got options $t_all ms after start; $n clients meanwhile, slowest sync $worst ms; RSS $(daemon_rss) KiB, peak $(daemon_hwm) KiB"
check "huge: all $N_HUGE options reach a client" test "$got" = "$N_HUGE"
check "huge: clients answered within 10 s at worst while it parses ($worst ms)" test "$worst" -lt 10000
rss_meaningful &&
	check "huge: peak RSS under 256 MiB ($(daemon_hwm) KiB)" test "$(daemon_hwm)" -lt 262144
check "huge: 20 more clients at once all synced" sh -c "$PEER many '$SOCK' 20 | grep -q 'synced 20'"
stop_daemon
rc=$?
check "huge: daemon exits cleanly (status $rc)" test $rc = 0
check "huge: talloc report at exit is empty" talloc_report_empty "$W/talloc2.txt"

for i in $IMAGES huge; do
	detach "/dev/${DEV[$i]}"
	check "$i image byte-identical" sha256sum -c --quiet "$W/$i.sha"
done
finish
