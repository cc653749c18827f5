// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "uci.h"

int pt_conf_err(struct pt_conf_in *in, int line, const char *fmt, ...)
{
	int len = line ? snprintf(in->err, PT_ERR_LEN, "%s:%d: ", in->path, line) :
			 snprintf(in->err, PT_ERR_LEN, "%s: ", in->path);
	va_list ap;

	if (len < PT_ERR_LEN) {
		va_start(ap, fmt);
		vsnprintf(in->err + len, PT_ERR_LEN - len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int pt_conf_read(struct pt_conf_in *in)
{
	if (in->again) {
		in->again = false;
		return in->last;
	}
	in->last = 0;
	if (!fgets(in->buf, sizeof(in->buf), in->f))
		return in->last = ferror(in->f) ? pt_conf_err(in, 0, "read error") : 0;
	in->line++;
	if (!strchr(in->buf, '\n') && !feof(in->f))
		return in->last = pt_conf_err(in, in->line, "line longer than %d characters",
					      PT_CONF_LINE_MAX);
	in->buf[strcspn(in->buf, "\r\n")] = '\0';
	return in->last = 1;
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

/* The rules of a rules file, one a line; lines[i] the line of rules[i]. */
static int rules_file(struct pt_conf_in *in, struct pt_rule *rules, int *lines)
{
	char msg[PT_ERR_LEN], *tok, *save, *hash;
	int n = 0, r;

	while ((r = pt_conf_read(in)) > 0) {
		hash = strchr(in->buf, '#');
		if (hash)
			*hash = '\0';
		tok = strtok_r(in->buf, " \t", &save);
		if (!tok)
			continue;
		if (strcmp(tok, "rule"))
			return pt_conf_err(in, in->line, "expected 'rule NAME ...', found '%s'",
					   tok);
		if (n == PT_MAX_RULES)
			return pt_conf_err(in, in->line, "more than %d rules", PT_MAX_RULES);
		if (parse_rule_line(save, &rules[n], msg))
			return pt_conf_err(in, in->line, "%s", msg);
		lines[n++] = in->line;
	}
	return r < 0 ? -1 : n;
}

/* Does word w begin s, a word of its own? */
static bool word_is(const char *s, const char *w)
{
	size_t len = strlen(w);

	return !strncmp(s, w, len) && (!s[len] || s[len] == ' ' || s[len] == '\t');
}

/*
 * The format, by the first line that is not blank or a comment: a UCI file
 * begins with `config` (or `package`). That line is read again after.
 */
static bool is_uci(struct pt_conf_in *in)
{
	const char *s;

	while (pt_conf_read(in) > 0) {
		s = in->buf + strspn(in->buf, " \t");
		if (!*s || *s == '#')
			continue;
		in->again = true;
		return word_is(s, "config") || word_is(s, "package");
	}
	in->again = true; /* the end, or an error to report */
	return false;
}

int pt_conf_parse(FILE *f, const char *path, struct pt_rule *rules, char *err)
{
	struct pt_conf_in *in = calloc(1, sizeof(*in));
	int *lines = calloc(PT_MAX_RULES, sizeof(*lines));
	char msg[PT_ERR_LEN];
	int n = -1;

	if (!in || !lines) {
		snprintf(err, PT_ERR_LEN, "%s: out of memory", path);
		goto out;
	}
	*in = (struct pt_conf_in){ .f = f, .path = path, .err = err };
	memset(rules, 0, PT_MAX_RULES * sizeof(*rules));
	n = is_uci(in) ? pt_uci_parse(in, rules, lines) : rules_file(in, rules, lines);
	/* Each rule against those before it, so an error names the later line. */
	for (int i = 0; i < n; i++) {
		if (pt_rule_fits(rules, i, UINT32_MAX, &rules[i], msg)) {
			n = pt_conf_err(in, lines[i], "%s", msg);
			break;
		}
	}
out:
	free(in);
	free(lines);
	return n;
}
