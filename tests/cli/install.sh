#!/usr/bin/env bash
# make install / uninstall into a DESTDIR: every file in place with its mode;
# the systemd unit pointing at the installed binary, passing systemd-analyze
# verify, and its commands working on the netns router of tests/lib/topology.sh;
# the man page rendering without warnings and naming every command; the bash
# completion completing; the example rules accepted by `ptctl apply`.
# Needs (besides the topology's): systemd (systemd-analyze), groff-base (groff).
cd "$(dirname "$0")/../.." || exit 1
# shellcheck disable=SC2034 # read by topology.sh
PT_NS=ptinst$$
# shellcheck source=../lib/topology.sh
source tests/lib/topology.sh

# shellcheck source=../lib/report.sh
source tests/lib/report.sh

dest=$(mktemp -d) tmp=$(mktemp -d)
trap 'rm -rf "$dest" "$tmp"' EXIT
sbin=$dest/usr/sbin/ptctl
man=$dest/usr/share/man/man8/ptctl.8
comp=$dest/usr/share/bash-completion/completions/ptctl
unit=$dest/usr/lib/systemd/system/ptctl@.service
logunit=$dest/usr/lib/systemd/system/ptctl-log@.service
example=$dest/usr/share/doc/ptctl/examples/wan0.conf.example
cockpit=$dest/usr/share/cockpit/ptctl

# Install
if make --no-print-directory install DESTDIR="$dest" PREFIX=/usr >"$tmp/make.log" 2>&1; then
	pass "make install DESTDIR=... PREFIX=/usr"
else
	fail "make install: $(tail -5 "$tmp/make.log")"
fi
while read -r path want; do
	mode=$(stat -c %a "$path" 2>/dev/null)
	[ "$mode" = "$want" ] && pass "installed ${path#"$dest"} ($want)" ||
		fail "installed ${path#"$dest"}: mode '$mode', want $want"
done <<EOF
$sbin 755
$man 644
$comp 644
$unit 644
$logunit 644
$example 644
$dest/etc/ptctl 755
$cockpit 755
$cockpit/manifest.json 644
$cockpit/index.html 644
$cockpit/ptctl.js 644
$cockpit/ptctl.css 644
EOF
check "installed binary is build/ptctl" cmp -s build/ptctl "$sbin"

# The Cockpit page: the files of web/cockpit, a manifest Cockpit can read,
# scripts in files only (Cockpit's Content-Security-Policy), cockpit.js
# from where Cockpit serves it, nothing inserted as HTML, ptctl spawned
# with superuser "require".
not() { ! "$@"; }
same=1
for f in web/cockpit/*; do cmp -s "$f" "$cockpit/${f##*/}" || same=0; done
[ "$(find "$cockpit" -type f | wc -l)" -eq "$(find web/cockpit -type f | wc -l)" ] || same=0
check "the Cockpit page is web/cockpit, whole" [ $same = 1 ]
check "...its manifest is JSON with a menu entry" python3 -c \
	'import json, sys; m = json.load(open(sys.argv[1])); assert m["menu"]["index"]["label"]' \
	"$cockpit/manifest.json"
scripts=$(grep -o '<script[^>]*>' "$cockpit/index.html")
check "...index.html loads ../base1/cockpit.js and ptctl.js, no inline script" \
	[ "$scripts" = '<script src="../base1/cockpit.js">'$'\n''<script src="ptctl.js" defer>' ]
check "...and no inline style or event handler" not grep -qiE '<style|style=| on[a-z]+=' "$cockpit/index.html"
check "...ptctl.js inserts no HTML" not grep -qE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write' \
	"$cockpit/ptctl.js"
# Every cockpit.spawn call runs ["ptctl", "-j", ...] with superuser "require".
spawns_ptctl_as_root() {
	local n
	n=$(grep -c 'cockpit\.spawn(' "$1")
	[ "$n" -gt 0 ] && [ "$(grep -c 'cockpit\.spawn(\["ptctl", "-j"' "$1")" = "$n" ] &&
		[ "$(grep -c 'superuser: "require"' "$1")" = "$n" ]
}
check "...and spawns ptctl -j only, as root (superuser require)" spawns_ptctl_as_root "$cockpit/ptctl.js"

