#!/bin/bash
# Network boot against real servers in network namespaces we create: dnsmasq
# (DHCP with PXE options, TFTP) and busybox httpd in a "server" namespace,
# the daemon in a "client" namespace, joined by a veth pair made directly
# inside them. The host's own interfaces, routes and resolver are never
# touched: nothing of this test lives in the host's namespace.
#
# Checks: the pxelinux search order (01-<mac> before default) with an
# INCLUDE fetched in a second round, options with tftp:// and http:// URLs,
# dry-run boots that download and report sizes, autoboot waiting for the
# interface (wait-for), and failures that each give a clear status while the
# daemon keeps answering: a missing TFTP file, HTTP 404, a file over the
# download cap, option 209 escaping the prefix, option 209 with control
# bytes, a silent DHCP server, link down withdrawing the options; an iPXE
# script named by an http:// boot file.
. "$(dirname "$0")/../integration/lib.sh"

for tool in ip dnsmasq busybox jq python3; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
busybox udhcpc --help >/dev/null 2>&1 || [ $? != 127 ] || { echo "SKIP: busybox has no udhcpc"; exit 77; }
busybox httpd --help >/dev/null 2>&1 || [ $? != 127 ] || { echo "SKIP: busybox has no httpd"; exit 77; }
SRC=$(cd "$(dirname "$0")/../.." && pwd)
HOOK=$SRC/discover/udhcpc-hook

NSS=kbnetS$$
NSC=kbnetC$$
SRV=10.77.$(( $$ % 200 + 20 )).1
NET=${SRV%.1}
SERVER_PIDS=()
chmod 755 "$W" # dnsmasq's TFTP runs as root here, but busybox httpd reads as us too

net_cleanup() {
	local p
	if [ "$failed" != 0 ] && [ -f "$W/daemon.log" ]; then
		echo "--- daemon log (last 60 lines)"
		grep -v uevent "$W/daemon.log" | tail -60
		[ -n "${KB_NET_KEEP:-}" ] && cp "$W/daemon.log" "$KB_NET_KEEP"
	fi
	for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	# the veth pair lives only in our namespaces: deleting them deletes it
	ip netns del "$NSS" 2>/dev/null
	ip netns del "$NSC" 2>/dev/null
}
trap 'net_cleanup; kb_cleanup' EXIT

