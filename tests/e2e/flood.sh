#!/usr/bin/env bash
# Flows under a flood (make test): the conntrack table ptctl's flows live in
# fills up with 150,000 new inbound flows on an open port, then with as many
# first fragments of datagrams never completed (each opens its flow), while
# flows forwarded before are still open. Those flows survive (the kernel
# evicts only flows that never saw a reply; fragments wait in its bounded
# reassembly queues, not in ptctl's state), and their replies leave with the WAN
# address, never with a LAN one: the rule changed holder in between, so
# nothing but the flow itself makes them the router's. Runs alone: for the
# flood, the conntrack limit (one value for all namespaces) is lowered to
# FLOOD_CT_MAX and restored afterwards.
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "Error: the flood test needs root (netns, BPF)" >&2; exit 1; }
PT_NS=ptflood$$
# shellcheck source=../lib/topology.sh
source tests/lib/topology.sh
# shellcheck source=lib.sh
source tests/e2e/lib.sh
# shellcheck source=../lib/report.sh
source tests/lib/report.sh

FLOOD=${FLOOD:-150000} FLOOD_CT_MAX=${FLOOD_CT_MAX:-40000}
N_FLOWS=20 PORT=5300 TRIGGER=7400
TMP=$(mktemp -d)
ct_max=$(sysctl -n net.netfilter.nf_conntrack_max)
cleanup() {
	sysctl -qw net.netfilter.nf_conntrack_max="$ct_max"
	topo_down
	rm -rf "$TMP"
}
topo_up || { fail "topology"; report flood; exit 1; }
trap cleanup EXIT

r_ct() { in_r conntrack "$@" 2>/dev/null; }
# The flows W opened to PORT from 41000.. that conntrack in R still has, ASSURED.
old_flows() { r_ct -L -p udp --orig-src "$W" | grep 'sport=410' | grep -c ASSURED; }
# One datagram on each of them, answered.
talk() {
	local i
	for ((i = 0; i < N_FLOWS; i++)); do
		echo hi | in_w timeout 3 socat -T1 - "UDP:$R_WAN:$PORT,sourceport=$((41000 + i))" >/dev/null 2>&1
	done
}

check "load, rule with policy newest" ptctl_r load wan0 --mode native
check "add-rule" ptctl_r add-rule flood --trigger udp:$TRIGGER --open udp:$PORT-$((PORT + 1)) \
	--timeout 120 --policy newest
udp_send h1 $TRIGGER
check "H1 holds the rule" wait_for 3 rule_is flood active "$H1"
serve h1 udp $PORT h1 60
# Conntrack assures a UDP flow still talking after 2 s: a live one, as any
# real stream is; only unassured flows make room for new ones.
talk
sleep 2.5
talk
check "$N_FLOWS live flows to H1" [ "$(old_flows)" -eq $N_FLOWS ]
ip netns pids "$NS_H1" | xargs -r kill # the server: H1 answers by hand now
udp_send h2 $TRIGGER
check "H2 took the rule" wait_for 3 rule_is flood active "$H2"

# flood WHAT PORT [heads]: FLOOD new flows from W to PORT; conntrack fills, the
# answered flows survive, the datapath opened or counted (refused) them all.
flood() {
	local start count new0 new full
	new0=$(($(dp_stat xdp_new_flows) + $(dp_stat xdp_ct_full)))
	start=$SECONDS
	check "$FLOOD $1 from W" in_w build/tests/udpflood 203.0.113 "$FLOOD" "$R_WAN" "$2" $3
	echo "flood: $FLOOD $1 in $((SECONDS - start)) s"
	sleep 1
	count=$(in_r sysctl -n net.netfilter.nf_conntrack_count)
	check "the flood filled conntrack ($count of $FLOOD_CT_MAX)" [ "$count" -ge $((FLOOD_CT_MAX * 9 / 10)) ]
	check "the $N_FLOWS answered flows survived it" [ "$(old_flows)" -eq $N_FLOWS ]
	new=$(dp_stat xdp_new_flows) full=$(dp_stat xdp_ct_full)
	echo "datapath: $new flows opened, $full refused for a full table (all floods)"
	check "each of the $1 opened a flow or was counted" [ $((new + full - new0)) -ge $((FLOOD * 9 / 10)) ]
}

sysctl -qw net.netfilter.nf_conntrack_max="$FLOOD_CT_MAX"
flood "new flows" $PORT
# Room again (the flows it opened, not the answered ones): the heads fill it.
r_ct -D -p udp -s 203.0.113.0 --mask-src 255.255.255.0 >/dev/null
flood "first fragments" $((PORT + 1)) heads
sysctl -qw net.netfilter.nf_conntrack_max="$ct_max"

# H1 answers on each old flow: W must see only R_WAN.
bg_start tcpdump w timeout 30 tcpdump -i eth0 -nn -U -Z root -w "$TMP/w.pcap" \
	"udp dst portrange 41000-41019 or icmp"
wait_for 5 grep -q "listening on" "$TMP/tcpdump.err"
for ((i = 0; i < N_FLOWS; i++)); do
	echo late | in_h1 socat -u - "UDP:$W:$((41000 + i)),sourceport=$PORT" 2>/dev/null
done
sleep 1
bg_stop tcpdump
heard=$(tcpdump -nr "$TMP/w.pcap" udp 2>/dev/null | wc -l)
check "W heard H1 on all $N_FLOWS flows ($heard)" [ "$heard" -eq $N_FLOWS ]
check "all from R_WAN, none from a LAN address" pcap_sources_only "$R_WAN"
report flood
