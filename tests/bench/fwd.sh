#!/usr/bin/env bash
# make bench, second part: how fast the router forwards a triggered UDP flow
# with ptctl's fast path, against the kernel's NAT, measured side by side.
#
# The router of tests/lib/topology.sh (TOPO_LAN3=1, dual-stack: TOPO_V6=1).
# W sends 60-byte UDP frames to R's WAN address, port PORT (IPv6: 80-byte
# frames of the same datagram to H1's own address, no NAT), from FLOWS
# source ports: PACKETS of them a run, generated in XDP (build/tests/fwd,
# BPF_PROG_TEST_RUN live frames) on one CPU, faster than R forwards; R drops
# what it cannot take. An XDP program on the LAN host counts the frames that
# arrive forwarded as they must be (to the host's address, TTL or hop limit
# one less, checksums right: good) and any others (bad). A case's rate: good
# frames over the seconds W sent.
#
#   nft DNAT                 no ptctl: an nft `dnat to H1` rule for the port
#                            and a forward rule admitting it, as an admin sets
#                            up a static forward (kernel NAT, conntrack, firewall)
#   ptctl (stack)            ptctl without the fast path, the rule held by H1:
#                            XDP makes the conntrack DNAT entry, the kernel forwards
#   ptctl --fastpath br-lan  the fast path to H1, behind R's bridge
#   ptctl --fastpath lan3    the fast path to H3, on a plain LAN interface
#   XDP redirect ceiling     no ptctl: every frame redirected to H1 as it came
#   nft DNAT + pass XDP      nft DNAT with a program on wan0 that only passes:
#                            what attaching any XDP program costs (on a veth,
#                            more than on a NIC), for reading the stack ratio
#   kernel IPv6 forward      no ptctl: one forward rule admitting IPv6 to
#                            [H1]:PORT, as an admin opens a static pinhole
#   ptctl --fastpath br-lan IPv6
#                            the fast path to [H1], who took the rule over IPv6
#
# The fast path takes answered flows only: H1 (H3) answers each flow first.
# Every round measures every case once; a case's rate is its median. Rates
# are printed as ratios to the nft DNAT and ceiling rates of this run, and
# the goals as met or not met: nothing here is a timed assertion. Exit
# status 1 says the bench could not measure: a case that could not be set
# up, no frame forwarded, a frame forwarded wrongly, or a case that did not
# take the path it claims (ptctl stats). FWD_ROUNDS, FWD_PACKETS: defaults 5, 5000000.
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "fwd.sh: needs root (network namespaces, XDP)" >&2; exit 1; }
# shellcheck disable=SC2034 # read by topology.sh
PT_NS=ptfwd$$ TOPO_LAN3=1 TOPO_V6=1
# shellcheck source=../lib/topology.sh
source tests/lib/topology.sh

FWD=build/tests/fwd
ROUNDS=${FWD_ROUNDS:-5} PACKETS=${FWD_PACKETS:-5000000}
FLOWS=64 PORT=40000 TRIG_PORT=5000
if ! [[ $ROUNDS =~ ^[1-9][0-9]*$ && $PACKETS =~ ^[1-9][0-9]*$ ]]; then
	echo "fwd.sh: FWD_ROUNDS and FWD_PACKETS are counts" >&2
	exit 1
fi
BARE_PIN=/sys/fs/bpf/$PT_NS-fwd-bare
CASES=("nft DNAT" "ptctl (stack)" "ptctl --fastpath br-lan" "ptctl --fastpath lan3"
	"XDP redirect ceiling" "nft DNAT + pass XDP" "kernel IPv6 forward"
	"ptctl --fastpath br-lan IPv6")
NFT=0 STACK=1 FAST_BR=2 FAST_LAN3=3 CEIL=4 NFT_XDP=5 NFT6=6 FAST6=7
# Per case, over all rounds: rates (pps, one a round) and the rates W
# offered, good and bad frames, the packets of the flows the kernel's
# forward rule accepted (nft) or ptctl's XDP saw (ptctl), those XDP
# forwarded on the fast path.
RATES=() OFFERED=() GOOD=() BAD=() SEEN=() FAST=()

