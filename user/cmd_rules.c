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
	int have_trigger;
};

static int parse_rule_opts(int argc, char **argv, struct rule_opts *o)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "trigger", required_argument, NULL, 't' },
		{ "open", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "allow", required_argument, NULL, 'a' },
		{ "policy", required_argument, NULL, 'P' },
		{ "disabled", no_argument, NULL, 'D' },
		{},
	};
	struct pt_rule *r = &o->rule;
	char err[PT_ERR_LEN];
	int c, bad = 0;

	r->timeout_s = PT_TIMEOUT_DEFAULT;
	r->flags = PT_RULE_ENABLED;
	while (!bad && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 't':
			bad = pt_parse_range(optarg, &r->trigger, err);
			o->have_trigger = !bad;
			break;
		case 'o':
			bad = pt_parse_open(optarg, r, err);
			break;
		case 'T':
			bad = pt_parse_timeout(optarg, &r->timeout_s, err);
			break;
		case 'a':
			bad = pt_parse_allow(optarg, r, err);
			break;
		case 'P':
			if (!strcmp(optarg, "newest"))
				r->flags |= PT_RULE_NEWEST;
			else if (strcmp(optarg, "hold"))
				bad = snprintf(err, sizeof(err),
					       "unknown policy '%s' (use hold or newest)", optarg);
			break;
		case 'D':
			r->flags &= ~PT_RULE_ENABLED;
			break;
		default:
			return pt_usage(argv[0]);
		}
	}
	if (bad)
		return pt_error("%s", err);
	if (optind != argc - 1)
		return pt_usage(argv[0]);
	if (pt_parse_name(argv[optind], r->name, err))
		return pt_error("%s", err);
	if (!o->have_trigger)
		return pt_error("rule '%s' needs --trigger PROTO:PORTS", r->name);
	if (!r->n_open)
		return pt_error("rule '%s' needs --open PROTO:PORTS[,PROTO:PORTS...]", r->name);
	return 0;
}

/* Opens the maps of --dev (or the one loaded interface) and reads the rules. */
static int open_rules(const char *dev_opt, char *dev, struct pt_maps *m, struct pt_rule **rules)
{
	if (pt_dev_resolve(dev_opt, dev) || pt_maps_open(dev, m))
		return -1;
	*rules = calloc(PT_MAX_RULES, sizeof(**rules));
	if (*rules && !pt_store_read(m, *rules))
		return 0;
	if (!*rules)
		pt_error("out of memory");
	free(*rules);
	pt_maps_close(m);
	return -1;
}

int cmd_add_rule(int argc, char **argv)
{
	struct rule_opts o = {};
	struct pt_rule *rules;
	struct pt_maps m;
	char dev[IF_NAMESIZE];
	int id;

	if (parse_rule_opts(argc, argv, &o) || open_rules(o.dev, dev, &m, &rules))
		return 1;
	id = pt_store_add(&m, rules, &o.rule);
	free(rules);
	pt_maps_close(&m);
	if (id < 0)
		return 1;
	pt_note("added rule '%s' on %s", o.rule.name, dev);
	return 0;
}

int cmd_del_rule(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{},
	};
	const char *dev_opt = NULL;
	struct pt_rule *rules;
	struct pt_maps m;
	char dev[IF_NAMESIZE];
	int c, id, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd')
			return pt_usage(argv[0]);
		dev_opt = optarg;
	}
	if (optind != argc - 1)
		return pt_usage(argv[0]);
	if (open_rules(dev_opt, dev, &m, &rules))
		return 1;
	id = pt_store_find(rules, argv[optind]);
	ret = id < 0 ? pt_error("no rule named '%s' on %s", argv[optind], dev)
		     : pt_store_del(&m, rules, id);
	if (!ret)
		pt_note("deleted rule '%s' on %s", argv[optind], dev);
	free(rules);
	pt_maps_close(&m);
	return ret ? 1 : 0;
}
