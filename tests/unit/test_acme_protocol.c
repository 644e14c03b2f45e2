/* ACME protocol pieces of issue 5: External Account Binding JWS layout
 * (RFC 8555 7.3.4), key types' JWK and JWS alg, key change, account update
 * and revocation payloads, directory meta (renewalInfo, profiles), problem
 * documents with subproblems and hints, rate limits (429/503). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "acme_internal.h"
#include "acmeup/acme.h"
#include "acme_json.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "http.h"

/* pebble's example EAB key (kid-1), base64url. */
static const char eab_key[] =
	"zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

/* Pull "member":"value" out of flat JSON (test helper). */
static char *
member(const char *json, const char *name)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "\"%s\":\"", name);
	p = strstr(json, key);
	assert_non_null(p);
	p += strlen(key);
	e = strchr(p, '"');
	assert_non_null(e);
	return strndup(p, (size_t)(e - p));
}

static char *
b64_text(const char *s)
{
	uint8_t *dec = NULL;
	size_t len = 0;
	char *t;

	assert_int_equal(b64url_decode(s, strlen(s), &dec, &len), 0);
	t = strndup((char *)dec, len);
	free(dec);
	return t;
}

/* RFC 8555 7.3.4: protected {alg, kid, url} without nonce; payload the
 * account JWK; MAC = HMAC(decoded key, protected "." payload). */
static void
check_eab(const char *alg, gnutls_mac_algorithm_t mac, size_t maclen)
{
	struct crypto_key *key = NULL;
	struct crypto_jwk jwk = { 0 };
	char *jws = NULL, *prot, *pay, *sig, *ptext, *ptext_pay, *jwk_json;
	char *input;
	uint8_t *k = NULL, *got = NULL, want[64];
	size_t klen = 0, glen = 0, n;
	char expect[200];

	assert_int_equal(crypto_key_generate(CRYPTO_KEY_P256, &key), 0);
	assert_int_equal(crypto_key_jwk(key, &jwk), 0);
	assert_int_equal(acme_eab_jws(alg, "kid-1", eab_key,
	    "https://ca/new-acct", &jwk, &jws), 0);
	prot = member(jws, "protected");
	pay = member(jws, "payload");
	sig = member(jws, "signature");
	ptext = b64_text(prot);
	snprintf(expect, sizeof(expect), "{\"alg\":\"%s\",\"kid\":\"kid-1\","
	    "\"url\":\"https://ca/new-acct\"}", alg);
	assert_string_equal(ptext, expect);
	assert_null(strstr(ptext, "nonce"));
	ptext_pay = b64_text(pay);
	assert_int_equal(acme_json_jwk(&jwk, &jwk_json), 0);
	assert_string_equal(ptext_pay, jwk_json);
	/* the MAC, checked with GnuTLS directly */
	assert_int_equal(b64url_decode(eab_key, strlen(eab_key), &k, &klen), 0);
	n = strlen(prot) + strlen(pay) + 2;
	input = malloc(n);
	snprintf(input, n, "%s.%s", prot, pay);
	assert_int_equal(gnutls_hmac_fast(mac, k, klen, input, strlen(input),
	    want), 0);
	assert_int_equal(b64url_decode(sig, strlen(sig), &got, &glen), 0);
	assert_int_equal(glen, maclen);
	assert_memory_equal(got, want, maclen);
	free(input);
	free(k);
	free(got);
	free(jwk_json);
	free(ptext);
	free(ptext_pay);
	free(prot);
	free(pay);
	free(sig);
	free(jws);
	crypto_jwk_clear(&jwk);
	crypto_key_free(key);
}

static void
test_eab_hs256(void **state)
{
	(void)state;
	check_eab("HS256", GNUTLS_MAC_SHA256, 32);
}

static void
test_eab_hs384_hs512(void **state)
{
	(void)state;
	check_eab("HS384", GNUTLS_MAC_SHA384, 48);
	check_eab("HS512", GNUTLS_MAC_SHA512, 64);
}

static void
test_eab_bad_input(void **state)
{
	struct crypto_jwk jwk = { .kty = "EC", .crv = "P-256", .x = "x",
	    .y = "y" };
	char *jws = NULL;

	(void)state;
	acmeup_err_clear();
	assert_int_equal(acme_eab_jws("HS256", "kid", "not+base64url", "u",
	    &jwk, &jws), ACMEUP_EUSAGE);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EUSAGE), "--eab-hmac-key"));
	acmeup_err_clear();
	assert_int_equal(acme_eab_jws("RS256", "kid", eab_key, "u", &jwk,
	    &jws), ACMEUP_EINVAL);
	assert_null(jws);
}

