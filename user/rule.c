// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "rule.h"

#define ERR(...) (snprintf(err, PT_ERR_LEN, __VA_ARGS__), -1)

static const struct {
	const char *name;
	__u8 bits;
} protos[] = {
	{ "tcp", PT_TCP },
	{ "udp", PT_UDP },
	{ "both", PT_BOTH },
};

const char *pt_proto_str(__u8 proto)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].bits == proto)
			return protos[i].name;
	return "?";
}

/* A decimal number in [min, max], nothing else in s. */
static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out,
		       int base)
{
	char *end;

	if (!*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, base);
	if (errno || *end || *out < min || *out > max)
		return -1;
	return 0;
}

int pt_parse_u32(const char *s, __u32 *val)
{
	unsigned long v;

	if (parse_ulong(s, 0, UINT32_MAX, &v, 0))
		return -1;
	*val = v;
	return 0;
}

int pt_parse_name(const char *s, char *name, char *err)
{
	size_t len = strlen(s);

	if (!len)
		return ERR("empty rule name");
	if (len >= PT_NAME_LEN)
		return ERR("rule name '%s' is too long (at most %d characters)", s,
			   PT_NAME_LEN - 1);
	for (const char *c = s; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-_.", *c))
			return ERR("invalid rule name '%s': use letters, digits, '-', '_' and '.'",
				   s);
	memcpy(name, s, len + 1);
	return 0;
}

static int parse_port(const char *s, const char *spec, __u16 *port, char *err)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return ERR("invalid port '%s' in '%s'", s, spec);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return ERR("invalid port '%s' in '%s'", s, spec);
	if (errno || v < 1 || v > 65535)
		return ERR("port %s out of range in '%s' (1-65535)", s, spec);
	*port = v;
	return 0;
}

int pt_parse_range(const char *spec, struct pt_range *r, char *err)
{
	char buf[64], *ports, *dash;
	size_t i;

	if (strlen(spec) >= sizeof(buf))
		return ERR("invalid port range '%.40s...'", spec);
	strcpy(buf, spec);
	ports = strchr(buf, ':');
	if (!ports)
		return ERR("invalid port range '%s': expected PROTO:PORT or PROTO:LOW-HIGH", spec);
	*ports++ = '\0';
	memset(r, 0, sizeof(*r));
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(buf, protos[i].name))
			r->proto = protos[i].bits;
	if (!r->proto)
		return ERR("unknown protocol '%s' in '%s' (use tcp, udp or both)", buf, spec);
	dash = strchr(ports, '-');
	if (dash)
		*dash++ = '\0';
	if (parse_port(ports, spec, &r->lo, err))
		return -1;
	r->hi = r->lo;
	if (dash && parse_port(dash, spec, &r->hi, err))
		return -1;
	if (r->hi < r->lo)
		return ERR("reversed port range in '%s' (write %u-%u)", spec, r->hi, r->lo);
	return 0;
}

bool pt_ranges_overlap(const struct pt_range *a, const struct pt_range *b)
{
	return (a->proto & b->proto) && a->lo <= b->hi && b->lo <= a->hi;
}

int pt_parse_open(const char *list, struct pt_rule *r, char *err)
{
	char buf[1024], *tok, *save;
	struct pt_range *o;

	if (strlen(list) >= sizeof(buf))
		return ERR("open list too long");
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (r->n_open >= PT_MAX_OPEN)
			return ERR("too many open entries (at most %d per rule)", PT_MAX_OPEN);
		o = &r->open[r->n_open];
		if (pt_parse_range(tok, o, err))
			return -1;
		for (__u32 i = 0; i < r->n_open; i++) {
			if (pt_ranges_overlap(&r->open[i], o)) {
				char a[PT_RANGE_STR], b[PT_RANGE_STR];

				pt_range_str(&r->open[i], a);
				pt_range_str(o, b);
				return ERR("open entries %s and %s overlap", a, b);
			}
		}
		r->n_open++;
	}
	if (!r->n_open)
		return ERR("empty open list");
	return 0;
}

int pt_parse_timeout(const char *s, __u32 *seconds, char *err)
{
	static const struct {
		char unit;
		unsigned long mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	unsigned long v, mult = 1;
	char buf[32];
	size_t len = strlen(s);

	if (!len || len >= sizeof(buf))
		return ERR("invalid timeout '%s'", s);
	strcpy(buf, s);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (buf[len - 1] == units[i].unit) {
			mult = units[i].mult;
			buf[len - 1] = '\0';
		}
	}
	if (parse_ulong(buf, 0, ULONG_MAX / 86400, &v, 10))
		return ERR("invalid timeout '%s': seconds, or a number with s, m, h or d", s);
	v *= mult;
	if (v < 1 || v > PT_TIMEOUT_MAX)
		return ERR("timeout '%s' out of range (1 second to %d days)", s,
			   PT_TIMEOUT_MAX / 86400);
	*seconds = v;
	return 0;
}

