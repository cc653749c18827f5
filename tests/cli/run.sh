#!/usr/bin/env bash
# ptctl's command line on a real interface: every bad input gets exactly one
# "Error: ..." line on stderr (or a JSON error with -j), a non-zero exit (2
# for a usage error), and leaves rules, attached programs, links and pins
# exactly as they were; the good paths do what they say. Runs in the netns
# router of tests/lib/topology.sh, as the README says to run ptctl there.
cd "$(dirname "$0")/../.." || exit 1
PT_NS=ptcli$$
# shellcheck source=../lib/topology.sh
source tests/lib/topology.sh

# shellcheck source=../lib/report.sh
source tests/lib/report.sh

# Everything ptctl could change: rules and holders, programs, links, pins.
snapshot() {
	local rules
	rules=$(ptctl_r -j list --dev wan0 2>/dev/null) && echo "$rules"
	in_r ip -d link show | grep -o 'prog/xdp.*'
	in_r tc filter show dev wan0 egress
	find "$(r_root)" 2>/dev/null | sort
	find "$(r_root)" -name 'link_*' -exec bpftool link show pinned {} \; 2>/dev/null
}

# expect_error DESC SUBSTRING ARGS...: fails cleanly, says why, changes nothing.
expect_error() {
	local desc=$1 want=$2 before after err rc
	shift 2
	before=$(snapshot)
	err=$(ptctl_r "$@" 2>&1 >/dev/null)
	rc=$?
	after=$(snapshot)
	if [ $rc -eq 0 ]; then
		fail "$desc (exit 0)"
	elif [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || [[ $err != "Error: "* ]]; then
		fail "$desc (stderr not one 'Error:' line: $err)"
	elif [[ $err != *"$want"* ]]; then
		fail "$desc (no '$want' in: $err)"
	elif [ "$before" != "$after" ]; then
		fail "$desc (state changed)"
	else
		pass "$desc"
	fi
}

# expect_usage DESC SUBSTRING ARGS...: the same, as a usage error (exit 2).
expect_usage() {
	local rc
	ptctl_r "${@:3}" >/dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] || { fail "$1 (exit $rc, not 2)"; return; }
	expect_error "$@"
}

# expect_ok DESC ARGS...: succeeds.
expect_ok() {
	local desc=$1 out
	shift
	if out=$(ptctl_r "$@" 2>&1); then pass "$desc"; else fail "$desc: $out"; fi
}

topo_up || { fail "topology"; report cli; exit 1; }
# A second interface, without an IPv4 address.
in_r ip link add nov4 type veth peer name nov4p && in_r ip link set nov4 up

# Before load
expect_error "unload when not loaded" "not loaded" unload wan0
expect_error "list when not loaded" "not loaded" list
[ "$(ptctl_r -j list --all)" = '{"schema":1,"instances":[]}' ] &&
	pass "list --all, nothing loaded: an empty list" || fail "list --all: $(ptctl_r -j list --all)"
expect_error "add-rule when not loaded" "not loaded" add-rule a --trigger tcp:1 --open tcp:2
expect_error "unknown interface" "unknown interface 'nosuch0'" load nosuch0
expect_error "unknown mode" "unknown mode 'turbo'" load wan0 --mode turbo
expect_error "invalid --wan-addr" "invalid IPv4 address '300.1.1.1'" load wan0 --wan-addr 300.1.1.1
expect_error "mark outside its mask" "within the mask" load wan0 --mark 0x10/0x01
expect_usage "load without interface" "usage: ptctl load" load
expect_error "--fastpath unknown interface" "unknown interface 'nosuch0' in --fastpath" \
	load wan0 --fastpath nosuch0
expect_error "--fastpath the WAN interface" "wan0 is the WAN interface" load wan0 --fastpath br-lan,wan0
expect_error "--fastpath a bridge port" "lan1 is a port of br-lan: give --fastpath br-lan" \
	load wan0 --fastpath lan1
