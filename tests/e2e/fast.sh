# shellcheck shell=bash
# shellcheck disable=SC2034 # REASON, DETAIL, FAST_SCENARIOS: read by run.sh
# End-to-end scenarios of the fast path (load --fastpath br-lan), run only in
# fast runs (E2E_RUNS entries MODE:LAN:fast), after the others: an answered
# UDP flow, or an established TCP connection conntrack tracks liberally, is
# forwarded in XDP both ways, the kernel keeps owning it, and whatever the
# kernel would not forward is not fast-forwarded either.
#   F1 a UDP exchange W <-> H1 takes the fast path both ways: the fast
#      counters grow by the datagrams W's capture counts, the echo is
#      byte-exact, W sees only R_WAN, never a LAN address
#   F2 a fast-pathed UDP stream keeps its conntrack entry in R (marked, its
#      timeout renewed) and its rule active past twice R's UDP timeouts
#   F3 with `ct state invalid drop` in R's firewall, TCP W <-> H1 (byte-exact
#      both ways): by its windows (R's default) on the kernel's path only;
#      tracked liberally, mostly on the fast path both ways, and its close
#      goes through conntrack (TIME_WAIT), no segment of it invalid
#   F4 ptctl release, disable-rule, or a new holder (policy newest), ends the
#      old flow: none of its next packets reach H1 or are fast-forwarded to it
#      (released, disabled: none takes the fast path); a new flow from W
#      reaches the new holder
#   F5 without the firewall's mark rule nothing reaches H1: the flow is never
#      answered, so never fast
#   F6 H2 on the other bridge port: its flow is fast-forwarded to H2, not H1
#   F7 the rule expires: the fast flow's next packets reach nobody
#   F8 an IPv6 pinhole takes it too: a UDP exchange W <-> [H1] on the fast
#      path both ways (the counters grow by what W's capture counts), the
#      echo byte-exact, H1's packets at W with the hop limit one less
# Sourced by run.sh after scenarios.sh; each scenario adds its own rule
# (FAST_RULES) and starts its servers.

FAST_SIZE=20000 # bytes of an exchange: 20 datagrams each way, and the tag
F2_CT_TIMEOUT=2 # R's nf_conntrack_udp_timeout during F2, seconds
F2_CT_STREAM=3  # and nf_conntrack_udp_timeout_stream
F2_SECS=8       # the stream's length: past twice both
TCP_BIG=524288  # F3's transfer

# The rule of each scenario, F1 to F8: fast2's timeout is the one it outlives.
FAST_RULES=(
	"fast1 --trigger udp:27021 --open udp:5401 --timeout 60"
	"fast2 --trigger udp:27022 --open udp:5402 --timeout $T"
	"fast3 --trigger tcp:6671 --open tcp:5403 --timeout 60"
	"fast4 --trigger udp:27024 --open udp:5404 --policy newest --timeout 60"
	"fast5 --trigger udp:27025 --open udp:5405 --timeout 60"
	"fast6 --trigger udp:27026 --open udp:5406 --timeout 60"
	"fast7 --trigger udp:27027 --open udp:5407 --timeout $T"
	"fast8 --trigger udp:27028 --open udp:5408 --timeout 60"
)

# fast_setup N WHO:PROTO:PORT...: rule fastN added; a server on each port,
# answering with its host's name.
fast_setup() {
	local r=${FAST_RULES[$1 - 1]} s who proto port
	# shellcheck disable=SC2086 # options
	need "ptctl add-rule $r" ptctl_ok add-rule $r || return 1
	shift
	for s in "$@"; do
		IFS=: read -r who proto port <<<"$s"
		need "$proto server on $who:$port" serve "$who" "$proto" "$port" "$who" || return 1
	done
}

# held_by WHO RULE PROTO PORT: WHO triggers RULE on W's PORT and holds it.
held_by() {
	local host
	host=$([ "$1" = h1 ] && echo "$H1" || echo "$H2")
	need "$1 triggers $2" trigger "$1" "$3" "$4" &&
		need "$2 held by $1" wait_for 3 rule_is "$2" active "$host"
}

# "IN OUT": the datapath's fast path counters, inbound and outbound.
fast_counts() { echo "$(dp_stat xdp_fast) $(dp_stat lan_fast)"; }

# about WHAT GOT SENT: GOT fast-forwarded of SENT (at least 10) packets is
# about all: the first of a flow and its first answer take the kernel's path.
about() {
	[ "$3" -ge 10 ] && [ "$2" -ge $(($3 - 2)) ] && [ "$2" -le "$3" ] && return 0
	DETAIL="$1: $2 packets on the fast path, $3 in W's capture"
	return 1
}

