#!/bin/bash
# Daemon figures (issue 2): start to socket ready, RSS idle and with 1,000
# options, time to discover 16 loop devices. Run as root from a build
# directory: KB_BUILDDIR=build bench/daemon.sh
. "$(dirname "$0")/../test/integration/lib.sh"
GEN=${KB_GEN_CONFIGS:-$(dirname "$0")/../../shared/bench/gen-configs.py}
export KB_DEMO=1 # no pass/fail summary

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# 1. start to socket ready, 20 runs, no devices (a glob that matches nothing)
python3 - "$DISCOVER" "$W" <<'PY'
import os, socket, subprocess, sys, time
disc, w = sys.argv[1], sys.argv[2]
times = []
for i in range(20):
    sock = f"{w}/ready{i}.sock"
    t0 = time.perf_counter()
    p = subprocess.Popen([disc, "--socket", sock, "--runtime-dir", f"{w}/rr{i}", "--devices", "kb-none",
                          "--no-autoboot", "--dry-run", "--config", "/dev/null", "--log-level", "err"])
    s = socket.socket(socket.AF_UNIX)
    while True:
        try:
            s.connect(sock); break
        except OSError:
            time.sleep(0.0002)
    times.append((time.perf_counter() - t0) * 1000)
    s.close(); p.terminate(); p.wait()
times.sort()
print(f"socket ready after start: median {times[len(times)//2]:.2f} ms, min {times[0]:.2f} ms, max {times[-1]:.2f} ms (20 runs, includes fork+exec)")
PY

# 2. RSS idle
DEVGLOBS=(kb-none)
: > "$W/kexboot.conf"
start_daemon --no-autoboot --log-level err
sleep 0.5
echo "RSS idle: $(rss_kb "$DAEMON") kB"
stop_daemon

# 3. RSS with 1,000 options: one ext4 with a 1,000-entry extlinux.conf
mkdir -p "$W/big/extlinux"
python3 "$GEN" syslinux 1000 "$W/big/extlinux/extlinux.conf"
mkfs.ext4 -q -F -d "$W/big" "$W/big.img" 32M >/dev/null
attach "$W/big.img"
DEVGLOBS=("$(basename "$LOOP")")
start_daemon --no-autoboot --log-level err
ctl wait --options 1000 --timeout 60 >/dev/null || echo "did not reach 1000 options"
echo "RSS with $(ctl list --json | jq '.options | length') options: $(rss_kb "$DAEMON") kB"
stop_daemon
detach "$LOOP"

# 4. discover 16 loop devices (ext4, one extlinux.conf each), from start to 16 options
DEVGLOBS=()
for i in $(seq 16); do
	mkdir -p "$W/d$i/extlinux"
	printf 'LABEL l%s\n  LINUX /vmlinuz\n  APPEND root=LABEL=D%s\n' $i $i > "$W/d$i/extlinux/extlinux.conf"
	head -c 1024 /dev/urandom > "$W/d$i/vmlinuz"
	mkfs.ext4 -q -F -L D$i -d "$W/d$i" "$W/d$i.img" 8M >/dev/null
	attach "$W/d$i.img"
	DEVGLOBS+=("$(basename "$LOOP")")
done
t0=$(date +%s%N)
start_daemon --no-autoboot --log-level err
ctl wait --options 16 --timeout 60 >/dev/null || echo "did not reach 16 options"
t1=$(date +%s%N)
echo "16 loop devices (ext4) probed, mounted read-only and parsed: $(( (t1 - t0) / 1000000 )) ms from start"
stop_daemon
