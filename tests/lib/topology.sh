# shellcheck shell=bash
# A home router in network namespaces, shared by the demo and the e2e tests.
#
#   H1 192.168.77.10 ─┐                                 ┌─ W 198.51.100.2
#   H2 192.168.77.11 ─┴─ br-lan 192.168.77.1 [R] wan0 198.51.100.1
#
# R forwards, masquerades LAN traffic leaving wan0 (nftables) and runs a
# stateful firewall as home routers do: forward policy drop, established
# accepted, LAN -> WAN accepted, input from the WAN dropped, plus the one
# rule README tells operators to add for triggered traffic (by mark). Like
# most routers it also has services of its own on the WAN (a UDP VPN
# endpoint on 51820, TCP 2222) and a static port forward (WAN:8080 to H2:80).
# Its default route points at W, as a router's points at the ISP.
#
# TOPO_ROUTED=1: a routed LAN without NAT, public addresses behind the router
# (H1 203.0.113.10, H2 203.0.113.11, R 203.0.113.1); W routes them via R.
# TOPO_LAN3=1: also a LAN on a plain interface, not a bridge port: H3
# 192.168.78.10 on R's lan3 192.168.78.1, admitted and masqueraded as br-lan.
# TOPO_V6=1: dual-stack, as an ISP with IPv6 hands a home router a prefix:
# R wan0 2001:db8:100::1, W 2001:db8:100::2, which routes the LAN's
# 2001:db8:77::/64 to R; br-lan 2001:db8:77::1, H1 ::10, H2 ::11 (global
# addresses, no NAT). The same firewall (table inet) guards both families.
# topo_w2_up: W2 198.51.100.66 one hop beyond W, over a link of MTU 1280 (a
# WAN path narrower than R's), for path MTU discovery; topo_w2_down.
# Only TEST-NET and 192.168.x addresses; nothing routes out of the namespaces.
#
# Use: source it, call topo_up, then run commands with in_h1/in_h2/in_r/in_w.
# topo_down runs on EXIT (trap set by topo_up).

PT_NS=${PT_NS:-pt$$}
NS_H1=$PT_NS-h1 NS_H2=$PT_NS-h2 NS_R=$PT_NS-r NS_W=$PT_NS-w NS_H3=$PT_NS-h3 NS_W2=$PT_NS-w2
if [ "${TOPO_ROUTED:-0}" = 1 ]; then
	LAN_NET=203.0.113 TOPO_NAME=routed
else
	LAN_NET=192.168.77 TOPO_NAME=nat
fi
H1=$LAN_NET.10 H2=$LAN_NET.11 R_LAN=$LAN_NET.1
R_WAN=198.51.100.1 W=198.51.100.2
H3=192.168.78.10 R_LAN3=192.168.78.1
R_WAN6=2001:db8:100::1 W6=2001:db8:100::2 LAN6_NET=2001:db8:77::
H1_6=${LAN6_NET}10 H2_6=${LAN6_NET}11 R_LAN6=${LAN6_NET}1
W2=198.51.100.66 W_W2=198.51.100.65 W2_NET=198.51.100.64/30 W2_MTU=1280
PTCTL=${PTCTL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/ptctl}
PT_MARK_RULE='ct mark & 0xffff0000 == 0x70740000'

in_h1() { ip netns exec "$NS_H1" "$@"; }
in_w2() { ip netns exec "$NS_W2" "$@"; }
in_h2() { ip netns exec "$NS_H2" "$@"; }
in_r() { ip netns exec "$NS_R" "$@"; }
in_w() { ip netns exec "$NS_W" "$@"; }
in_h3() { ip netns exec "$NS_H3" "$@"; }

# ptctl runs in R's network namespace only, as the README says to run it:
# `nsenter --net` keeps the host's mounts, so its pins live in the host's
# bpffs under R's namespace root (r_pins). `ip netns exec` would hide them.
in_r_net() { nsenter --net="/run/netns/$NS_R" "$@"; }
ptctl_r() { in_r_net "$PTCTL" "$@"; }
# R's pin directory of wan0, from R's network namespace inode.
r_root() { echo "/sys/fs/bpf/ptctl/netns:$(stat -L -c %i "/run/netns/$NS_R")"; }
r_pins() { echo "$(r_root)/wan0"; }

