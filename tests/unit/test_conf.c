// SPDX-License-Identifier: GPL-2.0
/* The rules file of `ptctl apply` (user/conf.c): valid files, and every error with its line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "conf.h"

static struct pt_rule rules[PT_MAX_RULES];
static char err[PT_ERR_LEN];

static int parse(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int n;

	assert_non_null(f);
	err[0] = '\0';
	n = pt_conf_parse(f, "t.conf", rules, err);
	fclose(f);
	return n;
}

static void valid_file(void **state)
{
	char range[PT_RANGE_STR];

	(void)state;
	assert_int_equal(
		parse("# rules of the house\n"
		      "\n"
		      "rule irc-dcc trigger tcp:6667 open tcp:59000-59010 timeout 10m # DCC\n"
		      "   rule game trigger udp:27015 open udp:27000-27014 open tcp:27020 "
		      "policy newest peer contacted\n"
		      "rule cam\ttrigger tcp:554 open udp:6970-6999,tcp:7000 "
		      "allow 192.168.1.0/24,10.0.0.5 disabled\n"),
		3);
	assert_string_equal(rules[0].name, "irc-dcc");
	assert_int_equal(rules[0].timeout_s, 600);
	assert_int_equal(rules[0].enabled, 1);
	assert_int_equal(rules[0].policy, PT_POLICY_HOLD);
	assert_int_equal(rules[0].peer, PT_PEER_ANY);
	pt_range_str(&rules[0].open[0], range);
	assert_string_equal(range, "tcp:59000-59010");
	assert_int_equal(rules[1].n_open, 2);
	assert_int_equal(rules[1].enabled, 1);
	assert_int_equal(rules[1].policy, PT_POLICY_NEWEST);
	assert_int_equal(rules[1].peer, PT_PEER_CONTACTED);
	assert_int_equal(rules[1].timeout_s, PT_TIMEOUT_DEFAULT);
	assert_int_equal(rules[2].n_open, 2);
	assert_int_equal(rules[2].n_allow, 2);
	assert_int_equal(rules[2].enabled, 0);
	/* Parsed rules are definitions, not yet stored ones. */
	assert_int_equal(rules[2].gen, 0);
}

static void empty_file(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(parse("# nothing\n\n   \n"), 0);
}

static void no_final_newline(void **state)
{
	(void)state;
	assert_int_equal(parse("rule a trigger tcp:1 open tcp:2"), 1);
}

/* Each bad file, and the start of the error it must give. */
/* A table, one entry a line: */
/* clang-format off */
static const struct {
	const char *text;
	const char *err;
} bad_files[] = {
	{ "rule a trigger tcp:1 open tcp:2\nport 5\n", "t.conf:2: expected 'rule NAME ...', found 'port'" },
	{ "\n\nrule\n", "t.conf:3: rule without a name" },
	{ "rule a/b trigger tcp:1 open tcp:2\n", "t.conf:1: invalid rule name 'a/b'" },
	{ "rule a trigger tcp:1\n", "t.conf:1: rule 'a' needs open ports" },
	{ "rule a open tcp:1\n", "t.conf:1: rule 'a' needs a trigger" },
	{ "rule a trigger icmp:1 open tcp:2\n", "t.conf:1: unknown protocol 'icmp'" },
	{ "rule a trigger tcp:0 open tcp:2\n", "t.conf:1: port 0 out of range" },
	{ "rule a trigger tcp:1 open tcp:9-3\n", "t.conf:1: reversed port range" },
	{ "rule a trigger tcp:1 open tcp:2 timeout 0\n", "t.conf:1: timeout '0' out of range" },
	{ "rule a trigger tcp:1 open tcp:2 timeout\n", "t.conf:1: 'timeout' needs a value" },
	{ "rule a trigger tcp:1 open tcp:2 color red\n", "t.conf:1: unknown rule property 'color'" },
	{ "rule a trigger tcp:1 open tcp:2 policy random\n", "t.conf:1: unknown policy 'random'" },
	{ "rule a trigger tcp:1 open tcp:2 peer some\n", "t.conf:1: unknown peer 'some'" },
	{ "rule a trigger tcp:1 open tcp:2 allow 1.2.3.4/40\n", "t.conf:1: invalid prefix length" },
	{ "rule a trigger tcp:1 open tcp:2\n# ok\nrule a trigger tcp:3 open tcp:4\n",
	  "t.conf:3: a rule named 'a' exists already" },
	{ "rule a trigger tcp:1 open tcp:10-20\n\nrule b trigger tcp:1 open both:15\n",
	  "t.conf:3: open ports both:15 overlap tcp:10-20 of rule 'a'" },
	{ "rule a trigger tcp:1 open tcp:10-20,udp:15,tcp:12\n", "t.conf:1: open entries" },
};
/* clang-format on */

