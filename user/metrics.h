/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An interface's counters and rule states in the Prometheus text exposition
 * format (0.0.4), for node_exporter's textfile collector: stable names,
 * counters ending in _total, labels dev and rule.
 */
#ifndef PT_METRICS_H
#define PT_METRICS_H

#include <stdio.h>
#include "view.h"

void pt_metrics_write(FILE *f, const char *dev, const struct pt_stats *st,
		      const struct pt_rule_view *views, int n);

#endif /* PT_METRICS_H */