topo_down() {
	local ns
	# What a test left of ptctl in R: its programs go with R's interfaces.
	[ -e "/run/netns/$NS_R" ] && rm -rf "$(r_root)" && rmdir /sys/fs/bpf/ptctl 2>/dev/null
	for ns in "$NS_H1" "$NS_H2" "$NS_R" "$NS_W" "$NS_H3" "$NS_W2"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

topo_firewall() {
	in_r nft -f - <<NFT
table inet ptfw {
	chain input {
		type filter hook input priority filter; policy drop;
		iif lo accept
		ct state established,related accept
		iifname "br-lan" accept
		$([ "${TOPO_LAN3:-0}" = 1 ] && echo 'iifname "lan3" accept')
		icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		iifname "wan0" udp dport 51820 accept
		iifname "wan0" tcp dport 2222 accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "br-lan" oifname "wan0" accept
		$([ "${TOPO_LAN3:-0}" = 1 ] && echo 'iifname "lan3" oifname "wan0" accept')
		iifname "wan0" ip daddr $H2 tcp dport 80 accept
		iifname "wan0" $PT_MARK_RULE accept
	}
}
table ip ptnat {
	chain prerouting {
		type nat hook prerouting priority dstnat;
		iifname "wan0" tcp dport 8080 dnat to $H2:80
	}
	chain postrouting {
		type nat hook postrouting priority srcnat;
		$([ "$TOPO_NAME" = nat ] && echo 'oifname "wan0" masquerade')
	}
}
NFT
}

# topo_fw_ptctl on|off: add or remove the firewall's rule for triggered
# traffic (to show it is the one thing that admits it). Idempotent.
topo_fw_ptctl() {
	local handle
	handle=$(in_r nft -a list chain inet ptfw forward |
		sed -n 's/.*iifname "wan0" ct mark .* accept # handle \([0-9]*\)$/\1/p')
	case $1 in
	on) [ -n "$handle" ] || in_r nft add rule inet ptfw forward iifname "wan0" $PT_MARK_RULE accept ;;
	off) [ -z "$handle" ] || in_r nft delete rule inet ptfw forward handle "$handle" ;;
	*) echo "topo_fw_ptctl: on or off" >&2; return 2 ;;
	esac
}

# topo_nic_like: the hosts' veths as the fast path needs them (README, The
# fast path): GRO on, so that they take XDP-redirected frames, and tx
# checksum offload off, so that they send full checksums as a NIC does.
topo_nic_like() {
	local ns
	for ns in "$NS_H1" "$NS_H2" "$NS_W" $([ "${TOPO_LAN3:-0}" = 1 ] && echo "$NS_H3"); do
		ip netns exec "$ns" ethtool -K eth0 gro on tx off >/dev/null || return 1
	done
}

# topo_ns NS: a namespace of the topology, lo up. Its ephemeral ports lie
# above every fixed port the tests use (servers, and clients' source ports
# such as 59004): a connection of its own never holds one of those when a
# test binds it.
topo_ns() {
	ip netns add "$1" && ip -n "$1" link set lo up &&
		ip netns exec "$1" sysctl -qw net.ipv4.ip_local_port_range="61000 65535"
}

# H3 on R's lan3 (TOPO_LAN3=1).
topo_lan3() {
	topo_ns "$NS_H3" || return 1
	ip link add eth0 netns "$NS_H3" type veth peer name lan3 netns "$NS_R"
	ip -n "$NS_R" addr add $R_LAN3/24 dev lan3
	ip -n "$NS_R" link set lan3 up
	ip -n "$NS_H3" addr add $H3/24 dev eth0
	ip -n "$NS_H3" link set eth0 up
	ip -n "$NS_H3" route add default via $R_LAN3
}

# W2 behind W: W forwards, R routes W2's /30 to W (the ISP's network). W2
# advertises a TCP MSS of a 1500-byte path: senders learn the narrower one
# from W's "fragmentation needed".
topo_w2_up() {
	topo_ns "$NS_W2" || return 1
	ip link add w2 netns "$NS_W" mtu $W2_MTU type veth peer name eth0 netns "$NS_W2" mtu $W2_MTU &&
		ip -n "$NS_W" addr add $W_W2/30 dev w2 && ip -n "$NS_W" link set w2 up &&
		ip -n "$NS_W2" addr add $W2/30 dev eth0 && ip -n "$NS_W2" link set eth0 up &&
		ip -n "$NS_W2" route add default via $W_W2 advmss 1460 &&
		ip -n "$NS_R" route add $W2_NET via $W &&
		in_w sysctl -qw net.ipv4.ip_forward=1 &&
		in_w2 ping -c1 -W2 -q $W >/dev/null
}

