// SPDX-License-Identifier: GPL-2.0
/*
 * pt_xdp_in: an inbound packet to a WAN address on an open port of an
 * active rule goes to the kernel as it came, its flow in conntrack with the
 * DNAT to the holder and ptctl's mark; the router's own connections, closed
 * rules, forged holders and spoofed peers are left to the kernel untouched.
 * Every test runs on the fixture's router in miniature (fixture.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "suite.h"
#include "fixture.h"
#include "malformed.h"
#include "pkt.h"
#include "store.h"

#define WAN	  FIX_WAN
#define HOLDER	  "192.168.1.10"
#define OTHER	  "192.168.1.20"
#define PEER	  "203.0.113.9"
#define PEER_PORT 40000
#define TIMEOUT	  60

#define ETH_LEN 14

struct env {
	struct fix f;
	const void *param; /* the table case being run */
	int game;	   /* active, held by HOLDER */
	int idle;	   /* never triggered */
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
	e->game = fix_add_rule(&e->f, "game", "tcp:6667", "both:5000,tcp:5001,udp:5010-5020",
			       TIMEOUT);
	e->idle = fix_add_rule(&e->f, "idle", "udp:7000", "tcp:6000", TIMEOUT);
	if (e->game < 0 || e->idle < 0)
		return -1;
	return fix_activate(&e->f, e->game, pkt_addr(HOLDER));
}

static int teardown(void **state)
{
	struct env *e = *state;

	fix_close(&e->f);
	free(e);
	return 0;
}

/* An inbound packet from the Internet to the WAN address. */
static struct pkt_spec inbound(int proto, __u16 dport)
{
	return (struct pkt_spec){ .proto = proto,
				  .saddr = PEER,
				  .daddr = WAN,
				  .sport = PEER_PORT,
				  .dport = dport,
				  .payload_len = 32 };
}

static struct pt_stats stats(struct env *e)
{
	return suite_stats(&e->f);
}

static struct pt_rule_stats rule_stats(struct env *e, int id)
{
	return suite_rule_stats(&e->f, id);
}

/* Runs s through pt_xdp_in: it always passes, as it came; returns its IP length. */
static __u16 run(struct env *e, const struct pkt_spec *s, size_t pad)
{
	__u8 in[PKT_MAX];
	struct run_result r;
	size_t len = pkt_build(in, s);

	memset(in + len, 0, pad);
	len += pad;
	assert_int_equal(fix_run_xdp(&e->f, in, len, &r), 0);
	assert_int_equal(r.retval, XDP_PASS);
	assert_int_equal(r.out_len, len);
	assert_memory_equal(r.out, in, len);
	return (in[ETH_LEN + 2] << 8) | in[ETH_LEN + 3];
}

/* The conntrack entry of s's flow must lead to holder (NULL: there is none). */
static void assert_flow(const struct pkt_spec *s, const char *holder)
{
	struct fix_ct_entry ct;

	if (!holder) {
		assert_int_not_equal(
			fix_ct_get(s->proto, s->saddr, s->sport, s->daddr, s->dport, &ct), 0);
		return;
	}
	assert_int_equal(fix_ct_get(s->proto, s->saddr, s->sport, s->daddr, s->dport, &ct), 0);
	assert_int_equal(ct.reply_src.ip4, pkt_addr(holder));
	assert_true(ct.dnat);
	assert_int_equal(ct.mark, PT_MARK_DEFAULT);
}

/* --- New flows -------------------------------------------------------------- */

/* A packet shape, on an open port of game: it opens a flow to the holder. */
struct shape {
	const char *name;
	struct pkt_spec spec; /* protocol, open port, shape; the test adds the addresses */
	size_t pad;	      /* Ethernet padding after the IP packet */
};

#define SHAPE(_proto, _port, ...) .spec = { .proto = IPPROTO_##_proto, .dport = _port, __VA_ARGS__ }

