// SPDX-License-Identifier: GPL-2.0
/*
 * Rule syntax and validation (user/rule.c): what each parser accepts, what
 * it refuses and that the error names the offending part, and the checks a
 * new rule must pass against the rules already defined.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "suite.h"
#include "addr.h"
#include "rule.h"

/* --- Refused input, one test per case ----------------------------------- */

enum kind { NAME, RANGE, OPEN, TIMEOUT, ALLOW, MARK, SET };

struct bad_case {
	const char *name;
	enum kind kind;
	const char *in;	 /* SET: "key" or "key=value" */
	const char *msg; /* must appear in the error */
};

/* A table, one entry a line: */
/* clang-format off */
static const struct bad_case bads[] = {
	{ "name_empty", NAME, "", "empty rule name" },
	{ "name_too_long", NAME, "abcdefghijklmnopqrstuvwxyz012345", "too long" },
	{ "name_space", NAME, "my rule", "'my rule'" },
	{ "name_slash", NAME, "a/b", "invalid rule name 'a/b'" },
	{ "name_colon", NAME, "irc:1", "'irc:1'" },
	{ "name_non_ascii", NAME, "caf\xc3\xa9", "invalid rule name" },

	{ "range_unknown_proto", RANGE, "icmp:5", "unknown protocol 'icmp'" },
	{ "range_proto_empty", RANGE, ":5", "unknown protocol ''" },
	{ "range_missing_colon", RANGE, "tcp5000", "'tcp5000': expected PROTO:PORT" },
	{ "range_port_zero", RANGE, "tcp:0", "port 0 out of range" },
	{ "range_port_zero_low", RANGE, "udp:0-10", "port 0 out of range" },
	{ "range_port_65536", RANGE, "udp:65536", "port 65536 out of range" },
	{ "range_port_high_65536", RANGE, "udp:1-65536", "port 65536 out of range" },
	{ "range_port_huge", RANGE, "tcp:99999999999999999999999", "out of range" },
	{ "range_port_name", RANGE, "tcp:http", "invalid port 'http'" },
	{ "range_port_trailing_junk", RANGE, "tcp:50x", "invalid port '50x'" },
	{ "range_port_empty", RANGE, "tcp:", "invalid port '' in 'tcp:'" },
	{ "range_port_negative", RANGE, "tcp:-5", "'tcp:-5'" },
	{ "range_open_ended", RANGE, "tcp:5-", "invalid port '' in 'tcp:5-'" },
	{ "range_three_parts", RANGE, "tcp:5-6-7", "invalid port '6-7'" },
	{ "range_reversed", RANGE, "tcp:6999-6970", "reversed port range in 'tcp:6999-6970'" },

	{ "open_overlap_in_rule", OPEN, "tcp:5000-5010,both:5005", "tcp:5000-5010 and both:5005" },
	{ "open_duplicate", OPEN, "udp:53,udp:53", "udp:53 and udp:53 overlap" },
	{ "open_too_many", OPEN,
	  "tcp:1,tcp:2,tcp:3,tcp:4,tcp:5,tcp:6,tcp:7,tcp:8,tcp:9,tcp:10,tcp:11,tcp:12,"
	  "tcp:13,tcp:14,tcp:15,tcp:16,tcp:17",
	  "at most 16" },
	{ "open_bad_entry", OPEN, "tcp:5000,gre:1", "unknown protocol 'gre'" },
	{ "open_empty", OPEN, "", "empty open list" },
	{ "open_only_commas", OPEN, ",,", "empty open list" },

	{ "timeout_zero", TIMEOUT, "0", "timeout '0' out of range" },
	{ "timeout_zero_minutes", TIMEOUT, "0m", "out of range" },
	{ "timeout_31_days", TIMEOUT, "31d", "timeout '31d' out of range" },
	{ "timeout_month_and_a_second", TIMEOUT, "2592001", "out of range" },
	{ "timeout_huge", TIMEOUT, "99999999999999999999999", "invalid timeout" },
	{ "timeout_huge_days", TIMEOUT, "999999999999999d", "'999999999999999d'" },
	{ "timeout_bad_unit", TIMEOUT, "1x", "invalid timeout '1x'" },
	{ "timeout_two_units", TIMEOUT, "5ms", "invalid timeout '5ms'" },
	{ "timeout_unit_only", TIMEOUT, "h", "invalid timeout 'h'" },
	{ "timeout_fraction", TIMEOUT, "1.5h", "'1.5h'" },
	{ "timeout_negative", TIMEOUT, "-5", "'-5'" },
	{ "timeout_space", TIMEOUT, "10 m", "'10 m'" },
	{ "timeout_empty", TIMEOUT, "", "invalid timeout" },

	{ "allow_length_negative", ALLOW, "10.0.0.0/-1", "'/-1'" },
	{ "allow_length_empty", ALLOW, "10.0.0.0/", "invalid prefix length" },
	{ "allow_length_33", ALLOW, "10.0.0.0/33", "'/33' (IPv4: 0-32)" },
	{ "allow_ipv6_length_129", ALLOW, "2001:db8::/129", "invalid prefix length '/129' (IPv6: 0-128)" },
	{ "allow_bad_octet", ALLOW, "10.0.0.256/24", "invalid address '10.0.0.256' (IPv4 or IPv6)" },
	{ "allow_ipv6_two_gaps", ALLOW, "2001:db8::1::2", "invalid address '2001:db8::1::2'" },
	{ "allow_ipv6_bracketed", ALLOW, "[2001:db8::1]", "'[2001:db8::1]'" },
	{ "allow_ipv6_zone", ALLOW, "fe80::1%eth0", "'fe80::1%eth0'" },
	{ "allow_short_address", ALLOW, "10.0.0/24", "'10.0.0'" },
	{ "allow_hostname", ALLOW, "router.lan", "'router.lan'" },
	{ "allow_second_entry_bad", ALLOW, "10.0.0.0/8,10.1", "'10.1'" },
	{ "allow_too_many", ALLOW, "10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5,10.0.0.6,"
				   "10.0.0.7,10.0.0.8,10.0.0.9", "at most 8" },
	{ "allow_empty", ALLOW, "", "empty allow list" },

	{ "mark_zero", MARK, "0", "non-zero" },
	{ "mark_zero_with_mask", MARK, "0/0xff", "non-zero" },
	{ "mark_zero_mask", MARK, "1/0", "mark '1/0'" },
	{ "mark_outside_mask", MARK, "0x10000/0xff00", "within the mask" },
	{ "mark_partly_outside_mask", MARK, "0x180/0xf00", "within the mask" },
	{ "mark_not_a_number", MARK, "pt", "invalid mark 'pt'" },
	{ "mark_empty_mask", MARK, "0x100/", "invalid mark '0x100/'" },
	{ "mark_33_bits", MARK, "0x100000000", "invalid mark" },
	{ "mark_negative", MARK, "-1", "invalid mark" },

	{ "set_unknown_key", SET, "colour=red", "unknown rule property 'colour'" },
	{ "set_flag_with_value", SET, "disabled=yes", "'disabled' takes no value" },
	{ "set_missing_value", SET, "timeout", "'timeout' needs a value" },
	{ "set_unknown_policy", SET, "policy=oldest", "unknown policy 'oldest'" },
	{ "set_unknown_peer", SET, "peer=known", "unknown peer 'known'" },
	{ "set_bad_trigger", SET, "trigger=tcp:0", "port 0" },
};
/* clang-format on */

