// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ct.h"
#include "out.h"
#include "store.h"

int pt_store_read(const struct pt_maps *m, struct pt_rule *rules)
{
	memset(rules, 0, PT_MAX_RULES * sizeof(*rules));
	for (__u32 id = 0; id < PT_MAX_RULES; id++)
		if (bpf_map_lookup_elem(PT_FD(m, pt_rules), &id, &rules[id]) && errno != ENOENT)
			return pt_error("cannot read rule %u: %s", id, strerror(errno));
	return 0;
}

struct pt_rule *pt_store_load(const struct pt_maps *m)
{
	struct pt_rule *rules = calloc(PT_MAX_RULES, sizeof(*rules));

	if (!rules)
		pt_error("out of memory");
	else if (pt_store_read(m, rules))
		rules = (free(rules), NULL);
	return rules;
}

int pt_store_find(const struct pt_rule *rules, const char *name)
{
	for (int id = 0; id < PT_MAX_RULES; id++)
		if (pt_rule_defined(&rules[id]) && !strcmp(rules[id].name, name))
			return id;
	return -1;
}

/* Calls fn for every index key (proto_idx, port) a range covers. */
typedef int (*key_fn)(const void *ctx, __u32 key, __u32 id);

static int for_each_key(const struct pt_range *r, key_fn fn, const void *ctx, __u32 id)
{
	for (__u32 pi = 0; pi < 2; pi++) {
		if (!(r->proto & pt_proto_of_idx(pi)))
			continue;
		for (__u32 port = r->lo; port <= r->hi; port++)
			if (fn(ctx, pt_port_key(pi, port), id))
				return -1;
	}
	return 0;
}

static int open_set(const void *ctx, __u32 key, __u32 id)
{
	const struct pt_maps *m = ctx;
	__u32 val = id + 1;

	return bpf_map_update_elem(PT_FD(m, pt_open_idx), &key, &val, BPF_ANY);
}

static int open_clear(const void *ctx, __u32 key, __u32 id)
{
	const struct pt_maps *m = ctx;
	__u32 val = 0;

	(void)id;
	return bpf_map_update_elem(PT_FD(m, pt_open_idx), &key, &val, BPF_ANY);
}

static int trig_add(const void *ctx, __u32 key, __u32 id)
{
	const struct pt_maps *m = ctx;
	struct pt_trig_slot s;

	if (bpf_map_lookup_elem(PT_FD(m, pt_trig_idx), &key, &s))
		return -1;
	for (int i = 0; i < PT_TRIG_SLOTS; i++) {
		if (!s.rule[i]) {
			s.rule[i] = id + 1;
			return bpf_map_update_elem(PT_FD(m, pt_trig_idx), &key, &s, BPF_ANY);
		}
	}
	errno = ENOSPC; /* pt_rule_fits() checked for room: maps changed under us */
	return -1;
}

/* Removes id and keeps the slot packed: the datapath stops at the first 0. */
static int trig_del(const void *ctx, __u32 key, __u32 id)
{
	const struct pt_maps *m = ctx;
	struct pt_trig_slot s, packed = {};
	int n = 0;

	if (bpf_map_lookup_elem(PT_FD(m, pt_trig_idx), &key, &s))
		return -1;
	for (int i = 0; i < PT_TRIG_SLOTS; i++)
		if (s.rule[i] && s.rule[i] != id + 1)
			packed.rule[n++] = s.rule[i];
	return bpf_map_update_elem(PT_FD(m, pt_trig_idx), &key, &packed, BPF_ANY);
}

static int zero_rule_stats(const struct pt_maps *m, __u32 id)
{
	size_t size = sizeof(struct pt_rule_stats) * libbpf_num_possible_cpus();
	void *zero = calloc(1, size);
	int ret;

	if (!zero)
		return -1;
	ret = bpf_map_update_elem(PT_FD(m, pt_rule_stats), &id, zero, BPF_ANY);
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

/*
 * A generation no rule of the interface had before (pt_config.last_gen), so
 * that a holder recorded under any earlier definition of a slot, even one
 * since deleted, is stale.
 */
static int next_gen(const struct pt_maps *m, __u32 *gen)
{
	struct pt_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(PT_FD(m, pt_config), &zero, &cfg))
		return -1;
	*gen = ++cfg.last_gen;
	return bpf_map_update_elem(PT_FD(m, pt_config), &zero, &cfg, BPF_ANY);
}

