#!/bin/sh
# Integration test: utils/kexboot-kexec driven for real. check/info read the
# real host (read-only); load/exec/unload only ever run with --sys-root (the
# recording backend), never against this host's kernel.
set -u
KX=${KEXBOOT_KEXEC:-./utils/kexboot-kexec}
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
[ -x "$KX" ] || { echo "SKIP: $KX not built"; exit 77; }
T=$(mktemp -d /tmp/kx-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# fixtures: a synthetic bzImage header (boot protocol 2.15, 64-bit, loaded high)
python3 - "$T/bzImage" <<'PY'
import struct, sys
b = bytearray(16384)
b[0:2] = b"MZ"; b[0x1f1] = 3
struct.pack_into("<H", b, 0x1fe, 0xAA55); b[0x202:0x206] = b"HdrS"
struct.pack_into("<H", b, 0x206, 0x020f); b[0x211] = 1
struct.pack_into("<H", b, 0x236, 3); struct.pack_into("<I", b, 0x260, 0x1000000)
open(sys.argv[1], "wb").write(b)
PY
mkdir -p "$T/cpio/etc" && echo hello > "$T/cpio/etc/motd" && printf '#!/bin/sh\n' > "$T/cpio/init"
(cd "$T/cpio" && find . | cpio -o -H newc --quiet) > "$T/initrd.cpio" 2>/dev/null || python3 - "$T/initrd.cpio" <<'PY'
import sys
def ent(name, data, mode):
    n = name.encode() + b"\0"
    h = b"070701" + b"".join(b"%08X" % v for v in (1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0))
    out = h + n
    out += b"\0" * (-len(out) % 4) + data
    return out + b"\0" * (-len(out) % 4)
open(sys.argv[1], "wb").write(ent("init", b"#!/bin/sh\n", 0o100755) + ent("TRAILER!!!", b"", 0))
PY
gzip -n -c "$T/initrd.cpio" > "$T/initrd.gz"
head -c $(( $(stat -c %s "$T/initrd.gz") - 10 )) "$T/initrd.gz" > "$T/truncated.gz"

# a fake x86_64 system with kexec
R="$T/root"
mkdir -p "$R/proc/sys/kernel" "$R/boot" "$R/sys/devices/system/cpu/cpu1" "$R/sys/kernel" "$R/proc/self"
echo x86_64 > "$R/proc/sys/kernel/arch"; echo 6.1.0-9-amd64 > "$R/proc/sys/kernel/osrelease"
echo 0 > "$R/proc/sys/kernel/kexec_load_disabled"
printf 'CONFIG_KEXEC=y\nCONFIG_KEXEC_FILE=y\n' > "$R/boot/config-6.1.0-9-amd64"
printf 'MemTotal: 8000000 kB\nMemAvailable: 4000000 kB\n' > "$R/proc/meminfo"
echo 0-1 > "$R/sys/devices/system/cpu/online"; echo 1 > "$R/sys/devices/system/cpu/cpu1/online"
echo 'ttyS0                -W- (EC p a)    4:64' > "$R/proc/consoles"
echo '30 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw' > "$R/proc/self/mountinfo"
echo 0 > "$R/sys/kernel/kexec_loaded"

# --help / --version / usage errors
check "--help exits 0" '"$KX" --help | grep -q "kexboot-kexec check"'
check "--version exits 0" '"$KX" --version | grep -q "^kexboot-kexec "'
"$KX" frobnicate >/dev/null 2>&1; check "unknown command exits 2" '[ $? -eq 2 ]'
"$KX" check >/dev/null 2>&1; check "check without KERNEL exits 2" '[ $? -eq 2 ]'

# check on the real host: read-only, valid JSON, every result complete
"$KX" check --json "$T/bzImage" --initrd "$T/initrd.gz" --append "console=ttyS0" > "$T/host.json"
rc=$?
check "host check exit 0 or 1" '[ $rc -le 1 ]'
check "host check JSON valid, one object" 'jq -e "type == \"object\"" "$T/host.json" >/dev/null'
check "every result has the five fields" 'jq -e "[.results[] | has(\"id\") and has(\"severity\") and has(\"message\") and has(\"source\") and has(\"remediation\")] | all" "$T/host.json" >/dev/null'
check "severities are fatal/warning/info" 'jq -e "[.results[].severity | IN(\"fatal\",\"warning\",\"info\")] | all" "$T/host.json" >/dev/null'
check "image results present on any host" 'jq -e ".results[] | select(.id==\"kernel-format\" and (.message|test(\"bzImage\")))" "$T/host.json" >/dev/null'
check "exit status follows fatal" '[ "$(jq -r .fatal "$T/host.json")" = "$([ $rc -eq 1 ] && echo true || echo false)" ]'
check "host info JSON valid" '"$KX" info --json | jq -e ".results | length > 0" >/dev/null'

# fake system: healthy check, --opt=VALUE form
"$KX" --sys-root="$R" check --json "$T/bzImage" --initrd="$T/initrd.gz" --append="console=ttyS0,115200 marker=7" > "$T/ok.json"
check "healthy fake system: exit 0" '[ $? -eq 0 ]'
check "healthy: no fatal" 'jq -e ".fatal == false and .counts.fatal == 0" "$T/ok.json" >/dev/null'
check "healthy: load path kexec_file_load" 'jq -e ".results[] | select(.id==\"load-path\" and (.message|test(\"kexec_file_load\")))" "$T/ok.json" >/dev/null'
check "text output lists results" '"$KX" --sys-root "$R" check "$T/bzImage" --initrd "$T/initrd.gz" --append console=ttyS0 | grep -q "^info    initrd-integrity"'

# corrupt initrd: fatal, load refused, nothing recorded
KEXBOOT_KEXEC_SYSROOT="$R" "$KX" check --json "$T/bzImage" --initrd "$T/truncated.gz" > "$T/bad.json"
check "truncated initrd: exit 1" '[ $? -eq 1 ]'
check "truncated initrd: fatal initrd-integrity" 'jq -e ".results[] | select(.id==\"initrd-integrity\" and .severity==\"fatal\")" "$T/bad.json" >/dev/null'
rm -f "$R/kx-recording.log"
"$KX" --sys-root "$R" load --json "$T/bzImage" --initrd "$T/truncated.gz" --append console=ttyS0 > "$T/refused.json" 2> "$T/refused.err"
check "load refused: exit 1" '[ $? -eq 1 ]'
check "load refused: loaded false with reason" 'jq -e ".loaded == false and (.error|test(\"refused\"))" "$T/refused.json" >/dev/null'
check "load refused: one-line reason on stderr" 'grep -q "refusing to load" "$T/refused.err"'
check "load refused: no kexec call recorded" '! grep -q "kexec_file_load kernel" "$R/kx-recording.log" 2>/dev/null'
"$KX" --sys-root "$R" load --json --force "$T/bzImage" --initrd "$T/truncated.gz" --append console=ttyS0 > "$T/forced.json"
check "load --force: loaded" 'jq -e ".loaded == true and .method == \"kexec_file_load\"" "$T/forced.json" >/dev/null'

# load, exec, unload on the fake system
"$KX" --sys-root "$R" load --json "$T/bzImage" --initrd "$T/initrd.gz" --append "console=ttyS0 marker=42" > "$T/load.json"
check "load: exit 0, method" 'jq -e ".loaded == true and .method == \"kexec_file_load\"" "$T/load.json" >/dev/null'
check "load: cmdline marker reaches the syscall" 'jq -e ".recorded[] | select(test(\"kexec_file_load kernel=.*bzImage.*cmdline=console=ttyS0 marker=42\"))" "$T/load.json" >/dev/null'
"$KX" --sys-root "$R" exec --json > "$T/exec0.json"
check "exec with nothing loaded: refused, no reboot" 'jq -e ".ok == false and ([.recorded[] | select(test(\"reboot\"))] | length == 0)" "$T/exec0.json" >/dev/null'
echo 1 > "$R/sys/kernel/kexec_loaded"
"$KX" --sys-root "$R" exec --json > "$T/exec.json"
check "exec: sync, remount ro, reboot(KEXEC) recorded in order" 'jq -e "[.recorded[]] == [\"sync\", \"remount-ro / result=0\", \"sync\", \"reboot LINUX_REBOOT_CMD_KEXEC result=0\"]" "$T/exec.json" >/dev/null'
check "unload" '"$KX" --sys-root "$R" unload --json | jq -e ".ok == true and (.recorded[0]|test(\"flags=0x1\"))" >/dev/null'

# exec failures: the system keeps running, with a one-line status
printf 'remount=EBUSY\n' > "$R/kx-recording.conf"
"$KX" --sys-root "$R" exec --json > "$T/exf.json" 2> "$T/exf.err"
check "exec: remount failure exits 1" '[ $? -eq 1 ]'
check "exec: remount failure, no reboot" 'jq -e ".ok == false and ([.recorded[] | select(test(\"reboot\"))] | length == 0)" "$T/exf.json" >/dev/null'
check "exec: status names the mount and says the system keeps running" 'grep -q "cannot remount / read-only: .*keeps running" "$T/exf.err"'
"$KX" --sys-root "$R" exec --force --json > "$T/exff.json"
check "exec --force: jumps after sync despite the remount failure" 'jq -e ".ok == true and ([.recorded[] | select(test(\"reboot\"))] | length == 1)" "$T/exff.json" >/dev/null'
printf 'reboot=EPERM\n' > "$R/kx-recording.conf"
"$KX" --sys-root "$R" exec --json > "$T/exr.json" 2>/dev/null
check "exec: reboot failure reported, filesystem made writable again" 'jq -e ".ok == false and (.error|test(\"reboot.*keeps running\")) and (.recorded[-1]|test(\"remount-rw /\"))" "$T/exr.json" >/dev/null'
: > "$R/kx-recording.conf"

# KHO: activation through the backend, before the load
"$KX" --sys-root "$R" load --json --kho "$T/bzImage" --initrd "$T/initrd.gz" --append console=ttyS0 > "$T/nokho.json" 2>/dev/null
check "load --kho without KHO: refused" 'jq -e ".loaded == false and (.error|test(\"HandOver\"))" "$T/nokho.json" >/dev/null'
mkdir -p "$R/sys/kernel/kho" && echo 0 > "$R/sys/kernel/kho/active"
"$KX" --sys-root "$R" load --json --kho "$T/bzImage" --initrd "$T/initrd.gz" --append console=ttyS0 > "$T/kho.json"
check "load --kho: KHO activated before the load" 'jq -e ".loaded == true and (.recorded | index(\"write /sys/kernel/kho/active 1 result=0\")) < (.recorded | map(test(\"^kexec_file_load kernel\")) | index(true))" "$T/kho.json" >/dev/null'
check "info: KHO now active" '"$KX" --sys-root "$R" info --json | jq -e ".results[] | select(.id==\"kho\" and (.message|test(\"available, active\")))" >/dev/null'

# kexec-tools fallback says so
printf 'kexec_file_load=ENOEXEC\n' > "$R/kx-recording.conf"
mkdir -p "$R/sbin" && printf '#!/bin/sh\nexit 0\n' > "$R/sbin/kexec" && chmod +x "$R/sbin/kexec"
"$KX" --sys-root "$R" load --json "$T/bzImage" --initrd "$T/initrd.gz" --append console=ttyS0 > "$T/fb.json"
check "fallback to kexec-tools reported" 'jq -e ".loaded == true and .method == \"kexec-tools\"" "$T/fb.json" >/dev/null'
check "fallback text says so" '"$KX" --sys-root "$R" load "$T/bzImage" --initrd "$T/initrd.gz" --append console=ttyS0 | grep -q "external kexec-tools fallback"'
printf 'kexec_file_load=EKEYREJECTED\n' > "$R/kx-recording.conf"
"$KX" --sys-root "$R" load --json "$T/bzImage" --initrd "$T/initrd.gz" --append console=ttyS0 > "$T/sig.json" 2>/dev/null
check "signature rejection reported as such" 'jq -e ".loaded == false and (.error|test(\"signature\"))" "$T/sig.json" >/dev/null'

echo "$fails failure(s)"
[ $fails -eq 0 ]
