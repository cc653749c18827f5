/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules in the pinned maps: the rules array and the two port indexes the
 * datapath looks up (trigger port -> rules, open port -> rule), kept in step.
 */
#ifndef PT_STORE_H
#define PT_STORE_H

#include "pins.h"
#include "rule.h"

/* rules[PT_MAX_RULES], indexed by rule id. */
int pt_store_read(const struct pt_maps *m, struct pt_rule *rules);
/* Id of the rule named name, or -1. */
int pt_store_find(const struct pt_rule *rules, const char *name);
/* Validates r against rules, then stores it in a free slot; returns the id or -1. */
int pt_store_add(const struct pt_maps *m, struct pt_rule *rules, struct pt_rule *r);
/* Removes rule id: indexes first, so the datapath never sees a half-gone rule. */
int pt_store_del(const struct pt_maps *m, struct pt_rule *rules, __u32 id);

#endif /* PT_STORE_H */
