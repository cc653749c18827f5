// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "out.h"
#include "store.h"

int pt_store_read(const struct pt_maps *m, struct pt_rule *rules)
{
	for (__u32 id = 0; id < PT_MAX_RULES; id++)
		if (bpf_map_lookup_elem(m->rules, &id, &rules[id]))
			return pt_error("cannot read rule %u: %s", id, strerror(errno));
	return 0;
}

int pt_store_open(const char *dev_opt, char *dev, struct pt_maps *m, struct pt_rule **rules)
{
	if (pt_dev_resolve(dev_opt, dev) || pt_maps_open(dev, m))
		return -1;
	*rules = calloc(PT_MAX_RULES, sizeof(**rules));
	if (*rules && !pt_store_read(m, *rules))
		return 0;
	if (!*rules)
		pt_error("out of memory");
	pt_store_close(m, *rules);
	return -1;
}

void pt_store_close(struct pt_maps *m, struct pt_rule *rules)
{
	free(rules);
	pt_maps_close(m);
}

int pt_store_find(const struct pt_rule *rules, const char *name)
{
	for (int id = 0; id < PT_MAX_RULES; id++)
		if ((rules[id].flags & PT_RULE_USED) && !strcmp(rules[id].name, name))
			return id;
	return -1;
}

/* Calls fn for every index key (proto_idx, port) a range covers. */
static int for_each_key(const struct pt_range *r, int (*fn)(const struct pt_maps *, __u32, __u32),
			const struct pt_maps *m, __u32 id)
{
	for (__u32 pi = 0; pi < 2; pi++) {
		if (!(r->proto & (pi ? PT_UDP : PT_TCP)))
			continue;
		for (__u32 port = r->lo; port <= r->hi; port++)
			if (fn(m, pt_port_key(pi, port), id))
				return -1;
	}
	return 0;
}

static int open_set(const struct pt_maps *m, __u32 key, __u32 id)
{
	__u32 val = id + 1;

	return bpf_map_update_elem(m->open_idx, &key, &val, BPF_ANY);
}

static int open_clear(const struct pt_maps *m, __u32 key, __u32 id)
{
	__u32 val = 0;

	(void)id;
	return bpf_map_update_elem(m->open_idx, &key, &val, BPF_ANY);
}

static int trig_add(const struct pt_maps *m, __u32 key, __u32 id)
{
	struct pt_trig_slot s;

	if (bpf_map_lookup_elem(m->trig_idx, &key, &s))
		return -1;
	for (int i = 0; i < PT_TRIG_SLOTS; i++) {
		if (!s.rule[i]) {
			s.rule[i] = id + 1;
			return bpf_map_update_elem(m->trig_idx, &key, &s, BPF_ANY);
		}
	}
	errno = ENOSPC; /* pt_rule_fits() checked for room: maps changed under us */
	return -1;
}

/* Removes id and keeps the slot packed: the datapath stops at the first 0. */
static int trig_del(const struct pt_maps *m, __u32 key, __u32 id)
{
	struct pt_trig_slot s, packed = {};
	int n = 0;

	if (bpf_map_lookup_elem(m->trig_idx, &key, &s))
		return -1;
	for (int i = 0; i < PT_TRIG_SLOTS; i++)
		if (s.rule[i] && s.rule[i] != id + 1)
			packed.rule[n++] = s.rule[i];
	return bpf_map_update_elem(m->trig_idx, &key, &packed, BPF_ANY);
}

static int zero_rule_stats(const struct pt_maps *m, __u32 id)
{
	size_t size = sizeof(struct pt_rule_stats) * libbpf_num_possible_cpus();
	void *zero = calloc(1, size);
	int ret;

	if (!zero)
		return -1;
	ret = bpf_map_update_elem(m->rule_stats, &id, zero, BPF_ANY);
	free(zero);
	return ret;
}

