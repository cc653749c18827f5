// SPDX-License-Identifier: GPL-2.0
/*
 * The UCI format (uci.h). The file is read whole first, as libuci would
 * (sections, and each rule section's option and list lines in order), then
 * each rule section becomes a rule through rule.c's checks.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "uci.h"

#define ERR(...)  (snprintf(msg, PT_ERR_LEN, __VA_ARGS__), -1)
#define UCI_ARGS  4 /* a command and its arguments, and one more to refuse */
#define UCI_WORD  (PT_CONF_LINE_MAX + 1)
#define RULE_TYPE "rule"

/* One `option` or `list` line of a rule section. */
struct uci_val {
	struct uci_val *next;
	int line;
	bool list;
	char *val;
	char name[]; /* then val */
};

struct uci_sect {
	char *type;
	char *name; /* NULL: anonymous */
	int line;
	struct uci_val *vals, *last;
};

struct uci {
	struct pt_conf_in *in;
	struct uci_sect *sects;
	int n, cap;
	int cur; /* the section options go to, -1 before the first */
	int n_rules;
};

/* libuci's section and option names: letters, digits and '_'. */
static bool name_ok(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			return false;
	return *s;
}

/* libuci's section types: printable ASCII, no spaces. */
static bool type_ok(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 33 || *c > 126)
			return false;
	return *s;
}

/*
 * The next word of the command at *p into word, as libuci reads it:
 * 'single' quotes take everything to the next ', "double" quotes and bare
 * words take the character after a \ as it is, and parts run together
 * ('a'"b"c is abc). 1: a word (maybe empty); 0: the command ends (the end
 * of the line, a # comment, or the ; between two commands); -1 with msg.
 */
static int uci_word(char **p, char *word, char *msg)
{
	char *s = *p + strspn(*p, " \t"), *w = word, q;

	if (*s == ';' || *s == '#' || !*s) {
		*p = *s == ';' ? s + 1 : s + strlen(s);
		return 0;
	}
	while (*s && !strchr(" \t;#", *s)) {
		if (*s != '\'' && *s != '"') {
			if (*s == '\\' && !*++s)
				return ERR("'\\' at the end of the line: a value ends on its line");
			*w++ = *s++;
			continue;
		}
		for (q = *s++; *s && *s != q; *w++ = *s++)
			if (q == '"' && *s == '\\' && s[1])
				s++;
		if (!*s)
			return ERR("unterminated %c: a value ends on its line", q);
		s++;
	}
	*w = '\0';
	*p = s;
	return 1;
}

static struct uci_sect *find_sect(struct uci *u, const char *name)
{
	for (int i = 0; i < u->n; i++)
		if (u->sects[i].name && !strcmp(u->sects[i].name, name))
			return &u->sects[i];
	return NULL;
}

static int new_sect(struct uci *u, const char *type, const char *name)
{
	struct uci_sect *s;

	if (!strcmp(type, RULE_TYPE) && u->n_rules++ == PT_MAX_RULES)
		return pt_conf_err(u->in, u->in->line, "more than %d rules", PT_MAX_RULES);
	if (u->n == u->cap) {
		s = realloc(u->sects, (u->cap * 2 + 16) * sizeof(*s));
		if (!s)
			return pt_conf_err(u->in, 0, "out of memory");
		u->sects = s;
		u->cap = u->cap * 2 + 16;
	}
	s = &u->sects[u->n];
	*s = (struct uci_sect){ .type = strdup(type), .name = *name ? strdup(name) : NULL };
	s->line = u->in->line;
	if (!s->type || (*name && !s->name)) {
		free(s->type);
		free(s->name);
		return pt_conf_err(u->in, 0, "out of memory");
	}
	u->cur = u->n++;
	return 0;
}

/* config TYPE [NAME]: a new section, or a named one again (libuci merges them). */
static int cmd_config(struct uci *u, char (*arg)[UCI_WORD], int n)
{
	const char *type = n > 1 ? arg[1] : "", *name = n > 2 ? arg[2] : "";
	struct uci_sect *s;

	if (!*type)
		return pt_conf_err(u->in, u->in->line, "'config' needs a section type");
	if (!type_ok(type))
		return pt_conf_err(u->in, u->in->line, "invalid section type '%s'", type);
	if (*name && !name_ok(name))
		return pt_conf_err(u->in, u->in->line,
				   "invalid section name '%s': UCI names have letters, digits and "
				   "'_' (a rule's own name may go in option name)",
				   name);
	s = *name ? find_sect(u, name) : NULL;
	if (!s)
		return new_sect(u, type, name);
	if (strcmp(s->type, type))
		return pt_conf_err(u->in, u->in->line,
				   "section '%s' given again as '%s' (it is '%s', line %d)", name,
				   type, s->type, s->line);
	u->cur = s - u->sects;
	return 0;
}

