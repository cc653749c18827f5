// SPDX-License-Identifier: GPL-2.0
/*
 * pt_xdp_in: an inbound packet to the WAN address on an open port of an
 * active rule is rewritten to the holder, checksums right, with metadata
 * for pt_tc_in; anything else leaves byte for byte as it came.
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
#include "rewrite_cases.h"
#include "store.h"

#define WAN "198.51.100.1"
#define HOLDER "192.168.1.10"
#define PEER "203.0.113.9"
#define TIMEOUT 60

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
	if (fix_open(&e->f, WAN))
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
	return (struct pkt_spec){ .proto = proto, .saddr = PEER, .daddr = WAN,
				  .sport = 40000, .dport = dport, .payload_len = 32 };
}

static __u16 ip_tot_len(const __u8 *frame)
{
	return (frame[ETH_LEN + 2] << 8) | frame[ETH_LEN + 3];
}

static struct pt_stats stats(struct env *e)
{
	return suite_stats(&e->f);
}

static struct pt_rule_stats rule_stats(struct env *e, int id)
{
	return suite_rule_stats(&e->f, id);
}

static void run(struct env *e, const __u8 *frame, size_t len, struct run_result *r)
{
	assert_int_equal(fix_run_xdp(&e->f, frame, len, r), 0);
	assert_int_equal(r->retval, XDP_PASS);
}

/* Runs frame and checks it came out as it went in, without metadata. */
static void run_unchanged(struct env *e, const __u8 *frame, size_t len)
{
	struct run_result r;

	run(e, frame, len, &r);
	assert_int_equal(r.out_len, len);
	assert_memory_equal(r.out, frame, len);
	assert_int_equal(r.meta_len, 0);
}

/* Runs in, which must come out as want: rewritten to holder. */
static void run_expect(struct env *e, const __u8 *in, const __u8 *want, size_t len,
		       const char *holder, struct run_result *r)
{
	run(e, in, len, r);
	assert_int_equal(r->out_len, len);
	assert_int_equal(pkt_daddr(r->out), pkt_addr(holder));
	assert_true(pkt_csums_ok(r->out, r->out_len));
	/* Nothing but the address and the two checksums changed. */
	assert_memory_equal(r->out, want, len);
}

/* Runs the packet s, which must be rewritten to holder. */
static void run_rewritten(struct env *e, const struct pkt_spec *s, const char *holder,
			  struct run_result *r)
{
	struct pkt_spec want_s = *s;
	__u8 in[PKT_MAX], want[PKT_MAX];
	size_t len;

	/* The packet as if sent to holder: checksums computed from scratch. */
	want_s.daddr = holder;
	len = pkt_build_pair(in, s, want, &want_s, 0, PKT_ZERO_NONE);
	run_expect(e, in, want, len, holder, r);
}

/* --- Rewrites ------------------------------------------------------------- */


static void test_rewrite(void **state)
{
	struct env *e = *state;
	const struct rewrite_case *c = e->param;
	struct pkt_spec s = c->spec, want_s;
	bool udp = s.proto == IPPROTO_UDP;
	__u8 in[PKT_MAX], want[PKT_MAX];
	struct pt_rule_stats rs;
	struct run_result r;
	struct pt_stats st;
	struct pt_meta m;
	size_t len;

	s.saddr = PEER;
	s.daddr = WAN;
	s.sport = 40000;
	want_s = s;
	want_s.daddr = HOLDER;
	len = pkt_build_pair(in, &s, want, &want_s, c->pad, c->zero_sum);
	run_expect(e, in, want, len, HOLDER, &r);
	if (s.udp_no_csum)
		assert_int_equal(pkt_l4_check(r.out), 0);

	/* What pt_tc_in needs to redo the L4 update on the skb. */
	assert_int_equal(r.meta_len, sizeof(m));
	memcpy(&m, r.meta, sizeof(m));
	assert_int_equal(m.magic, PT_META_MAGIC);
	assert_int_equal(m.mark, PT_MARK_DEFAULT);
	assert_int_equal(m.mask, PT_MASK_DEFAULT);
	assert_int_equal(m.from, pkt_addr(WAN));
	assert_int_equal(m.to, pkt_addr(HOLDER));
	assert_int_equal(ntohs(m.l4_csum), pkt_l4_check(in));
	assert_int_equal(m.l4_csum_off, ETH_LEN + 20 + s.ip_opts_len + (udp ? 6 : 16));
	assert_int_equal(m.is_udp, udp);

	rs = rule_stats(e, e->game);
	assert_int_equal(rs.pkts_in, 1);
	assert_int_equal(rs.bytes_in, ip_tot_len(in));
	assert_int_equal(rs.pkts_out, 0);
	st = stats(e);
	assert_int_equal(st.xdp_seen, 1);
	assert_int_equal(st.xdp_rewritten, 1);
	assert_int_equal(st.xdp_passed + st.xdp_parse_fail + st.xdp_closed, 0);
}