/* A table, one entry a line: */
/* clang-format off */
static const struct shape shapes[] = {
	{ "tcp", SHAPE(TCP, 5000, .payload_len = 32) },
	{ "udp", SHAPE(UDP, 5000, .payload_len = 32) },
	{ "udp_no_csum", SHAPE(UDP, 5000, .payload_len = 32, .udp_no_csum = true) },
	{ "tcp_ip_options", SHAPE(TCP, 5001, .ip_opts_len = 12) },
	{ "udp_ip_options_max", SHAPE(UDP, 5010, .payload_len = 9, .ip_opts_len = 40) },
	{ "udp_range_end", SHAPE(UDP, 5020, .payload_len = 1) },
	{ "tcp_dont_fragment", SHAPE(TCP, 5000, .frag_off = 0x4000) },
	/* The kernel reassembles the datagram, then finds the flow's entry. */
	{ "udp_first_fragment", SHAPE(UDP, 5000, .payload_len = 32, .frag_off = 0x2000) },
	{ "tcp_first_fragment", SHAPE(TCP, 5000, .payload_len = 32, .frag_off = 0x2000) },
	{ "tcp_large", SHAPE(TCP, 5000, .payload_len = 1460) },
	{ "udp_padded_frame", SHAPE(UDP, 5000), .pad = 18 },
};
/* clang-format on */

static void test_new_flow(void **state)
{
	struct env *e = *state;
	const struct shape *c = e->param;
	struct pkt_spec s = c->spec;
	struct pt_rule_stats rs;
	struct pt_stats st;
	__u16 ip_len;

	s.saddr = PEER;
	s.daddr = WAN;
	s.sport = PEER_PORT;
	ip_len = run(e, &s, c->pad);
	assert_flow(&s, HOLDER);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.pkts_in, 1);
	assert_int_equal(rs.bytes_in, ip_len);
	assert_int_equal(rs.pkts_out, 0);
	st = stats(e);
	assert_int_equal(st.xdp_seen, 1);
	assert_int_equal(st.xdp_forwarded, 1);
	assert_int_equal(st.xdp_new_flows, 1);
	assert_int_equal(st.xdp_passed + st.xdp_parse_fail + st.xdp_closed + st.xdp_tracked, 0);
}

/* The flow's next packets find their entry: one flow, every packet counted. */
static void test_flow_packets(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_UDP, 5012);

	for (int i = 0; i < 3; i++)
		run(e, &s, 0);
	assert_flow(&s, HOLDER);
	assert_int_equal(fix_ct_count(), 1);
	assert_int_equal(stats(e).xdp_forwarded, 3);
	assert_int_equal(stats(e).xdp_new_flows, 1);
	assert_int_equal(rule_stats(e, e->game).pkts_in, 3);
}

/* The mark and mask come from the interface's config. */
static void test_mark_from_config(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);
	struct fix_ct_entry ct;
	struct pt_config cfg;

	assert_int_equal(fix_config(&e->f, &cfg), 0);
	cfg.mark = 0x500;
	cfg.mark_mask = 0xf00;
	assert_int_equal(fix_set_config(&e->f, &cfg), 0);
	run(e, &s, 0);
	assert_int_equal(fix_ct_get(IPPROTO_TCP, PEER, PEER_PORT, WAN, 5000, &ct), 0);
	assert_int_equal(ct.mark, 0x500);
	/* Found again by that mark: the flow's next packet is the holder's too. */
	run(e, &s, 0);
	assert_int_equal(stats(e).xdp_forwarded, 2);
}

/* --- Passed untouched, by the rule state or the address ------------------- */

enum rule_state { ST_HELD, ST_EXPIRED, ST_DISABLED, ST_DELETED, ST_STALE_GEN, ST_SLOT_REUSED };

struct pass_case {
	const char *name;
	int proto;
	__u16 dport;
	const char *daddr; /* NULL: the WAN address */
	enum rule_state rule;
	size_t counter; /* the pt_stats field that counts it */
};

