/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmocka glue shared by the suites: a test list that table-driven tests
 * append to, one named test per case, so a failing case shows by name and
 * every case runs with its own fixture.
 */
#ifndef PT_TEST_SUITE_H
#define PT_TEST_SUITE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>
#include "fixture.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct suite {
	struct CMUnitTest *t;
	size_t n;
};

/* state is handed to setup as *state (NULL for a plain test). */
static inline void suite_add(struct suite *s, const char *name, CMUnitTestFunction fn,
			     CMFixtureFunction setup, CMFixtureFunction teardown, const void *state)
{
	s->t = realloc(s->t, (s->n + 1) * sizeof(*s->t));
	if (!s->t)
		abort();
	s->t[s->n++] = (struct CMUnitTest){
		.name = name,
		.test_func = fn,
		.setup_func = setup,
		.teardown_func = teardown,
		.initial_state = (void *)state,
	};
}

#define SUITE_TEST(s, fn, setup, teardown) suite_add(s, #fn, fn, setup, teardown, NULL)

/* One test per element of cases[n], each named by its .name. */
#define SUITE_CASES(s, fn, setup, teardown, cases, n)                                      \
	do {                                                                               \
		for (size_t _i = 0; _i < (n); _i++)                                        \
			suite_add(s, (cases)[_i].name, fn, setup, teardown, &(cases)[_i]); \
	} while (0)

/* The datapath's counters, summed over CPUs; a failed read fails the test. */
static inline struct pt_stats suite_stats(struct fix *f)
{
	struct pt_stats st;

	assert_int_equal(fix_stats(f, &st), 0);
	return st;
}

static inline struct pt_rule_stats suite_rule_stats(struct fix *f, int id)
{
	struct pt_rule_stats rs;

	assert_int_equal(fix_rule_stats(f, id, &rs), 0);
	return rs;
}

static inline int suite_run(struct suite *s, const char *name)
{
	int failed = _cmocka_run_group_tests(name, s->t, s->n, NULL, NULL);

	free(s->t);
	return failed;
}

#endif /* PT_TEST_SUITE_H */