expect_error "--fastpath twice the same" "'br-lan' is twice in --fastpath" load wan0 --fastpath br-lan,br-lan
expect_error "--fastpath without a name" "--fastpath needs an interface" load wan0 --fastpath ,
expect_error "--fastpath name refused" "invalid interface name" load wan0 --fastpath ../x
expect_usage "load with two interfaces" "too many arguments; usage: ptctl load" load wan0 nov4
expect_usage "unknown command" "unknown command 'frobnicate'" frobnicate
expect_usage "no command" "no command"
expect_usage "unknown option, as ptctl says it" "unknown option '--frob'; usage: ptctl add-rule" \
	add-rule a --frob --trigger tcp:1 --open tcp:2
expect_usage "unknown short option" "unknown option '-x'" list -x
expect_usage "option without its value" "option '--dev' needs a value" list --dev
# Interface names are names: nothing that is a path or no name at all.
for name in wan0/ . .. "wan 0" wan:0 ../wan0 "" 0123456789abcdef; do
	expect_error "interface name '$name' refused" "invalid interface name" load "$name"
	expect_error "--dev '$name' refused" "invalid interface name" list --dev "$name"
done
in_r_net setpriv --reuid=65534 --regid=65534 --clear-groups "$PTCTL" list >/dev/null 2>"/tmp/$PT_NS.err"
grep -q '^Error: .*needs root' "/tmp/$PT_NS.err" && pass "not root" || fail "not root: $(cat "/tmp/$PT_NS.err")"
rm -f "/tmp/$PT_NS.err"
# ip netns exec: a private /sys without bpffs, pins that would vanish. Refused, nothing attached.
before=$(snapshot)
err=$(in_r "$PTCTL" load wan0 2>&1)
[[ $err == "Error: /sys/fs/bpf is not a bpffs in this mount namespace"*nsenter* ]] &&
	[ "$before" = "$(snapshot)" ] && pass "ip netns exec: refused, nothing attached" ||
	fail "ip netns exec: $err"

expect_ok "load wan0" load wan0 --mode native

# Load options against what is loaded
expect_error "reload with another mode" "different --mode" load wan0 --mode generic
expect_error "reload with another mark" "different --mark" load wan0 --mark 0x1
expect_error "reload with another WAN address" "different --wan-addr" load wan0 --wan-addr 198.51.100.9
expect_error "reload adding a fast path" "different --fastpath" load wan0 --fastpath br-lan
expect_ok "reload with the same options" load wan0 --mode native

