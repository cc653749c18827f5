// SPDX-License-Identifier: GPL-2.0
/*
 * OpenWrt's UCI format for `ptctl apply` (user/uci.c): each good file gives
 * the rules of its equivalent rules file, and ptctl save writes them as that
 * rules file; each bad file gives its error with its line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "conf.h"

static struct pt_rule rules[PT_MAX_RULES], want[PT_MAX_RULES];
static char err[PT_ERR_LEN];

static int parse_into(const char *text, struct pt_rule *out)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int n;

	assert_non_null(f);
	err[0] = '\0';
	n = pt_conf_parse(f, "t.conf", out, err);
	fclose(f);
	return n;
}

/* What ptctl save writes for rules[0..n-1]. */
static void write_rules(int n, char *out, size_t size)
{
	FILE *f;

	out[0] = '\0'; /* fmemopen writes no NUL when nothing is written */
	f = fmemopen(out, size, "w");
	assert_non_null(f);
	for (int i = 0; i < n; i++)
		pt_conf_write(f, &rules[i]);
	fclose(f);
}

/* Each good UCI file, and the rules file of the same rules as save writes it. */
/* A table, one entry a line: */
/* clang-format off */
static const struct {
	const char *uci;
	const char *rules;
} good_files[] = {
	/* A named section, single quotes: the section's name is the rule's. */
	{ "config rule 'irc'\n\toption trigger 'tcp:6667'\n\toption open 'tcp:59000-59010'\n",
	  "rule irc trigger tcp:6667 open tcp:59000-59010\n" },
	/* Anonymous with option name; double quotes and bare words. */
	{ "config rule\n\toption name \"irc-dcc\"\n\toption trigger tcp:6667\n\toption open \"tcp:59000-59010\"\n",
	  "rule irc-dcc trigger tcp:6667 open tcp:59000-59010\n" },
	/* option name wins over the section's name (UCI names have no '-'). */
	{ "config rule 'irc'\n\toption name 'irc-dcc'\n\toption trigger 'tcp:1'\n\toption open 'tcp:2'\n",
	  "rule irc-dcc trigger tcp:1 open tcp:2\n" },
	/* Every option. */
	{ "config rule 'cam'\n\toption trigger 'both:554-555'\n\tlist open 'udp:6970-6999'\n"
	  "\toption timeout '2h'\n\tlist allow '192.168.1.0/24'\n\toption policy 'newest'\n"
	  "\toption peer 'contacted'\n\toption enabled '0'\n",
	  "rule cam trigger both:554-555 open udp:6970-6999 timeout 2h allow 192.168.1.0/24 "
	  "policy newest peer contacted disabled\n" },
	/* Lists add, a list value may have commas; option open 'a,b' too. */
	{ "config rule 'g'\n\toption trigger 'udp:27015'\n\tlist open 'udp:27000-27014'\n"
	  "\tlist open 'tcp:27020,tcp:27030'\n\tlist allow '10.0.0.5'\n\tlist allow '10.0.1.0/24,10.0.2.0/24'\n",
	  "rule g trigger udp:27015 open udp:27000-27014 open tcp:27020 open tcp:27030 "
	  "allow 10.0.0.5/32,10.0.1.0/24,10.0.2.0/24\n" },
	{ "config rule 'g'\n\toption trigger 'udp:1'\n\toption open 'udp:2,tcp:3'\n",
	  "rule g trigger udp:1 open udp:2 open tcp:3\n" },
	/* UCI booleans. */
	{ "config rule 'a'\n\toption trigger tcp:1\n\toption open tcp:2\n\toption enabled no\n"
	  "config rule 'b'\n\toption trigger tcp:3\n\toption open tcp:4\n\toption enabled on\n"
	  "config rule 'c'\n\toption trigger tcp:5\n\toption open tcp:6\n\toption disabled 'true'\n"
	  "config rule 'd'\n\toption trigger tcp:7\n\toption open tcp:8\n\toption disabled 0\n"
	  "config rule 'e'\n\toption trigger tcp:9\n\toption open tcp:10\n\toption enabled 'false'\n",
	  "rule a trigger tcp:1 open tcp:2 disabled\nrule b trigger tcp:3 open tcp:4\n"
	  "rule c trigger tcp:5 open tcp:6 disabled\nrule d trigger tcp:7 open tcp:8\n"
	  "rule e trigger tcp:9 open tcp:10 disabled\n" },
	/* Comments and blank lines anywhere, # ends a bare word, CRLF lines. */
	{ "# /etc/config/ptctl\n\n   # indented\nconfig rule 'a' # the first\r\n\toption trigger tcp:1#c\n"
	  "\n\t# between\n\toption open 'tcp:2' # ports\r\n",
	  "rule a trigger tcp:1 open tcp:2\n" },
	/* Other sections and the package line: checked, not rules. */
	{ "package ptctl\n\nconfig interface 'wan'\n\toption enabled '1'\n\tlist fastpath 'br-lan'\n"
	  "\toption colour 'any thing'\nconfig ptctl 'globals'\n\toption ifname 'eth1'\n"
	  "config rule 'a'\n\toption trigger tcp:1\n\toption open tcp:2\n",
	  "rule a trigger tcp:1 open tcp:2\n" },
	/* Commands joined by ;, short forms c, o, l. */
	{ "config rule 'a'; option trigger tcp:1; list open tcp:2\nc rule b\n\to trigger tcp:3\n\tl open tcp:4\n",
	  "rule a trigger tcp:1 open tcp:2\nrule b trigger tcp:3 open tcp:4\n" },
	/* A later option replaces, a list then adds to it, an empty option removes. */
	{ "config rule 'a'\n\toption trigger tcp:1\n\toption trigger tcp:9\n\tlist open tcp:2\n"
	  "\toption open tcp:3\n\tlist open tcp:4\n\toption timeout 1h\n\toption timeout ''\n",
	  "rule a trigger tcp:9 open tcp:3 open tcp:4\n" },
	/* A named section given twice is one, in its first place. */
	{ "config rule 'a'\n\toption trigger tcp:1\nconfig rule 'b'\n\toption trigger tcp:3\n"
	  "\toption open tcp:4\nconfig rule 'a'\n\toption open tcp:2\n",
	  "rule a trigger tcp:1 open tcp:2\nrule b trigger tcp:3 open tcp:4\n" },
	/* Quoted parts run together; \ takes the next character as it is. */
	{ "config rule 'a'\n\toption trigger 'tcp:'\"66\"67\n\toption open tcp\\:2\n\toption name \"\\a\"\n",
	  "rule a trigger tcp:6667 open tcp:2\n" },
	/* No rules. */
	{ "package ptctl\n", "" },
	{ "# nothing yet\nconfig interface 'wan'\n\toption enabled '0'\n", "" },
};
/* clang-format on */