#define PASSED offsetof(struct pt_stats, xdp_passed)
#define CLOSED offsetof(struct pt_stats, xdp_closed)

/* A table, one entry a line: */
/* clang-format off */
static const struct pass_case passes[] = {
	{ "pass_closed_port", IPPROTO_TCP, 5002, NULL, ST_HELD, PASSED },
	{ "pass_closed_port_below_range", IPPROTO_UDP, 5009, NULL, ST_HELD, PASSED },
	{ "pass_closed_port_past_range", IPPROTO_UDP, 5021, NULL, ST_HELD, PASSED },
	{ "pass_not_a_wan_address", IPPROTO_TCP, 5000, "198.51.100.2", ST_HELD, PASSED },
	{ "pass_router_lan_address", IPPROTO_TCP, 5000, FIX_LAN_ADDR, ST_HELD, PASSED },
	{ "pass_daddr_is_holder", IPPROTO_TCP, 5000, HOLDER, ST_HELD, PASSED },
	{ "pass_udp_to_tcp_only_port", IPPROTO_UDP, 5001, NULL, ST_HELD, PASSED },
	{ "pass_tcp_to_udp_only_port", IPPROTO_TCP, 5010, NULL, ST_HELD, PASSED },
	{ "pass_rule_never_triggered", IPPROTO_TCP, 6000, NULL, ST_HELD, CLOSED },
	{ "pass_rule_expired", IPPROTO_TCP, 5000, NULL, ST_EXPIRED, CLOSED },
	{ "pass_rule_disabled", IPPROTO_UDP, 5000, NULL, ST_DISABLED, CLOSED },
	{ "pass_holder_of_old_definition", IPPROTO_TCP, 5000, NULL, ST_STALE_GEN, CLOSED },
	{ "pass_rule_deleted", IPPROTO_TCP, 5000, NULL, ST_DELETED, PASSED },
	{ "pass_holder_of_deleted_rule_in_slot", IPPROTO_TCP, 5000, NULL, ST_SLOT_REUSED, CLOSED },
};
/* clang-format on */

/*
 * game deleted and defined again in the same slot, and its former holder
 * written into the new entry, as a trigger racing the deletion would (into
 * the recycled element it had looked up): it belongs to no definition the
 * slot has now.
 */
static void reuse_slot(struct env *e)
{
	struct pt_holder a;

	assert_int_equal(fix_active(&e->f, e->game, &a), 0);
	assert_int_equal(pt_store_del(&e->f.m, e->f.rules, e->game), 0);
	assert_int_equal(fix_add_rule(&e->f, "game", "tcp:6667", "both:5000,tcp:5001,udp:5010-5020",
				      TIMEOUT),
			 e->game);
	assert_int_equal(fix_set_active(&e->f, e->game, &a), 0);
}

static void set_rule_state(struct env *e, enum rule_state st)
{
	switch (st) {
	case ST_HELD:
		break;
	case ST_EXPIRED:
		assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
		break;
	case ST_DISABLED:
		assert_int_equal(fix_rule_set(&e->f, e->game, "disabled", NULL), 0);
		break;
	case ST_DELETED:
		assert_int_equal(pt_store_del(&e->f.m, e->f.rules, e->game), 0);
		break;
	case ST_STALE_GEN:
		assert_int_equal(fix_make_stale(&e->f, e->game), 0);
		break;
	case ST_SLOT_REUSED:
		reuse_slot(e);
		break;
	}
}

/* Nothing forwarded, no flow made, only the counter of the case moved. */
static void assert_left_alone(struct env *e, size_t counter)
{
	struct pt_stats st = stats(e);

	assert_int_equal(st.xdp_seen, 1);
	assert_int_equal(*(__u64 *)((char *)&st + counter), 1);
	assert_int_equal(st.xdp_forwarded + st.xdp_passed + st.xdp_parse_fail + st.xdp_closed +
				 st.xdp_tracked + st.xdp_bad_holder + st.xdp_bad_peer +
				 st.xdp_ct_full + st.xdp_not_contacted,
			 1);
	assert_int_equal(st.xdp_new_flows, 0);
	assert_int_equal(rule_stats(e, e->game).pkts_in, 0);
	assert_int_equal(rule_stats(e, e->idle).pkts_in, 0);
}

