/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The datapath's counters as ptctl shows them: the field's name (the JSON
 * key, the metric's name), a label for text and metric help, its offset.
 * One table each for pt_rule_stats and pt_stats: every output walks them.
 */
#ifndef PT_COUNTERS_H
#define PT_COUNTERS_H

#include <stddef.h>
#include <linux/types.h>

struct pt_counter {
	const char *key;
	const char *text;
	size_t off;
};

extern const struct pt_counter pt_rule_counters[];
extern const size_t pt_n_rule_counters;
extern const struct pt_counter pt_stat_counters[];
extern const size_t pt_n_stat_counters;

static inline __u64 pt_counter_val(const void *base, const struct pt_counter *c)
{
	return *(const __u64 *)((const char *)base + c->off);
}

#endif /* PT_COUNTERS_H */
