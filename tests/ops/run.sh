#!/usr/bin/env bash
# The operator's commands on the netns router, with real traffic: apply
# (idempotent, unchanged rules keep their holders), status, stats,
# enable/disable/release/flush, --allow, --policy newest, and monitor
# (activated, conflict, expired, released events; rate limit; one reader).
cd "$(dirname "$0")/../.." || exit 1
PT_NS=ptops$$
# shellcheck source=../lib/topology.sh
source tests/lib/topology.sh

# shellcheck source=../lib/report.sh
source tests/lib/report.sh
not() { ! "$@"; }
# Who answers W on the router's WAN address and port: h1, h2, or nothing.
who() { in_w timeout 3 socat -T2 - "TCP:$R_WAN:$1,connect-timeout=1" </dev/null 2>/dev/null; }
# A UDP trigger from a LAN host: one datagram to the WAN host's port.
trigger() { echo x | "in_$1" socat -u - "UDP:$W:$2" 2>/dev/null; sleep 0.2; }
json_field() { sed -n "s/.*\"$1\":\\(\"[^\"]*\"\\|[0-9a-z]*\\).*/\\1/p" | tr -d '"'; }
status_of() { ptctl_r -j status "$1" | json_field "$2"; }
conf() { printf '%s\n' "$@" >"$CONF"; }

topo_up || { fail "topology"; report ops; exit 1; }
CONF=$(mktemp /tmp/ptops.XXXXXX.conf)
trap 'rm -f "$CONF" "$CONF.json"; topo_down' EXIT
for h in 1 2; do
	for port in 5000 5001 5002 5003; do
		"in_h$h" timeout 120 socat TCP-LISTEN:$port,reuseaddr,fork SYSTEM:"echo h$h" &
	done
done
ptctl_r load wan0 >/dev/null 2>&1

# apply: added, idempotent, then a change that leaves an active rule alone.
conf "# the house rules" "rule a trigger udp:7000 open tcp:5000 timeout 30" \
	"rule b trigger udp:7001 open tcp:5001" "rule c trigger udp:7002 open tcp:5002"
out=$(ptctl_r -j apply "$CONF")
check "apply adds the file's rules" [ "$out" = '{"schema":1,"dev":"wan0","check":false,"added":["a","b","c"],"changed":[],"removed":[],"unchanged":[]}' ]
out=$(ptctl_r -j apply "$CONF")
check "apply again changes nothing" [ "$out" = '{"schema":1,"dev":"wan0","check":false,"added":[],"changed":[],"removed":[],"unchanged":["a","b","c"]}' ]
trigger h1 7000
trigger h1 7001
conf "rule a trigger udp:7000 open tcp:5000 timeout 30" "rule b trigger udp:7001 open tcp:5001 timeout 99" \
	"rule d trigger udp:7003 open tcp:5003"
out=$(ptctl_r -j apply "$CONF")
check "apply reports added, changed, removed, unchanged" [ "$out" = '{"schema":1,"dev":"wan0","check":false,"added":["d"],"changed":["b"],"removed":["c"],"unchanged":["a"]}' ]
check "an unchanged rule keeps its holder" [ "$(status_of a holder)" = "$H1" ]
check "...and forwards" [ "$(who 5000)" = h1 ]
check "a changed rule starts idle" [ "$(status_of b state)" = idle ]
check "a removed rule's port is closed" [ -z "$(who 5002)" ]
before=$(ptctl_r -j list)
conf "rule a trigger udp:7000 open tcp:5000" "rule x trigger udp:7009 open tcp:5000"
err=$(ptctl_r apply "$CONF" 2>&1)
check "apply reports a bad file by line" [ "$err" = "Error: $CONF:2: open ports tcp:5000 overlap tcp:5000 of rule 'a'" ]
check "...and changes nothing" [ "$before" = "$(ptctl_r -j list)" ]