/* Runs the parser of kind on in; fills err. */
static int parse(enum kind kind, const char *in, char *err)
{
	char name[PT_NAME_LEN], key[64], *val;
	struct pt_range range;
	struct pt_rule r;
	__u32 u, mask;

	pt_rule_init(&r);
	switch (kind) {
	case NAME:
		return pt_parse_name(in, name, err);
	case RANGE:
		return pt_parse_range(in, &range, err);
	case OPEN:
		return pt_parse_open(in, &r, err);
	case TIMEOUT:
		return pt_parse_timeout(in, &u, err);
	case ALLOW:
		return pt_parse_allow(in, &r, err);
	case MARK:
		return pt_parse_mark(in, &u, &mask, err);
	case SET:
		snprintf(key, sizeof(key), "%s", in);
		val = strchr(key, '=');
		if (val)
			*val++ = '\0';
		return pt_rule_set(&r, key, val, err);
	}
	return 0;
}

static void test_bad(void **state)
{
	const struct bad_case *c = *state;
	char err[PT_ERR_LEN] = "";

	assert_int_equal(parse(c->kind, c->in, err), -1);
	if (!strstr(err, c->msg))
		fail_msg("error \"%s\" does not say \"%s\"", err, c->msg);
}

/* --- Accepted input ------------------------------------------------------ */

