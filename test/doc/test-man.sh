#!/bin/bash
# Every program has a man page that documents every option its --help lists
# (and, for kexboot-ctl and kexboot-kexec, every command); kexboot.conf(5)
# documents every settings key of doc/configuration.md; the pages format
# without groff warnings. Runs in the build directory (make check).
set -uo pipefail
srcdir=${srcdir:-$(dirname "$0")/../..}
B=${KB_BUILDDIR:-$(pwd)}
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# program -> man page
declare -A PAGES=(
	[discover/kexboot-discover]=man/kexboot-discover.8
	[ui/ncurses/kexboot-menu]=man/kexboot-menu.8
	[utils/kexboot-ctl]=man/kexboot-ctl.8
	[utils/kexboot-probe]=man/kexboot-probe.8
	[utils/kexboot-kexec]=man/kexboot-kexec.8
)
# a kexboot-console tool, if the tree has one, needs its page too
[[ -e $B/utils/kexboot-console ]] && PAGES[utils/kexboot-console]=man/kexboot-console.8

# "\-\-dry\-run" in roff is "--dry-run" on the page
roff_text() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(dq/"/g' "$1"; }

for prog in "${!PAGES[@]}"; do
	bin=$B/$prog
	page=$B/${PAGES[$prog]}
	name=$(basename "$prog")
	[[ -x $bin ]] || { bad "$bin not built"; continue; }
	[[ -r $page ]] || { bad "$name has no man page ($page)"; continue; }
	text=$(roff_text "$page")
	grep -q "^\.TH ${name^^} [58] " "$page" || bad "$page: .TH line does not name ${name^^}"
	grep -q '@[A-Za-z_]*@' "$page" && bad "$page: unsubstituted @VARIABLE@"
	help=$("$bin" --help 2>&1) || bad "$name --help exited non-zero"
	n=0
	for opt in $(grep -o -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u); do
		n=$((n + 1))
		grep -q -- "$opt\\b" <<<"$text" || bad "$page does not document $opt (listed by $name --help)"
	done
	((n > 1)) || bad "$name --help lists no options?"
	# the version on the page is the program's
	ver=$("$bin" --version | awk '{print $2}')
	grep -q "kexboot $ver" "$page" || bad "$page: not for version $ver"
	echo "ok: $name: $n options documented"
done

# commands: kexboot-ctl's "Commands:" block, kexboot-kexec's usage lines
ctl_cmds=$("$B/utils/kexboot-ctl" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && $1 ~ /^[a-z-]+$/ {print $1}')
[[ -n $ctl_cmds ]] || bad "no commands found in kexboot-ctl --help"
ctl_page=$(roff_text "$B/man/kexboot-ctl.8")
for c in $ctl_cmds; do
	grep -Eq "^\.B[RI]? \"?$c( |\"|$)" <<<"$ctl_page" || bad "kexboot-ctl.8 has no entry for command '$c'"
done
kexec_page=$(roff_text "$B/man/kexboot-kexec.8")
for c in check load exec unload info; do
	grep -Eq "^\.B[RI]? (kexboot-kexec )?\"?$c( |\"|$)|^\.BR? .*\b$c\b.* \| " <<<"$kexec_page" ||
		bad "kexboot-kexec.8 has no entry for '$c'"
done

# kexboot.conf(5): every key of doc/configuration.md's key table
conf=$(roff_text "$B/man/kexboot.conf.5")
keys=$(sed -n '/^## Keys/,/^### /p' "$srcdir/doc/configuration.md" | sed -n 's/^| `\([a-z][a-z.A-Z-]*\)` |.*/\1/p')
[[ -n $keys ]] || bad "no keys found in doc/configuration.md"
for k in $keys; do
	k=${k//.IF./.IF.}
	grep -qF -- "${k%%.IF.*}" <<<"$conf" || bad "kexboot.conf.5 does not document key '$k'"
	if [[ $k == *.IF.* ]]; then
		grep -qF -- ".${k##*.IF.}" <<<"$conf" || bad "kexboot.conf.5 does not document key '$k'"
	fi
done
echo "ok: kexboot.conf.5: $(wc -w <<<"$keys") keys"

# the pages format cleanly
if command -v groff >/dev/null; then
	gfail=0
	for page in "$B"/man/*.[58]; do
		# -Wbreak: an installed path longer than a line cannot be adjusted; fine
		out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -Wbreak -z "$page" 2>&1)
		[[ -z $out ]] || { bad "groff warnings for $page: $out"; gfail=1; }
	done
	((gfail)) || echo "ok: groff -ww formats every page silently"
else
	echo "note: groff not installed, formatting not checked"
fi
exit $fail
