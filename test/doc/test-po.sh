#!/bin/bash
# The gettext catalogs are complete: every message the menu's sources mark
# for translation (_(), N_(), ngettext) is translated, none fuzzy, in every
# po/*.po, and each compiles (msgfmt -c). Fails on a new untranslated string.
set -uo pipefail
srcdir=${srcdir:-$(dirname "$0")/../..}
for t in xgettext msgmerge msgfmt; do
	command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
done
W=$(mktemp -d /tmp/kb-po.XXXXXX)
trap 'rm -rf "$W"' EXIT
(cd "$srcdir" && xgettext --from-code=UTF-8 -k_ -kN_ -kngettext:1,2 --package-name=kexboot \
	-o "$W/kexboot.pot" ui/ncurses/*.c) || { echo "FAIL: xgettext"; exit 1; }
total=$(grep -c '^msgid ' "$W/kexboot.pot")
((total > 10)) || { echo "FAIL: only $total messages extracted"; exit 1; }
fail=0 n=0
for po in "$srcdir"/po/*.po; do
	n=$((n + 1))
	lang=$(basename "$po" .po)
	msgfmt -c -o /dev/null "$po" || { echo "FAIL: $lang: msgfmt -c"; fail=1; continue; }
	msgmerge -q --no-fuzzy-matching "$po" "$W/kexboot.pot" -o "$W/$lang.po" || { echo "FAIL: msgmerge"; fail=1; continue; }
	stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$W/$lang.po" 2>&1)
	if [[ $stats == *untranslated* || $stats == *fuzzy* ]]; then
		echo "FAIL: $lang: $stats against the sources; untranslated:"
		msgattrib --untranslated --no-obsolete "$W/$lang.po" | grep '^msgid' | head -20
		fail=1
	else
		echo "ok: $lang: $stats"
	fi
done
((n > 0)) || { echo "FAIL: no po/*.po catalog"; exit 1; }
exit $fail
