// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 pinholes, through both programs. pt_tc_out makes the LAN host that
 * initiated a flow to a trigger port the rule's IPv6 holder, and nobody
 * else; the rule's IPv4 holder is another matter. pt_xdp_in gives a new
 * inbound flow to the IPv6 holder's own address, on an open port, a
 * conntrack entry with ptctl's mark and no NAT; it never changes an IPv6
 * frame. Extension headers are walked; what the programs cannot parse
 * passes untouched.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "suite.h"
#include "fixture.h"
#include "pkt.h"
#include "store.h"

#define HOST_A	  "2001:db8:77::10"
#define HOST_B	  "2001:db8:77::20"
#define HOST_A4	  "192.168.1.10"
#define PEER	  "2001:db8:200::9"
#define TIMEOUT	  60
#define TRIGGER	  6667
#define HOST_PORT 33333
#define PEER_PORT 40000

#define ETH_LEN	  14
#define TC_ACT_OK 0
#define TCP	  IPPROTO_TCP
#define UDP	  IPPROTO_UDP
#define MARK_ANY  PT_MARK_DEFAULT

struct env {
	struct fix f;
	const void *param; /* the table case being run */
	int game;	   /* trigger both:6667, open both:5000, udp:5010-5020 */
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	e->param = *state;
	*state = e;
	if (fix_open(&e->f))
		return -1;
	e->game = fix_add_rule(&e->f, "game", "both:6667", "both:5000,udp:5010-5020", TIMEOUT);
	return e->game < 0 ? -1 : 0;
}

/* Same, with the game rule's IPv6 holder HOST_A. */
static int setup_held(void **state)
{
	struct env *e;

	if (setup(state))
		return -1;
	e = *state;
	return fix_activate6(&e->f, e->game, HOST_A);
}

static int teardown(void **state)
{
	struct env *e = *state;

	fix_close(&e->f);
	free(e);
	return 0;
}

/* The rule's holder of family: its address, none when it has none. */
static union pt_addr holder(struct env *e, enum pt_family family)
{
	struct pt_holder h;

	return fix_holder(&e->f, e->game, family, &h) ? pt_addr4(0) : pt_addr(h.addr);
}

static void assert_addr(union pt_addr got, const char *want)
{
	char g[INET6_ADDRSTRLEN] = "none";

	if (!pt_addr_none(got))
		inet_ntop(strchr(want, ':') ? AF_INET6 : AF_INET, got.bytes, g, sizeof(g));
	assert_string_equal(g, want);
}

/* Runs frame[len] through pt_tc_out or pt_xdp_in: it must leave as it came. */
static void run_frame(struct env *e, bool tc, const __u8 *frame, size_t len)
{
	struct run_result r;

	if (tc)
		assert_int_equal(fix_run_tc(&e->f, frame, len, &r), 0);
	else
		assert_int_equal(fix_run_xdp(&e->f, frame, len, &r), 0);
	assert_int_equal(r.retval, tc ? TC_ACT_OK : XDP_PASS);
	assert_int_equal(r.out_len, len);
	assert_memory_equal(r.out, frame, len);
}

static void run(struct env *e, bool tc, const struct pkt_spec *s)
{
	__u8 frame[PKT_MAX];

	run_frame(e, tc, frame, pkt_build(frame, s));
}

/* host's packet to PEER:TRIGGER, of a flow ct says who began (NULL: none). */
static void trigger_from(struct env *e, int proto, const char *host, const struct fix_ct *ct)
{
	struct pkt_spec s = { .proto = proto,
			      .saddr = host,
			      .daddr = PEER,
			      .sport = HOST_PORT,
			      .dport = TRIGGER,
			      .payload_len = 20 };

	if (ct)
		assert_int_equal(fix_ct_add(ct), 0);
	run(e, true, &s);
}

/* host's trigger, of a flow it began. */
static void trigger(struct env *e, const char *host)
{
	struct fix_ct ct = {
		.proto = UDP, .src = host, .dst = PEER, .sport = HOST_PORT, .dport = TRIGGER
	};

	trigger_from(e, UDP, host, &ct);
}

/* --- Who may trigger ----------------------------------------------------- */

struct initiator_case {
	const char *name;
	const char *saddr;  /* the packet's source */
	struct fix_ct ct;   /* the flow conntrack has (proto 0: none) */
	const char *holder; /* who holds the rule after: NULL, nobody */
};

