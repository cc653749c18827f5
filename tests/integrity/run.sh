#!/usr/bin/env bash
# State integrity (make test): what ptctl keeps in the kernel stays true
# whatever is thrown at it, on the netns router of tests/lib/topology.sh:
#   - a failed load, even under traffic, leaves the running instance alone;
#   - interfaces of one name in two network namespaces never share state;
#   - a deleted interface shows as degraded, and changes are refused;
#   - 50 concurrent add-rule/del-rule commands, 20 rounds: exactly the rules
#     whose commands succeeded, the port indexes consistent with them;
#   - pins of another ABI are refused by name, read by nobody (valgrind);
#   - unload --force clears an interface whose pins are gone, and a load
#     never takes another program's XDP hook;
#   - loads that find no bpffs mount one, once.
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "Error: the integrity tests need root (netns, BPF)" >&2; exit 1; }
[ -f build/bench_empty.bpf.o ] || { echo "Error: build/bench_empty.bpf.o (another tool's XDP program) missing: run make test" >&2; exit 1; }
PT_NS=ptint$$
# shellcheck source=../lib/topology.sh
source tests/lib/topology.sh
# shellcheck source=../e2e/lib.sh
source tests/e2e/lib.sh
# shellcheck source=../lib/report.sh
source tests/lib/report.sh

TMP=$(mktemp -d)
NS_R2=$PT_NS-r2
cleanup() {
	rm -f /sys/fs/bpf/ptint-orphan
	[ -e "/run/netns/$NS_R2" ] && rm -rf "/sys/fs/bpf/ptctl/netns:$(stat -L -c %i "/run/netns/$NS_R2")"
	ip netns del "$NS_R2" 2>/dev/null
	topo_down
	rm -rf "$TMP"
}
topo_up || { fail "topology"; report integrity; exit 1; }
trap cleanup EXIT

not() { ! "$@"; }
xdp_on() { in_r ip link show "$1" | grep -q xdp; }
# shellcheck disable=SC2120 # called through check, with an interface
healthy() { ptctl_r status --dev "${1:-wan0}" >/dev/null 2>&1; }
rule_names() { ptctl_r -j list --dev wan0 | grep -o '"name":"[^"]*"' | cut -d'"' -f4 | sort | tr '\n' ' '; }
consistent() { ptctl_r -j status --dev wan0 | grep -q '"indexes_consistent":true'; }

check "load wan0" ptctl_ok load wan0 --mode native
check "add-rule chat" ptctl_ok add-rule chat --trigger tcp:6667 --open tcp:5000 --timeout 30
serve w tcp 6667 w && serve h1 tcp 5000 h1 || fail "servers"

# --- A failed load leaves the running instance, and its traffic, alone -----
failed_loads() {
	local err ok=0
	# Under ip netns exec, with options that differ, with a foreign mark.
	err=$(in_r "$PTCTL" load wan0 2>&1) && ok=1
	ptctl_r load wan0 --mode generic 2>/dev/null && ok=1
	ptctl_r load wan0 --mark 0x1 2>/dev/null && ok=1
	ptctl_r load wan0 --wan-addr 203.0.113.77 2>/dev/null && ok=1
	[ $ok = 0 ] || { DETAIL="a load succeeded: $err"; return 1; }
	healthy || { DETAIL="status: $(ptctl_r status 2>&1 | tail -1)"; return 1; }
}
trigger h1 tcp 6667
capture_on_w
check "an open session lives through four failed loads" tcp_session w "$R_WAN" 5000 h1 8 failed_loads
bg_stop tcpdump
check "...and W saw no LAN source" pcap_sources_only "$R_WAN"
check "...and the instance is healthy" healthy

# --- Two namespaces, two wan0 ----------------------------------------------
# Of the same ifindex too: an ifindex names a device only within its namespace.
ip netns add "$NS_R2"
ip link add wan0 netns "$NS_R2" index "$(in_r cat /sys/class/net/wan0/ifindex)" type veth \
	peer name peer0 netns "$NS_R2"
