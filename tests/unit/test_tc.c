// SPDX-License-Identifier: GPL-2.0
/*
 * pt_tc_out: a packet to a trigger port claims, refreshes or conflicts with
 * its rules for the LAN host that initiated its flow, and for nobody else;
 * a packet of a triggered flow is its holder's activity, a flow of a former
 * holder or a former WAN address ends. Every test runs on the fixture's
 * router in miniature: conntrack holds the flows the test made.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "suite.h"
#include "fixture.h"
#include "malformed.h"
#include "pkt.h"
#include "store.h"

#define WAN	  FIX_WAN
#define HOST_A	  "192.168.1.10"
#define HOST_B	  "192.168.1.20"
#define PEER	  "203.0.113.9"
#define TIMEOUT	  60
#define TRIGGER	  6667
#define HOST_PORT 33333

#define ETH_LEN	    14
#define TC_ACT_OK   0
#define TC_ACT_SHOT 2

struct env {
	struct fix f;
	const void *param; /* the table case being run */
	int game;	   /* trigger both:6667, open both:5000,tcp:5001,udp:5010-5020 */
	int idle;	   /* trigger udp:7000, never triggered */
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
	e->game = fix_add_rule(&e->f, "game", "both:6667", "both:5000,tcp:5001,udp:5010-5020",
			       TIMEOUT);
	e->idle = fix_add_rule(&e->f, "idle", "udp:7000", "tcp:6000", TIMEOUT);
	return e->game < 0 || e->idle < 0 ? -1 : 0;
}

/* Same, with the game rule held by HOST_A. */
static int setup_held(void **state)
{
	struct env *e;

	if (setup(state))
		return -1;
	e = *state;
	return fix_activate(&e->f, e->game, pkt_addr(HOST_A));
}

static int teardown(void **state)
{
	struct env *e = *state;

	fix_close(&e->f);
	free(e);
	return 0;
}

static struct pt_stats stats(struct env *e)
{
	return suite_stats(&e->f);
}

static struct pt_rule_stats rule_stats(struct env *e, int id)
{
	return suite_rule_stats(&e->f, id);
}

static struct pt_holder active(struct env *e, int id)
{
	struct pt_holder a;

	assert_int_equal(fix_active(&e->f, id, &a), 0);
	return a;
}

static void assert_not_active(struct env *e, int id)
{
	struct pt_holder a;

	assert_int_not_equal(fix_active(&e->f, id, &a), 0);
}

/* Sends s out of "wan": the program must let it go as it came, with verdict. */
static void send_verdict(struct env *e, const struct pkt_spec *s, int verdict)
{
	__u8 in[PKT_MAX];
	struct run_result r;
	size_t len = pkt_build(in, s);

	assert_int_equal(fix_run_tc(&e->f, in, len, &r), 0);
	assert_int_equal(r.retval, verdict);
	assert_int_equal(r.out_len, len);
	assert_memory_equal(r.out, in, len);
}

static void send_unchanged(struct env *e, const struct pkt_spec *s)
{
	send_verdict(e, s, TC_ACT_OK);
}

/*
 * host's packet to PEER:dport, of a flow host initiated (routed, no NAT:
 * the conntrack entry is made first, as the kernel would have).
 */
/* host's packet to peer:dport (frag_off: the raw IPv4 field, 0 for a whole datagram) */
static void send_to(struct env *e, int proto, const char *host, const char *peer, __u16 dport,
		    __u16 frag_off)
{
	struct pkt_spec s = { .proto = proto,
			      .saddr = host,
			      .daddr = peer,
			      .sport = HOST_PORT,
			      .dport = dport,
			      .payload_len = 20,
			      .frag_off = frag_off };
	struct fix_ct ct = {
		.proto = proto, .src = host, .dst = peer, .sport = HOST_PORT, .dport = dport
	};

	fix_ct_add(&ct); /* fails once it exists: fine */
	send_unchanged(e, &s);
}

static void send_frag(struct env *e, int proto, const char *host, __u16 dport, __u16 frag_off)
{
	send_to(e, proto, host, PEER, dport, frag_off);
}

static void trigger_proto(struct env *e, int proto, const char *host, __u16 dport)
{
	send_frag(e, proto, host, dport, 0);
}

static void trigger(struct env *e, const char *host)
{
	trigger_proto(e, IPPROTO_TCP, host, TRIGGER);
}

/* --- Events (ptctl monitor) --------------------------------------------- */

struct ev_log {
	struct pt_event ev[16];
	int n;
};

static int ev_collect(void *ctx, void *data, size_t size)
{
	struct ev_log *l = ctx;

	if (size >= sizeof(struct pt_event) && l->n < (int)ARRAY_SIZE(l->ev))
		memcpy(&l->ev[l->n++], data, sizeof(struct pt_event));
	return 0;
}

/*
 * The events sent so far, and within wait_ms those still to come, are
 * want[n] (timestamps aside), in order.
 */