# The unit
execs=$(grep -E '^Exec[A-Za-z]*=' "$unit" 2>/dev/null)
[ "$(echo "$execs" | grep -c '^ExecStart=/usr/sbin/ptctl ')" -eq 2 ] &&
	[ "$(echo "$execs" | grep -c '^ExecReload=/usr/sbin/ptctl ')" -eq 3 ] &&
	echo "$execs" | grep -qx 'ExecStartPre=/usr/sbin/ptctl apply --check /etc/ptctl/%i.conf --dev %i' &&
	echo "$execs" | grep -qx 'ExecStop=/usr/sbin/ptctl unload --keep-if-gone %i' &&
	pass "unit runs /usr/sbin/ptctl" || fail "unit runs /usr/sbin/ptctl: $execs"
check "unit applies /etc/ptctl/%i.conf" grep -q '^ExecStart=.* apply /etc/ptctl/%i.conf ' "$unit"
grep -q '@[A-Z_]*@' "$unit" && fail "unit has placeholders left" || pass "unit has no placeholders left"
check "the log unit runs ptctl monitor --syslog, beside ptctl@" \
	grep -qx 'ExecStart=/usr/sbin/ptctl monitor --syslog --dev %i' "$logunit"
check "...bound to ptctl@%i.service" grep -qx 'BindsTo=ptctl@%i.service' "$logunit"
if ! command -v systemd-analyze >/dev/null; then
	fail "systemd-analyze verify: systemd-analyze not found (Debian package systemd)"
else
	# The man page is checked below: man(1) would look outside DESTDIR.
	out=$(systemd-analyze verify --man=no --recursive-errors=no --root="$dest" \
		ptctl@wan0.service ptctl-log@wan0.service 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] && pass "systemd-analyze verify ptctl@wan0.service ptctl-log@wan0.service" ||
		fail "systemd-analyze verify (exit $rc): $out"
fi