/* A table, one case a line: */
/* clang-format off */
static const struct initiator_case initiator_cases[] = {
	{ "lan_host_initiated", HOST_A,
	  { .proto = UDP, .src = HOST_A, .dst = PEER, .sport = HOST_PORT, .dport = TRIGGER }, HOST_A },
	{ "reply_of_wan_initiated_flow", HOST_A,
	  { .proto = UDP, .src = PEER, .dst = HOST_A, .sport = TRIGGER, .dport = HOST_PORT }, NULL },
	{ "router_own_flow", FIX_WAN6,
	  { .proto = UDP, .src = FIX_WAN6, .dst = PEER, .sport = HOST_PORT, .dport = TRIGGER }, NULL },
	{ "router_lan_address", FIX_LAN6,
	  { .proto = UDP, .src = FIX_LAN6, .dst = PEER, .sport = HOST_PORT, .dport = TRIGGER }, NULL },
	{ "wan_host_relayed", "2001:db8:100::77",
	  { .proto = UDP, .src = "2001:db8:100::77", .dst = PEER, .sport = HOST_PORT, .dport = TRIGGER }, NULL },
	{ "no_flow", HOST_A, { 0 }, NULL },
};
/* clang-format on */

static void test_initiator(void **state)
{
	struct env *e = *state;
	const struct initiator_case *c = e->param;
	struct pt_stats st;

	trigger_from(e, UDP, c->saddr, c->ct.proto ? &c->ct : NULL);
	st = suite_stats(&e->f);
	assert_addr(holder(e, PT_IPV6), c->holder ? c->holder : "none");
	assert_addr(holder(e, PT_IPV4), "none");
	assert_int_equal(st.tc_trigger, !!c->holder);
	assert_int_equal(st.tc_refused, !c->holder);
	assert_int_equal(suite_rule_stats(&e->f, e->game).activations, !!c->holder);
}

static int ev_copy(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct pt_event))
		memcpy(ctx, data, sizeof(struct pt_event));
	return 0;
}

/* The activation is reported with the family and the holder's IPv6 address. */
static void test_activation_event(void **state)
{
	struct env *e = *state;
	struct pt_event ev = {};
	struct ring_buffer *rb;

	trigger(e, HOST_A);
	rb = ring_buffer__new(e->f.events, ev_copy, &ev, NULL);
	assert_non_null(rb);
	assert_int_equal(ring_buffer__consume(rb), 1);
	ring_buffer__free(rb);
	assert_int_equal(ev.type, PT_EV_ACTIVATED);
	assert_int_equal(ev.family, PT_IPV6);
	assert_addr(pt_addr(ev.holder), HOST_A);
	assert_addr(pt_addr(ev.peer), PEER);
	assert_int_equal(ev.port, TRIGGER);
}

/* One holder a family: IPv4 and IPv6 holders come and go independently. */
static void test_families_independent(void **state)
{
	struct env *e = *state;

	assert_int_equal(fix_activate(&e->f, e->game, pkt_addr(HOST_A4)), 0);
	trigger(e, HOST_B);
	assert_addr(holder(e, PT_IPV6), HOST_B);
	assert_addr(holder(e, PT_IPV4), HOST_A4);
	/* Held over IPv6 now: another IPv6 host conflicts, the IPv4 holder stays. */
	trigger(e, HOST_A);
	assert_addr(holder(e, PT_IPV6), HOST_B);
	assert_addr(holder(e, PT_IPV4), HOST_A4);
	assert_int_equal(suite_rule_stats(&e->f, e->game).conflicts, 1);
	assert_int_equal(suite_rule_stats(&e->f, e->game).activations, 1);
}

/* Once the IPv6 holder is idle for the timeout, the next IPv6 host takes it. */
static void test_takeover_after_expiry(void **state)
{
	struct env *e = *state;

	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	trigger(e, HOST_B);
	assert_addr(holder(e, PT_IPV6), HOST_B);
}

/* --allow: a prefix admits hosts of its own family only. */
static void test_allow_prefixes(void **state)
{
	struct env *e = *state;
	struct pt_rule r;

	assert_int_equal(fix_rule_get(&e->f, e->game, &r), 0);
	r.n_allow = 2;
	r.allow[0] = (struct pt_prefix){ .family = PT_IPV4, .len = 0 }; /* every IPv4 host */
	r.allow[1] = (struct pt_prefix){ .family = PT_IPV6, .len = 128 };
	pkt_addr6(HOST_B, r.allow[1].addr);
	memset(r.allow[1].mask, 0xff, 16);
	assert_int_equal(fix_rule_put(&e->f, e->game, &r), 0);
	trigger(e, HOST_A);
	assert_addr(holder(e, PT_IPV6), "none");
	trigger(e, HOST_B);
	assert_addr(holder(e, PT_IPV6), HOST_B);
}

/* --- Pinholes ------------------------------------------------------------ */

