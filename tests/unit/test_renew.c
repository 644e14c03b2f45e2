/* renew's choice of what is due, at fixed times: a missing certificate,
 * the expiry rule (30 days, a third of a short lifetime, renew-before),
 * the CA's RFC 9773 window, an empty window (fall back), changed names,
 * expired; and
 * the exit result of issue/renew from the certificates' outcomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acmeup/acme_ari.h"
#include "acmeup/error.h"
#include "acmeup/exitcode.h"
#include "acmeup/engine.h"
#include "acmeup/renew.h"

#define DAY 86400LL
#define T0 1767225600LL /* 2026-01-01T00:00:00Z */

static struct renew_facts
cert(long long not_before, long long days)
{
	struct renew_facts f = { 0 };

	f.present = 1;
	f.not_before = not_before;
	f.not_after = not_before + days * DAY;
	return f;
}

static void
test_missing_is_due(void **state)
{
	struct renew_facts f = { 0 };
	struct renew_decision d;

	(void)state;
	renew_decide(&f, 0, T0, 0.5, &d);
	assert_true(d.due);
	assert_int_equal(d.when, 0);
	assert_string_equal(d.why, "no certificate yet");
}

/* 90-day certificate: due from 30 days before expiry, not a second
 * earlier. */
static void
test_ninety_days(void **state)
{
	struct renew_facts f = cert(T0, 90);
	struct renew_decision d;

	(void)state;
	assert_int_equal(renew_default_before(f.not_before, f.not_after),
	    30 * DAY);
	renew_decide(&f, 0, T0 + 60 * DAY - 1, 0.5, &d);
	assert_false(d.due);
	assert_int_equal(d.when, T0 + 60 * DAY);
	assert_string_equal(d.why, "not close to expiry");
	renew_decide(&f, 0, T0 + 60 * DAY, 0.5, &d);
	assert_true(d.due);
	assert_string_equal(d.why, "close to expiry");
}

/* Lifetimes under 90 days: a third of the lifetime. 6 days -> 2 days;
 * 89 days -> 29 2/3 days; exactly 90 -> 30 days; a year -> 30 days. */
static void
test_short_lifetime(void **state)
{
	struct renew_facts f = cert(T0, 6);
	struct renew_decision d;

	(void)state;
	assert_int_equal(renew_default_before(T0, T0 + 6 * DAY), 2 * DAY);
	assert_int_equal(renew_default_before(T0, T0 + 89 * DAY),
	    89 * DAY / 3);
	assert_int_equal(renew_default_before(T0, T0 + 90 * DAY), 30 * DAY);
	assert_int_equal(renew_default_before(T0, T0 + 365 * DAY), 30 * DAY);
	renew_decide(&f, 0, T0 + 4 * DAY - 1, 0.5, &d);
	assert_false(d.due);
	renew_decide(&f, 0, T0 + 4 * DAY, 0.5, &d);
	assert_true(d.due);
}

/* An explicit renew-before wins over the default, also for short
 * lifetimes. */
static void
test_renew_before(void **state)
{
	struct renew_facts f = cert(T0, 90);
	struct renew_decision d;

	(void)state;
	renew_decide(&f, 10 * DAY, T0 + 79 * DAY, 0.5, &d);
	assert_false(d.due);
	assert_int_equal(d.when, T0 + 80 * DAY);
	renew_decide(&f, 10 * DAY, T0 + 80 * DAY, 0.5, &d);
	assert_true(d.due);
	f = cert(T0, 6);
	renew_decide(&f, 5 * DAY, T0 + DAY, 0.5, &d);
	assert_true(d.due);
	/* Longer than the lifetime: always due. */
	renew_decide(&f, 7 * DAY, T0, 0.5, &d);
	assert_true(d.due);
}

/* The configuration names other names than the certificate holds: due,
 * whatever the expiry or the window say. */
static void
test_names_changed(void **state)
{
	struct renew_facts f = cert(T0, 90);
	struct renew_decision d;

	(void)state;
	f.names_differ = 1;
	f.have_window = 1;
	f.window_start = T0 + 60 * DAY;
	f.window_end = T0 + 61 * DAY;
	renew_decide(&f, 0, T0 + DAY, 0.5, &d);
	assert_true(d.due);
	assert_string_equal(d.why, "its names are not the ones configured");
}