static void test_pass(void **state)
{
	struct env *e = *state;
	const struct pass_case *c = e->param;
	struct pkt_spec s = inbound(c->proto, c->dport);

	if (c->daddr)
		s.daddr = c->daddr;
	set_rule_state(e, c->rule);
	run(e, &s, 0);
	assert_left_alone(e, c->counter);
	assert_int_equal(fix_ct_count(), 0);
}

/* --- Connections the router already tracks --------------------------------- */

/*
 * The packet arriving PEER:80 -> WAN:5000 (an open port of the active rule)
 * is a reply of a connection conntrack has, made by someone else than ptctl:
 * it stays theirs.
 */
struct tracked_case {
	const char *name;
	struct fix_ct ct;
};

#define TRACKED(_src, ...)                                                                  \
	{                                                                                   \
		.proto = IPPROTO_TCP, .src = _src, .sport = 5000, .dst = PEER, .dport = 80, \
		__VA_ARGS__                                                                 \
	}

/* A table, one entry a line: */
/* clang-format off */
static const struct tracked_case tracked[] = {
	{ "lan_host_connection", TRACKED(OTHER, .rsrc = PEER, .rsport = 80, .rdst = WAN,
					 .rdport = 5000) },
	{ "holder_own_connection", TRACKED(HOLDER, .rsrc = PEER, .rsport = 80, .rdst = WAN,
					   .rdport = 5000) },
	{ "router_connection", TRACKED(WAN) },
	{ "static_port_forward",
	  { .proto = IPPROTO_TCP, .src = PEER, .sport = 80, .dst = WAN, .dport = 5000,
	    .rsrc = OTHER, .rsport = 8080, .rdst = PEER, .rdport = 80 } },
};
/* clang-format on */

static void test_tracked(void **state)
{
	struct env *e = *state;
	const struct tracked_case *c = e->param;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);

	s.sport = 80;
	assert_int_equal(fix_ct_add(&c->ct), 0);
	run(e, &s, 0);
	assert_left_alone(e, offsetof(struct pt_stats, xdp_tracked));
	assert_int_equal(fix_ct_count(), 1);
}

/* --- Flows whose rule closed or moved on ----------------------------------- */

/* The rule moved to OTHER: the flow forwarded to HOLDER goes back to the kernel. */
static void test_former_holder_flow_ends(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_UDP, 5000);

	run(e, &s, 0);
	assert_int_equal(fix_activate(&e->f, e->game, pkt_addr(OTHER)), 0);
	run(e, &s, 0);
	assert_flow(&s, NULL);
	assert_int_equal(stats(e).xdp_closed, 1);
	assert_int_equal(rule_stats(e, e->game).pkts_in, 1);
	/* The next packet is a new flow: to the holder of now. */
	run(e, &s, 0);
	assert_flow(&s, OTHER);
}

/* Expired, disabled, released: the flow ends on its next packet, or at once. */
static void test_closed_rule_flow_ends(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);

	run(e, &s, 0);
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	run(e, &s, 0);
	assert_flow(&s, NULL);
	assert_int_equal(stats(e).xdp_closed, 1);

	/* ptctl's own release ends the rule's flows without waiting for a packet. */
	assert_int_equal(fix_activate(&e->f, e->game, pkt_addr(HOLDER)), 0);
	s.sport++;
	run(e, &s, 0);
	assert_flow(&s, HOLDER);
	assert_int_equal(pt_store_release(&e->f.m, e->f.rules, e->game), 0);
	assert_flow(&s, HOLDER);
	assert_int_equal(pt_store_end_flows(&e->f.m), 0);
	assert_flow(&s, NULL);
}

/* --- Never a relay ---------------------------------------------------------- */