/* --- Passed untouched, by the rule state or the address ------------------- */

enum rule_state { ST_HELD, ST_EXPIRED, ST_DISABLED, ST_DELETED, ST_STALE_GEN };

struct pass_case {
	const char *name;
	int proto;
	__u16 dport;
	const char *daddr; /* NULL: the WAN address */
	enum rule_state rule;
	size_t counter;	   /* the pt_stats field that counts it */
};

#define PASSED offsetof(struct pt_stats, xdp_passed)
#define CLOSED offsetof(struct pt_stats, xdp_closed)

static const struct pass_case passes[] = {
	{ "pass_closed_port", IPPROTO_TCP, 5002, NULL, ST_HELD, PASSED },
	{ "pass_closed_port_below_range", IPPROTO_UDP, 5009, NULL, ST_HELD, PASSED },
	{ "pass_closed_port_past_range", IPPROTO_UDP, 5021, NULL, ST_HELD, PASSED },
	{ "pass_other_daddr", IPPROTO_TCP, 5000, "198.51.100.2", ST_HELD, PASSED },
	{ "pass_daddr_is_holder", IPPROTO_TCP, 5000, HOLDER, ST_HELD, PASSED },
	{ "pass_udp_to_tcp_only_port", IPPROTO_UDP, 5001, NULL, ST_HELD, PASSED },
	{ "pass_tcp_to_udp_only_port", IPPROTO_TCP, 5010, NULL, ST_HELD, PASSED },
	{ "pass_rule_never_triggered", IPPROTO_TCP, 6000, NULL, ST_HELD, CLOSED },
	{ "pass_rule_expired", IPPROTO_TCP, 5000, NULL, ST_EXPIRED, CLOSED },
	{ "pass_rule_disabled", IPPROTO_UDP, 5000, NULL, ST_DISABLED, CLOSED },
	{ "pass_holder_of_old_definition", IPPROTO_TCP, 5000, NULL, ST_STALE_GEN, CLOSED },
	{ "pass_rule_deleted", IPPROTO_TCP, 5000, NULL, ST_DELETED, PASSED },
};

static void set_rule_state(struct env *e, enum rule_state st)
{
	switch (st) {
	case ST_HELD:
		break;
	case ST_EXPIRED:
		assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
		break;
	case ST_DISABLED:
		assert_int_equal(fix_rule_flags(&e->f, e->game, 0, PT_RULE_ENABLED), 0);
		break;
	case ST_DELETED:
		assert_int_equal(pt_store_del(&e->f.m, e->f.rules, e->game), 0);
		break;
	case ST_STALE_GEN:
		assert_int_equal(fix_make_stale(&e->f, e->game), 0);
		break;
	}
}

static void test_pass(void **state)
{
	struct env *e = *state;
	const struct pass_case *c = e->param;
	struct pkt_spec s = inbound(c->proto, c->dport);
	__u8 in[PKT_MAX];
	struct pt_stats st;
	size_t len;

	if (c->daddr)
		s.daddr = c->daddr;
	set_rule_state(e, c->rule);
	len = pkt_build(in, &s);
	run_unchanged(e, in, len);
	st = stats(e);
	assert_int_equal(st.xdp_seen, 1);
	assert_int_equal(*(__u64 *)((char *)&st + c->counter), 1);
	assert_int_equal(st.xdp_rewritten + st.xdp_passed + st.xdp_parse_fail + st.xdp_closed, 1);
	assert_int_equal(rule_stats(e, e->game).pkts_in, 0);
	assert_int_equal(rule_stats(e, e->idle).pkts_in, 0);
}

/* --- Malformed and foreign frames ---------------------------------------- */

static void test_malformed(void **state)
{
	struct env *e = *state;
	const struct malformed *c = e->param;
	/* Left alone, each would be rewritten: proves the parser said no. */
	struct pkt_spec base = inbound(c->proto, 5000);
	__u8 in[PKT_MAX];
	struct pt_stats st;
	size_t len = malformed_build(in, c, &base);

	run_unchanged(e, in, len);
	st = stats(e);
	assert_int_equal(st.xdp_seen, 1);
	assert_int_equal(st.xdp_parse_fail, c->bad);
	assert_int_equal(st.xdp_passed, !c->bad);
	assert_int_equal(st.xdp_rewritten + st.xdp_closed, 0);
	assert_int_equal(rule_stats(e, e->game).pkts_in, 0);
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
	if (!ran)
		print_message("note: test run refuses frames < %d bytes: not run\n", ETH_LEN);
}

