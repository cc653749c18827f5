#!/usr/bin/env bash
# make deb and the package it builds: the tree left as it was; lintian
# without errors or warnings; exactly the expected files and conffiles;
# Depends naming the libraries the binary links. Then installed for real:
# the binary, the unit (systemd-analyze verify), the man page, the
# completion, the nftables snippet included as README says, the unit's
# commands with the installed paths on the netns router of
# tests/lib/topology.sh; removed and purged: the operator's rules kept,
# nothing else left. Installs into this system's dpkg database: refuses to run
# where ptctl is installed already (as a package or by hand), and purges
# what it installed however it ends.
# Needs (besides the topology's): dpkg-dev, debhelper, lintian, systemd,
# man-db, nftables (make deps).
cd "$(dirname "$0")/../.." || exit 1
# shellcheck disable=SC2034 # read by topology.sh
PT_NS=ptdeb$$ PTCTL=/usr/sbin/ptctl
# shellcheck source=../lib/topology.sh
source tests/lib/topology.sh

# shellcheck source=../lib/report.sh
source tests/lib/report.sh

version=$(sed -n 's/^#define PT_VERSION "\(.*\)"$/\1/p' include/ptctl.h)
arch=$(dpkg --print-architecture)
deb=build/deb/ptctl_${version}_$arch.deb
changes=build/deb/ptctl_${version}_$arch.changes
unit=/usr/lib/systemd/system/ptctl@.service
tmp=$(mktemp -d)
installed='' rules='' topo_pid=''

