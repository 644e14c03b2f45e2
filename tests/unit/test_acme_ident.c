/* The CA's identifiers against the names asked for (acme_ident.h): a CA
 * naming a victim, an extra or a missing authorization, the wrong type,
 * escapes, the wildcard flag, duplicates; the order's own identifiers;
 * challenge tokens (RFC 8555 7.1.3, 7.1.4, 8.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acmeup/acme_ident.h"
#include "acme_json.h"
#include "acmeup/error.h"

#define URL "https://ca.test/order/17"

static const char *const names[] = { "a.test", "*.b.test", "b.test" };
static const struct acme_ident_want want = { names, 3, URL };

static struct acme_authz
authz(const char *type, const char *value, int wildcard)
{
	struct acme_authz a;

	memset(&a, 0, sizeof(a));
	a.identifier_type = (char *)type;
	a.identifier = (char *)value;
	a.wildcard = wildcard;
	return a;
}

/* The last failure is EPROTO and its detail holds each of the words. */
static void
refused(int rc, const char *w1, const char *w2)
{
	const char *msg = acmeup_errmsg(rc);

	assert_int_equal(rc, ACMEUP_EPROTO);
	if (strstr(msg, URL) == NULL || (w1 != NULL && strstr(msg, w1) == NULL)
	    || (w2 != NULL && strstr(msg, w2) == NULL))
		fail_msg("detail \"%s\" lacks %s / %s / %s", msg, URL,
		    w1 ? w1 : "", w2 ? w2 : "");
	assert_true(strlen(msg) < 600);
	acmeup_err_clear(); /* checked: the next case records afresh */
}

/* Match a[0..n) in turn; the index of each, or the first failure. */
static int
match_all(const struct acme_authz *a, size_t n, size_t *idx)
{
	unsigned char taken[3] = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++)
		rc = acme_ident_match_authz(&a[i], &want, taken, &idx[i]);
	if (rc == 0)
		rc = acme_ident_all_taken(taken, &want);
	return rc;
}

static void
test_match_good(void **state)
{
	/* any order, any case, one trailing dot */
	struct acme_authz a[3] = {
		authz("dns", "B.Test.", 0), authz("dns", "a.test", 0),
		authz("dns", "b.test", 1),
	};
	size_t idx[3];

	(void)state;
	assert_int_equal(match_all(a, 3, idx), 0);
	assert_int_equal(idx[0], 2);
	assert_int_equal(idx[1], 0);
	assert_int_equal(idx[2], 1);
}

static void
test_victim(void **state)
{
	struct acme_authz a[3] = {
		authz("dns", "victim.test", 0), authz("dns", "a.test", 0),
		authz("dns", "b.test", 1),
	};
	size_t idx[3];

	(void)state;
	refused(match_all(a, 3, idx), "'victim.test'", "not for a name asked");
	/* a name below one asked for is no better */
	a[0] = authz("dns", "x.a.test", 0);
	refused(match_all(a, 3, idx), "'x.a.test'", NULL);
	a[0] = authz("dns", "test", 0);
	refused(match_all(a, 3, idx), "'test'", NULL);
}

static void
test_missing_extra(void **state)
{
	struct acme_authz a[4] = {
		authz("dns", "a.test", 0), authz("dns", "b.test", 1),
		authz("dns", "b.test", 0), authz("dns", "c.test", 0),
	};
	size_t idx[4];

	(void)state;
	/* missing: b.test never authorized */
	refused(match_all(a, 2, idx), "'b.test'", "has no authorization");
	/* extra: a fourth one */
	refused(match_all(a, 4, idx), "'c.test'", NULL);
}

static void
test_wrong_type(void **state)
{
	struct acme_authz a[3] = {
		authz("ip", "a.test", 0), authz("dns", "b.test", 1),
		authz("dns", "b.test", 0),
	};
	size_t idx[3];

	(void)state;
	refused(match_all(a, 3, idx), "'ip'", "not for a DNS name");
	a[0] = authz(NULL, "a.test", 0);
	refused(match_all(a, 3, idx), "'(none)'", NULL);
	a[0] = authz("DNS", "a.test", 0);
	refused(match_all(a, 3, idx), "'DNS'", NULL);
	a[0] = authz("dns", NULL, 0);
	refused(match_all(a, 3, idx), "'(none)'", NULL);
	a[0] = authz("ip", "192.0.2.1", 0);
	refused(match_all(a, 3, idx), NULL, NULL);
}