# fast_counted PORT CMD...: CMD, traffic between W and R_WAN:PORT (at $AT,
# else R_WAN), succeeds, and the fast counters grew by about what W's
# capture counts each way.
fast_counted() {
	local port=$1 at=${AT:-$R_WAN} in0 out0 in1 out1 rc
	shift
	capture w "udp port $port" || return 1
	read -r in0 out0 <<<"$(fast_counts)"
	"$@"
	rc=$?
	read -r in1 out1 <<<"$(fast_counts)"
	capture_end w
	[ $rc = 0 ] || return 1
	about inbound $((in1 - in0)) "$(pcap_count w "dst host $at")" &&
		about outbound $((out1 - out0)) "$(pcap_count w "src host $at")" && return 0
	DETAIL+=" ($(grep -h 'dropped by kernel' "$TMP/cap_w.err"))"
	return 1
}

# W's capture holds no LAN address, as source or destination.
no_lan_address() {
	! tcpdump -nr "$TMP/w.pcap" 2>/dev/null | grep -qF -e "192.168." -e "$LAN_NET." ||
		{ DETAIL="a LAN address in W's capture"; return 1; }
}

# F1. A UDP exchange on a triggered rule takes the fast path both ways.
s_fast_udp() {
	fast_setup 1 h1:udp:5401 || return 1
	held_by h1 fast1 udp 27021 || return 1
	need "UDP W <-> R_WAN:5401 (H1) on the fast path both ways" \
		fast_counted 5401 udp_exchange w "$R_WAN" 5401 h1 $FAST_SIZE || return 1
	need "W saw only R_WAN" pcap_sources_only "$R_WAN" || return 1
	need "W saw no LAN address" no_lan_address
}

# udp_stream TAG PORT N: W sends N lines to R_WAN:PORT from $SPORT, 4 a
# second; TAG's echo server must return every one.
udp_stream() {
	local i
	{ echo "$1"; seq -f "line %g" "$3"; } >"$TMP/expect"
	for ((i = 1; i <= $3; i++)); do
		echo "line $i"
		sleep 0.25
	done | in_w timeout $(($3 / 4 + 10)) socat -b1000 -t1 - "UDP:$R_WAN:$2$(src_port_opts)" \
		>"$TMP/reply" 2>"$TMP/client.err"
	same_reply
}

udp_ct_timeouts() {
	in_r sysctl -qw net.netfilter.nf_conntrack_udp_timeout="$1" \
		net.netfilter.nf_conntrack_udp_timeout_stream="$2"
}

# R's UDP conntrack timeouts short for F2 (F2_CT_*), or back as they were.
ct_short() {
	F2_CT_SAVED=$(in_r sysctl -n net.netfilter.nf_conntrack_udp_timeout \
		net.netfilter.nf_conntrack_udp_timeout_stream | paste -sd' ') || return 1
	udp_ct_timeouts $F2_CT_TIMEOUT $F2_CT_STREAM
}
ct_restore() {
	# shellcheck disable=SC2086 # two values
	[ -z "${F2_CT_SAVED:-}" ] || udp_ct_timeouts $F2_CT_SAVED
}

# ct_kept PORT SPORT: conntrack in R still has W:SPORT -> R_WAN:PORT, with
# ptctl's mark, its timeout renewed past what the kernel would have set.
ct_kept() {
	local e mark left
	e=$(in_r conntrack -L -p udp --orig-src "$W" --sport "$2" --dport "$1" 2>/dev/null)
	[ -n "$e" ] || { DETAIL="conntrack -L has no entry"; return 1; }
	mark=$(grep -o 'mark=[0-9]*' <<<"$e" | cut -d= -f2)
	left=$(awk '{print $3}' <<<"$e")
	(((${mark:-0} & 0xffff0000) == 0x70740000)) || { DETAIL="mark ${mark:-none}: $e"; return 1; }
	[ "$left" -gt $F2_CT_STREAM ] || { DETAIL="$left s left, not renewed: $e"; return 1; }
}

f2_stream() {
	local n=$((F2_SECS * 4))
	SPORT=40421 need "UDP stream W <-> R_WAN:5402 (H1) for $F2_SECS s, on the fast path" \
		fast_counted 5402 udp_stream h1 5402 $n || return 1
	need "its conntrack entry is kept, marked" ct_kept 5402 40421 || return 1
	need "fast2 still held by H1" rule_is fast2 active "$H1"
}