/* Each good file: its rules are those of its rules file, and save writes that file. */
static void good_file(void **state)
{
	char out[2048];
	int n, m;

	(void)state;
	for (size_t i = 0; i < sizeof(good_files) / sizeof(good_files[0]); i++) {
		n = parse_into(good_files[i].uci, rules);
		if (n < 0)
			fail_msg("file %zu: %s", i, err);
		m = parse_into(good_files[i].rules, want);
		if (m != n)
			fail_msg("file %zu: %d rules, its rules file %d (%s)", i, n, m, err);
		for (int k = 0; k < n; k++)
			if (!pt_rule_same(&rules[k], &want[k]) ||
			    memcmp(&rules[k], &want[k], sizeof(rules[k])))
				fail_msg("file %zu: rule %d differs from its rules file's", i, k);
		write_rules(n, out, sizeof(out));
		if (strcmp(out, good_files[i].rules))
			fail_msg("file %zu: save wrote '%s', want '%s'", i, out,
				 good_files[i].rules);
	}
}

/* Each bad file, and the start of the error it must give. */
/* A table, one entry a line: */
/* clang-format off */
static const struct {
	const char *text;
	const char *err;
} bad_files[] = {
	/* Syntax */
	{ "config\n", "t.conf:1: 'config' needs a section type" },
	{ "config 'a b'\n", "t.conf:1: invalid section type 'a b'" },
	{ "config rule 'irc-dcc'\n", "t.conf:1: invalid section name 'irc-dcc': UCI names" },
	{ "config rule a b\n", "t.conf:1: too many arguments to 'config'" },
	{ "package ptctl\noption trigger tcp:1\n", "t.conf:2: 'option' before the first 'config' section" },
	{ "package\n", "t.conf:1: 'package' needs a name" },
	{ "config rule a\n\toption\n", "t.conf:2: 'option' needs a name" },
	{ "config rule a\n\tlist 'open-ports' tcp:1\n", "t.conf:2: invalid option name 'open-ports'" },
	{ "config rule a\n\toption open tcp:1 tcp:2\n", "t.conf:2: too many arguments to 'option'" },
	{ "config rule a\n\n\toption trigger 'tcp:1\n", "t.conf:3: unterminated ': a value ends on its line" },
	{ "config rule a\n\toption trigger \"tcp:1\\\"\n", "t.conf:2: unterminated \"" },
	{ "config rule a\n\toption trigger tcp:1\\\n", "t.conf:2: '\\' at the end of the line" },
	{ "config rule a\n\trule b\n", "t.conf:2: expected config, option or list, found 'rule'" },
	{ "config rule a\nconfig ptctl a\n", "t.conf:2: section 'a' given again as 'ptctl' (it is 'rule', line 1)" },
	/* Rules */
	{ "config rule\n\toption trigger tcp:1\n\toption open tcp:2\n", "t.conf:1: rule section without a name" },
	{ "config rule a\n\toption name 'a/b'\n", "t.conf:2: invalid rule name 'a/b'" },
	{ "config rule a\n\toption name 'a#b'\n", "t.conf:2: invalid rule name 'a#b'" },
	{ "config rule a\n\tlist name b\n\tlist name c\n", "t.conf:3: 'name' takes one value, not a list" },
	{ "config rule abcdefghijklmnopqrstuvwxyz_0123456789\n", "t.conf:1: rule name 'abcdefghijklmnopqrstuvwxyz_0123456789' is too long" },
	{ "\nconfig rule a\n\toption open tcp:2\n", "t.conf:2: rule 'a' needs a trigger" },
	{ "config rule a\n\toption trigger tcp:1\n", "t.conf:1: rule 'a' needs open ports" },
	{ "config rule a\n\toption trigger tcp:1\n\toption open tcp:2\n\toption open ''\n", "t.conf:1: rule 'a' needs open ports" },
	{ "config rule a\n\toption trigger tcp:1\n\toption open tcp:2\n\toption colour red\n", "t.conf:4: unknown option 'colour' of a rule" },
	{ "config rule a\n\toption open tcp:2\n\toption trigger icmp:1\n", "t.conf:3: unknown protocol 'icmp'" },
	{ "config rule a\n\toption trigger tcp:1\n\tlist trigger tcp:3\n\toption open tcp:2\n", "t.conf:3: 'trigger' takes one value, not a list" },
	{ "config rule a\n\toption trigger tcp:1\n\tlist open tcp:2\n\tlist open tcp:0\n", "t.conf:4: port 0 out of range" },
	{ "config rule a\n\toption trigger tcp:1\n\tlist open tcp:2-9\n\tlist open both:5\n", "t.conf:4: open entries tcp:2-9 and both:5 overlap" },
	{ "config rule a\n\toption trigger tcp:1\n\toption open tcp:2\n\toption timeout 0\n", "t.conf:4: timeout '0' out of range" },
	{ "config rule a\n\toption trigger tcp:1\n\toption open tcp:2\n\toption policy random\n", "t.conf:4: unknown policy 'random'" },
	{ "config rule a\n\toption trigger tcp:1\n\toption open tcp:2\n\toption peer some\n", "t.conf:4: unknown peer 'some'" },
	{ "config rule a\n\toption trigger tcp:1\n\toption open tcp:2\n\toption enabled maybe\n",
	  "t.conf:4: invalid boolean 'maybe' for 'enabled' (1/0, yes/no, on/off, true/false)" },
	{ "config rule a\n\toption trigger tcp:1\n\toption open tcp:2\n\tlist allow 1.2.3.4/40\n", "t.conf:4: invalid prefix length" },
	{ "config rule a\n\toption trigger tcp:1\n\toption open tcp:2\n\toption allow 10.0.0.1,10.0.0.2,10.0.0.3\n"
	  "\tlist allow 10.0.0.4,10.0.0.5,10.0.0.6\n\tlist allow 10.0.0.7,10.0.0.8,10.0.0.9\n",
	  "t.conf:6: too many allowed prefixes (at most 8 per rule)" },
	/* The set: the later section's config line. */
	{ "config rule a\n\toption trigger tcp:1\n\toption open tcp:2\nconfig rule\n\toption name a\n"
	  "\toption trigger tcp:3\n\toption open tcp:4\n", "t.conf:4: a rule named 'a' exists already" },
	{ "config rule a\n\toption trigger tcp:1\n\toption open tcp:10-20\n\nconfig rule b\n"
	  "\toption trigger tcp:1\n\toption open both:15\n", "t.conf:5: open ports both:15 overlap tcp:10-20 of rule 'a'" },
};
/* clang-format on */

