# shellcheck shell=bash
# shellcheck disable=SC2034 # REASON, DETAIL, SCENARIOS: read by run.sh
# The end-to-end scenarios, in the order run.sh runs them. They share the
# topology, the servers and the rules added by s_load; each one triggers
# what it uses itself, so that one failure does not hide the next (only 9
# and 10 build on the 50 rules of 8). A scenario returns 0, or 1 with
# REASON set.

T=4 # timeout of the rules whose expiry the scenarios watch

# Rules: a TCP trigger, a UDP trigger, one for the long sessions, one whose
# holder changes under a flow; each opens one port. m00..m49 come with s_many.
RULES=(
	"chat --trigger tcp:6667 --open tcp:5000 --timeout $T"
	"game --trigger udp:27015 --open udp:27000 --timeout $T"
	"stream --trigger tcp:6668 --open tcp:5100,udp:5101 --timeout $T"
	"old --trigger udp:27016 --open udp:5102 --timeout $T"
)
N_MANY=50
MANY_TCP=(0 2 24 48 1 25 47 49) # sample of m-rules checked with connections
MANY_UDP=(0 49)

mname() { printf 'm%02d' "$1"; }
# Even m-rules are for H1, odd ones for H2.
mholder() { (($1 % 2)) && echo "$H2" || echo "$H1"; }
mtag() { (($1 % 2)) && echo h2 || echo h1; }

# Servers: W on the trigger ports, each LAN host on the open ports.
start_servers() {
	serve w tcp 6667 w && serve w tcp 6668 w && serve w udp 27015 w || return 1
	local h
	for h in h1 h2; do
		serve $h tcp 5000 $h && serve $h udp 27000 $h && serve $h tcp 5100 $h || return 1
	done
}

xdp_mode_on_wan() { in_r ip link show wan0 | grep -ow 'xdp\|xdpgeneric\|xdpoffload' | head -n1; }
xdp_prog_id() { in_r ip -d link show wan0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }
xdp_attached_as() {
	local want=xdp got
	[ "$1" = generic ] && want=xdpgeneric
	got=$(xdp_mode_on_wan)
	[ "$got" = "$want" ] || { DETAIL="ip link shows '${got:-no xdp}'"; return 1; }
}
# The id of the program the link pinned as $1 runs, if that link exists.
link_prog() { bpftool link show pinned "$(r_pins)/$1" 2>/dev/null | sed -n 's/.* prog \([0-9]*\).*/\1/p'; }
tc_attached() {
	local id
	id=$(link_prog link_tc_out)
	bpftool prog show id "${id:-0}" 2>/dev/null | grep -q "name pt_tc_out" ||
		{ DETAIL="no tcx link running pt_tc_out"; return 1; }
}

# ptctl load's options in this run: in a fast run (FAST=1) with the fast
# path on the LAN bridge.
load_opts() {
	LOAD_OPTS=(--mode "$MODE")
	[ "${FAST:-0}" = 0 ] || LOAD_OPTS+=(--fastpath br-lan)
}

# The LAN side of the fast path: pt_xdp_lan on both bridge ports, and ptctl's
# health says so.
lan_attached() {
	local dev
	for dev in lan1 lan2; do
		in_r ip -d link show $dev | grep -q 'prog/xdp id [0-9]* name pt_xdp_lan' ||
			{ DETAIL="no pt_xdp_lan on $dev"; return 1; }
	done
	ptctl_r -j status --dev wan0 | grep -q '"lan_attached":true' ||
		{ DETAIL="ptctl -j status: no lan_attached"; return 1; }
}

s_load() {
	load_opts
	need "ptctl load wan0 ${LOAD_OPTS[*]}" ptctl_ok load wan0 "${LOAD_OPTS[@]}" || return 1
	need "XDP attached in $MODE mode" xdp_attached_as "$MODE" || return 1
	need "TC programs attached" tc_attached || return 1
	[ "${FAST:-0}" = 0 ] || need "fast path attached to the LAN ports" lan_attached || return 1
	local r
	for r in "${RULES[@]}"; do
		# shellcheck disable=SC2086
		need "ptctl add-rule $r" ptctl_ok add-rule $r || return 1
	done
	need "servers up" start_servers || return 1
	need "chat idle" rule_is chat idle null
}