# The man page: renders cleanly and documents every command of `ptctl -h`.
cmds=$(build/ptctl -h | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
out=$(groff -man -ww -z "$man" 2>&1) && [ -z "$out" ] && pass "man page renders without warnings" ||
	fail "man page: $out"
missing=
for c in $cmds monitor; do
	e=${c//-/\\-}
	grep -qF -e ".B $e " -e ".BI $e " "$man" || missing+=" $c"
done
[ -z "$missing" ] && pass "man page documents every command" || fail "man page lacks:$missing"

# The completion, driven as readline would: COMP_WORDS and COMP_CWORD in, COMPREPLY out.
# complete EXPECTED WORD...: the last word is the one being completed.
complete_as() {
	local want=$1 got shown
	shift
	shown=${*#"$tmp/"}
	got=$(bash -c 'source "$0" && COMP_WORDS=("${@:1}") COMP_CWORD=$(($# - 1)) &&
		_ptctl && echo "${COMPREPLY[*]}"' "$comp" "$@" 2>&1)
	[ "$got" = "$want" ] && pass "completes '$shown' to '$want'" ||
		fail "completes '$shown': got '$got', want '$want'"
}
all="load unload add-rule del-rule enable-rule disable-rule release flush apply save list status stats monitor help"
missing=
for c in $cmds; do [[ " $all " == *" $c "* ]] || missing+=" $c"; done
[ -z "$missing" ] && pass "completion knows every command" || fail "completion lacks:$missing"
complete_as "$all" ptctl ""

# Every option of the command table (ptctl help CMD) is in the man page and
# the completion: the three are kept in step by this walk.
lacks_man='' lacks_comp=''
for c in $cmds; do
	comp_opts=" $(bash -c 'source "$0" && COMP_WORDS=(ptctl "$1" --) COMP_CWORD=2 && _ptctl &&
		echo "${COMPREPLY[*]}"' "$comp" "$c" 2>&1) "
	for o in $(build/ptctl help "$c" | sed -n 's/^  --\([a-z-]*\).*/\1/p'); do
		grep -qF -e "\\-\\-${o//-/\\-}" "$man" || lacks_man+=" $c --$o"
		[[ $comp_opts == *" --$o "* ]] || lacks_comp+=" $c --$o"
	done
done
[ -z "$lacks_man" ] && pass "man page documents every option of the command table" ||
	fail "man page lacks:$lacks_man"
[ -z "$lacks_comp" ] && pass "completion offers every option of the command table" ||
	fail "completion lacks:$lacks_comp"
complete_as "--mode --mark" ptctl load --m
complete_as "--mode" ptctl load --mo
complete_as "native generic" ptctl load --mode ""
complete_as "hold newest" ptctl add-rule x --policy ""
complete_as "any contacted" ptctl add-rule x --peer ""
complete_as "tcp: udp: both:" ptctl add-rule x --trigger tcp : 1 --open ""
complete_as "lo" ptctl list --dev l
complete_as "dist/wan0.conf.example" ptctl apply dist/wan0.conf

# The unit's commands and the example rules, on the netns router.
topo_up || { fail "topology"; report install; exit 1; }
trap 'topo_down; rm -rf "$dest" "$tmp"' EXIT
cp "$example" "$dest/etc/ptctl/wan0.conf"
# unit_run KEY: runs the unit's KEY= lines for wan0 in the router, from DESTDIR.
unit_run() {
	local line
	sed -n "s/^$1=//p" "$unit" | while read -r line; do
		line=${line//%i/wan0}
		line=${line//\$PTCTL_LOAD_OPTS/}
		line=${line//\/usr\/sbin\/ptctl/$sbin}
		line=${line//\/etc\/ptctl/$dest/etc/ptctl}
		# shellcheck disable=SC2086
		in_r_net $line || return 1
	done
}
out=$(unit_run ExecStartPre 2>&1)
[[ $out == *"added     3: irc-dcc, game, cam"*"against no rules (not loaded)"* ]] && ! test -e "$(r_pins)" &&
	pass "ExecStartPre: the file checked, nothing loaded" || fail "ExecStartPre: $out"
out=$(unit_run ExecStart 2>&1)
[[ $out == *"added     3: irc-dcc, game, cam"* ]] && pass "ExecStart: load, apply the example" ||
	fail "ExecStart: $out"
names=$(ptctl_r -j list | grep -o '"name":"[^"]*"' | cut -d'"' -f4 | tr '\n' ' ')
[ "$names" = "irc-dcc game cam " ] && pass "example rules in place" || fail "rules in place: $names"
out=$(unit_run ExecReload 2>&1)
[[ $out == *reloaded*"unchanged 3: irc-dcc, game, cam"* ]] && pass "ExecReload: upgrade, nothing changed" ||
	fail "ExecReload: $out"
printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$NS_R" "$PTCTL" >"$tmp/ptctl"
chmod +x "$tmp/ptctl"
complete_as "irc-dcc game cam" "$tmp/ptctl" status ""
complete_as "game" "$tmp/ptctl" del-rule --dev wan0 g
out=$(unit_run ExecStop 2>&1) && ! test -e "$(r_pins)" && pass "ExecStop: unloaded" ||
	fail "ExecStop: $out"

# Uninstall: removes what install put, keeps the operator's rules.
make --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr >"$tmp/make.log" 2>&1 ||
	fail "make uninstall: $(tail -5 "$tmp/make.log")"
left=$(find "$dest" -type f)
[ "$left" = "$dest/etc/ptctl/wan0.conf" ] && pass "uninstall removes the files, keeps /etc/ptctl/wan0.conf" ||
	fail "uninstall left: $left"
rm "$dest/etc/ptctl/wan0.conf"
make --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1
left=$(find "$dest" -name ptctl\*)
[ -z "$left" ] && pass "uninstall removes an empty /etc/ptctl" || fail "uninstall left: $left"

report install
