# Shared by the network tests: the integration tests' lib.sh (root, work
# directory, start/stop, ctl, check) plus two network namespaces of our own
# joined by a veth pair made directly inside them: "kbvB" in the server one
# (NSS), "kbvA" in the client one (NSC) where the daemon runs. Nothing lives
# in the host's namespace; deleting the namespaces deletes the pair. Source
# it, then call net_setup NAME.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HOOK=$SRC/discover/udhcpc-hook
SERVER_PIDS=()
UDHCPC6=      # the DHCPv6 client the daemon runs (KEXBOOT_UDHCPC6; empty: none)
NET_WRAP=()   # a command the daemon is started under, inside NSC
NET_LOGS=()   # more logs to show when a check failed
DNSMASQ=

# need_tools TOOL...: skip (77) when one is missing
need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
	done
}

net_cleanup() {
	local p f
	if [ "$failed" != 0 ] && [ -f "$W/daemon.log" ]; then
		echo "--- daemon log (last 60 lines)"
		grep -vE 'uevent|client uid' "$W/daemon.log" | tail -60
		for f in "${NET_LOGS[@]}"; do
			echo "--- $f (last 30 lines)"
			tail -30 "$f" 2>/dev/null
		done
		[ -n "${KB_NET_KEEP:-}" ] && cp "$W/daemon.log" "$KB_NET_KEEP"
	fi
	for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	ip netns del "$NSS" 2>/dev/null
	ip netns del "$NSC" 2>/dev/null
}

# net_setup NAME: namespaces kbNAMES<pid> and kbNAMEC<pid> with the pair up,
# the server at $SRV/24 (10.<net>.<pid-derived>.1; NET is its /24); MAC and
# MACNAME (PXELINUX's 01-aa-bb-…) of the client's end
net_setup() {
	NSS=kb${1}S$$
	NSC=kb${1}C$$
	trap 'net_cleanup; kb_cleanup' EXIT
	ip netns add "$NSS" || { echo "SKIP: cannot create network namespaces"; exit 77; }
	ip netns add "$NSC" || exit 1
	ip link add kbvA netns "$NSC" type veth peer name kbvB netns "$NSS" ||
		{ echo "SKIP: no veth"; exit 77; }
	ip -n "$NSS" addr add "$SRV/24" dev kbvB
	ip -n "$NSS" link set lo up
	ip -n "$NSS" link set kbvB up
	ip -n "$NSC" link set lo up
	MAC=$(ip -n "$NSC" -o link show kbvA | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
	MACNAME=01-$(echo "$MAC" | tr ':' '-')
	chmod 755 "$W" # the servers read our files
}

# server_start CMD...: run it in the server namespace, stopped at the end
server_start() {
	ip netns exec "$NSS" "$@" &
	SERVER_PIDS+=("$!")
}

stop_dnsmasq() {
	[ -n "$DNSMASQ" ] && kill "$DNSMASQ" 2>/dev/null && wait "$DNSMASQ" 2>/dev/null
	DNSMASQ=
	rm -f "$W/leases"
}
# dnsmasq_start ARGS...: (re)start dnsmasq (DHCP on kbvB, TFTP from $T, no
# DNS) in the server namespace with the scenario's ARGS
dnsmasq_start() {
	stop_dnsmasq
	ip netns exec "$NSS" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --user=root \
		--interface=kbvB --bind-interfaces --dhcp-authoritative \
		--dhcp-leasefile="$W/leases" --enable-tftp --tftp-root="$T" \
		--log-dhcp --log-facility="$W/dnsmasq.log" "$@" 2>>"$W/dnsmasq.err" &
	DNSMASQ=$!
	SERVER_PIDS+=("$DNSMASQ")
	sleep 0.3
}

# flap the link: the daemon withdraws the options and runs DHCP again. The
# kernel coalesces carrier changes less than a second apart, so wait until
# the daemon has seen the link go down before bringing it back.
flap() {
	local n
	n=$(grep -c "link down" "$W/daemon.log")
	ip -n "$NSS" link set kbvB down
	for _ in $(seq 50); do
		[ "$(grep -c "link down" "$W/daemon.log")" -gt "$n" ] && break
		sleep 0.1
	done
	ip -n "$NSS" link set kbvB up
}

# wait_log REGEX [SECONDS]: until the daemon's log says it
wait_log() {
	for _ in $(seq $(( ${2:-15} * 10 ))); do
		grep -qE "$1" "$W/daemon.log" && return 0
		sleep 0.1
	done
	echo "log never said: $1"; grep -vE 'uevent|client uid' "$W/daemon.log" | tail -15
	return 1
}

# start_net_daemon [ARGS...]: the daemon in the client namespace (under
# NET_WRAP), dry run, managing kbvA only and no block device
start_net_daemon() {
	ip netns exec "$NSC" env KEXBOOT_UDHCPC6="$UDHCPC6" "${NET_WRAP[@]}" \
		"$DISCOVER" --socket "$SOCK" --runtime-dir "$W/run" --state-dir "$W/state" \
		--config "$W/kexboot.conf" --dry-run --log-level debug --log-file "$W/daemon.log" \
		--kexec-sysroot "$W/sysroot" --devices none-such --interfaces kbvA \
		--dhcp-hook "$HOOK" --download-max 2000000 "$@" 2>>"$W/daemon.err" &
	DAEMON=$!
	PIDS+=("$DAEMON")
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.05
	done
	bad "daemon socket did not appear"
	return 1
}
