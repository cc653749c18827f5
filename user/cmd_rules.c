// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that change rules: add-rule, del-rule, enable-rule,
 * disable-rule, release and flush. Each holds the namespace's lock from
 * reading the rules to the last write (pt_dev_open(PT_OPEN_LOCK)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "out.h"
#include "store.h"

/* Opens dev for a change and reads its rules. */
static int open_rules(struct pt_dev *d, const char *dev, struct pt_rule **rules)
{
	*rules = NULL;
	if (pt_dev_open(d, dev, PT_OPEN_LOCK | PT_OPEN_HEALTHY))
		return -1;
	*rules = pt_store_load(&d->m);
	return *rules ? 0 : -1;
}

static void close_rules(struct pt_dev *d, struct pt_rule *rules)
{
	free(rules);
	pt_dev_close(d);
}

/* add-rule's options are the rule properties of pt_rule_set(), plus --dev. */
static int parse_rule_opts(int argc, char **argv, const char **dev, struct pt_rule *r)
{
	const char *key;
	char err[PT_ERR_LEN];
	int c;

	pt_rule_init(r);
	while ((c = pt_getopt(argc, argv, &key)) != -1) {
		if (c == 'd')
			*dev = optarg;
		else if (c != 'p')
			return -1;
		else if (pt_rule_set(r, key, optarg, err))
			return pt_error("%s", err);
	}
	if (optind != argc - 1)
		return pt_usage(argv[0], optind < argc ? "too many arguments" : "no rule name");
	if (pt_parse_name(argv[optind], r->name, err) || pt_rule_complete(r, err))
		return pt_error("%s", err);
	return 0;
}

int cmd_add_rule(int argc, char **argv)
{
	const char *dev = NULL;
	struct pt_rule *rules, r;
	struct pt_dev d = PT_DEV_INIT;
	int id;

	if (parse_rule_opts(argc, argv, &dev, &r))
		return -1;
	id = open_rules(&d, dev, &rules) ? -1 : pt_store_add(&d.m, rules, &r);
	if (id >= 0)
		pt_note("added rule '%s' on %s", r.name, d.name);
	close_rules(&d, rules);
	return id < 0 ? -1 : 0;
}

typedef int (*rule_action)(const struct pt_maps *m, struct pt_rule *rules, __u32 id);

/* The commands that act on one rule by name: [--dev IFACE] NAME. */
static int by_name(int argc, char **argv, rule_action act, const char *done)
{
	const char *dev, *name;
	struct pt_rule *rules;
	struct pt_dev d = PT_DEV_INIT;
	int id, ret;

	if (pt_dev_args(argc, argv, &dev, &name, NULL))
		return -1;
	ret = open_rules(&d, dev, &rules);
	if (!ret) {
		id = pt_store_find(rules, name);
		if (id < 0)
			ret = pt_error("no rule named '%s' on %s", name, d.name);
		else
			ret = act(&d.m, rules, id) ?: pt_store_end_flows(&d.m);
	}
	if (!ret)
		pt_note("%s rule '%s' on %s", done, name, d.name);
	close_rules(&d, rules);
	return ret ? -1 : 0;
}

static int do_enable(const struct pt_maps *m, struct pt_rule *rules, __u32 id)
{
	return pt_store_set_enabled(m, rules, id, true);
}

static int do_disable(const struct pt_maps *m, struct pt_rule *rules, __u32 id)
{
	return pt_store_set_enabled(m, rules, id, false);
}

static int do_release(const struct pt_maps *m, struct pt_rule *rules, __u32 id)
{
	return pt_store_release(m, rules, id);
}

int cmd_del_rule(int argc, char **argv)
{
	return by_name(argc, argv, pt_store_del, "deleted");
}

int cmd_enable_rule(int argc, char **argv)
{
	return by_name(argc, argv, do_enable, "enabled");
}

int cmd_disable_rule(int argc, char **argv)
{
	return by_name(argc, argv, do_disable, "disabled");
}

int cmd_release(int argc, char **argv)
{
	return by_name(argc, argv, do_release, "released");
}

int cmd_flush(int argc, char **argv)
{
	const char *dev;
	struct pt_rule *rules;
	struct pt_dev d = PT_DEV_INIT;
	int n = 0, ret;

	if (pt_dev_args(argc, argv, &dev, NULL, NULL))
		return -1;
	ret = open_rules(&d, dev, &rules);
	for (__u32 id = 0; id < PT_MAX_RULES && !ret; id++)
		if (pt_rule_defined(&rules[id]) && !(ret = pt_store_del(&d.m, rules, id)))
			n++;
	if (!ret)
		ret = pt_store_end_flows(&d.m);
	if (!ret)
		pt_note("flushed %d rule%s on %s", n, n == 1 ? "" : "s", d.name);
	close_rules(&d, rules);
	return ret ? -1 : 0;
}