static void test_name_valid(void **state)
{
	const char *ok[] = { "irc", "a", "Game-Server_2.lan", "abcdefghijklmnopqrstuvwxyz01234" };
	char name[PT_NAME_LEN], err[PT_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(pt_parse_name(ok[i], name, err), 0);
		assert_string_equal(name, ok[i]);
	}
}

static void test_range_valid(void **state)
{
	const struct {
		const char *in;
		__u8 proto;
		__u16 lo, hi;
	} ok[] = {
		{ "tcp:6667", PT_TCP, 6667, 6667 },
		{ "udp:1", PT_UDP, 1, 1 },
		{ "both:65535", PT_BOTH, 65535, 65535 },
		{ "tcp:6970-6999", PT_TCP, 6970, 6999 },
		{ "udp:5-5", PT_UDP, 5, 5 },
		{ "both:1-65535", PT_BOTH, 1, 65535 },
	};
	char err[PT_ERR_LEN], back[PT_RANGE_STR];
	struct pt_range r;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(pt_parse_range(ok[i].in, &r, err), 0);
		assert_int_equal(r.proto, ok[i].proto);
		assert_int_equal(r.lo, ok[i].lo);
		assert_int_equal(r.hi, ok[i].hi);
		/* Printed back the way it is written, except a one-port range. */
		pt_range_str(&r, back);
		if (ok[i].lo != ok[i].hi || !strchr(ok[i].in, '-'))
			assert_string_equal(back, ok[i].in);
	}
}

static void test_range_str(void **state)
{
	const struct pt_range r1 = { .lo = 6667, .hi = 6667, .proto = PT_TCP };
	const struct pt_range r2 = { .lo = 1, .hi = 65535, .proto = PT_BOTH };
	const struct pt_range r3 = { .lo = 5, .hi = 5, .proto = PT_UDP };
	char buf[PT_RANGE_STR];

	(void)state;
	pt_range_str(&r1, buf);
	assert_string_equal(buf, "tcp:6667");
	pt_range_str(&r2, buf);
	assert_string_equal(buf, "both:1-65535");
	pt_range_str(&r3, buf);
	assert_string_equal(buf, "udp:5");
}

static void test_open_valid(void **state)
{
	char err[PT_ERR_LEN];
	struct pt_rule r;

	(void)state;
	pt_rule_init(&r);
	/* Same port, other protocol: no overlap. */
	assert_int_equal(pt_parse_open("tcp:5000,udp:5000,both:6000-6010,", &r, err), 0);
	assert_int_equal(r.n_open, 3);
	assert_int_equal(r.open[1].proto, PT_UDP);
	assert_int_equal(r.open[2].lo, 6000);
	assert_int_equal(r.open[2].hi, 6010);
	/* Appends, and checks against what is there. */
	assert_int_equal(pt_parse_open("tcp:7000", &r, err), 0);
	assert_int_equal(r.n_open, 4);
	assert_int_equal(pt_parse_open("udp:6010", &r, err), -1);
	assert_non_null(strstr(err, "both:6000-6010 and udp:6010"));
}