/* The mask of a prefix length len (within the family's bits). */
static union pt_addr prefix_mask(unsigned long len)
{
	union pt_addr m = pt_addr4(0);

	for (unsigned long i = 0; i < len; i++)
		m.bytes[i / 8] |= 0x80 >> (i % 8);
	return m;
}

/* ADDR[/LEN] of either family into p. */
static int parse_prefix(char *tok, struct pt_prefix *p, char *err)
{
	char *slash = strchr(tok, '/');
	union pt_addr a, mask;
	enum pt_family f;
	unsigned long len, bits;

	if (slash)
		*slash++ = '\0';
	if (pt_addr_parse(tok, &a, &f))
		return ERR("invalid address '%s' (IPv4 or IPv6)", tok);
	bits = f == PT_IPV6 ? 128 : 32;
	len = bits;
	if (slash && parse_ulong(slash, 0, bits, &len, 10))
		return ERR("invalid prefix length '/%s' (%s: 0-%lu)", slash,
			   f == PT_IPV6 ? "IPv6" : "IPv4", bits);
	mask = prefix_mask(len);
	a.words[0] &= mask.words[0];
	a.words[1] &= mask.words[1];
	memset(p, 0, sizeof(*p));
	pt_addr_set(p->addr, a);
	pt_addr_set(p->mask, mask);
	p->family = f;
	p->len = len;
	return 0;
}

int pt_parse_allow(const char *list, struct pt_rule *r, char *err)
{
	char buf[1024], *tok, *save;

	if (strlen(list) >= sizeof(buf))
		return ERR("allow list too long");
	strcpy(buf, list);
	r->n_allow = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (r->n_allow >= PT_MAX_ALLOW)
			return ERR("too many allowed prefixes (at most %d per rule)", PT_MAX_ALLOW);
		if (parse_prefix(tok, &r->allow[r->n_allow], err))
			return -1;
		r->n_allow++;
	}
	if (!r->n_allow)
		return ERR("empty allow list");
	return 0;
}

