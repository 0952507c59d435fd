#!/bin/bash
# End-to-end boots on x86_64: the firmware initramfs (utils/mkimage) boots a
# real Debian kernel in QEMU (TCG), kexboot finds the entries on the sample
# disks, and the chosen kernel is kexec'd for real inside the guest. The
# stage-2 initrd prints its /proc/cmdline; each case checks it exactly.
#   1 autoboot of a grub.cfg default entry (ext4, virtio)
#   2 menu selection of an extlinux entry (GPT+vfat), keys over the serial line
#   3 a BLS entry chosen with kexboot.default= (ext4 on NVMe)
#   4 PXE: QEMU user-net DHCP + TFTP serving a pxelinux config, kernel and
#     initrd, autobooted (skipped when the daemon has no --interfaces)
#   5 a corrupt initrd refused by preflight with the reason on screen, then
#     another entry booted from the menu
#   6 every disk image byte-identical after the runs (attached read-write)
#   7 arm64 (qemu-system-aarch64 -M virt): autoboot of a grub.cfg entry through
#     the engine's native kexec_load path (Debian's arm64 kernel has no
#     kexec_file_load); skipped unless test/e2e/setup-arm64.sh prepared it
#   8 ppc64el (qemu-system-ppc64 -M pseries): menu selection of the second
#     grub.cfg entry on an ext4 virtio disk, loaded through the engine's
#     kexec-tools fallback (no kexec_file_load in Debian's ppc64el kernel, no
#     native ppc64 path in the engine): the preflight screen warns of it and
#     asks, 'y' boots; skipped unless
#     test/e2e/setup-ppc64el.sh prepared it
# Skips (77) without root, qemu-system-x86_64 or a fetchable kernel.
# KEXBOOT_E2E_SKIP=1 skips the suite (CI's sanitizer lane);
# KEXBOOT_E2E_KEEP=1 keeps the work directory; KEXBOOT_E2E_CASES="1 3" runs some;
# KEXBOOT_E2E_FWARGS adds firmware kernel arguments (x86 cases).
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=${KB_BUILDDIR:-$(pwd)}
. "$SRC/test/e2e/lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
# sanitizer builds are not for guests (their runtime is not in the image)
[ -z "${KEXBOOT_E2E_SKIP:-}" ] || skip "KEXBOOT_E2E_SKIP is set"
[ "$(id -u)" = 0 ] || skip "needs root (apt-get download into the cache)"
[ "$(uname -m)" = x86_64 ] || skip "x86_64 host only"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
command -v python3 >/dev/null || skip "python3 not installed"
for t in mkfs.ext4 mkfs.vfat mcopy sfdisk cpio readelf tput; do
	command -v $t >/dev/null || skip "$t not installed"
done
[ -x /bin/busybox ] && ! readelf -l /bin/busybox 2>/dev/null | grep -q "program interpreter" || skip "no static busybox (busybox-static)"
for p in discover/kexboot-discover ui/ncurses/kexboot-menu utils/kexboot-probe; do
	[ -x "$B/$p" ] || { echo "FAIL: $B/$p not built"; exit 1; }
done
e2e_fetch_kernel amd64 || skip "cannot fetch Debian's cloud kernel (apt-get download linux-image-cloud-amd64)"

W=$(mktemp -d /tmp/kexboot-e2e.XXXXXX)
cleanup() {
	if [ -n "${KEXBOOT_E2E_KEEP:-}" ]; then echo "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
CASES=${KEXBOOT_E2E_CASES:-1 2 3 4 5 6 7 8}
passed=0 failed=0 skipped=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
want() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }

t0=$(date +%s.%N)
e2e_firmware "$W/fw.img" >/dev/null || { echo "FAIL: firmware image"; exit 1; }
e2e_stage2 "$W/stage2.img"
e2e_disks "$W" || { echo "FAIL: sample disks"; exit 1; }
printf 'prepared kernel %s, firmware %s bytes, disks in %.1f s\n' "$KVER" \
	"$(stat -c %s "$W/fw.img")" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')"
