#!/bin/bash
# kexboot-menu through a real terminal (tmux) against a scripted fake daemon:
# grouping, navigation, check-then-boot, autoboot cancel, the editor's
# override, configuration, restricted mode, blocked boots, late hotplug
# keeping the selection, 80x24 / 200x60 / resize, TERM=vt100 ASCII frames.
. "$(dirname "$0")/lib.sh"

TAB=$'\t'
cat > "$W/script" <<EOF
config${TAB}console${TAB}ttyS0,115200
config${TAB}autoboot${TAB}on
config${TAB}timeout${TAB}10
config${TAB}network.eth0.method${TAB}dhcp
sysinfo${TAB}architecture${TAB}x86_64
sysinfo${TAB}kexec_file_load${TAB}yes
device${TAB}sda1${TAB}ext4${TAB}ROOT
option${TAB}sda1:grub2:0${TAB}sda1${TAB}grub2${TAB}0${TAB}1${TAB}Debian GNU/Linux${TAB}/vmlinuz${TAB}root=/dev/sda1 ro quiet
option${TAB}sda1:grub2:1${TAB}sda1${TAB}grub2${TAB}1${TAB}0${TAB}Debian GNU/Linux (recovery mode)${TAB}/vmlinuz${TAB}root=/dev/sda1 ro single
device${TAB}sdb1${TAB}vfat${TAB}EFI
option${TAB}sdb1:bls:0${TAB}sdb1${TAB}bls${TAB}0${TAB}0${TAB}Fedora Linux 40 — Workstation Édition${TAB}/vmlinuz-6.8${TAB}root=UUID=abcd rhgb
check${TAB}info${TAB}kexec-enabled${TAB}kexec_file_load is available
status${TAB}discovery finished
sync
EOF
start_fake "$W/script"

# --- 80x24, xterm: grouping, default selected, line drawing ---
start_menu m 80 24 xterm
wait_screen m 'Fedora Linux 40' || fail "options never appeared: $(screen m)"
S=$(screen m)
l_sda=$(grep -n 'sda1  "ROOT"  ext4' <<<"$S" | cut -d: -f1)
l_deb=$(grep -n 'Debian GNU/Linux  ' <<<"$S" | head -1 | cut -d: -f1)
l_rec=$(grep -n 'recovery mode' <<<"$S" | cut -d: -f1)
l_sdb=$(grep -n 'sdb1  "EFI"  vfat' <<<"$S" | cut -d: -f1)
l_fed=$(grep -n 'Fedora Linux 40 — Workstation Édition' <<<"$S" | cut -d: -f1)
if [ -n "$l_sda" ] && [ -n "$l_fed" ] && [ "$l_sda" -lt "$l_deb" ] && [ "$l_deb" -lt "$l_rec" ] &&
	[ "$l_rec" -lt "$l_sdb" ] && [ "$l_sdb" -lt "$l_fed" ]; then
	pass "options grouped under their devices (UTF-8 title intact)"
else
	fail "grouping: $S"
fi
grep -q 'grub2' <<<"$S" && grep -q ' bls ' <<<"$S" && pass "parser shown" || fail "parser not shown"
selected m | grep -q '\* Debian GNU/Linux *grub2' && pass "default marked and selected" ||
	fail "default not selected: $(selected m)"
[ "$(sed -n 2p <<<"$S" | cut -c1-3)" = "lqq" ] && pass "xterm gets line drawing" ||
	fail "xterm frame: $(sed -n 2p <<<"$S")"
[ "$(sed -n 1p <<<"$S" | wc -L)" -le 80 ] && [ "$(wc -l <<<"$S")" -eq 24 ] && pass "fits 80x24" || fail "size"

# --- navigation, Enter = CHECK then BOOT of that id ---
keys m Down
wait_screen m '> +Debian GNU/Linux \(recovery' 2 && pass "Down moves the selection" ||
	fail "Down: $(selected m)"
