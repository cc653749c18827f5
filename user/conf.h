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
 * keys as add-rule's options (open may repeat), `disabled` a flag. apply
 * also reads OpenWrt's UCI format (/etc/config/ptctl, uci.h): a file whose
 * first line that is not blank or a comment begins with `config`.
 */
#ifndef PT_CONF_H
#define PT_CONF_H

#include <stdbool.h>
#include <stdio.h>
#include "rule.h"

#define PT_CONF_LINE_MAX 1024

/*
 * Parses f, in either format, into rules[PT_MAX_RULES] (slots 0..n-1, in
 * file order) and checks the set as a whole: names unique, open ports not
 * overlapping, trigger ports shared by at most PT_TRIG_SLOTS rules. Returns
 * n, or -1 with err "path:line: message" for the first problem.
 */
int pt_conf_parse(FILE *f, const char *path, struct pt_rule *rules, char *err);
/* Writes r as a rules file line, what pt_conf_parse() reads back as r (ptctl save). */
void pt_conf_write(FILE *f, const struct pt_rule *r);

/* The line reader both formats share: line numbers, the length limit, errors. */
struct pt_conf_in {
	FILE *f;
	const char *path;
	char *err;  /* PT_ERR_LEN: "path:line: message" */
	int line;   /* of the line last read */
	int last;   /* what the last read returned */
	bool again; /* the next read returns the last line again */
	char buf[PT_CONF_LINE_MAX + 2];
};

/* The next line into in->buf, without its end of line: 1; 0 at the end; -1 with in->err. */
int pt_conf_read(struct pt_conf_in *in);
/* "path:line: message" into in->err (line 0: the file as a whole); returns -1. */
int pt_conf_err(struct pt_conf_in *in, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* PT_CONF_H */