ip netns add "$NSS" || { echo "SKIP: cannot create network namespaces"; exit 77; }
ip netns add "$NSC" || exit 1
ip link add kbvA netns "$NSC" type veth peer name kbvB netns "$NSS" || { echo "SKIP: no veth"; exit 77; }
ip -n "$NSS" addr add "$SRV/24" dev kbvB
ip -n "$NSS" link set lo up
ip -n "$NSS" link set kbvB up
ip -n "$NSC" link set lo up
MAC=$(ip -n "$NSC" -o link show kbvA | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
MACNAME=01-$(echo "$MAC" | tr ':' '-')

# --- what the servers serve
T=$W/tftp
H=$W/www
mkdir -p "$T/boot/pxelinux.cfg" "$H/k"
python3 "$FIXTURES/mkbzimage.py" "$T/boot/vmlinuz" 300000
python3 "$FIXTURES/mkinitrd.py" "$T/boot/initrd.img"
python3 "$FIXTURES/mkbzimage.py" "$H/k/vmlinuz" 200000
python3 "$FIXTURES/mkinitrd.py" "$H/k/initrd.img"
python3 "$FIXTURES/mkbzimage.py" "$H/k/big.img" 3000000
KSIZE=$(stat -c %s "$T/boot/vmlinuz")
ISIZE=$(stat -c %s "$T/boot/initrd.img")
HKSIZE=$(stat -c %s "$H/k/vmlinuz")
cat > "$T/boot/pxelinux.cfg/default" <<EOF
DEFAULT wrong
LABEL wrong
  MENU LABEL From default: the search order is wrong
  KERNEL vmlinuz
EOF
cat > "$T/boot/pxelinux.cfg/$MACNAME" <<EOF
DEFAULT net
INCLUDE pxelinux.cfg/more.cfg
LABEL net
  MENU LABEL Network Linux
  KERNEL vmlinuz
  INITRD initrd.img
  APPEND console=ttyS0 root=/dev/nfs
EOF
cat > "$T/boot/pxelinux.cfg/more.cfg" <<EOF
LABEL web
  MENU LABEL Over HTTP
  KERNEL http://$SRV/k/vmlinuz
  APPEND initrd=http://$SRV/k/initrd.img quiet
LABEL missing
  MENU LABEL Missing kernel
  KERNEL nothere
LABEL gone
  MENU LABEL HTTP 404
  KERNEL http://$SRV/k/404
LABEL big
  MENU LABEL Too big
  KERNEL http://$SRV/k/big.img
EOF
cat > "$H/boot.ipxe" <<EOF
#!ipxe
set base http://$SRV/k
kernel \${base}/vmlinuz console=ttyS1
initrd \${base}/initrd.img
boot
EOF

# dnsmasq SCENARIO_ARGS...: (re)start DHCP+TFTP in the server namespace
DNSMASQ=
start_dnsmasq() {
	stop_dnsmasq
	ip netns exec "$NSS" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --user=root \
		--interface=kbvB --bind-interfaces --dhcp-authoritative \
		--dhcp-range="$NET.50,$NET.60,255.255.255.0,1h" --dhcp-leasefile="$W/leases" \
		--enable-tftp --tftp-root="$T" --log-dhcp --log-facility="$W/dnsmasq.log" "$@" \
		2>>"$W/dnsmasq.err" &
	DNSMASQ=$!
	SERVER_PIDS+=("$DNSMASQ")
	sleep 0.3
}
stop_dnsmasq() {
	[ -n "$DNSMASQ" ] && kill "$DNSMASQ" 2>/dev/null && wait "$DNSMASQ" 2>/dev/null
	DNSMASQ=
	rm -f "$W/leases"
}
# flap the link: the daemon withdraws the options and runs DHCP again. The
# kernel coalesces carrier changes less than a second apart, so wait until
# the daemon has seen the link go down before bringing it back.
flap() {
	local n i
	n=$(grep -c "link down" "$W/daemon.log")
	ip -n "$NSS" link set kbvB down
	for i in $(seq 50); do
		[ "$(grep -c "link down" "$W/daemon.log")" -gt "$n" ] && break
		sleep 0.1
	done
	ip -n "$NSS" link set kbvB up
}
# wait_log REGEX [SECONDS]: until the daemon's log says it
wait_log() {
	local i
	for i in $(seq $(( ${2:-15} * 10 ))); do
		grep -qE "$1" "$W/daemon.log" && return 0
		sleep 0.1
	done
	echo "log never said: $1"; grep -v uevent "$W/daemon.log" | tail -15
	return 1
}
start_net_daemon() {
	ip netns exec "$NSC" "$DISCOVER" --socket "$SOCK" --runtime-dir "$W/run" --state-dir "$W/state" \
		--config "$W/kexboot.conf" --dry-run --log-level debug --log-file "$W/daemon.log" \
		--kexec-sysroot "$W/sysroot" --devices none-such --interfaces kbvA \
		--dhcp-hook "$HOOK" --download-max 2000000 "$@" 2>>"$W/daemon.err" &
	DAEMON=$!
	PIDS+=("$DAEMON")
	for i in $(seq 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.05
	done
	bad "daemon socket did not appear"
	return 1
}

ip netns exec "$NSS" busybox httpd -f -p "$SRV:80" -h "$H" &
SERVER_PIDS+=("$!")
start_dnsmasq --dhcp-boot=pxelinux.0,,"$SRV" --dhcp-option-force=210,/boot/

# autoboot waits for the interface, then boots its default (dry run)
printf 'wait-for = interface:kbvA\nwait-timeout = 60\ntimeout = 1\n' > "$W/kexboot.conf"
start_net_daemon || exit 1
check "autoboot says it waits for the interface" \
	ctlq '.autoboot.waiting_for // "" | test("interface:kbvA")' list --json
ctl wait --options 5 --timeout 30 >/dev/null
check "five options from 01-<mac> and its INCLUDE" test "$(ctl list --json | jq '[.options[] | select(.device == "kbvA")] | length')" = 5
ctl list --json > "$W/list.json"
NET_ID=$(jq -r '.options[] | select(.name == "Network Linux") | .id' "$W/list.json")
check "the network device is listed" jqt '.devices[] | select(.name == "kbvA" and .type == "network")'
check "search order: 01-<mac> wins over default" jqt '[.options[].name] | index("From default: the search order is wrong") == null'
check "tftp:// kernel URL under the prefix" jqt ".options[] | select(.id == \"$NET_ID\") | .kernel.url == \"tftp://$SRV/boot/vmlinuz\""
check "tftp:// initrd URL" jqt ".options[] | select(.id == \"$NET_ID\") | .initrds[0].url == \"tftp://$SRV/boot/initrd.img\""
check "args as the config gives them" jqt '.options[] | select(.name == "Network Linux") | .args == "console=ttyS0 root=/dev/nfs"'
check "http:// URLs kept" jqt ".options[] | select(.name == \"Over HTTP\") | .kernel.url == \"http://$SRV/k/vmlinuz\" and .initrds[0].url == \"http://$SRV/k/initrd.img\""
check "the DHCP lease configured the address" sh -c "ip -n '$NSC' -4 addr show kbvA | grep -q 'inet $NET\.'"
check "autoboot booted the default after the wait (dry run, downloaded)" \
	wait_log "dry run: would boot 'Network Linux': kernel tftp://$SRV/boot/vmlinuz \\($KSIZE bytes" 20

# explicit dry-run boots download and report sizes
ctl boot "$NET_ID" --dry-run > "$W/out" 2>&1
check "dry-run boot over TFTP succeeds" test $? = 0
check "the dry run reports the kernel's size" grep -q "tftp://$SRV/boot/vmlinuz ($KSIZE bytes" "$W/out"
check "the dry run reports the initrd's size" grep -q "tftp://$SRV/boot/initrd.img ($ISIZE bytes" "$W/out"
check "downloaded files are removed afterwards" sh -c "ls -A '$W/run/downloads'; test -z \"\$(ls -A '$W/run/downloads')\""
HTTP_ID=$(jq -r '.options[] | select(.name == "Over HTTP") | .id' "$W/list.json")
ctl boot "$HTTP_ID" --dry-run > "$W/out" 2>&1
check "dry-run boot over HTTP" grep -q "http://$SRV/k/vmlinuz ($HKSIZE bytes" "$W/out"
check "progress statuses were broadcast" wait_log "downloaded kernel http://$SRV/k/vmlinuz: $HKSIZE bytes" 2

# failures: a clear reason, non-zero exit, and the daemon carries on
fail_boot() { # NAME REGEX
	local id
	id=$(jq -r ".options[] | select(.name == \"$1\") | .id" "$W/list.json")
	if ctl boot "$id" --dry-run > "$W/out" 2>&1; then return 1; fi
	grep -qE "$2" "$W/out" || { cat "$W/out"; return 1; }
	ctl list --json >/dev/null
}
check "missing TFTP file: not found, daemon answers" fail_boot "Missing kernel" "tftp://$SRV/boot/nothere: file not found"
check "HTTP 404: said so, daemon answers" fail_boot "HTTP 404" "HTTP 404"
check "over the download cap: refused with the limit" fail_boot "Too big" "over the download size limit of 2000000 bytes"
check "no download left behind after failures" test -z "$(ls -A "$W/run/downloads")"

# link down withdraws the interface's options; up brings them back
ip -n "$NSS" link set kbvB down
check "link down: options withdrawn" wait_json '[.options[] | select(.device == "kbvA")] | length == 0' 10
ip -n "$NSS" link set kbvB up
check "link up: options back" wait_json '[.options[] | select(.device == "kbvA")] | length == 5' 20

# malformed option values: refused with the option named, daemon answers
start_dnsmasq --dhcp-boot=pxelinux.0,,"$SRV" --dhcp-option-force=210,/boot/ \
	--dhcp-option-force=209,../../../etc/passwd
flap
check "option 209 escaping the prefix is refused" wait_log "option 209 \\(config file\\) '../../../etc/passwd': refusing a path that escapes the prefix" 20
check "  ... and gives no options" wait_json '[.options[] | select(.device == "kbvA")] | length == 0' 5
start_dnsmasq --dhcp-boot=pxelinux.0,,"$SRV" --dhcp-option-force=209,01:02:0a:41
flap
check "option 209 with control bytes is refused" wait_log "option 209 \\(pxelinux config file\\): refusing a value that holds control" 20
check "  ... the daemon still answers" ctlq '.devices | length >= 1' list --json

# an iPXE script as an http:// boot file
start_dnsmasq --dhcp-boot=http://$SRV/boot.ipxe,,"$SRV"
flap
check "iPXE script: option found" wait_json '.options[] | select(.id == "kbvA:ipxe:0") | .kernel.url == "http://'"$SRV"'/k/vmlinuz"' 20
check "iPXE script: initrd and args" jqt '.options[] | select(.id == "kbvA:ipxe:0") | .initrds[0].url == "http://'"$SRV"'/k/initrd.img" and .args == "console=ttyS1"'
ctl boot kbvA:ipxe:0 --dry-run > "$W/out" 2>&1
check "iPXE option boots (dry run)" grep -q "http://$SRV/k/vmlinuz ($HKSIZE bytes" "$W/out"

# a silent DHCP server: a clear status, and the daemon carries on
stop_dnsmasq
flap
check "silent DHCP server: said so" wait_log "kbvA: no DHCP answer after" 30
check "  ... the daemon still answers" ctlq '.devices[] | select(.name == "kbvA")' list --json

stop_daemon
check "the daemon exits cleanly" sh -c "! grep -E 'Aborted|Sanitizer|runtime error' '$W/daemon.err'"
finish