# status and stats
out=$(ptctl_r status a)
check "status shows holder and time left" grep -q "^holder: *$H1 (for" <<<"$out"
check "status of an unknown rule fails" not ptctl_r status nope 2>/dev/null
check "stats counts forwarded packets" [ "$(ptctl_r -j stats | json_field xdp_forwarded)" -gt 0 ]
# stats --prometheus, read by prometheus_client's parser, says what list says.
ptctl_r -j list >"$CONF.json"
out=$(ptctl_r stats --prometheus | tests/tools/prom_check.py "$CONF.json" 2>&1)
check "stats --prometheus: the rules' counters and state as list has them${out:+ ($out)}" \
	[ "$out" -gt 0 ] 2>/dev/null
check "...the holder among them" grep -q "^ptctl_rule_holder_info{dev=\"wan0\",rule=\"a\",holder=\"$H1\",family=\"ipv4\"} 1$" \
	<<<"$(ptctl_r stats --prometheus)"
check "stats --prometheus -j: refused" not ptctl_r -j stats --prometheus >/dev/null 2>&1

# disable, enable, release
pkts=$(status_of a pkts_in)
ptctl_r disable-rule a 2>/dev/null
check "a disabled rule does not forward" [ -z "$(who 5000)" ]
trigger h1 7000
check "...nor trigger" [ "$(status_of a state)" = disabled ]
check "...and keeps its counters" [ "$(status_of a pkts_in)" = "$pkts" ]
ptctl_r enable-rule a 2>/dev/null
check "an enabled rule starts idle" [ "$(status_of a state)" = idle ]
trigger h1 7000
check "...and triggers again" [ "$(who 5000)" = h1 ]
ptctl_r release a 2>/dev/null
check "release closes the ports at once" [ -z "$(who 5000)" ]
check "...and the rule is idle" [ "$(status_of a state)" = idle ]

# --allow and --policy newest
ptctl_r add-rule only-h2 --trigger udp:7010 --open tcp:5002 --allow $H2/32 2>/dev/null
trigger h1 7010
check "--allow ignores other hosts" [ "$(status_of only-h2 state)" = idle ]
trigger h2 7010
check "--allow admits its hosts" [ "$(who 5002)" = h2 ]
ptctl_r del-rule d 2>/dev/null
ptctl_r add-rule newest --trigger udp:7011 --open tcp:5003 --policy newest 2>/dev/null
trigger h1 7011
trigger h2 7011
check "--policy newest: the newest host takes over" [ "$(who 5003)" = h2 ]

# flush
ptctl_r flush 2>/dev/null
check "flush removes every rule" [ "$(ptctl_r -j list | grep -c '"name"')" = 0 ]

# monitor: a scripted trigger, conflicts, expiry, take-over and release,
# refusals; two monitors at once and one to syslog, each seeing every event.
has_event() { grep -q "\"event\":\"$1\",\"rule\":\"m\",\"holder\":\"$2\"$3" "$EVENTS"; }
conflicts_limited() { [ "$(status_of m conflicts)" -ge 20 ] && [ "$(grep -c '"conflict"' "$EVENTS")" -le 2 ]; }
expiry_on_time() { # reported 2 s after the last activity, not when someone looked
	local t_act t_exp
	t_act=$(grep -m1 activated "$EVENTS" | json_field ts_ns)
	t_exp=$(grep -m1 expired "$EVENTS" | json_field ts_ns)
	[ $((t_exp - t_act)) -ge 2000000000 ] && [ $((t_exp - t_act)) -lt 3000000000 ]
}
# The events of a JSON stream without their times: what two monitors must share.
events_of() { sed 's/"time":"[^"]*","ts_ns":[0-9]*,//' "$1"; }
ptctl_r add-rule m --trigger udp:7020 --open tcp:5000 --timeout 2 2>/dev/null
ptctl_r add-rule r --trigger udp:7021 --open tcp:5001 --allow "$H2" 2>/dev/null
EVENTS=$(mktemp) EVENTS2=$(mktemp) LOG=$(mktemp -d)
in_r_net timeout 20 "$PTCTL" -j monitor >"$EVENTS" 2>/dev/null &
mon=$!
in_r_net timeout 20 "$PTCTL" -j monitor >"$EVENTS2" 2>/dev/null &
mon2=$!
# syslog(3) writes to /dev/log: in a mount namespace of its own, /dev/log is a socket here.
in_r_net unshare -m sh -c 'mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 &&
	{ socat -u UNIX-RECV:/dev/log "OPEN:$0/messages,creat,append" & } &&
	sleep 0.3 && exec timeout 20 "$1" monitor --syslog' "$LOG" "$PTCTL" 2>/dev/null &
