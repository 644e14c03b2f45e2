/* DNS challenge types (acme_challenge.h): the `challenge` setting, the
 * dns-account-01 label and owner, the dns-persist-01 record built and
 * matched, and the CA's challenge objects with hostile issuer names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acmeup/acme_challenge.h"
#include "acme_json.h"
#include "acmeup/error.h"

#define ACCT "https://ca.test/acct/7"

static void
prefs(void **state)
{
	enum acme_chal_kind k[ACME_CHAL_PREFS_MAX];
	size_t n = 0;

	(void)state;
	assert_int_equal(acme_chal_prefs_parse("dns-persist-01, dns-01", NULL,
	    k, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(k[0], ACME_CHAL_DNS_PERSIST01);
	assert_int_equal(k[1], ACME_CHAL_DNS01);
	assert_int_equal(acme_chal_prefs_parse("dns-account-01", NULL, k, &n),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(k[0], ACME_CHAL_DNS_ACCOUNT01);
	assert_int_equal(acme_chal_prefs_parse("dns-01,dns-01", "x", k, &n),
	    ACMEUP_EUSAGE);
	acmeup_err_clear();
	assert_int_equal(acme_chal_prefs_parse("http-01", "x", k, &n),
	    ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "http-01"));
	assert_int_equal(acme_chal_prefs_parse(" , ", NULL, k, &n),
	    ACMEUP_EUSAGE);
	acmeup_err_clear();
}

/* draft-ietf-acme-scoped-dns-challenges: base32(SHA-256(url)[0..10]),
 * vectors from Python's hashlib and base64.b32encode. */
static void
account_label(void **state)
{
	char label[ACME_ACCOUNT_LABEL_LEN + 1];
	char *owner = NULL;

	(void)state;
	assert_int_equal(acme_account_label(
	    "https://127.53.0.9:14000/my-account/1", label), 0);
	assert_string_equal(label, "oxau3ivec5y5p2p7");
	assert_int_equal(acme_account_label(
	    "https://acme-v02.api.letsencrypt.org/acme/acct/1234", label), 0);
	assert_string_equal(label, "yqttpgavd4pwo3hp");
	assert_int_equal(acme_account_owner(
	    "https://127.53.0.9:14000/my-account/1", "*.a.test", &owner), 0);
	assert_string_equal(owner, "_oxau3ivec5y5p2p7._acme-challenge.a.test");
	free(owner);
}

static void
persist_value(void **state)
{
	char *v = NULL;

	(void)state;
	assert_int_equal(acme_persist_value("ca.test", ACCT, 0, 0, &v), 0);
	assert_string_equal(v, "ca.test; accounturi=" ACCT);
	free(v);
	assert_int_equal(acme_persist_value("ca.test", ACCT, 1, 1900000000,
	    &v), 0);
	assert_string_equal(v, "ca.test; accounturi=" ACCT "; policy=wildcard;"
	    " persistUntil=1900000000");
	free(v);
	assert_int_equal(acme_persist_value("ca.test", ACCT ";policy=wildcard",
	    0, 0, &v), ACMEUP_EINVAL);
	acmeup_err_clear();
}

