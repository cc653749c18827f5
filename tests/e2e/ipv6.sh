# shellcheck shell=bash
# shellcheck disable=SC2034 # REASON, DETAIL, V6_SCENARIOS: read by run.sh
# End-to-end scenarios of IPv6 pinholes, in every run (the router is
# dual-stack: TOPO_V6=1). No NAT: W talks to H1's and H2's own addresses, and
# only ptctl's mark lets the firewall (table inet, forward policy drop) admit
# it.
#   V1 nothing reaches H1 over IPv6 before a trigger; after H1 triggers over
#      IPv6, TCP and UDP to [H1] on the open ports do (sha256-checked), and
#      only through the firewall's mark rule; list -j, status, bpftool and
#      monitor show the IPv6 holder
#   V2 H2's trigger is a conflict: H1 keeps the rule, nothing reaches [H2]
#   V3 a rule's IPv4 and IPv6 holders are independent: H2 takes the IPv4
#      one while H1 holds the IPv6 one, each reached on its own family
#   V4 idle for the timeout: closed, [H1] unreachable; H2 takes it next,
#      from a temporary (privacy) address: the pinhole is to that address
#   V5 the router's own IPv6 traffic and the replies of WAN-initiated IPv6
#      flows (from a trigger port) never trigger
#   V6 a host's ULA counts as its global address does: its trigger from it
#      opens the pinhole to it
# Sourced by run.sh after scenarios.sh; the first scenario of a run to start
# adds the rules and the servers (v6_setup).

V6_RULES=(
	"v6call --trigger tcp:6680 --open tcp:5600,udp:5601 --timeout $T"
	"v6voice --trigger udp:7380 --open udp:5610 --timeout $T"
)

# v6_setup: the rules, W's server on v6call's trigger port, each LAN host's on
# the open ports, all on IPv6 only; once a run (the rules tell), for the run.
# Later scenarios start with the rules released: no holder of the one before.
H2_TMP=${LAN6_NET}a8c1:e4ff:2
v6_setup() {
	local r h
	if [ -n "$(rule_field "$(list_json)" v6call state)" ]; then
		ptctl_ok release v6call && ptctl_ok release v6voice
		return
	fi
	for r in "${V6_RULES[@]}"; do
		# shellcheck disable=SC2086 # options
		need "ptctl add-rule $r" ptctl_ok add-rule $r || return 1
	done
	need "W's IPv6 server on 6680" serve w tcp6 6680 w || return 1
	for h in h1 h2; do
		need "$h's IPv6 servers on 5600, 5601" serve $h tcp6 5600 $h &&
			serve $h udp6 5601 $h || return 1
	done
}

# holder6_is NAME ADDR: ptctl -j list shows ADDR as NAME's IPv6 holder ("null": none).
holder6_is() {
	local got
	got=$(rule_field "$(list_json)" "$1" holder6)
	[ "$got" = "$2" ] && return 0
	DETAIL="$1's IPv6 holder is ${got:-missing}"
	return 1
}

# v6_addr WHO: WHO's IPv6 address.
v6_addr() { [ "$1" = h2 ] && echo "$H2_6" || echo "$H1_6"; }

# v6_reaches WHO [ADDR]: TCP and UDP from W to WHO's open ports of v6call (at
# ADDR, else its address) reach WHO.
v6_reaches() {
	local addr=${2:-$(v6_addr "$1")}
	need "TCP W -> [$addr]:5600 reaches $1" tcp_exchange w "[$addr]" 5600 "$1" &&
		need "UDP W -> [$addr]:5601 reaches $1" udp_exchange w "[$addr]" 5601 "$1"
}

# v6_closed_to WHO: neither gets through.
v6_closed_to() {
	local addr
	addr=$(v6_addr "$1")
	expect_fail "TCP W -> [$addr]:5600" tcp_exchange w "[$addr]" 5600 "$1" &&
		expect_fail "UDP W -> [$addr]:5601" udp_exchange w "[$addr]" 5601 "$1"
}

# ip6_bytes ADDR: the 16 bytes of ADDR as bpftool prints them, "32,1,13,184,...".
ip6_bytes() { python3 -c 'import ipaddress, sys; print(*ipaddress.ip_address(sys.argv[1]).packed, sep=",")' "$1"; }

