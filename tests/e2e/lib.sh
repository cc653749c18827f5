# shellcheck shell=bash
# shellcheck disable=SC2034 # REASON, DETAIL, SCENARIOS: read by run.sh
# Helpers of the end-to-end scenarios: servers, traffic with byte-exact
# checks, bounded waits, and reading ptctl's state. Sourced by run.sh after
# tests/lib/topology.sh; uses $TMP (a private directory) and the topology's
# in_* / ptctl_r helpers. WHO is one of h1 h2 r w.
#
# Checks return 0 or 1 and leave a short explanation in DETAIL; scenarios
# turn a failed check into REASON with need/expect_fail.

SERVER_LIFE=${SERVER_LIFE:-300} # seconds any background server may live (> a run)
TCP_SIZE=16384                 # several segments: GSO/GRO see real work
UDP_SIZE=3000                  # three datagrams of -b 1000: no IP fragments
UDP_TOOL=tests/tools/udp.py    # its #! is Debian's python3

in_who() { local who=$1; shift; "in_$who" "$@"; }

# need DESC CMD...: CMD must succeed.
need() {
	local what=$1
	shift
	DETAIL=
	"$@" && return 0
	REASON="$what${DETAIL:+ ($DETAIL)}"
	return 1
}

# expect_fail DESC CMD...: CMD must fail (a connection must not get through).
expect_fail() {
	local what=$1
	shift
	DETAIL=
	"$@" || return 0
	REASON="$what succeeded"
	return 1
}

# around SETUP UNDO FN: FN run after the command SETUP (a string, split on
# spaces); UNDO runs afterwards whatever happened.
around() {
	local rc=1
	# shellcheck disable=SC2086
	need "$1" $1 && { "$3"; rc=$?; }
	# shellcheck disable=SC2086
	$2
	return $rc
}

# ptctl_ok ARGS...: ptctl in R succeeds; its error, if any, goes to DETAIL.
ptctl_ok() {
	ptctl_r "$@" >"$TMP/ptctl.out" 2>&1 && return 0
	DETAIL=$(grep -m1 -i error "$TMP/ptctl.out" || tail -n1 "$TMP/ptctl.out")
	return 1
}

# bg_start NAME WHO CMD...: CMD in the background in WHO, its pid in $TMP/NAME.pid
# (so it can be stopped by id), stderr in $TMP/NAME.err.
bg_start() {
	local name=$1 who=$2
	shift 2
	rm -f "$TMP/$name.pid"
	in_who "$who" sh -c 'echo $$ >"$0"; exec "$@"' "$TMP/$name.pid" "$@" \
		>/dev/null 2>"$TMP/$name.err" &
	wait_for 3 test -s "$TMP/$name.pid"
}

not_running() { ! kill -0 "$1" 2>/dev/null; }