static void
test_expired(void **state)
{
	struct renew_facts f = cert(T0, 90);
	struct renew_decision d;

	(void)state;
	f.have_window = 1; /* even inside a window far away */
	f.window_start = T0 + 400 * DAY;
	f.window_end = T0 + 401 * DAY;
	renew_decide(&f, 0, T0 + 90 * DAY, 0.5, &d);
	assert_true(d.due);
	assert_string_equal(d.why, "expired");
}

/* RFC 9773 4.2: the window decides, not renew-before; the time is drawn
 * uniformly in it (u), and due once that time has passed. */
static void
test_ari_window(void **state)
{
	struct renew_facts f = cert(T0, 90);
	struct renew_decision d;

	(void)state;
	f.have_window = 1;
	f.window_start = T0 + 10 * DAY;
	f.window_end = T0 + 12 * DAY;
	/* Inside the expiry rule's 30 days, but before the window. */
	renew_decide(&f, 0, T0 + 9 * DAY, 0.0, &d);
	assert_false(d.due);
	assert_int_equal(d.when, T0 + 10 * DAY);
	assert_string_equal(d.why, "before the CA's renewal window");
	/* Middle of the window: u = 0.5 gives day 11. */
	renew_decide(&f, 0, T0 + 11 * DAY - 1, 0.5, &d);
	assert_false(d.due);
	assert_int_equal(d.when, T0 + 11 * DAY);
	renew_decide(&f, 0, T0 + 11 * DAY, 0.5, &d);
	assert_true(d.due);
	assert_string_equal(d.why, "inside the CA's renewal window");
	/* After the window: due whatever the draw. */
	renew_decide(&f, 0, T0 + 13 * DAY, 0.999, &d);
	assert_true(d.due);
	/* A window that says "now" although renew-before says not yet
	 * (the CA revokes early): due. */
	f.window_start = T0;
	f.window_end = T0 + 1;
	renew_decide(&f, 0, T0 + 2, 0.5, &d);
	assert_true(d.due);
}

/* A reversed or empty window falls back to the expiry rule. */
static void
test_bad_window_falls_back(void **state)
{
	struct renew_facts f = cert(T0, 90);
	struct renew_decision d;

	(void)state;
	f.have_window = 1;
	f.window_start = T0 + 12 * DAY;
	f.window_end = T0 + 10 * DAY;
	renew_decide(&f, 0, T0 + 11 * DAY, 0.5, &d);
	assert_false(d.due);
	assert_int_equal(d.when, T0 + 60 * DAY);
	renew_decide(&f, 0, T0 + 61 * DAY, 0.5, &d);
	assert_true(d.due);
	assert_string_equal(d.why, "close to expiry");
}

/* The command's result from the outcomes (exit 0, 1, 3, 4). */
static void
test_exit_code(void **state)
{
	struct issue_job j[3];
	char err[] = "validation of a.example.test failed";
	char hook[] = "deploy hook exited 1";

	(void)state;
	memset(j, 0, sizeof(j));
	assert_int_equal(issue_exit_code(j, 3), ACMEUP_DONE_NOTHING);
	j[0].action = ISSUE_ISSUED;
	j[1].action = ISSUE_RENEWED;
	assert_int_equal(issue_exit_code(j, 3), 0);
	j[2].action = ISSUE_FAILED;
	j[2].rc = ACMEUP_EACME;
	j[2].error = err;
	assert_int_equal(issue_exit_code(j, 3), ACMEUP_DONE_PARTIAL);
	/* The only certificate tried failed: its own code and detail. */
	j[0].action = ISSUE_SKIPPED;
	j[1].action = ISSUE_SKIPPED;
	assert_int_equal(issue_exit_code(j, 3), ACMEUP_EACME);
	assert_string_equal(acmeup_errmsg(ACMEUP_EACME), err);
	j[1].action = ISSUE_FAILED;
	j[1].rc = ACMEUP_EBUSY;
	assert_int_equal(issue_exit_code(j, 3), ACMEUP_DONE_FAILED);
	/* A deploy hook failed: the certificate is in place, exit 4. */
	memset(j, 0, sizeof(j));
	j[0].action = ISSUE_RENEWED;
	j[0].hook_error = hook;
	assert_int_equal(issue_exit_code(j, 3), ACMEUP_DONE_PARTIAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_is_due),
		cmocka_unit_test(test_ninety_days),
		cmocka_unit_test(test_short_lifetime),
		cmocka_unit_test(test_renew_before),
		cmocka_unit_test(test_names_changed),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_ari_window),
		cmocka_unit_test(test_bad_window_falls_back),
		cmocka_unit_test(test_exit_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