/* Writes the definition r as rule id, free: a (re)definition has no holders. */
static int rule_write(const struct pt_maps *m, __u32 id, struct pt_rule *r)
{
	memset(r->holder, 0, sizeof(r->holder));
	return bpf_map_update_elem(PT_FD(m, pt_rules), &id, r, BPF_ANY);
}

/* Writes r into slot id under a new generation: a holder recorded before is stale. */
int pt_store_put(const struct pt_maps *m, struct pt_rule *rules, __u32 id, struct pt_rule *r)
{
	/* Rule first, indexes after: the datapath only reaches a rule through them. */
	if (next_gen(m, &r->gen) || rule_write(m, id, r) || store_index(m, id, r, true))
		return pt_error("cannot store rule '%s': %s", r->name, strerror(errno));
	rules[id] = *r;
	return 0;
}

int pt_store_unindex(const struct pt_maps *m, struct pt_rule *rules, __u32 id)
{
	if (store_index(m, id, &rules[id], false) || pt_store_release(m, rules, id))
		return pt_error("cannot update the indexes of rule '%s': %s", rules[id].name,
				strerror(errno));
	rules[id].name[0] = '\0'; /* no longer counts as defined */
	return 0;
}

int pt_store_add(const struct pt_maps *m, struct pt_rule *rules, struct pt_rule *r)
{
	char err[PT_ERR_LEN];
	__u32 id;

	if (pt_rule_fits(rules, PT_MAX_RULES, UINT32_MAX, r, err))
		return pt_error("%s", err);
	for (id = 0; id < PT_MAX_RULES && pt_rule_defined(&rules[id]); id++)
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

/* The open ports of r join those whose flows end at pt_store_end_flows(). */
static int closing_add(const struct pt_maps *m, const struct pt_rule *r)
{
	struct pt_closing *c = m->closing;

	for (__u32 i = 0; i < r->n_open && i < PT_MAX_OPEN; i++) {
		if (c->n == c->cap) {
			void *grown = realloc(c->ports, (c->cap * 2 + 16) * sizeof(*c->ports));

			if (!grown)
				return pt_error("out of memory");
			c->ports = grown;
			c->cap = c->cap * 2 + 16;
		}
		c->ports[c->n++] = r->open[i];
	}
	return 0;
}

/* Through pt_release, so that `ptctl monitor` hears of it like of the datapath's events. */
int pt_store_release(const struct pt_maps *m, const struct pt_rule *rules, __u32 id)
{
	struct pt_release_args args = { .rule = id };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &args, .ctx_size_in = sizeof(args));

	if (bpf_prog_test_run_opts(m->release, &o))
		return pt_error("cannot release rule %u: %s", id, strerror(errno));
	return closing_add(m, &rules[id]);
}

int pt_store_end_flows(const struct pt_maps *m)
{
	__u32 wan[PT_ADDRS_MAX], zero = 0;
	struct pt_closing *c = m->closing;
	struct pt_config cfg;
	int n;

	if (!c->n)
		return 0;
	if (bpf_map_lookup_elem(PT_FD(m, pt_config), &zero, &cfg))
		return pt_error("cannot read the configuration: %s", strerror(errno));
	n = pt_ct_end_flows(&cfg, wan, pt_wan_addrs(m, &cfg, wan), c->ports, c->n);
	c->n = 0;
	return n < 0 ? -1 : 0;
}

int pt_store_set_enabled(const struct pt_maps *m, struct pt_rule *rules, __u32 id, bool on)
{
	struct pt_rule r = rules[id];

	/* A disabled rule forwards nothing: its holder goes (reported), re-enabling starts afresh. */
	if (!on && pt_store_release(m, rules, id))
		return -1;
	r.enabled = on;
	if (rule_write(m, id, &r))
		return pt_error("cannot update rule '%s': %s", r.name, strerror(errno));
	rules[id] = r;
	return 0;
}

int pt_store_del(const struct pt_maps *m, struct pt_rule *rules, __u32 id)
{
	struct pt_rule *r = &rules[id];
	int ret;

	ret = store_index(m, id, r, false);
	ret |= pt_store_release(m, rules, id); /* while the rule is there: reports the holder */
	if (bpf_map_delete_elem(PT_FD(m, pt_rules), &id) && errno != ENOENT)
		ret = -1;
	memset(r, 0, sizeof(*r));
	ret |= zero_rule_stats(m, id);
	if (ret)
		return pt_error("cannot remove rule %u completely: %s", id, strerror(errno));
	return 0;
}