/* RFC 7518: each key type's JWK members and JWS alg. */
static void
check_key_type(enum crypto_key_type t, const char *alg, const char *kty,
               const char *crv, size_t coord_or_n)
{
	struct crypto_key *key = NULL;
	struct crypto_jwk jwk = { 0 };
	uint8_t *b = NULL;
	size_t len = 0;
	int other;

	assert_int_equal(crypto_key_generate(t, &key), 0);
	assert_int_equal(crypto_key_is_type(key, t), 1);
	for (other = CRYPTO_KEY_P256; other <= CRYPTO_KEY_RSA4096; other++)
		if (other != (int)t)
			assert_int_equal(crypto_key_is_type(key,
			    (enum crypto_key_type)other), 0);
	assert_string_equal(crypto_key_jws_alg(key), alg);
	assert_int_equal(crypto_key_jwk(key, &jwk), 0);
	assert_string_equal(jwk.kty, kty);
	if (crv != NULL) {
		assert_string_equal(jwk.crv, crv);
		assert_int_equal(b64url_decode(jwk.x, strlen(jwk.x), &b, &len),
		    0);
	} else {
		assert_null(jwk.crv);
		assert_string_equal(jwk.e, "AQAB");
		assert_int_equal(b64url_decode(jwk.n, strlen(jwk.n), &b, &len),
		    0);
	}
	assert_int_equal(len, coord_or_n);
	free(b);
	crypto_jwk_clear(&jwk);
	crypto_key_free(key);
}

static void
test_key_types(void **state)
{
	(void)state;
	check_key_type(CRYPTO_KEY_P256, "ES256", "EC", "P-256", 32);
	check_key_type(CRYPTO_KEY_P384, "ES384", "EC", "P-384", 48);
	check_key_type(CRYPTO_KEY_RSA2048, "RS256", "RSA", NULL, 256);
	check_key_type(CRYPTO_KEY_RSA3072, "RS256", "RSA", NULL, 384);
}

static void
test_key_type_names(void **state)
{
	enum crypto_key_type t = CRYPTO_KEY_P256;

	(void)state;
	assert_int_equal(crypto_key_type_parse("p384", &t), 0);
	assert_int_equal(t, CRYPTO_KEY_P384);
	assert_int_equal(crypto_key_type_parse("P-256", &t), 0);
	assert_int_equal(t, CRYPTO_KEY_P256);
	assert_int_equal(crypto_key_type_parse("RSA4096", &t), 0);
	assert_int_equal(t, CRYPTO_KEY_RSA4096);
	acmeup_err_clear();
	assert_int_equal(crypto_key_type_parse("ed25519", &t), ACMEUP_EINVAL);
	acmeup_err_clear();
	assert_int_equal(crypto_key_type_parse("rsa1024", &t), ACMEUP_EINVAL);
	assert_int_equal(t, CRYPTO_KEY_RSA4096);
	assert_string_equal(crypto_key_type_name(CRYPTO_KEY_RSA3072),
	    "RSA 3072");
}

/* RFC 8555 7.3.5: the inner JWS is signed by the new key, carries its jwk
 * and the keyChange URL, no nonce; the payload names account and old key. */
static void
test_key_change_payload(void **state)
{
	struct crypto_jwk old = { .kty = "EC", .crv = "P-256", .x = "ox",
	    .y = "oy" };
	struct crypto_key *fresh = NULL;
	struct crypto_jwk jwk = { 0 };
	char *payload = NULL, *jws = NULL, *prot, *ptext;

	(void)state;
	assert_int_equal(acme_json_key_change("https://ca/acct/7", &old,
	    &payload), 0);
	assert_string_equal(payload, "{\"account\":\"https://ca/acct/7\","
	    "\"oldKey\":{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"ox\","
	    "\"y\":\"oy\"}}");
	assert_int_equal(crypto_key_generate(CRYPTO_KEY_P384, &fresh), 0);
	assert_int_equal(crypto_key_jwk(fresh, &jwk), 0);
	assert_int_equal(acme_jws_new(fresh, &jwk, NULL, NULL,
	    "https://ca/key-change", payload, &jws), 0);
	prot = member(jws, "protected");
	ptext = b64_text(prot);
	assert_true(strncmp(ptext, "{\"alg\":\"ES384\",\"jwk\":{\"crv\":"
	    "\"P-384\"", 31) == 0);
	assert_null(strstr(ptext, "nonce"));
	assert_null(strstr(ptext, "kid"));
	assert_non_null(strstr(ptext, "\"url\":\"https://ca/key-change\"}"));
	free(ptext);
	free(prot);
	free(jws);
	free(payload);
	crypto_jwk_clear(&jwk);
	crypto_key_free(fresh);
}