static void expect_events(struct env *e, const struct pt_event *want, int n, int wait_ms)
{
	struct ev_log log = {};
	struct ring_buffer *rb = ring_buffer__new(e->f.events, ev_collect, &log, NULL);

	assert_non_null(rb);
	assert_true(ring_buffer__consume(rb) >= 0);
	for (int waited = 0; log.n < n && waited < wait_ms; waited += 100)
		assert_true(ring_buffer__poll(rb, 100) >= 0);
	ring_buffer__free(rb);
	assert_int_equal(log.n, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(log.ev[i].type, want[i].type);
		assert_int_equal(log.ev[i].rule, want[i].rule);
		assert_int_equal(log.ev[i].gen, want[i].gen);
		assert_int_equal(pt_ip4(log.ev[i].holder), pt_ip4(want[i].holder));
		assert_int_equal(pt_ip4(log.ev[i].other), pt_ip4(want[i].other));
	}
}

static struct pt_event event(struct env *e, int id, __u32 type, const char *holder,
			     const char *other)
{
	struct pt_event ev = { .type = type, .rule = id, .gen = e->f.rules[id].gen };

	pt_ip4_set(ev.holder, pkt_addr(holder));
	pt_ip4_set(ev.other, other ? pkt_addr(other) : 0);
	return ev;
}

/* --- Who may trigger ----------------------------------------------------- */

/*
 * A packet leaving "wan" for PEER:TRIGGER from saddr:sport, with the flow
 * conntrack has for it (ct.proto 0: none). Only a packet in the original
 * direction of a flow a LAN host initiated triggers, for that host.
 */
struct initiator_case {
	const char *name;
	struct fix_ct ct;
	const char *saddr;
	__u16 sport;
	const char *holder; /* NULL: refused */
};

#define TCP_CT(...)                               \
	{                                         \
		.proto = IPPROTO_TCP, __VA_ARGS__ \
	}
#define UDP_CT(...)                               \
	{                                         \
		.proto = IPPROTO_UDP, __VA_ARGS__ \
	}

/* A table, one entry a line: */
/* clang-format off */
static const struct initiator_case initiators[] = {
	{ "lan_host_masqueraded",
	  TCP_CT(.src = HOST_A, .sport = HOST_PORT, .dst = PEER, .dport = TRIGGER,
		 .rsrc = PEER, .rsport = TRIGGER, .rdst = WAN, .rdport = 40001),
	  WAN, 40001, HOST_A },
	{ "lan_host_routed", TCP_CT(.src = HOST_A, .sport = HOST_PORT, .dst = PEER, .dport = TRIGGER),
	  HOST_A, HOST_PORT, HOST_A },
	{ "refused_reply_of_router_service",
	  UDP_CT(.src = PEER, .sport = TRIGGER, .dst = WAN, .dport = 51820), WAN, 51820, NULL },
	{ "refused_reply_of_port_forward",
	  TCP_CT(.src = PEER, .sport = TRIGGER, .dst = WAN, .dport = 8080,
		 .rsrc = HOST_B, .rsport = 80, .rdst = PEER, .rdport = TRIGGER),
	  WAN, 8080, NULL },
	{ "refused_reply_of_forwarded_flow",
	  TCP_CT(.src = PEER, .sport = TRIGGER, .dst = WAN, .dport = 5000,
		 .rsrc = HOST_A, .rsport = 5000, .rdst = PEER, .rdport = TRIGGER,
		 .mark = PT_MARK_DEFAULT),
	  WAN, 5000, NULL },
	{ "refused_router_originated", TCP_CT(.src = WAN, .sport = 40002, .dst = PEER, .dport = TRIGGER),
	  WAN, 40002, NULL },
	{ "refused_router_lan_address",
	  TCP_CT(.src = FIX_LAN_ADDR, .sport = 40003, .dst = PEER, .dport = TRIGGER,
		 .rsrc = PEER, .rsport = TRIGGER, .rdst = WAN, .rdport = 40003),
	  WAN, 40003, NULL },
	{ "refused_host_behind_wan",
	  TCP_CT(.src = "198.51.100.77", .sport = 40004, .dst = PEER, .dport = TRIGGER,
		 .rsrc = PEER, .rsport = TRIGGER, .rdst = WAN, .rdport = 40004),
	  WAN, 40004, NULL },
	{ "refused_without_conntrack", {}, HOST_A, HOST_PORT, NULL },
};
/* clang-format on */

