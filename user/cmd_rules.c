// SPDX-License-Identifier: GPL-2.0
/* ptctl add-rule / del-rule: define and remove rules on a loaded interface. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "out.h"
#include "store.h"

struct rule_opts {
	const char *dev;
	struct pt_rule rule;
};

/* add-rule's options are the rule properties of pt_rule_set(), plus --dev. */
static int parse_rule_opts(int argc, char **argv, struct rule_opts *o)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "trigger", required_argument, NULL, 'p' },
		{ "open", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 'p' },
		{ "allow", required_argument, NULL, 'p' },
		{ "policy", required_argument, NULL, 'p' },
		{ "disabled", no_argument, NULL, 'p' },
		{},
	};
	char err[PT_ERR_LEN];
	int c, idx;

	pt_rule_init(&o->rule);
	while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (c == 'd')
			o->dev = optarg;
		else if (c != 'p')
			return pt_usage(argv[0]);
		else if (pt_rule_set(&o->rule, opts[idx].name, optarg, err))
			return pt_error("%s", err);
	}
	if (optind != argc - 1)
		return pt_usage(argv[0]);
	if (pt_parse_name(argv[optind], o->rule.name, err) || pt_rule_complete(&o->rule, err))
		return pt_error("%s", err);
	return 0;
}

int cmd_add_rule(int argc, char **argv)
{
	struct rule_opts o = {};
	struct pt_rule *rules;
	struct pt_maps m;
	char dev[IF_NAMESIZE];
	int id;

	if (parse_rule_opts(argc, argv, &o) || pt_store_open(o.dev, dev, &m, &rules))
		return 1;
	id = pt_store_add(&m, rules, &o.rule);
	pt_store_close(&m, rules);
	if (id < 0)
		return 1;
	pt_note("added rule '%s' on %s", o.rule.name, dev);
	return 0;
}

typedef int (*rule_action)(const struct pt_maps *m, struct pt_rule *rules, __u32 id);

/* The commands that act on one rule by name: [--dev IFACE] NAME. */
static int by_name(int argc, char **argv, rule_action act, const char *done)
{
	const char *dev_opt, *name;
	struct pt_rule *rules;
	struct pt_maps m;
	char dev[IF_NAMESIZE];
	int id, ret;

	if (pt_dev_args(argc, argv, &dev_opt, &name) || pt_store_open(dev_opt, dev, &m, &rules))
		return 1;
	id = pt_store_find(rules, name);
	ret = id < 0 ? pt_error("no rule named '%s' on %s", name, dev) : act(&m, rules, id);
	if (!ret)
		pt_note("%s rule '%s' on %s", done, name, dev);
	pt_store_close(&m, rules);
	return ret ? 1 : 0;
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
	(void)rules;
	return pt_store_release(m, id);
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
	const char *dev_opt;
	struct pt_rule *rules;
	struct pt_maps m;
	char dev[IF_NAMESIZE];
	int n = 0, ret = 0;

	if (pt_dev_args(argc, argv, &dev_opt, NULL) || pt_store_open(dev_opt, dev, &m, &rules))
		return 1;
	for (__u32 id = 0; id < PT_MAX_RULES && !ret; id++)
		if (rules[id].flags & PT_RULE_USED && !(ret = pt_store_del(&m, rules, id)))
			n++;
	if (!ret)
		pt_note("flushed %d rule%s on %s", n, n == 1 ? "" : "s", dev);
	pt_store_close(&m, rules);
	return ret ? 1 : 0;
}
