/* libtsig built without GSS-API (CMake ACMEUP_GSS off, or no
 * krb5-gssapi): every GSS-TSIG call says so, the rest still works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tsig.h"
#include "tsig_gss.h"

static void
test_unavailable(void **state)
{
	struct tsig_gss_cred *c = NULL;
	struct tsig_gss *g = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(tsig_gss_available(), 0);
	assert_int_equal(tsig_gss_cred_new("/k.keytab", "host/x@R", &c, err,
	                                   sizeof(err)), TSIG_EUNAVAIL);
	assert_null(c);
	assert_non_null(strstr(err, "GSS-TSIG is unavailable: built without "
	                       "GSS-API"));
	err[0] = '\0';
	assert_int_equal(tsig_gss_new("1.sig-ns1.example", "ns1.example", &g,
	                              err, sizeof(err)), TSIG_EUNAVAIL);
	assert_null(g);
	assert_non_null(strstr(err, "unavailable"));
	tsig_gss_free(g);
	tsig_gss_cred_free(c);
}

/* HMAC keys are untouched by the missing GSS-API. */
static void
test_hmac_still(void **state)
{
	struct tsig_key *k = NULL;
	char err[128];

	(void)state;
	assert_int_equal(tsig_key_from_arg("hmac-sha256:k:c2VjcmV0", &k, err,
	                                   sizeof(err)), 0);
	assert_string_equal(tsig_key_name(k), "k");
	tsig_key_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unavailable),
		cmocka_unit_test(test_hmac_still),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
