/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules file of `ptctl apply` (see ptctl(8)): one rule a line,
 *
 *   # comment
 *   rule irc-dcc trigger tcp:6667 open tcp:59000-59010 timeout 10m
 *   rule game trigger udp:27015 open udp:27000-27015 open tcp:27020 policy newest
 *   rule cam trigger tcp:554 open udp:6970-6999 allow 192.168.1.0/24 disabled
 *   rule voip trigger udp:5060 open udp:10000-10100 peer contacted
 *
 * keys as add-rule's options (open may repeat), `disabled` a flag.
 */
#ifndef PT_CONF_H
#define PT_CONF_H

#include <stdio.h>
#include "rule.h"

/*
 * Parses f into rules[PT_MAX_RULES] (slots 0..n-1, in file order) and checks
 * the set as a whole: names unique, open ports not overlapping, trigger
 * ports shared by at most PT_TRIG_SLOTS rules. Returns n, or -1 with err
 * "path:line: message" for the first problem.
 */
int pt_conf_parse(FILE *f, const char *path, struct pt_rule *rules, char *err);
/* Writes r as a rules file line, what pt_conf_parse() reads back as r (ptctl save). */
void pt_conf_write(FILE *f, const struct pt_rule *r);

#endif /* PT_CONF_H */