keys m Enter
wait_log '^BOOT id=sda1:grub2:1 ' || fail "no BOOT for sda1:grub2:1: $(cat "$W/log")"
if grep -E '^(CHECK|BOOT)' "$W/log" | head -2 | tr '\n' ' ' |
	grep -q '^CHECK id=sda1:grub2:1 .*BOOT id=sda1:grub2:1 flags=0 override=no'; then
	pass "Enter sends CHECK then BOOT for the selected id"
else
	fail "request order: $(cat "$W/log")"
fi
wait_screen m 'Command line: root=/dev/sda1 ro single console=ttyS0,115200' 2 &&
	pass "preflight shows the final command line (boot console added)" || fail "cmdline: $(screen m)"
wait_screen m 'kexec-enabled' 2 && pass "preflight shows the check results" || fail "results"
keys m Escape
wait_screen m 'Boot options \(3\)' || fail "Esc did not return to the list"

# --- autoboot countdown; any key cancels ---
control "autoboot${TAB}1${TAB}10${TAB}sda1:grub2:0"
wait_screen m "Booting 'Debian GNU/Linux' in (10|9|8) s" && pass "countdown shown" ||
	fail "countdown: $(screen m | tail -4)"
keys m x
wait_log '^CANCEL_AUTOBOOT' && pass "a key sends CANCEL_AUTOBOOT" || fail "no CANCEL_AUTOBOOT"
wait_screen m 'Autoboot off|^ +$' 2
screen m | grep -q "Booting '" && fail "countdown still shown after cancel" || pass "countdown gone"
selected m | grep -q 'recovery' && pass "the cancelling key did nothing else" || fail "key leaked"

# --- editor: change args, BOOT carries the override ---
keys m e
wait_screen m 'Edit boot entry' || fail "editor did not open"
wait_screen m 'Arguments +root=/dev/sda1 ro single' 2 || fail "editor fields: $(screen m)"
text m ' extra=1'
keys m Enter
wait_log '^BOOT id=sda1:grub2:1 flags=0 override=yes kernel=/vmlinuz initrds=0 args=root=/dev/sda1 ro single extra=1$' &&
	pass "edited args go out as a BOOT override" || fail "editor BOOT: $(tail -3 "$W/log")"
grep -q '^CHECK id=sda1:grub2:1 flags=0 override=yes.*extra=1$' "$W/log" &&
	pass "the edited entry is checked too" || fail "edited CHECK missing"
keys m Escape
wait_screen m 'Boot options \(3\)' || fail "back to list"

# --- late hotplug above the selection keeps the selected entry ---
keys m Down
wait_screen m '> +Fedora' 2 || fail "select Fedora: $(selected m)"
control "option${TAB}sda1:grub2:2${TAB}sda1${TAB}grub2${TAB}2${TAB}0${TAB}Debian GNU/Linux, older kernel${TAB}/vmlinuz.old${TAB}ro"
control "device${TAB}sdc1${TAB}xfs${TAB}DATA"
control "option${TAB}sdc1:bls:0${TAB}sdc1${TAB}bls${TAB}0${TAB}0${TAB}Arch Linux 日本語版${TAB}/vmlinuz-linux${TAB}rw"
wait_screen m 'Boot options \(5\)' || fail "late options not shown: $(screen m)"
S=$(screen m)
l_old=$(grep -n 'older kernel' <<<"$S" | cut -d: -f1)
l_sdb=$(grep -n 'sdb1  "EFI"' <<<"$S" | cut -d: -f1)
[ -n "$l_old" ] && [ "$l_old" -lt "$l_sdb" ] && pass "late option lands in its device group" ||
	fail "late option placement: $S"
L=$(grep 'Arch Linux 日本語版' <<<"$S")
[ -n "$L" ] && [ "$(wc -L <<<"$L")" -eq 80 ] && [ "${L: -1}" = x ] &&
	pass "double-width title keeps the frame aligned" || fail "wide chars: '$L'"
selected m | grep -q 'Fedora' && pass "selection stays on the same entry after a late OPTION_ADD" ||
	fail "selection moved: $(selected m)"
control "remove${TAB}sda1:grub2:2"
wait_screen m 'Boot options \(4\)' && selected m | grep -q 'Fedora' &&
	pass "selection kept across OPTION_REMOVE" || fail "after remove: $(selected m)"