static struct pkt_spec inbound(int proto, const char *dst, __u16 dport)
{
	return (struct pkt_spec){ .proto = proto,
				  .saddr = PEER,
				  .daddr = dst,
				  .sport = PEER_PORT,
				  .dport = dport,
				  .payload_len = 32 };
}

/* The flow of s has an entry: ptctl's mark, no NAT (reply from its own destination). */
static void assert_pinhole(const struct pkt_spec *s)
{
	struct fix_ct_entry ct;

	assert_int_equal(fix_ct_get(s->proto, s->saddr, s->sport, s->daddr, s->dport, &ct), 0);
	assert_addr(ct.reply_src, s->daddr);
	assert_false(ct.dnat);
	assert_int_equal(ct.mark, MARK_ANY);
}

static void assert_no_flow(const struct pkt_spec *s)
{
	struct fix_ct_entry ct;

	assert_int_not_equal(fix_ct_get(s->proto, s->saddr, s->sport, s->daddr, s->dport, &ct), 0);
}

static void test_pinhole_opens(void **state)
{
	struct env *e = *state;
	struct pkt_spec tcp = inbound(TCP, HOST_A, 5000), udp = inbound(UDP, HOST_A, 5015);
	struct pt_stats st;

	tcp.tcp_flags = 0x02; /* SYN */
	run(e, false, &tcp);
	run(e, false, &udp);
	assert_pinhole(&tcp);
	assert_pinhole(&udp);
	/* The flow's next packet: forwarded again, no second entry. */
	run(e, false, &udp);
	st = suite_stats(&e->f);
	assert_int_equal(st.xdp_new_flows, 2);
	assert_int_equal(st.xdp_forwarded, 3);
	assert_int_equal(suite_rule_stats(&e->f, e->game).pkts_in, 3);
	assert_int_equal(fix_ct_count(), 2);
}

/* Packets the pinhole is not for: no entry, and the counter saying why. */
struct closed_case {
	const char *name;
	const char *src, *dst;
	__u16 dport;
	size_t counter; /* offset in struct pt_stats */
	bool expired;	/* the holder idle for the timeout */
	bool ipv4_only; /* the rule held over IPv4 only */
};

#define AT(field) offsetof(struct pt_stats, field)

/* A table, one case a line: */
/* clang-format off */
static const struct closed_case closed_cases[] = {
	{ "another_lan_host", PEER, HOST_B, 5000, AT(xdp_closed), false, false },
	{ "port_not_open", PEER, HOST_A, 6000, AT(xdp_passed), false, false },
	{ "trigger_port_not_open", PEER, HOST_A, TRIGGER, AT(xdp_passed), false, false },
	{ "peer_on_the_lan", "2001:db8:77::99", HOST_A, 5000, AT(xdp_bad_peer), false, false },
	{ "peer_is_the_router", FIX_WAN6, HOST_A, 5000, AT(xdp_bad_peer), false, false },
	{ "holder_expired", PEER, HOST_A, 5000, AT(xdp_closed), .expired = true, .ipv4_only = false },
	{ "held_over_ipv4_only", PEER, HOST_A, 5000, AT(xdp_closed), .expired = false, .ipv4_only = true },
};
/* clang-format on */

static void test_closed(void **state)
{
	struct env *e = *state;
	const struct closed_case *c = e->param;
	struct pkt_spec s = inbound(UDP, c->dst, c->dport);
	struct pt_holder none = {};
	struct pt_stats st;

	s.saddr = c->src;
	if (c->expired)
		assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	if (c->ipv4_only) {
		assert_int_equal(fix_set_holder(&e->f, e->game, PT_IPV6, &none), 0);
		assert_int_equal(fix_activate(&e->f, e->game, pkt_addr(HOST_A4)), 0);
	}
	run(e, false, &s);
	assert_no_flow(&s);
	st = suite_stats(&e->f);
	assert_int_equal(*(__u64 *)((char *)&st + c->counter), 1);
	assert_int_equal(st.xdp_new_flows + st.xdp_forwarded, 0);
	assert_int_equal(suite_rule_stats(&e->f, e->game).pkts_in, 0);
}

/* A holder that is no LAN host (a stale or forged address): never opened to. */
static void test_holder_not_on_lan(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(UDP, "2001:db8:100::77", 5000);

	assert_int_equal(fix_activate6(&e->f, e->game, "2001:db8:100::77"), 0);
	run(e, false, &s);
	assert_no_flow(&s);
	assert_int_equal(suite_stats(&e->f).xdp_bad_holder, 1);
}

