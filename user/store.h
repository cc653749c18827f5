/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules in the pinned maps: the rules array and the two port indexes the
 * datapath looks up (trigger port -> rules, open port -> rule), kept in step.
 */
#ifndef PT_STORE_H
#define PT_STORE_H

#include <stdbool.h>
#include "pins.h"
#include "rule.h"

/* Opens the maps of dev_opt (or the one loaded interface, named into dev) and reads the rules. */
int pt_store_open(const char *dev_opt, char *dev, struct pt_maps *m, struct pt_rule **rules);
void pt_store_close(struct pt_maps *m, struct pt_rule *rules);
/* rules[PT_MAX_RULES], indexed by rule id. */
int pt_store_read(const struct pt_maps *m, struct pt_rule *rules);
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
/* Closes rule id's active trigger now. */
int pt_store_release(const struct pt_maps *m, __u32 id);

#endif /* PT_STORE_H */