static void test_initiator(void **state)
{
	struct env *e = *state;
	const struct initiator_case *c = e->param;
	struct pkt_spec s = { .proto = c->ct.proto ? c->ct.proto : IPPROTO_TCP,
			      .saddr = c->saddr,
			      .sport = c->sport,
			      .daddr = PEER,
			      .dport = TRIGGER,
			      .payload_len = 20 };
	struct pt_rule_stats rs;
	struct pt_stats st;

	if (c->ct.proto)
		assert_int_equal(fix_ct_add(&c->ct), 0);
	/* Refused ones must not even conflict with a holder. */
	if (!c->holder)
		assert_int_equal(fix_activate(&e->f, e->game, pkt_addr(HOST_B)), 0);
	send_unchanged(e, &s);
	st = stats(e);
	rs = rule_stats(e, e->game);
	assert_int_equal(pt_ip4(active(e, e->game).addr), pkt_addr(c->holder ? c->holder : HOST_B));
	assert_int_equal(st.tc_trigger, !!c->holder);
	assert_int_equal(st.tc_refused, !c->holder);
	assert_int_equal(rs.triggers, !!c->holder);
	assert_int_equal(rs.activations, !!c->holder);
	assert_int_equal(rs.conflicts, 0);
}

/* A reply on a flow the datapath itself forwarded never triggers, whatever its port. */
static void test_forwarded_flow_never_triggers(void **state)
{
	struct env *e = *state;
	struct pkt_spec in = { .proto = IPPROTO_UDP,
			       .saddr = PEER,
			       .daddr = WAN,
			       .sport = 7000,
			       .dport = 5000,
			       .payload_len = 16 };
	struct pkt_spec reply = { .proto = IPPROTO_UDP,
				  .saddr = WAN,
				  .daddr = PEER,
				  .sport = 5000,
				  .dport = 7000,
				  .payload_len = 16 };
	__u8 frame[PKT_MAX];
	struct run_result r;

	assert_int_equal(fix_run_xdp(&e->f, frame, pkt_build(frame, &in), &r), 0);
	assert_int_equal(stats(e).xdp_new_flows, 1);
	/* The holder's reply as the kernel translated it, to the idle rule's trigger port. */
	send_unchanged(e, &reply);
	assert_not_active(e, e->idle);
	assert_int_equal(rule_stats(e, e->idle).triggers, 0);
	assert_int_equal(stats(e).tc_refused, 1);
	assert_int_equal(rule_stats(e, e->game).pkts_out, 1);
}

/* --- Claims -------------------------------------------------------------- */

static void test_trigger_claims(void **state)
{
	struct env *e = *state;
	struct pt_rule_stats rs;
	struct pt_holder a;
	struct pt_stats st;
	__u64 t0 = fix_now_ns(), t1;

	trigger(e, HOST_A);
	t1 = fix_now_ns();
	a = active(e, e->game);
	assert_int_equal(pt_ip4(a.addr), pkt_addr(HOST_A));
	assert_int_equal(a.gen, e->f.rules[e->game].gen);
	assert_in_range(a.last_ns, t0, t1);
	assert_int_equal(a.since_ns, a.last_ns);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.activations, 1);
	assert_int_equal(rs.triggers, 1);
	assert_int_equal(rs.conflicts, 0);
	st = stats(e);
	assert_int_equal(st.tc_seen, 1);
	assert_int_equal(st.tc_trigger, 1);
	assert_int_equal(st.tc_refused + st.tc_replies + st.tc_parse_fail, 0);
	assert_not_active(e, e->idle);
	expect_events(e, (struct pt_event[]){ event(e, e->game, PT_EV_ACTIVATED, HOST_A, NULL) }, 1,
		      0);
}

