// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "out.h"
#include "store.h"
#include "view.h"

#define NSEC_PER_SEC PT_NSEC_PER_SEC

/* The datapath's clock (bpf_ktime_get_coarse_ns(), which lags this by at most a tick). */
static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int pt_percpu_sum(int map_fd, __u32 key, __u64 *out, size_t n_u64)
{
	int cpus = libbpf_num_possible_cpus();
	__u64 *vals;

	if (cpus < 0 || !(vals = calloc((size_t)cpus * n_u64, sizeof(__u64))))
		return -1;
	memset(out, 0, n_u64 * sizeof(__u64));
	if (bpf_map_lookup_elem(map_fd, &key, vals)) {
		free(vals);
		return -1;
	}
	for (int c = 0; c < cpus; c++)
		for (size_t i = 0; i < n_u64; i++)
			out[i] += vals[c * n_u64 + i];
	free(vals);
	return 0;
}

/* The peers holder h of family f contacted in its tenure (since_ns), most recent first. */
static void view_peers(const struct pt_maps *m, __u32 id, enum pt_family f,
		       struct pt_holder_view *h, __u64 since_ns)
{
	__u32 key = pt_peers_key(id, f);
	bool taken[PT_MAX_PEERS] = {};
	struct pt_peers ps;

	if (bpf_map_lookup_elem(PT_FD(m, pt_peers), &key, &ps) || ps.since_ns != since_ns)
		return;
	for (h->n_peers = 0; h->n_peers < PT_MAX_PEERS; h->n_peers++) {
		int best = -1;

		for (int i = 0; i < PT_MAX_PEERS; i++)
			if (!pt_addr_none(pt_addr(ps.addr[i])) && !taken[i] &&
			    (best < 0 || ps.seen_ns[i] > ps.seen_ns[best]))
				best = i;
		if (best < 0)
			break;
		taken[best] = true;
		h->peers[h->n_peers] = pt_addr(ps.addr[best]);
	}
}

static void view_holder(const struct pt_maps *m, struct pt_rule_view *v, enum pt_family f,
			__u64 now)
{
	const struct pt_rule *r = &v->rule;
	const struct pt_holder *a = &r->holder[f];
	struct pt_holder_view *h = &v->holder[f];
	__u64 idle;

	if (!r->enabled || !pt_held(r, a, now))
		return;
	idle = now > a->last_ns ? now - a->last_ns : 0;
	v->active = h->live = true;
	h->addr = pt_addr(a->addr);
	/* Whole seconds, rounded up: 0 only once it expired. */
	h->seconds_left =
		idle < r->timeout_s * NSEC_PER_SEC ?
			(r->timeout_s * NSEC_PER_SEC - idle + NSEC_PER_SEC - 1) / NSEC_PER_SEC :
			1;
	h->held_seconds = now > a->since_ns ? (now - a->since_ns) / NSEC_PER_SEC : 0;
	if (r->peer == PT_PEER_CONTACTED)
		view_peers(m, v->id, f, h, a->since_ns);
}

int pt_view_rules(const struct pt_maps *m, struct pt_rule_view *out)
{
	struct pt_rule *rules = calloc(PT_MAX_RULES, sizeof(*rules));
	__u64 now = now_ns();
	int n = 0;

	if (!rules)
		return pt_error("out of memory");
	if (pt_store_read(m, rules)) {
		free(rules);
		return -1;
	}
	for (__u32 id = 0; id < PT_MAX_RULES; id++) {
		struct pt_rule_view *v = &out[n];

		if (!pt_rule_defined(&rules[id]))
			continue;
		memset(v, 0, sizeof(*v));
		v->id = id;
		v->rule = rules[id];
		view_holder(m, v, PT_IPV4, now);
		view_holder(m, v, PT_IPV6, now);
		if (pt_percpu_sum(PT_FD(m, pt_rule_stats), id, (__u64 *)&v->st,
				  sizeof(v->st) / 8)) {
			free(rules);
			return pt_error("cannot read counters of rule '%s': %s", v->rule.name,
					strerror(errno));
		}
		n++;
	}
	free(rules);
	return n;
}