/* A forged or stale holder: the router would relay to it. Nothing is forwarded. */
static const struct {
	const char *name;
	const char *holder;
} bad_holders[] = {
	{ "holder_behind_wan", "203.0.113.50" }, { "holder_on_wan_link", "198.51.100.77" },
	{ "holder_router_wan_address", WAN },	 { "holder_router_lan_address", FIX_LAN_ADDR },
	{ "holder_broadcast", "192.168.1.255" },
};

static void test_bad_holder(void **state)
{
	struct env *e = *state;
	const typeof(bad_holders[0]) *c = e->param;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);

	assert_int_equal(fix_activate(&e->f, e->game, pkt_addr(c->holder)), 0);
	run(e, &s, 0);
	assert_left_alone(e, offsetof(struct pt_stats, xdp_bad_holder));
	assert_int_equal(fix_ct_count(), 0);
}

/* A WAN packet claiming a LAN or router source: spoofed, never forwarded. */
static const struct {
	const char *name;
	const char *peer;
} bad_peers[] = {
	{ "peer_lan_host", OTHER },
	{ "peer_holder", HOLDER },
	{ "peer_router_lan_address", FIX_LAN_ADDR },
	{ "peer_router_wan_address", WAN },
};

static void test_bad_peer(void **state)
{
	struct env *e = *state;
	const typeof(bad_peers[0]) *c = e->param;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);

	s.saddr = c->peer;
	run(e, &s, 0);
	assert_left_alone(e, offsetof(struct pt_stats, xdp_bad_peer));
	assert_int_equal(fix_ct_count(), 0);
}

/* --- Peer-restricted rules (--peer contacted) ------------------------------ */

/* game admits only peers its holder contacted: PEER, in the tenure of holder (or another). */
static void peer_contacted_setup(struct env *e, bool this_tenure)
{
	struct pt_holder a;
	struct pt_peers ps = { .seen_ns = { fix_now_ns() } };
	__u32 key = pt_peers_key(e->game, PT_IPV4);

	pt_ip4_set(ps.addr[0], pkt_addr(PEER));
	assert_int_equal(fix_rule_set(&e->f, e->game, "peer", "contacted"), 0);
	assert_int_equal(fix_active(&e->f, e->game, &a), 0);
	ps.since_ns = this_tenure ? a.since_ns : a.since_ns - 1;
	assert_int_equal(bpf_map_update_elem(PT_FD(&e->f.m, pt_peers), &key, &ps, BPF_ANY), 0);
}

static void test_peer_contacted(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_UDP, 5000);

	peer_contacted_setup(e, true);
	run(e, &s, 0);
	assert_flow(&s, HOLDER);
	assert_int_equal(stats(e).xdp_new_flows, 1);
}

/* A peer not contacted, or contacted by a former holder: left to the firewall, counted. */
static const struct {
	const char *name;
	const char *peer;
	bool this_tenure;
} not_contacted[] = {
	{ "peer_not_contacted", "203.0.113.77", true },
	{ "peer_contacted_by_former_holder", PEER, false },
};

static void test_peer_not_contacted(void **state)
{
	struct env *e = *state;
	const typeof(not_contacted[0]) *c = e->param;
	struct pkt_spec s = inbound(IPPROTO_UDP, 5000);

	peer_contacted_setup(e, c->this_tenure);
	s.saddr = c->peer;
	run(e, &s, 0);
	assert_left_alone(e, offsetof(struct pt_stats, xdp_not_contacted));
	assert_int_equal(fix_ct_count(), 0);
}

/* --- The WAN address ------------------------------------------------------- */

/* The addresses of the interface now, whatever they were at load. */
static void test_wan_address_follows(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);

	assert_int_equal(fix_sh("sysctl -qw net.ipv4.conf.wan.promote_secondaries=1 && "
				"ip addr add 198.51.100.5/24 dev wan"),
			 0);
	s.daddr = "198.51.100.5";
	run(e, &s, 0);
	assert_flow(&s, HOLDER);
	assert_int_equal(fix_sh("ip addr del " WAN "/24 dev wan"), 0);
	s.daddr = WAN;
	run(e, &s, 0);
	assert_flow(&s, NULL);
	assert_int_equal(stats(e).xdp_forwarded, 1);
	assert_int_equal(stats(e).xdp_passed, 1);
}

