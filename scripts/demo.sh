#!/usr/bin/env bash
# The demo (make demo): a home router in network namespaces, ptctl on its
# WAN interface, and a port that opens when a LAN host triggers it and
# closes again when the rule has been idle for its timeout.
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "Error: the demo creates network namespaces and needs root" >&2; exit 1; }
# shellcheck source=../tests/lib/topology.sh
PT_NS=ptdemo
source tests/lib/topology.sh

TIMEOUT=4 OPEN=5000 TRIGGER=6667
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '  $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/  /'; }
# Connect from the WAN host to the router's WAN address on the open port.
probe() {
	local reply
	reply=$(in_w timeout 3 socat -T2 - "TCP:$R_WAN:$OPEN,connect-timeout=2" </dev/null 2>/dev/null)
	if [ -n "$reply" ]; then
		echo "  W -> $R_WAN:$OPEN: connected, server says: $reply"
	else
		echo "  W -> $R_WAN:$OPEN: no connection (port closed)"
	fi
	[ -n "$reply" ]
}

step "Topology: H1 $H1, H2 $H2 on the LAN; router R masquerades out wan0 $R_WAN; WAN host W $W"
topo_up || exit 1
echo "  R's firewall admits triggered traffic by mark: iifname \"wan0\" $PT_MARK_RULE accept"

step "Load ptctl on R's WAN interface and add a rule"
run ptctl_r load wan0
run ptctl_r add-rule chat --trigger tcp:$TRIGGER --open tcp:$OPEN --timeout ${TIMEOUT}s
# Servers, each bounded in time: H1's app on the open port, W's on the trigger port.
in_h1 timeout 60 socat TCP-LISTEN:$OPEN,reuseaddr,fork SYSTEM:'echo hello from H1' &
in_w timeout 60 socat TCP-LISTEN:$TRIGGER,reuseaddr,fork SYSTEM:'echo welcome' &
sleep 0.3

step "Before any trigger, the WAN host cannot reach the open port"
probe && { echo "Error: the port is open before the trigger" >&2; exit 1; }

step "H1 connects to W:$TRIGGER (the trigger)"
run in_h1 socat -T2 - TCP:$W:$TRIGGER
run ptctl_r list

step "Now the WAN host reaches H1 through $R_WAN:$OPEN"
probe || { echo "Error: the port did not open" >&2; exit 1; }
echo "  bpftool shows the rule with its holder, and the flow ptctl remembers (W's address and port in, to H1):"
echo "  \$ bpftool map lookup pinned $(r_pins)/pt_rules key 0 0 0 0 | head -n 24"
bpftool map lookup pinned "$(r_pins)/pt_rules" key 0 0 0 0 | head -n 24 | sed 's/^/  /'
run bpftool map dump pinned "$(r_pins)/pt_flows"
echo "  The flow is the kernel's, with the DNAT to H1 and ptctl's mark:"
run in_r conntrack -L -m 0x70740000/0xffff0000

step "Idle for the rule's ${TIMEOUT}s timeout..."
sleep $((TIMEOUT + 1))
run ptctl_r list
probe && { echo "Error: the port is still open after the timeout" >&2; exit 1; }

step "Unload: nothing of ptctl remains"
run ptctl_r unload wan0
echo
echo "Demo finished: closed before the trigger, open after it, closed after the timeout."