# The holder's side of the warm-up: answers the first datagram of each of
# FLOWS source ports, then exits (5 s at most). SO_RCVBUFFORCE (33): a burst
# of 64 frames overflows the default buffer. One socket for both families.
RESPONDER='
import socket, sys
port, flows = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, 33, 1 << 22)
s.bind(("::", port))
s.settimeout(5)
answered = set()
while len(answered) < flows:
    peer = s.recvfrom(64)[1]
    if peer not in answered:
        answered.add(peer)
        s.sendto(b"ok", peer)
'

trap 'exit 130' INT TERM

cleanup() {
	rm -f "$BARE_PIN"
	topo_down
}

# quiet CMD...: runs CMD, shows its output only when it fails.
quiet() {
	local out
	out=$("$@" 2>&1) && return 0
	echo "$out" >&2
	return 1
}

setup() {
	topo_up || return 1
	trap cleanup EXIT
	# Veths as real NICs (topology.sh). wan0: its own NAPI thread, off the
	# generator's CPU, or the router would share W's CPU.
	topo_nic_like || return 1
	quiet in_r ethtool -K wan0 gro on &&
		in_r sh -c 'echo 1 > /sys/class/net/wan0/threaded' || return 1
	R_MAC=$(in_r cat /sys/class/net/wan0/address)
	BR_MAC=$(in_r cat /sys/class/net/br-lan/address)
	H1_MAC=$(in_h1 cat /sys/class/net/eth0/address)
}

# ptctl's counters (ptctl stats): packets of triggered flows in XDP, those
# forwarded on the fast path (0 0 when not loaded).
xdp_counts() {
	local j k
	j=$(ptctl_r -j stats 2>/dev/null) || { echo 0 0; return; }
	for k in xdp_forwarded xdp_fast; do
		sed -n "s/.*\"$k\":\([0-9]*\).*/\1/p" <<<"$j"
	done | paste -sd ' '
}

# to ADDR: the source and destination of W's frames that R forwards to ADDR,
# of ADDR's family: over IPv4 to R's WAN address (NAT), over IPv6 to ADDR
# itself (no NAT).
to() { is_ip6 "$1" && echo "$W6 $1" || echo "$W $R_WAN"; }

# measure CASE CNT_NS EXPECT_DST TTL: one run (to EXPECT_DST: see to),
# counted on CNT_NS's eth0.
measure() {
	local c=$1 out n good bad secs seen0 fast0 seen1 fast1 src dst
	read -r src dst < <(to "$3")
	read -r seen0 fast0 < <(xdp_counts)
	out=$(taskset -c 0 "$FWD" run "$NS_W" eth0 "$R_MAC" "$src" "$dst" "$PORT" "$FLOWS" \
		"$PACKETS" "$2" eth0 "$3" "$4") || return 1
	read -r seen1 fast1 < <(xdp_counts)
	read -r n good bad secs <<<"$out"
	if [ "$good" -eq 0 ]; then
		echo "no frame arrived forwarded right; $bad forwarded wrongly (address, TTL or hop limit, checksum)" >&2
		return 1
	fi
	RATES[c]+=" $(awk -v g="$good" -v s="$secs" 'BEGIN { printf "%.0f", g / s }')"
	OFFERED[c]+=" $(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')"
	GOOD[c]=$((${GOOD[c]:-0} + good)) BAD[c]=$((${BAD[c]:-0} + bad))
	SEEN[c]=$((${SEEN[c]:-0} + seen1 - seen0)) FAST[c]=$((${FAST[c]:-0} + fast1 - fast0))
}