for i in grub extlinux bls corrupt; do sha256sum "$W/$i.img"; done > "$W/sha256.before"

# serial text with terminal escapes removed, for excerpts
plain() { sed -e 's/\x1b\[[0-9;?]*[A-Za-z]/ /g' -e 's/\x1b[()][0-9A-Za-z]//g' -e 's/\r//g' "$1" | tr -s ' '; }
excerpt() { # LOG: the end of what the guest printed
	echo "----- serial log (last 40 lines, escapes stripped): $1"
	plain "$1" | grep -v '^ *$' | tail -n 40
	echo "-----"
}
# marker line as the second kernel printed it (no CR)
marker() { tr -d '\r' < "$1" | sed -n "s/^.*$E2E_MARK: //p" | tail -1; }

# boot NAME EXPECTED-CMDLINE FW-ARGS DRIVES -- STEPS...
boot() {
	local name=$1 exp=$2 args=$3 drives=$4 got rc
	shift 5
	local steps=() s q=()
	for s in "$@"; do steps+=(--step "$s"); done
	# shellcheck disable=SC2086
	# the daemon logs (debug) on the second serial port, kept beside the console log
	mapfile -t q < <(e2e_qemu_x86 "$W/fw.img" "$args kbfw.log=/dev/ttyS1 kbfw.loglevel=debug ${KEXBOOT_E2E_FWARGS:-}" \
		-serial stdio -monitor none -serial "file:$W/$name.daemon.log" $drives)
	python3 "$SRC/test/e2e/qemu-session.py" --log "$W/$name.log" --timeout 120 --term vt220 \
		"${steps[@]}" -- "${q[@]}" > "$W/$name.steps" 2>&1
	rc=$?
	sed 's/^/    /' "$W/$name.steps"
	timing "$name"
	got=$(marker "$W/$name.log")
	if [ $rc -eq 0 ] && [ "$got" = "$exp" ]; then
		pass "$name: second kernel's command line is '$got'"
		return 0
	fi
	fail "$name: expected command line '$exp', got '${got:-<no second kernel>}' (session rc $rc)"
	excerpt "$W/$name.log"
	echo "----- daemon log (last 25 lines): $W/$name.daemon.log"
	tr -d '\r' < "$W/$name.daemon.log" | grep -v '^$' | tail -n 25
	echo "-----"
	return 1
}
# TIME lines of a session: kernel start to menu = guest uptime at /init plus
# host time from that line to the first frame; selection to the second
# kernel's first console line (printed once its serial console registers).
timing() {
	local st=$W/$1.steps up t_init t_menu t_sel t_lin
	up=$(tr -d '\r' < "$W/$1.log" | sed -n 's/.*: init at \([0-9.]*\)s$/\1/p' | head -1)
	t_init=$(sed -n 's/^TIME init at .* \([0-9.]*\)$/\1/p' "$st")
	t_menu=$(sed -n 's/^TIME Boot options .* \([0-9.]*\)$/\1/p' "$st")
	t_sel=$(sed -n 's/^TIME selected \([0-9.]*\)$/\1/p' "$st")
	t_lin=$(sed -n 's/^TIME Linux version \([0-9.]*\)$/\1/p' "$st")
	if [ -n "$up" ] && [ -n "$t_init" ] && [ -n "$t_menu" ]; then
		awk -v u="$up" -v a="$t_init" -v b="$t_menu" \
			'BEGIN{printf "    timing: kernel start to menu on screen %.2f s\n", u+b-a}'
	fi
	if [ -n "$t_sel" ] && [ -n "$t_lin" ]; then
		awk -v a="$t_sel" -v b="$t_lin" \
			'BEGIN{printf "    timing: selection to the second kernel'"'"'s first line %.2f s\n", b-a}'
	fi
}
drive() { echo "-drive file=$W/$1,if=virtio,format=raw"; }
nvme() { echo "-drive file=$W/$1,if=none,id=nv$2,format=raw -device nvme,serial=e2e$2,drive=nv$2"; }
# the firmware's menu is on screen and has found this many options
MENU_UP='expect:Boot options \(:60'
INIT='expect:init at [0-9.]+s:60'
SECOND='expect:Linux version:60'