static void bad_file(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		if (parse(bad_files[i].text) != -1 ||
		    strncmp(err, bad_files[i].err, strlen(bad_files[i].err)))
			fail_msg("file %zu: got '%s', want '%s...'", i, err, bad_files[i].err);
	}
}

/* Two rules on a UDP trigger and a TCP trigger do not overlap: both fit. */
static void same_port_other_protocol(void **state)
{
	(void)state;
	assert_int_equal(parse("rule a trigger tcp:1 open tcp:100\n"
			       "rule b trigger tcp:1 open udp:100\n"),
			 2);
}

static void trigger_slots(void **state)
{
	char text[2048] = "";
	int n;

	(void)state;
	/* PT_TRIG_SLOTS rules may share a trigger port; one more may not. */
	for (n = 0; n <= PT_TRIG_SLOTS; n++)
		sprintf(text + strlen(text), "rule r%d trigger tcp:6667 open tcp:%d\n", n, 100 + n);
	assert_int_equal(parse(text), -1);
	assert_non_null(strstr(err, "t.conf:9:"));
	*strstr(text, "rule r8") = '\0';
	assert_int_equal(parse(text), PT_TRIG_SLOTS);
}

static void long_line(void **state)
{
	char *text = malloc(3000);

	(void)state;
	memset(text, ' ', 2999);
	text[2999] = '\0';
	memcpy(text, "rule a", 6);
	assert_int_equal(parse(text), -1);
	assert_string_equal(err, "t.conf:1: line longer than 1024 characters");
	free(text);
}

/*
 * What save writes (pt_conf_write) parses back to the same rules, each line
 * as written here: the defaults left out, timeouts in their largest unit.
 */
static void write_round_trip(void **state)
{
	static const char *const lines[] = {
		"rule a trigger tcp:1 open tcp:2\n",
		"rule b trigger both:27015-27030 open udp:27000-27014 open tcp:27020 timeout 90s\n",
		"rule c trigger udp:5060 open udp:10000-10100 timeout 2h peer contacted\n",
		"rule d trigger tcp:554 open udp:6970-6999 timeout 1d allow 192.168.1.0/24,10.0.0.5/32 "
		"policy newest disabled\n",
	};
	struct pt_rule *copy = calloc(PT_MAX_RULES, sizeof(*copy));
	char text[1024] = "", out[1024];
	FILE *f;

	(void)state;
	assert_non_null(copy);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		strcat(text, lines[i]);
	assert_int_equal(parse(text), 4);
	memcpy(copy, rules, PT_MAX_RULES * sizeof(*copy));
	f = fmemopen(out, sizeof(out), "w");
	assert_non_null(f);
	for (int i = 0; i < 4; i++)
		pt_conf_write(f, &copy[i]);
	fclose(f);
	assert_string_equal(out, text);
	assert_int_equal(parse(out), 4);
	for (int i = 0; i < 4; i++)
		assert_true(pt_rule_same(&rules[i], &copy[i]));
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_file),
		cmocka_unit_test(empty_file),
		cmocka_unit_test(no_final_newline),
		cmocka_unit_test(bad_file),
		cmocka_unit_test(same_port_other_protocol),
		cmocka_unit_test(trigger_slots),
		cmocka_unit_test(long_line),
		cmocka_unit_test(write_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
