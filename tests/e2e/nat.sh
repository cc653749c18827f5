# shellcheck shell=bash
# shellcheck disable=SC2034 # REASON, DETAIL, NAT_SCENARIOS: read by run.sh
# End-to-end scenarios of NAT completeness (RFC 5508, 4787): ICMP errors of
# a triggered flow are translated both ways, with every checksum right (the
# embedded packet's too, recomputed by tests/tools/icmp_errors.py); path MTU
# discovery works through the router; a datagram fragmented from its first
# packet on reaches the holder whole; the interface may go and come back; a
# peer-restricted rule admits only whom its holder contacted. Every run;
# sourced by run.sh.
#   N1 W's port unreachable for H1's late reply reaches H1: outer
#      destination H1, embedded source H1:5501
#   N2 H1's port unreachable (nothing listens on 5502) leaves R with R_WAN as
#      outer source and embedded destination, no LAN address
#   N3 H1 uploads to W2, whose path is narrower (MTU 1280) than R's: W's
#      "fragmentation needed" reaches H1, translated, and the TCP transfer
#      completes byte-exact
#   N4 a 4000-byte datagram, the first of its flow, reaches H1 whole; H1's
#      echo, fragmented, leaves R as fragments from R_WAN only
#   N5 wan0 deleted (a PPPoE reconnect): `unload --keep-if-gone` (the
#      systemd unit's stop) keeps the pins; created again: status says so;
#      after `ptctl load wan0` (the hotplug hook's one line, no options) ptctl
#      is healthy, nat1 still held by H1, and W reaches H1 through it
#   N6 peer1 (--peer contacted), held by H1 after a trigger to W: W reaches
#      H1, W2 does not (counted) until H1 sent W2 trigger traffic too;
#      status lists whom H1 contacted

NAT_RULE="nat1 --trigger udp:27031 --open udp:5501-5504,tcp:5503 --timeout 120"
PEER_RULE="peer1 --trigger udp:27032 --open udp:5505 --peer contacted --timeout 120"
NAT_UPLOAD=300000 # bytes H1 sends W2 in N3

# nat1 added once, held by H1.
nat_held() {
	if ! ptctl_r -j list --dev wan0 | grep -q '"name":"nat1"'; then
		# shellcheck disable=SC2086 # options
		need "ptctl add-rule $NAT_RULE" ptctl_ok add-rule $NAT_RULE || return 1
	fi
	need "H1 triggers nat1" trigger h1 udp 27031 &&
		need "nat1 held by H1" wait_for 3 rule_is nat1 active "$H1"
}

# icmp_seen WHO WANT: the one ICMP error in WHO's capture is WANT
# ("TYPE CODE OUTER_SRC OUTER_DST INNER_SRC:SPORT INNER_DST:DPORT ok").
icmp_seen() {
	local got
	got=$(tests/tools/icmp_errors.py "$TMP/$1.pcap" | sort -u)
	[ "$got" = "$2" ] && return 0
	DETAIL="ICMP errors at $1: '${got//$'\n'/; }', want '$2'"
	return 1
}

icmp_in() {
	bg_start late h1 "$UDP_TOOL" late 5501 0.5 && wait_for 3 listening h1 udp 5501 ||
		{ DETAIL="no late replier on H1"; return 1; }
	in_w "$UDP_TOOL" tell 40501 "$R_WAN" 5501
	wait_for 5 not_running "$(cat "$TMP/late.pid")"
}

# icmp_caught WHO WANT WHAT CMD...: while WHO captures ICMP, CMD (WHAT)
# succeeds; then the one ICMP error WHO got is WANT (icmp_seen).
icmp_caught() {
	local who=$1 want=$2 what=$3 rc
	shift 3
	need "tcpdump on $who" capture "$who" icmp 0 || return 1
	need "$what" "$@"
	rc=$?
	capture_end "$who"
	[ $rc = 0 ] || return 1
	need "$who got the ICMP error, translated" icmp_seen "$who" "$want"
}

# N1. An ICMP error from the WAN about a forwarded flow reaches the holder.
s_icmp_in() {
	nat_held &&
		icmp_caught h1 "3 3 $W $H1 $H1:5501 $W:40501 ok" \
			"W:40501 -> R_WAN:5501, H1 answers once W's port is closed" icmp_in
}

icmp_out() {
	in_w "$UDP_TOOL" tell 40502 "$R_WAN" 5502 && sleep 0.5
}

# N2. The holder's ICMP error about a forwarded flow leaves with the WAN address.
s_icmp_out() {
	nat_held &&
		icmp_caught w "3 3 $R_WAN $W $W:40502 $R_WAN:5502 ok" \
			"W:40502 -> R_WAN:5502, where nothing listens on H1" icmp_out
}

pmtu_upload() {
	need "W2 beyond W, path MTU $W2_MTU" topo_w2_up &&
		SPORT=40503 icmp_caught h1 "3 4 $W $H1 $H1:5503 $W2:40503 ok" \
			"W2 <-> R_WAN:5503 (H1), H1 sends $NAT_UPLOAD bytes" \
			tcp_exchange w2 "$R_WAN" 5503 h1 $NAT_UPLOAD
}

# N3. Path MTU discovery through the router.
s_pmtu() {
	nat_held || return 1
	need "TCP server on H1:5503" serve h1 tcp 5503 h1 || return 1
	pmtu_upload
	local rc=$?
	topo_w2_down
	return $rc
}