if want 1; then
	boot grub-autoboot "$E2E_ARGS_grub" "kexboot.timeout=1" "$(drive grub.img)" -- \
		"$INIT" "$MENU_UP" 'expect:E2E grub second:60' "expect:booting 'E2E grub second':30" 'mark:selected' "$SECOND" "expect:$E2E_MARK:60"
fi

if want 2; then
	boot extlinux-menu "$E2E_ARGS_ext" "kexboot.timeout=60" "$(drive extlinux.img)" -- \
		"$INIT" "$MENU_UP" 'expect:E2E extlinux three:60' 'expect:Booting .* in:30' \
		'send:x' 'sleep:1' 'key:down*2' 'sleep:0.5' 'mark:selected' 'key:enter' \
		"$SECOND" "expect:$E2E_MARK:60"
fi

if want 3; then
	# the BLS entry's id, as the daemon will name it, from the offline parser
	BLS_ID=$("$B/utils/kexboot-probe" --json "name=nvme0n1,path=$W/d/bls,fstype=ext4" |
		python3 -c 'import json,sys; print([o["id"] for o in json.load(sys.stdin)["options"] if o["name"]=="E2E BLS older"][0])' 2>/dev/null)
	if [ -z "$BLS_ID" ]; then
		fail "bls: kexboot-probe found no 'E2E BLS older' entry"
	else
		echo "    BLS entry id: $BLS_ID"
		boot bls-default "$E2E_ARGS_bls" "kexboot.timeout=1 kexboot.default=$BLS_ID" "$(nvme bls.img 0)" -- \
			"$INIT" "$MENU_UP" 'expect:E2E BLS older:60' "$SECOND" "expect:$E2E_MARK:60"
	fi
fi

if want 4; then
	if "$B/discover/kexboot-discover" --help | grep -q -- --interfaces; then
		# QEMU's user network: DHCP hands out the boot file name, its TFTP
		# server serves the pxelinux config, the kernel and the initrd
		mkdir -p "$W/tftp/pxelinux.cfg"
		cp "$KERNEL" "$W/tftp/vmlinuz"
		cp "$W/stage2.img" "$W/tftp/initrd.img"
		cat > "$W/tftp/pxelinux.cfg/default" <<EOF
DEFAULT net
LABEL local
  MENU LABEL E2E network other
  KERNEL vmlinuz
  APPEND console=ttyS0 e2e.case=pxe-other
LABEL net
  MENU LABEL E2E network boot
  KERNEL vmlinuz
  INITRD initrd.img
  APPEND $E2E_ARGS_pxe
EOF
		boot pxe "$E2E_ARGS_pxe" "kexboot.timeout=1" \
			"-netdev user,id=n0,tftp=$W/tftp,bootfile=pxelinux.0 -device virtio-net-pci,netdev=n0,romfile=" -- \
			"$INIT" "$MENU_UP" 'expect:E2E network boot:60' "expect:booting 'E2E network boot':30" \
			'mark:selected' "$SECOND" "expect:$E2E_MARK:90"
	else
		echo "SKIP: pxe: this kexboot-discover has no network discovery (--interfaces)"
		skipped=$((skipped + 1))
	fi
fi

if want 5; then
	# Enter on the corrupt default: blocked with the reason; Esc, Down, Enter boots the good one
	if boot corrupt-initrd "$E2E_ARGS_good" "kexboot.timeout=60" "$(drive corrupt.img)" -- \
		"$INIT" "$MENU_UP" 'expect:E2E good after corrupt:60' 'expect:Booting .* in:30' 'send:x' 'sleep:1' \
		'key:enter' 'expect:\[FATAL\] initrd [^ ]*initrd-bad\.img is damaged:30' \
		'expect:Boot blocked:30' 'mark:refused' 'sleep:1' 'key:escape' 'sleep:1' 'key:down' \
		'sleep:0.5' 'key:enter' "$SECOND" "expect:$E2E_MARK:60"; then
		plain "$W/corrupt-initrd.log" | grep -o '\[FATAL\] initrd [^(]*([^)]*)' | head -1 |
			sed 's/^/    reason on screen: /'
	fi