static void
test_account_payloads(void **state)
{
	const char *contacts[] = { "mailto:a@example.test",
	    "mailto:b@example.test" };
	char *s = NULL;

	(void)state;
	assert_int_equal(acme_json_account_update(contacts, 2, 0, &s), 0);
	assert_string_equal(s, "{\"contact\":[\"mailto:a@example.test\","
	    "\"mailto:b@example.test\"]}");
	free(s);
	assert_int_equal(acme_json_account_update(NULL, 0, 1, &s), 0);
	assert_string_equal(s, "{\"status\":\"deactivated\"}");
	free(s);
	/* RFC 8555 7.3.4: the EAB JWS is an object inside newAccount */
	assert_int_equal(acme_json_new_account(contacts, 1, 1, 0,
	    "{\"protected\":\"p\",\"payload\":\"q\",\"signature\":\"s\"}", &s),
	    0);
	assert_string_equal(s, "{\"contact\":[\"mailto:a@example.test\"],"
	    "\"termsOfServiceAgreed\":true,\"externalAccountBinding\":"
	    "{\"protected\":\"p\",\"payload\":\"q\",\"signature\":\"s\"}}");
	free(s);
}

static void
test_order_and_revoke_payloads(void **state)
{
	const char *names[] = { "a.test" };
	char *s = NULL;

	(void)state;
	assert_int_equal(acme_json_new_order(names, 1, "shortlived",
	    "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", &s), 0);
	assert_string_equal(s, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"a.test\"}],\"profile\":\"shortlived\",\"replaces\":"
	    "\"aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE\"}");
	free(s);
	assert_int_equal(acme_json_revoke("MIIB", 4, &s), 0);
	assert_string_equal(s, "{\"certificate\":\"MIIB\",\"reason\":4}");
	free(s);
	assert_int_equal(acme_json_revoke("MIIB", -1, &s), 0);
	assert_string_equal(s, "{\"certificate\":\"MIIB\"}");
	free(s);
}

static void
test_directory_meta(void **state)
{
	struct acme_directory d = { 0 };
	const char *body = "{\"newNonce\":\"https://ca/n\",\"newAccount\":"
	    "\"https://ca/a\",\"newOrder\":\"https://ca/o\",\"renewalInfo\":"
	    "\"https://ca/ari/\",\"meta\":{\"website\":\"https://ca/\","
	    "\"profiles\":{\"classic\":\"the usual\",\"shortlived\":"
	    "\"six days\"}}}";

	(void)state;
	assert_int_equal(acme_json_directory(body, &d), 0);
	assert_string_equal(d.renewal_info, "https://ca/ari/");
	assert_string_equal(d.website, "https://ca/");
	assert_int_equal(d.n_profiles, 2);
	assert_string_equal(d.profiles[0], "classic");
	assert_string_equal(d.profile_descriptions[1], "six days");
	assert_int_equal(d.eab_required, 0);
	acme_directory_clear(&d);
	assert_int_equal(d.n_profiles, 0);
}

/* RFC 8555 6.7.1: every subproblem with its identifier, plus a hint. */
static void
test_problem_text(void **state)
{
	struct acme_problem p = { 0 };
	const char *msg;

	(void)state;
	assert_int_equal(acme_json_problem("{\"type\":\"urn:ietf:params:acme:"
	    "error:rejectedIdentifier\",\"detail\":\"2 names refused\","
	    "\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:"
	    "rejectedIdentifier\",\"detail\":\"on the blocklist\","
	    "\"identifier\":{\"type\":\"dns\",\"value\":\"a.test\"}},"
	    "{\"type\":\"urn:ietf:params:acme:error:caa\",\"detail\":\"CAA "
	    "forbids\",\"identifier\":{\"type\":\"dns\",\"value\":\"b.test\"}}]}",
	    &p), 0);
	acmeup_err_clear();
	assert_int_equal(acme_fail_problem(&p, "https://ca/order"),
	    ACMEUP_EACME);
	msg = acmeup_errmsg(ACMEUP_EACME);
	assert_non_null(strstr(msg, "https://ca/order: rejectedIdentifier: "
	    "2 names refused; a.test: rejectedIdentifier: on the blocklist; "
	    "b.test: caa: CAA forbids"));
	assert_non_null(strstr(msg, "will not issue for this name by policy"));
	acme_problem_clear(&p);
	assert_int_equal(acme_json_problem("{\"type\":\"urn:ietf:params:acme:"
	    "error:userActionRequired\",\"detail\":\"new terms\",\"instance\":"
	    "\"https://ca/tos/2\"}", &p), 0);
	acmeup_err_clear();
	acme_fail_problem(&p, "ctx");
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EACME),
	    "userActionRequired: new terms (see https://ca/tos/2)"));
	acme_problem_clear(&p);
}

