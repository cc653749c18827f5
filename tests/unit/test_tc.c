// SPDX-License-Identifier: GPL-2.0
/*
 * pt_tc_out: triggers claim, refresh or conflict with rules for the LAN host
 * behind them; the holder's replies from open ports leave with the WAN
 * address. pt_tc_in: frames without metadata pass as they came.
 *
 * Every test runs in a network namespace of its own, so conntrack lookups
 * see only the entries the test made.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
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
#include "rewrite_cases.h"
#include "store.h"

#define WAN "198.51.100.1"
#define HOST_A "192.168.1.10"
#define HOST_B "192.168.1.20"
#define PEER "203.0.113.9"
#define TIMEOUT 60
#define TRIGGER 6667

#define ETH_LEN 14
#define TC_ACT_OK 0

struct env {
	struct fix f;
	const void *param; /* the table case being run */
	int game;	   /* trigger both:6667; held by HOST_A in the reply tests */
	int idle;	   /* trigger udp:7000, never triggered */
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	e->param = *state;
	*state = e;
	if (unshare(CLONE_NEWNET) || fix_open(&e->f, WAN))
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

static int tc_out_fd(struct env *e)
{
	return bpf_program__fd(e->f.skel->progs.pt_tc_out);
}

static struct pt_stats stats(struct env *e)
{
	return suite_stats(&e->f);
}

static struct pt_rule_stats rule_stats(struct env *e, int id)
{
	return suite_rule_stats(&e->f, id);
}

static struct pt_active active(struct env *e, int id)
{
	struct pt_active a;

	assert_int_equal(fix_active(&e->f, id, &a), 0);
	return a;
}

static void assert_not_active(struct env *e, int id)
{
	struct pt_active a;

	assert_int_not_equal(fix_active(&e->f, id, &a), 0);
}

static void run_out(struct env *e, const __u8 *frame, size_t len, struct run_result *r)
{
	assert_int_equal(fix_run(tc_out_fd(e), frame, len, r), 0);
	assert_int_equal(r->retval, TC_ACT_OK);
	assert_int_equal(r->out_len, len);
}

/* Sends s through pt_tc_out, which must leave it as it was. */
static void send_unchanged(struct env *e, const struct pkt_spec *s)
{
	__u8 in[PKT_MAX];
	struct run_result r;
	size_t len = pkt_build(in, s);

	run_out(e, in, len, &r);
	assert_memory_equal(r.out, in, len);
}

/* A packet from host to a trigger port: never rewritten itself. */
static void trigger_proto(struct env *e, int proto, const char *host, __u16 dport)
{
	struct pkt_spec s = { .proto = proto, .saddr = host, .daddr = PEER,
			      .sport = 33333, .dport = dport, .payload_len = 20 };

	send_unchanged(e, &s);
}

static void trigger(struct env *e, const char *host)
{
	trigger_proto(e, IPPROTO_TCP, host, TRIGGER);
}

/* A reply of host from one of its ports to a peer on the Internet. */
static struct pkt_spec reply(int proto, const char *host, __u16 sport)
{
	return (struct pkt_spec){ .proto = proto, .saddr = host, .daddr = PEER,
				  .sport = sport, .dport = 40000, .payload_len = 32 };
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
	struct ring_buffer *rb = ring_buffer__new(e->f.m.events, ev_collect, &log, NULL);

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
		assert_int_equal(log.ev[i].holder, want[i].holder);
		assert_int_equal(log.ev[i].other, want[i].other);
	}
}

static struct pt_event event(struct env *e, int id, __u32 type, const char *holder,
			     const char *other)
{
	return (struct pt_event){
		.type = type, .rule = id, .gen = e->f.rules[id].gen,
		.holder = pkt_addr(holder), .other = other ? pkt_addr(other) : 0,
	};
}

/* --- Triggers ----------------------------------------------------------- */