fi

if want 6; then
	for i in grub extlinux bls corrupt; do sha256sum "$W/$i.img"; done > "$W/sha256.after"
	if cmp -s "$W/sha256.before" "$W/sha256.after"; then
		pass "disk images unchanged (sha256 of $(wc -l < "$W/sha256.after") images)"
	else
		fail "disk images changed: $(diff "$W/sha256.before" "$W/sha256.after" | tr '\n' ' ')"
	fi
fi

if want 7; then
	AB=${KEXBOOT_E2E_ARM64_BUILDDIR:-$SRC/build-arm64}
	if ! command -v qemu-system-aarch64 >/dev/null || [ ! -x "$AB/discover/kexboot-discover" ] ||
		[ ! -f "$E2E_ARM64_SYSROOT/.done" ] || ! e2e_fetch_kernel arm64; then
		echo "SKIP: arm64: not prepared (run test/e2e/setup-arm64.sh as root)"
		skipped=$((skipped + 1))
	elif ! e2e_firmware_arm64 "$AB" "$W/fw-arm64.img" >/dev/null; then
		fail "arm64: firmware image"
	else
		E2E_BUSYBOX=$E2E_ARM64_SYSROOT/bin/busybox e2e_stage2 "$W/stage2-arm64.img"
		e2e_disk_arm64 "$W"
		sum=$(sha256sum < "$W/arm64.img")
		q=()
		mapfile -t q < <(e2e_qemu_arm64 "$W/fw-arm64.img" "kexboot.timeout=1" -serial stdio -monitor none \
			-drive "file=$W/arm64.img,if=virtio,format=raw")
		python3 "$SRC/test/e2e/qemu-session.py" --log "$W/arm64.log" --timeout 150 --term vt220 \
			--step "$INIT" --step "$MENU_UP" --step 'expect:E2E arm64 Image:60' \
			--step "expect:booting 'E2E arm64 Image':30" --step 'mark:selected' \
			--step 'expect:loaded with kexec_load;:60' --step "$SECOND" --step "expect:$E2E_MARK:90" \
			-- "${q[@]}" > "$W/arm64.steps" 2>&1
		rc=$?
		sed 's/^/    /' "$W/arm64.steps"
		timing arm64
		got=$(marker "$W/arm64.log")
		if [ $rc -eq 0 ] && [ "$got" = "$E2E_ARGS_arm64" ]; then
			pass "arm64: native kexec_load path; second kernel's command line is '$got'"
		else
			fail "arm64: expected '$E2E_ARGS_arm64' through kexec_load, got '${got:-<no second kernel>}' (session rc $rc)"
			excerpt "$W/arm64.log"
		fi
		[ "$(sha256sum < "$W/arm64.img")" = "$sum" ] && pass "arm64: disk image unchanged" ||
			fail "arm64: disk image changed"
	fi
fi