static void test_open_max_entries(void **state)
{
	char list[256] = "", err[PT_ERR_LEN];
	struct pt_rule r;
	size_t n = 0;

	(void)state;
	for (int i = 1; i <= PT_MAX_OPEN; i++)
		n += snprintf(list + n, sizeof(list) - n, "%sudp:%d", i > 1 ? "," : "", 1000 + i);
	pt_rule_init(&r);
	assert_int_equal(pt_parse_open(list, &r, err), 0);
	assert_int_equal(r.n_open, PT_MAX_OPEN);
	assert_int_equal(r.open[PT_MAX_OPEN - 1].lo, 1000 + PT_MAX_OPEN);
	/* Full: one more is refused, even in a later call. */
	assert_int_equal(pt_parse_open("tcp:1", &r, err), -1);
	assert_int_equal(r.n_open, PT_MAX_OPEN);
}

static void test_timeout_valid(void **state)
{
	const struct {
		const char *in;
		__u32 s;
	} ok[] = {
		{ "1", 1 },
		{ "600", 600 },
		{ "90s", 90 },
		{ "10m", 600 },
		{ "2h", 7200 },
		{ "1d", 86400 },
		{ "30d", PT_TIMEOUT_MAX },
		{ "720h", PT_TIMEOUT_MAX },
		{ "2592000", PT_TIMEOUT_MAX },
	};
	char err[PT_ERR_LEN];
	__u32 s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		s = 0;
		assert_int_equal(pt_parse_timeout(ok[i].in, &s, err), 0);
		assert_int_equal(s, ok[i].s);
	}
}

static void test_mark_valid(void **state)
{
	const struct {
		const char *in;
		__u32 mark, mask;
	} ok[] = {
		{ "0x70740000/0xffff0000", 0x70740000, 0xffff0000 },
		{ "5", 5, 0xffffffff },
		{ "0x100/0xf00", 0x100, 0xf00 },
		{ "256/0xff00", 0x100, 0xff00 },
		{ "0xffffffff", 0xffffffff, 0xffffffff },
	};
	char err[PT_ERR_LEN];
	__u32 mark, mask;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(pt_parse_mark(ok[i].in, &mark, &mask, err), 0);
		assert_int_equal(mark, ok[i].mark);
		assert_int_equal(mask, ok[i].mask);
	}
}

static void test_allow_valid(void **state)
{
	char err[PT_ERR_LEN], buf[32];
	struct pt_rule r;

	(void)state;
	pt_rule_init(&r);
	/* Host bits are masked off; no length is a /32; /0 is anyone. */
	assert_int_equal(pt_parse_allow("192.168.1.77/24,10.0.0.7,0.0.0.0/0", &r, err), 0);
	assert_int_equal(r.n_allow, 3);
	assert_int_equal(pt_ip4(r.allow[0].addr), inet_addr("192.168.1.0"));
	assert_int_equal(pt_ip4(r.allow[0].mask), htonl(0xffffff00));
	assert_int_equal(pt_ip4(r.allow[1].addr), inet_addr("10.0.0.7"));
	assert_int_equal(pt_ip4(r.allow[1].mask), 0xffffffff);
	assert_int_equal(pt_ip4(r.allow[2].addr), 0);
	assert_int_equal(pt_ip4(r.allow[2].mask), 0);
	pt_prefix_str(&r.allow[0], buf, sizeof(buf));
	assert_string_equal(buf, "192.168.1.0/24");
	/* A new list replaces the old one; eight entries fit. */
	assert_int_equal(pt_parse_allow("10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4,10.0.0.5,10.0.0.6,"
					"10.0.0.7,10.0.0.8/31",
					&r, err),
			 0);
	assert_int_equal(r.n_allow, PT_MAX_ALLOW);
	assert_int_equal(pt_ip4(r.allow[7].addr), inet_addr("10.0.0.8"));
	assert_int_equal(pt_ip4(r.allow[7].mask), htonl(0xfffffffe));
}

