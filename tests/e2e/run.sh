#!/usr/bin/env bash
# End-to-end tests of ptctl (make e2e): a home router in network namespaces
# (tests/lib/topology.sh: H1, H2 on the LAN, R masquerading to W on the WAN,
# a drop-by-default firewall with the README's mark rule), ptctl loaded on
# R's wan0, real connections from W. Every data check sends a fresh random
# payload that the server on the far side echoes after a line naming its
# host: the sha256 of the reply proves both directions byte-exact and which
# host answered.
#
# Covered with --mode native and --mode generic on a masquerading router,
# natively on a routed LAN without NAT, and in both modes with the fast path
# (load --fastpath br-lan) on a masquerading router (a fresh topology for
# each run), with the veth offloads a user would have (in the fast run GRO on
# and tx checksum offload off on H1, H2 and W, as the README says):
#   1  nothing open before a trigger (TCP, UDP, nmap)
#   2  TCP and UDP triggers open TCP and UDP ports to the triggering host
#   3  W only ever sees R_WAN as the source (pcap on W)
#   4  ptctl list (text, JSON) and bpftool show the holder and its flows, readably
#   5  a second host's trigger is a conflict: the holder keeps the rule
#   -  the same with tx checksum offload off on R (checksums completed in
#      software, verified by H1 and W)
#   -  without the firewall's mark rule triggered traffic is dropped
#   6  idle for the timeout: closed; the next host to trigger takes it
#   6b after a change of holder, the old holder's flow still leaves as R_WAN
#   7  steady traffic keeps the rule open past the timeout: a TCP session
#      both ways, then UDP inbound only, then the holder's replies only
#   8  50 rules held by two hosts, each forwarding to its holder
#   9  ptctl load again (upgrade) keeps rules, holders, an open session
#   10 del-rule spares the other rules; unload leaves no program, no pin
# Every scenario runs in the fast run too: behaviour must not change with the
# fast path. hostile.sh adds H1-H3, nat.sh N1-N6 and ipv6.sh V1-V6 (the
# router is dual-stack) to every run, fast.sh F1-F8 to fast runs.
# Prints PASS:/FAIL: per scenario and "e2e: N passed, N failed".
# E2E_RUNS="native:nat" (MODE:LAN[:fast], LAN nat or routed, fast for
# --fastpath br-lan) picks the runs; E2E_ONLY=REGEX the scenarios after the
# first (load) by name; PTCTL=path tests another build.
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "Error: the e2e tests need root (netns, BPF)" >&2; exit 1; }
[ -x build/ptctl ] || { echo "Error: build/ptctl missing: run make" >&2; exit 1; }

# shellcheck disable=SC2034 # used by topology.sh: a dual-stack router
PT_NS=pte2e$$ TOPO_V6=1
# shellcheck source=../lib/topology.sh
source tests/lib/topology.sh
# shellcheck source=lib.sh
source tests/e2e/lib.sh
# shellcheck source=scenarios.sh
source tests/e2e/scenarios.sh
# shellcheck source=hostile.sh
source tests/e2e/hostile.sh
# shellcheck source=fast.sh
source tests/e2e/fast.sh
# shellcheck source=nat.sh
source tests/e2e/nat.sh
# shellcheck source=ipv6.sh
source tests/e2e/ipv6.sh
E2E_RUNS=${E2E_RUNS:-native:nat generic:nat native:routed native:nat:fast generic:nat:fast}

# The scenarios of this run, the last one (unload) last.
run_scenarios() {
	local extra=("${HOSTILE_SCENARIOS[@]}" "${NAT_SCENARIOS[@]}" "${V6_SCENARIOS[@]}")
	[ "$FAST" = 1 ] && extra+=("${FAST_SCENARIOS[@]}")
	local all=("${SCENARIOS[@]:1:${#SCENARIOS[@]}-2}" "${extra[@]}" "${SCENARIOS[@]: -1}") entry
	RUN_SCENARIOS=("${SCENARIOS[0]}")
	for entry in "${all[@]}"; do
		[[ -n ${E2E_ONLY:-} && ! ${entry%%:*} =~ $E2E_ONLY ]] || RUN_SCENARIOS+=("$entry")
	done
}

TMP=$(mktemp -d)
cleanup() { topo_down; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=../lib/report.sh
source tests/lib/report.sh

run_mode() {
	local entry name fn broken=
	topo_up && topo_nic_like
	local rc=$?
	trap cleanup EXIT # topo_up set its own
	[ $rc = 0 ] || broken="topology did not come up"
	run_scenarios
	for entry in "${RUN_SCENARIOS[@]}"; do
		name="[$MODE $TOPO_NAME${FAST_NAME}] ${entry%%:*}" fn=${entry##*:}
		if [ -n "$broken" ]; then
			fail "$name" "$broken"
			continue
		fi
		REASON=
		if "$fn"; then
			pass "$name"
		else
			fail "$name" "${REASON:-failed}"
			[ "$fn" = s_load ] && broken="ptctl not loaded"
		fi
	done
	topo_down
}

# Each run is an XDP mode, a LAN: masqueraded (nat) or routed without NAT,
# and with "fast" the fast path on the LAN bridge.
for run in $E2E_RUNS; do
	[[ $run =~ ^(native|generic):(nat|routed)(:fast)?$ ]] ||
		{ echo "Error: E2E_RUNS: '$run' is not MODE:LAN[:fast] (native|generic, nat|routed)" >&2; exit 2; }
done
start=$SECONDS
for run in $E2E_RUNS; do
	IFS=: read -r MODE lan fast <<<"$run"
	TOPO_ROUTED=$([ "$lan" = routed ] && echo 1 || echo 0)
	FAST=$([ "$fast" = fast ] && echo 1 || echo 0)
	FAST_NAME=$([ "$FAST" = 1 ] && echo " fast")
	# shellcheck source=../lib/topology.sh
	source tests/lib/topology.sh
	run_mode
done
echo "e2e: $E2E_RUNS in $((SECONDS - start)) s"
report e2e