# What shows H1 as v6call's IPv6 holder besides list -j: status, and
# bpftool's pt_rules (holder[1], after an empty IPv4 holder).
v6_shown() {
	ptctl_r status v6call | grep -q "holder: *$H1_6 " ||
		{ DETAIL="ptctl status v6call shows no holder $H1_6"; return 1; }
	dump_has pt_rules '"name":"v6call",[^{]*"lock":\{[^}]*\},"holder":\[\{"addr":\[0(,0){15}\][^{}]*\},\{"addr":\['"$(ip6_bytes "$H1_6")"'\]' \
		"H1 holding v6call (holder[1], IPv6)"
}

# monitor_events: ptctl -j monitor in R, into $TMP/v6mon.out (bg_stop v6mon ends it).
monitor_events() {
	rm -f "$TMP/v6mon.out"
	in_r_net sh -c 'echo $$ >"$0"; exec timeout 20 "$1" -j monitor >"$2"' \
		"$TMP/v6mon.pid" "$PTCTL" "$TMP/v6mon.out" 2>/dev/null &
	wait_for 3 test -s "$TMP/v6mon.pid" && sleep 0.5
}

# the_event NAME HOLDER FAMILY: the monitor printed NAME's activation by HOLDER of FAMILY.
the_event() {
	grep -q '"event":"activated","rule":"'"$1"'","holder":"'"$2"'".*"family":"'"$3"'"' "$TMP/v6mon.out" ||
		{ DETAIL="monitor printed: $(head -c 300 "$TMP/v6mon.out")"; return 1; }
}

# trigger_from WHO ADDR: WHO's TCP trigger of v6call, from its address ADDR
# (just added). Its connection may take a SYN retransmission, 1 s later, as
# a host's would: once, in a loaded make test, the first handshake of a new
# address took longer than a second.
trigger_from() {
	in_who "$1" timeout 6 socat -u - "TCP:[$W6]:6680,bind=[$2],connect-timeout=4" <<<trigger
}

# 1. Closed before a trigger; open to H1, and by the mark rule only, after it.
s_v6_trigger() {
	need "IPv6 rules and servers" v6_setup || return 1
	need "v6call has no IPv6 holder" holder6_is v6call null || return 1
	v6_closed_to h1 || return 1
	need "ptctl -j monitor" monitor_events || return 1
	need "H1 -> [W]:6680 (TCP trigger over IPv6)" trigger h1 tcp 6680 "$W6"
	local rc=$?
	sleep 0.3
	bg_stop v6mon
	[ $rc = 0 ] || return 1
	need "monitor: v6call activated by H1 over IPv6" the_event v6call "$H1_6" ipv6 || return 1
	need "v6call held by H1 over IPv6" holder6_is v6call "$H1_6" || return 1
	need "v6call has no IPv4 holder" rule_is v6call active null || return 1
	v6_reaches h1 || return 1
	need "status and bpftool show H1's IPv6 address" v6_shown || return 1
	around "topo_fw_ptctl off" "topo_fw_ptctl on" v6_closed_to h1 || return 1
	v6_reaches h1
}

# 2. H2's trigger while H1 holds: a conflict; the pinhole stays H1's only.
s_v6_conflict() {
	need "IPv6 rules and servers" v6_setup || return 1
	need "H1 triggers v6call over IPv6" trigger h1 tcp 6680 "$W6" || return 1
	need "H2 -> [W]:6680" trigger h2 tcp 6680 "$W6" || return 1
	need "v6call still held by H1" holder6_is v6call "$H1_6" || return 1
	v6_closed_to h2 || return 1
	v6_reaches h1
}

# 3. H2 holds v6call's IPv4 side, H1 its IPv6 side: each gets its family's traffic.
s_v6_families() {
	need "IPv6 rules and servers" v6_setup || return 1
	need "IPv4 servers of v6call on H2" serve h2 tcp 5600 h2 && serve h2 udp 5601 h2 || return 1
	need "H1 triggers v6call over IPv6" trigger h1 tcp 6680 "$W6" || return 1
	need "W's IPv4 server on 6680" serve w tcp 6680 w || return 1
	need "H2 triggers v6call over IPv4" trigger h2 tcp 6680 || return 1
	need "v6call's IPv4 holder is H2" rule_is v6call active "$H2" || return 1
	need "v6call's IPv6 holder is still H1" holder6_is v6call "$H1_6" || return 1
	need "TCP W -> R_WAN:5600 reaches H2" tcp_exchange w "$R_WAN" 5600 h2 || return 1
	need "UDP W -> R_WAN:5601 reaches H2" udp_exchange w "$R_WAN" 5601 h2 || return 1
	v6_reaches h1 || return 1
	ptctl_r status v6call | grep -q "holder: *$H2 " ||
		{ REASON="ptctl status v6call shows no IPv4 holder $H2"; return 1; }
}