/* A flow opened to a former holder ends at its next packet. */
static void test_former_holder_flow_ends(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(UDP, HOST_A, 5000);

	run(e, false, &s);
	assert_pinhole(&s);
	assert_int_equal(fix_activate6(&e->f, e->game, HOST_B), 0);
	run(e, false, &s);
	assert_no_flow(&s);
	assert_int_equal(suite_stats(&e->f).xdp_closed, 1);
}

/* The holder's reply on its pinhole is activity, leaving unchanged. */
static void test_holder_reply_is_activity(void **state)
{
	struct env *e = *state;
	struct pkt_spec in = inbound(UDP, HOST_A, 5000);
	struct pkt_spec out = { .proto = UDP,
				.saddr = HOST_A,
				.daddr = PEER,
				.sport = 5000,
				.dport = PEER_PORT,
				.payload_len = 10 };

	run(e, false, &in);
	run(e, true, &out);
	assert_int_equal(suite_stats(&e->f).tc_replies, 1);
	assert_int_equal(suite_rule_stats(&e->f, e->game).pkts_out, 1);
}

/* --- Extension headers and malformed frames ------------------------------- */

static const __u8 ext_hop[] = { PKT_EXT6_HOP };
static const __u8 ext_all[] = { PKT_EXT6_HOP, PKT_EXT6_DSTOPTS, PKT_EXT6_ROUTING, PKT_EXT6_AH,
				PKT_EXT6_DSTOPTS };
static const __u8 ext_frag[] = { PKT_EXT6_FRAGMENT };
static const __u8 ext_six[] = { PKT_EXT6_HOP,	  PKT_EXT6_DSTOPTS, PKT_EXT6_ROUTING,
				PKT_EXT6_DSTOPTS, PKT_EXT6_ROUTING, PKT_EXT6_DSTOPTS };
static const __u8 ext_seven[] = { PKT_EXT6_HOP,	    PKT_EXT6_DSTOPTS, PKT_EXT6_ROUTING,
				  PKT_EXT6_DSTOPTS, PKT_EXT6_ROUTING, PKT_EXT6_DSTOPTS,
				  PKT_EXT6_DSTOPTS };

/*
 * A frame to HOST_A:5000 (held) through pt_xdp_in, and as HOST_A's trigger
 * through pt_tc_out: whether it opens a pinhole and triggers (the walk found
 * its ports) or is passed untouched, counted as not ours or as malformed.
 */
struct frame_case {
	const char *name;
	const __u8 *ext;
	int n_ext;
	__u16 frag6;
	bool opens;	 /* found: opens a flow, triggers */
	bool bad;	 /* a parse failure; else, when it does not open, not ours */
	int cut;	 /* bytes cut off the frame's end */
	int payload_len; /* IPv6 payload length field: -1 as built */
	__u8 version;	 /* first byte; 0: as built */
	__u8 ext_len;	 /* the first extension header's length byte; 0: as built */
	bool no_skb;	 /* BPF_PROG_TEST_RUN refuses it as an skb (EINVAL): XDP only */
	__u8 next;	 /* the IPv6 header's next header; 0: as built */
};

#define EXT(a) .ext = a, .n_ext = ARRAY_SIZE(a)

/* A table, one case a line: */
/* clang-format off */
static const struct frame_case frame_cases[] = {
	{ "ext_none", .opens = true, .payload_len = -1 },
	{ "not_ours_icmpv6", .payload_len = -1, .next = 58 },
	{ "not_ours_no_next_header", .payload_len = -1, .next = 59 },
	{ "ext_hop_by_hop", EXT(ext_hop), .opens = true, .payload_len = -1 },
	{ "ext_five_kinds", EXT(ext_all), .opens = true, .payload_len = -1 },
	{ "ext_six_walked", EXT(ext_six), .opens = true, .payload_len = -1 },
	{ "ext_seven_not_walked", EXT(ext_seven), .payload_len = -1 },
	{ "ext_first_fragment", EXT(ext_frag), .frag6 = 0x0001, .opens = true, .payload_len = -1 },
	{ "ext_later_fragment", EXT(ext_frag), .frag6 = 185 << 3, .payload_len = -1 },
	{ "ext_last_fragment", EXT(ext_frag), .frag6 = (185 << 3) | 1, .payload_len = -1 },
	{ "ext_length_past_frame", EXT(ext_hop), .bad = true, .payload_len = -1, .ext_len = 10 },
	{ "ext_past_walked_bytes", EXT(ext_hop), .payload_len = -1, .ext_len = 40 },
	{ "bad_ip6_header_cut", .bad = true, .cut = 8 + 20 + 4, .payload_len = -1, .no_skb = true },
	{ "bad_ext_header_cut", EXT(ext_hop), .bad = true, .cut = 8 + 20 + 6, .payload_len = -1 },
	{ "bad_udp_header_cut", .bad = true, .cut = 20 + 4, .payload_len = -1 },
	{ "bad_payload_past_frame", .bad = true, .payload_len = 8 + 20 + 1 },
	{ "bad_payload_below_udp", .bad = true, .payload_len = 7 },
	{ "bad_payload_zero", .bad = true, .payload_len = 0 },
	{ "bad_version_4_in_ipv6", .bad = true, .payload_len = -1, .version = 0x40 },
};
/* clang-format on */