/* --wan-addr: that address only, on the interface or not. */
static void test_wan_address_pinned(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);
	struct pt_config cfg;

	assert_int_equal(fix_config(&e->f, &cfg), 0);
	pt_ip4_set(cfg.wan_addr, pkt_addr("203.0.113.200"));
	assert_int_equal(fix_set_config(&e->f, &cfg), 0);
	run(e, &s, 0);
	assert_flow(&s, NULL);
	s.daddr = "203.0.113.200";
	run(e, &s, 0);
	assert_flow(&s, HOLDER);
}

/* --- Malformed and foreign frames ---------------------------------------- */

static void test_malformed(void **state)
{
	struct env *e = *state;
	const struct malformed *c = e->param;
	/* Left alone, each would open a flow: proves the parser said no. */
	struct pkt_spec base = inbound(c->proto, 5000);
	__u8 in[PKT_MAX];
	struct run_result r;
	struct pt_stats st;
	size_t len = malformed_build(in, c, &base);

	assert_int_equal(fix_run_xdp(&e->f, in, len, &r), 0);
	assert_int_equal(r.retval, XDP_PASS);
	assert_int_equal(r.out_len, len);
	assert_memory_equal(r.out, in, len);
	st = stats(e);
	assert_int_equal(st.xdp_seen, 1);
	assert_int_equal(st.xdp_parse_fail, c->bad);
	assert_int_equal(st.xdp_passed, !c->bad);
	assert_int_equal(st.xdp_forwarded + st.xdp_closed, 0);
	assert_int_equal(rule_stats(e, e->game).pkts_in, 0);
	assert_int_equal(fix_ct_count(), 0);
}

/*
 * Frames shorter than Ethernet: BPF_PROG_TEST_RUN refuses them (EINVAL)
 * before the program runs, so the program's own check cannot be reached
 * here. Should a kernel accept them, they must pass untouched.
 */
static void test_runt_frames(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);
	__u8 in[PKT_MAX];
	struct run_result r;
	struct pt_stats st;
	__u64 ran = 0;

	pkt_build(in, &s);
	for (__u32 len = 1; len < ETH_LEN; len++) {
		if (fix_run_xdp(&e->f, in, len, &r))
			continue;
		ran++;
		assert_int_equal(r.retval, XDP_PASS);
		assert_int_equal(r.out_len, len);
		assert_memory_equal(r.out, in, len);
	}
	st = stats(e);
	assert_int_equal(st.xdp_seen, ran);
	assert_int_equal(st.xdp_parse_fail, ran);
}

/* --- Rule life and counters ---------------------------------------------- */

/* Open for the whole timeout after the last activity, closed after it. */
static void test_open_until_timeout(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_UDP, 5000);

	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 1), 0);
	run(e, &s, 0);
	assert_flow(&s, HOLDER);
	/* The packet above was activity: age past the timeout from there. */
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	s.sport++;
	run(e, &s, 0);
	assert_flow(&s, NULL);
	assert_int_equal(stats(e).xdp_closed, 1);
}

/* A last activity stamped on another CPU may read a little ahead of now: still open. */
static void test_stamp_ahead_of_now(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_UDP, 5000);
	struct pt_holder a;

	assert_int_equal(fix_active(&e->f, e->game, &a), 0);
	a.last_ns = fix_now_ns() + 50000;
	assert_int_equal(fix_set_active(&e->f, e->game, &a), 0);
	run(e, &s, 0);
	assert_flow(&s, HOLDER);
}