# Rules
expect_ok "add a rule" add-rule irc --trigger tcp:6667 --open tcp:5000-5010,udp:5000 --timeout 10m
expect_error "unknown protocol" "unknown protocol 'icmp'" add-rule a --trigger icmp:5 --open tcp:1
expect_error "port 0" "port 0 out of range" add-rule a --trigger tcp:0 --open tcp:1
expect_error "port above 65535" "port 70000 out of range" add-rule a --trigger tcp:1 --open tcp:70000
expect_error "port not a number" "invalid port 'x'" add-rule a --trigger tcp:x --open tcp:1
expect_error "reversed range" "reversed port range" add-rule a --trigger tcp:1 --open tcp:200-100
expect_error "range without protocol" "expected PROTO:PORT" add-rule a --trigger 6667 --open tcp:1
expect_error "empty name" "empty rule name" add-rule "" --trigger tcp:1 --open tcp:1
expect_error "invalid name" "invalid rule name 'bad/name'" add-rule bad/name --trigger tcp:1 --open tcp:1
expect_error "name too long" "too long" add-rule "$(printf 'n%.0s' $(seq 40))" --trigger tcp:1 --open tcp:1
expect_error "duplicate name" "named 'irc' exists" add-rule irc --trigger tcp:1 --open tcp:1
expect_error "open entries overlapping each other" "overlap" add-rule a --trigger tcp:1 --open tcp:100-200,both:150
expect_error "open ports of another rule" "of rule 'irc'" add-rule a --trigger tcp:1 --open both:5010-5020
opens=$(seq -s, -f 'tcp:%g' 100 116)
expect_error "too many open entries" "too many open entries" add-rule a --trigger tcp:1 --open "$opens"
expect_error "timeout 0" "out of range" add-rule a --trigger tcp:1 --open tcp:1 --timeout 0
expect_error "absurd timeout" "out of range" add-rule a --trigger tcp:1 --open tcp:1 --timeout 999999999
expect_error "invalid timeout" "invalid timeout" add-rule a --trigger tcp:1 --open tcp:1 --timeout 5x
expect_error "missing --trigger" "needs a trigger" add-rule a --open tcp:1
expect_error "missing --open" "needs open ports" add-rule a --trigger tcp:1
expect_error "unknown policy" "unknown policy" add-rule a --trigger tcp:1 --open tcp:1 --policy random
expect_error "unknown peer" "unknown peer 'all'" add-rule a --trigger tcp:1 --open tcp:1 --peer all
expect_error "invalid allow prefix" "invalid prefix length" add-rule a --trigger tcp:1 --open tcp:1 --allow 192.168.1.0/33
expect_error "invalid IPv6 allow prefix" "invalid prefix length '/129' (IPv6: 0-128)" \
	add-rule a --trigger tcp:1 --open tcp:1 --allow 192.168.1.0/24,2001:db8::/129
expect_error "allow: an address of neither family" "invalid address '2001:db8::g' (IPv4 or IPv6)" \
	add-rule a --trigger tcp:1 --open tcp:1 --allow 2001:db8::g
expect_error "--dev not loaded" "not loaded on nov4" add-rule --dev nov4 a --trigger tcp:1 --open tcp:1
expect_error "del-rule unknown name" "no rule named 'nope'" del-rule nope
expect_usage "a single-value option given twice" "--trigger given twice; usage: ptctl add-rule" \
	add-rule a --trigger tcp:1 --trigger tcp:2 --open tcp:3
expect_usage "a flag given twice" "--check given twice" apply --check --check /dev/null
expect_usage "an option's value missing" "option '--timeout' needs a value" add-rule a --timeout
expect_ok "--open given twice: both kept" add-rule twice --trigger tcp:7 --open tcp:7000 --open udp:7001
[ "$(ptctl_r -j status twice | grep -o '"open":\[[^]]*\]')" = '"open":["tcp:7000","udp:7001"]' ] &&
	pass "...both open entries" || fail "...both open entries: $(ptctl_r -j status twice)"
expect_ok "del-rule twice" del-rule twice
expect_usage "del-rule without name" "usage: ptctl del-rule" del-rule
# What ptctl echoes is escaped: an argument cannot forge a second line.
expect_error "a newline in a name stays on the line" "invalid rule name 'x\\x0aError: forged'" \
	add-rule "$(printf 'x\nError: forged')" --trigger tcp:1 --open tcp:2
expect_error "a byte that is not UTF-8, escaped" "invalid rule name 'a\\xff'" \
	add-rule "$(printf 'a\xff')" --trigger tcp:1 --open tcp:2

# The operator commands
expect_error "status of an unknown rule" "no rule named 'nope'" status nope
expect_usage "status with two names" "too many arguments; usage: ptctl status" status a b
expect_error "enable-rule of an unknown rule" "no rule named 'nope'" enable-rule nope
expect_error "disable-rule of an unknown rule" "no rule named 'nope'" disable-rule nope
expect_error "release of an unknown rule" "no rule named 'nope'" release nope
expect_usage "flush with an argument" "usage: ptctl flush" flush all
expect_error "apply of a missing file" "cannot open /nonexistent.conf" apply /nonexistent.conf
expect_usage "apply without a file" "usage: ptctl apply" apply
expect_error "monitor --count 0" "invalid --count '0'" monitor --count 0
expect_error "stats --dev not loaded" "not loaded on nov4" stats --dev nov4

