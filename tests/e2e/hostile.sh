# shellcheck shell=bash
# shellcheck disable=SC2034 # REASON, DETAIL, HOSTILE_SCENARIOS: read by run.sh
# End-to-end scenarios of who may trigger and what ptctl may take: the WAN
# never makes anyone a holder, connections the router already tracks are
# never taken, and the WAN address follows the interface. Sourced by run.sh
# after scenarios.sh (uses its rules and servers).

R_WAN2=198.51.100.3 # the address a DHCP renewal gives R in s_addr_change

# Rules whose trigger ports a WAN peer uses as its source port, and one whose
# open range holds the source ports LAN hosts and the router pick.
HOSTILE_RULES=(
	"voice --trigger udp:7300 --open udp:5200 --timeout $T"
	"dcc --trigger tcp:7301 --open tcp:5201 --timeout $T"
	"ephemeral --trigger tcp:6669 --open tcp:59000-59010,udp:59000-59010 --timeout 60"
)

hostile_setup() {
	local r
	for r in "${HOSTILE_RULES[@]}"; do
		# shellcheck disable=SC2086
		need "ptctl add-rule $r" ptctl_ok add-rule $r || return 1
	done
	# The router's own services and the static port forward's server (topology.sh).
	need "UDP service on R:51820" serve r udp 51820 r && need "TCP service on R:2222" serve r tcp 2222 r &&
		need "H2's server behind WAN:8080" serve h2 tcp 80 h2 &&
		need "W's server on 6669" serve w tcp 6669 w
}

refused_grew() {
	local now
	now=$(dp_stat tc_refused)
	[ "$now" -ge "$1" ] && return 0
	DETAIL="trigger-port packets refused: $now, want at least $1"
	return 1
}

# 1. Replies of WAN-initiated flows never trigger: a WAN peer talking from the
# trigger ports of voice and dcc to the router's own services, to the static
# port forward and to a flow ptctl forwarded to H1. The refusals are counted;
# H1 then takes both rules as usual.
s_wan_replies() {
	need "hostile rules and servers" hostile_setup || return 1
	need "H1 triggers chat" trigger h1 tcp 6667 || return 1
	local before
	before=$(dp_stat tc_refused)
	SPORT=7300 need "W:7300 <-> R:51820, the router's UDP service" udp_exchange w "$R_WAN" 51820 r || return 1
	SPORT=7301 need "W:7301 <-> R:2222, the router's TCP service" tcp_exchange w "$R_WAN" 2222 r || return 1
	SPORT=7301 need "W:7301 <-> WAN:8080, the static port forward to H2" tcp_exchange w "$R_WAN" 8080 h2 ||
		return 1
	SPORT=7301 need "W:7301 <-> WAN:5000, forwarded to H1 by chat" tcp_exchange w "$R_WAN" 5000 h1 || return 1
	need "voice stays idle" rule_is voice idle null || return 1
	need "dcc stays idle" rule_is dcc idle null || return 1
	need "the refusals are counted" refused_grew $((before + 4)) || return 1
	need "H1 triggers voice" trigger h1 udp 7300 || return 1
	# Only now: W's own connections above came from port 7301.
	need "W's server on 7301" serve w tcp 7301 w || return 1
	need "H1 triggers dcc" trigger h1 tcp 7301 || return 1
	need "voice held by H1" rule_is voice active "$H1" || return 1
	need "dcc held by H1" rule_is dcc active "$H1"
}

own_connections() {
	local who port=59003
	for who in h1 h2 r; do
		port=$((port + 1))
		SPORT=$port need "$who:$port <-> W:6667 (TCP)" tcp_exchange $who "$W" 6667 w || return 1
		SPORT=$port need "$who:$port <-> W:27015 (UDP)" udp_exchange $who "$W" 27015 w || return 1
	done
}

# 5. While H2 holds ephemeral (open 59000-59010), H1, H2 and the router talk
# to W from source ports in that range: their replies are theirs, not H2's.
s_own_ports() {
	need "H2 triggers ephemeral" trigger h2 tcp 6669 || return 1
	need "ephemeral held by H2" rule_is ephemeral active "$H2" || return 1
	capture_on_w || return 1
	own_connections
	local rc=$?
	bg_stop tcpdump
	[ $rc = 0 ] || return 1
	# shellcheck disable=SC2046 # a list of addresses
	need "W saw no LAN source" pcap_sources_only $(own_sources "$R_WAN")
}

wan_addr_is() {
	in_r ip addr flush dev wan0 && in_r ip addr add "$1/24" dev wan0 &&
		in_r ip route replace default via "$W"
}

addr_changed_checks() {
	sleep 1 # the issue's bound: the new address in use within a second
	need "TCP W -> new WAN address:5000 reaches H1" tcp_exchange w "$R_WAN2" 5000 h1 || return 1
	need "UDP W -> new WAN address:27000 reaches H1" udp_exchange w "$R_WAN2" 27000 h1 || return 1
	need "chat still held by H1" rule_is chat active "$H1" || return 1
	need "H2 -> W:6667" trigger h2 tcp 6667 || return 1
	need "chat still held by H1" rule_is chat active "$H1" || return 1
	need "H1 triggers voice, now idle" wait_for $((T + 2)) rule_is voice idle null || return 1
	need "H1 -> W:7300" trigger h1 udp 7300 || return 1
	need "voice held by H1, not by the router" rule_is voice active "$H1"
}

# 4. A DHCP renewal changes R's WAN address while H1 holds chat and game:
# inbound to the new address reaches H1, H1's replies and every other packet
# leave with it, triggers still come from LAN hosts; nothing leaves with a
# LAN or the old address.
s_addr_change() {
	need "H1 triggers chat" trigger h1 tcp 6667 || return 1
	need "H1 triggers game" trigger h1 udp 27015 || return 1
	need "R's WAN address becomes $R_WAN2" wan_addr_is "$R_WAN2" || return 1
	capture_on_w && addr_changed_checks
	local rc=$?
	bg_stop tcpdump
	need "R's WAN address back to $R_WAN" wan_addr_is "$R_WAN" || return 1
	[ $rc = 0 ] || return 1
	# shellcheck disable=SC2046 # a list of addresses
	need "W saw only the new address" pcap_sources_only $(own_sources "$R_WAN2")
}

HOSTILE_SCENARIOS=(
	"H1 replies of WAN-initiated flows never trigger:s_wan_replies"
	"H2 connections from open ports are never taken:s_own_ports"
	"H3 the WAN address follows the interface:s_addr_change"
)