/* option NAME [VALUE], list NAME [VALUE]: kept, in order, for rule sections. */
static int cmd_option(struct uci *u, char (*arg)[UCI_WORD], int n)
{
	const char *name = n > 1 ? arg[1] : "", *val = n > 2 ? arg[2] : "";
	size_t len = strlen(name) + 1;
	struct uci_sect *s;
	struct uci_val *v;

	if (u->cur < 0)
		return pt_conf_err(u->in, u->in->line, "'%s' before the first 'config' section",
				   arg[0]);
	if (!*name)
		return pt_conf_err(u->in, u->in->line, "'%s' needs a name", arg[0]);
	if (!name_ok(name))
		return pt_conf_err(u->in, u->in->line, "invalid option name '%s'", name);
	s = &u->sects[u->cur];
	if (strcmp(s->type, RULE_TYPE))
		return 0;
	v = malloc(sizeof(*v) + len + strlen(val) + 1);
	if (!v)
		return pt_conf_err(u->in, 0, "out of memory");
	*v = (struct uci_val){ .line = u->in->line, .list = arg[0][0] == 'l' };
	memcpy(v->name, name, len);
	v->val = strcpy(v->name + len, val);
	if (s->last)
		s->last->next = v;
	else
		s->vals = v;
	s->last = v;
	return 0;
}

/* package NAME: which config the file is; apply takes the file it is given. */
static int cmd_package(struct uci *u, char (*arg)[UCI_WORD], int n)
{
	if (n < 2 || !*arg[1])
		return pt_conf_err(u->in, u->in->line, "'package' needs a name");
	return 0;
}

/* libuci's commands; each may be given by its first letter alone. */
/* A table, one entry a line: */
/* clang-format off */
static const struct {
	const char *name;
	int (*fn)(struct uci *u, char (*arg)[UCI_WORD], int n);
} uci_cmds[] = {
	{ "config", cmd_config },
	{ "option", cmd_option },
	{ "list", cmd_option },
	{ "package", cmd_package },
};
/* clang-format on */

/* One command: its words, then what it says. */
static int uci_command(struct uci *u, char **p)
{
	char arg[UCI_ARGS][UCI_WORD], msg[PT_ERR_LEN];
	int n = 0, r = 0;

	while (n < UCI_ARGS && (r = uci_word(p, arg[n], msg)) > 0)
		n++;
	if (r < 0)
		return pt_conf_err(u->in, u->in->line, "%s", msg);
	if (!n)
		return 0;
	if (n == UCI_ARGS)
		return pt_conf_err(u->in, u->in->line, "too many arguments to '%s'", arg[0]);
	for (size_t i = 0; i < sizeof(uci_cmds) / sizeof(uci_cmds[0]); i++)
		if (!strcmp(arg[0], uci_cmds[i].name) ||
		    (arg[0][0] == uci_cmds[i].name[0] && !arg[0][1]))
			return uci_cmds[i].fn(u, arg, n);
	return pt_conf_err(u->in, u->in->line, "expected config, option or list, found '%s'",
			   arg[0]);
}

/* Does v count? A later `option` of its name replaces it, an empty `option` removes it. */
static bool val_kept(const struct uci_val *v)
{
	if (!v->list && !v->val[0])
		return false;
	for (const struct uci_val *w = v->next; w; w = w->next)
		if (!w->list && !strcmp(w->name, v->name))
			return false;
	return true;
}

/* Is there a value of v's name that counts before v? */
static bool val_twice(const struct uci_sect *s, const struct uci_val *v)
{
	for (const struct uci_val *w = s->vals; w != v; w = w->next)
		if (!strcmp(w->name, v->name) && val_kept(w))
			return true;
	return false;
}

/* OpenWrt's booleans, as config_get_bool takes them: true and false words. */
/* A table, one entry a line: */
/* clang-format off */
static const char *const bool_words[][2] = {
	{ "1", "0" },
	{ "on", "off" },
	{ "true", "false" },
	{ "yes", "no" },
	{ "enabled", "disabled" },
};
/* clang-format on */

/* 1 true, 0 false, -1 neither. */
static int uci_bool(const char *s)
{
	for (size_t i = 0; i < sizeof(bool_words) / sizeof(bool_words[0]); i++)
		for (int b = 0; b < 2; b++)
			if (!strcmp(s, bool_words[i][b]))
				return !b;
	return -1;
}