# nft_static on HOST / off CASE: the static forward of PORT to HOST (H1's
# address of a family) as an admin sets it up, added, or removed by handle:
# over IPv4 a DNAT and the forward rule the firewall needs for it; over IPv6
# (no NAT) the forward rule alone, a pinhole. The packets its forward rule
# accepted go to CASE's SEEN.
nft_add() { in_r nft -e -a add rule "$@" | sed -n 's/.*# handle \([0-9]*\)$/\1/p'; }
nft_static() {
	local n family=ip
	if [ "$1" = on ]; then
		if is_ip6 "$2"; then
			family=ip6
		else
			DNAT_RULE=$(nft_add ip ptnat prerouting iifname wan0 udp dport $PORT dnat to "$2")
		fi
		ACCEPT_RULE=$(nft_add inet ptfw forward iifname wan0 $family daddr "$2" udp dport $PORT \
			counter accept)
		[ -n "$ACCEPT_RULE" ] && { [ $family = ip6 ] || [ -n "$DNAT_RULE" ]; }
		return
	fi
	if [ -n "$ACCEPT_RULE" ]; then
		n=$(in_r nft -a list chain inet ptfw forward |
			sed -n "s/.*counter packets \([0-9]*\) .*# handle $ACCEPT_RULE\$/\1/p")
		SEEN[$2]=$((${SEEN[$2]:-0} + ${n:-0}))
		in_r nft delete rule inet ptfw forward handle "$ACCEPT_RULE"
	fi
	[ -z "$DNAT_RULE" ] || in_r nft delete rule ip ptnat prerouting handle "$DNAT_RULE"
	DNAT_RULE='' ACCEPT_RULE=''
}

# The kernel's flows to PORT, of both families, so that no case inherits another's.
ct_flush() {
	local f
	for f in ipv4 ipv6; do
		in_r conntrack -D -f $f -p udp --orig-port-dst $PORT >/dev/null 2>&1
	done
	return 0
}

# ptctl_up HOST_NS HOST [LAN]: ptctl on wan0 (the fast path to LAN), a
# rule opening PORT, taken by that host as an application would: it sends
# to W on the trigger port, over HOST's family (HOST: its address).
ptctl_up() {
	local w=$W key=holder _
	! is_ip6 "$2" || w=$W6 key=holder6
	quiet ptctl_r load wan0 --mode native ${3:+--fastpath "$3"} &&
		quiet ptctl_r add-rule bench --trigger udp:$TRIG_PORT --open udp:$PORT --timeout 10m ||
		return 1
	for _ in $(seq 20); do
		ip netns exec "$1" bash -c "echo go > /dev/udp/$w/$TRIG_PORT"
		ptctl_r -j list | grep -q "\"$key\":\"$2\"" && return 0
		sleep 0.05
	done
	echo "the rule did not trigger" >&2
	return 1
}

ptctl_down() { [ ! -e "$(r_pins)" ] || quiet ptctl_r unload wan0; }

# warm HOST_NS HOST: every flow (of HOST's family, as measure sends them)
# opened and answered by the holder, the fast path's condition: a frame a
# flow, every 0.1 s, until each has its answers.
warm() {
	local ns=$1 pid src dst _
	read -r src dst < <(to "$2")
	ip netns exec "$ns" python3 -c "$RESPONDER" $PORT $FLOWS 2>/dev/null &
	pid=$!
	for _ in $(seq 40); do
		ip netns exec "$ns" ss -Hlun "sport = :$PORT" | grep -q . && break
		sleep 0.05
	done
	for _ in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		"$FWD" send "$NS_W" eth0 "$R_MAC" "$src" "$dst" $PORT $FLOWS $FLOWS || break
		sleep 0.1
	done
	wait "$pid" || { echo "the holder did not answer every flow" >&2; return 1; }
}

# case_nft CASE HOST: the kernel forwarding to HOST (H1's address of a family).
case_nft() {
	local rc
	nft_static on "$2" && measure "$1" "$NS_H1" "$2" 63
	rc=$?
	nft_static off "$1"
	return $rc
}