# F2. A fast-pathed stream keeps its conntrack entry and its rule past twice
# R's UDP timeouts (and the rule's): the kernel sees almost none of it.
s_fast_ct_alive() {
	fast_setup 2 h1:udp:5402 || return 1
	held_by h1 fast2 udp 27022 || return 1
	around "ct_short" "ct_restore" f2_stream
}

# ct_invalid_drop on|off: a careful admin's rule first in R's forward chain.
ct_invalid_drop() {
	local handle
	handle=$(in_r nft -a list chain inet ptfw forward |
		sed -n 's/.*ct state invalid .*drop # handle \([0-9]*\)$/\1/p')
	case $1 in
	on) [ -n "$handle" ] || in_r nft insert rule inet ptfw forward ct state invalid counter drop ;;
	off) [ -z "$handle" ] || in_r nft delete rule inet ptfw forward handle "$handle" ;;
	esac
}

# tcp_liberal 0|1: R's conntrack tracks TCP by its windows (0, the default) or liberally.
tcp_liberal() { in_r sysctl -qw net.netfilter.nf_conntrack_tcp_be_liberal="$1"; }

# invalid_drops: the packets R's `ct state invalid counter drop` rule counted.
invalid_drops() {
	in_r nft list chain inet ptfw forward |
		sed -n 's/.*ct state invalid counter packets \([0-9]*\) .*/\1/p'
}

# tcp_exchanged FAST: a TCP exchange W:$SPORT <-> R_WAN:5403 (H1), byte-exact
# both ways, with no segment dropped as invalid. FAST 0: the fast counters
# did not move; 1: they grew by at least half of the segments W and H1 sent
# (counted as sent: received, GRO merges them), and conntrack saw the
# connection close.
tcp_exchanged() {
	local in0 out0 in1 out1 drops rc sent rcvd state
	capture w "tcp port 5403" && capture h1 "tcp port 5403" || return 1
	read -r in0 out0 <<<"$(fast_counts)"
	drops=$(invalid_drops)
	tcp_exchange w "$R_WAN" 5403 h1 $TCP_BIG
	rc=$?
	read -r in1 out1 <<<"$(fast_counts)"
	capture_end w h1
	[ $rc = 0 ] || return 1
	[ "$(invalid_drops)" = "$drops" ] ||
		{ DETAIL="ct state invalid dropped $(($(invalid_drops) - drops)) packets"; return 1; }
	sent=$(pcap_count w "dst host $R_WAN") rcvd=$(pcap_count h1 "src host $H1")
	if [ "$1" = 0 ]; then
		[ "$in1 $out1" = "$in0 $out0" ] && return 0
		DETAIL="fast counters (in out) went from $in0 $out0 to $in1 $out1"
		return 1
	fi
	((in1 - in0 >= sent / 2 && in1 - in0 <= sent && out1 - out0 >= rcvd / 2 && out1 - out0 <= rcvd)) ||
		{ DETAIL="fast (in out) $((in1 - in0)) $((out1 - out0)) of $sent $rcvd sent"; return 1; }
	state=$(in_r conntrack -L -p tcp --orig-src "$W" --sport "$SPORT" --dport 5403 2>/dev/null |
		awk '{print $4}')
	[[ $state = TIME_WAIT || $state = CLOSE ]] ||
		{ DETAIL="conntrack's state after the close: ${state:-no entry}"; return 1; }
}

tcp_strict_and_liberal() {
	SPORT=40431 need "by its windows: TCP W <-> R_WAN:5403 (H1), $TCP_BIG bytes, not on the fast path" \
		tcp_exchanged 0 || return 1
	SPORT=40432 around "tcp_liberal 1" "tcp_liberal 0" tcp_liberal_exchange
}

tcp_liberal_exchange() {
	need "tracked liberally: TCP W <-> R_WAN:5403 (H1) on the fast path, closed in conntrack" \
		tcp_exchanged 1
}

# F3. TCP with `ct state invalid drop`: the fast path takes it only when
# conntrack tracks it liberally (a window it did not see move would make the
# close invalid).
s_fast_tcp() {
	fast_setup 3 w:tcp:6671 h1:tcp:5403 || return 1
	held_by h1 fast3 tcp 6671 || return 1
	around "ct_invalid_drop on" "ct_invalid_drop off" tcp_strict_and_liberal
}

# w_sends PORT SPORT N: N datagrams from W:SPORT to R_WAN:PORT, 0.1 s apart.
w_sends() {
	local i
	for ((i = 1; i <= $3; i++)); do
		echo "late $i"
		sleep 0.1
	done | in_w timeout 5 socat -u -b1000 - "UDP:$R_WAN:$1,sourceport=$2,reuseaddr"
}

