/* ACME pure functions: RFC 7638 thumbprint, dns-01 digest, JWS layout,
 * typed parsing of RFC 8555 example objects. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "acme_internal.h"
#include "acmeup/acme.h"
#include "acme_json.h"
#include "acmeup/crypto.h"

/* RFC 7638 3.1 example key. */
static const char rfc7638_n[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aP"
    "FFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl9"
    "3lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdA"
    "ZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3"
    "XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

static void
test_thumbprint_rfc7638(void **state)
{
	struct crypto_jwk jwk = { .kty = "RSA", .n = (char *)rfc7638_n,
	    .e = "AQAB" };
	char *json = NULL, *tp = NULL;

	(void)state;
	assert_int_equal(acme_json_jwk(&jwk, &json), 0);
	assert_true(strncmp(json, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"0vx7",
	    31) == 0);
	assert_int_equal(acme_thumbprint(json, &tp), 0);
	assert_string_equal(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	free(json);
	free(tp);
}

static void
test_ec_jwk_member_order(void **state)
{
	struct crypto_jwk jwk = { .kty = "EC", .crv = "P-256", .x = "xx",
	    .y = "yy" };
	char *json = NULL;

	(void)state;
	assert_int_equal(acme_json_jwk(&jwk, &json), 0);
	assert_string_equal(json,
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"xx\",\"y\":\"yy\"}");
	free(json);
}

/* RFC 8555 8.4: base64url(SHA-256(token "." thumbprint)); expected value
 * computed independently (Python hashlib). */
static void
test_dns01_digest(void **state)
{
	char *v = NULL;

	(void)state;
	assert_int_equal(acme_dns01_digest("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-"
	    "PCt92wr-oA.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", &v), 0);
	assert_string_equal(v, "ZTRx1Ckl1-tM05o5zaizTTA0yUy5AGereMgSNWC6Ll8");
	free(v);
}

/* Pull "member":"value" out of flattened JWS JSON (test helper). */
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

static void
verify_es256(const struct crypto_key *key, const char *input,
             const uint8_t *sig, size_t siglen)
{
	struct crypto_jwk jwk = { 0 };
	gnutls_pubkey_t pub;
	gnutls_datum_t x, y, r, s, der = { 0 }, data;
	uint8_t *xb = NULL, *yb = NULL;
	size_t xl = 0, yl = 0;

	assert_int_equal(siglen, 64);
	assert_int_equal(crypto_key_jwk(key, &jwk), 0);
	assert_int_equal(b64url_decode(jwk.x, strlen(jwk.x), &xb, &xl), 0);
	assert_int_equal(b64url_decode(jwk.y, strlen(jwk.y), &yb, &yl), 0);
	x = (gnutls_datum_t){ xb, (unsigned)xl };
	y = (gnutls_datum_t){ yb, (unsigned)yl };
	r = (gnutls_datum_t){ (uint8_t *)sig, 32 };
	s = (gnutls_datum_t){ (uint8_t *)sig + 32, 32 };
	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	assert_int_equal(gnutls_pubkey_import_ecc_raw(pub, GNUTLS_ECC_CURVE_SECP256R1,
	    &x, &y), 0);
	assert_int_equal(gnutls_encode_rs_value(&der, &r, &s), 0);
	data = (gnutls_datum_t){ (uint8_t *)input, (unsigned)strlen(input) };
	assert_true(gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_ECDSA_SHA256, 0,
	    &data, &der) >= 0);
	gnutls_free(der.data);
	gnutls_pubkey_deinit(pub);
	crypto_jwk_clear(&jwk);
	free(xb);
	free(yb);
}

/* RFC 8555 6.2 / RFC 7515 7.2.2: protected header with kid, payload, and a
 * 64-byte ES256 signature over "protected.payload". */
static void
test_jws_layout(void **state)
{
	struct crypto_key *key = NULL;
	struct crypto_jwk jwk = { 0 };
	char *jws = NULL, *prot, *pay, *sig64, *input;
	uint8_t *sig = NULL, *dec = NULL;
	size_t siglen = 0, declen = 0, len;

	(void)state;
	assert_int_equal(crypto_key_generate(CRYPTO_KEY_P256, &key), 0);
	assert_int_equal(crypto_key_jwk(key, &jwk), 0);
	assert_int_equal(acme_jws_new(key, &jwk, "https://ca/acct/1", "n0nce",
	    "https://ca/order", "{\"a\":1}", &jws), 0);
	prot = member(jws, "protected");
	pay = member(jws, "payload");
	sig64 = member(jws, "signature");
	assert_string_equal(prot, "eyJhbGciOiJFUzI1NiIsImtpZCI6Imh0dHBzOi8vY2Ev"
	    "YWNjdC8xIiwibm9uY2UiOiJuMG5jZSIsInVybCI6Imh0dHBzOi8vY2Evb3JkZXIifQ");
	assert_int_equal(b64url_decode(pay, strlen(pay), &dec, &declen), 0);
	assert_memory_equal(dec, "{\"a\":1}", 7);
	assert_int_equal(b64url_decode(sig64, strlen(sig64), &sig, &siglen), 0);
	len = strlen(prot) + strlen(pay) + 2;
	input = malloc(len);
	snprintf(input, len, "%s.%s", prot, pay);
	verify_es256(key, input, sig, siglen);
	free(input);
	free(prot);
	free(pay);
	free(sig64);
	free(sig);
	free(dec);
	free(jws);
	crypto_jwk_clear(&jwk);
	crypto_key_free(key);
}

/* POST-as-GET: the payload is the empty string (RFC 8555 6.3). */
static void
test_jws_post_as_get_with_jwk(void **state)
{
	struct crypto_key *key = NULL;
	struct crypto_jwk jwk = { 0 };
	char *jws = NULL, *prot;
	uint8_t *dec = NULL;
	size_t declen = 0;

	(void)state;
	assert_int_equal(crypto_key_generate(CRYPTO_KEY_P256, &key), 0);
	assert_int_equal(crypto_key_jwk(key, &jwk), 0);
	assert_int_equal(acme_jws_new(key, &jwk, NULL, "n", "https://ca/x", "",
	    &jws), 0);
	assert_non_null(strstr(jws, "\"payload\":\"\""));
	prot = member(jws, "protected");
	assert_int_equal(b64url_decode(prot, strlen(prot), &dec, &declen), 0);
	assert_non_null(memmem(dec, declen, "\"jwk\":{\"crv\":\"P-256\"", 20));
	assert_null(memmem(dec, declen, "\"kid\"", 5));
	free(prot);
	free(dec);
	free(jws);
	crypto_jwk_clear(&jwk);
	crypto_key_free(key);
}

static void
test_parse_directory(void **state)
{
	struct acme_directory d = { 0 };
	const char *body = "{\"newNonce\":\"https://ca/nonce\","
	    "\"newAccount\":\"https://ca/acct\",\"newOrder\":\"https://ca/order\","
	    "\"revokeCert\":\"https://ca/revoke\",\"keyChange\":\"https://ca/kc\","
	    "\"meta\":{\"termsOfService\":\"https://ca/tos\","
	    "\"externalAccountRequired\":true}}";

	(void)state;
	assert_int_equal(acme_json_directory(body, &d), 0);
	assert_string_equal(d.new_nonce, "https://ca/nonce");
	assert_string_equal(d.new_order, "https://ca/order");
	assert_string_equal(d.terms_of_service, "https://ca/tos");
	assert_int_equal(d.eab_required, 1);
	acme_directory_clear(&d);
	assert_int_not_equal(acme_json_directory("{\"newNonce\":\"x\"}", &d), 0);
	assert_int_not_equal(acme_json_directory("[1,2]", &d), 0);
	assert_int_not_equal(acme_json_directory("not json", &d), 0);
}

/* RFC 8555 7.1.4 example, with an error on the challenge. */
static void
test_parse_authz(void **state)
{
	struct acme_authz a = { 0 };
	const char *body = "{\"status\":\"invalid\",\"identifier\":{\"type\":"
	    "\"dns\",\"value\":\"www.example.org\"},\"wildcard\":true,"
	    "\"challenges\":[{\"url\":\"https://ca/c/1\",\"type\":\"http-01\","
	    "\"status\":\"pending\",\"token\":\"t1\"},{\"url\":\"https://ca/c/2\","
	    "\"type\":\"dns-01\",\"status\":\"invalid\",\"token\":\"t2\","
	    "\"error\":{\"type\":\"urn:ietf:params:acme:error:unauthorized\","
	    "\"detail\":\"no TXT record\"}}]}";

	(void)state;
	assert_int_equal(acme_json_authz(body, &a), 0);
	assert_string_equal(a.identifier, "www.example.org");
	assert_int_equal(a.wildcard, 1);
	assert_int_equal(a.n_challenges, 2);
	assert_string_equal(a.challenges[1].type, "dns-01");
	assert_string_equal(a.challenges[1].token, "t2");
	assert_string_equal(a.challenges[1].error.detail, "no TXT record");
	assert_null(a.challenges[0].error.type);
	acme_authz_clear(&a);
}

static void
test_parse_order_and_problem(void **state)
{
	struct acme_order o = { 0 };
	struct acme_problem p = { 0 };

	(void)state;
	assert_int_equal(acme_json_order("{\"status\":\"pending\",\"identifiers\":"
	    "[{\"type\":\"dns\",\"value\":\"a.test\"}],\"authorizations\":"
	    "[\"https://ca/authz/1\",\"https://ca/authz/2\"],\"finalize\":"
	    "\"https://ca/fin\"}", &o), 0);
	assert_int_equal(o.n_authorizations, 2);
	assert_string_equal(o.authorizations[1], "https://ca/authz/2");
	assert_null(o.certificate);
	acme_order_clear(&o);
	/* RFC 8555 6.7.1 example */
	assert_int_equal(acme_json_problem("{\"type\":\"urn:ietf:params:acme:"
	    "error:malformed\",\"detail\":\"Some of the identifiers requested "
	    "were rejected\",\"subproblems\":[{\"type\":\"urn:ietf:params:acme:"
	    "error:malformed\",\"detail\":\"Invalid underscore in DNS name "
	    "\\\"_example.org\\\"\",\"identifier\":{\"type\":\"dns\",\"value\":"
	    "\"_example.org\"}}]}", &p), 0);
	assert_int_equal(p.n_sub, 1);
	assert_string_equal(p.sub[0].identifier, "_example.org");
	assert_int_equal(acme_fail_problem(&p, "https://ca/order"), -6);
	acme_problem_clear(&p);
}

static void
test_payloads(void **state)
{
	const char *contacts[] = { "mailto:a@example.test" };
	const char *names[] = { "a.test", "*.a.test" };
	char *s = NULL;

	(void)state;
	assert_int_equal(acme_json_new_account(contacts, 1, 1, 0, NULL, &s), 0);
	assert_string_equal(s, "{\"contact\":[\"mailto:a@example.test\"],"
	    "\"termsOfServiceAgreed\":true}");
	free(s);
	assert_int_equal(acme_json_new_account(NULL, 0, 0, 1, NULL, &s), 0);
	assert_string_equal(s, "{\"onlyReturnExisting\":true}");
	free(s);
	assert_int_equal(acme_json_new_order(names, 2, NULL, NULL, &s), 0);
	assert_string_equal(s, "{\"identifiers\":[{\"type\":\"dns\",\"value\":"
	    "\"a.test\"},{\"type\":\"dns\",\"value\":\"*.a.test\"}]}");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thumbprint_rfc7638),
		cmocka_unit_test(test_ec_jwk_member_order),
		cmocka_unit_test(test_dns01_digest),
		cmocka_unit_test(test_jws_layout),
		cmocka_unit_test(test_jws_post_as_get_with_jwk),
		cmocka_unit_test(test_parse_directory),
		cmocka_unit_test(test_parse_authz),
		cmocka_unit_test(test_parse_order_and_problem),
		cmocka_unit_test(test_payloads),
	};
	int rc;

	crypto_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	crypto_deinit();
	return rc;
}
