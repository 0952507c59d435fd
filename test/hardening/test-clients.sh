#!/bin/bash
# Hostile and crowded clients against the real daemon on a loop device of our
# own holding 10,000 extlinux entries: random frames, a client that never
# reads while options stream (dropped at the queue limit, others still
# answered), 200 clients at once, an unprivileged client trying every
# privileged request (each refused, saying why), then SIGTERM: clean exit,
# an empty talloc report, no fd or mount left, the image byte-identical.
. "$(dirname "$0")/lib.sh"

for t in mkfs.ext4 jq setpriv python3; do
	command -v $t >/dev/null || { echo "SKIP: $t missing"; exit 77; }
done
# under ASan, lib/json.c's append-per-token output is quadratic (every
# realloc copies): kexboot-ctl list --json of 10,000 options takes minutes
N_ENTRIES=${KB_HARD_ENTRIES:-$(grep -qa __asan_init "$CTL" && echo 2000 || echo 10000)}

mkdir -p "$W/fs/extlinux"
python3 "$FIXTURES/mkbzimage.py" "$W/fs/vmlinuz"
{
	echo "DEFAULT e0"
	for i in $(seq 0 $((N_ENTRIES - 1))); do
		printf 'LABEL e%d\n  MENU LABEL Entry number %d of the crowd\n  LINUX /vmlinuz\n  APPEND root=LABEL=CROWD ro quiet n=%d\n' $i $i $i
	done
} > "$W/fs/extlinux/extlinux.conf"
mkfs.ext4 -q -F -L CROWD -d "$W/fs" "$W/crowd.img" 16M >/dev/null
sha256sum "$W/crowd.img" > "$W/crowd.sha"
attach "$W/crowd.img" || exit 1
DEVN=$(basename "$LOOP")
DEVGLOBS=("$DEVN")
: > "$W/kexboot.conf"

start_daemon --no-autoboot --talloc-report "$W/talloc.txt" || exit 1
check "all $N_ENTRIES options found" sh -c "'$CTL' --socket '$SOCK' wait --options $N_ENTRIES --timeout 60 >/dev/null"
check "a raw client syncs all options" test "$($PEER hello "$SOCK")" = "$N_ENTRIES"
fds0=$(daemon_fds)
rss0=$(daemon_rss)
echo "daemon after sync: $fds0 fds, RSS $rss0 KiB"

# random frames: every connection is dropped or answered, the daemon lives
$PEER random "$SOCK" 300 4242 > "$W/random.out" 2>&1
check "random frames: the peer ran ($(cat "$W/random.out"))" grep -q "^sent" "$W/random.out"
check "random frames: daemon alive" daemon_alive
check "random frames: status still answers" ctl status
check "random frames: each bad frame dropped with a reason" \
	grep -Eq "dropped: (Bad message|Protocol error|Message too long)" "$W/daemon.log"

# 200 clients at once, each gets the whole state; twice: the second storm
# must not grow the daemon (what the first took is reused, not leaked)
$PEER many "$SOCK" 200 > "$W/many.out" 2>&1
check "200 clients at once all synced ($(cat "$W/many.out"))" grep -q "clients 200 synced 200" "$W/many.out"
check "200 clients: daemon alive" daemon_alive
rss_many1=$(daemon_rss)
$PEER many "$SOCK" 200 > "$W/many.out" 2>&1
check "200 more clients at once all synced ($(cat "$W/many.out"))" grep -q "clients 200 synced 200" "$W/many.out"
rss_many2=$(daemon_rss)
echo "RSS after 200 clients: $rss_many1 KiB, after 200 more: $rss_many2 KiB"
# the state is encoded once and queued by reference to every client: 200
# clients syncing 10,000 options must not cost 200 copies of it
# (RSS means nothing under valgrind or ASan)
rss_meaningful &&
check "200 clients at once grow RSS by less than 16 MiB" test "$rss_many1" -le $((rss0 + 16384)) &&
check "a second storm of 200 clients grows it by less than 4 MiB more" test "$rss_many2" -le $((rss_many1 + 4096))