int pt_parse_mark(const char *s, __u32 *mark, __u32 *mask, char *err)
{
	char buf[64], *slash;

	if (strlen(s) >= sizeof(buf))
		return ERR("invalid mark '%s'", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	*mask = UINT32_MAX;
	if (pt_parse_u32(buf, mark) || (slash && pt_parse_u32(slash, mask)))
		return ERR("invalid mark '%s': expected VALUE[/MASK], e.g. 0x70740000/0xffff0000",
			   s);
	if (!*mark || !*mask || (*mark & ~*mask))
		return ERR("mark '%s': value must be non-zero and within the mask", s);
	return 0;
}

const char *pt_rule_peer(const struct pt_rule *r)
{
	return r->peer == PT_PEER_CONTACTED ? "contacted" : "any";
}

const char *pt_rule_policy(const struct pt_rule *r)
{
	return r->policy == PT_POLICY_NEWEST ? "newest" : "hold";
}

void pt_rule_init(struct pt_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->timeout_s = PT_TIMEOUT_DEFAULT;
	r->enabled = 1;
}

int pt_rule_set(struct pt_rule *r, const char *key, const char *val, char *err)
{
	bool flag = !strcmp(key, "disabled") || !strcmp(key, "enabled");

	if (flag != !val)
		return ERR(flag ? "'%s' takes no value" : "'%s' needs a value", key);
	if (!strcmp(key, "trigger"))
		return pt_parse_range(val, &r->trigger, err);
	if (!strcmp(key, "open"))
		return pt_parse_open(val, r, err);
	if (!strcmp(key, "timeout"))
		return pt_parse_timeout(val, &r->timeout_s, err);
	if (!strcmp(key, "allow"))
		return pt_parse_allow(val, r, err);
	if (!strcmp(key, "peer")) {
		if (strcmp(val, "any") && strcmp(val, "contacted"))
			return ERR("unknown peer '%s' (use any or contacted)", val);
		r->peer = !strcmp(val, "contacted") ? PT_PEER_CONTACTED : PT_PEER_ANY;
		return 0;
	}
	if (!strcmp(key, "policy")) {
		if (strcmp(val, "hold") && strcmp(val, "newest"))
			return ERR("unknown policy '%s' (use hold or newest)", val);
		r->policy = !strcmp(val, "newest") ? PT_POLICY_NEWEST : PT_POLICY_HOLD;
		return 0;
	}
	if (flag) {
		r->enabled = !strcmp(key, "enabled");
		return 0;
	}
	return ERR("unknown rule property '%s'", key);
}

int pt_rule_complete(const struct pt_rule *r, char *err)
{
	if (!r->trigger.proto)
		return ERR("rule '%s' needs a trigger (PROTO:PORTS)", r->name);
	if (!r->n_open)
		return ERR("rule '%s' needs open ports (PROTO:PORTS[,PROTO:PORTS...])", r->name);
	return 0;
}

bool pt_rule_same(const struct pt_rule *a, const struct pt_rule *b)
{
	return !strcmp(a->name, b->name) && a->enabled == b->enabled && a->policy == b->policy &&
	       a->peer == b->peer && a->timeout_s == b->timeout_s &&
	       !memcmp(&a->trigger, &b->trigger, sizeof(a->trigger)) && a->n_open == b->n_open &&
	       a->n_open <= PT_MAX_OPEN &&
	       !memcmp(a->open, b->open, a->n_open * sizeof(a->open[0])) &&
	       a->n_allow == b->n_allow && a->n_allow <= PT_MAX_ALLOW &&
	       !memcmp(a->allow, b->allow, a->n_allow * sizeof(a->allow[0]));
}

/*
 * Most rules whose trigger covers any one port of r's trigger range, in the
 * trigger index of one protocol (each protocol has its own slots).
 */
static int trig_slots_needed(const struct pt_rule *rules, __u32 n_rules, __u32 self,
			     const struct pt_rule *r)
{
	const struct pt_range *t = &r->trigger;
	int worst = 0;

	for (__u8 proto = PT_TCP; proto <= PT_UDP; proto <<= 1) {
		if (!(t->proto & proto))
			continue;
		/* The maximum overlap is reached at the start of some range. */
		for (__u32 c = 0; c <= n_rules; c++) {
			const struct pt_range *cand = c < n_rules ? &rules[c].trigger : t;
			__u16 point;
			int n = 0;

			if (c < n_rules && (c == self || !pt_rule_defined(&rules[c]) ||
					    !(cand->proto & proto) || !pt_ranges_overlap(cand, t)))
				continue;
			point = cand->lo > t->lo ? cand->lo : t->lo;
			for (__u32 i = 0; i < n_rules; i++) {
				const struct pt_range *o = &rules[i].trigger;

				if (i != self && pt_rule_defined(&rules[i]) && (o->proto & proto) &&
				    o->lo <= point && point <= o->hi)
					n++;
			}
			if (n > worst)
				worst = n;
		}
	}
	return worst;
}

int pt_rule_fits(const struct pt_rule *rules, __u32 n, __u32 self, const struct pt_rule *r,
		 char *err)
{
	char a[PT_RANGE_STR], b[PT_RANGE_STR];

	for (__u32 i = 0; i < n; i++) {
		const struct pt_rule *o = &rules[i];

		if (i == self || !pt_rule_defined(o))
			continue;
		if (!strcmp(o->name, r->name))
			return ERR("a rule named '%s' exists already", r->name);
		for (__u32 j = 0; j < r->n_open; j++) {
			for (__u32 k = 0; k < o->n_open && k < PT_MAX_OPEN; k++) {
				if (!pt_ranges_overlap(&r->open[j], &o->open[k]))
					continue;
				pt_range_str(&r->open[j], a);
				pt_range_str(&o->open[k], b);
				return ERR("open ports %s overlap %s of rule '%s'", a, b, o->name);
			}
		}
	}
	if (trig_slots_needed(rules, n, self, r) >= PT_TRIG_SLOTS) {
		pt_range_str(&r->trigger, a);
		return ERR("trigger %s: %d rules already share one of its ports (at most %d)", a,
			   PT_TRIG_SLOTS, PT_TRIG_SLOTS);
	}
	return 0;
}

void pt_range_str(const struct pt_range *r, char *buf)
{
	if (r->lo == r->hi)
		snprintf(buf, PT_RANGE_STR, "%s:%u", pt_proto_str(r->proto), r->lo);
	else
		snprintf(buf, PT_RANGE_STR, "%s:%u-%u", pt_proto_str(r->proto), r->lo, r->hi);
}

void pt_prefix_str(const struct pt_prefix *p, char *buf, size_t len)
{
	char addr[PT_ADDR_STR];

	snprintf(buf, len, "%s/%u", pt_addr_str(pt_addr(p->addr), p->family, addr), p->len);
}