/* Each `allow` adds its prefixes (in the rules file, the last allow has them all). */
static int add_allow(struct pt_rule *r, const char *val, char *msg)
{
	struct pt_rule one;

	pt_rule_init(&one);
	if (pt_rule_set(&one, "allow", val, msg))
		return -1;
	if (r->n_allow + one.n_allow > PT_MAX_ALLOW)
		return ERR("too many allowed prefixes (at most %d per rule)", PT_MAX_ALLOW);
	memcpy(&r->allow[r->n_allow], one.allow, one.n_allow * sizeof(one.allow[0]));
	r->n_allow += one.n_allow;
	return 0;
}

/* The options of a rule section besides name: the rules file's keys. */
/* A table, one entry a line: */
/* clang-format off */
static const char *const rule_opts[] = {
	"trigger",
	"open",
	"timeout",
	"allow",
	"policy",
	"peer",
	"enabled",
	"disabled",
};
/* clang-format on */

static bool is_rule_opt(const char *name)
{
	for (size_t i = 0; i < sizeof(rule_opts) / sizeof(rule_opts[0]); i++)
		if (!strcmp(name, rule_opts[i]))
			return true;
	return false;
}

/* One option of a rule section, other than its name, into r. */
static int rule_val(const struct uci_sect *s, const struct uci_val *v, struct pt_rule *r, char *msg)
{
	int b;

	if (!is_rule_opt(v->name))
		return ERR("unknown option '%s' of a rule", v->name);
	if (strcmp(v->name, "open") && strcmp(v->name, "allow") && val_twice(s, v))
		return ERR("'%s' takes one value, not a list", v->name);
	if (!strcmp(v->name, "allow"))
		return add_allow(r, v->val, msg);
	if (strcmp(v->name, "enabled") && strcmp(v->name, "disabled"))
		return pt_rule_set(r, v->name, v->val, msg);
	b = uci_bool(v->val);
	if (b < 0)
		return ERR("invalid boolean '%s' for '%s' (1/0, yes/no, on/off, true/false)",
			   v->val, v->name);
	r->enabled = !strcmp(v->name, "enabled") ? b : !b;
	return 0;
}

/* The rule's name: option name, else the section's. */
static int rule_name(struct pt_conf_in *in, const struct uci_sect *s, struct pt_rule *r)
{
	const struct uci_val *name = NULL;
	char msg[PT_ERR_LEN];

	for (const struct uci_val *v = s->vals; v; v = v->next) {
		if (strcmp(v->name, "name") || !val_kept(v))
			continue;
		if (name)
			return pt_conf_err(in, v->line, "'name' takes one value, not a list");
		name = v;
	}
	if (name)
		return pt_parse_name(name->val, r->name, msg) ?
			       pt_conf_err(in, name->line, "%s", msg) :
			       0;
	if (!s->name)
		return pt_conf_err(in, s->line,
				   "rule section without a name: config rule 'NAME', or "
				   "option name 'NAME'");
	return pt_parse_name(s->name, r->name, msg) ? pt_conf_err(in, s->line, "%s", msg) : 0;
}

static int uci_rule(struct pt_conf_in *in, const struct uci_sect *s, struct pt_rule *r)
{
	char msg[PT_ERR_LEN];

	pt_rule_init(r);
	if (rule_name(in, s, r))
		return -1;
	for (const struct uci_val *v = s->vals; v; v = v->next)
		if (strcmp(v->name, "name") && val_kept(v) && rule_val(s, v, r, msg))
			return pt_conf_err(in, v->line, "%s", msg);
	return pt_rule_complete(r, msg) ? pt_conf_err(in, s->line, "%s", msg) : 0;
}

static void uci_free(struct uci *u)
{
	for (int i = 0; i < u->n; i++) {
		for (struct uci_val *v = u->sects[i].vals, *next; v; v = next) {
			next = v->next;
			free(v);
		}
		free(u->sects[i].type);
		free(u->sects[i].name);
	}
	free(u->sects);
}

int pt_uci_parse(struct pt_conf_in *in, struct pt_rule *rules, int *lines)
{
	struct uci u = { .in = in, .cur = -1 };
	int r, n = -1;
	char *p;

	while ((r = pt_conf_read(in)) > 0)
		for (p = in->buf; *p;)
			if (uci_command(&u, &p))
				goto out;
	if (r < 0)
		goto out;
	n = 0;
	for (int i = 0; i < u.n; i++) {
		if (strcmp(u.sects[i].type, RULE_TYPE))
			continue;
		if (uci_rule(in, &u.sects[i], &rules[n])) {
			n = -1;
			break;
		}
		lines[n++] = u.sects[i].line;
	}
out:
	uci_free(&u);
	return n;
}