static void test_trigger_claims(void **state)
{
	struct env *e = *state;
	struct pt_rule_stats rs;
	struct pt_active a;
	struct pt_stats st;
	__u64 t0 = fix_now_ns(), t1;

	trigger(e, HOST_A);
	t1 = fix_now_ns();
	a = active(e, e->game);
	assert_int_equal(a.holder, pkt_addr(HOST_A));
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
	assert_int_equal(st.tc_no_host + st.tc_snat + st.tc_parse_fail, 0);
	assert_not_active(e, e->idle);
	expect_events(e, (struct pt_event[]){ event(e, e->game, PT_EV_ACTIVATED, HOST_A, NULL) },
		      1, 0);
}

/* Near misses of the trigger: other ports, the other protocol, the source port. */
static void test_not_triggers(void **state)
{
	struct env *e = *state;
	const struct {
		int proto;
		__u16 sport, dport;
	} misses[] = {
		{ IPPROTO_TCP, 33333, TRIGGER + 1 },
		{ IPPROTO_UDP, 33333, TRIGGER - 1 },
		{ IPPROTO_TCP, TRIGGER, 80 },
		{ IPPROTO_TCP, 33333, 7000 }, /* idle triggers on udp only */
		{ IPPROTO_UDP, 33333, 7001 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(misses); i++) {
		struct pkt_spec s = { .proto = misses[i].proto, .saddr = HOST_A, .daddr = PEER,
				      .sport = misses[i].sport, .dport = misses[i].dport };

		send_unchanged(e, &s);
	}
	assert_not_active(e, e->game);
	assert_not_active(e, e->idle);
	assert_int_equal(stats(e).tc_trigger, 0);
	assert_int_equal(rule_stats(e, e->game).triggers, 0);
	assert_int_equal(rule_stats(e, e->idle).triggers, 0);
}

/*
 * A masqueraded TCP connection: host:sport -> PEER:TRIGGER, seen by the
 * WAN as WAN:sport -> PEER:TRIGGER.
 */
static void ct_insert(const char *host, __u16 sport)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "conntrack -I -p tcp -s %s -d %s --sport %u --dport %u -r %s -q %s "
		 "--reply-port-src %u --reply-port-dst %u --state ESTABLISHED -t 120 "
		 "-u SEEN_REPLY >/dev/null 2>&1",
		 host, PEER, sport, TRIGGER, PEER, WAN, TRIGGER, sport);
	assert_int_equal(system(cmd), 0);
}

/* Traffic of the router itself (source WAN, no conntrack entry) triggers nothing. */
static void test_router_own_traffic(void **state)
{
	struct env *e = *state;
	struct pt_stats st;

	trigger(e, WAN);
	assert_not_active(e, e->game);
	st = stats(e);
	assert_int_equal(st.tc_no_host, 1);
	assert_int_equal(st.tc_trigger, 0);
	expect_events(e, NULL, 0, 0);
}

/* Masqueraded: the host is the original source of the conntrack entry. */
static void test_masqueraded_trigger(void **state)
{
	struct env *e = *state;

	ct_insert(HOST_A, 33333);
	trigger(e, WAN);
	assert_int_equal(active(e, e->game).holder, pkt_addr(HOST_A));
	assert_int_equal(stats(e).tc_trigger, 1);
	assert_int_equal(stats(e).tc_no_host, 0);
}

/* A connection the router made itself: conntrack says so, nothing is claimed. */
static void test_router_connection_in_conntrack(void **state)
{
	struct env *e = *state;

	ct_insert(WAN, 33333);
	trigger(e, WAN);
	assert_not_active(e, e->game);
	assert_int_equal(stats(e).tc_no_host, 1);
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
	assert_int_equal(active(e, e->game).holder, pkt_addr(HOST_A));
	assert_int_equal(active(e, wide).holder, pkt_addr(HOST_A));
	assert_not_active(e, u);
	assert_not_active(e, next);
	assert_int_equal(stats(e).tc_trigger, 1);
	/* UDP to the same port: game is held (conflict), u is free. */
	trigger_proto(e, IPPROTO_UDP, HOST_B, TRIGGER);
	assert_int_equal(active(e, e->game).holder, pkt_addr(HOST_A));
	assert_int_equal(active(e, u).holder, pkt_addr(HOST_B));
	assert_int_equal(active(e, wide).holder, pkt_addr(HOST_A));
	assert_int_equal(rule_stats(e, e->game).conflicts, 1);
	assert_int_equal(rule_stats(e, wide).conflicts, 0);
}