/* A validation the CA's resolver answered SERVFAIL: Boulder's words and
 * pebble's Go-quoted rcode byte both get the SERVFAIL hint; another rcode
 * keeps the wrong-value hint. */
static void
test_validation_servfail(void **state)
{
	static const char *const details[] = {
		"DNS problem: SERVFAIL looking up TXT for _acme-challenge.a.test",
		"DNS lookup for \\\"_acme-challenge.a.test\\\" returned an "
		"unsuccessful response: '\\\\x02'",
		"DNS lookup for \\\"_acme-challenge.a.test\\\" returned an "
		"unsuccessful response: '\\\\x03'",
	};
	struct acme_problem p = { 0 };
	char json[512];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(json, sizeof(json), "{\"type\":\"urn:ietf:params:acme:"
		    "error:unauthorized\",\"detail\":\"%s\"}", details[i]);
		assert_int_equal(acme_json_problem(json, &p), 0);
		acmeup_err_clear();
		assert_int_equal(acme_fail_validation(&p, "validation"),
		    ACMEUP_EACME);
		assert_int_equal(strstr(acmeup_errmsg(ACMEUP_EACME),
		    "the CA's resolver got SERVFAIL") != NULL, i < 2);
		assert_int_equal(strstr(acmeup_errmsg(ACMEUP_EACME),
		    "did not get the TXT value") != NULL, i == 2);
		acme_problem_clear(&p);
	}
	acmeup_err_clear();
}

/* RFC 8555 6.6: 429 rateLimited with the CA's detail and Retry-After. */
static void
test_rate_limited_response(void **state)
{
	struct http_response r = { 0 };
	char type[64];
	const char *msg;

	(void)state;
	r.status = 429;
	r.content_type = (char *)"application/problem+json";
	r.body = (char *)"{\"type\":\"urn:ietf:params:acme:error:rateLimited\","
	    "\"detail\":\"too many certificates (5) for this exact set of "
	    "names\"}";
	r.retry_after = 3600;
	acmeup_err_clear();
	assert_int_equal(acme_fail_response(&r, "https://ca/order", type,
	    sizeof(type)), ACMEUP_EACME);
	assert_string_equal(type, "rateLimited");
	msg = acmeup_errmsg(ACMEUP_EACME);
	assert_non_null(strstr(msg, "https://ca/order (HTTP 429): rateLimited: "
	    "too many certificates (5) for this exact set of names"));
	assert_non_null(strstr(msg, "retry after 3600 s (at "));
	assert_non_null(strstr(msg, "--wait-rate-limit"));
	/* 503 without a problem document */
	r.status = 503;
	r.content_type = (char *)"text/html";
	r.body = (char *)"<html>busy</html>";
	r.retry_after = 120;
	acmeup_err_clear();
	acme_fail_response(&r, "https://ca/dir", type, sizeof(type));
	assert_string_equal(type, "");
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_EACME), "https://ca/dir "
	    "answered HTTP 503 (service unavailable); the CA says retry after "
	    "120 s"));
}

/* Wait only for 429/503, with a known Retry-After within the user's
 * limit, a bounded number of times. */
static void
test_may_wait(void **state)
{
	(void)state;
	assert_int_equal(acme_may_wait(429, 30, 60, 0), 1);
	assert_int_equal(acme_may_wait(503, 60, 60, 2), 1);
	assert_int_equal(acme_may_wait(429, 61, 60, 0), 0);
	assert_int_equal(acme_may_wait(429, -1, 60, 0), 0);
	assert_int_equal(acme_may_wait(429, 1, 0, 0), 0);
	assert_int_equal(acme_may_wait(429, 1, 60, RATE_LIMIT_WAITS), 0);
	assert_int_equal(acme_may_wait(400, 1, 60, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eab_hs256),
		cmocka_unit_test(test_eab_hs384_hs512),
		cmocka_unit_test(test_eab_bad_input),
		cmocka_unit_test(test_key_types),
		cmocka_unit_test(test_key_type_names),
		cmocka_unit_test(test_key_change_payload),
		cmocka_unit_test(test_account_payloads),
		cmocka_unit_test(test_order_and_revoke_payloads),
		cmocka_unit_test(test_directory_meta),
		cmocka_unit_test(test_problem_text),
		cmocka_unit_test(test_validation_servfail),
		cmocka_unit_test(test_rate_limited_response),
		cmocka_unit_test(test_may_wait),
	};
	int rc;

	crypto_init();
	acmeup_err_clear();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	crypto_deinit();
	return rc;
}