/* Escapes, control bytes and huge values never become a name. */
static void
test_escaped(void **state)
{
	struct acme_authz a[3] = {
		authz("dns", "a\\.test", 0), authz("dns", "b.test", 1),
		authz("dns", "b.test", 0),
	};
	char *huge = malloc(5001);
	size_t idx[3];

	(void)state;
	refused(match_all(a, 3, idx), "'a\\x5c.test'", NULL);
	a[0] = authz("dns", "a\\046test", 0);
	refused(match_all(a, 3, idx), "'a\\x5c046test'", NULL);
	a[0] = authz("dns", "a.test\n[ok] issued", 0);
	refused(match_all(a, 3, idx), "'a.test\\x0a[ok] issued'", NULL);
	a[0] = authz("dns", "a.test\\000", 0);
	refused(match_all(a, 3, idx), NULL, NULL);
	assert_non_null(huge);
	memset(huge, 'a', 5000);
	huge[5000] = '\0';
	a[0] = authz("dns", huge, 0);
	refused(match_all(a, 3, idx), "...'", NULL);
	free(huge);
}

static void
test_wildcard_flag(void **state)
{
	struct acme_authz a[3] = {
		authz("dns", "a.test", 1), authz("dns", "b.test", 1),
		authz("dns", "b.test", 0),
	};
	size_t idx[3];

	(void)state;
	/* a wildcard authorization for a name asked for without "*." */
	refused(match_all(a, 3, idx), "wildcard authorization for 'a.test'",
	    NULL);
	/* "*." in the value itself (RFC 8555 7.1.4: never there) */
	a[0] = authz("dns", "a.test", 0);
	a[1] = authz("dns", "*.b.test", 1);
	refused(match_all(a, 3, idx), "'*.b.test'", NULL);
	a[1] = authz("dns", "*.b.test", 0);
	refused(match_all(a, 3, idx), "'*.b.test'", NULL);
	/* the base authorized twice, the wildcard never */
	a[1] = authz("dns", "b.test", 0);
	refused(match_all(a, 3, idx), "second authorization for 'b.test'",
	    NULL);
}

static void
test_duplicate(void **state)
{
	struct acme_authz a[3] = {
		authz("dns", "a.test", 0), authz("dns", "A.TEST", 0),
		authz("dns", "b.test", 0),
	};
	size_t idx[3];

	(void)state;
	refused(match_all(a, 3, idx), "second authorization for 'a.test'",
	    NULL);
}

static void
test_order(void **state)
{
	char *auth[3] = { "u1", "u2", "u3" };
	struct acme_identifier ids[3] = {
		{ "dns", "b.test" }, { "dns", "A.test" }, { "dns", "*.B.test" },
	};
	struct acme_order o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.identifiers = ids;
	o.n_identifiers = 3;
	o.authorizations = auth;
	o.n_authorizations = 3;
	assert_int_equal(acme_ident_check_order(&o, &want), 0);
	o.n_authorizations = 4;
	refused(acme_ident_check_order(&o, &want), "4 authorizations", NULL);
	o.n_authorizations = 2;
	refused(acme_ident_check_order(&o, &want), "2 authorizations", NULL);
	o.n_authorizations = 3;
	o.n_identifiers = 2;
	refused(acme_ident_check_order(&o, &want), "2 identifiers", NULL);
	o.n_identifiers = 0;
	refused(acme_ident_check_order(&o, &want), "0 identifiers", NULL);
	o.n_identifiers = 3;
	ids[0].value = "victim.test";
	refused(acme_ident_check_order(&o, &want), "'victim.test'", NULL);
	ids[0].value = "a.test";
	refused(acme_ident_check_order(&o, &want), "'A.test'", "twice");
	ids[0].value = "b.test";
	ids[0].type = "ip";
	refused(acme_ident_check_order(&o, &want), "'ip'", NULL);
	ids[0].type = NULL;
	refused(acme_ident_check_order(&o, &want), "'(none)'", NULL);
	ids[0].type = "dns";
	ids[0].value = NULL;
	refused(acme_ident_check_order(&o, &want), "'(none)'", NULL);
	ids[0].value = "*.b.test"; /* the wildcard twice, the base never */
	refused(acme_ident_check_order(&o, &want), "twice", NULL);
}