# old_flow_ends PORT SPORT released|h2: W sends 5 more on its flow from SPORT
# to H1, after a release or once H2 took the rule: R gets them, H1 none of
# them. Released, no host gets any and nothing takes the fast path; taken,
# the tuple is at most a new flow of H2's, fast-forwarded to H2 only.
old_flow_ends() {
	local port=$1 sport=$2 in0 out0 in1 out1 sent got to_h2 from_h2
	capture h1 "udp port $port" && capture h2 "udp port $port" && capture w "udp port $port" || return 1
	read -r in0 out0 <<<"$(fast_counts)"
	w_sends "$port" "$sport" 5
	read -r in1 out1 <<<"$(fast_counts)"
	capture_end w h1 h2
	sent=$(pcap_count w "src port $sport and dst host $R_WAN") got=$(pcap_count h1 udp)
	to_h2=$(pcap_count h2 "dst port $port") from_h2=$(pcap_count h2 "src port $port")
	[ "$sent" = 5 ] || { DETAIL="W sent $sent of 5"; return 1; }
	[ "$got" = 0 ] || { DETAIL="H1 received $got packets"; return 1; }
	if [ "$3" = released ]; then
		[ "$to_h2" = 0 ] || { DETAIL="H2 received $to_h2 packets"; return 1; }
		[ "$in1 $out1" = "$in0 $out0" ] ||
			{ DETAIL="fast counters (in out) went from $in0 $out0 to $in1 $out1"; return 1; }
	else
		((in1 - in0 <= to_h2 && out1 - out0 <= from_h2)) ||
			{ DETAIL="fast (in out) $((in1 - in0)) $((out1 - out0)), H2 got $to_h2 sent $from_h2"; return 1; }
		[ -z "$(pcap_sources)" ] || pcap_sources_only "$R_WAN"
	fi
}

# F7. The rule expires while its flow is on the fast path: the flow ends.
s_fast_expiry() {
	fast_setup 7 h1:udp:5407 || return 1
	held_by h1 fast7 udp 27027 || return 1
	SPORT=40471 need "UDP W:40471 <-> R_WAN:5407 (H1) on the fast path" \
		fast_counted 5407 udp_exchange w "$R_WAN" 5407 h1 $FAST_SIZE || return 1
	need "fast7 expires" wait_for $((T + 3)) rule_is fast7 idle null || return 1
	need "W:40471's next packets after the expiry go nowhere" old_flow_ends 5407 40471 released
}

# F4. What ends a fast flow: ptctl release, disable-rule, a new holder.
s_fast_end() {
	fast_setup 4 h1:udp:5404 h2:udp:5404 || return 1
	held_by h1 fast4 udp 27024 || return 1
	SPORT=40441 need "UDP W:40441 <-> R_WAN:5404 (H1) on the fast path" \
		fast_counted 5404 udp_exchange w "$R_WAN" 5404 h1 $FAST_SIZE || return 1
	need "ptctl release fast4" ptctl_ok release fast4 || return 1
	need "fast4 idle" rule_is fast4 idle null || return 1
	need "W:40441's next packets after the release go nowhere" old_flow_ends 5404 40441 released || return 1
	held_by h1 fast4 udp 27024 || return 1
	SPORT=40445 need "UDP W:40445 <-> R_WAN:5404 (H1) on the fast path" \
		fast_counted 5404 udp_exchange w "$R_WAN" 5404 h1 $FAST_SIZE || return 1
	need "ptctl disable-rule fast4" ptctl_ok disable-rule fast4 || return 1
	need "W:40445's next packets after disable-rule go nowhere" old_flow_ends 5404 40445 released || return 1
	need "ptctl enable-rule fast4" ptctl_ok enable-rule fast4 || return 1
	held_by h2 fast4 udp 27024 || return 1
	SPORT=40442 need "a new flow W:40442 reaches H2" udp_exchange w "$R_WAN" 5404 h2 || return 1
	held_by h1 fast4 udp 27024 || return 1
	SPORT=40443 need "UDP W:40443 <-> R_WAN:5404 (H1) on the fast path" \
		fast_counted 5404 udp_exchange w "$R_WAN" 5404 h1 $FAST_SIZE || return 1
	held_by h2 fast4 udp 27024 || return 1
	need "W:40443's next packets after H2 took fast4 never reach H1" old_flow_ends 5404 40443 h2 || return 1
	SPORT=40444 need "a new flow W:40444 reaches H2 on the fast path" \
		fast_counted 5404 udp_exchange w "$R_WAN" 5404 h2 $FAST_SIZE
}