case_nft_xdp() {
	local rc
	quiet in_r ip link set wan0 xdpdrv obj build/bench_empty.bpf.o sec xdp &&
		nft_static on "$H1" && measure $NFT_XDP "$NS_H1" "$H1" 63
	rc=$?
	nft_static off $NFT_XDP
	in_r ip link set wan0 xdpdrv off
	return $rc
}

case_stack() {
	local rc
	ptctl_up "$NS_H1" "$H1" && measure $STACK "$NS_H1" "$H1" 63
	rc=$?
	ptctl_down
	return $rc
}

# case_fast CASE HOST_NS HOST LAN: over IPv6 when HOST is an IPv6 address.
case_fast() {
	local rc
	ptctl_up "$2" "$3" "$4" && warm "$2" "$3" && measure "$1" "$2" "$3" 63
	rc=$?
	ptctl_down
	return $rc
}

# The ceiling: frames redirected from wan0 to H1's bridge port untouched
# (to R's WAN address, TTL as sent).
case_ceiling() {
	local rc
	quiet "$FWD" bare "$NS_R" wan0 lan1 "$H1_MAC" "$BR_MAC" "$BARE_PIN" &&
		measure $CEIL "$NS_H1" "$R_WAN" 64
	rc=$?
	rm -f "$BARE_PIN"
	return $rc
}

run_case() {
	ct_flush
	case $1 in
	"$NFT") case_nft "$1" "$H1" ;;
	"$STACK") case_stack ;;
	"$FAST_BR") case_fast "$1" "$NS_H1" "$H1" br-lan ;;
	"$FAST_LAN3") case_fast "$1" "$NS_H3" "$H3" lan3 ;;
	"$CEIL") case_ceiling ;;
	"$NFT_XDP") case_nft_xdp ;;
	"$NFT6") case_nft "$1" "$H1_6" ;;
	"$FAST6") case_fast "$1" "$NS_H1" "$H1_6" br-lan ;;
	esac
}

median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
kpps() { awk -v p="$1" 'BEGIN { printf "%.0fk", p / 1000 }'; }

# goal DESC A B MIN: "met" when A >= MIN x B.
goal() {
	local r
	r=$(ratio "$2" "$3")
	if awk -v r="$r" -v m="$4" 'BEGIN { exit !(r >= m) }'; then
		printf '  %-54s %5sx  met\n' "$1" "$r"
	else
		printf '  %-54s %5sx  NOT MET\n' "$1" "$r"
	fi
}

# path CASE: what the counters say of the case's path; fails when it is not the claimed one.
path() {
	local c=$1 seen=${SEEN[$1]:-0} fast=${FAST[$1]:-0} good=${GOOD[$1]} pct
	pct=$(awk -v f="$fast" -v s="$seen" 'BEGIN { printf "%.1f", s ? 100 * f / s : 0 }')
	case $c in
	"$NFT" | "$NFT_XDP" | "$NFT6")
		echo "no ptctl; the kernel: $seen packets accepted by the static forward's rule"
		[ "$seen" -ge "$good" ] ;;
	"$CEIL") echo "no ptctl; fwd_bare redirected them" ;;
	"$STACK")
		echo "$seen packets of triggered flows in XDP, $fast on the fast path: the kernel forwarded them"
		[ "$fast" -eq 0 ] && [ "$seen" -ge "$good" ] ;;
	*)
		echo "$seen packets of triggered flows in XDP, $fast ($pct%) on the fast path"
		[ "$seen" -gt 0 ] && [ $((fast * 100)) -ge $((seen * 99)) ] ;;
	esac
}