/* Held: another host's trigger does not take the rule. */
static void test_conflict_keeps_holder(void **state)
{
	struct env *e = *state;
	struct pt_rule_stats rs;
	struct pt_active before, after;

	trigger(e, HOST_A);
	before = active(e, e->game);
	trigger(e, HOST_B);
	after = active(e, e->game);
	assert_int_equal(after.holder, pkt_addr(HOST_A));
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
	struct pt_active a;
	__u64 t0;

	trigger(e, HOST_A);
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	t0 = fix_now_ns();
	trigger(e, HOST_B);
	a = active(e, e->game);
	assert_int_equal(a.holder, pkt_addr(HOST_B));
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
	struct pt_active a;
	__u64 t0;

	trigger(e, HOST_A);
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	t0 = fix_now_ns();
	trigger(e, HOST_A);
	a = active(e, e->game);
	assert_int_equal(a.holder, pkt_addr(HOST_A));
	assert_true(a.since_ns >= t0);
	assert_int_equal(rule_stats(e, e->game).activations, 2);
}

/* The holder's triggers keep the rule: idle time counts from the last one. */
static void test_refresh_by_holder(void **state)
{
	struct env *e = *state;
	struct pt_rule_stats rs;
	struct pt_active before, after;
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
	assert_int_equal(active(e, e->game).holder, pkt_addr(HOST_A));
	assert_int_equal(rule_stats(e, e->game).conflicts, 1);
}

/* Policy newest: a new host takes the rule at once. */
static void test_newest_policy(void **state)
{
	struct env *e = *state;
	struct pt_rule_stats rs;

	assert_int_equal(fix_rule_flags(&e->f, e->game, PT_RULE_NEWEST, 0), 0);
	trigger(e, HOST_A);
	trigger(e, HOST_B);
	assert_int_equal(active(e, e->game).holder, pkt_addr(HOST_B));
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
	struct pt_rule r;

	assert_int_equal(fix_rule_get(&e->f, e->game, &r), 0);
	r.n_allow = 2;
	r.allow[0] = (struct pt_prefix){ pkt_addr("192.168.1.0"), htonl(0xffffff00) };
	r.allow[1] = (struct pt_prefix){ pkt_addr("10.0.0.7"), htonl(0xffffffff) };
	assert_int_equal(fix_rule_put(&e->f, e->game, &r), 0);

	trigger(e, "192.168.2.10");
	trigger(e, "10.0.0.8");
	assert_not_active(e, e->game);
	trigger(e, "10.0.0.7");
	assert_int_equal(active(e, e->game).holder, pkt_addr("10.0.0.7"));
	trigger(e, "192.168.2.10");
	trigger(e, HOST_A); /* allowed, but the rule is held */
	assert_int_equal(active(e, e->game).holder, pkt_addr("10.0.0.7"));
	assert_int_equal(rule_stats(e, e->game).conflicts, 1);
}