# JSON errors go to stdout as one object, bpftool style, valid UTF-8 JSON.
out=$(ptctl_r -j add-rule a --trigger foo --open tcp:1 2>/dev/null)
[[ $out == '{"error":"invalid port range'* ]] && pass "JSON error object" || fail "JSON error object: $out"
out=$(ptctl_r -j add-rule "$(printf 'a\xff"')" --trigger tcp:1 --open tcp:2 2>/dev/null)
[ "$out" = '{"error":"invalid rule name '\''a\\xff\"'\'': use letters, digits, '\''-'\'', '\''_'\'' and '\''.'\''"}' ] &&
	pass "JSON error with odd bytes: escaped" || fail "JSON error with odd bytes: $out"
out=$(ptctl_r -j 2>/dev/null)
[[ $out == '{"error":"no command'* ]] && pass "ptctl -j alone: a JSON error" || fail "ptctl -j alone: $out"

# Several interfaces: --dev becomes necessary. An interface without an IPv4
# address loads: its addresses are followed as they come.
expect_ok "load an interface without IPv4" load nov4
expect_error "list without --dev, two loaded" "choose one with --dev" list
expect_ok "list --dev nov4" list --dev nov4
devs=$(ptctl_r -j list --all | grep -o '"dev":"[^"]*"' | tr '\n' ' ')
[ "$devs" = '"dev":"nov4" "dev":"wan0" ' ] && pass "list --all: both interfaces, by name" ||
	fail "list --all: $devs"
expect_usage "list --all --dev" "--all and --dev exclude each other" list --all --dev wan0
expect_ok "unload the second interface" unload nov4

# The fast path: on each port of the bridge, one added later too (health,
# then load again), gone with unload.
xdp_on() { in_r ip -d link show "$1" | grep -q 'prog/xdp'; }
expect_ok "load --fastpath br-lan" load nov4 --fastpath br-lan
out=$(ptctl_r -j status --dev nov4)
[[ $out == *'"fastpath":["br-lan"],"fastpath_tcp":false'*'"lan_attached":true'* ]] &&
	xdp_on lan1 && xdp_on lan2 &&
	pass "fast path on both bridge ports" || fail "fast path on both bridge ports: $out"
# TCP too when conntrack tracks it liberally: status says which.
out=$(ptctl_r status --dev nov4)
[[ $out == *"fast path:    br-lan (UDP; TCP needs nf_conntrack_tcp_be_liberal=1)"* ]] &&
	in_r sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=1 &&
	out=$(ptctl_r status --dev nov4) &&
	[[ $out == *"fast path:    br-lan (UDP and TCP: nf_conntrack_tcp_be_liberal=1)"* ]] &&
	[[ $(ptctl_r -j status --dev nov4) == *'"fastpath_tcp":true'* ]] &&
	pass "status: TCP on the fast path only when conntrack is liberal" ||
	fail "status: TCP on the fast path only when conntrack is liberal: $out"
in_r sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal=0
in_r ip link add lan9 type veth peer name lan9p && in_r ip link set lan9 master br-lan up
out=$(ptctl_r status --dev nov4 2>&1)
rc=$?
[ $rc = 3 ] && [[ $out == *"health:       its LAN XDP program is not attached to lan9"* ]] &&
	pass "a new bridge port: degraded, said" || fail "a new bridge port (exit $rc): $out"
expect_ok "load again covers the new port" load nov4
xdp_on lan9 && ptctl_r status --dev nov4 >/dev/null && pass "new port attached, healthy" ||
	fail "new port attached, healthy"
expect_ok "unload the fast path" unload nov4
if xdp_on lan1 || xdp_on lan9; then fail "unload left XDP on a bridge port"; else pass "unload detaches the bridge ports"; fi
in_r ip link del lan9

# Help from the command table: every command, its options, an example; no root needed.
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$PTCTL" help add-rule 2>&1)
[[ $out == "Usage: ptctl add-rule NAME "*"Options:"*"--allow PREFIX[,...]"*"Example:"* ]] &&
	pass "help add-rule: usage, options, example (as nobody)" || fail "help add-rule: $out"
[ "$("$PTCTL" add-rule --help)" = "$out" ] && pass "add-rule --help is help add-rule" ||
	fail "add-rule --help differs from help add-rule"
expect_usage "help of an unknown command" "no such command" help frob
wide=$("$PTCTL" -h | awk 'length($0) > 80')
[ -z "$wide" ] && pass "ptctl -h fits 80 columns" || fail "ptctl -h is wider than 80: $wide"
wide=
for c in $("$PTCTL" -h | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p'); do
	wide+=$("$PTCTL" help "$c" | awk 'length($0) > 80')
done
[ -z "$wide" ] && pass "every command's help fits 80 columns" || fail "help wider than 80: $wide"

# JSON documents carry the schema of their layout (errors are bpftool's: without).
for args in "list" "status" "status irc" "stats" "help" "help load"; do
	# shellcheck disable=SC2086 # a command line
	out=$(ptctl_r -j $args)
	[[ $out == '{"schema":1,'* ]] && pass "-j $args: schema 1" || fail "-j $args: $out"
done

# list fits 80 columns with long names and many open ports (--wide: one line a rule).
expect_ok "a rule with a long name" add-rule a-rule-name-of-thirty-one-chars --trigger udp:99 \
	--open udp:9000-9010,tcp:9020,both:9030-9040,udp:9050,udp:9051,udp:9052,udp:9053 --timeout 30d
wide=$(ptctl_r list | awk 'length($0) > 80')
[ -z "$wide" ] && pass "list fits 80 columns" || fail "list wider than 80: $wide"
[[ $(ptctl_r list) == *"udp:9052, udp:9053"* ]] && pass "...every open entry shown" ||
	fail "...open entries: $(ptctl_r list)"
[ "$(ptctl_r list --wide | grep -c '^a-rule-name-of-thirty-one-chars .*udp:9053 *2592000 yes idle')" = 1 ] &&
	pass "list --wide: one line a rule, with its timeout" || fail "list --wide: $(ptctl_r list --wide)"
expect_ok "del-rule the long one" del-rule a-rule-name-of-thirty-one-chars

# The good path, checked through the state it leaves.
expect_ok "add a second rule" add-rule game.1 --trigger both:27015-27030 --open udp:27000-27014 --timeout 90s
names=$(ptctl_r -j list | grep -o '"name":"[^"]*"' | tr '\n' ' ')
[ "$names" = '"name":"irc" "name":"game.1" ' ] && pass "list shows both rules" || fail "list shows both rules: $names"
expect_ok "del-rule" del-rule irc
names=$(ptctl_r -j list | grep -o '"name":"[^"]*"' | tr '\n' ' ')
[ "$names" = '"name":"game.1" ' ] && pass "del-rule removed only its rule" || fail "del-rule removed only its rule: $names"
expect_ok "re-add a deleted rule's ports" add-rule irc2 --trigger tcp:6667 --open tcp:5000-5010
expect_ok "status of the instance" status

# save and apply: a round trip changes nothing; --check plans and changes nothing.
expect_ok "a rule with every property" add-rule full --trigger udp:4000-4001 --open tcp:4100,udp:4100 \
	--timeout 2h --allow 192.168.77.0/24,192.168.77.99,2001:db8:77::5/64 --policy newest --peer contacted --disabled
ptctl_r save >"/tmp/$PT_NS.conf"
want='rule irc2 trigger tcp:6667 open tcp:5000-5010
rule game.1 trigger both:27015-27030 open udp:27000-27014 timeout 90s
rule full trigger udp:4000-4001 open tcp:4100 open udp:4100 timeout 2h allow 192.168.77.0/24,192.168.77.99/32,2001:db8:77::/64 policy newest peer contacted disabled'
got=$(grep -v '^#' "/tmp/$PT_NS.conf" | sort)
[ "$got" = "$(sort <<<"$want")" ] && pass "save writes every rule as a rules file" ||
	fail "save wrote: $(cat "/tmp/$PT_NS.conf")"
before=$(snapshot)
out=$(ptctl_r apply "/tmp/$PT_NS.conf" 2>&1)
[[ $out == *"added     0"*"changed   0"*"removed   0"*"unchanged 3"* ]] && [ "$(snapshot)" = "$before" ] &&
	pass "apply of what save wrote changes nothing" || fail "apply of what save wrote: $out"
printf 'rule irc2 trigger tcp:6667 open tcp:5000-5010 timeout 1h\nrule new trigger udp:9 open udp:9\n' \
	>"/tmp/$PT_NS.conf"
out=$(ptctl_r apply --check "/tmp/$PT_NS.conf" 2>&1)
[[ $out == *"added     1: new"*"changed   1: irc2"*"removed   2: game.1, full"*"checked, nothing changed"* ]] &&
	[ "$(snapshot)" = "$before" ] && pass "apply --check: the plan, nothing changed" ||
	fail "apply --check: $out"
out=$(ptctl_r apply --check "/tmp/$PT_NS.conf" --dev nov4 2>&1)
[[ $out == *"added     2: irc2, new"*"against no rules (not loaded)"* ]] &&
	pass "apply --check on an interface not loaded: against no rules" ||
	fail "apply --check, not loaded: $out"
printf 'rule bad trigger tcp:1\n' >"/tmp/$PT_NS.conf"
expect_error "apply --check of a bad file" "needs open ports" apply --check "/tmp/$PT_NS.conf"
# OpenWrt's UCI format: the same rules as save wrote, so nothing changes.
cat >"/tmp/$PT_NS.conf" <<'EOF'
config interface 'wan'
	option enabled '1'
config rule 'irc2'
	option trigger 'tcp:6667'
	list open 'tcp:5000-5010'
config rule
	option name 'game.1'
	option trigger "both:27015-27030"
	option open udp:27000-27014
	option timeout '90s'
config rule 'full'
	option trigger 'udp:4000-4001'
	list open 'tcp:4100'
	list open 'udp:4100'
	option timeout '2h'
	list allow '192.168.77.0/24'
	list allow '192.168.77.99'
	list allow '2001:db8:77::/64'
	option policy 'newest'
	option peer 'contacted'
	option enabled 'no'
EOF
out=$(ptctl_r apply "/tmp/$PT_NS.conf" 2>&1)
[[ $out == *"added     0"*"changed   0"*"removed   0"*"unchanged 3"* ]] && [ "$(snapshot)" = "$before" ] &&
	pass "apply of a UCI file of the same rules changes nothing" || fail "apply of a UCI file: $out"
printf "config rule 'bad'\n\toption trigger 'tcp:1'\n\toption enabled 'maybe'\n" >"/tmp/$PT_NS.conf"
expect_error "apply of a bad UCI file" "/tmp/$PT_NS.conf:3: invalid boolean 'maybe'" \
	apply "/tmp/$PT_NS.conf"
rm -f "/tmp/$PT_NS.conf"
expect_error "unload --force --keep-if-gone" "exclude each other" unload --force --keep-if-gone wan0
# --keep-if-gone keeps only a gone interface's pins (nat.sh N5): wan0 is here.
expect_ok "unload --keep-if-gone, the interface there" unload --keep-if-gone wan0
left=$(snapshot)
[ -z "$left" ] && pass "unload leaves no program, link or pin" || fail "unload leaves: $left"

report cli
