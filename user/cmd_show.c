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
#include "addr.h"
#include "counters.h"
#include "metrics.h"
#include "out.h"
#include "store.h"
#include "view.h"

static const char *state_str(const struct pt_rule_view *v)
{
	if (!v->rule.enabled)
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

/* " (198.51.100.2, ...)": the peers a --peer contacted rule's holders contacted, or "". */
static void join_peers(const struct pt_rule_view *v, char *buf, size_t len)
{
	char one[PT_ADDR_STR];
	int n = 0;

	buf[0] = 0;
	for (int f = 0; f < PT_FAMILIES; f++)
		for (int i = 0; i < v->holder[f].n_peers; i++, n++)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", n ? ", " : " (",
				 pt_addr_str(v->holder[f].peers[i], f, one));
	if (n)
		snprintf(buf + strlen(buf), len - strlen(buf), ")");
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

static const char *holder_str(const struct pt_holder_view *h, enum pt_family f, char *buf)
{
	return h->live ? pt_addr_str(h->addr, f, buf) : strcpy(buf, "-");
}

/*
 * A holder's fields: "holder", "seconds_left", "held_seconds", "peers" for
 * IPv4 (as before IPv6 came), the same with a 6 for IPv6.
 */
static void holder_json(const struct pt_holder_view *h, enum pt_family f)
{
	const char *sfx = f == PT_IPV6 ? "6" : "";
	char key[32], buf[PT_ADDR_STR];

	snprintf(key, sizeof(key), "holder%s", sfx);
	if (h->live)
		jw_str(key, pt_addr_str(h->addr, f, buf));
	else
		jw_null(key);
	snprintf(key, sizeof(key), "seconds_left%s", sfx);
	jw_uint(key, h->seconds_left);
	snprintf(key, sizeof(key), "held_seconds%s", sfx);
	jw_uint(key, h->held_seconds);
	snprintf(key, sizeof(key), "peers%s", sfx);
	jw_arr(key);
	for (int k = 0; k < h->n_peers; k++)
		jw_str(NULL, pt_addr_str(h->peers[k], f, buf));
	jw_end();
}

/* The families whose holders a rule shows, live ones first; returns how many (at least 1). */
static int shown_families(const struct pt_rule_view *v, enum pt_family *fams)
{
	int n = 0;

	for (int f = 0; f < PT_FAMILIES; f++)
		if (v->holder[f].live)
			fams[n++] = f;
	if (!n)
		fams[n++] = PT_IPV4;
	return n;
}

static void rule_json(const struct pt_rule_view *v)
{
	const struct pt_rule *r = &v->rule;
	char buf[PT_ADDR_STR + PT_RANGE_STR + 32];

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
	jw_bool("enabled", r->enabled);
	jw_str("policy", pt_rule_policy(r));
	jw_str("peer", pt_rule_peer(r));
	jw_arr("allow");
	for (__u32 k = 0; k < r->n_allow && k < PT_MAX_ALLOW; k++) {
		pt_prefix_str(&r->allow[k], buf, sizeof(buf));
		jw_str(NULL, buf);
	}
	jw_end();
	jw_str("state", state_str(v));
	for (int f = 0; f < PT_FAMILIES; f++)
		holder_json(&v->holder[f], f);
	for (size_t i = 0; i < pt_n_rule_counters; i++)
		jw_uint(pt_rule_counters[i].key, pt_counter_val(&v->st, &pt_rule_counters[i]));
	jw_end();
}

/* An instance as the read commands show it: where, how, and whether it is healthy. */
struct instance {
	const struct pt_dev *d;
	struct pt_health health;
	char problem[128];	 /* empty when healthy */
	__u32 wan[PT_ADDRS_MAX]; /* WAN addresses in use */
	int n_wan;
	__u32 iface[PT_ADDRS_MAX]; /* the interface's addresses now */
	int n_iface;
};

static void instance_get(const struct pt_dev *d, struct instance *in)
{
	char buf[sizeof(in->problem)];
	const char *p;

	in->d = d;
	pt_dev_health(d, &in->health);
	p = pt_health_problem(&in->health, buf, sizeof(buf));
	snprintf(in->problem, sizeof(in->problem), "%s", p ? p : "");
	in->n_wan = pt_wan_addrs(&d->m, &d->cfg, in->wan);
	in->n_iface = pt_iface_ipv4(d->name, in->iface);
}

/* "a, b" or "none": addresses. */
static void addrs_str(const __u32 *addrs, int n, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	snprintf(buf, len, "%s", n ? "" : "none");
	for (int i = 0; i < n; i++) {
		inet_ntop(AF_INET, &addrs[i], a, sizeof(a));
		if (strlen(buf) + strlen(a) + 3 < len)
			strcat(strcat(buf, i ? ", " : ""), a);
	}
}

/* The WAN addresses in use; pinned, with the interface's own beside them. */
static void wan_str(const struct instance *in, char *buf, size_t len)
{
	char own[128];

	addrs_str(in->wan, in->n_wan, buf, len);
	if (!pt_ip4(in->d->cfg.wan_addr))
		return;
	addrs_str(in->iface, in->n_iface, own, sizeof(own));
	snprintf(buf + strlen(buf), len - strlen(buf), " (pinned; %s has %s)", in->d->name, own);
}

static void fastpath_json(const struct pt_config *cfg)
{
	char name[IF_NAMESIZE];

	jw_arr("fastpath");
	for (int i = 0; i < PT_MAX_LAN && cfg->lan[i]; i++)
		jw_str(NULL, pt_lan_name(cfg->lan[i], name));
	jw_end();
}

static void addrs_json(const char *key, const __u32 *addrs, int n)
{
	char a[INET_ADDRSTRLEN];

	jw_arr(key);
	for (int i = 0; i < n; i++)
		jw_str(NULL, inet_ntop(AF_INET, &addrs[i], a, sizeof(a)));
	jw_end();
}

static void instance_json(const struct instance *in)
{
	const struct pt_dev *d = in->d;

	jw_str("dev", d->name);
	jw_uint("ifindex", d->cfg.ifindex);
	jw_str("pin_dir", d->dir);
	jw_str("xdp_mode", pt_xdp_mode_str(&d->cfg));
	jw_uint("mark", d->cfg.mark);
	jw_uint("mark_mask", d->cfg.mark_mask);
	jw_bool("wan_addr_pinned", pt_ip4(d->cfg.wan_addr));
	addrs_json("wan_addrs", in->wan, in->n_wan);
	addrs_json("iface_addrs", in->iface, in->n_iface);
	fastpath_json(&d->cfg);
	jw_bool("fastpath_tcp", d->cfg.lan[0] && pt_fastpath_tcp());
	jw_obj("health");
	jw_bool("ok", !in->problem[0]);
	jw_bool("interface", !in->health.gone && !in->health.recreated);
	jw_bool("xdp_attached", pt_health_hook_ok(&in->health, PT_HOOK_XDP));
	jw_bool("tc_attached", pt_health_hook_ok(&in->health, PT_HOOK_TC_OUT));
	jw_bool("lan_attached", pt_health_hook_ok(&in->health, PT_HOOK_LAN));
	if (in->problem[0])
		jw_str("problem", in->problem);
	else
		jw_null("problem");
	jw_end();
}

static void instance_line(const struct instance *in, int n_rules)
{
	const struct pt_dev *d = in->d;
	char wan[256], fast[128];

	char line[512];

	wan_str(in, wan, sizeof(wan));
	pt_fastpath_str(&d->cfg, fast, sizeof(fast));
	snprintf(line, sizeof(line),
		 "WAN address %s, xdp %s, mark 0x%x/0x%x, fast path %s, %d rule%s", wan,
		 pt_xdp_mode_str(&d->cfg), d->cfg.mark, d->cfg.mark_mask, fast, n_rules,
		 n_rules == 1 ? "" : "s");
	pt_wrapped(printf("%s: ", d->name), line, 4);
}

static void warn_degraded(const struct instance *in)
{
	if (in->problem[0])
		pt_warn("ptctl on %s is degraded: %s", in->d->name, in->problem);
}

/* A rule's second live holder (the other family) on a line of its own, from column col. */
static void more_holders(const struct pt_rule_view *v, const enum pt_family *fams, int n, int col,
			 int left_width)
{
	char addr[PT_ADDR_STR];

	for (int k = 1; k < n; k++)
		printf("%*s%-15s %*llu\n", col, "", holder_str(&v->holder[fams[k]], fams[k], addr),
		       left_width, (unsigned long long)v->holder[fams[k]].seconds_left);
}

/*
 * One line a rule in 80 columns (a long name gets a line of its own, open
 * ports wrap, a second holder one below): what is open to whom, for how
 * long. --wide has the rest.
 */
static void list_narrow(const struct pt_rule_view *v, int n)
{
	char addr[PT_ADDR_STR], open[256];
	enum pt_family fams[PT_FAMILIES];

	printf("%-16s %-8s %-15s %7s %s\n", "RULE", "STATE", "HOLDER", "LEFT", "OPEN");
	for (int i = 0; i < n; i++, v++) {
		int nf = shown_families(v, fams);
		const struct pt_holder_view *h = &v->holder[fams[0]];

		join_open(&v->rule, open, sizeof(open), ", ");
		if (strlen(v->rule.name) > 16)
			printf("%s\n%16s", v->rule.name, "");
		else
			printf("%-16s", v->rule.name);
		printf(" %-8s %-15s %7llu ", state_str(v), holder_str(h, fams[0], addr),
		       (unsigned long long)h->seconds_left);
		pt_wrapped(50, open, 50);
		more_holders(v, fams, nf, 26, 7);
	}
}

/* list --wide: one line a rule (a second holder one below), trigger, timeout and counters too
 * (about 150 columns). */
static void list_wide(const struct pt_rule_view *v, int n)
{
	char addr[PT_ADDR_STR], trig[PT_RANGE_STR], open[256], h[4][16];
	enum pt_family fams[PT_FAMILIES];

	printf("%-16s %-16s %-22s %7s %-3s %-8s %-15s %6s %7s %7s %7s %7s %8s %9s\n", "RULE",
	       "TRIGGER", "OPEN", "TIMEOUT", "ON", "STATE", "HOLDER", "LEFT", "PKT-IN", "BYTE-IN",
	       "PKT-OUT", "BYTE-OUT", "TRIGGERS", "CONFLICTS");
	for (int i = 0; i < n; i++, v++) {
		int nf = shown_families(v, fams);
		const struct pt_holder_view *hv = &v->holder[fams[0]];

		pt_range_str(&v->rule.trigger, trig);
		join_open(&v->rule, open, sizeof(open), ",");
		printf("%-16s %-16s %-22s %7u %-3s %-8s %-15s %6llu %7s %7s %7s %7s %8llu %9llu\n",
		       v->rule.name, trig, open, v->rule.timeout_s, v->rule.enabled ? "yes" : "no",
		       state_str(v), holder_str(hv, fams[0], addr),
		       (unsigned long long)hv->seconds_left, human(v->st.pkts_in, h[0]),
		       human(v->st.bytes_in, h[1]), human(v->st.pkts_out, h[2]),
		       human(v->st.bytes_out, h[3]), (unsigned long long)v->st.triggers,
		       (unsigned long long)v->st.conflicts);
		more_holders(v, fams, nf, 78, 6);
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
	printf("%-13s %s\n", "enabled:", r->enabled ? "yes" : "no");
	printf("%-13s %s\n", "policy:", pt_rule_policy(r));
	join_peers(v, buf, sizeof(buf));
	printf("%-13s %s%s\n", "peer:", pt_rule_peer(r), buf);
	join_allow(r, buf, sizeof(buf));
	printf("%-13s %s\n", "allow:", buf);
	printf("%-13s %s\n", "state:", state_str(v));
	for (int f = 0; f < PT_FAMILIES; f++) {
		const struct pt_holder_view *h = &v->holder[f];

		if (!h->live)
			continue;
		printf("%-13s %s (for %llus)\n", "holder:", holder_str(h, f, buf),
		       (unsigned long long)h->held_seconds);
		printf("%-13s %llu\n", "seconds left:", (unsigned long long)h->seconds_left);
	}
	for (size_t i = 0; i < pt_n_rule_counters; i++) {
		snprintf(buf, sizeof(buf), "%s:", pt_rule_counters[i].text);
		printf("%-13s %llu\n", buf,
		       (unsigned long long)pt_counter_val(&v->st, &pt_rule_counters[i]));
	}
}

/* The rule views of an open instance, for list and status. */
static int collect(const struct pt_dev *d, struct pt_rule_view **views)
{
	*views = calloc(PT_MAX_RULES, sizeof(**views));
	return *views ? pt_view_rules(&d->m, *views) : pt_error("out of memory");
}

/* The list of the interface d; -j: one object, its rules included. */
static int list_one(struct pt_dev *d, bool wide)
{
	struct pt_rule_view *views = NULL;
	struct instance in;
	int n = collect(d, &views);

	if (n >= 0) {
		instance_get(d, &in);
		warn_degraded(&in);
	}
	if (n >= 0 && pt_json) {
		jw_obj(NULL);
		instance_json(&in);
		jw_arr("rules");
		for (int i = 0; i < n; i++)
			rule_json(&views[i]);
		jw_end();
		jw_end();
	} else if (n >= 0) {
		instance_line(&in, n);
		if (n && wide)
			list_wide(views, n);
		else if (n)
			list_narrow(views, n);
	}
	free(views);
	return n < 0 ? -1 : 0;
}

/* list --all: every interface loaded here, none included; -j: {"instances": [...]}. */
static int list_all(bool wide)
{
	char names[PT_MAX_DEVS][IF_NAMESIZE];
	int n = pt_devs_loaded(names, PT_MAX_DEVS), ret = 0;

	if (n < 0)
		return -1;
	if (pt_json) {
		jw_obj(NULL);
		jw_arr("instances");
	}
	for (int i = 0; i < n && !ret; i++) {
		struct pt_dev d = PT_DEV_INIT;

		if (i && !pt_json)
			putchar('\n');
		ret = pt_dev_open(&d, names[i], 0) ?: list_one(&d, wide);
		pt_dev_close(&d);
	}
	if (pt_json) {
		jw_end();
		jw_end();
	}
	return ret;
}

int cmd_list(int argc, char **argv)
{
	struct pt_dev d = PT_DEV_INIT;
	bool wide = false, all = false;
	const char *dev = NULL;
	int c, ret;

	while ((c = pt_getopt(argc, argv, NULL)) != -1) {
		if (c == 'd')
			dev = optarg;
		else if (c == 'w')
			wide = true;
		else if (c == 'a')
			all = true;
		else
			return -1;
	}
	if (optind < argc)
		return pt_usage(argv[0], "too many arguments");
	if (all && dev)
		return pt_usage(argv[0], "--all and --dev exclude each other");
	if (all)
		return list_all(wide);
	ret = pt_dev_open(&d, dev, 0) ?: list_one(&d, wide);
	pt_dev_close(&d);
	return ret;
}

/* status without NAME: the instance, its health and the consistency of its indexes. */
static int status_instance(const struct pt_dev *d, struct instance *in, int n)
{
	struct pt_rule *rules = pt_store_load(&d->m);
	char err[PT_ERR_LEN] = "", wan[256], fast[128];
	bool consistent;

	if (!rules)
		return -1;
	consistent = !pt_store_check(&d->m, rules, err);
	free(rules);
	if (!in->problem[0] && !consistent)
		snprintf(in->problem, sizeof(in->problem), "%.*s", (int)sizeof(in->problem) - 1,
			 err);
	if (pt_json) {
		jw_obj(NULL);
		instance_json(in);
		jw_bool("indexes_consistent", consistent);
		jw_uint("rules", n);
		jw_end();
		return 0;
	}
	wan_str(in, wan, sizeof(wan));
	printf("%-13s %s (ifindex %u)\n", "interface:", d->name, d->cfg.ifindex);
	printf("%-13s %s\n", "pins:", d->dir);
	printf("%-13s %s\n", "WAN address:", wan);
	printf("%-13s %s\n", "xdp:", pt_xdp_mode_str(&d->cfg));
	printf("%-13s 0x%x/0x%x\n", "mark:", d->cfg.mark, d->cfg.mark_mask);
	pt_fastpath_str(&d->cfg, fast, sizeof(fast));
	printf("%-13s %s%s\n", "fast path:", fast,
	       !d->cfg.lan[0]	 ? "" :
	       pt_fastpath_tcp() ? " (UDP and TCP: nf_conntrack_tcp_be_liberal=1)" :
				   " (UDP; TCP needs nf_conntrack_tcp_be_liberal=1)");
	printf("%-13s %d\n", "rules:", n);
	printf("%-13s %s\n", "health:", in->problem[0] ? in->problem : "ok");
	return 0;
}

/* status [NAME]: one rule, or the instance; exit status 3 when it is degraded. */
int cmd_status(int argc, char **argv)
{
	struct pt_rule_view *views = NULL;
	struct pt_dev d = PT_DEV_INIT;
	const char *dev = NULL, *name;
	struct instance in;
	int c, n = -1, i;

	while ((c = pt_getopt(argc, argv, NULL)) != -1) {
		if (c != 'd')
			return -1;
		dev = optarg;
	}
	if (argc - optind > 1)
		return pt_usage(argv[0], "too many arguments");
	name = argv[optind];
	if (!pt_dev_open(&d, dev, 0))
		n = collect(&d, &views);
	if (n >= 0)
		instance_get(&d, &in);
	for (i = 0; name && i < n && strcmp(views[i].rule.name, name); i++)
		;
	if (n >= 0 && !name)
		n = status_instance(&d, &in, n);
	else if (n >= 0 && i == n)
		n = pt_error("no rule named '%s' on %s", name, d.name);
	else if (n >= 0 && pt_json)
		rule_json(&views[i]);
	else if (n >= 0)
		status_text(&views[i]);
	if (n >= 0)
		warn_degraded(&in);
	free(views);
	pt_dev_close(&d);
	return n < 0 ? -1 : in.problem[0] ? 3 : 0;
}

static void stats_print(const char *dev, const struct pt_stats *st)
{
	if (pt_json) {
		jw_obj(NULL);
		jw_str("dev", dev);
	} else {
		printf("%s:\n", dev);
	}
	for (size_t i = 0; i < pt_n_stat_counters; i++) {
		__u64 val = pt_counter_val(st, &pt_stat_counters[i]);

		if (pt_json)
			jw_uint(pt_stat_counters[i].key, val);
		else
			printf("  %-48s %llu\n", pt_stat_counters[i].text, (unsigned long long)val);
	}
	if (pt_json)
		jw_end();
}

/* stats [--prometheus]: the datapath's counters; Prometheus: the rules' too, and their state. */
int cmd_stats(int argc, char **argv)
{
	struct pt_rule_view *views = NULL;
	struct pt_dev d = PT_DEV_INIT;
	const char *dev = NULL;
	bool prometheus = false;
	struct pt_stats st;
	int n = 0;

	if (pt_dev_args(argc, argv, &dev, NULL, &prometheus))
		return -1;
	if (prometheus && pt_json)
		return pt_usage(argv[0], "--prometheus is a format of its own: no -j");
	if (pt_dev_open(&d, dev, 0))
		return -1;
	if (pt_percpu_sum(PT_FD(&d.m, pt_stats), 0, (__u64 *)&st, sizeof(st) / sizeof(__u64)))
		n = pt_error("cannot read the counters of %s", d.name);
	else if (prometheus)
		n = collect(&d, &views);
	if (n >= 0 && prometheus)
		pt_metrics_write(stdout, d.name, &st, views, n);
	else if (n >= 0)
		stats_print(d.name, &st);
	free(views);
	pt_dev_close(&d);
	return n < 0 ? -1 : 0;
}
