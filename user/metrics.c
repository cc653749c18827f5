// SPDX-License-Identifier: GPL-2.0
#include "addr.h"
#include "counters.h"
#include "metrics.h"

/* A label, its value escaped as the format wants (\, " and newline). */
static void label(FILE *f, const char *sep, const char *name, const char *val)
{
	fprintf(f, "%s%s=\"", sep, name);
	for (; *val; val++) {
		if (*val == '\\' || *val == '"')
			fputc('\\', f);
		if (*val == '\n')
			fputs("\\n", f);
		else
			fputc(*val, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample of metric name: dev's, or a rule's of dev (rule not NULL). */
static void sample(FILE *f, const char *name, const char *dev, const char *rule,
		   unsigned long long val)
{
	fputs(name, f);
	label(f, "{", "dev", dev);
	if (rule)
		label(f, ",", "rule", rule);
	fprintf(f, "} %llu\n", val);
}

static void counters(FILE *f, const char *dev, const struct pt_stats *st)
{
	char name[64];

	for (size_t i = 0; i < pt_n_stat_counters; i++) {
		snprintf(name, sizeof(name), "ptctl_%s_total", pt_stat_counters[i].key);
		family(f, name, "counter", pt_stat_counters[i].text);
		sample(f, name, dev, NULL, pt_counter_val(st, &pt_stat_counters[i]));
	}
}

static void rule_counters(FILE *f, const char *dev, const struct pt_rule_view *v, int n)
{
	char name[64], help[64];

	for (size_t i = 0; i < pt_n_rule_counters; i++) {
		snprintf(name, sizeof(name), "ptctl_rule_%s_total", pt_rule_counters[i].key);
		snprintf(help, sizeof(help), "The rule's %s.", pt_rule_counters[i].text);
		family(f, name, "counter", help);
		for (int k = 0; k < n; k++)
			sample(f, name, dev, v[k].rule.name,
			       pt_counter_val(&v[k].st, &pt_rule_counters[i]));
	}
}

/* Until the rule closes if idle: its holder that lasts longest. */
static __u64 seconds_left(const struct pt_rule_view *v)
{
	__u64 left = 0;

	for (int fam = 0; fam < PT_FAMILIES; fam++)
		if (v->holder[fam].seconds_left > left)
			left = v->holder[fam].seconds_left;
	return left;
}

static void rule_states(FILE *f, const char *dev, const struct pt_rule_view *v, int n)
{
	char holder[PT_ADDR_STR];

	family(f, "ptctl_rule_enabled", "gauge", "1 if the rule is enabled.");
	for (int k = 0; k < n; k++)
		sample(f, "ptctl_rule_enabled", dev, v[k].rule.name, v[k].rule.enabled);
	family(f, "ptctl_rule_active", "gauge", "1 while a LAN host holds the rule.");
	for (int k = 0; k < n; k++)
		sample(f, "ptctl_rule_active", dev, v[k].rule.name, v[k].active);
	family(f, "ptctl_rule_seconds_left", "gauge",
	       "Seconds until the rule expires if idle (its last holder of either family).");
	for (int k = 0; k < n; k++)
		sample(f, "ptctl_rule_seconds_left", dev, v[k].rule.name, seconds_left(&v[k]));
	family(f, "ptctl_rule_timeout_seconds", "gauge", "The rule's inactivity timeout.");
	for (int k = 0; k < n; k++)
		sample(f, "ptctl_rule_timeout_seconds", dev, v[k].rule.name, v[k].rule.timeout_s);
	family(f, "ptctl_rule_holder_info", "gauge",
	       "The LAN host holding an active rule, one of each family.");
	for (int k = 0; k < n; k++)
		for (int fam = 0; fam < PT_FAMILIES; fam++) {
			const struct pt_holder_view *h = &v[k].holder[fam];

			if (!h->live)
				continue;
			fputs("ptctl_rule_holder_info", f);
			label(f, "{", "dev", dev);
			label(f, ",", "rule", v[k].rule.name);
			label(f, ",", "holder", pt_addr_str(h->addr, fam, holder));
			label(f, ",", "family", pt_family_str(fam));
			fputs("} 1\n", f);
		}
}

void pt_metrics_write(FILE *f, const char *dev, const struct pt_stats *st,
		      const struct pt_rule_view *views, int n)
{
	counters(f, dev, st);
	rule_counters(f, dev, views, n);
	rule_states(f, dev, views, n);
	family(f, "ptctl_rules", "gauge", "Rules defined on the interface.");
	sample(f, "ptctl_rules", dev, NULL, n);
}
