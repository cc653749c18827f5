#!/usr/bin/env bash
# Generated command lines (tests/cli/fuzz.py) against ptctl loaded on the
# netns router of tests/lib/topology.sh, with two rules and a second
# interface. FUZZ_COUNT lines (default 3000), FUZZ_SEED (default: random,
# printed, to replay a failure).
cd "$(dirname "$0")/../.." || exit 1
# shellcheck disable=SC2034 # read by topology.sh
PT_NS=ptfuzz$$
# shellcheck source=../lib/topology.sh
source tests/lib/topology.sh
# shellcheck source=../lib/report.sh
source tests/lib/report.sh

topo_up || { fail "topology"; report fuzz; exit 1; }
in_r ip link add nov4 type veth peer name nov4p && in_r ip link set nov4 up
ptctl_r load wan0 2>/dev/null && ptctl_r add-rule game --trigger udp:27015 --open udp:27000 2>/dev/null &&
	ptctl_r add-rule chat --trigger tcp:6667 --open tcp:5000-5010 2>/dev/null ||
	{ fail "load and rules"; report fuzz; exit 1; }
seed=${FUZZ_SEED:-$RANDOM}
if out=$(python3 tests/cli/fuzz.py "/run/netns/$NS_R" "$PTCTL" "$(r_root)" "${FUZZ_COUNT:-3000}" "$seed"); then
	pass "$(tail -n1 <<<"$out")"
else
	printf '%s\n' "$out" | head -n -1
	fail "$(tail -n1 <<<"$out")"
fi
report fuzz