# 1. Nothing is open before a trigger.
s_closed() {
	need "chat idle" rule_is chat idle null || return 1
	expect_fail "TCP W -> R_WAN:5000 before a trigger" tcp_exchange w "$R_WAN" 5000 h1 || return 1
	expect_fail "UDP W -> R_WAN:27000 before a trigger" udp_exchange w "$R_WAN" 27000 h1 || return 1
	need "nmap does not see 5000 open" nmap_says 5000 not-open
}

# 2. Triggers by TCP and UDP open the ports to the host that sent them.
s_forward() {
	need "H1 -> W:6667 (TCP trigger)" trigger h1 tcp 6667 || return 1
	need "H1 <-> W:27015 (UDP trigger)" udp_exchange h1 "$W" 27015 w || return 1
	need "chat held by H1" rule_is chat active "$H1" || return 1
	need "game held by H1" rule_is game active "$H1" || return 1
	need "TCP W -> R_WAN:5000 reaches H1" tcp_exchange w "$R_WAN" 5000 h1 || return 1
	need "UDP W -> R_WAN:27000 reaches H1" udp_exchange w "$R_WAN" 27000 h1 || return 1
	need "nmap sees 5000 open" nmap_says 5000 open
}

# 3. What W sees of the exchange comes from R_WAN only.
s_wan_source() {
	need "H1 triggers chat" trigger h1 tcp 6667 || return 1
	need "H1 triggers game" trigger h1 udp 27015 || return 1
	need "tcpdump on W" bg_start tcpdump w timeout 20 tcpdump -i eth0 -nn -U -Z root \
		-w "$TMP/w.pcap" ip || return 1
	wait_for 5 grep -q "listening on" "$TMP/tcpdump.err"
	need "TCP W -> R_WAN:5000 reaches H1" tcp_exchange w "$R_WAN" 5000 h1 &&
		need "UDP W -> R_WAN:27000 reaches H1" udp_exchange w "$R_WAN" 27000 h1
	local rc=$?
	bg_stop tcpdump
	[ $rc = 0 ] || return 1
	local srcs
	srcs=$(pcap_sources)
	[ -n "$srcs" ] || { REASON="empty capture on W"; return 1; }
	[ "$(awk '{print $2}' <<<"$srcs")" = "$R_WAN" ] ||
		{ REASON="W got packets from: $(tr -s ' \n' ' ' <<<"$srcs")"; return 1; }
	tcpdump -nr "$TMP/w.pcap" "ip dst host $W and tcp src port 5000" 2>/dev/null | grep -q . &&
		tcpdump -nr "$TMP/w.pcap" "ip dst host $W and udp src port 27000" 2>/dev/null | grep -q . ||
		{ REASON="no TCP or no UDP reply in the capture"; return 1; }
}

# list_text_fields NAME: "STATE HOLDER LEFT" of NAME in the text of ptctl
# list, found by the column headers.
list_text_fields() {
	ptctl_r list | awk -v n="$1" '
		$1 == "RULE" { for (i = 1; i <= NF; i++) col[$i] = i }
		$1 == n { print $col["STATE"], $col["HOLDER"], $col["LEFT"] }'
}

# 4. ptctl list (text, JSON) and the pinned map show H1 holding, time left.
s_show() {
	need "H1 triggers chat" trigger h1 tcp 6667 || return 1
	local text holder want f
	text=$(list_text_fields chat)
	read -r -a f <<<"$text"
	[ "${f[0]}" = active ] && [ "${f[1]}" = "$H1" ] && [ "${f[2]:-0}" -gt 0 ] ||
		{ REASON="ptctl list shows chat as '$text'"; return 1; }
	need "JSON: chat held by H1" rule_is chat active "$H1" || return 1
	need "JSON: seconds_left > 0" counter_above chat seconds_left 0 || return 1
	holder=$(map_holder chat)
	[ "$holder" = "$H1" ] || { REASON="pt_rules holder ${holder:-missing}, want $H1"; return 1; }
	need "H1 triggers game" trigger h1 udp 27015 || return 1
	need "UDP W -> R_WAN:27000 reaches H1" udp_exchange w "$R_WAN" 27000 h1 || return 1
	need "bpftool shows the maps readably" bpftool_readable
}

