#!/bin/bash
# kexboot-menu in tmux against the REAL daemon on loop disks of our own
# (--devices limited to them, --dry-run, the engine's recording backend over
# a fake sysroot): navigation, cancelling autoboot from one of two menus,
# check + (dry-run) boot, editing an entry for one boot, the configuration
# screen persisting through the daemon (and a restart), the boot console
# added to the command line, hotplug while the menu is open, 80x24 / 200x60
# / TERM=vt100, restricted mode end to end, and kexboot-console running a
# menu on each of two pseudo-terminals.
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux not installed"; exit 77; }
command -v mkfs.ext4 >/dev/null 2>&1 || { echo "SKIP: mkfs.ext4 not installed"; exit 77; }
. "$(dirname "$0")/../integration/lib.sh"

MENU=$B/ui/ncurses/kexboot-menu
[ -x "$MENU" ] || { echo "FAIL: $MENU not built"; exit 1; }
T="tmux -L kbmd$$"
trap '$T kill-server >/dev/null 2>&1; kb_cleanup' EXIT

# --- two disks: extlinux (default "b") and grub.cfg ---
mkdir -p "$W/fs1/extlinux" "$W/fs2/boot/grub"
python3 "$FIXTURES/mkbzimage.py" "$W/fs1/vmlinuz"
cp "$W/fs1/vmlinuz" "$W/fs2/boot/vmlinuz-6.1"
cat > "$W/fs1/extlinux/extlinux.conf" <<'EOF'
DEFAULT b
LABEL a
  MENU LABEL Alpha Linux
  LINUX /vmlinuz
  APPEND root=LABEL=MENU1 a
LABEL b
  MENU LABEL Bravo Linux
  LINUX /vmlinuz
  APPEND root=LABEL=MENU1 b
LABEL c
  MENU LABEL Charlie Linux
  LINUX /vmlinuz
  APPEND root=LABEL=MENU1 c
EOF
cat > "$W/fs2/boot/grub/grub.cfg" <<'EOF'
menuentry 'Debian on disk two' {
	linux /boot/vmlinuz-6.1 root=LABEL=MENU2 ro quiet
}
menuentry 'Debian on disk two (rescue)' {
	linux /boot/vmlinuz-6.1 root=LABEL=MENU2 ro single
}
EOF
mkfs.ext4 -q -F -L MENU1 -d "$W/fs1" "$W/d1.img" 8M >/dev/null 2>&1
mkfs.ext4 -q -F -L MENU2 -d "$W/fs2" "$W/d2.img" 8M >/dev/null 2>&1
attach "$W/d1.img" || exit 1
L1=$(basename "$LOOP")
attach "$W/d2.img" || exit 1
L2=$(basename "$LOOP")
DEVGLOBS=("$L1" "$L2")
B_ID=$L1:syslinux:1
echo "timeout = 30" > "$W/kexboot.conf"