/* Forwarded inbound traffic is activity: it keeps the rule open. */
static void test_inbound_refreshes(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);
	struct pt_holder before, after;
	struct pt_rule_stats rs;
	__u64 t0;

	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 10), 0);
	assert_int_equal(fix_active(&e->f, e->game, &before), 0);
	t0 = fix_now_ns();
	run(e, &s, 0);
	assert_int_equal(fix_active(&e->f, e->game, &after), 0);
	assert_true(after.last_ns >= t0);
	assert_int_equal(pt_ip4(after.addr), pt_ip4(before.addr));
	assert_int_equal(after.since_ns, before.since_ns);
	/* 50 + 50 s idle in all, but never 60 in a row. */
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 10), 0);
	run(e, &s, 0);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.pkts_in, 2);
	assert_int_equal(rs.bytes_in, 2 * (20 + 20 + s.payload_len));
}

/* Per-packet work does not depend on the number of rules: the last of 1000 works. */
static void test_many_rules(void **state)
{
	struct env *e = *state;
	char name[16], trig[16], open[16];
	struct pkt_spec s;
	int id = -1;

	for (int i = 2; i < 1000; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		snprintf(trig, sizeof(trig), "udp:%d", 20000 + i);
		snprintf(open, sizeof(open), "tcp:%d", 30000 + i);
		id = fix_add_rule(&e->f, name, trig, open, TIMEOUT);
		assert_int_equal(id, i);
	}
	assert_int_equal(fix_activate(&e->f, id, pkt_addr("192.168.1.99")), 0);
	s = inbound(IPPROTO_TCP, 30999);
	run(e, &s, 0);
	assert_flow(&s, "192.168.1.99");
	assert_int_equal(rule_stats(e, id).pkts_in, 1);
	/* Its neighbours stay as they were. */
	s = inbound(IPPROTO_TCP, 30998);
	run(e, &s, 0);
	assert_flow(&s, NULL);
	s = inbound(IPPROTO_TCP, 5000);
	run(e, &s, 0);
	assert_flow(&s, HOLDER);
	assert_int_equal(stats(e).xdp_forwarded, 2);
	assert_int_equal(stats(e).xdp_closed, 1);
}

int main(void)
{
	struct suite s = {};

	SUITE_CASES(&s, test_new_flow, setup, teardown, shapes, ARRAY_SIZE(shapes));
	SUITE_TEST(&s, test_flow_packets, setup, teardown);
	SUITE_TEST(&s, test_mark_from_config, setup, teardown);
	SUITE_CASES(&s, test_pass, setup, teardown, passes, ARRAY_SIZE(passes));
	SUITE_CASES(&s, test_tracked, setup, teardown, tracked, ARRAY_SIZE(tracked));
	SUITE_TEST(&s, test_former_holder_flow_ends, setup, teardown);
	SUITE_TEST(&s, test_closed_rule_flow_ends, setup, teardown);
	SUITE_CASES(&s, test_bad_holder, setup, teardown, bad_holders, ARRAY_SIZE(bad_holders));
	SUITE_CASES(&s, test_bad_peer, setup, teardown, bad_peers, ARRAY_SIZE(bad_peers));
	SUITE_TEST(&s, test_peer_contacted, setup, teardown);
	SUITE_CASES(&s, test_peer_not_contacted, setup, teardown, not_contacted,
		    ARRAY_SIZE(not_contacted));
	SUITE_TEST(&s, test_wan_address_follows, setup, teardown);
	SUITE_TEST(&s, test_wan_address_pinned, setup, teardown);
	SUITE_CASES(&s, test_malformed, setup, teardown, malformed_cases, n_malformed);
	SUITE_TEST(&s, test_runt_frames, setup, teardown);
	SUITE_TEST(&s, test_open_until_timeout, setup, teardown);
	SUITE_TEST(&s, test_stamp_ahead_of_now, setup, teardown);
	SUITE_TEST(&s, test_inbound_refreshes, setup, teardown);
	SUITE_TEST(&s, test_many_rules, setup, teardown);
	return suite_run(&s, "xdp");
}