/* One list may hold prefixes of both families; each matches hosts of its own. */
static void test_allow_ipv6(void **state)
{
	char err[PT_ERR_LEN], buf[64];
	union pt_addr a;
	enum pt_family f;
	struct pt_rule r;

	(void)state;
	pt_rule_init(&r);
	assert_int_equal(
		pt_parse_allow("2001:db8:77:1::99/57,192.168.1.0/24,fd00::7,::/0", &r, err), 0);
	assert_int_equal(r.n_allow, 4);
	assert_int_equal(r.allow[0].family, PT_IPV6);
	assert_int_equal(r.allow[0].len, 57);
	pt_prefix_str(&r.allow[0], buf, sizeof(buf));
	assert_string_equal(buf,
			    "2001:db8:77::/57"); /* host bits off: 0x0001 is within /57's last 7 */
	assert_int_equal(pt_addr_parse("2001:db8:77:7f:ffff::1", &a, &f), 0);
	assert_true(pt_addr_in(a, pt_addr(r.allow[0].addr), pt_addr(r.allow[0].mask)));
	assert_int_equal(pt_addr_parse("2001:db8:77:80::1", &a, &f), 0);
	assert_false(pt_addr_in(a, pt_addr(r.allow[0].addr), pt_addr(r.allow[0].mask)));
	assert_int_equal(r.allow[1].family, PT_IPV4);
	pt_prefix_str(&r.allow[1], buf, sizeof(buf));
	assert_string_equal(buf, "192.168.1.0/24");
	pt_prefix_str(&r.allow[2], buf, sizeof(buf));
	assert_string_equal(buf, "fd00::7/128");
	pt_prefix_str(&r.allow[3], buf, sizeof(buf));
	assert_string_equal(buf, "::/0");
	assert_true(pt_addr_none(pt_addr(r.allow[3].mask)));
	assert_int_equal(r.allow[3].family, PT_IPV6);
}

static void test_rule_set(void **state)
{
	char err[PT_ERR_LEN];
	struct pt_rule r;

	(void)state;
	pt_rule_init(&r);
	assert_int_equal(r.timeout_s, PT_TIMEOUT_DEFAULT);
	assert_int_equal(r.enabled, 1);
	assert_int_equal(r.policy, PT_POLICY_HOLD);
	assert_int_equal(r.peer, PT_PEER_ANY);
	assert_int_equal(pt_rule_complete(&r, err), -1);
	assert_non_null(strstr(err, "needs a trigger"));
	assert_int_equal(pt_rule_set(&r, "trigger", "udp:7000", err), 0);
	assert_int_equal(pt_rule_complete(&r, err), -1);
	assert_non_null(strstr(err, "needs open ports"));
	assert_int_equal(pt_rule_set(&r, "open", "tcp:1", err), 0);
	assert_int_equal(pt_rule_set(&r, "timeout", "2h", err), 0);
	assert_int_equal(pt_rule_set(&r, "policy", "newest", err), 0);
	assert_int_equal(pt_rule_set(&r, "peer", "contacted", err), 0);
	assert_int_equal(pt_rule_set(&r, "disabled", NULL, err), 0);
	assert_int_equal(pt_rule_complete(&r, err), 0);
	assert_int_equal(r.timeout_s, 7200);
	assert_int_equal(r.enabled, 0);
	assert_int_equal(r.policy, PT_POLICY_NEWEST);
	assert_int_equal(r.peer, PT_PEER_CONTACTED);
	assert_int_equal(pt_rule_set(&r, "policy", "hold", err), 0);
	assert_int_equal(pt_rule_set(&r, "peer", "any", err), 0);
	assert_int_equal(pt_rule_set(&r, "enabled", NULL, err), 0);
	assert_int_equal(r.enabled, 1);
	assert_int_equal(r.policy, PT_POLICY_HOLD);
	assert_int_equal(r.peer, PT_PEER_ANY);
}

