/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules in the pinned maps: the rules array and the two port indexes the
 * datapath looks up (trigger port -> rules, open port -> rule), kept in step.
 */
#ifndef PT_STORE_H
#define PT_STORE_H

#include <stdbool.h>
#include "dev.h"
#include "rule.h"

/* rules[PT_MAX_RULES], indexed by rule id. */
int pt_store_read(const struct pt_maps *m, struct pt_rule *rules);
/* The same, allocated (free() it); NULL with an error reported. */
struct pt_rule *pt_store_load(const struct pt_maps *m);
/* Id of the rule named name, or -1. */
int pt_store_find(const struct pt_rule *rules, const char *name);
/* Validates r against rules, then stores it in a free slot; returns the id or -1. */
int pt_store_add(const struct pt_maps *m, struct pt_rule *rules, struct pt_rule *r);
/*
 * For redefining several rules at once (apply), whose new set was checked as
 * a whole: take rule id out of the indexes (the datapath no longer reaches
 * it, its holder is released; rules[id] no longer counts as defined), then
 * write its new definition.
 */
int pt_store_unindex(const struct pt_maps *m, struct pt_rule *rules, __u32 id);
int pt_store_put(const struct pt_maps *m, struct pt_rule *rules, __u32 id, struct pt_rule *r);
/* Removes rule id: indexes first, so the datapath never sees a half-gone rule. */
int pt_store_del(const struct pt_maps *m, struct pt_rule *rules, __u32 id);
/* Enables or disables rule id; disabling releases it. */
int pt_store_set_enabled(const struct pt_maps *m, struct pt_rule *rules, __u32 id, bool on);
/*
 * Closes rule id's active trigger now. Its flows end at the next
 * pt_store_end_flows(), which every command that closes rules calls once at
 * its end: one walk of the conntrack table for all of them.
 */
int pt_store_release(const struct pt_maps *m, const struct pt_rule *rules, __u32 id);
int pt_store_end_flows(const struct pt_maps *m);

/*
 * Do the port indexes say exactly what the rules say (every open and
 * trigger port, nothing else)? 0, or -1 with what differs in err.
 */
int pt_store_check(const struct pt_maps *m, const struct pt_rule *rules, char *err);

#endif /* PT_STORE_H */