static size_t frame_build(__u8 *frame, const struct frame_case *c, const char *src, const char *dst,
			  __u16 sport, __u16 dport)
{
	struct pkt_spec s = { .proto = UDP,
			      .saddr = src,
			      .daddr = dst,
			      .sport = sport,
			      .dport = dport,
			      .payload_len = 20,
			      .ext6 = c->ext,
			      .n_ext6 = c->n_ext,
			      .frag6 = c->frag6 };
	size_t len = pkt_build(frame, &s);
	__u8 *ip = frame + ETH_LEN;

	if (c->payload_len >= 0) {
		ip[4] = c->payload_len >> 8;
		ip[5] = c->payload_len & 0xff;
	}
	if (c->version)
		ip[0] = c->version;
	if (c->next)
		ip[6] = c->next;
	if (c->ext_len)
		ip[40 + 1] = c->ext_len;
	return len - c->cut;
}

static void test_frame_inbound(void **state)
{
	struct env *e = *state;
	const struct frame_case *c = e->param;
	struct pkt_spec s = inbound(UDP, HOST_A, 5000);
	__u8 frame[PKT_MAX];
	struct pt_stats st;

	run_frame(e, false, frame, frame_build(frame, c, PEER, HOST_A, PEER_PORT, 5000));
	st = suite_stats(&e->f);
	assert_int_equal(st.xdp_new_flows, c->opens);
	assert_int_equal(st.xdp_parse_fail, c->bad);
	assert_int_equal(st.xdp_passed, !c->opens && !c->bad);
	if (c->opens)
		assert_pinhole(&s);
	else
		assert_int_equal(fix_ct_count(), 0);
}

static void test_frame_trigger(void **state)
{
	struct env *e = *state;
	const struct frame_case *c = e->param;
	struct fix_ct ct = {
		.proto = UDP, .src = HOST_B, .dst = PEER, .sport = HOST_PORT, .dport = TRIGGER
	};
	__u8 frame[PKT_MAX];
	struct pt_stats st;

	size_t len = frame_build(frame, c, HOST_B, PEER, HOST_PORT, TRIGGER);
	struct run_result r;

	assert_int_equal(fix_ct_add(&ct), 0);
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	/* The kernel refuses it before the program runs: should one take it, look again. */
	if (c->no_skb) {
		assert_int_not_equal(fix_run_tc(&e->f, frame, len, &r), 0);
		return;
	}
	run_frame(e, true, frame, len);
	st = suite_stats(&e->f);
	assert_addr(holder(e, PT_IPV6), c->opens ? HOST_B : HOST_A);
	assert_int_equal(st.tc_trigger, c->opens);
	assert_int_equal(st.tc_parse_fail, c->bad);
}

int main(void)
{
	struct suite s = {};

	SUITE_CASES(&s, test_initiator, setup, teardown, initiator_cases,
		    ARRAY_SIZE(initiator_cases));
	SUITE_TEST(&s, test_activation_event, setup, teardown);
	SUITE_TEST(&s, test_families_independent, setup, teardown);
	SUITE_TEST(&s, test_takeover_after_expiry, setup_held, teardown);
	SUITE_TEST(&s, test_allow_prefixes, setup, teardown);
	SUITE_TEST(&s, test_pinhole_opens, setup_held, teardown);
	SUITE_CASES(&s, test_closed, setup_held, teardown, closed_cases, ARRAY_SIZE(closed_cases));
	SUITE_TEST(&s, test_holder_not_on_lan, setup, teardown);
	SUITE_TEST(&s, test_former_holder_flow_ends, setup_held, teardown);
	SUITE_TEST(&s, test_holder_reply_is_activity, setup_held, teardown);
	SUITE_CASES(&s, test_frame_inbound, setup_held, teardown, frame_cases,
		    ARRAY_SIZE(frame_cases));
	SUITE_CASES(&s, test_frame_trigger, setup_held, teardown, frame_cases,
		    ARRAY_SIZE(frame_cases));
	return suite_run(&s, "ipv6");
}