topo_w2_down() {
	ip -n "$NS_R" route del $W2_NET via $W 2>/dev/null
	in_w sysctl -qw net.ipv4.ip_forward=0
	ip netns pids "$NS_W2" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NS_W2" 2>/dev/null
	return 0
}

# R's wan0 to W's eth0, addressed and routed (again, after a test deleted it).
topo_wan_link() {
	ip link add wan0 netns "$NS_R" type veth peer name eth0 netns "$NS_W" &&
		ip -n "$NS_R" addr add $R_WAN/24 dev wan0 &&
		ip -n "$NS_W" addr add $W/24 dev eth0 &&
		ip -n "$NS_R" link set wan0 up &&
		ip -n "$NS_W" link set eth0 up &&
		ip -n "$NS_R" route add default via $W || return 1
	[ "$TOPO_NAME" = nat ] || ip -n "$NS_W" route add $LAN_NET.0/24 via $R_WAN
	[ "${TOPO_V6:-0}" = 1 ] || return 0
	ip -n "$NS_R" addr add $R_WAN6/64 dev wan0 nodad &&
		ip -n "$NS_W" addr add $W6/64 dev eth0 nodad &&
		ip -n "$NS_R" -6 route add default via $W6 &&
		ip -n "$NS_W" -6 route add ${LAN6_NET}/64 via $R_WAN6
}

# The LAN's IPv6 addresses and routes (TOPO_V6=1), R forwarding IPv6.
topo_v6_up() {
	ip -n "$NS_R" addr add $R_LAN6/64 dev br-lan nodad || return 1
	local h
	for h in 1 2; do
		ip -n "$PT_NS-h$h" addr add "$([ $h = 1 ] && echo $H1_6 || echo $H2_6)/64" dev eth0 nodad &&
			ip -n "$PT_NS-h$h" -6 route add default via $R_LAN6 || return 1
	done
	in_r sysctl -qw net.ipv6.conf.all.forwarding=1
}

# The hosts reach W: over IPv4, and over IPv6 too when TOPO_V6=1.
topo_reaches_w() {
	in_$1 ping -c1 -W1 -q $W >/dev/null 2>&1 &&
		{ [ "${TOPO_V6:-0}" != 1 ] || in_$1 ping -6 -c1 -W1 -q $W6 >/dev/null 2>&1; }
}

topo_up() {
	trap topo_down EXIT
	topo_down
	for ns in "$NS_H1" "$NS_H2" "$NS_R" "$NS_W"; do
		topo_ns "$ns" || return 1
	done
	ip -n "$NS_R" link add br-lan type bridge
	ip -n "$NS_R" addr add $R_LAN/24 dev br-lan
	ip -n "$NS_R" link set br-lan up
	local h ns addr
	for h in 1 2; do
		ns=$PT_NS-h$h
		addr=$([ $h = 1 ] && echo $H1 || echo $H2)
		ip link add eth0 netns "$ns" type veth peer name lan$h netns "$NS_R"
		ip -n "$NS_R" link set lan$h master br-lan up
		ip -n "$ns" addr add "$addr/24" dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" route add default via $R_LAN
	done
	topo_wan_link
	[ "${TOPO_LAN3:-0}" = 1 ] && { topo_lan3 || return 1; }
	[ "${TOPO_V6:-0}" = 1 ] && { topo_v6_up || return 1; }
	in_r sysctl -qw net.ipv4.ip_forward=1
	topo_firewall
	# Wait for the links (bounded): ARP or ND through the bridge and across the WAN.
	for _ in $(seq 50); do
		topo_reaches_w h1 && topo_reaches_w h2 &&
			{ [ "${TOPO_LAN3:-0}" != 1 ] || in_h3 ping -c1 -W1 -q $W >/dev/null 2>&1; } && return 0
		sleep 0.1
	done
	echo "topology: links did not come up" >&2
	return 1
}

# is_ip6 ADDR: ADDR is an IPv6 address.
is_ip6() { [[ $1 == *:* ]]; }

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds or time is up.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}
