// SPDX-License-Identifier: GPL-2.0
/*
 * The read commands: list (all rules), status (one rule), stats (datapath
 * counters). Text and JSON are rendered from the same collected views
 * (view.c) and the same field tables.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cmd.h"
#include "out.h"
#include "view.h"

struct counter {
	const char *key;  /* JSON key */
	const char *text; /* label in text output */
	size_t off;
};

#define RULE_COUNTER(f, t) { #f, t, offsetof(struct pt_rule_stats, f) }
static const struct counter rule_counters[] = {
	RULE_COUNTER(pkts_in, "packets in"),   RULE_COUNTER(bytes_in, "bytes in"),
	RULE_COUNTER(pkts_out, "packets out"), RULE_COUNTER(bytes_out, "bytes out"),
	RULE_COUNTER(triggers, "triggers"),    RULE_COUNTER(activations, "activations"),
	RULE_COUNTER(conflicts, "conflicts"),
};

#define STAT(f, t) { #f, t, offsetof(struct pt_stats, f) }
static const struct counter stats_counters[] = {
	STAT(xdp_seen, "inbound packets seen"),
	STAT(xdp_rewritten, "inbound rewritten to a holder"),
	STAT(xdp_passed, "inbound passed (not for an open port)"),
	STAT(xdp_closed, "inbound to an open port of an idle rule"),
	STAT(xdp_parse_fail, "inbound not parsed (malformed, fragment)"),
	STAT(tc_seen, "outbound packets seen"),
	STAT(tc_trigger, "outbound trigger packets"),
	STAT(tc_snat, "outbound holder replies rewritten"),
	STAT(tc_no_host, "outbound triggers from the router itself"),
	STAT(tc_parse_fail, "outbound not parsed (malformed, fragment)"),
	STAT(ev_limited, "events not sent: over the rate limit"),
	STAT(ev_lost, "events not sent: ring buffer full"),
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static __u64 counter_val(const void *base, const struct counter *c)
{
	return *(const __u64 *)((const char *)base + c->off);
}

static const char *state_str(const struct pt_rule_view *v)
{
	if (!(v->rule.flags & PT_RULE_ENABLED))
		return "disabled";
	return v->active ? "active" : "idle";
}

static void join_open(const struct pt_rule *r, char *buf, size_t len, const char *sep)
{
	char one[PT_RANGE_STR];

	buf[0] = '\0';
	for (__u32 i = 0; i < r->n_open && i < PT_MAX_OPEN; i++) {
		pt_range_str(&r->open[i], one);
		if (strlen(buf) + strlen(sep) + strlen(one) + 1 > len)
			break;
		strcat(strcat(buf, i ? sep : ""), one);
	}
}

static void join_allow(const struct pt_rule *r, char *buf, size_t len)
{
	char one[32];

	snprintf(buf, len, "%s", r->n_allow ? "" : "any");
	for (__u32 i = 0; i < r->n_allow && i < PT_MAX_ALLOW; i++) {
		pt_prefix_str(&r->allow[i], one, sizeof(one));
		if (strlen(buf) + strlen(one) + 3 > len)
			break;
		strcat(strcat(buf, i ? ", " : ""), one);
	}
}

/* 1234567 -> "1.2M": keeps the table narrow. */
static const char *human(__u64 v, char *buf)
{
	static const char units[] = "KMGTP";
	double d = v;
	int u = -1;

	while (d >= 1000 && u < 4) {
		d /= 1000;
		u++;
	}
	if (u < 0)
		sprintf(buf, "%llu", (unsigned long long)v);
	else
		sprintf(buf, "%.1f%c", d, units[u]);
	return buf;
}

static void holder_str(const struct pt_rule_view *v, char *buf)
{
	if (v->active)
		inet_ntop(AF_INET, &v->holder, buf, INET_ADDRSTRLEN);
	else
		strcpy(buf, "-");
}

static void rule_json(const struct pt_rule_view *v)
{
	const struct pt_rule *r = &v->rule;
	char buf[INET_ADDRSTRLEN + PT_RANGE_STR + 32];

	jw_obj(NULL);
	jw_str("name", r->name);
	pt_range_str(&r->trigger, buf);
	jw_str("trigger", buf);
	jw_arr("open");
	for (__u32 k = 0; k < r->n_open && k < PT_MAX_OPEN; k++) {
		pt_range_str(&r->open[k], buf);
		jw_str(NULL, buf);
	}
	jw_end();
	jw_uint("timeout", r->timeout_s);
	jw_bool("enabled", r->flags & PT_RULE_ENABLED);
	jw_str("policy", r->flags & PT_RULE_NEWEST ? "newest" : "hold");
	jw_arr("allow");
	for (__u32 k = 0; k < r->n_allow && k < PT_MAX_ALLOW; k++) {
		pt_prefix_str(&r->allow[k], buf, sizeof(buf));
		jw_str(NULL, buf);
	}
	jw_end();
	jw_str("state", state_str(v));
	holder_str(v, buf);
	if (v->active)
		jw_str("holder", buf);
	else
		jw_null("holder");
	jw_uint("seconds_left", v->seconds_left);
	jw_uint("held_seconds", v->held_seconds);
	for (size_t i = 0; i < N_OF(rule_counters); i++)
		jw_uint(rule_counters[i].key, counter_val(&v->st, &rule_counters[i]));
	jw_end();
}

static void config_json(const char *dev, const struct pt_config *cfg)
{
	char addr[INET_ADDRSTRLEN];

	jw_str("dev", dev);
	inet_ntop(AF_INET, &cfg->wan_addr, addr, sizeof(addr));
	jw_str("wan_addr", addr);
	jw_str("xdp_mode", cfg->flags & PT_CFG_GENERIC ? "generic" : "native");
	jw_uint("mark", cfg->mark);
	jw_uint("mark_mask", cfg->mark_mask);
}

static void list_text(const char *dev, const struct pt_config *cfg,
		      const struct pt_rule_view *v, int n)
{
	char addr[INET_ADDRSTRLEN], trig[PT_RANGE_STR], open[256], h[4][16];

	inet_ntop(AF_INET, &cfg->wan_addr, addr, sizeof(addr));
	printf("%s: WAN address %s, xdp %s, mark 0x%x/0x%x, %d rule%s\n", dev, addr,
	       cfg->flags & PT_CFG_GENERIC ? "generic" : "native", cfg->mark, cfg->mark_mask, n,
	       n == 1 ? "" : "s");
	if (!n)
		return;
	printf("%-16s %-16s %-22s %7s %-3s %-8s %-15s %6s %7s %7s %7s %7s %8s %9s\n", "RULE",
	       "TRIGGER", "OPEN", "TIMEOUT", "ON", "STATE", "HOLDER", "LEFT", "PKT-IN", "BYTE-IN",
	       "PKT-OUT", "BYTE-OUT", "TRIGGERS", "CONFLICTS");
	for (int i = 0; i < n; i++, v++) {
		pt_range_str(&v->rule.trigger, trig);
		join_open(&v->rule, open, sizeof(open), ",");
		holder_str(v, addr);
		printf("%-16s %-16s %-22s %7u %-3s %-8s %-15s %6llu %7s %7s %7s %7s %8llu %9llu\n",
		       v->rule.name, trig, open, v->rule.timeout_s,
		       v->rule.flags & PT_RULE_ENABLED ? "yes" : "no", state_str(v), addr,
		       (unsigned long long)v->seconds_left, human(v->st.pkts_in, h[0]),
		       human(v->st.bytes_in, h[1]), human(v->st.pkts_out, h[2]),
		       human(v->st.bytes_out, h[3]), (unsigned long long)v->st.triggers,
		       (unsigned long long)v->st.conflicts);
	}
}

static void status_text(const struct pt_rule_view *v)
{
	const struct pt_rule *r = &v->rule;
	char buf[512];

	printf("%-13s %s\n", "rule:", r->name);
	pt_range_str(&r->trigger, buf);
	printf("%-13s %s\n", "trigger:", buf);
	join_open(r, buf, sizeof(buf), ", ");
	printf("%-13s %s\n", "open:", buf);
	printf("%-13s %us\n", "timeout:", r->timeout_s);
	printf("%-13s %s\n", "enabled:", r->flags & PT_RULE_ENABLED ? "yes" : "no");
	printf("%-13s %s\n", "policy:", r->flags & PT_RULE_NEWEST ? "newest" : "hold");
	join_allow(r, buf, sizeof(buf));
	printf("%-13s %s\n", "allow:", buf);
	printf("%-13s %s\n", "state:", state_str(v));
	if (v->active) {
		holder_str(v, buf);
		printf("%-13s %s (for %llus)\n", "holder:", buf,
		       (unsigned long long)v->held_seconds);
		printf("%-13s %llu\n", "seconds left:", (unsigned long long)v->seconds_left);
	}
	for (size_t i = 0; i < N_OF(rule_counters); i++) {
		snprintf(buf, sizeof(buf), "%s:", rule_counters[i].text);
		printf("%-13s %llu\n", buf,
		       (unsigned long long)counter_val(&v->st, &rule_counters[i]));
	}
}

/* Rule views and config of an interface, for list and status. */
static int collect(const char *dev_opt, char *dev, struct pt_config *cfg,
		   struct pt_rule_view **views)
{
	struct pt_maps m;
	__u32 zero = 0;
	int n;

	if (pt_dev_resolve(dev_opt, dev) || pt_maps_open(dev, &m))
		return -1;
	*views = calloc(PT_MAX_RULES, sizeof(**views));
	n = *views ? pt_view_rules(&m, *views) : pt_error("out of memory");
	if (n >= 0 && bpf_map_lookup_elem(m.config, &zero, cfg))
		n = pt_error("cannot read the configuration of %s", dev);
	pt_maps_close(&m);
	return n;
}

int cmd_list(int argc, char **argv)
{
	struct pt_rule_view *views = NULL;
	struct pt_config cfg;
	const char *dev_opt;
	char dev[IF_NAMESIZE];
	int n;

	if (pt_dev_args(argc, argv, &dev_opt, NULL))
		return 1;
	n = collect(dev_opt, dev, &cfg, &views);
	if (n >= 0 && pt_json) {
		jw_obj(NULL);
		config_json(dev, &cfg);
		jw_arr("rules");
		for (int i = 0; i < n; i++)
			rule_json(&views[i]);
		jw_end();
		jw_end();
	} else if (n >= 0) {
		list_text(dev, &cfg, views, n);
	}
	free(views);
	return n < 0;
}

int cmd_status(int argc, char **argv)
{
	struct pt_rule_view *views = NULL;
	const char *dev_opt, *name;
	struct pt_config cfg;
	char dev[IF_NAMESIZE];
	int n, i;

	if (pt_dev_args(argc, argv, &dev_opt, &name))
		return 1;
	n = collect(dev_opt, dev, &cfg, &views);
	for (i = 0; i < n && strcmp(views[i].rule.name, name); i++)
		;
	if (n >= 0 && i == n)
		n = pt_error("no rule named '%s' on %s", name, dev);
	else if (n >= 0 && pt_json)
		rule_json(&views[i]);
	else if (n >= 0)
		status_text(&views[i]);
	free(views);
	return n < 0;
}

int cmd_stats(int argc, char **argv)
{
	const char *dev_opt;
	struct pt_stats st;
	struct pt_maps m;
	char dev[IF_NAMESIZE];

	if (pt_dev_args(argc, argv, &dev_opt, NULL) || pt_dev_resolve(dev_opt, dev) ||
	    pt_maps_open(dev, &m))
		return 1;
	if (pt_percpu_sum(m.stats, 0, (__u64 *)&st, sizeof(st) / sizeof(__u64))) {
		pt_maps_close(&m);
		return pt_error("cannot read the counters of %s", dev);
	}
	pt_maps_close(&m);
	if (pt_json) {
		jw_obj(NULL);
		jw_str("dev", dev);
	} else {
		printf("%s:\n", dev);
	}
	for (size_t i = 0; i < N_OF(stats_counters); i++) {
		__u64 val = counter_val(&st, &stats_counters[i]);

		if (pt_json)
			jw_uint(stats_counters[i].key, val);
		else
			printf("  %-42s %llu\n", stats_counters[i].text, (unsigned long long)val);
	}
	if (pt_json)
		jw_end();
	return 0;
}