# menu NAME COLS ROWS TERM [VAR=VALUE...]: a kexboot-menu in its own session
menu() {
	local name=$1 cols=$2 rows=$3 term=$4
	shift 4
	$T new-session -d -s "$name" -x "$cols" -y "$rows" \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=$term $* $MENU --socket $SOCK 2>$W/$name.err; echo MENU-EXITED \$?; sleep 60"
}
scr() { $T capture-pane -p -t "$1"; }
# wscr NAME REGEX [SECONDS]: until the pane matches
wscr() {
	local i
	for i in $(seq $((${3:-5} * 20))); do
		scr "$1" | grep -Eq -- "$2" && return 0
		sleep 0.05
	done
	return 1
}
# nscr NAME REGEX [SECONDS]: until the pane no longer matches
nscr() {
	local i
	for i in $(seq $((${3:-5} * 20))); do
		scr "$1" | grep -Eq -- "$2" || return 0
		sleep 0.05
	done
	return 1
}
keys() { $T send-keys -t "$@"; }
text() { $T send-keys -t "$1" -l "$2"; }
sel() { scr "$1" | grep -E '^. +> ' | head -1; }
# wlog REGEX [SECONDS]: until the daemon's log matches
wlog() {
	local i
	for i in $(seq $((${2:-5} * 20))); do
		grep -Eq -- "$1" "$W/daemon.log" && return 0
		sleep 0.05
	done
	return 1
}
# through NAME: past the preflight screen (y when warnings ask for it);
# returns when the daemon has answered the BOOT or a password is wanted
through() {
	wscr "$1" 'Preflight check' 5 || return 1
	wscr "$1" 'Boot anyway\?|Boot requested|Boot failed|Boot blocked|Password required' 10 || return 1
	if scr "$1" | grep -q 'Boot anyway?'; then
		keys "$1" y
		wscr "$1" 'Boot requested|Boot failed|Password required' 10 || return 1
	fi
	return 0
}
# up: the daemon answers (its socket file appears at bind(), a moment
# before listen(): a client in between is refused)
up() {
	local i
	for i in $(seq 50); do
		ctl status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

start_daemon && up || exit 1
ctl wait --options 5 --timeout 10 >/dev/null || { bad "daemon found no options"; cat "$W/daemon.log"; exit 1; }

# --- two menus (80x24 and 200x60) on the same daemon, autoboot counting ---
menu m 80 24 xterm
menu big 200 60 xterm
wscr m 'Debian on disk two \(rescue\)' 10 || bad "80x24: options never appeared: $(scr m)"
wscr big 'Debian on disk two \(rescue\)' 10 || bad "200x60: options never appeared"
S=$(scr m)
l1=$(grep -n "$L1  \"MENU1\"  ext4" <<<"$S" | cut -d: -f1)
la=$(grep -n 'Alpha Linux  ' <<<"$S" | cut -d: -f1)
lc=$(grep -n 'Charlie Linux  ' <<<"$S" | cut -d: -f1)
l2=$(grep -n "$L2  \"MENU2\"  ext4" <<<"$S" | cut -d: -f1)
ld=$(grep -n 'Debian on disk two  ' <<<"$S" | cut -d: -f1)
if [ -n "$l1" ] && [ -n "$l2" ] && [ -n "$ld" ] && [ "$l1" -lt "$la" ] && [ "$la" -lt "$lc" ] &&
	[ "$lc" -lt "$l2" ] && [ "$l2" -lt "$ld" ]; then
	ok "the daemon's options grouped under their loop devices"
else
	bad "grouping: $S"
fi
grep -q 'syslinux' <<<"$S" && grep -q 'grub2' <<<"$S" && ok "source formats shown" || bad "formats"
[ "$(grep -c '^. .. \*' <<<"$S")" = 1 ] && grep -q '^. .. \* Bravo Linux' <<<"$S" &&
	ok "exactly one default marked: the daemon's (extlinux DEFAULT b)" ||
	bad "default marks: $(grep -E '^. .. \*' <<<"$S")"
sel m | grep -q 'Bravo Linux' && ok "the daemon's default is selected" || bad "selection: $(sel m)"
grep -Eq "Booting 'Bravo Linux' in (30|29|28|27|26|25) s" <<<"$S" && ok "countdown shown (timeout = 30)" ||
	bad "countdown: $(tail -4 <<<"$S")"
wscr big "Booting 'Bravo Linux' in" && ok "the second menu counts down too" || bad "no countdown in the second menu"
ctlq '.autoboot.active == true' status --json && ok "daemon: autoboot active" || bad "autoboot not active"

# sizes
[ "$(wc -l <<<"$S")" -eq 24 ] && [ "$(sed -n 2p <<<"$S")" = "l$(printf 'q%.0s' $(seq 78))k" ] &&
	ok "80x24: frame fills the terminal" || bad "80x24 frame: $(sed -n 2p <<<"$S")"
S=$(scr big)
[ "$(wc -l <<<"$S")" -eq 60 ] && [ "$(sed -n 2p <<<"$S")" = "l$(printf 'q%.0s' $(seq 198))k" ] &&
	grep -q 's=shell h=help q=quit' <<<"$S" && grep -q 'Charlie Linux' <<<"$S" &&
	ok "200x60: frame fills the terminal, long key line" || bad "200x60: $(head -3 <<<"$S")"

# --- a key in one menu cancels autoboot everywhere ---
keys m x
wlog 'autoboot cancelled' && ok "the key reached the daemon as a cancel" || bad "no cancel in the daemon log"
nscr big "Booting 'Bravo" && ok "the countdown stopped in the other menu too" || bad "other menu still counts"
nscr m "Booting 'Bravo" && ok "the countdown stopped in this menu" || bad "countdown still shown"
ctlq '.autoboot.active == false' status --json && ok "daemon: autoboot inactive" || bad "still active"
sel m | grep -q 'Bravo Linux' && ok "the cancelling key did nothing else" || bad "key leaked: $(sel m)"
grep -q 'would boot' "$W/daemon.log" && bad "something booted" || ok "nothing booted"

# --- navigation (headers are skipped) ---
keys m Down
wscr m '> +Charlie Linux' 2 && ok "Down" || bad "Down: $(sel m)"
keys m Down
wscr m '> +Debian on disk two  ' 2 && ok "Down skips the device header" || bad "header: $(sel m)"
keys m Up
wscr m '> +Charlie Linux' 2 && ok "Up" || bad "Up: $(sel m)"
keys m End
wscr m '> +Debian on disk two \(rescue\)' 2 && ok "End" || bad "End: $(sel m)"
keys m Home
wscr m '> +Alpha Linux' 2 && ok "Home" || bad "Home: $(sel m)"
keys m j j
wscr m '> +Charlie Linux' 2 && ok "j/k" || bad "j: $(sel m)"
wscr m "$L1:/vmlinuz  root=LABEL=MENU1 c" 2 && ok "details line shows the selected kernel and args" ||
	bad "details: $(scr m | tail -4)"

# --- check and (dry-run) boot ---
: > "$W/daemon.log"
keys m Enter
wscr m 'Preflight check' || bad "no preflight screen"
through m || bad "preflight never finished: $(scr m)"
wlog "dry run: would boot 'Charlie Linux': kernel .* args 'root=LABEL=MENU1 c'" &&
	ok "Enter: the daemon dry-run boots the selected entry" || bad "daemon log: $(grep -i boot "$W/daemon.log")"
wscr m "Boot requested: dry run: would boot 'Charlie Linux'" && ok "the menu shows the daemon's answer" ||
	bad "result: $(scr m | tail -3)"
S=$(scr m)
grep -q 'Command line: root=LABEL=MENU1 c *x$' <<<"$S" && ok "final command line shown" || bad "cmdline: $S"
grep -Eq 'Daemon: [0-9]+ preflight results, 0 fatal' <<<"$S" && ok "the daemon's CHECK summary shown" ||
	bad "check summary: $S"
grep -Eq '^x +\[(info|WARNING)\] ' <<<"$S" && ok "preflight results listed" || bad "results: $S"
keys m Escape
wscr m 'Boot options \(5\)' || bad "Esc: back to the list"

# --- edit an entry for one boot ---
keys m Home
wscr m '> +Alpha Linux' 2 || bad "select Alpha"
keys m e
wscr m 'Edit boot entry' || bad "editor did not open"
wscr m 'Arguments +root=LABEL=MENU1 a' 2 && wscr m "Kernel +$L1:/vmlinuz" 2 &&
	ok "editor shows the entry's kernel and args" || bad "editor fields: $(scr m)"
text m ' init=/bin/sh edited=1'
: > "$W/daemon.log"
keys m Enter
through m || bad "edited boot: preflight never finished: $(scr m)"
wlog "dry run: would boot 'Alpha Linux': kernel .* args 'root=LABEL=MENU1 a init=/bin/sh edited=1'" &&
	ok "the edited args reach the daemon's boot" || bad "edited boot: $(grep -i boot "$W/daemon.log")"
wscr m 'Command line: root=LABEL=MENU1 a init=/bin/sh edited=1' && scr m | grep -q 'edited for this boot only' &&
	ok "the menu shows the edited command line" || bad "edited screen: $(scr m)"
keys m Escape
ctlq ".options[] | select(.id == \"$L1:syslinux:0\") | .args == \"root=LABEL=MENU1 a\"" list --json &&
	ok "the edit did not stick" || bad "edit stuck"

# --- configuration screen: timeout and boot console, seen by the other menu ---
keys m c
wscr m 'System configuration' || bad "config screen did not open"
wscr m 'Timeout \(s\) +30' 2 && ok "config shows the daemon's timeout" || bad "config: $(scr m)"
keys m Down
keys m C-u
text m 12
keys m Down Down
keys m C-u
text m 'ttyS0,115200'
keys m Enter
for _ in $(seq 50); do [ "$(ctl config get timeout)" = 12 ] && break; sleep 0.1; done
[ "$(ctl config get timeout)" = 12 ] && ok "timeout set from the menu (config get)" ||
	bad "timeout: $(ctl config get timeout)"
[ "$(ctl config get console)" = "ttyS0,115200" ] && ok "boot console set from the menu" ||
	bad "console: $(ctl config get console)"
wscr m 'config: (timeout|console) saved' && ok "the menu confirms" || bad "no confirmation: $(scr m | tail -3)"
keys big c
wscr big 'Timeout \(s\) +12' && wscr big 'Boot console +ttyS0,115200' 2 &&
	ok "the other menu sees the new settings" || bad "other menu config: $(scr big)"
keys big Escape
wscr big 'Boot options \(5\)' || bad "back in big"

# the boot console is added (once) to the final command line
keys big End
wscr big '> +Debian on disk two \(rescue\)' 2 || bad "big: select rescue"
: > "$W/daemon.log"
keys big Enter
through big || bad "console boot: $(scr big)"
wlog "would boot 'Debian on disk two \(rescue\)': .* args 'root=LABEL=MENU2 ro single console=ttyS0,115200'" &&
	ok "the daemon adds console= from the setting" || bad "console arg: $(grep -i boot "$W/daemon.log")"
wscr big 'Command line: root=LABEL=MENU2 ro single console=ttyS0,115200 ' &&
	ok "the menu shows the command line with console=" || bad "console cmdline: $(scr big)"
keys big Escape
keys big e
wscr big 'Arguments +root=LABEL=MENU2 ro single' || bad "big editor"
text big ' console=tty1'
: > "$W/daemon.log"
keys big Enter
through big || bad "console=tty1 boot"
wlog "args 'root=LABEL=MENU2 ro single console=tty1'" && ok "an entry with console= keeps its own" ||
	bad "console dup: $(grep -i boot "$W/daemon.log")"
S=$(scr big)
grep 'Command line:' <<<"$S" | grep -q 'Command line: root=LABEL=MENU2 ro single console=tty1 *x$' &&
	ok "and the menu shows it unchanged" || bad "console=tty1 screen: $S"
keys big Escape

# persistence across a daemon restart with the same --state-dir; the menus
# reconnect by themselves
stop_daemon
wscr m 'disconnected' && ok "the menu notices the daemon going away" || bad "no disconnect shown"
start_daemon --no-autoboot && up || exit 1
ctl wait --options 5 --timeout 10 >/dev/null
[ "$(ctl config get timeout)" = 12 ] && [ "$(ctl config get console)" = "ttyS0,115200" ] &&
	ok "settings survive a restart" || bad "after restart: $(ctl config get --json)"
wscr m 'Boot options \(5\)' 10 && nscr m 'disconnected' && ok "the menu reconnected" || bad "no reconnect: $(scr m)"
keys m c
wscr m 'Timeout \(s\) +12' && ok "the restarted daemon's settings in the menu" || bad "config after restart: $(scr m)"
keys m C-u
keys m Escape
ctl config set console ""

# --- hotplug while the menu is open ---
# The disk's media goes away (size 0, as when a card leaves its reader) and
# comes back: the loop node stays ours. (A plain `losetup -d` only sets
# autoclear while the daemon holds its read-only mount: no uevent, nothing
# to notice, so it is not a usable unplug here.)
cp "$W/d2.img" "$W/d2.orig"
keys m End
wscr m '> +Debian on disk two \(rescue\)' 2 || bad "select rescue"
truncate -s 0 "$W/d2.img"
losetup -c "/dev/$L2"
wscr m 'Boot options \(3\)' 10 && nscr m 'Debian on disk two' && ok "a removed disk's entries disappear" ||
	bad "removal: $(scr m)"
sel m | grep -Eq '(Alpha|Bravo|Charlie) Linux' && ok "the selection moved to a remaining entry" ||
	bad "selection after removal: '$(sel m)'"
wscr big 'Boot options \(3\)' 5 && ok "in both menus" || bad "big after removal: $(scr big | head -3)"
keys m Up
sleep 0.2
sel m | grep -Eq '(Alpha|Bravo|Charlie) Linux' && ok "navigation still works" || bad "after removal: $(sel m)"
before=$(sel m)
cp "$W/d2.orig" "$W/d2.img"
losetup -c "/dev/$L2"
wscr m 'Boot options \(5\)' 10 && wscr m 'Debian on disk two \(rescue\)' 2 &&
	ok "the disk comes back: its entries reappear" || bad "re-insert: $(scr m)"
[ "$(sel m)" = "$before" ] && ok "the selection stayed where the user left it" ||
	bad "selection jumped: '$before' -> '$(sel m)'"

# --- TERM=vt100: ASCII frames, same data ---
menu vt 80 24 vt100
wscr vt 'Charlie Linux' 10 || bad "vt100: nothing"
S=$(scr vt)
sed -n 2p <<<"$S" | grep -Eq '^\+-{78}\+$' && sed -n 3p <<<"$S" | grep -q '^|.*|$' &&
	ok "TERM=vt100 draws ASCII frames" || bad "vt100: $(head -3 <<<"$S")"
$T kill-session -t vt

# --- restricted mode, switched on while the menus are open ---
ctl config set password s3cret
wscr m '\[restricted\]' && ok "the menu learns restricted mode from the daemon's settings" ||
	bad "no [restricted]: $(scr m | head -1)"
keys m Home
wscr m '> +Alpha Linux' 2 || bad "select Alpha (restricted)"
: > "$W/daemon.log"
keys m Enter
through m
wscr m 'Password required' && ok "a non-default boot asks for the password" || bad "no prompt: $(scr m)"
text m wrong
scr m | grep -q wrong && bad "password echoed" || ok "password not echoed"
keys m Enter
wscr m 'Boot failed: .*(password|Password)' && ok "a wrong password is refused with the daemon's reason" ||
	bad "wrong password: $(scr m)"
wlog 'password attempt failed' && ok "the daemon logged the failed attempt" || bad "not logged"
grep -q 'would boot' "$W/daemon.log" && bad "booted with a wrong password" || ok "nothing booted"
keys m Escape
wscr m 'Boot options' || bad "back after refusal"
keys m Enter
through m
wscr m 'Password required' || bad "no prompt the second time: $(scr m)"
text m s3cret
keys m Enter
wscr m "Boot requested: dry run: would boot 'Alpha Linux'" 10 && ok "the right password boots it" ||
	bad "right password: $(scr m)"
wlog "would boot 'Alpha Linux'" && ok "daemon: dry-run boot after AUTH" || bad "daemon did not boot"
wlog 'authenticated' && ok "daemon: authenticated" || bad "no auth in the log"
keys m Escape
# the default boots without a password from a menu that never gave one
keys big Escape
keys big Home
wscr big '> +Alpha Linux' 2 || bad "big: Home: $(sel big)"
keys big Down
wscr big '> +\* Bravo Linux' 2 || bad "big: select Bravo: $(sel big)"
: > "$W/daemon.log"
keys big Enter
through big
wscr big "Boot requested: dry run: would boot 'Bravo Linux'" && ! scr big | grep -q 'Password required' &&
	ok "the default boots without the password" || bad "default in restricted mode: $(scr big)"
keys big Escape
KEXBOOT_PASSWORD=s3cret ctl config set password ""
wscr big 'Boot options' && nscr big '\[restricted\]' && ok "restricted mode off again" || bad "still restricted"

# --- kexboot-console: a menu on each of two pseudo-terminals, same daemon ---
CONSOLE=$B/utils/kexboot-console
if [ -x "$CONSOLE" ]; then
	python3 - "$CONSOLE" "$MENU" "$SOCK" "$W" > "$W/console.out" 2>&1 <<'PYEOF'
import fcntl, os, select, signal, struct, subprocess, sys, termios, time
console, menu, sock, w = sys.argv[1:5]
ptys = []
for _ in range(2):
    m, s = os.openpty()
    fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    ptys.append((m, s, os.ttyname(s)))
with open(w + "/consoles", "w") as f:
    for p in ptys:
        f.write(p[2][5:] + "  -W- (E    a)  136:0\n")
p = subprocess.Popen([console, "--consoles-file", w + "/consoles", "--no-daemon-console",
                      "--socket", sock, "--menu", menu], stderr=subprocess.DEVNULL,
                     env=dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8"))
bufs = [b"", b""]
end = time.time() + 10
while time.time() < end and not all(b"Debian on disk two (rescue)" in b for b in bufs):
    r, _, _ = select.select([q[0] for q in ptys], [], [], 0.1)
    for i, q in enumerate(ptys):
        if q[0] in r:
            bufs[i] += os.read(q[0], 65536)
p.send_signal(signal.SIGTERM)
rc = p.wait(timeout=8)
print("both" if all(b"Debian on disk two (rescue)" in b and b"Charlie Linux" in b for b in bufs) else "missing")
print("rc", rc)
PYEOF
	grep -q '^both$' "$W/console.out" && ok "kexboot-console: both pty consoles show the daemon's options" ||
		bad "kexboot-console: $(cat "$W/console.out")"
	grep -q '^rc 0$' "$W/console.out" && ok "kexboot-console: SIGTERM stops it (exit 0)" ||
		bad "kexboot-console exit: $(cat "$W/console.out")"
else
	bad "$CONSOLE not built"
fi

# --- quit cleanly, nothing on stderr ---
keys m q y
wscr m 'MENU-EXITED 0' && ok "q y quits with status 0" || bad "quit: $(scr m | tail -2)"
for e in "$W"/*.err; do
	[ -s "$e" ] && bad "$(basename "$e" .err) wrote to stderr: $(head -5 "$e")"
done
finish
