// SPDX-License-Identifier: GPL-2.0
/*
 * The rules file's commands (conf.h). apply FILE: make an interface's rules
 * exactly those of the file (a rules file, or OpenWrt's UCI file: uci.h).
 * The file is checked whole before anything changes; unchanged rules keep
 * their holders and counters, changed ones keep their counters. apply
 * --check: the plan, nothing changed. save: the live rules as a rules file,
 * which apply takes back unchanged.
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
	int want_id[PT_MAX_RULES];	   /* slot of want[i] in the maps, -1: new */
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
		if (pt_rule_defined(&have[id]) && p->have_fate[id] == REMOVE &&
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
			if (pt_rule_defined(&old[id]) && p->have_fate[id] == REMOVE)
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

static void report(const struct plan *p, const struct pt_rule *old, const char *dev, bool check)
{
	const char **names = calloc(PT_MAX_RULES, sizeof(*names));
	static const enum fate order[] = { ADD, CHANGE, REMOVE, KEEP };

	if (!names)
		return;
	if (pt_json) {
		jw_obj(NULL);
		jw_str("dev", dev);
		jw_bool("check", check);
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

/* The rules of the file at path into p->want; -1 with an error reported. */
static int read_file(struct plan *p, const char *path)
{
	char err[PT_ERR_LEN];
	FILE *f;

	p->want = calloc(PT_MAX_RULES, sizeof(*p->want));
	if (!p->want)
		return pt_error("out of memory");
	f = fopen(path, "r");
	if (!f)
		return pt_error("cannot open %s: %s", path, strerror(errno));
	p->n_want = pt_conf_parse(f, path, p->want, err);
	fclose(f);
	return p->n_want < 0 ? pt_error("%s", err) : 0;
}

/*
 * apply --check: the plan against the rules of dev (none when it is not
 * loaded: what the first apply after load would do), changing nothing.
 */
static int check(struct plan *p, const char *dev)
{
	struct pt_rule *have = NULL;
	struct pt_dev d = PT_DEV_INIT;
	bool loaded = !dev || pt_dev_loaded(dev);
	int ret = -1;

	if (loaded ? pt_dev_open(&d, dev, 0) || !(have = pt_store_load(&d.m)) :
		     !(have = calloc(PT_MAX_RULES, sizeof(*have))))
		goto out;
	make_plan(p, have);
	report(p, have, loaded ? d.name : dev, true);
	fflush(stdout); /* the plan, then the note, also when both go to one file */
	pt_note("%s: checked%s, nothing changed", loaded ? d.name : dev,
		loaded ? "" : " against no rules (not loaded)");
	ret = 0;
out:
	pt_dev_close(&d);
	free(have);
	return ret;
}

int cmd_apply(int argc, char **argv)
{
	struct plan *p = calloc(1, sizeof(*p));
	struct pt_rule *have = NULL, *old = NULL;
	const char *dev = NULL;
	struct pt_dev d = PT_DEV_INIT;
	bool only_check = false;
	int c, ret = -1;

	if (!p)
		return pt_error("out of memory");
	while ((c = pt_getopt(argc, argv, NULL)) != -1) {
		if (c == 'c')
			only_check = true;
		else if (c == 'd')
			dev = optarg;
		else
			goto out;
	}
	if (optind != argc - 1) {
		pt_usage(argv[0], optind < argc ? "too many arguments" : "no file");
		goto out;
	}
	if (dev && pt_ifname_check(dev))
		goto out;
	if (only_check) {
		ret = read_file(p, argv[optind]) ?: check(p, dev);
		goto out;
	}
	old = calloc(PT_MAX_RULES, sizeof(*old));
	if (!old) {
		pt_error("out of memory");
		goto out;
	}
	if (read_file(p, argv[optind]) || pt_dev_open(&d, dev, PT_OPEN_LOCK | PT_OPEN_HEALTHY) ||
	    !(have = pt_store_load(&d.m)))
		goto out;
	memcpy(old, have, PT_MAX_RULES * sizeof(*old));
	make_plan(p, have);
	ret = run_plan(p, &d.m, have) ?: pt_store_end_flows(&d.m);
	if (!ret)
		report(p, old, d.name, false);
out:
	pt_dev_close(&d);
	free(have);
	free(old);
	free(p->want);
	free(p);
	return ret;
}

/* save [--dev IFACE]: the live rules, in slot order, as a rules file. */
int cmd_save(int argc, char **argv)
{
	const char *dev = NULL;
	struct pt_rule *rules = NULL;
	struct pt_dev d = PT_DEV_INIT;
	int ret = -1;

	if (pt_dev_args(argc, argv, &dev, NULL, NULL) || pt_dev_open(&d, dev, 0) ||
	    !(rules = pt_store_load(&d.m)))
		goto out;
	printf("# ptctl save: the rules of %s (ptctl apply FILE --dev %s)\n", d.name, d.name);
	for (__u32 id = 0; id < PT_MAX_RULES; id++)
		if (pt_rule_defined(&rules[id]))
			pt_conf_write(stdout, &rules[id]);
	ret = 0;
out:
	pt_dev_close(&d);
	free(rules);
	return ret;
}
