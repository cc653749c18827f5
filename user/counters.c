// SPDX-License-Identifier: GPL-2.0
#include "counters.h"
#include "ptctl.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A table, one entry a line: */
/* clang-format off */
#define RULE_COUNTER(f, t) { #f, t, offsetof(struct pt_rule_stats, f) }
const struct pt_counter pt_rule_counters[] = {
	RULE_COUNTER(pkts_in, "packets in"),
	RULE_COUNTER(bytes_in, "bytes in"),
	RULE_COUNTER(pkts_out, "packets out"),
	RULE_COUNTER(bytes_out, "bytes out"),
	RULE_COUNTER(triggers, "triggers"),
	RULE_COUNTER(activations, "activations"),
	RULE_COUNTER(conflicts, "conflicts"),
};

#define STAT(f, t) { #f, t, offsetof(struct pt_stats, f) }
const struct pt_counter pt_stat_counters[] = {
	STAT(xdp_seen, "inbound packets seen"),
	STAT(xdp_forwarded, "inbound packets of triggered flows"),
	STAT(xdp_new_flows, "inbound flows opened (conntrack entries)"),
	STAT(xdp_passed, "inbound passed (not for an open port)"),
	STAT(xdp_tracked, "inbound of the router's own connections"),
	STAT(xdp_closed, "inbound to an idle rule or a former holder"),
	STAT(xdp_bad_holder, "inbound refused: holder not a LAN host"),
	STAT(xdp_bad_peer, "inbound refused: source not on the WAN side"),
	STAT(xdp_ct_full, "inbound refused: conntrack took no entry (full, clash)"),
	STAT(xdp_not_contacted, "inbound refused: a peer the holder did not contact"),
	STAT(xdp_parse_fail, "inbound malformed, to an open port or unreadable"),
	STAT(xdp_fast, "inbound forwarded on the fast path"),
	STAT(lan_seen, "LAN packets seen (fast path)"),
	STAT(lan_fast, "outbound forwarded on the fast path"),
	STAT(tc_seen, "outbound packets seen"),
	STAT(tc_trigger, "outbound trigger packets of LAN hosts"),
	STAT(tc_refused, "trigger-port packets refused: not LAN-initiated"),
	STAT(tc_replies, "outbound packets of triggered flows"),
	STAT(tc_stale, "outbound dropped: former WAN address"),
	STAT(tc_parse_fail, "outbound malformed, of an open or trigger port or unreadable"),
	STAT(ev_limited, "events not sent: over the rate limit"),
	STAT(ev_lost, "events not sent: ring buffer full"),
};
/* clang-format on */

const size_t pt_n_rule_counters = N_OF(pt_rule_counters);
const size_t pt_n_stat_counters = N_OF(pt_stat_counters);