static void test_disabled_rule_not_triggered(void **state)
{
	struct env *e = *state;

	assert_int_equal(fix_rule_flags(&e->f, e->game, 0, PT_RULE_ENABLED), 0);
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
	assert_int_equal(active(e, r1).holder, pkt_addr(HOST_A));
	assert_int_equal(active(e, r2).holder, pkt_addr(HOST_A));
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

/* --- Reply SNAT --------------------------------------------------------- */


/* Sends s, which must leave with the WAN address as source; returns its IP length. */
static __u16 run_snat(struct env *e, const struct pkt_spec *s, size_t pad, enum pkt_zero zero)
{
	struct pkt_spec want_s = *s;
	__u8 in[PKT_MAX], want[PKT_MAX];
	struct run_result r;
	size_t len;

	/* As if the holder had the WAN address: checksums from scratch. */
	want_s.saddr = WAN;
	len = pkt_build_pair(in, s, want, &want_s, pad, zero);
	run_out(e, in, len, &r);
	assert_int_equal(pkt_saddr(r.out), pkt_addr(WAN));
	assert_true(pkt_csums_ok(r.out, r.out_len));
	if (s->udp_no_csum)
		assert_int_equal(pkt_l4_check(r.out), 0);
	/* Nothing but the address and the two checksums changed. */
	assert_memory_equal(r.out, want, len);
	return (in[ETH_LEN + 2] << 8) | in[ETH_LEN + 3];
}

static void test_snat(void **state)
{
	struct env *e = *state;
	const struct rewrite_case *c = e->param;
	struct pkt_spec s = c->spec;
	struct pt_rule_stats rs;
	struct pt_stats st;
	__u16 ip_len;

	s.saddr = HOST_A;
	s.daddr = PEER;
	s.sport = c->spec.dport; /* the reply leaves from the open port */
	s.dport = 40000;
	ip_len = run_snat(e, &s, c->pad, c->zero_sum);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.pkts_out, 1);
	assert_int_equal(rs.bytes_out, ip_len);
	assert_int_equal(rs.pkts_in, 0);
	st = stats(e);
	assert_int_equal(st.tc_snat, 1);
	assert_int_equal(st.tc_trigger + st.tc_parse_fail, 0);
}

enum rule_state { ST_HELD, ST_DELETED, ST_STALE_GEN };

struct keep_case {
	const char *name;
	int proto;
	const char *saddr;
	__u16 sport;
	enum rule_state rule;
};

static const struct keep_case keeps[] = {
	{ "keep_non_holder", IPPROTO_TCP, HOST_B, 5000, ST_HELD },
	{ "keep_holder_closed_port", IPPROTO_TCP, HOST_A, 5002, ST_HELD },
	{ "keep_holder_udp_from_tcp_only_port", IPPROTO_UDP, HOST_A, 5001, ST_HELD },
	{ "keep_holder_tcp_from_udp_only_port", IPPROTO_TCP, HOST_A, 5010, ST_HELD },
	{ "keep_holder_port_of_unheld_rule", IPPROTO_TCP, HOST_A, 6000, ST_HELD },
	{ "keep_rule_deleted", IPPROTO_TCP, HOST_A, 5000, ST_DELETED },
	{ "keep_holder_of_old_definition", IPPROTO_TCP, HOST_A, 5000, ST_STALE_GEN },
};

static void test_keep(void **state)
{
	struct env *e = *state;
	const struct keep_case *c = e->param;
	struct pkt_spec s = reply(c->proto, c->saddr, c->sport);

	if (c->rule == ST_DELETED)
		assert_int_equal(pt_store_del(&e->f.m, e->f.rules, e->game), 0);
	if (c->rule == ST_STALE_GEN)
		assert_int_equal(fix_make_stale(&e->f, e->game), 0);
	send_unchanged(e, &s);
	assert_int_equal(stats(e).tc_snat, 0);
	assert_int_equal(rule_stats(e, e->game).pkts_out, 0);
	assert_int_equal(rule_stats(e, e->idle).pkts_out, 0);
}

/* The holder's replies are activity: they keep the rule open. */
static void test_reply_refreshes(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = reply(IPPROTO_TCP, HOST_A, 5000);
	__u64 t0;

	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 10), 0);
	t0 = fix_now_ns();
	run_snat(e, &s, 0, PKT_ZERO_NONE);
	assert_true(active(e, e->game).last_ns >= t0);
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 10), 0);
	trigger(e, HOST_B);
	assert_int_equal(active(e, e->game).holder, pkt_addr(HOST_A));
}

