#!/bin/bash
# Engine load overhead (issue 4): the engine's load path against simply
# reading the kernel and initrd, both from page cache, with integrity checks
# on; target <= 10 %. Recording backend only (--sys-root style fake tree):
# nothing here can reach a real kexec. Per initrd compression it prints:
#   read     the kernel + initrd read whole from page cache (what the
#            kernel's kexec_file_load itself does with the two fds)
#   load     the engine's load path as the daemon runs it: kx_check verified
#            the initrd in full moments before; kx_load(KX_SKIP_CHECKS) opens
#            the same files, finds that verification (same device, inode,
#            size, mtime, ctime, fingerprint of both ends) and hands the fds
#            to kexec_file_load (emulated: reads both whole, like the kernel)
#   overhead (load - read) / read
#   oneshot  `kexboot-kexec load` in one go: every preflight check with the
#            initrd verified in full (decompressed, checksums, cpio walk),
#            then the load
#   verify   the initrd's full verification alone
# Then the same through the CLI binary (process start included) with
# hyperfine when it is installed.
# usage: bench/kexec-load.sh [BUILD_DIR]   (env: SIZE_MB=114 RUNS=21 KX_BENCH_DIR=dir to keep fixtures)
set -eu
B=${1:-.}
DRV=$B/bench/kexec-bench
CLI=$B/utils/kexboot-kexec
SIZE_MB=${SIZE_MB:-114}
RUNS=${RUNS:-21}
[ -x "$DRV" ] || { echo "build $DRV first (make bench/kexec-bench)"; exit 1; }
for t in cpio gzip zstd xz python3; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
if [ -n "${KX_BENCH_DIR:-}" ]; then
	T=$KX_BENCH_DIR
	mkdir -p "$T"
else
	T=$(mktemp -d)
	trap 'rm -rf "$T"' EXIT
fi

# fixtures: a 10 MiB kernel (synthetic bzImage header, boot protocol 2.15,
# 64-bit, loaded high; random body) and a cpio of real files from /usr
if [ ! -s "$T/initrd.cpio" ] || [ ! -s "$T/bzImage" ]; then
	python3 - "$T" "$SIZE_MB" <<'PY'
import os, random, struct, sys
out, size = sys.argv[1], int(sys.argv[2]) << 20
b = bytearray(16384)
b[0:2] = b"MZ"; b[0x1f1] = 3
struct.pack_into("<H", b, 0x1fe, 0xAA55); b[0x202:0x206] = b"HdrS"
struct.pack_into("<H", b, 0x206, 0x020f); b[0x211] = 1
struct.pack_into("<H", b, 0x236, 3); struct.pack_into("<I", b, 0x260, 0x2000000)
random.seed(1)
b += random.randbytes(10 * 1024 * 1024 - len(b))
open(os.path.join(out, "bzImage"), "wb").write(b)
total, files = 0, []
for root in ("/usr/lib/x86_64-linux-gnu", "/usr/lib", "/usr/share", "/usr"):
    for d, _, fs in os.walk(root):
        for f in sorted(fs):
            p = os.path.join(d, f)
            if os.path.islink(p) or not os.path.isfile(p) or p in files: continue
            s = os.path.getsize(p)
            if s > 8 << 20: continue
            files.append(p); total += s
            if total >= size: break
        if total >= size: break
    if total >= size: break
open(os.path.join(out, "list"), "w").write("\n".join(files) + "\n")
PY
	cpio -o -H newc --quiet < "$T/list" > "$T/initrd.cpio" 2>/dev/null
fi
[ -s "$T/initrd.gz" ] || gzip -6 -n -c "$T/initrd.cpio" > "$T/initrd.gz"
[ -s "$T/initrd.zst" ] || zstd -q -3 -c "$T/initrd.cpio" > "$T/initrd.zst"
[ -s "$T/initrd.xz" ] || xz -T2 -6 --check=crc32 -c "$T/initrd.cpio" > "$T/initrd.xz"

# a fake x86_64 system with kexec_file_load and plenty of memory
R="$T/root"
mkdir -p "$R/proc/sys/kernel" "$R/boot" "$R/sys/devices/system/cpu/cpu1" "$R/sys/kernel" "$R/proc/self"
echo x86_64 > "$R/proc/sys/kernel/arch"; echo 6.1.0-bench > "$R/proc/sys/kernel/osrelease"
echo 0 > "$R/proc/sys/kernel/kexec_load_disabled"
printf 'CONFIG_KEXEC=y\nCONFIG_KEXEC_FILE=y\n' > "$R/boot/config-6.1.0-bench"
printf 'MemTotal: 16000000 kB\nMemAvailable: 12000000 kB\n' > "$R/proc/meminfo"
echo 0-1 > "$R/sys/devices/system/cpu/online"; echo 1 > "$R/sys/devices/system/cpu/cpu1/online"
echo 'ttyS0                -W- (EC p a)    4:64' > "$R/proc/consoles"
echo '30 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw' > "$R/proc/self/mountinfo"
: > "$R/kx-recording.conf"
rm -f "$R/kx-recording.log"; ln -sf /dev/null "$R/kx-recording.log"

echo "kernel $(stat -c %s "$T/bzImage") bytes; initrd $(stat -c %s "$T/initrd.cpio") bytes uncompressed; median of $RUNS runs (oneshot/verify: 5)"
printf '%-6s %12s %9s %9s %9s %11s %10s\n' initrd "file bytes" read_ms load_ms overhead oneshot_ms verify_ms
fail=0
for c in cpio gz zst xz; do
	f="$T/initrd.$c"
	cat "$T/bzImage" "$f" > /dev/null
	set -- $("$DRV" "$R" "$T/bzImage" "$f" "$RUNS")
	printf '%-6s %12s %9s %9s %8s%% %11s %10s\n' "$c" "$(stat -c %s "$f")" "$1" "$2" "$3" "$4" "$5"
	awk -v o="$3" 'BEGIN { exit !(o <= 10) }' || fail=1
done
if command -v hyperfine >/dev/null && [ -x "$CLI" ]; then
	echo "CLI (process start included):"
	for c in cpio zst; do
		hyperfine -N -w 3 -r 10 --export-markdown "$T/hf-$c.md" \
			"cat $T/bzImage $T/initrd.$c" \
			"$CLI --sys-root $R load --no-fallback $T/bzImage --initrd $T/initrd.$c --append console=ttyS0" >/dev/null
		tail -n 2 "$T/hf-$c.md"
	done
fi
[ $fail -eq 0 ] && echo "load overhead <= 10 %: yes" || echo "load overhead <= 10 %: NO"
