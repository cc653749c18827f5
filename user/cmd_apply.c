// SPDX-License-Identifier: GPL-2.0
/*
 * ptctl apply FILE: make an interface's rules exactly those of a rules file
 * (conf.h). The file is checked whole before anything changes; unchanged
 * rules keep their holders and counters, changed ones keep their counters.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "conf.h"
#include "out.h"
#include "store.h"

enum fate { KEEP, CHANGE, REMOVE, ADD, N_FATES };
static const char *const fate_names[N_FATES] = { "unchanged", "changed", "removed", "added" };

struct plan {
	struct pt_rule *want; /* from the file, want[0..n_want-1] */
	int n_want;
	int want_id[PT_MAX_RULES];	 /* slot of want[i] in the maps, -1: new */
	enum fate have_fate[PT_MAX_RULES]; /* by slot, for defined rules */
};

static void make_plan(struct plan *p, const struct pt_rule *have)
{
	for (__u32 id = 0; id < PT_MAX_RULES; id++)
		p->have_fate[id] = REMOVE;
	for (int i = 0; i < p->n_want; i++) {
		int id = pt_store_find(have, p->want[i].name);

		p->want_id[i] = id;
		if (id >= 0)
			p->have_fate[id] = pt_rule_same(&have[id], &p->want[i]) ? KEEP : CHANGE;
	}
}

/*
 * Removals, changed rules out of the indexes, their new definitions, then
 * new rules: no transient overlap, and no new rule takes a changed one's slot.
 */
static int run_plan(struct plan *p, const struct pt_maps *m, struct pt_rule *have)
{
	for (__u32 id = 0; id < PT_MAX_RULES; id++)
		if ((have[id].flags & PT_RULE_USED) && p->have_fate[id] == REMOVE &&
		    pt_store_del(m, have, id))
			return -1;
	for (int i = 0; i < p->n_want; i++)
		if (p->want_id[i] >= 0 && p->have_fate[p->want_id[i]] == CHANGE &&
		    pt_store_unindex(m, have, p->want_id[i]))
			return -1;
	for (int i = 0; i < p->n_want; i++)
		if (p->want_id[i] >= 0 && p->have_fate[p->want_id[i]] == CHANGE &&
		    pt_store_put(m, have, p->want_id[i], &p->want[i]))
			return -1;
	for (int i = 0; i < p->n_want; i++)
		if (p->want_id[i] < 0 && pt_store_add(m, have, &p->want[i]) < 0)
			return -1;
	return 0;
}

/* Names of the rules of one fate, for the report. */
static int fate_list(const struct plan *p, const struct pt_rule *old, enum fate f,
		     const char **names)
{
	int n = 0;

	if (f == REMOVE) {
		for (__u32 id = 0; id < PT_MAX_RULES; id++)
			if ((old[id].flags & PT_RULE_USED) && p->have_fate[id] == REMOVE)
				names[n++] = old[id].name;
		return n;
	}
	for (int i = 0; i < p->n_want; i++) {
		int id = p->want_id[i];

		if (f == ADD ? id < 0 : id >= 0 && p->have_fate[id] == f)
			names[n++] = p->want[i].name;
	}
	return n;
}

static void report(const struct plan *p, const struct pt_rule *old, const char *dev)
{
	const char **names = calloc(PT_MAX_RULES, sizeof(*names));
	static const enum fate order[] = { ADD, CHANGE, REMOVE, KEEP };

	if (!names)
		return;
	if (pt_json) {
		jw_obj(NULL);
		jw_str("dev", dev);
	}
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		int n = fate_list(p, old, order[k], names);

		if (pt_json) {
			jw_arr(fate_names[order[k]]);
			for (int i = 0; i < n; i++)
				jw_str(NULL, names[i]);
			jw_end();
			continue;
		}
		printf("%-9s %d", fate_names[order[k]], n);
		for (int i = 0; i < n; i++)
			printf("%s%s", i ? ", " : ": ", names[i]);
		putchar('\n');
	}
	if (pt_json)
		jw_end();
	free(names);
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{},
	};
	struct plan *p = calloc(1, sizeof(*p));
	struct pt_rule *have = NULL, *old = NULL;
	const char *dev_opt = NULL, *path;
	char dev[IF_NAMESIZE], err[PT_ERR_LEN];
	struct pt_maps m;
	int c, ret = -1;
	FILE *f;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'd')
			return free(p), pt_usage(argv[0]);
		dev_opt = optarg;
	}
	if (optind != argc - 1)
		return free(p), pt_usage(argv[0]);
	path = argv[optind];
	p->want = calloc(PT_MAX_RULES, sizeof(*p->want));
	old = calloc(PT_MAX_RULES, sizeof(*old));
	if (!p->want || !old) {
		pt_error("out of memory");
		goto out;
	}
	f = fopen(path, "r");
	if (!f) {
		pt_error("cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	p->n_want = pt_conf_parse(f, path, p->want, err);
	fclose(f);
	if (p->n_want < 0) {
		pt_error("%s", err);
		goto out;
	}
	if (pt_store_open(dev_opt, dev, &m, &have))
		goto out;
	memcpy(old, have, PT_MAX_RULES * sizeof(*old));
	make_plan(p, have);
	ret = run_plan(p, &m, have);
	if (!ret)
		report(p, old, dev);
	pt_store_close(&m, have);
out:
	free(old);
	free(p->want);
	free(p);
	return ret;
}