# dump_has MAP ERE WHAT: bpftool's dump of MAP (map_compact) matches ERE.
dump_has() {
	grep -Eq -- "$2" <<<"$(map_compact "$1")" || { DETAIL="$1 shows no $3"; return 1; }
}

# What bpftool shows of every map reads as what it is: addresses as four
# numbers, ports in host order, enum names; pt_rules a page or two a rule.
bpftool_readable() {
	local m n xdp=PT_XDP_NATIVE
	[ "$MODE" = generic ] && xdp=PT_XDP_GENERIC
	for m in "$(r_pins)"/pt_*; do
		[ "${m##*/}" = pt_events ] || [ "${m##*/}" = pt_release ] && continue
		bpftool map dump pinned "$m" >/dev/null || { DETAIL="bpftool cannot dump ${m##*/}"; return 1; }
	done
	n=$(bpftool map dump pinned "$(r_pins)/pt_rules" | wc -l)
	[ "$n" -le $((250 * ${#RULES[@]})) ] ||
		{ DETAIL="pt_rules dumps as $n lines for ${#RULES[@]} rules"; return 1; }
	dump_has pt_rules '"name":"chat","gen":[0-9]+,"timeout_s":'$T',"enabled":1,"policy":"PT_POLICY_HOLD","peer":"PT_PEER_ANY"' "chat's settings" &&
		dump_has pt_rules '"trigger":\{"lo":6667,"hi":6667,"proto":"PT_TCP"' "chat's trigger" &&
		dump_has pt_rules '"name":"chat",[^{]*"lock":\{[^}]*\},"holder":\[\{"addr":\['"${H1//./,}"'(,0){12}\]' \
			"H1 holding chat (holder[0], IPv4: the first 4 of 16 bytes)" &&
		dump_has pt_flows '"saddr":'"$(ip_re "$W")"',"daddr":'"$(ip_re "$R_WAN")"',"sport":[0-9]+,"dport":27000,"proto":"PT_UDP"' "flow W -> R_WAN:27000" &&
		dump_has pt_flows '"to":'"$(ip_re "$H1")"',"holder":'"$(ip_re "$H1")" "flow to H1" &&
		dump_has pt_flows '"path":"PT_PATH_[A-Z]+"' "flow path" &&
		dump_has pt_config '"xdp_mode":"'$xdp'"' "xdp_mode $xdp"
}

# 5. A trigger from H2 while H1 holds: a conflict, H1 keeps the ports.
s_conflict() {
	need "H1 triggers chat" trigger h1 tcp 6667 || return 1
	need "H1 triggers game" trigger h1 udp 27015 || return 1
	need "H2 -> W:6667" trigger h2 tcp 6667 || return 1
	need "H2 -> W:27015" trigger h2 udp 27015 || return 1
	need "chat still held by H1" rule_is chat active "$H1" || return 1
	need "game still held by H1" rule_is game active "$H1" || return 1
	need "TCP W -> R_WAN:5000 reaches H1" tcp_exchange w "$R_WAN" 5000 h1 || return 1
	need "UDP W -> R_WAN:27000 reaches H1" udp_exchange w "$R_WAN" 27000 h1 || return 1
	need "chat conflicts > 0" counter_above chat conflicts 0 || return 1
	need "game conflicts > 0" counter_above game conflicts 0
}

tx_csum() {
	local dev
	for dev in lan1 lan2 wan0; do in_r ethtool -K $dev tx "$1" >/dev/null || return 1; done
}

csum_checked_exchanges() {
	local before
	before="$(csum_errors h1) $(csum_errors w)"
	need "H1 triggers chat" trigger h1 tcp 6667 || return 1
	need "H1 triggers game" trigger h1 udp 27015 || return 1
	need "TCP W -> R_WAN:5000 reaches H1" tcp_exchange w "$R_WAN" 5000 h1 || return 1
	need "UDP W -> R_WAN:27000 reaches H1" udp_exchange w "$R_WAN" 27000 h1 || return 1
	[ "$(csum_errors h1) $(csum_errors w)" = "$before" ] ||
		{ REASON="checksum errors (H1 W) went from $before to $(csum_errors h1) $(csum_errors w)"; return 1; }
}

# Checksums computed in software on R's way out (tx offload off on lan1,
# lan2 and wan0), so H1 and W verify every one the datapath touched.
s_csum_software() { around "tx_csum off" "tx_csum on" csum_checked_exchanges; }

fw_checked_exchanges() {
	local before
	need "H1 triggers chat" trigger h1 tcp 6667 || return 1
	before=$(rule_field "$(list_json)" chat pkts_in)
	expect_fail "TCP W -> R_WAN:5000 without the mark rule" tcp_exchange w "$R_WAN" 5000 h1 ||
		return 1
	need "the datapath rewrote them (pkts_in grew)" counter_above chat pkts_in "${before:-0}" || return 1
	need "restore the mark rule" topo_fw_ptctl on || return 1
	need "TCP W -> R_WAN:5000 with the mark rule" tcp_exchange w "$R_WAN" 5000 h1
}

# The operator's mark rule is what admits triggered traffic.
s_firewall() { around "topo_fw_ptctl off" "topo_fw_ptctl on" fw_checked_exchanges; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# 6. Idle for the timeout: closed; then H2 takes the rule.
s_expiry() {
	need "H1 triggers chat" trigger h1 tcp 6667 || return 1
	need "TCP W -> R_WAN:5000 reaches H1" tcp_exchange w "$R_WAN" 5000 h1 || return 1
	local t0 ms
	t0=$(now_ms)
	need "chat idle within $((T + 2)) s" wait_for $((T + 2)) rule_is chat idle null || return 1
	ms=$(($(now_ms) - t0))
	[ $ms -ge $((T * 1000 - 500)) ] || { REASON="chat went idle after $ms ms, timeout $T s"; return 1; }
	expect_fail "TCP W -> R_WAN:5000 after the timeout" tcp_exchange w "$R_WAN" 5000 h1 || return 1
	need "H2 triggers chat" trigger h2 tcp 6667 || return 1
	need "chat held by H2" rule_is chat active "$H2" || return 1
	need "TCP W -> R_WAN:5000 reaches H2" tcp_exchange w "$R_WAN" 5000 h2
}

# 6b. The rule moved on: a reply on a flow forwarded to the previous holder
#     still leaves with R_WAN, never with H1's LAN address, even after W
#     sent more on that flow.
s_old_holder_flow() {
	need "H1 triggers old" trigger h1 udp 27016 || return 1
	# W opens a UDP flow from port 40500 to H1's 5102 (a one-shot receiver: no ICMP error).
	in_h1 timeout 3 socat -u UDP-RECV:5102 - >"$TMP/old.got" 2>/dev/null &
	wait_for 3 listening h1 udp 5102 || { REASON="no receiver on H1:5102"; return 1; }
	echo hello | in_w socat -u - "UDP:$R_WAN:5102,sourceport=40500" 2>/dev/null
	need "W's datagram reached H1" wait_for 3 grep -q hello "$TMP/old.got" || return 1
	need "old idle within $((T + 2)) s" wait_for $((T + 2)) rule_is old idle null || return 1
	need "H2 triggers old" trigger h2 udp 27016 || return 1
	need "old held by H2" wait_for 3 rule_is old active "$H2" || return 1
	need "tcpdump on W" bg_start tcpdump w timeout 10 tcpdump -i eth0 -nn -U --immediate-mode -Z root \
		-w "$TMP/w.pcap" udp port 40500 || return 1
	wait_for 5 grep -q "listening on" "$TMP/tcpdump.err"
	echo late | in_h1 socat -u - "UDP:$W:40500,sourceport=5102" 2>/dev/null
	# W goes on talking on the flow: it is H1's, not the new holder's.
	echo again | in_w socat -u - "UDP:$R_WAN:5102,sourceport=40500" 2>/dev/null
	sleep 0.2
	echo later | in_h1 socat -u - "UDP:$W:40500,sourceport=5102" 2>/dev/null
	sleep 0.5
	bg_stop tcpdump
	# Behind NAT all from R_WAN; routed, H1's flow after W's (a new one) from H1's own address.
	# shellcheck disable=SC2046 # a list of addresses
	need "W got H1's replies from R_WAN only" pcap_sources_only $(own_sources "$R_WAN")
}

# 7. Steady traffic keeps the rule open past its timeout: a TCP session,
# then traffic in one direction only (inbound, then the holder's replies),
# each for 2-3 timeouts.
s_long_session() {
	need "H1 triggers stream" trigger h1 tcp 6668 || return 1
	need "a TCP session of $((T * 8 / 3)) s through R_WAN:5100" \
		tcp_session w "$R_WAN" 5100 h1 $((T * 16 / 3)) || return 1
	need "stream still held by H1" rule_is stream active "$H1" || return 1
	need "UDP W -> H1 only, for $((T * 2)) s" udp_inbound h1 5101 $((T * 4)) || return 1
	need "UDP H1 -> W only, for $((T * 2)) s" udp_outbound h1 5101 $((T * 4)) || return 1
	need "stream still held by H1" rule_is stream active "$H1"
}

add_many() {
	local i p
	for ((i = 0; i < N_MANY; i++)); do
		p=$((10000 + i))
		# Held until scenario 10 checks them, however many scenarios run in between.
		ptctl_ok add-rule "$(mname $i)" --trigger udp:$((7000 + i)) --open tcp:$p,udp:$p \
			--timeout 600 || return 1
	done
}

many_servers() {
	local i
	for i in "${MANY_TCP[@]}"; do serve "$(mtag $i)" tcp $((10000 + i)) "$(mtag $i)" || return 1; done
	for i in "${MANY_UDP[@]}"; do serve "$(mtag $i)" udp $((10000 + i)) "$(mtag $i)" || return 1; done
}

many_holders_right() {
	local json i bad=
	json=$(list_json) || return 1
	for ((i = 0; i < N_MANY; i++)); do
		[ "$(rule_field "$json" "$(mname $i)" holder)" = "$(mholder $i)" ] || bad+=" $(mname $i)"
	done
	[ -z "$bad" ] || { DETAIL="wrong holder:$bad"; return 1; }
}

# 8. Fifty rules, held by two hosts, each forwarding to its own holder.
s_many() {
	need "add $N_MANY rules" add_many || return 1
	local i even=() odd=()
	for ((i = 0; i < N_MANY; i++)); do
		((i % 2)) && odd+=($((7000 + i))) || even+=($((7000 + i)))
	done
	need "H1 triggers the even ones" udp_send h1 "${even[@]}" || return 1
	need "H2 triggers the odd ones" udp_send h2 "${odd[@]}" || return 1
	need "servers up" many_servers || return 1
	need "all $N_MANY holders in ptctl -j list" wait_for 3 many_holders_right || return 1
	for i in "${MANY_TCP[@]}"; do
		need "TCP W -> R_WAN:$((10000 + i)) reaches $(mtag $i)" \
			tcp_exchange w "$R_WAN" $((10000 + i)) "$(mtag $i)" || return 1
	done
	for i in "${MANY_UDP[@]}"; do
		need "UDP W -> R_WAN:$((10000 + i)) reaches $(mtag $i)" \
			udp_exchange w "$R_WAN" $((10000 + i)) "$(mtag $i)" || return 1
	done
}

# Name and holder of every rule that cannot expire during the reload.
durable_state() { list_json | sed 's/},{/}\n{/g' | grep -v '"name":"\(chat\|game\)"' |
	grep -o '"name":"[^"]*"\|"holder":[^,]*' | paste -sd' '; }

# 9. A second `ptctl load` swaps the programs; rules, holders and an open
# session live through it.
s_reload() {
	need "H1 triggers stream" trigger h1 tcp 6668 || return 1
	local before after id0 id1
	before=$(durable_state)
	id0=$(xdp_prog_id)
	need "a TCP session through R_WAN:5100 across ptctl load" \
		tcp_session w "$R_WAN" 5100 h1 8 ptctl_ok load wan0 "${LOAD_OPTS[@]}" || return 1
	id1=$(xdp_prog_id)
	[ -n "$id1" ] && [ "$id1" != "$id0" ] || { REASON="XDP program id $id0 -> ${id1:-none}: not reloaded"; return 1; }
	need "XDP still in $MODE mode" xdp_attached_as "$MODE" || return 1
	[ "${FAST:-0}" = 0 ] || need "fast path still on the LAN ports" lan_attached || return 1
	need "stream still held by H1" rule_is stream active "$H1" || return 1
	after=$(durable_state)
	[ "$before" = "$after" ] || { REASON="rules or holders changed: $before -> $after"; return 1; }
}

# nothing_attached LINK...: no XDP program (WAN or LAN ports), none of the
# links (ids), no pins left.
nothing_attached() {
	local id dev
	[ -z "$(xdp_mode_on_wan)" ] || { DETAIL="XDP still on wan0"; return 1; }
	for dev in lan1 lan2; do
		! in_r ip link show $dev | grep -qw 'xdp\|xdpgeneric' || { DETAIL="XDP still on $dev"; return 1; }
	done
	for id in "$@"; do
		! bpftool link show id "$id" >/dev/null 2>&1 || { DETAIL="link $id left"; return 1; }
	done
	[ -z "$(in_r tc filter show dev wan0 egress)" ] || { DETAIL="tc egress filter left"; return 1; }
	! test -e "$(r_root)" || { DETAIL="$(r_root) left"; return 1; }
}

# The ids of the pinned links: XDP, TC and with the fast path one per LAN port.
link_ids() {
	local l
	for l in link_xdp link_tc_out link_lan_lan1 link_lan_lan2; do
		bpftool link show pinned "$(r_pins)/$l" 2>/dev/null | cut -d: -f1
	done
}

# 10. Deleting one rule spares the others; unload leaves nothing behind and
# the router as it was.
s_del_unload() {
	need "ptctl del-rule m00" ptctl_ok del-rule m00 || return 1
	[ -z "$(rule_field "$(list_json)" m00 name)" ] || { REASON="m00 still listed"; return 1; }
	expect_fail "TCP W -> R_WAN:10000 after del-rule m00" tcp_exchange w "$R_WAN" 10000 h1 || return 1
	need "m02 still held by H1" rule_is m02 active "$H1" || return 1
	need "TCP W -> R_WAN:10002 reaches H1" tcp_exchange w "$R_WAN" 10002 h1 || return 1
	need "TCP W -> R_WAN:10001 reaches H2" tcp_exchange w "$R_WAN" 10001 h2 || return 1
	local links
	links=$(link_ids)
	[ "$(wc -w <<<"$links")" = $((${FAST:-0} ? 4 : 2)) ] || { REASON="links pinned: '$links'"; return 1; }
	need "ptctl unload wan0" ptctl_ok unload wan0 || return 1
	# shellcheck disable=SC2086 # a list of ids
	need "nothing left attached or pinned" nothing_attached $links || return 1
	need "H1 -> W:6667 after unload" tcp_exchange h1 "$W" 6667 w || return 1
	expect_fail "TCP W -> R_WAN:10002 after unload" tcp_exchange w "$R_WAN" 10002 h1
}

SCENARIOS=(
	"load, rules added:s_load"
	"1 closed before any trigger:s_closed"
	"2 TCP and UDP triggers open ports to H1:s_forward"
	"3 W sees only R_WAN:s_wan_source"
	"4 list, JSON and bpftool show the holder and its flows:s_show"
	"5 H2's trigger is a conflict, H1 keeps the rule:s_conflict"
	"checksums verified in software (tx offload off):s_csum_software"
	"firewall mark rule admits triggered traffic:s_firewall"
	"6 closed after the timeout, then H2 takes it:s_expiry"
	"6b the old holder's flow keeps the WAN address:s_old_holder_flow"
	"7 long sessions outlive the timeout:s_long_session"
	"8 $N_MANY rules, two holders:s_many"
	"9 reload keeps rules, holders and a session:s_reload"
	"10 del-rule spares others, unload leaves nothing:s_del_unload"
)