/* Adds (or removes) the index entries of rule id: its open ports, then its trigger. */
static int store_index(const struct pt_maps *m, __u32 id, const struct pt_rule *r, bool add)
{
	int ret = 0;

	for (__u32 i = 0; i < r->n_open && i < PT_MAX_OPEN; i++)
		ret |= for_each_key(&r->open[i], add ? open_set : open_clear, m, id);
	ret |= for_each_key(&r->trigger, add ? trig_add : trig_del, m, id);
	return ret;
}

/* Writes r into slot id under a new generation: a holder recorded before is stale. */
int pt_store_put(const struct pt_maps *m, struct pt_rule *rules, __u32 id, struct pt_rule *r)
{
	r->gen = rules[id].gen + 1;
	r->flags |= PT_RULE_USED;
	/* Rule first, indexes after: the datapath only reaches a rule through them. */
	if (bpf_map_update_elem(m->rules, &id, r, BPF_ANY) || store_index(m, id, r, true))
		return pt_error("cannot store rule '%s': %s", r->name, strerror(errno));
	rules[id] = *r;
	return 0;
}

int pt_store_unindex(const struct pt_maps *m, struct pt_rule *rules, __u32 id)
{
	if (store_index(m, id, &rules[id], false) || pt_store_release(m, id))
		return pt_error("cannot update the indexes of rule '%s': %s", rules[id].name,
				strerror(errno));
	rules[id].flags &= ~PT_RULE_USED;
	return 0;
}

int pt_store_add(const struct pt_maps *m, struct pt_rule *rules, struct pt_rule *r)
{
	char err[PT_ERR_LEN];
	__u32 id;

	if (pt_rule_fits(rules, UINT32_MAX, r, err))
		return pt_error("%s", err);
	for (id = 0; id < PT_MAX_RULES && (rules[id].flags & PT_RULE_USED); id++)
		;
	if (id == PT_MAX_RULES)
		return pt_error("no room for rule '%s' (at most %d rules)", r->name, PT_MAX_RULES);
	if (zero_rule_stats(m, id))
		return pt_error("cannot reset the counters of slot %u: %s", id, strerror(errno));
	if (pt_store_put(m, rules, id, r)) {
		rules[id] = *r;
		pt_store_del(m, rules, id);
		return -1;
	}
	return id;
}

/* Through pt_release, so that `ptctl monitor` hears of it like of the datapath's events. */
int pt_store_release(const struct pt_maps *m, __u32 id)
{
	struct pt_release_args args = { .rule = id };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &args, .ctx_size_in = sizeof(args));

	if (bpf_prog_test_run_opts(m->release, &o))
		return pt_error("cannot release rule %u: %s", id, strerror(errno));
	return 0;
}

int pt_store_set_enabled(const struct pt_maps *m, struct pt_rule *rules, __u32 id, bool on)
{
	struct pt_rule r = rules[id];

	r.flags = on ? r.flags | PT_RULE_ENABLED : r.flags & ~PT_RULE_ENABLED;
	if (bpf_map_update_elem(m->rules, &id, &r, BPF_ANY))
		return pt_error("cannot update rule '%s': %s", r.name, strerror(errno));
	rules[id] = r;
	/* A disabled rule forwards nothing: its holder goes, re-enabling starts afresh. */
	return on ? 0 : pt_store_release(m, id);
}

int pt_store_del(const struct pt_maps *m, struct pt_rule *rules, __u32 id)
{
	struct pt_rule *r = &rules[id];
	int ret;

	ret = store_index(m, id, r, false);
	ret |= pt_store_release(m, id); /* while the rule is there: reports the holder */
	/* Keep only the generation, so the slot's next rule starts a new one. */
	*r = (struct pt_rule){ .gen = r->gen };
	ret |= bpf_map_update_elem(m->rules, &id, r, BPF_ANY);
	ret |= zero_rule_stats(m, id);
	if (ret)
		return pt_error("cannot remove rule %u completely: %s", id, strerror(errno));
	return 0;
}
