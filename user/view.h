/* SPDX-License-Identifier: GPL-2.0 */
/* A rule as the read commands show it: definition, holder and summed counters. */
#ifndef PT_VIEW_H
#define PT_VIEW_H

#include <stdbool.h>
#include "dev.h"
#include "rule.h"

/* A rule's holder of one address family. */
struct pt_holder_view {
	bool live;			   /* enabled, held and not expired */
	union pt_addr addr;		   /* none when not live */
	__u64 seconds_left;		   /* until expiry, while live */
	__u64 held_seconds;		   /* since it took the rule */
	union pt_addr peers[PT_MAX_PEERS]; /* --peer contacted: whom it contacted, latest first */
	int n_peers;
};

struct pt_rule_view {
	__u32 id;
	struct pt_rule rule;
	bool active; /* a holder of either family is live */
	struct pt_holder_view holder[PT_FAMILIES];
	struct pt_rule_stats st; /* summed over CPUs */
};

/* Every defined rule, in id order; returns how many, or -1. */
int pt_view_rules(const struct pt_maps *m, struct pt_rule_view *out);
/* Sums a per-CPU map value of n_u64 counters at key into out. */
int pt_percpu_sum(int map_fd, __u32 key, __u64 *out, size_t n_u64);

#endif /* PT_VIEW_H */