unmarked_checks() {
	local before after got
	held_by h1 fast5 udp 27025 || return 1
	need "tcpdump on H1" capture h1 "udp port 5405" || return 1
	before=$(fast_counts)
	SPORT=40451 expect_fail "UDP W:40451 -> R_WAN:5405 without the mark rule" \
		udp_exchange w "$R_WAN" 5405 h1 $FAST_SIZE
	local rc=$?
	w_sends 5405 40451 5
	after=$(fast_counts)
	capture_end h1
	[ $rc = 0 ] || return 1
	got=$(pcap_count h1 udp)
	[ "$got" = 0 ] || { REASON="H1 received $got packets"; return 1; }
	[ "$after" = "$before" ] || { REASON="fast counters (in out) went from $before to $after"; return 1; }
}

# F5. Without the firewall's mark rule the flow is never answered, so never
# fast: nothing reaches H1. With the rule back, a new flow does, fast.
s_fast_no_mark() {
	fast_setup 5 h1:udp:5405 || return 1
	around "topo_fw_ptctl off" "topo_fw_ptctl on" unmarked_checks || return 1
	need "with the mark rule back, UDP W <-> R_WAN:5405 (H1) on the fast path" \
		fast_counted 5405 udp_exchange w "$R_WAN" 5405 h1 $FAST_SIZE
}

h2_not_h1() {
	need "UDP W <-> R_WAN:5406 (H2) on the fast path" \
		fast_counted 5406 udp_exchange w "$R_WAN" 5406 h2 $FAST_SIZE
}

# F6. The other bridge port: H2's flow is fast-forwarded to H2, not to H1.
s_fast_h2() {
	local rc got sent
	fast_setup 6 h1:udp:5406 h2:udp:5406 || return 1
	held_by h2 fast6 udp 27026 || return 1
	need "tcpdump on H1" capture h1 "udp port 5406" && need "tcpdump on H2" capture h2 "udp port 5406" ||
		return 1
	h2_not_h1
	rc=$?
	capture_end h1 h2
	[ $rc = 0 ] || return 1
	got=$(pcap_count h1 udp) sent=$(pcap_count w "dst host $R_WAN")
	[ "$got" = 0 ] || { REASON="H1 received $got packets of H2's flow"; return 1; }
	[ "$(pcap_count h2 "dst port 5406")" = "$sent" ] ||
		{ REASON="H2 received $(pcap_count h2 "dst port 5406") of the $sent W sent"; return 1; }
}

# hop_limit_63 ADDR: every packet from ADDR in W's capture came with hop
# limit 63: sent with 64 (Linux's default), one less at R.
hop_limit_63() {
	local all ok
	all=$(pcap_count w "src host $1")
	ok=$(tcpdump -vnr "$TMP/w.pcap" "src host $1" 2>/dev/null | grep -c 'hlim 63,')
	[ "$all" -gt 0 ] && [ "$ok" = "$all" ] && return 0
	DETAIL="$ok of $all packets from $1 with hop limit 63"
	return 1
}

# F8. An IPv6 pinhole takes the fast path too: no NAT, the hop limit one less.
s_fast_v6() {
	fast_setup 8 h1:udp6:5408 || return 1
	need "H1 -> [W]:27028 (UDP trigger over IPv6)" trigger h1 udp 27028 "$W6" &&
		need "fast8's IPv6 holder is H1" wait_for 3 holder6_is fast8 "$H1_6" || return 1
	AT=$H1_6 need "UDP W <-> [H1]:5408 on the fast path both ways" \
		fast_counted 5408 udp_exchange w "[$H1_6]" 5408 h1 $FAST_SIZE || return 1
	need "H1's packets reached W with the hop limit one less" hop_limit_63 "$H1_6"
}

FAST_SCENARIOS=(
	"F1 UDP W <-> H1 on the fast path both ways, W sees R_WAN only:s_fast_udp"
	"F2 a fast stream keeps its conntrack entry and rule:s_fast_ct_alive"
	"F3 TCP, ct state invalid drop: fast only when tracked liberally:s_fast_tcp"
	"F4 release, disable-rule or a new holder ends the fast flow:s_fast_end"
	"F5 without the mark rule nothing is answered, nothing fast:s_fast_no_mark"
	"F6 H2's flow is fast-forwarded to H2, not H1:s_fast_h2"
	"F7 expiry ends the fast flow:s_fast_expiry"
	"F8 an IPv6 pinhole W <-> [H1] on the fast path both ways:s_fast_v6"
)