# --- configuration screen: CONFIG_SET for the changed key only ---
keys m c
wait_screen m 'System configuration' || fail "config did not open"
wait_screen m 'network.eth0.method +dhcp' 2 && pass "daemon's other keys listed" || fail "network key"
keys m Down
keys m C-u
text m 5
keys m Enter
wait_log '^CONFIG_SET key=timeout value=5$' && pass "config change sent" || fail "CONFIG_SET: $(tail -2 "$W/log")"
sleep 0.3
[ "$(grep -c '^CONFIG_SET' "$W/log")" -eq 1 ] && pass "only the changed key sent" ||
	fail "unchanged keys sent: $(grep CONFIG_SET "$W/log")"

# --- system information, help, status log ---
keys m i
wait_screen m 'kexec_file_load +yes' && pass "system information" || fail "sysinfo: $(screen m)"
keys m q
keys m h
wait_screen m 'check and boot the selected entry' && pass "help" || fail "help"
keys m q
keys m l
wait_screen m 'discovery finished' && pass "status log" || fail "log"
keys m q

# --- add an entry from a URL (USER_ADD) ---
keys m a
wait_screen m 'Add a boot entry' || fail "add form"
text m 'Netboot'
keys m Tab
text m 'http://10.0.2.2/vmlinuz'
keys m Enter
wait_log '^USER_ADD id=- flags=0 override=yes kernel=http://10.0.2.2/vmlinuz' && pass "USER_ADD sent" ||
	fail "USER_ADD: $(tail -2 "$W/log")"
wait_screen m 'Netboot' && pass "added entry appears" || fail "added entry"

# --- language from the daemon's setting (gettext, French catalog) ---
if [ -f "$B/po/locale/fr/LC_MESSAGES/kexboot.mo" ]; then
	control "config${TAB}language${TAB}fr"
	wait_screen m 'Entrées de démarrage \(5\)' && screen m | grep -q 'Entrée=démarrer' &&
		pass "language switches to French at run time" || fail "French: $(screen m | head -2)"
	control "config${TAB}language${TAB}"
	wait_screen m 'Boot options \(5\)' && pass "and back to English" || fail "English again"
else
	fail "po/locale/fr/LC_MESSAGES/kexboot.mo not built"
fi

# --- resize while running ---
$T resize-window -t m -x 100 -y 30
wait_screen m '^l(q){98}k$' && pass "redrawn after resize to 100x30" || fail "resize: $(screen m | head -3)"

# --- exit to shell refused by the daemon is reported ---
$T kill-session -t m

# --- 200x60 ---
start_menu big 200 60 xterm
wait_screen big 'Fedora' || fail "200x60: nothing"
S=$(screen big)
[ "$(sed -n 2p <<<"$S")" = "l$(printf 'q%.0s' $(seq 198))k" ] && [ "$(wc -l <<<"$S")" -eq 60 ] &&
	grep -q 's=shell h=help q=quit' <<<"$S" && pass "200x60 uses the whole terminal" ||
	fail "200x60: $(head -3 <<<"$S")"
$T kill-session -t big

# --- TERM=vt100 and KEXBOOT_ASCII: ASCII frames ---
start_menu vt 80 24 vt100
wait_screen vt 'Fedora' || fail "vt100: nothing"
S=$(screen vt)
sed -n 2p <<<"$S" | grep -Eq '^\+-{78}\+$' && sed -n 3p <<<"$S" | grep -q '^|.*|$' &&
	pass "TERM=vt100 draws ASCII frames" || fail "vt100: $(head -3 <<<"$S")"
$T kill-session -t vt
start_menu asc 80 24 xterm KEXBOOT_ASCII=1
wait_screen asc 'Fedora' && screen asc | sed -n 2p | grep -Eq '^\+-+\+$' &&
	pass "KEXBOOT_ASCII=1 forces ASCII" || fail "KEXBOOT_ASCII"
$T kill-session -t asc