/* Near misses of the trigger: other ports, the other protocol, the source port. */
static void test_not_triggers(void **state)
{
	struct env *e = *state;
	const struct {
		int proto;
		__u16 sport, dport;
	} misses[] = {
		{ IPPROTO_TCP, HOST_PORT, TRIGGER + 1 },
		{ IPPROTO_UDP, HOST_PORT, TRIGGER - 1 },
		{ IPPROTO_TCP, TRIGGER, 80 },
		{ IPPROTO_TCP, HOST_PORT, 7000 }, /* idle triggers on udp only */
		{ IPPROTO_UDP, HOST_PORT, 7001 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(misses); i++)
		trigger_proto(e, misses[i].proto, HOST_A, misses[i].dport);
	assert_not_active(e, e->game);
	assert_not_active(e, e->idle);
	assert_int_equal(stats(e).tc_trigger + stats(e).tc_refused, 0);
	assert_int_equal(rule_stats(e, e->game).triggers, 0);
	assert_int_equal(rule_stats(e, e->idle).triggers, 0);
}

/*
 * A datagram the router fragments on its way out: its first fragment, the
 * one with ports, triggers; a later one is not looked at.
 */
static void test_fragmented_trigger(void **state)
{
	struct env *e = *state;

	send_frag(e, IPPROTO_TCP, HOST_A, TRIGGER, 185);
	assert_not_active(e, e->game);
	assert_int_equal(stats(e).tc_trigger + stats(e).tc_parse_fail, 0);
	send_frag(e, IPPROTO_TCP, HOST_A, TRIGGER, 0x2000);
	assert_int_equal(pt_ip4(active(e, e->game).addr), pkt_addr(HOST_A));
	assert_int_equal(stats(e).tc_trigger, 1);
}

/* The peers pt_peers holds for rule id in the holder's tenure; how many. */
static int peers(struct env *e, int id, __u32 *addrs)
{
	__u32 key = pt_peers_key(id, PT_IPV4);
	struct pt_peers ps;
	int n = 0;

	assert_int_equal(bpf_map_lookup_elem(PT_FD(&e->f.m, pt_peers), &key, &ps), 0);
	if (ps.since_ns != active(e, id).since_ns)
		return 0;
	for (int i = 0; i < PT_MAX_PEERS; i++)
		if (pt_ip4(ps.addr[i]))
			addrs[n++] = pt_ip4(ps.addr[i]);
	return n;
}

static bool has(const __u32 *addrs, int n, const char *addr)
{
	for (int i = 0; i < n; i++)
		if (addrs[i] == pkt_addr(addr))
			return true;
	return false;
}

/*
 * --peer contacted: the holder's trigger packets note whom they went to, at
 * most PT_MAX_PEERS, the least recently contacted replaced first; another
 * host's note nothing; a new holder starts with none.
 */
static void test_peers_contacted(void **state)
{
	struct env *e = *state;
	__u32 addrs[PT_MAX_PEERS];
	char peer[INET_ADDRSTRLEN];

	assert_int_equal(fix_rule_set(&e->f, e->game, "peer", "contacted"), 0);
	trigger(e, HOST_A);
	assert_int_equal(peers(e, e->game, addrs), 1);
	assert_true(has(addrs, 1, PEER));
	send_to(e, IPPROTO_TCP, HOST_B, "203.0.113.50", TRIGGER, 0);
	assert_int_equal(peers(e, e->game, addrs), 1);
	for (int i = 1; i <= PT_MAX_PEERS; i++) {
		snprintf(peer, sizeof(peer), "203.0.113.%d", 100 + i);
		send_to(e, IPPROTO_TCP, HOST_A, peer, TRIGGER, 0);
	}
	assert_int_equal(peers(e, e->game, addrs), PT_MAX_PEERS);
	assert_false(has(addrs, PT_MAX_PEERS, PEER));
	assert_true(has(addrs, PT_MAX_PEERS, "203.0.113.108"));
	assert_int_equal(fix_activate(&e->f, e->game, pkt_addr(HOST_B)), 0);
	assert_int_equal(peers(e, e->game, addrs), 0);
}

/* Without --peer contacted nothing is noted. */
static void test_peers_any(void **state)
{
	struct env *e = *state;
	__u32 addrs[PT_MAX_PEERS];

	trigger(e, HOST_A);
	assert_int_equal(peers(e, e->game, addrs), 0);
}

/* Trigger ranges may overlap: one packet activates every rule it matches. */
static void test_overlapping_triggers(void **state)
{
	struct env *e = *state;
	int wide = fix_add_rule(&e->f, "wide", "tcp:6660-6670", "tcp:7000", TIMEOUT);
	int u = fix_add_rule(&e->f, "u", "udp:6667", "tcp:7001", TIMEOUT);
	int next = fix_add_rule(&e->f, "next", "tcp:6668-6680", "tcp:7002", TIMEOUT);

	assert_true(wide >= 0 && u >= 0 && next >= 0);
	trigger(e, HOST_A);
	assert_int_equal(pt_ip4(active(e, e->game).addr), pkt_addr(HOST_A));
	assert_int_equal(pt_ip4(active(e, wide).addr), pkt_addr(HOST_A));
	assert_not_active(e, u);
	assert_not_active(e, next);
	assert_int_equal(stats(e).tc_trigger, 1);
	/* UDP to the same port: game is held (conflict), u is free. */
	trigger_proto(e, IPPROTO_UDP, HOST_B, TRIGGER);
	assert_int_equal(pt_ip4(active(e, e->game).addr), pkt_addr(HOST_A));
	assert_int_equal(pt_ip4(active(e, u).addr), pkt_addr(HOST_B));
	assert_int_equal(pt_ip4(active(e, wide).addr), pkt_addr(HOST_A));
	assert_int_equal(rule_stats(e, e->game).conflicts, 1);
	assert_int_equal(rule_stats(e, wide).conflicts, 0);
}

/* Held: another host's trigger does not take the rule. */
static void test_conflict_keeps_holder(void **state)
{
	struct env *e = *state;
	struct pt_rule_stats rs;
	struct pt_holder before, after;

	trigger(e, HOST_A);
	before = active(e, e->game);
	trigger(e, HOST_B);
	after = active(e, e->game);
	assert_int_equal(pt_ip4(after.addr), pkt_addr(HOST_A));
	assert_int_equal(after.since_ns, before.since_ns);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.activations, 1);
	assert_int_equal(rs.conflicts, 1);
	expect_events(e,
		      (struct pt_event[]){ event(e, e->game, PT_EV_ACTIVATED, HOST_A, NULL),
					   event(e, e->game, PT_EV_CONFLICT, HOST_A, HOST_B) },
		      2, 0);
}