mon3=$!
sleep 0.5
in_r_net timeout 20 "$PTCTL" monitor >/dev/null 2>&1 &
mon4=$!
sleep 0.5
err=$(ptctl_r monitor --count 1 2>&1)
check "a fifth monitor is refused" [ "$err" = "Error: 4 ptctl monitors read the events of wan0 already" ]
kill $mon4 2>/dev/null
trigger h1 7020
# A burst of 20 triggers from H2 while H1 holds the rule: 20 conflicts.
in_h2 sh -c 'for i in $(seq 20); do echo x | socat -u - "UDP:$0:7020"; done' "$W" 2>/dev/null
# Refused: H1 by r's --allow (five times: one event), the router's own packet (not LAN-initiated).
in_h1 sh -c 'for i in $(seq 5); do echo x | socat -u - "UDP:$0:7021"; done' "$W" 2>/dev/null
echo x | in_r socat -u - "UDP:$W:7021" 2>/dev/null
sleep 2.5
trigger h2 7020
ptctl_r release m 2>/dev/null
sleep 0.3
kill $mon $mon2 $mon3 2>/dev/null
wait $mon $mon2 $mon3 2>/dev/null
seq_events=$(grep '"rule":"m"' "$EVENTS" | json_field event | uniq | tr '\n' ' ')
check "monitor: activated, conflict, expired, activated, released" \
	[ "$seq_events" = "activated conflict expired activated released " ]
check "monitor: the conflict names holder and challenger" has_event conflict "$H1" ",\"challenger\":\"$H2\""
check "monitor: the expiry names the old holder" has_event expired "$H1"
check "monitor: the release names the new holder" has_event released "$H2"
check "monitor: an activation names the trigger's peer, protocol and port" \
	has_event activated "$H1" ",\"peer\":\"$W\",\"proto\":\"udp\",\"port\":7020"
check "monitor: conflict events are rate-limited, not the counter" conflicts_limited
check "monitor: expiry reported when it happens" expiry_on_time
check "monitor: a host --allow leaves out, refused once a second" \
	[ "$(grep -c "\"event\":\"refused\",\"rule\":\"r\",\"host\":\"$H1\",\"reason\":\"not allowed\"" "$EVENTS")" = 1 ]
check "monitor: the router's own trigger, refused: not LAN-initiated" \
	grep -q "\"event\":\"refused\",\"rule\":\"r\",\"host\":\"$R_WAN\",\"reason\":\"not LAN-initiated\"" "$EVENTS"
check "two monitors at once: each saw every event" [ "$(events_of "$EVENTS")" = "$(events_of "$EVENTS2")" ]
# Datagrams, one after the other in the file: each starts with its <priority>.
check "monitor --syslog: the events in syslog, conflicts as notice" \
	grep -q "<29>[^<]* ptctl\[[0-9]*\]: wan0 conflict  rule m holder $H1 challenger $H2 (udp to $W:7020)" \
	"$LOG/messages"
check "...one message an event" \
	[ "$(grep -o 'ptctl\[[0-9]*\]: ' "$LOG/messages" | wc -l)" = "$(grep -c . "$EVENTS")" ]
[ $failed -eq 0 ] || cat "$EVENTS" "$LOG/messages"
rm -rf "$EVENTS" "$EVENTS2" "$LOG"

report ops