static void bad_file(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		if (parse_into(bad_files[i].text, rules) != -1 ||
		    strncmp(err, bad_files[i].err, strlen(bad_files[i].err)))
			fail_msg("file %zu: got '%s', want '%s...'", i, err, bad_files[i].err);
	}
}

/* By its first line that is not blank or a comment: a comment saying config is not UCI. */
static void format_by_content(void **state)
{
	(void)state;
	assert_int_equal(parse_into("# config rule a\n\nrule a trigger tcp:1 open tcp:2\n", rules),
			 1);
	assert_int_equal(
		parse_into("  config rule a\n\toption trigger tcp:1\n\toption open tcp:2\n", rules),
		1);
	assert_int_equal(parse_into("rule a trigger tcp:1 open tcp:2\nconfig rule b\n", rules), -1);
	assert_string_equal(err, "t.conf:2: expected 'rule NAME ...', found 'config'");
	assert_int_equal(parse_into("configure\n", rules), -1);
	assert_string_equal(err, "t.conf:1: expected 'rule NAME ...', found 'configure'");
}

/* At most PT_MAX_RULES rule sections; other sections do not count. */
static void too_many_rules(void **state)
{
	size_t size = (PT_MAX_RULES + 1) * 64;
	char *text = malloc(size), *p = text;

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "config interface 'wan'\n");
	for (int i = 0; i < PT_MAX_RULES; i++)
		p += sprintf(p, "config rule r%d\n\toption trigger tcp:%d\n\toption open udp:%d\n",
			     i, i + 1, i + 1);
	assert_int_equal(parse_into(text, rules), PT_MAX_RULES);
	sprintf(p, "config rule\n");
	assert_int_equal(parse_into(text, rules), -1);
	assert_string_equal(err, "t.conf:3074: more than 1024 rules");
	free(text);
}

static void long_line(void **state)
{
	char text[2048] = "config rule a\n\toption name '";

	(void)state;
	memset(text + strlen(text), 'x', 1100);
	strcat(text, "'\n");
	assert_int_equal(parse_into(text, rules), -1);
	assert_string_equal(err, "t.conf:2: line longer than 1024 characters");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file),	     cmocka_unit_test(bad_file),
		cmocka_unit_test(format_by_content), cmocka_unit_test(too_many_rules),
		cmocka_unit_test(long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