# fragments_from_r: W's capture holds at least 3 fragments, all from R_WAN.
fragments_from_r() {
	local frags others
	frags=$(pcap_count w "src host $R_WAN and ip[6:2] & 0x3fff != 0")
	[ "$frags" -ge 3 ] || { DETAIL="$frags fragments from R_WAN"; return 1; }
	others=$(pcap_count w "dst host $W and not src host $R_WAN")
	[ "$others" = 0 ] || { DETAIL="$others packets to W not from R_WAN"; return 1; }
}

# N4. A datagram fragmented from the first packet of its flow on.
s_fragments() {
	nat_held || return 1
	bg_start echo h1 "$UDP_TOOL" echo 5504 10 && wait_for 3 listening h1 udp 5504 ||
		{ REASON="no UDP echo on H1:5504"; return 1; }
	need "tcpdump on W" capture w "udp port 5504 or ip[6:2] & 0x1fff != 0" || return 1
	need "W:40504 -> R_WAN:5504 (H1), one 4000-byte datagram, echoed whole" \
		in_w "$UDP_TOOL" ask 40504 "$R_WAN" 5504 4000
	local rc=$?
	capture_end w
	bg_stop echo
	[ $rc = 0 ] || return 1
	need "the echo left R as fragments from R_WAN" fragments_from_r
}

# wan0 (and W's end) created again as it was, the hosts' NICs as they were.
wan_back() {
	topo_wan_link && topo_nic_like && wait_for 5 in_r ping -c1 -W1 -q "$W" >/dev/null
}

# unload --keep-if-gone on a gone interface: done, the pins kept.
kept_while_gone() {
	ptctl_ok unload --keep-if-gone wan0 && [ -e "$(r_pins)/pt_rules" ] && return 0
	DETAIL="${DETAIL:-the pins are gone}"
	return 1
}

# status exits 3 (degraded) and says the interface was created again.
said_recreated() {
	local out rc
	out=$(ptctl_r status --dev wan0 2>&1)
	rc=$?
	[ $rc = 3 ] && [[ $out == *"created again"* ]] && return 0
	DETAIL="status exit $rc: $(grep health <<<"$out")"
	return 1
}

# N5. Interface re-creation: rules and holders live in the pins; load attaches again.
s_iface_recreated() {
	nat_held || return 1
	need "wan0 deleted" in_r ip link del wan0 || return 1
	need "unload --keep-if-gone wan0 keeps rules and holders" kept_while_gone || return 1
	need "wan0 created again" wan_back || return 1
	need "ptctl status says so" said_recreated || return 1
	need "ptctl load wan0 (the hotplug hook)" ptctl_ok load wan0 || return 1
	need "ptctl status: healthy" ptctl_ok status --dev wan0 || return 1
	need "nat1 still held by H1" rule_is nat1 active "$H1" || return 1
	bg_start echo h1 "$UDP_TOOL" echo 5504 5 && wait_for 3 listening h1 udp 5504 ||
		{ REASON="no UDP echo on H1:5504"; return 1; }
	need "W:40505 -> R_WAN:5504 reaches H1, answered" in_w "$UDP_TOOL" ask 40505 "$R_WAN" 5504 100
	local rc=$?
	bg_stop echo
	return $rc
}

# peer_asks WHO SPORT: WHO's datagram to R_WAN:5505 comes back from H1's echo.
peer_asks() { in_who "$1" "$UDP_TOOL" ask "$2" "$R_WAN" 5505 100 2>"$TMP/client.err"; }

# status peer1 lists exactly these contacted peers, most recent first.
peers_are() {
	local line
	line=$(ptctl_r status --dev wan0 peer1 | grep '^peer:')
	[ "$line" = "peer:         contacted ($*)" ] && return 0
	DETAIL="status says '$line'"
	return 1
}

peer_checks() {
	need "W (contacted) -> R_WAN:5505 reaches H1" peer_asks w 40506 || return 1
	local refused
	refused=$(dp_stat xdp_not_contacted)
	expect_fail "W2 (not contacted) -> R_WAN:5505" peer_asks w2 40507 || return 1
	need "the refusal is counted" [ "$(dp_stat xdp_not_contacted)" -gt "$refused" ] || return 1
	need "H1 sends W2 trigger traffic" in_h1 bash -c "echo t >/dev/udp/$W2/27032" || return 1
	need "status lists W2 and W" wait_for 3 peers_are "$W2, $W" || return 1
	need "W2 (contacted now) -> R_WAN:5505 reaches H1" peer_asks w2 40508
}

# N6. A peer-restricted rule admits only the peers its holder contacted.
s_peer_contacted() {
	# shellcheck disable=SC2086 # options
	need "ptctl add-rule $PEER_RULE" ptctl_ok add-rule $PEER_RULE || return 1
	need "H1 triggers peer1 (to W)" trigger h1 udp 27032 || return 1
	need "peer1 held by H1" wait_for 3 rule_is peer1 active "$H1" || return 1
	need "status lists W" peers_are "$W" || return 1
	need "W2 beyond W" topo_w2_up || return 1
	bg_start echo h1 "$UDP_TOOL" echo 5505 20 && wait_for 3 listening h1 udp 5505 ||
		{ REASON="no UDP echo on H1:5505"; topo_w2_down; return 1; }
	peer_checks
	local rc=$?
	bg_stop echo
	topo_w2_down
	return $rc
}

NAT_SCENARIOS=(
	"N1 W's ICMP error reaches H1 translated:s_icmp_in"
	"N2 H1's ICMP error leaves with the WAN address:s_icmp_out"
	"N3 path MTU discovery through R:s_pmtu"
	"N4 a datagram fragmented from its first packet reaches H1:s_fragments"
	"N5 wan0 created again, load attaches, the holder stays:s_iface_recreated"
	"N6 --peer contacted admits only whom the holder contacted:s_peer_contacted"
)
