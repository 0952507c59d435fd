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
# script named by an http:// boot file; https (a test CA the daemon trusts
# through the system bundle path, bind-mounted in its private mount
# namespace; a certificate from another CA refused) and ftp (pyftpdlib)
# downloads, an iPXE script over https; a rescan re-fetching a changed
# pxelinux config; a proxy (tinyproxy) for http and https; a static address
# with a boot-url set through kexboot-ctl; a boot whose client leaves while
# its kernel trickles in (test/network/dlserver.py) cancelling the download.
# DHCPv6 (the real udhcpc6) is test-dhcp6.sh's.
. "$(dirname "$0")/netlib.sh"

need_tools ip dnsmasq busybox jq python3 openssl unshare tinyproxy
busybox udhcpc --help >/dev/null 2>&1 || [ $? != 127 ] || { echo "SKIP: busybox has no udhcpc"; exit 77; }
busybox httpd --help >/dev/null 2>&1 || [ $? != 127 ] || { echo "SKIP: busybox has no httpd"; exit 77; }
# the system CA bundle libcurl reads on Debian: the daemon sees ours there
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
[ -f "$CA_BUNDLE" ] || { echo "SKIP: no $CA_BUNDLE to stand in for"; exit 77; }
# pyftpdlib is Debian's python3-pyftpdlib (the system python)
/usr/bin/python3 -c 'import pyftpdlib' 2>/dev/null || { echo "SKIP: python3-pyftpdlib not installed"; exit 77; }

SRV=10.77.$(( $$ % 200 + 20 )).1
NET=${SRV%.1}
net_setup net

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
LABEL tls
  MENU LABEL Over HTTPS
  KERNEL https://$SRV/k/vmlinuz
  APPEND initrd=https://$SRV/k/initrd.img
LABEL badtls
  MENU LABEL HTTPS from an untrusted CA
  KERNEL https://$SRV:8443/k/vmlinuz
LABEL ftp
  MENU LABEL Over FTP
  KERNEL ftp://$SRV/k/vmlinuz
  APPEND initrd=ftp://$SRV/k/initrd.img
LABEL fdt
  MENU LABEL With FDTDIR
  KERNEL vmlinuz
  FDTDIR dtbs
EOF
NOPTS=9
# FDTDIR: the board's DTB is picked from what the server has (fetched while
# parsing); both candidates exist, the most specific must win. Needs a
# daemon that can be told the board's compatible (--compatible): this x86
# host has no device tree.
COMPAT_ARGS=()
if command -v dtc >/dev/null && "$DISCOVER" --help 2>&1 | grep -q -- --compatible; then
	COMPAT_ARGS=(--compatible "acme,board-x acme,soc-y")
	mkdir -p "$T/boot/dtbs/acme"
	echo '/dts-v1/; / { compatible = "acme,board-x"; #address-cells = <1>; #size-cells = <1>; };' |
		dtc -q -O dtb -o "$T/boot/dtbs/acme/board-x.dtb" -
	echo '/dts-v1/; / { compatible = "acme,soc-y"; #address-cells = <1>; #size-cells = <1>; };' |
		dtc -q -O dtb -o "$T/boot/dtbs/soc-y.dtb" -
	DTBSIZE=$(stat -c %s "$T/boot/dtbs/acme/board-x.dtb")
fi
cat > "$H/boot.ipxe" <<EOF
#!ipxe
set base http://$SRV/k
kernel \${base}/vmlinuz console=ttyS1
initrd \${base}/initrd.img
boot
EOF

cat > "$H/tls.ipxe" <<EOF
#!ipxe
isset \${base} || set base ftp://$SRV/k
kernel \${base}/vmlinuz console=ttyS2
initrd \${base}/initrd.img
boot || goto failed
:failed
kernel \${base}/wrong
boot
EOF

# a test CA, a server certificate it signs for $SRV, and one from another CA
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kexboot test CA" \
	-keyout "$W/ca.key" -out "$W/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$SRV" -keyout "$W/srv.key" -out "$W/srv.csr" 2>/dev/null