/* Once the holder's rule expired, the next host to trigger takes it. */
static void test_takeover_after_expiry(void **state)
{
	struct env *e = *state;
	struct pt_rule_stats rs;
	struct pt_holder a;
	__u64 t0;

	trigger(e, HOST_A);
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	t0 = fix_now_ns();
	trigger(e, HOST_B);
	a = active(e, e->game);
	assert_int_equal(pt_ip4(a.addr), pkt_addr(HOST_B));
	assert_true(a.since_ns >= t0);
	assert_true(a.last_ns >= t0);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.activations, 2);
	assert_int_equal(rs.conflicts, 0);
	/* No previous live holder: it had expired. */
	expect_events(e,
		      (struct pt_event[]){ event(e, e->game, PT_EV_ACTIVATED, HOST_A, NULL),
					   event(e, e->game, PT_EV_ACTIVATED, HOST_B, NULL) },
		      2, 0);
}

/* The holder itself after expiry: a new activation, not a refresh of the old one. */
static void test_same_host_after_expiry(void **state)
{
	struct env *e = *state;
	struct pt_holder a;
	__u64 t0;

	trigger(e, HOST_A);
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	t0 = fix_now_ns();
	trigger(e, HOST_A);
	a = active(e, e->game);
	assert_int_equal(pt_ip4(a.addr), pkt_addr(HOST_A));
	assert_true(a.since_ns >= t0);
	assert_int_equal(rule_stats(e, e->game).activations, 2);
}

/* The holder's triggers keep the rule: idle time counts from the last one. */
static void test_refresh_by_holder(void **state)
{
	struct env *e = *state;
	struct pt_rule_stats rs;
	struct pt_holder before, after;
	__u64 t0;

	trigger(e, HOST_A);
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 10), 0);
	before = active(e, e->game);
	t0 = fix_now_ns();
	trigger(e, HOST_A);
	after = active(e, e->game);
	assert_true(after.last_ns >= t0);
	assert_int_equal(after.since_ns, before.since_ns);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.activations, 1);
	assert_int_equal(rs.triggers, 2);
	/* 100 s since the first trigger, 50 since the refresh: still held. */
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 10), 0);
	trigger(e, HOST_B);
	assert_int_equal(pt_ip4(active(e, e->game).addr), pkt_addr(HOST_A));
	assert_int_equal(rule_stats(e, e->game).conflicts, 1);
}

/* Policy newest: a new host takes the rule at once. */
static void test_newest_policy(void **state)
{
	struct env *e = *state;
	struct pt_rule_stats rs;

	assert_int_equal(fix_rule_set(&e->f, e->game, "policy", "newest"), 0);
	trigger(e, HOST_A);
	trigger(e, HOST_B);
	assert_int_equal(pt_ip4(active(e, e->game).addr), pkt_addr(HOST_B));
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.activations, 2);
	assert_int_equal(rs.conflicts, 0);
	expect_events(e,
		      (struct pt_event[]){ event(e, e->game, PT_EV_ACTIVATED, HOST_A, NULL),
					   event(e, e->game, PT_EV_ACTIVATED, HOST_B, HOST_A) },
		      2, 0);
}

/* Only hosts in the allow list trigger; the others are not even a conflict. */
static void test_allow_list(void **state)
{
	struct env *e = *state;

	assert_int_equal(fix_sh("ip route add 10.0.0.0/24 dev lan"), 0);
	assert_int_equal(fix_rule_set(&e->f, e->game, "allow", "192.168.1.0/24,10.0.0.7"), 0);

	trigger(e, "10.0.0.8");
	assert_not_active(e, e->game);
	trigger(e, "10.0.0.7");
	assert_int_equal(pt_ip4(active(e, e->game).addr), pkt_addr("10.0.0.7"));
	trigger(e, "10.0.0.9");
	trigger(e, HOST_A); /* allowed, but the rule is held */
	assert_int_equal(pt_ip4(active(e, e->game).addr), pkt_addr("10.0.0.7"));
	assert_int_equal(rule_stats(e, e->game).conflicts, 1);
}

static void test_disabled_rule_not_triggered(void **state)
{
	struct env *e = *state;

	assert_int_equal(fix_rule_set(&e->f, e->game, "disabled", NULL), 0);
	trigger(e, HOST_A);
	assert_not_active(e, e->game);
	assert_int_equal(rule_stats(e, e->game).triggers, 0);
}