report() {
	local c med=() nft ceil offered ok=0 what pad
	for c in "${!CASES[@]}"; do med[c]=$(median <<<"${RATES[c]}"); done
	nft=${med[NFT]} ceil=${med[CEIL]} offered=$(median <<<"${OFFERED[*]}")
	echo
	echo "Forwarding, W -> R -> LAN host: $FLOWS UDP flows, 60-byte frames (IPv6: 80)," \
		"$PACKETS a run offered at ~$(kpps "$offered")pps, median of $ROUNDS rounds"
	printf '  %-28s %10s %8s %8s %8s %11s %5s\n' case pps ns/pkt "x nft" "x ceil" good bad
	for c in "${!CASES[@]}"; do
		printf '  %-28s %10s %8s %8s %8s %11s %5s\n' "${CASES[c]}" "${med[c]}" \
			"$(awk -v p="${med[c]}" 'BEGIN { printf "%.0f", 1e9 / p }')" \
			"$(ratio "${med[c]}" "$nft")" "$(ratio "${med[c]}" "$ceil")" "${GOOD[c]}" "${BAD[c]}"
	done
	awk -v c="$ceil" -v o="$offered" 'BEGIN { exit !(c >= 0.9 * o) }' &&
		echo "Note: the ceiling is close to what W offers: W's rate may limit it"
	echo "Paths taken (ptctl stats, nft counter; all rounds):"
	pad=$(printf '\n%31s' '')
	for c in "${!CASES[@]}"; do
		if what=$(path "$c"); then
			printf '  %-28s %s\n' "${CASES[c]}" "${what//$'\n'/$pad}"
		else
			printf '  %-28s %s: NOT THE PATH CLAIMED\n' "${CASES[c]}" "${what//$'\n'/$pad}"
			ok=1
		fi
	done
	echo "Goals:"
	goal "ptctl --fastpath br-lan >= 4x nft DNAT" "${med[FAST_BR]}" "$nft" 4
	goal "ptctl --fastpath lan3 >= 4x nft DNAT" "${med[FAST_LAN3]}" "$nft" 4
	goal "ptctl --fastpath br-lan IPv6 >= 4x kernel IPv6 forward" "${med[FAST6]}" "${med[NFT6]}" 4
	goal "ptctl --fastpath br-lan >= 0.6x the ceiling" "${med[FAST_BR]}" "$ceil" 0.6
	goal "ptctl --fastpath lan3 >= 0.6x the ceiling" "${med[FAST_LAN3]}" "$ceil" 0.6
	goal "ptctl (stack) >= 0.95x nft DNAT" "${med[STACK]}" "$nft" 0.95
	echo "Reading the stack ratio: nft DNAT with a pass-only XDP program on wan0 is" \
		"$(ratio "${med[NFT_XDP]}" "$nft")x nft DNAT, ptctl (stack)" \
		"$(ratio "${med[STACK]}" "${med[NFT_XDP]}")x that"
	for c in "${!CASES[@]}"; do
		[ "${BAD[c]}" -eq 0 ] && continue
		echo "WARNING: ${CASES[c]}: ${BAD[c]} frames arrived wrongly forwarded" \
			"(address, TTL or hop limit, checksum): this measurement is invalid" >&2
		ok=1
	done
	[ "$ok" -eq 0 ] || echo "fwd.sh: the measurement is invalid (see above)" >&2
	return $ok
}

main() {
	local r c line
	setup || { echo "fwd.sh: cannot set up the router" >&2; return 1; }
	echo
	echo "Forwarding rate, W -> R -> LAN host, kpps per round"
	echo "(nft DNAT, ptctl stack, fast path br-lan, fast path lan3, ceiling, nft + pass XDP," \
		"kernel IPv6, fast path br-lan IPv6):"
	for r in $(seq "$ROUNDS"); do
		line=
		for c in "${!CASES[@]}"; do
			run_case "$c" || { echo "fwd.sh: ${CASES[c]}: could not measure" >&2; return 1; }
			line+=$(printf '%8s' "$(awk -v p="${RATES[c]##* }" 'BEGIN { printf "%.0f", p / 1000 }')")
		done
		echo "  $r:$line"
	done
	report
}

main