# a client that never reads while options stream: rescans re-send every
# option; it must be dropped at the queue limit while others are answered
$PEER stall "$SOCK" 40 > "$W/stall.out" 2>&1 &
stall=$!
sleep 1
slow=0
# each rescan re-sends ~200 bytes per option: enough rescans to pass 16 MiB twice
for i in $(seq $(( 2 * 84000 / N_ENTRIES + 5 ))); do
	ctl rescan >/dev/null 2>&1 || bad "rescan $i failed"
	t=$(ms ctl status)
	[ "$t" -gt "$slow" ] && slow=$t
	grep -q "dropped: No buffer space" "$W/daemon.log" && break
done
echo "rescans until the stalled client was dropped: $i; slowest status meanwhile: $slow ms"
check "the stalled client is dropped at the queue limit" grep -q "dropped: No buffer space available" "$W/daemon.log"
wait $stall
check "the stalled peer saw the close ($(cat "$W/stall.out"))" grep -q "stalled client dropped" "$W/stall.out"
check "others still answered while it stalled" ctl status

# an unprivileged client: every privileged request refused, saying why
open_socket_to_all
check "unprivileged list works" unpriv "$CTL" --socket "$SOCK" list --json
ID=$DEVN:syslinux:0
for req in "boot $ID --dry-run" "boot $ID --dry-run --force" "boot --default --dry-run" \
	"rescan" "config set timeout 3" "config set password x" "cancel" \
	"add --name evil --kernel /etc/shadow" "remove $ID" "next-boot $ID" "exit-shell"; do
	unpriv "$CTL" --socket "$SOCK" $req > "$W/unpriv.out" 2>&1
	rc=$?
	check "unprivileged '$req' refused (exit $rc): $(head -1 "$W/unpriv.out")" \
		sh -c "[ $rc = 1 ] && grep -q 'uid 65534 is not allowed' '$W/unpriv.out'"
done
unpriv $PEER requests "$SOCK" > "$W/raw.out" 2>&1
check "raw requests as nobody: none succeeded" test $? = 0 || cat "$W/raw.out"
for t in BOOT BOOT_FORCE RESCAN CONFIG_SET CANCEL_AUTOBOOT USER_ADD USER_REMOVE NEXT_BOOT EXIT_SHELL; do
	check "raw $t refused with -EPERM and a reason" \
		grep -Eq "^$t -1 refusing [A-Z_]+: uid 65534 is not allowed to boot, edit or configure$" "$W/raw.out"
done
check "nothing was added by the unprivileged client" \
	sh -c "'$CTL' --socket '$SOCK' list --json | jq -e '[.options[] | select(.name == \"evil\")] | length == 0' >/dev/null"
check "the timeout was not changed" test "$(ctl config get timeout)" != 3

# nothing grew: fds back to where they were, RSS bounded
sleep 1
fds1=$(daemon_fds)
rss1=$(daemon_rss)
echo "daemon after the storms: $fds1 fds (was $fds0), RSS $rss1 KiB (was $rss0), peak $(daemon_hwm) KiB"
check "no fd left behind by the clients" test "$fds1" -le "$fds0"
rss_meaningful &&
check "peak RSS bounded by one stalled client's queue limit (16 MiB) plus 8 MiB" \
	test "$(daemon_hwm)" -le $((rss_many2 + 16384 + 8192))

stop_daemon
rc=$?
check "daemon exits cleanly on SIGTERM (status $rc)" test $rc = 0
check "talloc report at exit is empty" talloc_report_empty "$W/talloc.txt"
check "no mounts left" test "$(our_mounts)" = 0
detach "/dev/$DEVN"
check "the image is byte-identical" sha256sum -c --quiet "$W/crowd.sha"
finish