static void
test_token(void **state)
{
	char tok[300];

	(void)state;
	assert_int_equal(acme_ident_check_token(
	    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", &want), 0);
	memset(tok, 'A', sizeof(tok));
	tok[22] = '\0';
	assert_int_equal(acme_ident_check_token(tok, &want), 0);
	tok[21] = '\0';
	refused(acme_ident_check_token(tok, &want), "dns-01 token", NULL);
	memset(tok, '_', sizeof(tok));
	tok[256] = '\0';
	assert_int_equal(acme_ident_check_token(tok, &want), 0);
	tok[256] = '-';
	tok[257] = '\0';
	refused(acme_ident_check_token(tok, &want), "dns-01 token", NULL);
	refused(acme_ident_check_token(
	    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-o=", &want), NULL, NULL);
	refused(acme_ident_check_token(
	    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ+PCt92wr/oA", &want), NULL, NULL);
	refused(acme_ident_check_token(
	    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ.PCt92wr-oA", &want), NULL, NULL);
	refused(acme_ident_check_token(NULL, &want), "'(none)'", NULL);
	refused(acme_ident_check_token("", &want), NULL, NULL);
}

/* Pebble's layout (tests/fuzz/corpus/fuzz_acme_json): the order's
 * identifiers and the authorization's type reach the checks. */
static const char order_json[] =
    "{\"status\": \"pending\", \"identifiers\": ["
    "{\"type\": \"dns\", \"value\": \"n1.example.test\"},"
    "{\"type\": \"dns\", \"value\": \"*.n1.example.test\"}],"
    "\"finalize\": \"https://ca.test/finalize/1\","
    "\"authorizations\": [\"https://ca.test/a/1\", \"https://ca.test/a/2\"]}";
static const char authz_json[] =
    "{\"status\": \"pending\", \"identifier\": {\"type\": \"dns\","
    "\"value\": \"n1.example.test\"}, \"wildcard\": true, \"challenges\":"
    "[{\"type\": \"dns-01\", \"url\": \"https://ca.test/c/1\", "
    "\"token\": \"WmJ8cXn2Y4eLk0aRz7sTq1uVb6oPj3hG9fDw5iNc8yM\", "
    "\"status\": \"pending\"}]}";

static void
test_from_json(void **state)
{
	static const char *const two[] = { "n1.example.test",
	    "*.n1.example.test" };
	const struct acme_ident_want w = { two, 2, URL };
	unsigned char taken[2] = { 0 };
	struct acme_order o = { 0 };
	struct acme_authz a = { 0 };
	size_t k = 0;

	(void)state;
	assert_int_equal(acme_json_order(order_json, &o), 0);
	assert_int_equal(o.n_identifiers, 2);
	assert_string_equal(o.identifiers[1].type, "dns");
	assert_string_equal(o.identifiers[1].value, "*.n1.example.test");
	assert_int_equal(acme_ident_check_order(&o, &w), 0);
	acme_order_clear(&o);
	assert_int_equal(acme_json_authz(authz_json, &a), 0);
	assert_string_equal(a.identifier_type, "dns");
	assert_int_equal(acme_ident_match_authz(&a, &w, taken, &k), 0);
	assert_int_equal(k, 1);
	assert_int_equal(acme_ident_check_token(a.challenges[0].token, &w), 0);
	acme_authz_clear(&a);
	/* a malformed identifier is an error, not skipped */
	acmeup_err_clear();
	assert_int_equal(acme_json_order("{\"status\": \"pending\", "
	    "\"finalize\": \"f\", \"identifiers\": [{\"type\": \"dns\"}]}",
	    &o), ACMEUP_EPROTO);
	acmeup_err_clear();
	assert_int_equal(acme_json_order("{\"status\": \"pending\", "
	    "\"finalize\": \"f\", \"identifiers\": [\"a.test\"]}", &o),
	    ACMEUP_EPROTO);
	acmeup_err_clear();
	assert_int_equal(acme_json_order("{\"status\": \"pending\", "
	    "\"finalize\": \"f\", \"identifiers\": {}}", &o), ACMEUP_EPROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_good),
		cmocka_unit_test(test_victim),
		cmocka_unit_test(test_missing_extra),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_wildcard_flag),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_from_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