static void
persist_match(void **state)
{
	const char *const iss[] = { "ca.test", "other.ca.test" };
	const long long now = 1800000000;

	(void)state;
	assert_int_equal(acme_persist_match("ca.test; accounturi=" ACCT, iss, 2,
	    ACCT, 0, now), PERSIST_MATCH);
	assert_int_equal(acme_persist_match(" CA.Test. ;AccountURI=" ACCT
	    " ; x=y", iss, 2, ACCT, 0, now), PERSIST_MATCH);
	assert_int_equal(acme_persist_match("evil.test; accounturi=" ACCT, iss,
	    2, ACCT, 0, now), PERSIST_ISSUER);
	assert_int_equal(acme_persist_match("ca.test; accounturi=" ACCT "0",
	    iss, 2, ACCT, 0, now), PERSIST_ACCOUNT);
	assert_int_equal(acme_persist_match("ca.test", iss, 2, ACCT, 0, now),
	    PERSIST_ACCOUNT);
	assert_int_equal(acme_persist_match("ca.test; accounturi=" ACCT, iss, 2,
	    ACCT, 1, now), PERSIST_WILDCARD);
	assert_int_equal(acme_persist_match("ca.test; accounturi=" ACCT
	    "; policy=Wildcard", iss, 2, ACCT, 1, now), PERSIST_MATCH);
	assert_int_equal(acme_persist_match("ca.test; accounturi=" ACCT
	    "; persistUntil=1700000000", iss, 2, ACCT, 0, now),
	    PERSIST_EXPIRED);
	assert_int_equal(acme_persist_match("ca.test; accounturi=" ACCT
	    "; persistUntil=-1", iss, 2, ACCT, 0, now), PERSIST_EXPIRED);
	assert_int_equal(acme_persist_match("; accounturi=" ACCT, iss, 2, ACCT,
	    0, now), PERSIST_SYNTAX);
	assert_int_equal(acme_persist_match("ca.test; accounturi=" ACCT, iss, 0,
	    ACCT, 0, now), PERSIST_ISSUER);
}

/* The CA's issuer names: bad ones dropped, at most 10 kept; none left
 * makes the challenge one acmeup does not answer. */
static void
parse_issuers(void **state)
{
	struct acme_authz a = { 0 };
	const char *body = "{\"identifier\":{\"type\":\"dns\",\"value\":"
	    "\"a.test\"},\"status\":\"pending\",\"challenges\":["
	    "{\"type\":\"dns-persist-01\",\"url\":\"https://ca.test/c/1\","
	    "\"status\":\"pending\",\"issuer-domain-names\":[\"CA.Test\","
	    "\"bad name\",\"x;y.test\",7,\"*.w.test\",\"_u.test\"]},"
	    "{\"type\":\"dns-persist-01\",\"url\":\"https://ca.test/c/2\","
	    "\"status\":\"pending\",\"issuer-domain-names\":[\"a..b\"]},"
	    "{\"type\":\"dns-account-01\",\"url\":\"https://ca.test/c/3\","
	    "\"status\":\"pending\",\"token\":\"abc\"}]}";

	(void)state;
	assert_int_equal(acme_json_authz(body, &a), 0);
	assert_int_equal(a.n_challenges, 3);
	assert_int_equal(a.challenges[0].kind, ACME_CHAL_DNS_PERSIST01);
	assert_int_equal(a.challenges[0].n_issuers, 1);
	assert_string_equal(a.challenges[0].issuers[0], "ca.test");
	assert_int_equal(a.challenges[1].kind, ACME_CHAL_OTHER);
	assert_int_equal(a.challenges[1].n_issuers, 0);
	assert_int_equal(a.challenges[2].kind, ACME_CHAL_DNS_ACCOUNT01);
	acme_authz_clear(&a);
}

static void
parse_many_issuers(void **state)
{
	struct acme_authz a = { 0 };
	char body[2048];
	size_t i, n;

	(void)state;
	n = (size_t)snprintf(body, sizeof(body), "{\"identifier\":{\"type\":"
	    "\"dns\",\"value\":\"a.test\"},\"status\":\"pending\","
	    "\"challenges\":[{\"type\":\"dns-persist-01\",\"url\":\"u\","
	    "\"status\":\"pending\",\"issuer-domain-names\":[");
	for (i = 0; i < 12; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%s\"c%zu.test\"",
		    i > 0 ? "," : "", i);
	snprintf(body + n, sizeof(body) - n, "]}]}");
	assert_int_equal(acme_json_authz(body, &a), 0);
	assert_int_equal(a.challenges[0].n_issuers, ACME_ISSUERS_MAX);
	assert_string_equal(a.challenges[0].issuers[9], "c9.test");
	acme_authz_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prefs),
		cmocka_unit_test(account_label),
		cmocka_unit_test(persist_value),
		cmocka_unit_test(persist_match),
		cmocka_unit_test(parse_issuers),
		cmocka_unit_test(parse_many_issuers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