# bg_stop NAME: stop it and wait (bounded) until it is gone.
bg_stop() {
	local pid
	pid=$(cat "$TMP/$1.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	wait_for 3 not_running "$pid"
}

listening() { in_who "$1" ss -Hln"${2:0:1}" "src ${BIND:-*}:$3" | grep -q .; }

# serve WHO PROTO PORT TAG [LIFE]: a server answering "TAG\n", then echoing
# what it gets, so a reply tells which host answered and proves the data
# made the trip both ways intact. Returns once it listens. PROTO tcp or udp
# listens on IPv4, tcp6 or udp6 on IPv6 only (beside an IPv4 one); on the
# address $BIND alone if set (a UDP server answers from the address it was
# reached at only so). TCP: a socat child per connection; UDP: one process
# that tags each peer's first datagram (socat's UDP-LISTEN,fork could start
# two children for one peer when the first was slow to connect to it).
serve() {
	local who=$1 proto=$2 port=$3 tag=$4 life=${5:-$SERVER_LIFE} listen addr=0.0.0.0
	[[ $proto == *6 ]] && addr=::
	addr=${BIND:-$addr} addr=${addr#[} addr=${addr%]}
	if [[ $proto == udp* ]]; then
		in_who "$who" "$UDP_TOOL" serve "$port" "$life" "$tag" "$addr" >/dev/null 2>&1 &
	else
		listen=${proto^^}-LISTEN:$port,reuseaddr,fork${BIND:+,bind=$BIND}
		[[ $proto == *6 ]] && listen+=,ipv6only=1
		in_who "$who" timeout "$life" socat -b1000 -T5 "$listen" \
			SYSTEM:"echo $tag; exec cat" >/dev/null 2>&1 &
	fi
	wait_for 3 listening "$who" "$proto" "$port" || { DETAIL="no $proto server on $who:$port"; return 1; }
}

# same_reply: $TMP/reply is $TMP/expect (sha256 of both).
same_reply() {
	local want got
	want=$(sha256sum <"$TMP/expect" | cut -d' ' -f1)
	got=$(sha256sum <"$TMP/reply" | cut -d' ' -f1)
	[ "$want" = "$got" ] && return 0
	DETAIL="reply $(wc -c <"$TMP/reply") of $(wc -c <"$TMP/expect") bytes expected"
	[ -s "$TMP/reply" ] && DETAIL+=", from '$(head -n1 "$TMP/reply" | head -c 20 | tr -cd '[:print:]')'"
	[ -s "$TMP/client.err" ] && DETAIL+=": $(tail -n1 "$TMP/client.err" | cut -c 1-120)"
	return 1
}

# payload SIZE TAG: a fresh random payload and the reply expected for it.
payload() {
	head -c "$1" /dev/urandom >"$TMP/payload"
	{ echo "$2"; cat "$TMP/payload"; } >"$TMP/expect"
}

# The socat options binding a client to source port $SPORT, when set.
src_port_opts() { [ -z "${SPORT:-}" ] || echo ",sourceport=$SPORT,reuseaddr"; }

# tcp_exchange WHO ADDR PORT TAG [SIZE]: WHO connects to ADDR:PORT (from
# source port $SPORT if set), sends a random payload; the reply must be TAG's
# server echoing it byte for byte.
tcp_exchange() {
	payload "${5:-$TCP_SIZE}" "$4"
	in_who "$1" timeout 10 socat -t3 - "TCP:$2:$3,connect-timeout=1$(src_port_opts)" \
		<"$TMP/payload" >"$TMP/reply" 2>"$TMP/client.err"
	same_reply
}

# next_udp_port: a source port no UDP client of this run has used (42000
# up, below the ephemeral ports). The UDP server (serve) tags only a peer's
# first datagram in 5 s: a client the kernel gave a port an exchange used
# just before would get no tag line (and meet a former holder's conntrack
# entry).
next_udp_port() {
	local n
	n=$(cat "$TMP/udp_port" 2>/dev/null || echo 42000)
	echo $((n + 1)) >"$TMP/udp_port"
	echo "$n"
}

# udp_exchange WHO ADDR PORT TAG [SIZE]: the same over UDP, from a port of
# its own (next_udp_port) unless $SPORT is set, in 1000-byte datagrams,
# waiting 1 s after the last one for the echo. The first one goes alone:
# the others find its flow answered (the fast path takes them).
udp_exchange() {
	local SPORT=${SPORT:-$(next_udp_port)}
	payload "${5:-$UDP_SIZE}" "$4"
	{ head -c 1000 "$TMP/payload"; sleep 0.2; tail -c +1001 "$TMP/payload"; } |
		in_who "$1" timeout 10 socat -b1000 -t1 - "UDP:$2:$3$(src_port_opts)" \
			>"$TMP/reply" 2>"$TMP/client.err"
	same_reply
}

# udp_send WHO PORT...: one datagram from WHO to W (at $TO, else $W) on each port (a trigger).
udp_send() {
	local who=$1
	shift
	in_who "$who" bash -c 'for p in "${@:2}"; do echo trigger >"/dev/udp/$1/$p"; done' _ "${TO:-$W}" "$@"
}

# trigger WHO PROTO PORT [ADDR]: WHO talks to W's server on a trigger port,
# at W's address ADDR (IPv6: W6), else W.
trigger() {
	local to=${4:-$W}
	if [ "$2" = tcp ]; then
		tcp_exchange "$1" "$(is_ip6 "$to" && echo "[$to]" || echo "$to")" "$3" w 64
	else
		TO=$to udp_send "$1" "$3"
	fi
}

count_lines() { [ "$(wc -l <"$1")" -ge "$2" ]; }

# paced_lines N [RAN]: "line 1" .. "line N", one every 0.5 s. With RAN:
# past half of them, on while file RAN is missing (120 more at most), then
# the other half; how many in all goes to RAN.n.
paced_lines() {
	local i=0 more=0
	while ((i < $1 + more)); do
		echo "line $((++i))"
		sleep 0.5
		if [ -n "${2:-}" ] && ((i > $1 / 2 && more < 120)) && [ ! -e "$2" ]; then
			more=$((more + 1))
		fi
	done
	[ -z "${2:-}" ] || echo "$i" >"$2.n"
}

# same_lines FILE N: FILE holds exactly "line 1" .. "line N".
same_lines() {
	seq -f "line %g" "$2" >"$TMP/expect"
	cp "$1" "$TMP/reply"
	same_reply
}

# tcp_session WHO ADDR PORT TAG LINES [CMD...]: one TCP connection carrying a
# line every 0.5 s, echoed back; CMD runs once half of them came back, and
# the lines go on while it runs, however long (a `ptctl load` on a loaded
# machine): the session spans it, its traffic keeps the rule open. All
# lines must return: the connection lived to the end.
tcp_session() {
	local who=$1 addr=$2 port=$3 tag=$4 n=$5 pid hook_err="" ran=$TMP/session.ran
	shift 5
	rm -f "$ran" "$ran.n"
	paced_lines "$n" ${1:+"$ran"} |
		in_who "$who" timeout $((n + 70)) socat -t3 - "TCP:$addr:$port,connect-timeout=1" \
			>"$TMP/reply" 2>"$TMP/client.err" &
	pid=$!
	if [ $# -gt 0 ]; then
		if ! wait_for $((n + 5)) count_lines "$TMP/reply" $((n / 2 + 1)); then
			hook_err="half the lines did not come back"
		elif ! "$@"; then
			hook_err="'$*' failed${DETAIL:+: $DETAIL}"
		fi
		: >"$ran"
	fi
	wait "$pid"
	{ echo "$tag"; seq -f "line %g" "$(cat "$ran.n" 2>/dev/null || echo "$n")"; } >"$TMP/expect"
	same_reply || return 1
	[ -z "$hook_err" ] || { DETAIL=$hook_err; return 1; }
}

# udp_inbound WHO PORT N: N lines over UDP from W to R_WAN:PORT, one every
# 0.5 s, nothing back: all must reach a sink on WHO.
udp_inbound() {
	local who=$1 port=$2 n=$3
	rm -f "$TMP/sink"
	bg_start sink "$who" timeout $((n + 10)) socat -u "UDP-RECV:$port" "CREATE:$TMP/sink" &&
		wait_for 3 listening "$who" udp "$port" || { DETAIL="no sink on $who:$port"; return 1; }
	paced_lines "$n" | in_w timeout $((n + 5)) socat -u - "UDP-SENDTO:$R_WAN:$port"
	wait_for 2 count_lines "$TMP/sink" "$n"
	bg_stop sink
	same_lines "$TMP/sink" "$n"
}

# udp_outbound WHO PORT N: W sends one datagram to R_WAN:PORT; WHO answers
# with N lines, one every 0.5 s, and hears nothing more: all must reach W.
udp_outbound() {
	local who=$1 port=$2 n=$3
	bg_start talker "$who" timeout $((n + 10)) socat -b1000 "UDP-LISTEN:$port" \
		SYSTEM:"for i in \$(seq $n); do echo line \$i; sleep 0.5; done" &&
		wait_for 3 listening "$who" udp "$port" || { DETAIL="no talker on $who:$port"; return 1; }
	{ echo open; sleep $((n / 2 + 1)); } |
		in_w timeout $((n + 5)) socat -b1000 - "UDP:$R_WAN:$port" >"$TMP/heard" 2>"$TMP/client.err"
	bg_stop talker
	same_lines "$TMP/heard" "$n"
}

# nmap_says PORT open|not-open: what a TCP connect scan from W reports.
nmap_says() {
	local out
	out=$(in_w timeout 20 nmap -n -Pn -sT -p "$1" --max-retries 1 --max-rtt-timeout 300ms \
		--host-timeout 10s "$R_WAN" 2>&1)
	if [[ $out != *"Nmap done"* ]]; then
		DETAIL="nmap failed: $(tail -n1 <<<"$out")"
		return 1
	fi
	if grep -q "^$1/tcp *open " <<<"$out"; then
		[ "$2" = open ] || DETAIL="nmap reports $1/tcp open"
	else
		[ "$2" = not-open ] || DETAIL="nmap reports $(grep "^$1/tcp" <<<"$out" || echo nothing)"
	fi
	[ -z "$DETAIL" ]
}

# The sources of the packets W captured (pcap in $TMP/w.pcap), counted.
pcap_sources() {
	tcpdump -nr "$TMP/w.pcap" "ip dst host $W" 2>/dev/null |
		awk '{print $3}' | sed 's/\.[0-9]*$//' | sort | uniq -c
}

# The sources W saw (pcap in $TMP/w.pcap) are all in "$@".
pcap_sources_only() {
	local srcs src
	srcs=$(pcap_sources | awk '{print $2}')
	[ -n "$srcs" ] || { DETAIL="empty capture on W"; return 1; }
	for src in $srcs; do
		[[ " $* " == *" $src "* ]] || { DETAIL="W got packets from $src: $(tr -s ' \n' ' ' <<<"$(pcap_sources)")"; return 1; }
	done
}

# The sources W may see from LAN hosts' own connections besides the WAN
# address $1: none behind NAT, their own addresses on a routed LAN.
own_sources() {
	echo "$1"
	[ "$TOPO_NAME" = nat ] || echo "$H1 $H2"
}

# capture WHO FILTER [SNAPLEN]: tcpdump on WHO's eth0 into $TMP/WHO.pcap,
# headers only (128 bytes) unless SNAPLEN says more: its ring (-B KiB) then
# holds thousands of packets, so that a burst is counted whole even while
# tcpdump waits for a CPU.
capture() {
	bg_start "cap_$1" "$1" timeout 60 tcpdump -i eth0 -nn -U --immediate-mode -Z root \
		-s "${3:-128}" -B 4096 -w "$TMP/$1.pcap" "$2" || { DETAIL="no tcpdump on $1"; return 1; }
	wait_for 5 grep -q "listening on" "$TMP/cap_$1.err" ||
		{ DETAIL="tcpdump on $1 did not start"; return 1; }
}

# capture_end WHO...: stop their captures, once what was in flight arrived.
capture_end() {
	local who
	sleep 0.3
	for who in "$@"; do bg_stop "cap_$who"; done
}

# pcap_count WHO FILTER: the packets of WHO's capture that match FILTER.
pcap_count() { tcpdump -nr "$TMP/$1.pcap" "$2" 2>/dev/null | wc -l; }

# capture_on_w: tcpdump on W into $TMP/w.pcap (bg_stop tcpdump ends it).
capture_on_w() {
	need "tcpdump on W" bg_start tcpdump w timeout 60 tcpdump -i eth0 -nn -U -Z root \
		-w "$TMP/w.pcap" ip || return 1
	wait_for 5 grep -q "listening on" "$TMP/tcpdump.err"
}

# Reading `ptctl -j list` without jq: rule objects hold no nested objects,
# so each one is the text between "},{".
list_json() { ptctl_r -j list --dev wan0; }

# rule_field JSON NAME FIELD: a scalar field of one rule, unquoted.
rule_field() {
	sed 's/},{/}\n{/g' <<<"$1" | grep "\"name\":\"$2\"," |
		grep -o "\"$3\":[^,}]*" | head -n1 | cut -d: -f2- | tr -d '"'
}

# rule_is NAME STATE HOLDER: ptctl shows the rule in that state and holder
# ("null" when idle).
rule_is() {
	local json state holder
	json=$(list_json) || { DETAIL="ptctl -j list failed"; return 1; }
	state=$(rule_field "$json" "$1" state)
	holder=$(rule_field "$json" "$1" holder)
	[ "$state" = "$2" ] && [ "$holder" = "$3" ] && return 0
	DETAIL="$1 is ${state:-missing}, holder ${holder:-missing}"
	return 1
}

# dp_stat FIELD: a datapath counter of `ptctl -j stats` (0 if there is none).
dp_stat() { ptctl_r -j stats --dev wan0 | grep -o "\"$1\":[0-9]*" | cut -d: -f2 | grep . || echo 0; }

# counter_above NAME FIELD MIN: a numeric field of the rule exceeds MIN.
counter_above() {
	local v
	v=$(rule_field "$(list_json)" "$1" "$2")
	[ "${v:-0}" -gt "$3" ] && return 0
	DETAIL="$1 $2 is ${v:-missing}"
	return 1
}

# csum_errors WHO: TCP + UDP packets WHO dropped for a bad checksum.
csum_errors() {
	in_who "$1" nstat -asz TcpInCsumErrors UdpInCsumErrors | awk '{n += $2} END {print n + 0}'
}

# map_dump_field MAP KEY FIELD [VALUE]: in bpftool's dump of wan0's pinned
# MAP, FIELD of the entry KEY; with KEY "", the key of the entry whose FIELD
# is the string VALUE. An IPv4 address (four numbers, or the first four of a
# 16-byte address whose other twelve are zero) comes out dotted.
map_dump_field() {
	bpftool map dump pinned "$(r_pins)/$1" |
		awk -v key="$2" -v field="\"$3\":" -v value="$4" '
			$1 == "\"key\":" { k = $2; sub(",", "", k) }
			$1 == field { v = $2; sub(",$", "", v)
				if (v ~ /^\[[0-9]+,[0-9]+,[0-9]+,[0-9]+(,0,0,0,0,0,0,0,0,0,0,0,0)?$/) {
					sub(/^\[/, "", v); sub(/,0,0,0,0,0,0,0,0,0,0,0,0$/, "", v); gsub(",", ".", v) }
				if (key != "" && k == key) { print v; exit }
				if (key == "" && v == "\"" value "\"") { print k; exit } }'
}

# map_compact MAP: bpftool's dump of wan0's pinned MAP on one line, blanks removed.
map_compact() { bpftool map dump pinned "$(r_pins)/$1" | tr -d ' \n'; }
# ip_re A.B.C.D: the address as bpftool prints a map's address of either
# family ([A,B,C,D,0,...]: the first 4 of 16 bytes), as a regular expression.
ip_re() { echo "\\[${1//./,}(,0){12}\\]"; }

# map_holder NAME: the holder in NAME's pt_rules entry, as bpftool dumps it
# (the first "addr" of the entry: its IPv4 holder's, before the allow prefixes).
map_holder() {
	local id
	id=$(map_dump_field pt_rules "" name "$1")
	[ -n "$id" ] || { DETAIL="$1 not in pt_rules"; return 1; }
	map_dump_field pt_rules "$id" addr
}