if want 8; then
	PB=${KEXBOOT_E2E_PPC64EL_BUILDDIR:-$SRC/build-ppc64el}
	if ! command -v qemu-system-ppc64 >/dev/null || ! command -v powerpc64le-linux-gnu-strip >/dev/null ||
		[ ! -x "$PB/discover/kexboot-discover" ] || [ ! -f "$E2E_PPC64EL_SYSROOT/.done" ] ||
		[ ! -f "$E2E_PPC64EL_KEXEC/.done" ] || ! e2e_fetch_kernel ppc64el; then
		echo "SKIP: ppc64el: not prepared (run test/e2e/setup-ppc64el.sh as root)"
		skipped=$((skipped + 1))
	elif ! e2e_firmware_ppc64el "$PB" "$W/fw-ppc64el.img" >/dev/null; then
		fail "ppc64el: firmware image"
	else
		echo "    ppc64el firmware image: $(stat -c %s "$W/fw-ppc64el.img") bytes"
		e2e_kernel_ppc64el "$W/vmlinux-ppc64el"
		E2E_BUSYBOX=$E2E_PPC64EL_SYSROOT/bin/busybox e2e_stage2 "$W/stage2-ppc64el.img"
		e2e_disk_ppc64el "$W"
		sum=$(sha256sum < "$W/ppc64el.img")
		q=()
		# the daemon logs (debug) on the second spapr-vty (hvc1)
		mapfile -t q < <(e2e_qemu_ppc64el "$W/fw-ppc64el.img" \
			"kexboot.timeout=60 kbfw.consoles=hvc0 kbfw.log=/dev/hvc1 kbfw.loglevel=debug" \
			-serial stdio -monitor none -serial "file:$W/ppc64el.daemon.log" \
			-drive "file=$W/ppc64el.img,if=virtio,format=raw")
		t8=$(date +%s.%N)
		python3 "$SRC/test/e2e/qemu-session.py" --log "$W/ppc64el.log" --timeout 240 --term vt220 \
			--step "$INIT" --step "$MENU_UP" --step 'expect:E2E ppc64el second:90' \
			--step 'expect:Booting .* in:60' --step 'send:x' --step 'sleep:1' --step 'key:down' \
			--step 'sleep:0.5' --step 'mark:enter' --step 'key:enter' \
			--step 'expect:\[WARNING\] will load with kexec-tools:60' --step 'expect:Boot anyway\?:30' \
			--step 'sleep:0.5' --step 'mark:selected' --step 'send:y' \
			--step "$SECOND" --step "expect:$E2E_MARK:90" \
			-- "${q[@]}" > "$W/ppc64el.steps" 2>&1
		rc=$?
		sed 's/^/    /' "$W/ppc64el.steps"
		timing ppc64el
		awk -v a="$t8" -v b="$(date +%s.%N)" 'BEGIN{printf "    timing: one ppc64el boot %.1f s wall\n", b-a}'
		got=$(marker "$W/ppc64el.log")
		# kexec-tools' ppc64 loader ends the command line it puts in the
		# device tree with one blank ("Modified cmdline: ... " in its output):
		# exactly the entry's arguments and that blank
		# the daemon's status (the jump follows it before the menu redraws):
		# on its log, the guest's second console
		status=$(tr -d '\r' < "$W/ppc64el.daemon.log" | grep -o "booting 'E2E ppc64el second'\|loaded with [^;]*; jumping" | tr '\n' ' ')
		if [ $rc -eq 0 ] && [ "$got" = "$E2E_ARGS_ppc64el " ] &&
			[ "$status" = "booting 'E2E ppc64el second' loaded with kexec-tools; jumping " ]; then
			pass "ppc64el: daemon status 'loaded with kexec-tools; jumping'; second kernel's command line is '$got'"
		elif [ $rc -eq 0 ] && [ "$got" = "$E2E_ARGS_ppc64el " ]; then
			fail "ppc64el: booted, but the daemon's statuses were '$status', not booting + loaded with kexec-tools"
		else
			fail "ppc64el: expected '$E2E_ARGS_ppc64el ' through kexec-tools, got '${got:-<no second kernel>}' (session rc $rc)"
			excerpt "$W/ppc64el.log"
			echo "----- daemon log (last 25 lines): $W/ppc64el.daemon.log"
			tr -d '\r' < "$W/ppc64el.daemon.log" | grep -v '^$' | tail -n 25
			echo "-----"
		fi
		[ "$(sha256sum < "$W/ppc64el.img")" = "$sum" ] && pass "ppc64el: disk image unchanged" ||
			fail "ppc64el: disk image changed"
	fi
fi

printf '%d passed, %d failed, %d skipped in %.0f s\n' $passed $failed $skipped \
	"$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b-a}')"
[ $failed -eq 0 ]
