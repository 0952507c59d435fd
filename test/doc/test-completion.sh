#!/bin/bash
# contrib/bash-completion/kexboot-ctl: commands, options per command, config
# keys and values, and option ids asked from a real daemon (one of ours, on
# a socket in a temporary directory, watching no block device).
set -uo pipefail
srcdir=${srcdir:-$(dirname "$0")/../..}
B=${KB_BUILDDIR:-$(pwd)}
COMP=$srcdir/contrib/bash-completion/kexboot-ctl
CTL=$B/utils/kexboot-ctl
DISCOVER=$B/discover/kexboot-discover
for f in "$COMP" "$CTL" "$DISCOVER"; do
	[[ -e $f ]] || { echo "FAIL: $f missing"; exit 1; }
done
fail=0
W=$(mktemp -d /tmp/kb-comp.XXXXXX)
DPID=
cleanup() {
	[[ -n $DPID ]] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# shellcheck source=/dev/null
. "$COMP"
_kexboot_ctl_prog=$CTL

# complete LINE: sets REPLY to the sorted candidates, space-separated
complete_line() {
	COMP_LINE=$1
	COMP_POINT=${#1}
	COMPREPLY=()
	_kexboot_ctl kexboot-ctl
	REPLY=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	REPLY=${REPLY% }
}
expect() { # LINE EXPECTED
	complete_line "$1"
	if [[ $REPLY != "$2" ]]; then
		echo "FAIL: '$1<TAB>' gave '$REPLY', expected '$2'"
		fail=1
	else
		echo "ok: '$1<TAB>' -> '$2'"
	fi
}
expect_has() { # LINE WORD
	complete_line "$1"
	if [[ " $REPLY " != *" $2 "* ]]; then
		echo "FAIL: '$1<TAB>' gave '$REPLY', lacks '$2'"
		fail=1
	else
		echo "ok: '$1<TAB>' offers '$2'"
	fi
}

# Every command of kexboot-ctl --help is offered, and nothing else.
want=$("$CTL" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && $1 ~ /^[a-z-]+$/ {print $1}' | sort -u | tr '\n' ' ')
expect "kexboot-ctl " "${want% }"
expect "kexboot-ctl re" "remove rescan"
expect "kexboot-ctl --socket /x ne" "next-boot"
expect "kexboot-ctl boot --d" "--default --dry-run --dtb"
expect "kexboot-ctl list --" "--help --json --password --socket --version"
expect "kexboot-ctl config " "get set"
expect_has "kexboot-ctl config set " "boot-order"
expect "kexboot-ctl config set autoboot " "false true"
expect "kexboot-ctl boot --args " ""

# Option ids come from the daemon; without one there are none (and no hang).
KEXBOOT_SOCKET=$W/none.sock expect "kexboot-ctl boot " ""

if [[ $(id -u) != 0 ]]; then
	echo "SKIP: option ids from a daemon need root (adding options)"
	exit $((fail ? 1 : 77))
fi
"$DISCOVER" --socket "$W/kb.sock" --runtime-dir "$W/run" --devices 'kb-no-such-device*' \
	--dry-run --no-autoboot --config /dev/null --cmdline /dev/null --log-file "$W/log" &
DPID=$!
# ready when it answers (the socket file appears before listen())
for _ in $(seq 100); do "$CTL" --socket "$W/kb.sock" status >/dev/null 2>&1 && break; sleep 0.1; done
"$CTL" --socket "$W/kb.sock" status >/dev/null || { echo "FAIL: daemon did not start"; cat "$W/log"; exit 1; }
id1=$("$CTL" --socket "$W/kb.sock" add --name "First" --kernel /boot/vmlinuz-1) &&
id2=$("$CTL" --socket "$W/kb.sock" add --name "Second" --kernel /boot/vmlinuz-2) ||
	{ echo "FAIL: kexboot-ctl add; daemon log:"; cat "$W/log"; exit 1; }
[[ $id1 == *:* ]] || { echo "FAIL: expected an id with ':' for this test, got '$id1'"; fail=1; }

ids=$(printf '%s\n' "$id1" "$id2" | sort | tr '\n' ' ')
expect "kexboot-ctl --socket $W/kb.sock boot " "${ids% }"
KEXBOOT_SOCKET=$W/kb.sock expect "kexboot-ctl check " "${ids% }"
expect "kexboot-ctl next-boot --socket=$W/kb.sock " "${ids% }"
# only the first argument is an id
expect "kexboot-ctl --socket $W/kb.sock remove $id1 " ""
# ':' is a word break for bash: after "user:" only the rest is offered
pre=${id1%:*}:
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
expect "kexboot-ctl --socket $W/kb.sock boot $pre" "$(printf '%s\n' "${id1#"$pre"}" "${id2#"$pre"}" | sort | tr '\n' ' ' | sed 's/ $//')"
# without ':' in COMP_WORDBREAKS, whole ids
COMP_WORDBREAKS=$' \t\n"\'><=;|&('
expect "kexboot-ctl --socket $W/kb.sock boot $pre" "${ids% }"
# without jq the ids are still found
PATH_SAVE=$PATH
mkdir "$W/bin"
for t in timeout sed grep sort tr; do ln -s "$(type -P $t)" "$W/bin/$t"; done
PATH=$W/bin
expect "kexboot-ctl --socket $W/kb.sock boot " "${ids% }"
PATH=$PATH_SAVE
exit $fail