printf 'subjectAltName=IP:%s\n' "$SRV" > "$W/san.ext"
openssl x509 -req -in "$W/srv.csr" -CA "$W/ca.crt" -CAkey "$W/ca.key" -CAcreateserial -days 2 \
	-extfile "$W/san.ext" -out "$W/srv.crt" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$SRV" -addext "subjectAltName=IP:$SRV" \
	-keyout "$W/rogue.key" -out "$W/rogue.crt" 2>/dev/null
# the daemon's whole trust: the test CA only
cp "$W/ca.crt" "$W/bundle.crt"
cat > "$W/https.py" <<'EOF'
import functools, http.server, ssl, sys
addr, port, root, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
srv = http.server.ThreadingHTTPServer((addr, port), handler)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
EOF

# dnsmasq SCENARIO_ARGS...: (re)start DHCP+TFTP in the server namespace
start_dnsmasq() { dnsmasq_start --dhcp-range="$NET.50,$NET.60,255.255.255.0,1h" "$@"; }
# the daemon sees the test CA as the system bundle, in a private mount namespace
NET_WRAP=(unshare --mount --propagation private
	sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' "$W/bundle.crt" "$CA_BUNDLE")

server_start busybox httpd -f -p "$SRV:80" -h "$H"
server_start python3 "$W/https.py" "$SRV" 443 "$H" "$W/srv.crt" "$W/srv.key" 2>>"$W/https.log"
server_start python3 "$W/https.py" "$SRV" 8443 "$H" "$W/rogue.crt" "$W/rogue.key" 2>>"$W/https.log"
server_start /usr/bin/python3 -m pyftpdlib -i "$SRV" -p 21 -d "$H" 2>>"$W/ftp.log"
start_dnsmasq --dhcp-boot=pxelinux.0,,"$SRV" --dhcp-option-force=210,/boot/

# autoboot waits for the interface, then boots its default (dry run)
printf 'wait-for = interface:kbvA\nwait-timeout = 60\ntimeout = 1\n' > "$W/kexboot.conf"
start_net_daemon "${COMPAT_ARGS[@]}" || exit 1
check "autoboot says it waits for the interface" \
	ctlq '.autoboot.waiting_for // "" | test("interface:kbvA")' list --json
ctl wait --options $NOPTS --timeout 30 >/dev/null
check "$NOPTS options from 01-<mac> and its INCLUDE" test "$(ctl list --json | jq '[.options[] | select(.device == "kbvA")] | length')" = $NOPTS
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

if [ ${#COMPAT_ARGS[@]} -gt 0 ]; then
	check "FDTDIR over TFTP: the most specific DTB the server has" \
		jqt ".options[] | select(.name == \"With FDTDIR\") | .dtb.url == \"tftp://$SRV/boot/dtbs/acme/board-x.dtb\""
	FDT_ID=$(jq -r '.options[] | select(.name == "With FDTDIR") | .id' "$W/list.json")
	ctl boot "$FDT_ID" --dry-run > "$W/out" 2>&1
	check "  ... a dry-run boot downloads it" wait_log "downloaded device tree tftp://$SRV/boot/dtbs/acme/board-x.dtb: $DTBSIZE bytes" 2
	check "  ... and succeeds" grep -q "dry run: would boot .With FDTDIR." "$W/out"
else
	echo "note: FDTDIR over the network not tested (no dtc, or the daemon has no --compatible)"
fi

# https through the system CA bundle (the test CA's, in the daemon's mount namespace) and ftp
check "the host's CA bundle is untouched" sh -c "! grep -qF \"\$(sed -n 2p '$W/ca.crt')\" '$CA_BUNDLE'"
TLS_ID=$(jq -r '.options[] | select(.name == "Over HTTPS") | .id' "$W/list.json")
ctl boot "$TLS_ID" --dry-run > "$W/out" 2>&1
check "dry-run boot over HTTPS (a CA from the system bundle)" grep -q "https://$SRV/k/vmlinuz ($HKSIZE bytes" "$W/out"
check "  ... and its initrd over HTTPS" grep -q "https://$SRV/k/initrd.img (" "$W/out"
FTP_ID=$(jq -r '.options[] | select(.name == "Over FTP") | .id' "$W/list.json")
ctl boot "$FTP_ID" --dry-run > "$W/out" 2>&1
check "dry-run boot over FTP" grep -q "ftp://$SRV/k/vmlinuz ($HKSIZE bytes" "$W/out"
check "  ... and its initrd over FTP" grep -q "ftp://$SRV/k/initrd.img (" "$W/out"

# a proxy per interface: tinyproxy in the server namespace. Downloads of
# kbvA's options go through network.kbvA.proxy (http by GET, https by
# CONNECT), so does a user option's URL; a dead proxy is a clear failure.
printf '%s\n' "Port 8888" "Listen $SRV" "Timeout 30" "MaxClients 8" \
	"LogFile \"$W/tinyproxy.log\"" "LogLevel Info" "Allow $NET.0/24" > "$W/tinyproxy.conf"
server_start tinyproxy -d -c "$W/tinyproxy.conf" 2>>"$W/tinyproxy.err"
ctl config set network.kbvA.proxy "http://$SRV:8888" >/dev/null
check "proxy set for kbvA" test "$(ctl config get network.kbvA.proxy)" = "http://$SRV:8888"
ctl boot "$HTTP_ID" --dry-run > "$W/out" 2>&1
check "dry-run boot over HTTP through the proxy" grep -q "http://$SRV/k/vmlinuz ($HKSIZE bytes" "$W/out"
check "  ... the proxy carried it" grep -q "GET http://$SRV/k/vmlinuz" "$W/tinyproxy.log"
ctl boot "$TLS_ID" --dry-run > "$W/out" 2>&1
check "dry-run boot over HTTPS through the proxy" grep -q "https://$SRV/k/vmlinuz ($HKSIZE bytes" "$W/out"
check "  ... tunnelled by CONNECT" grep -q "CONNECT $SRV:443" "$W/tinyproxy.log"
USER_ID=$(ctl add --name "Proxied user option" --kernel "http://$SRV/k/initrd.img")
ctl boot "$USER_ID" --dry-run > "$W/out" 2>&1
check "a user option's URL goes through the interface's proxy" grep -q "GET http://$SRV/k/initrd.img" "$W/tinyproxy.log"
ctl remove "$USER_ID" >/dev/null
ctl config set network.kbvA.proxy "http://$SRV:8889" >/dev/null
ctl boot "$HTTP_ID" --dry-run > "$W/out" 2>&1
rc=$?
check "a dead proxy: the boot fails (exit $rc) naming it: $(tail -1 "$W/out")" \
	sh -c "[ $rc != 0 ] && grep -q 'through the proxy http://$SRV:8889' '$W/out'"
ctl config set network.kbvA.proxy "" >/dev/null
ctl boot "$HTTP_ID" --dry-run > "$W/out" 2>&1
check "no proxy again: direct download" grep -q "http://$SRV/k/vmlinuz ($HKSIZE bytes" "$W/out"

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
check "a certificate from an untrusted CA is refused" fail_boot "HTTPS from an untrusted CA" "https://$SRV:8443/k/vmlinuz: TLS failed: .*certificate"
check "no download left behind after failures" test -z "$(ls -A "$W/run/downloads")"

# a rescan fetches the network configs again: a changed label shows
sed -i 's/MENU LABEL Network Linux$/MENU LABEL Network Linux, edited/' "$T/boot/pxelinux.cfg/$MACNAME"
ctl rescan >/dev/null
check "rescan re-fetches the pxelinux config" wait_json '[.options[] | select(.device == "kbvA") | .name] | index("Network Linux, edited") != null' 15
check "  ... the old label is gone, the count kept" jqt "([.options[].name] | index(\"Network Linux\") == null) and ([.options[] | select(.device == \"kbvA\")] | length == $NOPTS)"
sed -i 's/MENU LABEL Network Linux, edited$/MENU LABEL Network Linux/' "$T/boot/pxelinux.cfg/$MACNAME"

# link down withdraws the interface's options; up brings them back
ip -n "$NSS" link set kbvB down
check "link down: options withdrawn" wait_json '[.options[] | select(.device == "kbvA")] | length == 0' 10
ip -n "$NSS" link set kbvB up
check "link up: options back" wait_json "[.options[] | select(.device == \"kbvA\")] | length == $NOPTS" 20

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
# an oversized option: a 250-byte config name (as long as one option gets)
# does not fit the lease beside the others: the config is not found, which
# is said, and the daemon carries on
LONG=$(printf 'x%.0s' $(seq 250))
n_nf=$(grep -c "no boot config found" "$W/daemon.log")
start_dnsmasq --dhcp-boot=pxelinux.0,,"$SRV" --dhcp-option-force=209,$LONG
flap
check "an oversized option 209: a clear status" \
	sh -c "for i in \$(seq 200); do [ \$(grep -c 'no boot config found' '$W/daemon.log') -gt $n_nf ] && exit 0; sleep 0.1; done; exit 1"
check "  ... no options, the daemon still answers" ctlq '[.options[] | select(.device == "kbvA")] | length == 0' list --json

# an iPXE script as an http:// boot file
start_dnsmasq --dhcp-boot=http://$SRV/boot.ipxe,,"$SRV"
flap
check "iPXE script: option found" wait_json '.options[] | select(.id == "kbvA:ipxe:0") | .kernel.url == "http://'"$SRV"'/k/vmlinuz"' 20
check "iPXE script: initrd and args" jqt '.options[] | select(.id == "kbvA:ipxe:0") | .initrds[0].url == "http://'"$SRV"'/k/initrd.img" and .args == "console=ttyS1"'
ctl boot kbvA:ipxe:0 --dry-run > "$W/out" 2>&1
check "iPXE option boots (dry run)" grep -q "http://$SRV/k/vmlinuz ($HKSIZE bytes" "$W/out"

# an iPXE script over https (trusted through the bundle), its files over ftp
start_dnsmasq --dhcp-boot=https://$SRV/tls.ipxe,,"$SRV"
flap
check "iPXE script over https: option found (isset || set)" wait_json '.options[] | select(.id == "kbvA:ipxe:0") | .kernel.url == "ftp://'"$SRV"'/k/vmlinuz"' 20
check "  ... boot || goto: one option" jqt '[.options[] | select(.device == "kbvA")] | length == 1'
ctl boot kbvA:ipxe:0 --dry-run > "$W/out" 2>&1
check "  ... its ftp files download (dry run)" grep -q "ftp://$SRV/k/vmlinuz ($HKSIZE bytes" "$W/out"

# a static address set through the settings (as the menu does): applied at
# once without DHCP, with gateway and name servers, and network.kbvA.boot-url
# naming where the configs are (here a loader: the PXELINUX search)
for kv in "address $NET.99/24" "gateway $NET.254" "dns $NET.53,$NET.54" \
	"boot-url tftp://$SRV/boot/pxelinux.0" "method static"; do
	ctl config set "network.kbvA.${kv%% *}" "${kv#* }" >/dev/null || bad "config set network.kbvA.$kv"
done
check "static: the status says so" wait_log "kbvA: configuring static address $NET.99/24" 5
check "  ... boot configs from the boot-url" \
	wait_log "address $NET.99 \\(static\\); boot configs from tftp://$SRV/boot/ \\(network.kbvA.boot-url\\)" 15
check "  ... the address is the static one alone" \
	sh -c "[ \$(ip -n '$NSC' -4 -o addr show kbvA | wc -l) = 1 ] && ip -n '$NSC' -4 addr show kbvA | grep -q 'inet $NET.99/24'"
check "  ... the default route via the gateway" sh -c "ip -n '$NSC' -4 route show default | grep -q 'via $NET.254 dev kbvA'"
check "  ... the name servers written" \
	sh -c "grep -qx 'nameserver $NET.53' '$W/run/net/resolv.conf' && grep -qx 'nameserver $NET.54' '$W/run/net/resolv.conf'"
check "  ... all $NOPTS options from the pxelinux search" \
	wait_json "[.options[] | select(.device == \"kbvA\")] | length == $NOPTS" 15
ctl list --json > "$W/list.json"
ST_ID=$(jq -r '.options[] | select(.name == "Network Linux") | .id' "$W/list.json")
ctl boot "$ST_ID" --dry-run > "$W/out" 2>&1
check "  ... a dry-run boot downloads over TFTP" grep -q "tftp://$SRV/boot/vmlinuz ($KSIZE bytes" "$W/out"
sed -n '/configuring static address/,$p' "$W/daemon.log" > "$W/static.log"
check "  ... and no DHCP client ran for it" sh -c "! grep -q 'kbvA: DHCP' '$W/static.log'"
ctl config set network.kbvA.address "$NET.300/24" > "$W/out" 2>&1
check "a bad static address is refused: $(head -1 "$W/out")" grep -q "expected ADDRESS/PREFIX" "$W/out"
ctl config set network.kbvA.boot-url "file:///etc/shadow" > "$W/out" 2>&1
check "a boot-url that is no network URL is refused: $(head -1 "$W/out")" grep -q "expected a tftp://" "$W/out"
ctl config set network.kbvA.method dhcp >/dev/null
check "back to DHCP: a lease again" wait_log "kbvA: address $NET\\.(5[0-9]|60) from DHCP server" 20

# the client that asked for a boot leaves mid-download: the downloads are
# cancelled (said so), their files go, the server sees the daemon hang up,
# and the daemon carries on. A user option's kernel trickles from
# test/network/dlserver.py (1 KiB every 0.05 s: 50 s for this one).
SLOW=http://$SRV:8081/trickle/1000000
server_start python3 "$SRC/test/network/dlserver.py" "$SRV" 8081 > "$W/dlserver.port" 2>>"$W/dlserver.err"
# wait_dl_stats PATH EXPECTED: until dlserver.py's counts for PATH are these (<= 3 s)
wait_dl_stats() {
	local i got=
	for i in $(seq 30); do
		got=$(ip netns exec "$NSS" python3 -c \
			'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
			"http://$SRV:8081/stats$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.1
	done
	echo "dlserver.py saw for $1: $got"
	return 1
}
# wait_file FILE REGEX [SECONDS]
wait_file() {
	local i
	for i in $(seq $(( ${3:-5} * 10 ))); do
		grep -qE "$2" "$1" && return 0
		sleep 0.1
	done
	echo "$1 never said: $2"; tail -5 "$1"
	return 1
}
for i in $(seq 50); do [ -s "$W/dlserver.port" ] && break; sleep 0.1; done
SLOW_ID=$(ctl add --name "Slow kernel" --kernel "$SLOW")
"$CTL" --socket "$SOCK" watch > "$W/watch.out" 2>&1 &
WATCH=$!
PIDS+=("$WATCH")
sleep 0.2
"$CTL" --socket "$SOCK" boot "$SLOW_ID" --dry-run > "$W/out" 2>&1 &
BOOT=$!
PIDS+=("$BOOT")
check "a slow download: progress broadcast" wait_file "$W/watch.out" "downloading kernel $SLOW: [0-9]+ of 976 KiB"
check "  ... its partial file is in the runtime directory" test -n "$(ls -A "$W/run/downloads")"
kill "$BOOT"
wait "$BOOT" 2>/dev/null
check "the client leaving cancels its downloads: said so" \
	wait_log "downloads cancelled: the client that asked for them left" 3
ctl status >/dev/null
check "  ... the daemon still answers ctl status" test $? = 0
check "  ... the partial file is gone" test -z "$(ls -A "$W/run/downloads")"
check "  ... the server saw the daemon hang up" wait_dl_stats /trickle/1000000 "requests=1 disconnects=1 completed=0"
check "  ... and ctl list" ctlq '.options | length > 0' list --json
kill "$WATCH"
wait "$WATCH" 2>/dev/null
ctl remove "$SLOW_ID" >/dev/null
check "the slow option removed" ctlq "[.options[] | select(.id == \"$SLOW_ID\")] | length == 0" list --json

# a silent DHCP server: a clear status, and the daemon carries on
stop_dnsmasq
flap
check "silent DHCP server: said so" wait_log "kbvA: no DHCP answer after" 30
check "  ... the daemon still answers" ctlq '.devices[] | select(.name == "kbvA")' list --json

stop_daemon
check "the daemon exits cleanly" sh -c "! grep -E 'Aborted|Sanitizer|runtime error' '$W/daemon.err'"
finish