/*
 * After expiry the reply still leaves with the WAN address (a LAN address
 * must not leak), but it neither counts nor reopens the rule.
 */
static void test_reply_after_expiry(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = reply(IPPROTO_UDP, HOST_A, 5000);
	struct pt_active before;

	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	before = active(e, e->game);
	run_snat(e, &s, 0, PKT_ZERO_NONE);
	assert_int_equal(active(e, e->game).last_ns, before.last_ns);
	assert_int_equal(rule_stats(e, e->game).pkts_out, 0);
	assert_int_equal(stats(e).tc_snat, 1);
}

/* A reply to a trigger port is rewritten and, from the holder, refreshes the rule. */
static void test_reply_to_trigger_port(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = reply(IPPROTO_TCP, HOST_A, 5000);
	struct pt_rule_stats rs;

	s.dport = TRIGGER;
	run_snat(e, &s, 0, PKT_ZERO_NONE);
	assert_int_equal(active(e, e->game).holder, pkt_addr(HOST_A));
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.pkts_out, 1);
	assert_int_equal(rs.triggers, 1);
	assert_int_equal(rs.conflicts + rs.activations, 0);
	assert_int_equal(stats(e).tc_trigger, 1);
}

/* An inbound packet from PEER:40000 to the WAN address's port, forwarded by XDP to HOST_A. */
static void forward_inbound(struct env *e, __u16 port)
{
	struct pkt_spec s = { .proto = IPPROTO_TCP, .saddr = PEER, .daddr = WAN,
			      .sport = 40000, .dport = port, .payload_len = 16 };
	__u8 in[PKT_MAX];
	struct run_result r;
	size_t len = pkt_build(in, &s);

	assert_int_equal(fix_run_xdp(&e->f, in, len, &r), 0);
	assert_int_equal(pkt_daddr(r.out), pkt_addr(HOST_A));
}

/*
 * The rule moved to HOST_B: replies on the flow forwarded to HOST_A still
 * leave with the WAN address (no LAN address on the WAN), without counting
 * as the rule's activity; HOST_A's other traffic from the port is not ours.
 */
static void test_forwarded_flow_after_takeover(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = reply(IPPROTO_TCP, HOST_A, 5000);
	struct pt_active b;

	forward_inbound(e, 5000);
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	trigger(e, HOST_B);
	b = active(e, e->game);
	assert_int_equal(b.holder, pkt_addr(HOST_B));
	assert_int_equal(fix_age(&e->f, e->game, 5), 0);
	b = active(e, e->game);
	run_snat(e, &s, 0, PKT_ZERO_NONE);
	assert_int_equal(active(e, e->game).last_ns, b.last_ns);
	assert_int_equal(rule_stats(e, e->game).pkts_out, 0);
	s.dport = 40001;
	send_unchanged(e, &s);
	assert_int_equal(stats(e).tc_snat, 1);
}

/* Deleting the rule does not turn the flow's replies into leaks either. */
static void test_forwarded_flow_after_delete(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = reply(IPPROTO_TCP, HOST_A, 5000);

	forward_inbound(e, 5000);
	assert_int_equal(pt_store_del(&e->f.m, e->f.rules, e->game), 0);
	run_snat(e, &s, 0, PKT_ZERO_NONE);
	assert_int_equal(stats(e).tc_snat, 1);
}

/* --- Malformed and foreign frames ---------------------------------------- */

/* Built on a reply of the holder to a trigger port: SNAT and trigger both would show. */
static void test_malformed(void **state)
{
	struct env *e = *state;
	const struct malformed *c = e->param;
	struct pkt_spec base = reply(c->proto, HOST_A, 5000);
	struct pt_active before = active(e, e->game);
	struct pt_rule_stats rs;
	struct run_result r;
	__u8 in[PKT_MAX];
	struct pt_stats st;
	size_t len;

	base.dport = TRIGGER;
	len = malformed_build(in, c, &base);
	/* The test run refuses IPv4 frames too short for an IP header: they never reach it. */
	if (len < ETH_LEN + 20 && fix_run(tc_out_fd(e), in, len, &r)) {
		assert_int_equal(stats(e).tc_seen, 0);
		return;
	}
	run_out(e, in, len, &r);
	assert_memory_equal(r.out, in, len);
	st = stats(e);
	assert_int_equal(st.tc_parse_fail, c->bad);
	assert_int_equal(st.tc_snat + st.tc_trigger + st.tc_no_host, 0);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.pkts_out + rs.triggers, 0);
	assert_int_equal(active(e, e->game).last_ns, before.last_ns);
}