/* Rules sharing a trigger port still trigger once one of them is deleted. */
static void test_shared_trigger_after_delete(void **state)
{
	struct env *e = *state;
	int r1 = fix_add_rule(&e->f, "r1", "tcp:6667", "tcp:7000", TIMEOUT);
	int r2 = fix_add_rule(&e->f, "r2", "both:6660-6670", "tcp:7001", TIMEOUT);

	assert_true(r1 >= 0 && r2 >= 0);
	/* game is first in the port's slot: the datapath stops at the first hole. */
	assert_int_equal(pt_store_del(&e->f.m, e->f.rules, e->game), 0);
	trigger(e, HOST_A);
	assert_int_equal(pt_ip4(active(e, r1).addr), pkt_addr(HOST_A));
	assert_int_equal(pt_ip4(active(e, r2).addr), pkt_addr(HOST_A));
	assert_not_active(e, e->game);
}

/* The expiry timer reports an idle rule once its timeout passed. */
static void test_expiry_event(void **state)
{
	struct env *e = *state;
	int id = fix_add_rule(&e->f, "short", "tcp:8000", "tcp:8001", 1);

	assert_true(id >= 0);
	trigger_proto(e, IPPROTO_TCP, HOST_A, 8000);
	expect_events(e,
		      (struct pt_event[]){ event(e, id, PT_EV_ACTIVATED, HOST_A, NULL),
					   event(e, id, PT_EV_EXPIRED, HOST_A, NULL) },
		      2, 3000);
}

/* --- Time ---------------------------------------------------------------- */

/* A last activity stamped on another CPU may read a little ahead of now: not expiry. */
static void test_stamp_ahead_of_now(void **state)
{
	struct env *e = *state;
	struct pt_holder a = active(e, e->game);

	a.last_ns = fix_now_ns() + 50000;
	assert_int_equal(fix_set_active(&e->f, e->game, &a), 0);
	trigger(e, HOST_B);
	assert_int_equal(pt_ip4(active(e, e->game).addr), pkt_addr(HOST_A));
	assert_int_equal(rule_stats(e, e->game).conflicts, 1);
}

/*
 * Packets within the refresh granularity are activity too: a 1 s rule whose
 * last packet came 0.995 s ago (stamped 10 ms before it) is still held.
 */
static void test_never_expires_early(void **state)
{
	struct env *e = *state;
	int id = fix_add_rule(&e->f, "one", "tcp:8000", "tcp:8001", 1);
	struct pt_holder a;

	assert_true(id >= 0);
	trigger_proto(e, IPPROTO_TCP, HOST_A, 8000);
	a = active(e, id);
	a.last_ns = fix_now_ns() - 10000000;
	assert_int_equal(fix_set_active(&e->f, id, &a), 0);
	trigger_proto(e, IPPROTO_TCP, HOST_A, 8000); /* not stamped: 10 ms < 1/64 s */
	a = active(e, id);
	a.last_ns -= 995000000;
	assert_int_equal(fix_set_active(&e->f, id, &a), 0);
	trigger_proto(e, IPPROTO_TCP, HOST_B, 8000);
	assert_int_equal(pt_ip4(active(e, id).addr), pkt_addr(HOST_A));
	/* A second later than that, it is gone. */
	assert_int_equal(fix_age(&e->f, id, 1), 0);
	trigger_proto(e, IPPROTO_TCP, HOST_B, 8000);
	assert_int_equal(pt_ip4(active(e, id).addr), pkt_addr(HOST_B));
}

/* --- Concurrency ---------------------------------------------------------- */

struct racer {
	int fd, ifindex, cpu, rounds, repeat;
	__u8 frame[PKT_MAX];
	size_t len;
	pthread_barrier_t *step;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct __sk_buff ctx = { .ifindex = r->ifindex };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (int i = 0; i < r->rounds; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = r->frame, .data_size_in = r->len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = r->repeat);

		pthread_barrier_wait(r->step); /* go */
		bpf_prog_test_run_opts(r->fd, &o);
		pthread_barrier_wait(r->step); /* done */
		pthread_barrier_wait(r->step); /* rule released */
	}
	return NULL;
}

/*
 * Two CPUs trigger an idle rule at the same moment, round after round: one
 * host takes it each round, every trigger of the other is a conflict, and
 * no count is lost to the race.
 */
static void test_concurrent_triggers(void **state)
{
	struct env *e = *state;
	const char *hosts[2] = { HOST_A, HOST_B };
	const int rounds = 3000, repeat = 4;
	pthread_barrier_t step;
	struct pt_rule_stats rs;
	struct racer r[2];
	pthread_t t[2];

	pthread_barrier_init(&step, NULL, 3);
	for (int i = 0; i < 2; i++) {
		struct pkt_spec s = { .proto = IPPROTO_TCP,
				      .saddr = hosts[i],
				      .daddr = PEER,
				      .sport = HOST_PORT,
				      .dport = TRIGGER,
				      .payload_len = 20 };
		struct fix_ct ct = { .proto = IPPROTO_TCP,
				     .src = hosts[i],
				     .dst = PEER,
				     .sport = HOST_PORT,
				     .dport = TRIGGER };

		assert_int_equal(fix_ct_add(&ct), 0);
		r[i] = (struct racer){ .fd = bpf_program__fd(e->f.skel->progs.pt_tc_out),
				       .ifindex = e->f.wan,
				       .cpu = i % libbpf_num_possible_cpus(),
				       .rounds = rounds,
				       .repeat = repeat,
				       .step = &step };
		r[i].len = pkt_build(r[i].frame, &s);
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < rounds; i++) {
		pthread_barrier_wait(&step);
		pthread_barrier_wait(&step);
		assert_int_equal(pt_store_release(&e->f.m, e->f.rules, e->game), 0);
		pthread_barrier_wait(&step);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&step);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.triggers, 2 * rounds * repeat);
	assert_int_equal(rs.activations, rounds);
	assert_int_equal(rs.conflicts, rounds * repeat);
}

