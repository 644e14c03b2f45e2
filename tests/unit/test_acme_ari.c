/* ACME Renewal Information (RFC 9773): the certificate identifier from the
 * RFC's own example, the renewal window logic, the RenewalInfo object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acmeup/acme_ari.h"
#include "acme_json.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"

/* RFC 9773 appendix A: AKI 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:
 * DE:01:C8:D4, serial 00:87:65:43:21. */
static const char rfc9773_cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBQzCB66ADAgECAgUAh2VDITAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwpFeGFt\n"
	"cGxlIENBMCIYDzAwMDEwMTAxMDAwMDAwWhgPMDAwMTAxMDEwMDAwMDBaMBYxFDAS\n"
	"BgNVBAMTC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeBZu\n"
	"7cbpAYNXZLbbh8rNIzuOoqOOtmxA1v7cRm//AwyMwWxyHz4zfwmBhcSrf47NUAFf\n"
	"qzLQ2PPQxdTXREYEnKMjMCEwHwYDVR0jBBgwFoAUaYhba4dGQEHhs3uEe6CuLN4B\n"
	"yNQwCgYIKoZIzj0EAwIDRwAwRAIge09+S5TZAlw5tgtiVvuERV6cT4mfutXIlwTb\n"
	"+FYN/8oCIClDsqBklhB9KAelFiYt9+6FDj3z4KGVelYM5MdsO3pK\n"
	"-----END CERTIFICATE-----\n";

static int
setup(void **state)
{
	(void)state;
	return crypto_init();
}

static int
teardown(void **state)
{
	(void)state;
	crypto_deinit();
	return 0;
}

/* RFC 9773 4.1: the example's identifier, keeping the serial's leading
 * zero octet (its DER content). */
static void
test_cert_id_rfc9773(void **state)
{
	char *id = NULL;

	(void)state;
	assert_int_equal(crypto_cert_ari_id(rfc9773_cert, strlen(rfc9773_cert),
	    &id), 0);
	assert_string_equal(id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	free(id);
}

/* The same certificate as DER gives the same identifier. */
static void
test_cert_id_der(void **state)
{
	uint8_t *der = NULL;
	size_t len = 0;
	char *id = NULL;

	(void)state;
	assert_int_equal(crypto_cert_der(rfc9773_cert, strlen(rfc9773_cert),
	    &der, &len), 0);
	assert_int_equal(der[0], 0x30);
	assert_int_equal(crypto_cert_ari_id((const char *)der, len, &id), 0);
	assert_string_equal(id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	free(id);
	free(der);
}

static void
test_cert_id_garbage(void **state)
{
	char *id = (char *)"untouched";

	(void)state;
	assert_int_equal(crypto_cert_ari_id("not a certificate", 17, &id),
	    ACMEUP_ECRYPTO);
	assert_string_equal(id, "untouched");
}

static void
test_parse_time(void **state)
{
	long long t = 0;

	(void)state;
	assert_int_equal(ari_parse_time("2025-01-02T04:00:00Z", &t), 0);
	assert_int_equal(t, 1735790400LL);
	assert_int_equal(ari_parse_time("2025-01-02T04:00:00.123456Z", &t), 0);
	assert_int_equal(t, 1735790400LL);
	assert_int_equal(ari_parse_time("2025-01-02T06:30:00+02:30", &t), 0);
	assert_int_equal(t, 1735790400LL);
	assert_int_equal(ari_parse_time("2025-01-01T23:00:00-05:00", &t), 0);
	assert_int_equal(t, 1735790400LL);
	assert_int_equal(ari_parse_time("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
}

static void
test_parse_time_bad(void **state)
{
	static const char *const bad[] = {
		"", "2025-01-02", "2025-01-02T04:00:00", "2025-13-02T04:00:00Z",
		"2025-01-02 04:00:00Z", "2025-01-02T24:00:00Z",
		"2025-01-02T04:00:00+0200", "2025-01-02T04:00:00Zjunk",
		"20x5-01-02T04:00:00Z",
	};
	long long t = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ari_parse_time(bad[i], &t), ACMEUP_EINVAL);
	assert_int_equal(t, 42);
}

/* RFC 9773 4.2: a uniform choice inside [start, end). */
static void
test_renewal_time(void **state)
{
	struct acme_renewal_info ri = { .start = 1000, .end = 2000 };
	long long when = 0;

	(void)state;
	assert_int_equal(ari_renewal_time(&ri, 0.0, &when), 0);
	assert_int_equal(when, 1000);
	assert_int_equal(ari_renewal_time(&ri, 0.5, &when), 0);
	assert_int_equal(when, 1500);
	assert_int_equal(ari_renewal_time(&ri, 0.999, &when), 0);
	assert_true(when >= 1000 && when < 2000);
	/* a draw out of range falls back to the start */
	assert_int_equal(ari_renewal_time(&ri, 1.5, &when), 0);
	assert_int_equal(when, 1000);
	/* an empty or reversed window is refused */
	ri.end = 1000;
	assert_int_equal(ari_renewal_time(&ri, 0.5, &when), ACMEUP_EINVAL);
	ri.end = 10;
	assert_int_equal(ari_renewal_time(&ri, 0.5, &when), ACMEUP_EINVAL);
}

/* RFC 9773 4.2: renew once the chosen time has passed, or when it comes
 * before the next wake-up. */
static void
test_renew_due(void **state)
{
	(void)state;
	assert_int_equal(ari_renew_due(100, 200, 0), 1);     /* past */
	assert_int_equal(ari_renew_due(200, 200, 0), 1);     /* now */
	assert_int_equal(ari_renew_due(300, 200, 0), 0);     /* future */
	assert_int_equal(ari_renew_due(300, 200, 400), 1);   /* before wake */
	assert_int_equal(ari_renew_due(500, 200, 400), 0);   /* after wake */
}

/* RFC 9773 4.2 example RenewalInfo. */
static void
test_renewal_info_json(void **state)
{
	struct acme_renewal_info ri = { 0 };

	(void)state;
	assert_int_equal(acme_json_renewal_info("{\"suggestedWindow\": {"
	    "\"start\": \"2025-01-02T04:00:00Z\", \"end\": "
	    "\"2025-01-03T04:00:00Z\"}, \"explanationURL\": "
	    "\"https://acme.example.com/docs/ari\"}", &ri), 0);
	assert_int_equal(ri.start, 1735790400LL);
	assert_int_equal(ri.end, 1735790400LL + 86400);
	assert_string_equal(ri.explanation_url,
	    "https://acme.example.com/docs/ari");
	assert_int_equal(ri.retry_after, -1);
	acme_renewal_info_clear(&ri);
	assert_null(ri.explanation_url);
}

static void
test_renewal_info_json_bad(void **state)
{
	static const char *const bad[] = {
		"{}", "[]", "{\"suggestedWindow\": 1}",
		"{\"suggestedWindow\": {\"start\": \"2025-01-02T04:00:00Z\"}}",
		"{\"suggestedWindow\": {\"start\": \"yesterday\", \"end\": "
		"\"2025-01-03T04:00:00Z\"}}",
	};
	struct acme_renewal_info ri = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(acme_json_renewal_info(bad[i], &ri),
		    ACMEUP_EPROTO);
	assert_null(ri.explanation_url);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_id_rfc9773),
		cmocka_unit_test(test_cert_id_der),
		cmocka_unit_test(test_cert_id_garbage),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parse_time_bad),
		cmocka_unit_test(test_renewal_time),
		cmocka_unit_test(test_renew_due),
		cmocka_unit_test(test_renewal_info_json),
		cmocka_unit_test(test_renewal_info_json_bad),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