ip -n "$NS_R2" link set wan0 up && ip -n "$NS_R2" link set peer0 up
ptctl_r2() { nsenter --net="/run/netns/$NS_R2" "$PTCTL" "$@"; }
check "load wan0 in a second namespace" ptctl_r2 load wan0 --mode generic
check "a rule there" ptctl_r2 add-rule other --trigger udp:1 --open udp:2
check "each namespace lists its own rules (R)" [ "$(rule_names)" = "chat " ]
check "each namespace lists its own rules (R2)" [ "$(ptctl_r2 -j list | grep -o '"name":"[^"]*"')" = '"name":"other"' ]
check "their pins apart (R)" [ -e "$(r_pins)/pt_rules" ]
check "their pins apart (R2)" [ -e "/sys/fs/bpf/ptctl/netns:$(stat -L -c %i "/run/netns/$NS_R2")/wan0/pt_rules" ]
check "unload --force in the second namespace" ptctl_r2 unload --force wan0
check "R's instance untouched" healthy
check "R's rules untouched" [ "$(rule_names)" = "chat " ]

# --- The interface goes away -------------------------------------------------
in_r ip link add wanx type veth peer name wanxp
in_r ip link set wanx up && in_r ip addr add 203.0.113.1/24 dev wanx
check "load wanx" ptctl_ok load wanx
check "a rule on wanx" ptctl_ok add-rule --dev wanx x --trigger udp:1 --open udp:2
in_r ip link del wanx
out=$(ptctl_r list --dev wanx 2>&1 >/dev/null)
check "list warns: degraded, interface gone" [ "$out" = "Warning: ptctl on wanx is degraded: the interface no longer exists" ]
ptctl_r status --dev wanx >/dev/null 2>&1
check "status exits 3" [ $? = 3 ]
out=$(ptctl_r -j status --dev wanx 2>/dev/null)
check "status -j says why" grep -q '"ok":false,"interface":false.*"problem":"the interface no longer exists"' <<<"$out"
check "add-rule refused" not ptctl_r add-rule --dev wanx y --trigger udp:3 --open udp:4
check "unload cleans it up" ptctl_ok unload wanx
check "no pins left of it" not test -e "$(r_root)/wanx"

# --- A program detached behind ptctl's back; load attaches it again ------------
bpftool link detach pinned "$(r_pins)/link_tc_out"
out=$(ptctl_r status 2>&1 >/dev/null)
ptctl_r status >/dev/null 2>&1
rc=$?
check "a detached TC program: status warns" [ "$out" = "Warning: ptctl on wan0 is degraded: its TC egress program is no longer attached" ]
check "...and exits 3" [ $rc = 3 ]
check "changes refused meanwhile" not ptctl_r add-rule y --trigger udp:3 --open udp:4
check "load attaches it again" ptctl_ok load wan0
check "...healthy" healthy
check "...rules kept" [ "$(rule_names)" = "chat " ]

# --- The fast path's bridge ports: all of them or nothing ---------------------
# (an instance of its own on wanf, beside wan0's)
in_r ip link add wanf type veth peer name wanfp && in_r ip link set wanf up
in_r ip link set lan2 xdpgeneric obj build/bench_empty.bpf.o sec xdp
out=$(ptctl_r load wanf --mode generic --fastpath br-lan 2>&1)
check "another tool's XDP on lan2: load --fastpath br-lan refused" \
	[ "$out" = "Error: lan2 already has an XDP program; ptctl needs the XDP hook" ]
check "...nothing of it left: no pins" not test -e "$(r_root)/wanf"
check "...no XDP on wanf or lan1" not xdp_on wanf
check "...(lan1)" not xdp_on lan1
check "...the other tool's program still on lan2" xdp_on lan2
in_r ip link set lan2 xdpgeneric off
check "load --fastpath br-lan" ptctl_ok load wanf --mode generic --fastpath br-lan
in_r ip link add lan9 type veth peer name lan9p && in_r ip link set lan9 master br-lan up
check "a port added: degraded" not healthy wanf
check "load again" ptctl_ok load wanf
check "...covers it" xdp_on lan9
in_r ip link del lan9
out=$(ptctl_r status --dev wanf 2>&1 >/dev/null)
check "a port deleted: degraded, said" [ "$out" = "Warning: ptctl on wanf is degraded: its LAN XDP program is no longer attached to lan9" ]
check "load again" ptctl_ok load wanf
check "...healthy" healthy wanf
check "...its pin gone" not test -e "$(r_root)/wanf/link_lan_lan9"
check "unload wanf" ptctl_ok unload wanf
check "...no XDP left on the ports" not xdp_on lan1
check "wan0 untouched" healthy
in_r ip link del wanf

# --- 50 concurrent changes, 20 rounds ------------------------------------------
# Round r adds c<r>-0..24 and deletes the rules the round before added; all at once.
concurrent_round() {
	local r=$1 i
	for ((i = 0; i < 25; i++)); do
		ptctl_r add-rule "c$r-$i" --trigger "udp:$((20000 + i))" --open "tcp:$((30000 + r * 25 + i))" \
			>/dev/null 2>"$TMP/add-$i" &
		[ "$r" -gt 0 ] && ptctl_r del-rule "c$((r - 1))-$i" >/dev/null 2>"$TMP/del-$i" &
	done
	wait
	grep -h . "$TMP"/add-* "$TMP"/del-* 2>/dev/null | grep -v '^Note:' | head -3
}
bad=
for ((r = 0; r < 20; r++)); do
	errs=$(concurrent_round $r)
	want="chat $(for ((i = 0; i < 25; i++)); do echo "c$r-$i"; done | sort | tr '\n' ' ')"
	want=$(tr ' ' '\n' <<<"$want" | grep . | sort | tr '\n' ' ')
	got=$(rule_names)
	if [ -n "$errs" ] || [ "$got" != "$want" ] || ! consistent; then
		bad="round $r: ${errs:-rules $got, want $want; $(ptctl_r status 2>&1 | tail -1)}"
		break
	fi
done
check "50 concurrent commands x 20 rounds: every one done, indexes consistent${bad:+ ($bad)}" [ -z "$bad" ]

# --- Pins of another ABI ---------------------------------------------------------
vg() { in_r_net valgrind -q --error-exitcode=99 "$PTCTL" "$@"; }
cp_pin_aside() { mv "$(r_pins)/$1" "/sys/fs/bpf/ptint-$1"; }
put_back() { rm -f "$(r_pins)/$1"; mv "/sys/fs/bpf/ptint-$1" "$(r_pins)/$1"; }
cp_pin_aside pt_rules
bpftool map create "$(r_pins)/pt_rules" type hash key 4 value 64 entries 1024 name pt_rules
out=$(vg list 2>&1)
me="ptctl $(sed -n 's/^#define PT_VERSION[[:space:]]*"\(.*\)"/\1/p' include/ptctl.h) (ABI $(sed -n 's/^#define PT_ABI[[:space:]]*\([0-9]*\)$/\1/p' include/ptctl.h))"
check "pt_rules of another size: refused, naming who made it" [ "$out" = "Error: the pins of wan0 (map pt_rules differs) were made by $me, this is $me: run 'ptctl unload --force wan0', then load it again" ]
out=$(vg add-rule z --trigger udp:9 --open udp:9 2>&1)
check "...a change too, nothing read or written (valgrind)" [ $? = 1 ]
put_back pt_rules
cp_pin_aside pt_config
bpftool map create "$(r_pins)/pt_config" type array key 4 value 24 entries 1 name pt_config
out=$(vg list 2>&1)
check "pt_config of ptctl 0.1: refused, an older ptctl" grep -q "made by an older ptctl, this is ptctl" <<<"$out"
put_back pt_config
check "the instance is whole again" healthy

# --- unload --force, and a hook taken by someone else -----------------------------
xdp_link=$(bpftool link show pinned "$(r_pins)/link_xdp" | cut -d: -f1)
bpftool link pin id "$xdp_link" /sys/fs/bpf/ptint-orphan
rm -rf "$(r_root)"
check "pins gone, a link held elsewhere: not loaded" not ptctl_r list
check "...but XDP still attached" xdp_on wan0
check "unload --force wan0" ptctl_ok unload --force wan0
check "...detaches it" not xdp_on wan0
rm -f /sys/fs/bpf/ptint-orphan

# Another program on the XDP hook: load refuses, and leaves it as it was.
xdp_id() { in_r ip -d link show "$1" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }
in_r ip link add other type veth peer name otherp && in_r ip link set other up
in_r ip link set dev other xdpgeneric obj build/bench_empty.bpf.o sec xdp
id=$(xdp_id other)
check "an XDP program not ptctl's on 'other'" [ -n "$id" ]
out=$(ptctl_r load other 2>&1)
check "load refuses its hook" [ "$out" = "Error: other already has an XDP program; ptctl needs the XDP hook" ]
check "...and leaves that program attached" [ "$(xdp_id other)" = "$id" ]
check "...and pins nothing" not test -e "$(r_root)"

# --- No bpffs mounted: the loads that find none mount one ----------------------
# In mount, PID and network namespaces of their own (the host's bpffs stays),
# bpffs unmounted, four loads at once: one mount, all four loaded. (A second
# mount would hide the pins of the loads before it.)
bpffs_missing() {
	local i loaded=0
	for i in 1 2 3 4; do
		ip link add "d$i" type veth peer name "p$i" && ip link set "d$i" up || return 1
	done
	while umount /sys/fs/bpf 2>/dev/null; do :; done
	for i in 1 2 3 4; do "$PTCTL" load "d$i" --mode generic >/dev/null 2>&1 & done
	for i in 1 2 3 4; do wait -n && loaded=$((loaded + 1)); done
	for i in 1 2 3 4; do "$PTCTL" status --dev "d$i" >/dev/null || loaded=0; done
	echo "$(awk '$5 == "/sys/fs/bpf" && $9 == "bpf"' /proc/self/mountinfo | wc -l) mount, $loaded loaded"
}
out=$(unshare --mount --pid --net --fork --mount-proc --propagation private \
	bash -c "$(declare -f bpffs_missing); PTCTL=$PTCTL bpffs_missing")
check "no bpffs: four loads at once mount one, and all load ($out)" [ "$out" = "1 mount, 4 loaded" ]
report integrity
