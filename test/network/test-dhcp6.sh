#!/bin/bash
# DHCPv6 network boot through the real busybox udhcpc6 (Debian's busybox has
# no such applet: build-udhcpc6.sh builds one from Debian's busybox source
# package, cached) against a real DHCPv6 server: dnsmasq, with router
# adverts and TFTP over IPv6, in a "server" network namespace; the daemon in
# a "client" one, joined by a veth pair made directly inside them. Nothing
# of this test lives in the host's namespace.
#
# Checks: udhcpc6 asks for options 59 and 60 (the server's log says so);
# the hook configures the leased address and writes the DHCPv6 DNS server
# and search list to the runtime resolv.conf; option 59 leads to the
# pxelinux search on the IPv6 TFTP server (01-<mac> before default, an
# INCLUDE fetched in a second round), options with tftp://[v6]/ URLs; a
# dry-run boot downloads the kernel and initrd over TFTP on IPv6 with their
# sizes; option 59 that is not a URL is refused with a clear status.
. "$(dirname "$0")/netlib.sh"

need_tools ip dnsmasq busybox jq python3 flock
busybox udhcpc --help >/dev/null 2>&1 || [ $? != 127 ] || { echo "SKIP: busybox has no udhcpc"; exit 77; }
t0=$(date +%s)
UDHCPC6=$("$SRC/test/network/build-udhcpc6.sh") ||
	{ echo "SKIP: no busybox with udhcpc6 (test/network/build-udhcpc6.sh failed, see above)"; exit 77; }
echo "udhcpc6: $UDHCPC6 ($(cat "$(dirname "$UDHCPC6")/VERSION" 2>/dev/null), ready in $(( $(date +%s) - t0 )) s)"

N=$(( $$ % 200 + 20 ))
SRV=10.78.$N.1
NET=${SRV%.1}
PFX=fd00:78:$N:
SRV6=${PFX}:1
# udhcpc6 gives addresses in full (fd00:0078:...): what the hook hands on
# (N's decimal digits read as hex digits: fd00:78:123:: is fd00:0078:0123::)
SRV6_FULL=$(printf 'fd00:0078:%04d:0000:0000:0000:0000:0001' "$N")
NET_LOGS=("$W/dnsmasq.log")
net_setup d6
# the server keeps its addresses while flap() takes its link down
ip netns exec "$NSS" sysctl -qw net.ipv6.conf.kbvB.keep_addr_on_down=1
ip -n "$NSS" addr add "$SRV6/64" dev kbvB nodad

# --- what the TFTP server serves
T=$W/tftp
mkdir -p "$T/boot/pxelinux.cfg"
python3 "$FIXTURES/mkbzimage.py" "$T/boot/vmlinuz" 300000
python3 "$FIXTURES/mkinitrd.py" "$T/boot/initrd.img"
KSIZE=$(stat -c %s "$T/boot/vmlinuz")
ISIZE=$(stat -c %s "$T/boot/initrd.img")
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
  MENU LABEL Network Linux over IPv6
  KERNEL vmlinuz
  INITRD initrd.img
  APPEND console=ttyS0 ip=dhcp6
EOF
cat > "$T/boot/pxelinux.cfg/more.cfg" <<EOF
LABEL abs
  MENU LABEL Absolute IPv6 URL
  KERNEL tftp://[$SRV6]/boot/vmlinuz
LABEL missing
  MENU LABEL Missing kernel
  KERNEL nothere
EOF
NOPTS=3

# dnsmasq ARGS...: (re)start DHCPv4 (no boot file), DHCPv6 with router
# adverts (the on-link prefix: a DHCPv6 address is a /128) and TFTP
start_dnsmasq() {
	dnsmasq_start --dhcp-range="$NET.50,$NET.60,255.255.255.0,1h" \
		--dhcp-range="${PFX}:100,${PFX}:1ff,64,1h" --enable-ra \
		--dhcp-option=option6:dns-server,"[$SRV6]" --dhcp-option=option6:domain-search,example.test "$@"
}

start_dnsmasq --dhcp-option=option6:bootfile-url,"tftp://[$SRV6]/boot/pxelinux.0" \
	--dhcp-option=option6:bootfile-param,"console=ttyS0"
: > "$W/kexboot.conf"
start_net_daemon || exit 1
check "the daemon runs the built udhcpc6" wait_log "network: DHCPv6 through $UDHCPC6" 5
check "DHCPv6 option 59: pxelinux search on the IPv6 TFTP server" \
	wait_json ".options[] | select(.name == \"Network Linux over IPv6\") | .kernel.url == \"tftp://[$SRV6]/boot/vmlinuz\"" 30