/* count values of the array map fd (keys 0..count-1) into vals. */
static int read_array(int fd, void *vals, __u32 value_size, __u32 count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u32 batch, keys_n, done = 0, *keys = calloc(count, sizeof(*keys));
	int err = 0;

	if (!keys)
		return -ENOMEM;
	while (done < count && !err) {
		keys_n = count - done;
		err = bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch, keys + done,
					   (char *)vals + (size_t)done * value_size, &keys_n, &o);
		done += keys_n;
		if (err && errno == ENOENT && done == count)
			err = 0;
	}
	free(keys);
	return err;
}

static bool slot_is(const struct pt_trig_slot *have, const struct pt_trig_slot *want)
{
	int n = 0;

	for (int i = 0; i < PT_TRIG_SLOTS; i++) {
		bool found = false;

		if (!want->rule[i])
			break;
		n++;
		for (int j = 0; j < PT_TRIG_SLOTS; j++)
			found |= have->rule[j] == want->rule[i];
		if (!found)
			return false;
	}
	/* Packed: exactly n ids, then holes. */
	for (int i = 0; i < PT_TRIG_SLOTS; i++)
		if (!have->rule[i] != (i >= n))
			return false;
	return true;
}

/* What the indexes must hold, built in memory: open[key], trig[key]. */
struct expected {
	__u32 *open;
	struct pt_trig_slot *trig;
};

static int expect_open(const void *ctx, __u32 key, __u32 id)
{
	((const struct expected *)ctx)->open[key] = id + 1;
	return 0;
}

static int expect_trig(const void *ctx, __u32 key, __u32 id)
{
	struct pt_trig_slot *s = &((const struct expected *)ctx)->trig[key];

	for (int k = 0; k < PT_TRIG_SLOTS; k++)
		if (!s->rule[k]) {
			s->rule[k] = id + 1;
			break;
		}
	return 0;
}

static void expect_index(const struct pt_rule *rules, const struct expected *e)
{
	for (__u32 id = 0; id < PT_MAX_RULES; id++) {
		const struct pt_rule *r = &rules[id];

		if (!pt_rule_defined(r))
			continue;
		for (__u32 i = 0; i < r->n_open && i < PT_MAX_OPEN; i++)
			for_each_key(&r->open[i], expect_open, e, id);
		for_each_key(&r->trigger, expect_trig, e, id);
	}
}

int pt_store_check(const struct pt_maps *m, const struct pt_rule *rules, char *err)
{
	__u32 *open = calloc(2 * PT_PORT_KEYS, sizeof(*open));
	struct pt_trig_slot *trig = calloc(2 * PT_PORT_KEYS, sizeof(*trig));
	int ret = -1;

	snprintf(err, PT_ERR_LEN, "out of memory");
	if (!open || !trig)
		goto out;
	expect_index(rules, &(struct expected){ open, trig });
	snprintf(err, PT_ERR_LEN, "cannot read the port indexes: %s", strerror(errno));
	if (read_array(PT_FD(m, pt_open_idx), open + PT_PORT_KEYS, sizeof(*open), PT_PORT_KEYS) ||
	    read_array(PT_FD(m, pt_trig_idx), trig + PT_PORT_KEYS, sizeof(*trig), PT_PORT_KEYS))
		goto out;
	ret = 0;
	for (__u32 k = 0; k < PT_PORT_KEYS && !ret; k++) {
		const char *proto = k < 65536 ? "tcp" : "udp";

		if (open[k] != open[PT_PORT_KEYS + k])
			ret = snprintf(err, PT_ERR_LEN,
				       "pt_open_idx has rule %d for %s:%u, the rules say %d",
				       (int)open[PT_PORT_KEYS + k] - 1, proto, k % 65536,
				       (int)open[k] - 1);
		else if (!slot_is(&trig[PT_PORT_KEYS + k], &trig[k]))
			ret = snprintf(err, PT_ERR_LEN,
				       "pt_trig_idx disagrees with the rules on %s:%u", proto,
				       k % 65536);
	}
	ret = ret ? -1 : 0;
out:
	free(open);
	free(trig);
	return ret;
}