# 4. Idle for the timeout: closed; the next host to trigger takes it.
s_v6_timeout() {
	need "IPv6 rules and servers" v6_setup || return 1
	need "H1 triggers v6call over IPv6" trigger h1 tcp 6680 "$W6" || return 1
	need "v6call held by H1" holder6_is v6call "$H1_6" || return 1
	need "v6call's IPv6 holder gone after ${T}s idle" wait_for $((T + 3)) holder6_is v6call null ||
		return 1
	v6_closed_to h1 || return 1
	need "H2 gets a temporary address $H2_TMP" in_h2 ip addr add "$H2_TMP/64" dev eth0 nodad || return 1
	need "H2 triggers v6call from it" trigger_from h2 "$H2_TMP"
	local rc=$?
	[ $rc = 0 ] && need "v6call held by H2's temporary address" holder6_is v6call "$H2_TMP" &&
		v6_reaches h2 "$H2_TMP"
	rc=$?
	in_h2 ip addr del "$H2_TMP/64" dev eth0
	return $rc
}

# 5. A packet to v6voice's trigger port from the router itself, or from H1
# answering W, who talked from that port to H1's pinhole and to the router's
# own service: none makes a holder. H1's own packet then does.
s_v6_never() {
	need "IPv6 rules and servers" v6_setup || return 1
	need "H1 triggers v6call over IPv6" trigger h1 tcp 6680 "$W6" || return 1
	need "R's own IPv6 UDP service on 51820" serve r udp6 51820 r || return 1
	need "R -> [W]:7380 (the router's own packet)" trigger r udp 7380 "$W6" || return 1
	SPORT=7380 need "W:7380 <-> [H1]:5601, H1's pinhole" udp_exchange w "[$H1_6]" 5601 h1 || return 1
	SPORT=7380 need "W:7380 <-> [R]:51820, the router's service" udp_exchange w "[$R_WAN6]" 51820 r ||
		return 1
	need "v6voice stays idle" holder6_is v6voice null || return 1
	need "v6voice has no IPv4 holder either" rule_is v6voice idle null || return 1
	need "H1 -> [W]:7380" trigger h1 udp 7380 "$W6" || return 1
	need "v6voice held by H1" holder6_is v6voice "$H1_6"
}

# ula on|off: a ULA prefix on the LAN beside the global one (H1 fd00:77::10),
# which W routes to R, as a site network routing its ULAs would.
ULA_NET=fd00:77:: H1_ULA=fd00:77::10
ula() {
	local op=add
	[ "$1" = on ] || op=del
	in_r ip addr $op "${ULA_NET}1/64" dev br-lan nodad &&
		in_h1 ip addr $op "$H1_ULA/64" dev eth0 nodad &&
		in_w ip -6 route $op "$ULA_NET/64" via "$R_WAN6"
}

v6_ula_holder() {
	BIND="[$H1_ULA]" need "H1's UDP server on its ULA" serve h1 udp6 5601 h1 30 || return 1
	expect_fail "TCP W -> [$H1_ULA]:5600 before a trigger" tcp_exchange w "[$H1_ULA]" 5600 h1 || return 1
	need "H1 triggers v6call from its ULA" trigger_from h1 "$H1_ULA" || return 1
	need "v6call held by H1's ULA" holder6_is v6call "$H1_ULA" || return 1
	v6_reaches h1 "$H1_ULA" || return 1
	expect_fail "TCP W -> [$H1_6]:5600, H1's global address" tcp_exchange w "[$H1_6]" 5600 h1
}

# 6. A ULA is a LAN host's address like any other: the holder, the pinhole to it.
s_v6_ula() {
	need "IPv6 rules and servers" v6_setup || return 1
	around "ula on" "ula off" v6_ula_holder
}

V6_SCENARIOS=(
	"V1 IPv6 closed before a trigger, a pinhole to H1 after it:s_v6_trigger"
	"V2 IPv6 a second host's trigger is a conflict:s_v6_conflict"
	"V3 IPv6 a rule's IPv4 and IPv6 holders are independent:s_v6_families"
	"V4 IPv6 idle for the timeout, closed:s_v6_timeout"
	"V5 IPv6 the router's own traffic and WAN-initiated replies never trigger:s_v6_never"
	"V6 IPv6 a host's ULA holds a rule as its global address does:s_v6_ula"
)
