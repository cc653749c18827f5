// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"

#define CONF_LINE_MAX 1024

/* "path:line: message" into err (line 0: no line); returns -1. */
static int conf_err(char *err, const char *path, int line, const char *fmt, ...)
{
	int len = line ? snprintf(err, PT_ERR_LEN, "%s:%d: ", path, line) :
			 snprintf(err, PT_ERR_LEN, "%s: ", path);
	va_list ap;

	if (len < PT_ERR_LEN) {
		va_start(ap, fmt);
		vsnprintf(err + len, PT_ERR_LEN - len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A timeout in its largest exact unit: 10m, not 600. */
static void timeout_write(FILE *f, __u32 s)
{
	static const struct {
		char unit;
		__u32 secs;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 } };

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (s % units[i].secs == 0)
			return (void)fprintf(f, " timeout %u%c", s / units[i].secs, units[i].unit);
	fprintf(f, " timeout %us", s);
}

/* Only what differs from pt_rule_init()'s defaults, as a person writes it. */
void pt_conf_write(FILE *f, const struct pt_rule *r)
{
	char buf[64];

	pt_range_str(&r->trigger, buf);
	fprintf(f, "rule %s trigger %s", r->name, buf);
	for (__u32 i = 0; i < r->n_open && i < PT_MAX_OPEN; i++) {
		pt_range_str(&r->open[i], buf);
		fprintf(f, " open %s", buf);
	}
	if (r->timeout_s != PT_TIMEOUT_DEFAULT)
		timeout_write(f, r->timeout_s);
	for (__u32 i = 0; i < r->n_allow && i < PT_MAX_ALLOW; i++) {
		pt_prefix_str(&r->allow[i], buf, sizeof(buf));
		fprintf(f, "%s%s", i ? "," : " allow ", buf);
	}
	if (r->policy != PT_POLICY_HOLD)
		fprintf(f, " policy %s", pt_rule_policy(r));
	if (r->peer != PT_PEER_ANY)
		fprintf(f, " peer %s", pt_rule_peer(r));
	if (!r->enabled)
		fprintf(f, " disabled");
	fputc('\n', f);
}

/* Parses the tokens of one `rule` line (after the keyword) into r. */
static int parse_rule_line(char *save, struct pt_rule *r, char *msg)
{
	char *tok = strtok_r(NULL, " \t", &save), *val;

	pt_rule_init(r);
	if (!tok)
		return snprintf(msg, PT_ERR_LEN, "rule without a name"), -1;
	if (pt_parse_name(tok, r->name, msg))
		return -1;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		val = NULL;
		if (strcmp(tok, "disabled") && strcmp(tok, "enabled")) {
			val = strtok_r(NULL, " \t", &save);
			if (!val)
				return snprintf(msg, PT_ERR_LEN, "'%s' needs a value", tok), -1;
		}
		if (pt_rule_set(r, tok, val, msg))
			return -1;
	}
	return pt_rule_complete(r, msg);
}

int pt_conf_parse(FILE *f, const char *path, struct pt_rule *rules, char *err)
{
	int *lines = calloc(PT_MAX_RULES, sizeof(*lines));
	char buf[CONF_LINE_MAX + 2], msg[PT_ERR_LEN], *tok, *save, *hash;
	int n = 0, line = 0, ret = -1;

	if (!lines)
		return conf_err(err, path, 0, "out of memory");
	memset(rules, 0, PT_MAX_RULES * sizeof(*rules));
	while (fgets(buf, sizeof(buf), f)) {
		line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			conf_err(err, path, line, "line longer than %d characters", CONF_LINE_MAX);
			goto out;
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		tok = strtok_r(buf, " \t", &save);
		if (!tok)
			continue;
		if (strcmp(tok, "rule")) {
			conf_err(err, path, line, "expected 'rule NAME ...', found '%s'", tok);
			goto out;
		}
		if (n == PT_MAX_RULES) {
			conf_err(err, path, line, "more than %d rules", PT_MAX_RULES);
			goto out;
		}
		if (parse_rule_line(save, &rules[n], msg)) {
			conf_err(err, path, line, "%s", msg);
			goto out;
		}
		lines[n++] = line;
	}
	if (ferror(f)) {
		conf_err(err, path, 0, "read error");
		goto out;
	}
	/* Each rule against those before it, so an error names the later line. */
	for (int i = 0; i < n; i++) {
		if (pt_rule_fits(rules, i, UINT32_MAX, &rules[i], msg)) {
			conf_err(err, path, lines[i], "%s", msg);
			goto out;
		}
	}
	ret = n;
out:
	free(lines);
	return ret;
}