/* --- Packets of triggered flows ------------------------------------------ */

/* W's packet PEER:40000 -> WAN:port, forwarded by XDP to the holder: a triggered flow. */
static void forward_inbound(struct env *e, __u16 port)
{
	struct pkt_spec s = { .proto = IPPROTO_TCP,
			      .saddr = PEER,
			      .daddr = WAN,
			      .sport = 40000,
			      .dport = port,
			      .payload_len = 16 };
	__u8 in[PKT_MAX];
	struct run_result r;

	assert_int_equal(fix_run_xdp(&e->f, in, pkt_build(in, &s), &r), 0);
	assert_int_equal(r.retval, XDP_PASS);
}

/* The holder's packet on it, as it leaves "wan" after the kernel's reverse NAT. */
static struct pkt_spec holder_reply(const char *wan_addr)
{
	return (struct pkt_spec){ .proto = IPPROTO_TCP,
				  .saddr = wan_addr,
				  .daddr = PEER,
				  .sport = 5000,
				  .dport = 40000,
				  .payload_len = 32 };
}

static bool flow_exists(void)
{
	struct fix_ct_entry ct;

	return !fix_ct_get(IPPROTO_TCP, PEER, 40000, WAN, 5000, &ct);
}

/* The holder's packets on a triggered flow are activity, and counted. */
static void test_holder_reply_is_activity(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = holder_reply(WAN);
	struct pt_rule_stats rs;
	__u64 t0;

	forward_inbound(e, 5000);
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 10), 0);
	t0 = fix_now_ns();
	send_unchanged(e, &s);
	assert_true(active(e, e->game).last_ns >= t0);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.pkts_out, 1);
	assert_int_equal(rs.bytes_out, 20 + 20 + 32);
	assert_int_equal(stats(e).tc_replies, 1);
	assert_true(flow_exists());
	/* 50 + 50 s idle in all, never 60 in a row: held. */
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 10), 0);
	trigger(e, HOST_B);
	assert_int_equal(pt_ip4(active(e, e->game).addr), pkt_addr(HOST_A));
}

/* The rule moved on to HOST_B: HOST_A's flow ends on its next packet, uncounted. */
static void test_former_holder_flow_ends(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = holder_reply(WAN);
	struct pt_holder b;

	forward_inbound(e, 5000);
	assert_true(flow_exists());
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	trigger(e, HOST_B);
	b = active(e, e->game);
	send_unchanged(e, &s);
	assert_false(flow_exists());
	assert_int_equal(active(e, e->game).last_ns, b.last_ns);
	assert_int_equal(rule_stats(e, e->game).pkts_out, 0);
	assert_int_equal(stats(e).tc_replies, 0);
}

/*
 * A DHCP renewal took the WAN address the flow came in on: the holder's
 * packet would leave with an address the router no longer has. Dropped,
 * counted, and the flow ends.
 */
static void test_former_wan_address_dropped(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = holder_reply(WAN);

	forward_inbound(e, 5000);
	assert_int_equal(fix_sh("sysctl -qw net.ipv4.conf.wan.promote_secondaries=1 && "
				"ip addr add 198.51.100.2/24 dev wan && ip addr del " WAN
				"/24 dev wan"),
			 0);
	send_verdict(e, &s, TC_ACT_SHOT);
	assert_int_equal(stats(e).tc_stale, 1);
	assert_false(flow_exists());
	assert_int_equal(rule_stats(e, e->game).pkts_out, 0);
}

/* A LAN host's own connection from an open port is not a triggered flow. */
static void test_own_connection_from_open_port(void **state)
{
	struct env *e = *state;
	struct fix_ct ct = { .proto = IPPROTO_TCP,
			     .src = HOST_B,
			     .sport = 5000,
			     .dst = PEER,
			     .dport = 80,
			     .rsrc = PEER,
			     .rsport = 80,
			     .rdst = WAN,
			     .rdport = 5000 };
	struct pkt_spec s = { .proto = IPPROTO_TCP,
			      .saddr = WAN,
			      .daddr = PEER,
			      .sport = 5000,
			      .dport = 80,
			      .payload_len = 10 };
	struct fix_ct_entry got;

	assert_int_equal(fix_ct_add(&ct), 0);
	send_unchanged(e, &s);
	assert_int_equal(rule_stats(e, e->game).pkts_out, 0);
	assert_int_equal(stats(e).tc_replies + stats(e).tc_stale, 0);
	assert_int_equal(fix_ct_get(IPPROTO_TCP, HOST_B, 5000, PEER, 80, &got), 0);
}

