/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rule syntax and validation, free of any kernel state: parsing of the
 * command-line forms and the checks a new rule must pass against the rules
 * already defined. Every function fills err (PT_ERR_LEN) and returns -1 on
 * bad input, 0 otherwise.
 */
#ifndef PT_RULE_H
#define PT_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "ptctl.h"

#define PT_ERR_LEN   256
#define PT_RANGE_STR 24 /* "both:65535-65535" and NUL */

int pt_parse_name(const char *s, char *name, char *err);
int pt_parse_range(const char *spec, struct pt_range *r, char *err);
/* Appends the comma-separated PROTO:PORTS entries of list to r->open. */
int pt_parse_open(const char *list, struct pt_rule *r, char *err);
/* Seconds, or with a unit: 90s, 10m, 2h, 1d. */
int pt_parse_timeout(const char *s, __u32 *seconds, char *err);
/* Comma-separated ADDR[/LEN] (IPv4 or IPv6, either in one list) into r->allow. */
int pt_parse_allow(const char *list, struct pt_rule *r, char *err);
/* VALUE[/MASK], numbers in C syntax; MASK defaults to all bits. */
int pt_parse_mark(const char *s, __u32 *mark, __u32 *mask, char *err);
int pt_parse_u32(const char *s, __u32 *val);

/* A rule with the defaults: enabled, hold policy, any peer, PT_TIMEOUT_DEFAULT. */
void pt_rule_init(struct pt_rule *r);
/* In a rules array indexed by id: does the slot hold a rule? Every rule has a name. */
static inline bool pt_rule_defined(const struct pt_rule *r)
{
	return r->name[0] != '\0';
}
/* Whom the rule admits inbound: "any" WAN peer, or those its holder "contacted". */
const char *pt_rule_peer(const struct pt_rule *r);
/* Who keeps it when another host triggers it: "hold" (the holder) or "newest". */
const char *pt_rule_policy(const struct pt_rule *r);
/*
 * Sets one property of a rule definition, as named by add-rule's options and
 * the rules file's keys: trigger, open (appends), timeout, allow, policy,
 * peer; val is NULL for the flags disabled and enabled.
 */
int pt_rule_set(struct pt_rule *r, const char *key, const char *val, char *err);
/* Checks a definition is complete: a trigger and at least one open entry. */
int pt_rule_complete(const struct pt_rule *r, char *err);
/* Same definition (what the datapath sees), ignoring slot state and generation. */
bool pt_rule_same(const struct pt_rule *a, const struct pt_rule *b);

bool pt_ranges_overlap(const struct pt_range *a, const struct pt_range *b);
/*
 * Can r join the defined rules of rules[n] (slot self skipped)?
 * Unique name, open ports not overlapping another rule's, and at most
 * PT_TRIG_SLOTS rules triggered by any one port.
 */
int pt_rule_fits(const struct pt_rule *rules, __u32 n, __u32 self, const struct pt_rule *r,
		 char *err);

const char *pt_proto_str(__u8 proto);
void pt_range_str(const struct pt_range *r, char *buf);
void pt_prefix_str(const struct pt_prefix *p, char *buf, size_t len);

#endif /* PT_RULE_H */