/* BPF_PROG_TEST_RUN refuses SCHED_CLS frames < 14 bytes; if it ran one, it must pass. */
static void test_runt_frames(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = reply(IPPROTO_TCP, HOST_A, 5000);
	struct run_result r;
	__u8 in[PKT_MAX];
	__u64 ran = 0;

	pkt_build(in, &s);
	for (__u32 len = 1; len < ETH_LEN; len++) {
		if (fix_run(tc_out_fd(e), in, len, &r))
			continue;
		ran++;
		assert_int_equal(r.out_len, len);
		assert_memory_equal(r.out, in, len);
	}
	assert_int_equal(stats(e).tc_seen, ran);
	assert_int_equal(stats(e).tc_snat, 0);
}

/* --- pt_tc_in ----------------------------------------------------------- */

/*
 * Without XDP metadata pt_tc_in changes nothing, the mark included. A
 * SCHED_CLS test run cannot carry metadata (data_meta == data), so the
 * marking itself is left to the end-to-end tests.
 */
static void test_tc_in_without_meta(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = { .proto = IPPROTO_TCP, .saddr = PEER, .daddr = HOST_A,
			      .sport = 40000, .dport = 5000, .payload_len = 32 };
	const __u32 marks[] = { 0, 0x1234 };
	__u8 in[PKT_MAX], out[PKT_MAX];
	size_t len = pkt_build(in, &s);

	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		struct __sk_buff ctx_in = { .mark = marks[i] }, ctx_out = {};
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
			    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx_in,
			    .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out,
			    .ctx_size_out = sizeof(ctx_out), .repeat = 1);

		assert_int_equal(bpf_prog_test_run_opts(
					 bpf_program__fd(e->f.skel->progs.pt_tc_in), &o), 0);
		assert_int_equal(o.retval, TC_ACT_OK);
		assert_int_equal(o.data_size_out, len);
		assert_memory_equal(out, in, len);
		assert_int_equal(ctx_out.mark, marks[i]);
	}
}

int main(void)
{
	struct suite s = {};

	SUITE_TEST(&s, test_trigger_claims, setup, teardown);
	SUITE_TEST(&s, test_not_triggers, setup, teardown);
	SUITE_TEST(&s, test_router_own_traffic, setup, teardown);
	SUITE_TEST(&s, test_masqueraded_trigger, setup, teardown);
	SUITE_TEST(&s, test_router_connection_in_conntrack, setup, teardown);
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
	SUITE_CASES(&s, test_snat, setup_held, teardown, rewrite_cases, n_rewrite_cases);
	SUITE_CASES(&s, test_keep, setup_held, teardown, keeps, ARRAY_SIZE(keeps));
	SUITE_TEST(&s, test_reply_refreshes, setup_held, teardown);
	SUITE_TEST(&s, test_reply_after_expiry, setup_held, teardown);
	SUITE_TEST(&s, test_reply_to_trigger_port, setup_held, teardown);
	SUITE_TEST(&s, test_forwarded_flow_after_takeover, setup_held, teardown);
	SUITE_TEST(&s, test_forwarded_flow_after_delete, setup_held, teardown);
	SUITE_CASES(&s, test_malformed, setup_held, teardown, malformed_cases, n_malformed);
	SUITE_TEST(&s, test_runt_frames, setup_held, teardown);
	SUITE_TEST(&s, test_tc_in_without_meta, setup, teardown);
	return suite_run(&s, "tc");
}
