// SPDX-License-Identifier: GPL-2.0
/*
 * ptctl list: the rules of an interface with their state. Text and JSON
 * come from the same collected views (view.c).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cmd.h"
#include "out.h"
#include "view.h"

static const char *state_str(const struct pt_rule_view *v)
{
	if (!(v->rule.flags & PT_RULE_ENABLED))
		return "disabled";
	return v->active ? "active" : "idle";
}

static void open_str(const struct pt_rule *r, char *buf, size_t len)
{
	char one[PT_RANGE_STR];

	buf[0] = '\0';
	for (__u32 i = 0; i < r->n_open && i < PT_MAX_OPEN; i++) {
		pt_range_str(&r->open[i], one);
		if (strlen(buf) + strlen(one) + 2 > len)
			break;
		if (i)
			strcat(buf, ",");
		strcat(buf, one);
	}
}

static void list_json(const char *dev, const struct pt_config *cfg,
		      const struct pt_rule_view *v, int n)
{
	char addr[INET_ADDRSTRLEN], range[PT_RANGE_STR], pfx[32];

	jw_obj(NULL);
	jw_str("dev", dev);
	inet_ntop(AF_INET, &cfg->wan_addr, addr, sizeof(addr));
	jw_str("wan_addr", addr);
	jw_str("xdp_mode", cfg->flags & PT_CFG_GENERIC ? "generic" : "native");
	jw_uint("mark", cfg->mark);
	jw_uint("mark_mask", cfg->mark_mask);
	jw_arr("rules");
	for (int i = 0; i < n; i++, v++) {
		const struct pt_rule *r = &v->rule;

		jw_obj(NULL);
		jw_str("name", r->name);
		pt_range_str(&r->trigger, range);
		jw_str("trigger", range);
		jw_arr("open");
		for (__u32 k = 0; k < r->n_open && k < PT_MAX_OPEN; k++) {
			pt_range_str(&r->open[k], range);
			jw_str(NULL, range);
		}
		jw_end();
		jw_uint("timeout", r->timeout_s);
		jw_bool("enabled", r->flags & PT_RULE_ENABLED);
		jw_str("policy", r->flags & PT_RULE_NEWEST ? "newest" : "hold");
		jw_arr("allow");
		for (__u32 k = 0; k < r->n_allow && k < PT_MAX_ALLOW; k++) {
			pt_prefix_str(&r->allow[k], pfx, sizeof(pfx));
			jw_str(NULL, pfx);
		}
		jw_end();
		jw_str("state", state_str(v));
		if (v->active) {
			inet_ntop(AF_INET, &v->holder, addr, sizeof(addr));
			jw_str("holder", addr);
		} else {
			jw_null("holder");
		}
		jw_uint("seconds_left", v->seconds_left);
		jw_uint("held_seconds", v->held_seconds);
		jw_uint("pkts_in", v->st.pkts_in);
		jw_uint("bytes_in", v->st.bytes_in);
		jw_uint("pkts_out", v->st.pkts_out);
		jw_uint("bytes_out", v->st.bytes_out);
		jw_uint("triggers", v->st.triggers);
		jw_uint("activations", v->st.activations);
		jw_uint("conflicts", v->st.conflicts);
		jw_end();
	}
	jw_end();
	jw_end();
}

static void list_text(const char *dev, const struct pt_config *cfg,
		      const struct pt_rule_view *v, int n)
{
	char addr[INET_ADDRSTRLEN], trig[PT_RANGE_STR], open[256], holder[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &cfg->wan_addr, addr, sizeof(addr));
	printf("%s: WAN address %s, xdp %s, mark 0x%x/0x%x, %d rule%s\n", dev, addr,
	       cfg->flags & PT_CFG_GENERIC ? "generic" : "native", cfg->mark, cfg->mark_mask, n,
	       n == 1 ? "" : "s");
	if (!n)
		return;
	printf("%-16s %-16s %-24s %7s %-8s %-15s %6s %10s %10s %8s %9s\n", "RULE", "TRIGGER",
	       "OPEN", "TIMEOUT", "STATE", "HOLDER", "LEFT", "PKTS-IN", "PKTS-OUT", "TRIGGERS",
	       "CONFLICTS");
	for (int i = 0; i < n; i++, v++) {
		pt_range_str(&v->rule.trigger, trig);
		open_str(&v->rule, open, sizeof(open));
		if (v->active)
			inet_ntop(AF_INET, &v->holder, holder, sizeof(holder));
		else
			strcpy(holder, "-");
		printf("%-16s %-16s %-24s %7u %-8s %-15s %6llu %10llu %10llu %8llu %9llu\n",
		       v->rule.name, trig, open, v->rule.timeout_s, state_str(v), holder,
		       (unsigned long long)v->seconds_left, (unsigned long long)v->st.pkts_in,
		       (unsigned long long)v->st.pkts_out, (unsigned long long)v->st.triggers,
		       (unsigned long long)v->st.conflicts);
	}
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{},
	};
	const char *dev_opt = NULL;
	struct pt_rule_view *views;
	struct pt_config cfg;
	struct pt_maps m;
	char dev[IF_NAMESIZE];
	__u32 zero = 0;
	int c, n;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd')
			return pt_usage(argv[0]);
		dev_opt = optarg;
	}
	if (optind != argc)
		return pt_usage(argv[0]);
	if (pt_dev_resolve(dev_opt, dev) || pt_maps_open(dev, &m))
		return 1;
	views = calloc(PT_MAX_RULES, sizeof(*views));
	n = views ? pt_view_rules(&m, views) : pt_error("out of memory");
	if (n >= 0 && bpf_map_lookup_elem(m.config, &zero, &cfg))
		n = pt_error("cannot read the configuration of %s", dev);
	if (n >= 0 && pt_json)
		list_json(dev, &cfg, views, n);
	else if (n >= 0)
		list_text(dev, &cfg, views, n);
	free(views);
	pt_maps_close(&m);
	return n < 0;
}