/* --- Rule life and counters ---------------------------------------------- */

/* The mark and mask come from the interface's config. */
static void test_meta_mark_from_config(void **state)
{
	struct env *e = *state;
	struct pt_config cfg;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);
	struct run_result r;
	struct pt_meta m;
	__u32 zero = 0;

	assert_int_equal(bpf_map_lookup_elem(e->f.m.config, &zero, &cfg), 0);
	cfg.mark = 0x500;
	cfg.mark_mask = 0xf00;
	assert_int_equal(bpf_map_update_elem(e->f.m.config, &zero, &cfg, BPF_EXIST), 0);
	run_rewritten(e, &s, HOLDER, &r);
	assert_int_equal(r.meta_len, sizeof(m));
	memcpy(&m, r.meta, sizeof(m));
	assert_int_equal(m.mark, 0x500);
	assert_int_equal(m.mask, 0xf00);
}

/* Open for the whole timeout after the last activity, closed after it. */
static void test_open_until_timeout(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_UDP, 5000);
	struct run_result r;
	__u8 in[PKT_MAX];
	size_t len;

	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 1), 0);
	run_rewritten(e, &s, HOLDER, &r);
	/* The packet above was activity: age past the timeout from there. */
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT + 1), 0);
	len = pkt_build(in, &s);
	run_unchanged(e, in, len);
	assert_int_equal(stats(e).xdp_closed, 1);
}

/* Forwarded inbound traffic is activity: it keeps the rule open. */
static void test_inbound_refreshes(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_TCP, 5000);
	struct pt_active before, after;
	struct pt_rule_stats rs;
	struct run_result r;
	__u64 t0;

	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 10), 0);
	assert_int_equal(fix_active(&e->f, e->game, &before), 0);
	t0 = fix_now_ns();
	run_rewritten(e, &s, HOLDER, &r);
	assert_int_equal(fix_active(&e->f, e->game, &after), 0);
	assert_true(after.last_ns >= t0);
	assert_int_equal(after.holder, before.holder);
	assert_int_equal(after.since_ns, before.since_ns);
	/* 50 + 50 s idle in all, but never 60 in a row. */
	assert_int_equal(fix_age(&e->f, e->game, TIMEOUT - 10), 0);
	run_rewritten(e, &s, HOLDER, &r);
	rs = rule_stats(e, e->game);
	assert_int_equal(rs.pkts_in, 2);
	assert_int_equal(rs.bytes_in, 2 * (20 + 20 + s.payload_len));
}

/* Another holder, another rewrite: the holder comes from the map. */
static void test_rewrites_to_current_holder(void **state)
{
	struct env *e = *state;
	struct pkt_spec s = inbound(IPPROTO_UDP, 5012);
	struct run_result r;

	assert_int_equal(fix_activate(&e->f, e->game, pkt_addr("10.1.2.3")), 0);
	run_rewritten(e, &s, "10.1.2.3", &r);
}

/* Per-packet work does not depend on the number of rules: the last of 1000 works. */
static void test_many_rules(void **state)
{
	struct env *e = *state;
	struct pkt_spec s;
	struct run_result r;
	char name[16], trig[16], open[16];
	__u8 in[PKT_MAX];
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
	run_rewritten(e, &s, "192.168.1.99", &r);
	assert_int_equal(rule_stats(e, id).pkts_in, 1);
	/* Its neighbours stay as they were. */
	s = inbound(IPPROTO_TCP, 30998);
	run_unchanged(e, in, pkt_build(in, &s));
	s = inbound(IPPROTO_TCP, 5000);
	run_rewritten(e, &s, HOLDER, &r);
	assert_int_equal(stats(e).xdp_rewritten, 2);
	assert_int_equal(stats(e).xdp_closed, 1);
}

int main(void)
{
	struct suite s = {};

	SUITE_CASES(&s, test_rewrite, setup, teardown, rewrite_cases, n_rewrite_cases);
	SUITE_CASES(&s, test_pass, setup, teardown, passes, ARRAY_SIZE(passes));
	SUITE_CASES(&s, test_malformed, setup, teardown, malformed_cases, n_malformed);
	SUITE_TEST(&s, test_runt_frames, setup, teardown);
	SUITE_TEST(&s, test_meta_mark_from_config, setup, teardown);
	SUITE_TEST(&s, test_open_until_timeout, setup, teardown);
	SUITE_TEST(&s, test_inbound_refreshes, setup, teardown);
	SUITE_TEST(&s, test_rewrites_to_current_holder, setup, teardown);
	SUITE_TEST(&s, test_many_rules, setup, teardown);
	return suite_run(&s, "xdp");
}