check "  ... all $NOPTS options, the INCLUDE fetched over IPv6 too" \
	wait_json "[.options[] | select(.device == \"kbvA\")] | length == $NOPTS" 10
ctl list --json > "$W/list.json"
V6_ID=$(jq -r '.options[] | select(.name == "Network Linux over IPv6") | .id' "$W/list.json")
check "  ... search order: 01-<mac> wins over default" jqt '[.options[].name] | index("From default: the search order is wrong") == null'
check "  ... initrd URL on the IPv6 server" jqt ".options[] | select(.id == \"$V6_ID\") | .initrds[0].url == \"tftp://[$SRV6]/boot/initrd.img\""
check "  ... args as the config gives them" jqt ".options[] | select(.id == \"$V6_ID\") | .args == \"console=ttyS0 ip=dhcp6\""
check "  ... an absolute tftp://[v6] URL kept" jqt ".options[] | select(.name == \"Absolute IPv6 URL\") | .kernel.url == \"tftp://[$SRV6]/boot/vmlinuz\""
check "  ... the status names option 59" \
	wait_log "boot configs from tftp://\\[$SRV6\\]/boot/ \\(pxelinux search \\(DHCPv6 option 59\\)\\)" 2
check "udhcpc6 asked for option 59 (server's log)" grep -qE "requested options: .*59:bootfile-url" "$W/dnsmasq.log"
check "  ... and option 60" grep -qE "requested options: .*60:bootfile-param" "$W/dnsmasq.log"
check "  ... and got option 59" grep -qF "option: 59 bootfile-url  tftp://[$SRV6]/boot/pxelinux.0" "$W/dnsmasq.log"
# option 60 is sent (RFC 5970: length-prefixed strings), but busybox 1.35's
# udhcpc6 copies it raw into bootfile_param, cut at the length's first (NUL)
# byte: it arrives empty, and the hook leaves it out
check "  ... and option 60" grep -qF "option: 60 bootfile-param  console=ttyS0" "$W/dnsmasq.log"
check "the hook configured the leased address (/128 in the range)" \
	sh -c "ip -n '$NSC' -6 addr show dev kbvA | grep -qE 'inet6 ${PFX}:1[0-9a-f]{2}/128 scope global'"
check "the configs came over TFTP on IPv6 (server's log)" \
	grep -qE "sent $T/boot/pxelinux.cfg/$MACNAME to ${PFX}:1[0-9a-f]{2}\$" "$W/dnsmasq.log"
check "DHCPv6 DNS server in the runtime resolv.conf" grep -qx "nameserver $SRV6_FULL" "$W/run/net/resolv.conf"
check "  ... and its search list" grep -qx "search example.test" "$W/run/net/resolv.conf"
check "IPv4 DHCP gave an address but no boot file" \
	wait_log "address $NET\\.[0-9]+; no network boot offered yet, DHCPv6 still running" 1

ctl boot "$V6_ID" --dry-run > "$W/out" 2>&1
check "dry-run boot over TFTP on IPv6 succeeds" test $? = 0
check "  ... the kernel's size" grep -qF "tftp://[$SRV6]/boot/vmlinuz ($KSIZE bytes" "$W/out"
check "  ... the initrd's size" grep -qF "tftp://[$SRV6]/boot/initrd.img ($ISIZE bytes" "$W/out"
MISSING_ID=$(jq -r '.options[] | select(.name == "Missing kernel") | .id' "$W/list.json")
if ctl boot "$MISSING_ID" --dry-run > "$W/out" 2>&1; then r=0; else r=1; fi
check "a missing file on the IPv6 TFTP server: not found" \
	sh -c "[ $r = 1 ] && grep -qF 'tftp://[$SRV6]/boot/nothere: file not found' '$W/out'"
check "  ... the daemon still answers" ctlq '.devices | length >= 1' list --json

# option 59 that is not a URL: refused, naming the option
start_dnsmasq --dhcp-option=option6:bootfile-url,/boot/pxelinux.0
flap
check "DHCPv6 option 59 that is not a URL is refused" \
	wait_log "refusing the network boot offer: DHCPv6 option 59 \\(boot file URL\\) '/boot/pxelinux.0': not a URL" 30
check "  ... and its options are gone" wait_json '[.options[] | select(.device == "kbvA")] | length == 0' 5
check "  ... the daemon still answers" ctlq '.devices[] | select(.name == "kbvA")' list --json

stop_daemon
check "the daemon exits cleanly" sh -c "! grep -E 'Aborted|Sanitizer|runtime error' '$W/daemon.err'"
echo "test-dhcp6: $(( $(date +%s) - t0 )) s"
finish