# --- exit to a shell: EXIT_SHELL, then $SHELL runs, then the menu comes back ---
printf '#!/bin/sh\necho "shell ran on $(tty)" > "%s/shell-ran"\nexit 0\n' "$W" > "$W/fakeshell"
chmod +x "$W/fakeshell"
start_menu sh 80 24 xterm SHELL=$W/fakeshell
wait_screen sh 'Fedora' || fail "shell: nothing"
keys sh s
wait_log '^EXIT_SHELL' || fail "no EXIT_SHELL request"
for _ in $(seq 50); do [ -s "$W/shell-ran" ] && break; sleep 0.05; done
grep -q 'shell ran on /dev/' "$W/shell-ran" 2>/dev/null && pass "shell ran on the terminal" || fail "shell did not run"
wait_screen sh 'Boot options \([0-9]+\)' && screen sh | grep -q 'shell exited' &&
	pass "menu redrawn after the shell" || fail "after shell: $(screen sh)"
keys sh Down
wait_screen sh '> +Debian GNU/Linux \(recovery' 2 && pass "keyboard works after the shell" || fail "input after shell"
$T kill-session -t sh

# --- fatal preflight blocks; warning needs confirmation ---
sed -i "s/^check${TAB}info.*/check${TAB}fatal${TAB}kexec-disabled${TAB}kexec is disabled by sysctl/" "$W/script"
start_fake "$W/script"
start_menu f 80 24 linux
wait_screen f 'Fedora' || fail "fatal: nothing"
keys f Enter
wait_screen f 'Boot blocked: 1 fatal' && screen f | grep -q 'FATAL\] kexec is disabled by sysctl' &&
	pass "fatal result shown and blocks" || fail "fatal: $(screen f)"
sleep 0.3
grep -q '^BOOT' "$W/log" && fail "BOOT sent despite a fatal result" || pass "no BOOT after fatal"
$T kill-session -t f

sed -i "s/^check${TAB}fatal.*/check${TAB}warning${TAB}no-dtb${TAB}no device tree given/" "$W/script"
start_fake "$W/script"
start_menu w 80 24 vt220
wait_screen w 'Fedora' || fail "warning: nothing"
keys w Enter
wait_screen w 'Boot anyway\?' || fail "no confirmation: $(screen w)"
sleep 0.3
grep -q '^BOOT' "$W/log" && fail "BOOT before confirmation" || pass "warning waits for confirmation"
keys w y
wait_log '^BOOT id=sda1:grub2:0 ' && pass "y confirms the boot" || fail "no BOOT after y"
$T kill-session -t w

# --- restricted mode: -EACCES -> password -> AUTH -> retry ---
sed -i "s/^check${TAB}warning.*/restricted${TAB}s3cret/" "$W/script"
start_fake "$W/script"
start_menu r 80 24 xterm
wait_screen r 'Fedora' || fail "restricted: nothing"
screen r | grep -q '\[restricted\]' && pass "restricted mode shown" || fail "no [restricted]"
keys r Enter
wait_screen r 'Password required' || fail "no password prompt: $(screen r)"
text r s3cret
screen r | grep -q s3cret && fail "password echoed"
keys r Enter
wait_log '^AUTH key=- value=\*\*\*' || fail "no AUTH"
wait_log '^BOOT id=sda1:grub2:0 ' || fail "no retried BOOT"
[ "$(grep -c '^BOOT' "$W/log")" -eq 2 ] && pass "refused BOOT retried after AUTH" ||
	fail "restricted flow: $(cat "$W/log")"
$T kill-session -t r

# --- the menu survives the daemon going away and reconnects ---
start_menu rc 80 24 xterm
wait_screen rc 'Fedora' || fail "reconnect: nothing"
kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
wait_screen rc 'disconnected' && pass "disconnect shown" || fail "disconnect: $(screen rc)"
start_fake "$W/script"
wait_screen rc 'Boot options \(3\)' && pass "reconnected with fresh state" || fail "no reconnect"
keys rc q y
wait_screen rc 'MENU-EXITED 0' && pass "q y quits cleanly" || fail "quit: $(screen rc)"

for e in "$W"/*.err; do
	[ -s "$e" ] && fail "$(basename "$e" .err) wrote to stderr: $(head -20 "$e")"
done
[ "$FAILS" -eq 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo "all passed"