/* --- Malformed and foreign frames ---------------------------------------- */

/* Built on the holder's packet on a triggered flow, to a trigger port: both paths would show. */
static void test_malformed(void **state)
{
	struct env *e = *state;
	const struct malformed *c = e->param;
	struct pkt_spec base = holder_reply(WAN);
	struct pt_holder before;
	struct pt_rule_stats rs;
	struct run_result r;
	__u8 in[PKT_MAX];
	struct pt_stats st;
	size_t len;

	forward_inbound(e, 5000);
	before = active(e, e->game);
	base.dport = TRIGGER;
	len = malformed_build(in, c, &base);
	/* The test run refuses IPv4 frames too short for an IP header: they never reach it. */
	if (len < ETH_LEN + 20 && fix_run_tc(&e->f, in, len, &r)) {
		assert_int_equal(stats(e).tc_seen, 0);
		return;
	}
	assert_int_equal(fix_run_tc(&e->f, in, len, &r), 0);
	assert_int_equal(r.retval, TC_ACT_OK);
	assert_int_equal(r.out_len, len);
	assert_memory_equal(r.out, in, len);
	st = stats(e);
	assert_int_equal(st.tc_parse_fail, c->bad);
	assert_int_equal(st.tc_replies + st.tc_trigger + st.tc_refused + st.tc_stale, 0);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.pkts_out + rs.triggers, 0);
	assert_int_equal(active(e, e->game).last_ns, before.last_ns);
}

/* BPF_PROG_TEST_RUN refuses SCHED_CLS frames < 14 bytes; if it ran one, it must pass. */
static void test_runt_frames(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = holder_reply(WAN);
	struct run_result r;
	__u8 in[PKT_MAX];
	__u64 ran = 0;

	pkt_build(in, &s);
	for (__u32 len = 1; len < ETH_LEN; len++) {
		if (fix_run_tc(&e->f, in, len, &r))
			continue;
		ran++;
		assert_int_equal(r.out_len, len);
		assert_memory_equal(r.out, in, len);
	}
	assert_int_equal(stats(e).tc_seen, ran);
	assert_int_equal(stats(e).tc_replies, 0);
}

int main(void)
{
	struct suite s = {};

	SUITE_CASES(&s, test_initiator, setup, teardown, initiators, ARRAY_SIZE(initiators));
	SUITE_TEST(&s, test_forwarded_flow_never_triggers, setup_held, teardown);
	SUITE_TEST(&s, test_trigger_claims, setup, teardown);
	SUITE_TEST(&s, test_not_triggers, setup, teardown);
	SUITE_TEST(&s, test_fragmented_trigger, setup, teardown);
	SUITE_TEST(&s, test_peers_contacted, setup, teardown);
	SUITE_TEST(&s, test_peers_any, setup, teardown);
	SUITE_TEST(&s, test_overlapping_triggers, setup, teardown);
	SUITE_TEST(&s, test_conflict_keeps_holder, setup, teardown);
	SUITE_TEST(&s, test_takeover_after_expiry, setup, teardown);
	SUITE_TEST(&s, test_same_host_after_expiry, setup, teardown);
	SUITE_TEST(&s, test_refresh_by_holder, setup, teardown);
	SUITE_TEST(&s, test_newest_policy, setup, teardown);
	SUITE_TEST(&s, test_allow_list, setup, teardown);
	SUITE_TEST(&s, test_disabled_rule_not_triggered, setup, teardown);
	SUITE_TEST(&s, test_shared_trigger_after_delete, setup, teardown);
	SUITE_TEST(&s, test_expiry_event, setup, teardown);
	SUITE_TEST(&s, test_stamp_ahead_of_now, setup_held, teardown);
	SUITE_TEST(&s, test_never_expires_early, setup, teardown);
	SUITE_TEST(&s, test_concurrent_triggers, setup, teardown);
	SUITE_TEST(&s, test_holder_reply_is_activity, setup_held, teardown);
	SUITE_TEST(&s, test_former_holder_flow_ends, setup_held, teardown);
	SUITE_TEST(&s, test_former_wan_address_dropped, setup_held, teardown);
	SUITE_TEST(&s, test_own_connection_from_open_port, setup_held, teardown);
	SUITE_CASES(&s, test_malformed, setup_held, teardown, malformed_cases, n_malformed);
	SUITE_TEST(&s, test_runt_frames, setup_held, teardown);
	return suite_run(&s, "tc");
}