/* --- pt_rule_fits: a new rule against the defined ones ------------------- */

struct rules {
	struct pt_rule *r; /* [PT_MAX_RULES] */
	int n;
};

static int setup_rules(void **state)
{
	struct rules *rs = calloc(1, sizeof(*rs));

	if (!rs || !(rs->r = calloc(PT_MAX_RULES, sizeof(*rs->r))))
		return -1;
	*state = rs;
	return 0;
}

static int teardown_rules(void **state)
{
	struct rules *rs = *state;

	free(rs->r);
	free(rs);
	return 0;
}

static struct pt_rule mk(const char *name, const char *trigger, const char *open)
{
	char err[PT_ERR_LEN];
	struct pt_rule r;

	pt_rule_init(&r);
	if (pt_parse_name(name, r.name, err) || pt_parse_range(trigger, &r.trigger, err) ||
	    pt_parse_open(open, &r, err))
		fail_msg("bad test rule %s: %s", name, err);
	return r;
}

/* Defines a rule in the next slot, as the store would after pt_rule_fits said yes. */
static void define(struct rules *rs, const char *name, const char *trigger, const char *open)
{
	rs->r[rs->n++] = mk(name, trigger, open);
}

/* Asks whether the rule fits; msg NULL: it must, else the error must contain msg. */
static void fits(struct rules *rs, const char *name, const char *trigger, const char *open,
		 const char *msg)
{
	struct pt_rule r = mk(name, trigger, open);
	char err[PT_ERR_LEN] = "";
	int ret = pt_rule_fits(rs->r, PT_MAX_RULES, UINT32_MAX, &r, err);

	if (!msg && ret)
		fail_msg("%s %s %s refused: %s", name, trigger, open, err);
	if (msg && !ret)
		fail_msg("%s %s %s accepted, expected \"%s\"", name, trigger, open, msg);
	if (msg && !strstr(err, msg))
		fail_msg("error \"%s\" does not say \"%s\"", err, msg);
}

static void test_fits_duplicate_name(void **state)
{
	struct rules *rs = *state;

	define(rs, "game", "tcp:6667", "tcp:5000");
	fits(rs, "game", "udp:1", "udp:2", "a rule named 'game' exists already");
	fits(rs, "Game", "udp:1", "udp:2", NULL);
}

static void test_fits_open_overlap(void **state)
{
	struct rules *rs = *state;

	define(rs, "game", "tcp:6667", "tcp:5000-5010,udp:6000");
	/* tcp vs both, and ranges touching at either end, overlap. */
	fits(rs, "x", "tcp:1", "both:5005",
	     "open ports both:5005 overlap tcp:5000-5010 of rule 'game'");
	fits(rs, "x", "tcp:1", "tcp:4990-5000", "overlap tcp:5000-5010");
	fits(rs, "x", "tcp:1", "tcp:5010-5020", "overlap tcp:5000-5010");
	fits(rs, "x", "tcp:1", "udp:7000,both:6000", "both:6000 overlap udp:6000");
	/* tcp vs udp, and neighbouring ports, do not. */
	fits(rs, "x", "tcp:1", "udp:5000-5010,tcp:6000", NULL);
	fits(rs, "x", "tcp:1", "tcp:4999,tcp:5011", NULL);
}

/* A rule checked in its own slot (a redefinition) does not clash with itself. */
static void test_fits_self_skipped(void **state)
{
	struct rules *rs = *state;
	struct pt_rule r;
	char err[PT_ERR_LEN];

	define(rs, "game", "tcp:6667", "tcp:5000");
	define(rs, "other", "tcp:6667", "tcp:6000");
	r = mk("game", "tcp:6667", "tcp:5000-5001");
	assert_int_equal(pt_rule_fits(rs->r, PT_MAX_RULES, 0, &r, err), 0);
	r = mk("game", "tcp:6667", "tcp:6000");
	assert_int_equal(pt_rule_fits(rs->r, PT_MAX_RULES, 0, &r, err), -1);
	assert_non_null(strstr(err, "of rule 'other'"));
}

