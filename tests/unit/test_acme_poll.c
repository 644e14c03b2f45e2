/* Polling an order or authorization (issue 11): the wait between polls as a
 * pure function of the attempt, the CA's Retry-After and the deadline, and
 * Retry-After header parsing (RFC 9110 10.2.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "acme_internal.h"
#include "http.h"

#define FAR 1000000000LL /* a deadline that does not bind */

/* Without Retry-After: short first interval, doubling, capped. */
static void
test_own_backoff(void **state)
{
	(void)state;
	assert_int_equal(acme_poll_wait_ms(0, -1, 0, FAR), POLL_FIRST_MS);
	assert_int_equal(acme_poll_wait_ms(1, -1, 0, FAR), 2 * POLL_FIRST_MS);
	assert_int_equal(acme_poll_wait_ms(4, -1, 0, FAR), 16 * POLL_FIRST_MS);
	assert_int_equal(acme_poll_wait_ms(7, -1, 0, FAR), POLL_MAX_MS);
	assert_int_equal(acme_poll_wait_ms(63, -1, 0, FAR), POLL_MAX_MS);
	assert_int_equal(acme_poll_wait_ms(4000000000u, -1, 0, FAR),
	    POLL_MAX_MS);
	assert_true(POLL_MAX_MS <= 5000);
}

/* Retry-After: honoured, but Retry-After: 0 is no request storm. */
static void
test_retry_after_floor_and_cap(void **state)
{
	(void)state;
	assert_int_equal(acme_poll_wait_ms(0, 0, 0, FAR), POLL_RA_MIN_MS);
	assert_int_equal(acme_poll_wait_ms(50, 0, 0, FAR), POLL_RA_MIN_MS);
	assert_int_equal(acme_poll_wait_ms(0, 1, 0, FAR), 1000);
	assert_int_equal(acme_poll_wait_ms(0, 7, 0, FAR), 7000);
	assert_int_equal(acme_poll_wait_ms(0, 86400, 0, FAR), POLL_RA_MAX_MS);
	assert_int_equal(acme_poll_wait_ms(0, 2147483647L, 0, FAR),
	    POLL_RA_MAX_MS);
	/* anything negative means "absent": our own schedule */
	assert_int_equal(acme_poll_wait_ms(0, -7, 0, FAR), POLL_FIRST_MS);
}

/* Never beyond the deadline; -1 at or past it. */
static void
test_deadline(void **state)
{
	(void)state;
	assert_int_equal(acme_poll_wait_ms(0, 30, 1000, 3500), 2500);
	assert_int_equal(acme_poll_wait_ms(0, 0, 1000, 1300), 300);
	assert_int_equal(acme_poll_wait_ms(9, -1, 1000, 1001), 1);
	assert_int_equal(acme_poll_wait_ms(0, -1, 2000, 2000), -1);
	assert_int_equal(acme_poll_wait_ms(0, 5, 3000, 2000), -1);
}

/* 100 polls without Retry-After take minutes, not seconds. */
static void
test_request_budget(void **state)
{
	long long total = 0;
	unsigned i;

	(void)state;
	for (i = 0; i + 1 < POLL_MAX_REQUESTS; i++)
		total += acme_poll_wait_ms(i, -1, 0, FAR);
	assert_true(total > 300000);
	total = 0;
	for (i = 0; i + 1 < POLL_MAX_REQUESTS; i++)
		total += acme_poll_wait_ms(i, 0, 0, FAR);
	assert_true(total >= (POLL_MAX_REQUESTS - 1) * 1000LL);
}

static void
test_header_parse(void **state)
{
	const long long now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */

	(void)state;
	assert_int_equal(http_retry_after("0", now), 0);
	assert_int_equal(http_retry_after("120", now), 120);
	assert_int_equal(http_retry_after("86401", now), 86400);
	assert_int_equal(http_retry_after("99999999999999999999999", now),
	    86400);
	assert_int_equal(http_retry_after("-5", now), 10);
	assert_int_equal(http_retry_after("-99999999999999999999999", now),
	    10);
	assert_int_equal(http_retry_after("soon", now), 10);
	assert_int_equal(http_retry_after("12abc", now), 10);
	assert_int_equal(http_retry_after("", now), 10);
	/* RFC 9110 5.6.7 IMF-fixdate */
	assert_int_equal(http_retry_after("Sun, 06 Nov 1994 08:50:37 GMT",
	    now), 60);
	assert_int_equal(http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT",
	    now), 0);
	assert_int_equal(http_retry_after("Sat, 05 Nov 1994 08:49:37 GMT",
	    now), 0);
	assert_int_equal(http_retry_after("Fri, 01 Jan 2100 00:00:00 GMT",
	    now), 86400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_backoff),
		cmocka_unit_test(test_retry_after_floor_and_cap),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_request_budget),
		cmocka_unit_test(test_header_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
