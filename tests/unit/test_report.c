/* The --json summary: entries made from cert specs, failures with their
 * detail, times in RFC 3339 UTC, nulls for what is unknown, the counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acmeup/certspec.h"
#include "acmeup/error.h"
#include "report.h"

static void
test_json(void **state)
{
	char *domains[] = { "a.test", "*.a.test" };
	struct cert_spec spec = { .name = "_.a.test", .domains = domains,
	    .n_domains = 2, .out_dir = "/out" };
	struct report rep = { 0 };
	struct report_cert *c = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(report_add(&rep, &spec, &c), 0);
	c->action = REPORT_RENEWED;
	c->present = 1;
	c->not_after = 1767225600;     /* 2026-01-01T00:00:00Z */
	c->next_renewal = 1764633600;  /* 2025-12-02T00:00:00Z */
	assert_int_equal(report_set(&c->hook_error, "hook exited 3"), 0);
	assert_int_equal(report_add(&rep, &spec, &c), 0);
	c->action = REPORT_FAILED;
	assert_int_equal(report_set(&c->error, acmeup_errmsg(acmeup_fail(
	    ACMEUP_EDNS, "zone a.test: \"REFUSED\""))), 0);
	assert_int_equal(report_count(&rep, REPORT_FAILED), 1);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(report_print_json(&rep, "renew", f), 0);
	fclose(f);
	assert_non_null(strstr(text, "\"command\": \"renew\""));
	assert_non_null(strstr(text, "\"name\": \"_.a.test\""));
	assert_non_null(strstr(text, "\"*.a.test\""));
	assert_non_null(strstr(text, "\"action\": \"renewed\""));
	assert_non_null(strstr(text, "\"expiry\": \"2026-01-01T00:00:00Z\""));
	assert_non_null(strstr(text, "\"next_renewal\": "
	    "\"2025-12-02T00:00:00Z\""));
	assert_non_null(strstr(text, "\"hook_error\": \"hook exited 3\""));
	assert_non_null(strstr(text, "\"action\": \"failed\""));
	assert_non_null(strstr(text, "\"error\": \"zone a.test: \\\"REFUSED\\\"\""));
	assert_non_null(strstr(text, "\"not_before\": null"));
	assert_non_null(strstr(text, "\"fullchain\": "
	    "\"/out/_.a.test/fullchain.pem\""));
	assert_non_null(strstr(text, "\"renewed\": 1"));
	assert_non_null(strstr(text, "\"failed\": 1"));
	assert_null(strstr(text, "cert_names"));
	free(text);
	report_clear(&rep);
	report_clear(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