/* At most PT_TRIG_SLOTS rules on any one trigger port. */
static void test_fits_trigger_slots(void **state)
{
	struct rules *rs = *state;
	char name[16], open[16];

	for (int i = 0; i < PT_TRIG_SLOTS - 1; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		snprintf(open, sizeof(open), "tcp:%d", 5000 + i);
		define(rs, name, "tcp:6660-6670", open);
	}
	/* The eighth fits ... */
	fits(rs, "eighth", "tcp:6667", "tcp:6000", NULL);
	define(rs, "eighth", "tcp:6667", "tcp:6000");
	/* ... a ninth sharing a port does not, whatever its range or protocol overlap. */
	fits(rs, "ninth", "tcp:6667", "tcp:6001", "trigger tcp:6667: 8 rules already share");
	fits(rs, "ninth", "both:6667", "tcp:6001", "trigger both:6667");
	fits(rs, "ninth", "tcp:6667-6680", "tcp:6001", "trigger tcp:6667-6680");
	fits(rs, "ninth", "tcp:6600-6667", "tcp:6001", "trigger tcp:6600-6667");
	fits(rs, "ninth", "tcp:1-65535", "tcp:6001", "trigger tcp:1-65535");
	/* Ports where fewer than eight share, or the other protocol, are fine. */
	fits(rs, "ninth", "tcp:6671-6680", "tcp:6001", NULL);
	fits(rs, "ninth", "udp:6667", "tcp:6001", NULL);
	fits(rs, "ninth", "tcp:6668", "tcp:6001", NULL);
}

/*
 * The datapath indexes triggers per protocol: four tcp and four udp rules on
 * one port fill half of each slot, so a "both" rule still fits in both.
 */
static void test_fits_trigger_slots_per_protocol(void **state)
{
	struct rules *rs = *state;
	char name[16], open[16];

	for (int i = 0; i < PT_TRIG_SLOTS; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		snprintf(open, sizeof(open), "tcp:%d", 5000 + i);
		define(rs, name, i % 2 ? "udp:6667" : "tcp:6667", open);
	}
	fits(rs, "both", "both:6667", "tcp:6000", NULL);
}

int main(void)
{
	struct suite s = {};

	SUITE_CASES(&s, test_bad, NULL, NULL, bads, ARRAY_SIZE(bads));
	SUITE_TEST(&s, test_name_valid, NULL, NULL);
	SUITE_TEST(&s, test_range_valid, NULL, NULL);
	SUITE_TEST(&s, test_range_str, NULL, NULL);
	SUITE_TEST(&s, test_open_valid, NULL, NULL);
	SUITE_TEST(&s, test_open_max_entries, NULL, NULL);
	SUITE_TEST(&s, test_timeout_valid, NULL, NULL);
	SUITE_TEST(&s, test_mark_valid, NULL, NULL);
	SUITE_TEST(&s, test_allow_valid, NULL, NULL);
	SUITE_TEST(&s, test_allow_ipv6, NULL, NULL);
	SUITE_TEST(&s, test_rule_set, NULL, NULL);
	SUITE_TEST(&s, test_fits_duplicate_name, setup_rules, teardown_rules);
	SUITE_TEST(&s, test_fits_open_overlap, setup_rules, teardown_rules);
	SUITE_TEST(&s, test_fits_self_skipped, setup_rules, teardown_rules);
	SUITE_TEST(&s, test_fits_trigger_slots, setup_rules, teardown_rules);
	SUITE_TEST(&s, test_fits_trigger_slots_per_protocol, setup_rules, teardown_rules);
	return suite_run(&s, "rule");
}