cleanup() {
	[ -n "$topo_pid" ] && kill "$topo_pid" 2>/dev/null && wait "$topo_pid"
	topo_down
	[ -n "$installed" ] && dpkg --purge ptctl >/dev/null 2>&1
	[ -n "$rules" ] && rm -f /etc/ptctl/wan0.conf && rmdir /etc/ptctl 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Build: nothing of it in the tree or beside it, the developer's build kept.
tree_state() {
	git status --porcelain 2>/dev/null
	ls -d ../*.deb ../*.changes ../*.buildinfo 2>/dev/null
	ls -d build/ptctl vmlinux/vmlinux.h 2>/dev/null
}
rm -rf build/deb # no package of an earlier run to test
before=$(tree_state)
start=$SECONDS
if make --no-print-directory deb DEB_JOBS=2 >"$tmp/make.log" 2>&1; then
	pass "make deb ($((SECONDS - start)) s)"
else
	fail "make deb: $(tail -5 "$tmp/make.log")"
fi
[ -f "$deb" ] || { fail "no $deb"; report deb; exit 1; }
after=$(tree_state)
[ "$before" = "$after" ] && pass "tree, its parent and build/ptctl as they were" ||
	fail "make deb changed the tree: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]')"
left=$(ls -d debian/build debian/ptctl debian/.debhelper debian/files debian/*.substvars \
	debian/*.debhelper.log debian/debhelper-build-stamp debian/tmp 2>/dev/null)
[ -z "$left" ] && pass "no package build artefacts in debian/" || fail "left in debian/: $left"
got=$(cd build/deb && ls -A)
want="cockpit-ptctl_${version}_all.deb
ptctl-dbgsym_${version}_$arch.deb
ptctl_${version}_$arch.buildinfo
ptctl_${version}_$arch.changes
ptctl_${version}_$arch.deb"
[ "$got" = "$want" ] && pass "build/deb holds the packages, .buildinfo and .changes only" ||
	fail "build/deb holds: $got"

# The Cockpit page: a package of its own, so that a router without Cockpit does without it.
cockpit_deb=build/deb/cockpit-ptctl_${version}_all.deb
got=$(dpkg-deb -c "$cockpit_deb" | awk '$1 ~ /^-/ { print $1, $6 }')
want="-rw-r--r-- ./usr/share/cockpit/ptctl/index.html
-rw-r--r-- ./usr/share/cockpit/ptctl/manifest.json
-rw-r--r-- ./usr/share/cockpit/ptctl/ptctl.css
-rw-r--r-- ./usr/share/cockpit/ptctl/ptctl.js
-rw-r--r-- ./usr/share/doc/cockpit-ptctl/changelog.gz
-rw-r--r-- ./usr/share/doc/cockpit-ptctl/copyright"
[ "$(sort <<<"$got")" = "$want" ] && pass "cockpit-ptctl holds the page (web/cockpit) only" ||
	fail "cockpit-ptctl files: $got"
for f in manifest.json index.html ptctl.js ptctl.css; do
	dpkg-deb --fsys-tarfile "$cockpit_deb" | tar -xO "./usr/share/cockpit/ptctl/$f" | cmp -s - "web/cockpit/$f" ||
		fail "cockpit-ptctl's $f is not web/cockpit/$f"
done
out=$(dpkg-deb -f "$cockpit_deb" Depends)
[[ $out == *"cockpit-bridge"* && $out == *"ptctl (>= $version)"* ]] &&
	pass "cockpit-ptctl depends on cockpit-bridge and ptctl: $out" || fail "cockpit-ptctl Depends: $out"

grep -qF "apt install ./build/deb/ptctl_${version}_" README.md &&
	pass "README installs ptctl_${version}_*.deb" || fail "README's package is not ptctl_${version}_*.deb"
out=$(lintian -i --fail-on error,warning "$changes" 2>&1)
rc=$?
[ $rc -eq 0 ] && ! grep -q '^[EW]: ' <<<"$out" && pass "lintian: no errors or warnings" ||
	fail "lintian (exit $rc): $(grep '^[EW]: ' <<<"$out")"

# The package as built.
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package) $(field Version) $(field Architecture)" = "ptctl $version $arch" ] &&
	pass "package ptctl $version $arch" ||
	fail "package: $(field Package) $(field Version) $(field Architecture)"
got=$(dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }')
want="drwxr-xr-x root/root ./
drwxr-xr-x root/root ./etc/
drwxr-xr-x root/root ./etc/nftables.d/
-rw-r--r-- root/root ./etc/nftables.d/ptctl.nft
drwxr-xr-x root/root ./etc/ptctl/
drwxr-xr-x root/root ./usr/
drwxr-xr-x root/root ./usr/lib/
drwxr-xr-x root/root ./usr/lib/systemd/
drwxr-xr-x root/root ./usr/lib/systemd/system/
-rw-r--r-- root/root ./usr/lib/systemd/system/ptctl-log@.service
-rw-r--r-- root/root ./usr/lib/systemd/system/ptctl@.service
drwxr-xr-x root/root ./usr/sbin/
-rwxr-xr-x root/root ./usr/sbin/ptctl
drwxr-xr-x root/root ./usr/share/
drwxr-xr-x root/root ./usr/share/bash-completion/
drwxr-xr-x root/root ./usr/share/bash-completion/completions/
-rw-r--r-- root/root ./usr/share/bash-completion/completions/ptctl
drwxr-xr-x root/root ./usr/share/doc/
drwxr-xr-x root/root ./usr/share/doc/ptctl/
-rw-r--r-- root/root ./usr/share/doc/ptctl/README.md.gz
-rw-r--r-- root/root ./usr/share/doc/ptctl/changelog.gz
-rw-r--r-- root/root ./usr/share/doc/ptctl/copyright
drwxr-xr-x root/root ./usr/share/doc/ptctl/examples/
-rw-r--r-- root/root ./usr/share/doc/ptctl/examples/wan0.conf.example
drwxr-xr-x root/root ./usr/share/lintian/
drwxr-xr-x root/root ./usr/share/lintian/overrides/
-rw-r--r-- root/root ./usr/share/lintian/overrides/ptctl
drwxr-xr-x root/root ./usr/share/man/
drwxr-xr-x root/root ./usr/share/man/man8/
-rw-r--r-- root/root ./usr/share/man/man8/ptctl.8.gz"
[ "$got" = "$want" ] && pass "package holds exactly the expected paths and modes" ||
	fail "package paths: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]')"
# The package's paths, without the leading / (usr/sbin/ptctl, etc/ptctl, ...).
paths=$(dpkg-deb -c "$deb" | awk '{ sub(/^\.\//, "", $6); sub(/\/$/, "", $6); print $6 }' | grep .)
got=$(dpkg-deb -I "$deb" conffiles 2>&1)
[ "$got" = /etc/nftables.d/ptctl.nft ] && pass "conffiles: /etc/nftables.d/ptctl.nft" ||
	fail "conffiles: $got"

# Depends: the packages of the libraries the binary links, nothing else.
dpkg-deb -x "$deb" "$tmp/root"
needed=$(readelf -d "$tmp/root/usr/sbin/ptctl" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
from=$(for lib in $needed; do dpkg-query -S "*/$multiarch/$lib" | cut -d: -f1; done | sort -u | tr '\n' ' ')
depends=$(field Depends)
names=$(tr ',' '\n' <<<"$depends" | awk '{ print $1 }' | sort -u | tr '\n' ' ')
[ "$names" = "libbpf1 libc6 " ] && [ "$from" = "$names" ] &&
	pass "Depends: $depends (the binary links ${needed//$'\n'/ })" ||
	fail "Depends: '$depends' names '$names'; the binary's libraries are from '$from'"
# libelf: libbpf's, not ptctl's (it would be a useless dependency).
dpkg-query -W -f='${Depends}' libbpf1 | grep -qw libelf1 && ! grep -q libelf <<<"$needed" &&
	pass "libelf1 comes with libbpf1" || fail "libelf1: libbpf1 depends on it? the binary links it?"

# Install, where nothing of ptctl is: the package, or make install's files.
status() { dpkg-query -W -f='${Status} ${Version}' ptctl 2>/dev/null; }
if [ -n "$(status)" ]; then
	fail "ptctl is known to dpkg here ($(status)): not touching it"
	report deb
	exit 1
fi
there=
for p in $paths; do [ -d "/$p" ] || [ ! -e "/$p" ] || there+=" /$p"; done
[ -e /etc/ptctl ] && there+=" /etc/ptctl"
if [ -n "$there" ]; then
	fail "ptctl's files are here already, not from the package:$there"
	report deb
	exit 1
fi
existed=$(for p in $paths; do [ -e "/$p" ] && echo "/$p"; done)
installed=1
out=$(dpkg -i "$deb" 2>&1) && [ "$(status)" = "install ok installed $version" ] &&
	pass "dpkg -i: installed $version" || fail "dpkg -i: $out"
missing=$(for p in $paths; do [ -e "/$p" ] || echo "/$p"; done)
[ -z "$missing" ] && pass "every path of the package in place" || fail "missing: $missing"

out=$(/usr/sbin/ptctl -V 2>&1)
[[ $out == "ptctl $version (libbpf "* ]] && pass "/usr/sbin/ptctl -V: $out" || fail "ptctl -V: $out"
# --man=yes: Documentation=man:ptctl(8) found by man(1).
out=$(systemd-analyze verify --man=yes --recursive-errors=no "$unit" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ -z "$out" ] && pass "systemd-analyze verify $unit" ||
	fail "systemd-analyze verify (exit $rc): $out"
grep -qx 'ExecStart=/usr/sbin/ptctl apply /etc/ptctl/%i.conf --dev %i' "$unit" &&
	pass "unit runs /usr/sbin/ptctl on /etc/ptctl/%i.conf" || fail "unit: $(grep ^Exec "$unit")"
enabled=$(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled -name 'ptctl@*' 2>/dev/null)
[ -z "$enabled" ] && pass "the template unit is not enabled" || fail "enabled: $enabled"
out=$(man -w ptctl 2>&1)
[ "$out" = /usr/share/man/man8/ptctl.8.gz ] && pass "man -w ptctl: $out" || fail "man -w ptctl: $out"
out=$(zcat /usr/share/man/man8/ptctl.8.gz | sed -n 's/^\.TH .*"ptctl \([^"]*\)".*/\1/p')
[ "$out" = "$version" ] && pass "man page of ptctl $version" || fail "man page of ptctl '$out'"
out=$(bash -c 'source /usr/share/bash-completion/completions/ptctl && complete -p ptctl' 2>&1)
[ "$out" = "complete -F _ptctl ptctl" ] && pass "bash completion: $out" || fail "completion: $out"

# The nftables snippet, included as README says, in a namespace of its own.
cat >"$tmp/nftables.conf" <<'EOF'
flush ruleset
table inet filter {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		include "/etc/nftables.d/ptctl*.nft"
	}
}
EOF
nft_forward() { unshare -n sh -c 'nft -f "$1" && nft list chain inet filter forward' sh "$tmp/nftables.conf" 2>&1; }
out=$(nft_forward)
grep -q 'ct mark .*0x70740000.* accept$' <<<"$out" && pass "nftables.conf includes the mark rule" ||
	fail "nft include: $out"

# The unit's commands as installed, with the operator's rules, on the router.
# topo_up sets an EXIT trap of its own: it runs in a subshell, which keeps
# the namespaces unless it fails, and which cleanup can end.
(topo_up && trap - EXIT) &
topo_pid=$!
wait $topo_pid || { fail "topology"; report deb; exit 1; }
topo_pid=''
rules=1
cp /usr/share/doc/ptctl/examples/wan0.conf.example /etc/ptctl/wan0.conf
# unit_run KEY: runs the unit's KEY= lines for wan0 in the router.
unit_run() {
	local line
	sed -n "s/^$1=//p" "$unit" | while read -r line; do
		line=${line//%i/wan0}
		line=${line//\$PTCTL_LOAD_OPTS/}
		# shellcheck disable=SC2086
		in_r_net $line || return 1
	done
}
out=$(unit_run ExecStartPre 2>&1)
[[ $out == *"added     3: irc-dcc, game, cam"*"against no rules (not loaded)"* ]] && ! test -e "$(r_pins)" &&
	pass "ExecStartPre: /etc/ptctl/wan0.conf checked, nothing loaded" || fail "ExecStartPre: $out"
out=$(unit_run ExecStart 2>&1)
names=$(ptctl_r -j list | grep -o '"name":"[^"]*"' | cut -d'"' -f4 | tr '\n' ' ')
[[ $out == *"added     3: irc-dcc, game, cam"* ]] && [ "$names" = "irc-dcc game cam " ] &&
	pass "ExecStart: the packaged ptctl loaded on wan0, the example applied" ||
	fail "ExecStart: $out; rules: $names"
out=$(unit_run ExecStop 2>&1) && ! test -e "$(r_pins)" && pass "ExecStop: unloaded" ||
	fail "ExecStop: $out"
topo_down

# Remove, then purge: the operator's rules stay, the conffile until the purge.
out=$(dpkg -r ptctl 2>&1) && [ "$(status)" = "deinstall ok config-files $version" ] &&
	[ ! -e /usr/sbin/ptctl ] && [ -f /etc/nftables.d/ptctl.nft ] && [ -f /etc/ptctl/wan0.conf ] &&
	pass "dpkg -r: program gone; conffile and /etc/ptctl/wan0.conf kept" || fail "dpkg -r: $out"
out=$(dpkg --purge ptctl 2>&1) && [ -z "$(status)" ] && [ ! -e /etc/nftables.d/ptctl.nft ] &&
	cmp -s dist/wan0.conf.example /etc/ptctl/wan0.conf &&
	pass "dpkg --purge: conffile gone, /etc/ptctl/wan0.conf kept" || fail "dpkg --purge: $out"
rm /etc/ptctl/wan0.conf && rmdir /etc/ptctl && rules=

# Install and purge: nothing left.
out=$(dpkg -i "$deb" 2>&1) && [ "$(status)" = "install ok installed $version" ] &&
	pass "dpkg -i again" || fail "dpkg -i again: $out"
out=$(dpkg --purge ptctl 2>&1) && installed= && pass "dpkg --purge ptctl" || fail "dpkg --purge: $out"
left=$(for p in $paths; do
	[ -e "/$p" ] && ! grep -qx "/$p" <<<"$existed" && echo "/$p"
done)
[ -z "$left" ] && pass "purged: nothing of the package left (/etc/ptctl and the conffile included)" ||
	fail "left after purge: $left"
out=$(dpkg -s ptctl 2>&1)
[[ $out == *"package 'ptctl' is not installed"* ]] && pass "dpkg -s ptctl: not installed" ||
	fail "dpkg -s ptctl: $out"
out=$(nft_forward)
[[ $out == *"ct state established,related accept"* ]] && ! grep -q 'ct mark' <<<"$out" &&
	pass "nftables.conf still loads, without the mark rule" || fail "nft include after purge: $out"

report deb
