/* Unit tests for the crypto module (src/crypto_*.c).
 *
 * The tests use GnuTLS directly only to check our output independently:
 * signatures are verified with a public key rebuilt from the JWK, CSRs are
 * parsed back. The key fixtures were made with certtool/openssl for these
 * tests and protect nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"

/* certtool --generate-privkey --key-type rsa --bits 2048 (PKCS#1 PEM) */
static const char rsa2048_pem[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIIEpAIBAAKCAQEArnljXWyVALa9ym+q9q0ykDM0nSjymwf70K5UKnC18SS0h676\n"
	"zd2bJV7o0NJLhQ+VQ50OSbdYDIuxPUqebrVVT3eMWA5XLx8BSK9YHwACkSnTkG0X\n"
	"RvGotsg8Kfio+07sMZHPvFdLOp0o5laOAkCNNj3Oz+LtsT7Da+mzitkZUOeXR0oI\n"
	"RdHBJOZH586vGHn2WS8rJQIHkVs0GpqKwf0OB5AuBW0KtekwQRoFQSgFuf+I/kWV\n"
	"espzEYKDAGOxFqFwpzfZpcxdSjkhOGjU5ewmMWGTmO2cupngdh5wohBPm5PTEDNw\n"
	"ynQCtbJBJHs6n3sS7ge0BkqI3mXb975msSWapQIDAQABAoIBAFjaCqdGJ6+AYLDa\n"
	"I2eSFmDnItEyTDJ1Y2EHlmcylQVkGufKTYFPbLYgWlIV9k2h/PK85czWqOlirnU3\n"
	"Le3VPMfGatthGjcuA/pfCXJoD+abNVmkpKkFYlULLdB2CKBKtfAcgH06u13zMSP0\n"
	"SkeNVhycZ1jpCQEtpFmtXzjDjKftIT1FLP9MD7Jyw61eVXKqpBXpejph1zcMtLX/\n"
	"2F5CZMbjVSDmbx7wJXEqI0t6ZwveXH/z6SqYQlVgTF/zYg7b4b7cQMoB8y+QAmHC\n"
	"k0AluSGVwQFG96rH+KXChhNIT8yNEwhNnFdL/WhXHGy1W5VurIlddo5e6xVki2bp\n"
	"hfuSHaECgYEA35H5oQ1rpy8RxDTUxSVHM69d0xghU+gwoADDdH1e6ytv3DAwzzm7\n"
	"Uq10XtmpQ462+JfM4dPo6mAGtRc55qnGkBOJNyoVqJaQbwSNYkisiLcuZ2OSOrJf\n"
	"AUikkXZ86NukOMtHWtaC3wxaBYRc6mc3h8t3sf7Uzb/9zwOiL9TmkqkCgYEAx8hJ\n"
	"mPWU2E4ouCIPHcVzhgozJ+1d/k9if2aX/roLvv8iF2XhLT71pWtVqNDT25BQo1/d\n"
	"NsQaHIkd92fjUpSyEOcHZEgpsQgKKCMNOoXM3RfnibPtOI1v5teqdRj60DAzeT7F\n"
	"9XgrbdT0Y5MIy606XLyD72/1O5KhoksAT2WzAZ0CgYEAmIPYq4mgOvjdQeBYlfUM\n"
	"UbH8a5k2gysOoNhkff9Y1U1YjflCEtvrckdp75rE4ZVmNMg5uIT7i4fei4NAuJ5x\n"
	"GrB5FuzawZuVBGcynC2/pbRxL465ntk3/oQz4BfYtnG/4g6qqslTlh2y+7iEOlQX\n"
	"ice/6+lP+txSpPpxlffDI6ECgYAYdp0UftXoGsH/siP5uEjqG+uhsv40etIL2as5\n"
	"BN0VWTZ6eP42xSPdSqRllJSsqSJGryFuaFruLZgeyHjcjtqzGScdj3yTcfGUcp5X\n"
	"ETVByYCPqxmcOC2Ard3wkst7nLtg2F/zK/DddRsr6kBEeITSAD+DnUkBL3ZdYiO6\n"
	"lTBzPQKBgQC2TMyI3PQ1CGIGnLhxrwJYL+w+ksT5ewEeE4/cl10MI3mbz+zoa9DA\n"
	"JdFGYY07XUFMi9+PhywRLGr+iJVkbIdqwKLBBUuuUkB7huaSlqYEE6wHgtctU8KA\n"
	"b8d1IW+enxdGmWJXpibPk1xG9M4qOcRYVhAtPDf+S7kavOAYsFDNoA==\n"
	"-----END RSA PRIVATE KEY-----\n";

/* certtool --generate-privkey --key-type ecdsa --curve secp384r1 (SEC1) */
static const char p384_pem[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MIGlAgEBBDEAvOR+XbL/9F5fa5jSI8cg6pO378Ujhr/E+PVWYfKw5aUgSNR5vc/C\n"
	"SpMy10Ac8xdkoAcGBSuBBAAioWQDYgAEK38lX4LyUPKkwu2BfMNckmGi/enknF56\n"
	"D8E4WOnKRzJMOSt0YHjag+8ZEAwv/cPtQev5uhDQDTht50ssf6TZUaiwVeDoJzRC\n"
	"c3EFQaSoa2JBIohcLNB87ISG/u5NTog6\n"
	"-----END EC PRIVATE KEY-----\n";

/* certtool --generate-privkey --key-type ed25519 (PKCS#8): unsupported */
static const char ed25519_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIGwfOMofJqxUGY3rySzgVGFCPcvU/9DeJiOdoHeNPhqb\n"
	"-----END PRIVATE KEY-----\n";

/* A P-256 key (SEC1) whose public x coordinate starts with a zero octet,
 * found by generating keys until one did. */
static const char p256_lz_pem[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIOiP5we9o5tTSkYkKUo824Yn5LYxaQvgIgSJ/Ag+Oo5zoAoGCCqGSM49\n"
	"AwEHoUQDQgAEAMl2J4An/vgitM34XQ5jNPBtZB+OwD6jg1+f46pm01EEPdpd2+KQ\n"
	"rcS57Xc/aBfELo9bzIF3H1ovJMYLlz3Vkw==\n"
	"-----END EC PRIVATE KEY-----\n";

/* x and y of p256_lz_pem (x[0] == 0x00). */
static const char p256_lz_x[] = "AMl2J4An_vgitM34XQ5jNPBtZB-OwD6jg1-f46pm01E";
static const char p256_lz_y[] = "BD3aXdvikK3Eue13P2gXxC6PW8yBdx9aLyTGC5c91ZM";

/* ---- helpers ---- */

static void
check_b64(const void *data, size_t len, const char *want)
{
	char *enc = NULL;
	uint8_t *dec = NULL;
	size_t declen = 0;

	assert_int_equal(b64url_encode(data, len, &enc), 0);
	assert_string_equal(enc, want);
	assert_int_equal(b64url_decode(enc, strlen(enc), &dec, &declen), 0);
	assert_int_equal(declen, len);
	if (len > 0)
		assert_memory_equal(dec, data, len);
	free(enc);
	free(dec);
}

static void
b64_bytes(const char *s, uint8_t **out, size_t *len)
{
	assert_non_null(s);
	assert_int_equal(b64url_decode(s, strlen(s), out, len), 0);
}

static gnutls_datum_t
datum(const void *p, size_t len)
{
	gnutls_datum_t d;

	d.data = (unsigned char *)p;
	d.size = (unsigned int)len;
	return d;
}

/* Public key rebuilt from the JWK alone: checks the JWK is right. */
static gnutls_pubkey_t
jwk_pubkey(const struct crypto_jwk *jwk)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t a, b;
	uint8_t *p = NULL, *q = NULL;
	size_t plen, qlen;
	gnutls_ecc_curve_t curve;

	assert_int_equal(gnutls_pubkey_init(&pub), 0);
	if (strcmp(jwk->kty, "RSA") == 0) {
		b64_bytes(jwk->n, &p, &plen);
		b64_bytes(jwk->e, &q, &qlen);
		a = datum(p, plen);
		b = datum(q, qlen);
		assert_int_equal(gnutls_pubkey_import_rsa_raw(pub, &a, &b), 0);
	} else {
		b64_bytes(jwk->x, &p, &plen);
		b64_bytes(jwk->y, &q, &qlen);
		curve = strcmp(jwk->crv, "P-384") == 0 ?
		        GNUTLS_ECC_CURVE_SECP384R1 : GNUTLS_ECC_CURVE_SECP256R1;
		a = datum(p, plen);
		b = datum(q, qlen);
		assert_int_equal(gnutls_pubkey_import_ecc_raw(pub, curve, &a, &b),
		                 0);
	}
	free(p);
	free(q);
	return pub;
}

/* Verify a JWS-form signature (r||s for EC) with GnuTLS. */
static int
verify_jws(const struct crypto_key *key, gnutls_sign_algorithm_t algo,
           const void *msg, size_t len, const uint8_t *sig, size_t siglen)
{
	struct crypto_jwk jwk = { 0 };
	gnutls_pubkey_t pub;
	gnutls_datum_t data = datum(msg, len), der = { NULL, 0 }, r, s;
	int ret;

	assert_int_equal(crypto_key_jwk(key, &jwk), 0);
	pub = jwk_pubkey(&jwk);
	if (strcmp(jwk.kty, "EC") == 0) {
		r = datum(sig, siglen / 2);
		s = datum(sig + siglen / 2, siglen / 2);
		assert_int_equal(gnutls_encode_rs_value(&der, &r, &s), 0);
	} else {
		der = datum(sig, siglen);
	}
	ret = gnutls_pubkey_verify_data2(pub, algo, 0, &data, &der);
	if (strcmp(jwk.kty, "EC") == 0)
		gnutls_free(der.data);
	gnutls_pubkey_deinit(pub);
	crypto_jwk_clear(&jwk);
	return ret;
}

static struct crypto_key *
load(const char *pem)
{
	struct crypto_key *key = NULL;

	assert_int_equal(crypto_key_from_pem(pem, strlen(pem), &key), 0);
	assert_non_null(key);
	return key;
}

/* ---- base64url ---- */

/* RFC 4648 10 vectors; the url alphabet only differs in '-' and '_', and
 * we drop the padding (RFC 7515 2). */
static void
test_b64url_rfc4648(void **state)
{
	(void)state;
	check_b64("", 0, "");
	check_b64("f", 1, "Zg");
	check_b64("fo", 2, "Zm8");
	check_b64("foo", 3, "Zm9v");
	check_b64("foob", 4, "Zm9vYg");
	check_b64("fooba", 5, "Zm9vYmE");
	check_b64("foobar", 6, "Zm9vYmFy");
}

static void
test_b64url_alphabet(void **state)
{
	static const uint8_t fbff[] = { 0xfb, 0xff };
	static const uint8_t all[] = { 0xfb, 0xef, 0xbe, 0xff, 0xff, 0xff };

	(void)state;
	check_b64(fbff, sizeof(fbff), "-_8");
	check_b64(all, sizeof(all), "----____");
}

static void
test_b64url_padding_accepted(void **state)
{
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(b64url_decode("Zg==", 4, &out, &len), 0);
	assert_int_equal(len, 1);
	assert_memory_equal(out, "f", 1);
	free(out);
	assert_int_equal(b64url_decode("Zm8=", 4, &out, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(out, "fo", 2);
	free(out);
}

static void
test_b64url_roundtrip(void **state)
{
	uint8_t data[100], *dec = NULL;
	size_t i, len, declen;
	char *enc = NULL;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	for (len = 0; len <= sizeof(data); len++) {
		assert_int_equal(b64url_encode(data, len, &enc), 0);
		assert_int_equal(strlen(enc), (len * 4 + 2) / 3);
		assert_null(strchr(enc, '='));
		assert_int_equal(b64url_decode(enc, strlen(enc), &dec, &declen),
		                 0);
		assert_int_equal(declen, len);
		if (len > 0)
			assert_memory_equal(dec, data, len);
		free(enc);
		free(dec);
	}
}

static void
test_b64url_invalid(void **state)
{
	static const char *const bad[] = {
		"Zm9v+A",  /* standard alphabet */
		"Zm9v/A",
		"Zm9vY",   /* length 1 mod 4 */
		"Zh",      /* non-zero unused bits */
		"Zg=",     /* partial padding */
		"Zg===",
		"Zm 9v",   /* whitespace */
		"Zm9v\n",
		"=Zg",
		"Zg==Zg",
	};
	uint8_t *out = (uint8_t *)"untouched";
	size_t i, len = 12345;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(b64url_decode(bad[i], strlen(bad[i]), &out,
		                               &len), ACMEUP_EINVAL);
		assert_string_equal((char *)out, "untouched");
		assert_int_equal(len, 12345);
	}
	/* An embedded NUL is an invalid character too. */
	assert_int_equal(b64url_decode("Zm\0v", 4, &out, &len), ACMEUP_EINVAL);
}

/* ---- SHA-256 ---- */

/* FIPS 180-2 appendix B.1 */
static void
test_sha256_abc(void **state)
{
	static const uint8_t want[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	uint8_t out[32];

	(void)state;
	assert_int_equal(crypto_sha256("abc", 3, out), 0);
	assert_memory_equal(out, want, 32);
}

/* ---- keys and JWK ---- */

static void
check_ec_jwk(const struct crypto_jwk *jwk, const char *crv, size_t field)
{
	uint8_t *x = NULL, *y = NULL;
	size_t xlen = 0, ylen = 0;

	assert_string_equal(jwk->kty, "EC");
	assert_string_equal(jwk->crv, crv);
	assert_null(jwk->n);
	assert_null(jwk->e);
	b64_bytes(jwk->x, &x, &xlen);
	b64_bytes(jwk->y, &y, &ylen);
	assert_int_equal(xlen, field);
	assert_int_equal(ylen, field);
	free(x);
	free(y);
}

static void
test_key_p256_roundtrip(void **state)
{
	struct crypto_key *key = NULL, *back = NULL;
	struct crypto_jwk a = { 0 }, b = { 0 };
	char *pem = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(crypto_key_generate(CRYPTO_KEY_P256, &key), 0);
	assert_string_equal(crypto_key_jws_alg(key), "ES256");
	assert_int_equal(crypto_key_to_pem(key, &pem, &len), 0);
	assert_int_equal(strlen(pem), len);
	assert_true(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	assert_int_equal(crypto_key_from_pem(pem, len, &back), 0);
	assert_int_equal(crypto_key_jwk(key, &a), 0);
	assert_int_equal(crypto_key_jwk(back, &b), 0);
	check_ec_jwk(&a, "P-256", 32);
	assert_string_equal(a.x, b.x);
	assert_string_equal(a.y, b.y);
	assert_string_equal(b.crv, "P-256");
	explicit_bzero(pem, len);
	free(pem);
	crypto_jwk_clear(&a);
	crypto_jwk_clear(&b);
	crypto_jwk_clear(NULL);
	crypto_key_free(key);
	crypto_key_free(back);
	crypto_key_free(NULL);
}

/* RFC 7518 6.2.1.2: x is the full 32 octets, leading zero included. */
static void
test_key_p256_leading_zero(void **state)
{
	struct crypto_key *key = load(p256_lz_pem);
	struct crypto_jwk jwk = { 0 };

	(void)state;
	assert_int_equal(crypto_key_jwk(key, &jwk), 0);
	check_ec_jwk(&jwk, "P-256", 32);
	assert_string_equal(jwk.x, p256_lz_x);
	assert_string_equal(jwk.y, p256_lz_y);
	crypto_jwk_clear(&jwk);
	crypto_key_free(key);
}

static void
test_key_p384(void **state)
{
	struct crypto_key *key = load(p384_pem);
	struct crypto_jwk jwk = { 0 };
	uint8_t *sig = NULL;
	size_t siglen = 0;

	(void)state;
	assert_string_equal(crypto_key_jws_alg(key), "ES384");
	assert_int_equal(crypto_key_jwk(key, &jwk), 0);
	check_ec_jwk(&jwk, "P-384", 48);
	assert_int_equal(crypto_sign(key, "abc", 3, &sig, &siglen), 0);
	assert_int_equal(siglen, 96);
	assert_int_equal(verify_jws(key, GNUTLS_SIGN_ECDSA_SHA384, "abc", 3,
	                            sig, siglen), 0);
	free(sig);
	crypto_jwk_clear(&jwk);
	crypto_key_free(key);
}

/* RFC 7518 6.3.1: n and e carry no leading zero octets (RFC 7638 3.3 hashes
 * exactly these strings, so a stray zero would change the thumbprint). */
static void
test_key_rsa_jwk(void **state)
{
	struct crypto_key *key = load(rsa2048_pem);
	struct crypto_jwk jwk = { 0 };
	uint8_t *n = NULL;
	size_t nlen = 0;
	char *pem = NULL;
	size_t len = 0;

	(void)state;
	assert_string_equal(crypto_key_jws_alg(key), "RS256");
	assert_int_equal(crypto_key_jwk(key, &jwk), 0);
	assert_string_equal(jwk.kty, "RSA");
	assert_null(jwk.crv);
	assert_null(jwk.x);
	assert_null(jwk.y);
	assert_string_equal(jwk.e, "AQAB");
	b64_bytes(jwk.n, &n, &nlen);
	assert_int_equal(nlen, 256);
	assert_true(n[0] >= 0x80);
	assert_true(jwk.n[0] != 'A'); /* "A" would be six zero bits */
	/* PKCS#1 in, PKCS#8 out. */
	assert_int_equal(crypto_key_to_pem(key, &pem, &len), 0);
	assert_true(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	explicit_bzero(pem, len);
	free(pem);
	free(n);
	crypto_jwk_clear(&jwk);
	crypto_key_free(key);
}

static void
test_key_rejected(void **state)
{
	static const char junk[] = "-----BEGIN PRIVATE KEY-----\n"
	                           "Zm9vYmFy\n-----END PRIVATE KEY-----\n";
	struct crypto_key *key = NULL;

	(void)state;
	acmeup_err_clear();
	assert_int_equal(crypto_key_from_pem(ed25519_pem, strlen(ed25519_pem),
	                                     &key), ACMEUP_ECRYPTO);
	assert_non_null(strstr(acmeup_errmsg(ACMEUP_ECRYPTO), "not supported"));
	assert_int_equal(crypto_key_from_pem(junk, strlen(junk), &key),
	                 ACMEUP_ECRYPTO);
	assert_int_equal(crypto_key_from_pem("", 0, &key), ACMEUP_EINVAL);
	assert_null(key);
}

/* ---- signatures ---- */

static void
test_sign_es256(void **state)
{
	static const char msg[] = "eyJhbGciOiJFUzI1NiJ9.eyJmb28iOiJiYXIifQ";
	struct crypto_key *key = NULL;
	uint8_t *sig = NULL;
	size_t siglen = 0;

	(void)state;
	assert_int_equal(crypto_key_generate(CRYPTO_KEY_P256, &key), 0);
	assert_int_equal(crypto_sign(key, msg, strlen(msg), &sig, &siglen), 0);
	assert_int_equal(siglen, 64);
	assert_int_equal(verify_jws(key, GNUTLS_SIGN_ECDSA_SHA256, msg,
	                            strlen(msg), sig, siglen), 0);
	sig[10] ^= 0x01;
	assert_true(verify_jws(key, GNUTLS_SIGN_ECDSA_SHA256, msg, strlen(msg),
	                       sig, siglen) < 0);
	sig[10] ^= 0x01;
	assert_true(verify_jws(key, GNUTLS_SIGN_ECDSA_SHA256, "x", 1, sig,
	                       siglen) < 0);
	free(sig);
	crypto_key_free(key);
}

/* About 1 in 128 signatures has r or s below 2^248; those must be padded
 * to 32 octets (RFC 7518 3.4). Sign until one turns up and verify it. */
static void
test_sign_es256_short_rs(void **state)
{
	struct crypto_key *key = load(p256_lz_pem);
	uint8_t *sig = NULL;
	size_t siglen = 0;
	int i, found = 0;

	(void)state;
	for (i = 0; i < 4000 && !found; i++) {
		free(sig);
		sig = NULL;
		assert_int_equal(crypto_sign(key, &i, sizeof(i), &sig, &siglen),
		                 0);
		assert_int_equal(siglen, 64);
		found = sig[0] == 0 || sig[32] == 0;
	}
	assert_true(found);
	i--;
	assert_int_equal(verify_jws(key, GNUTLS_SIGN_ECDSA_SHA256, &i,
	                            sizeof(i), sig, siglen), 0);
	free(sig);
	crypto_key_free(key);
}

static void
test_sign_rs256(void **state)
{
	struct crypto_key *key = load(rsa2048_pem);
	uint8_t *sig = NULL;
	size_t siglen = 0;

	(void)state;
	assert_int_equal(crypto_sign(key, "abc", 3, &sig, &siglen), 0);
	assert_int_equal(siglen, 256);
	assert_int_equal(verify_jws(key, GNUTLS_SIGN_RSA_SHA256, "abc", 3, sig,
	                            siglen), 0);
	sig[100] ^= 0x80;
	assert_true(verify_jws(key, GNUTLS_SIGN_RSA_SHA256, "abc", 3, sig,
	                       siglen) < 0);
	free(sig);
	crypto_key_free(key);
}

/* ---- CSR ---- */

static gnutls_x509_crq_t
csr_parse(const uint8_t *der, size_t len)
{
	gnutls_x509_crq_t crq;
	gnutls_datum_t d = datum(der, len);

	assert_int_equal(gnutls_x509_crq_init(&crq), 0);
	assert_int_equal(gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_DER),
	                 0);
	assert_int_equal(gnutls_x509_crq_verify(crq, 0), 0);
	assert_int_equal(gnutls_x509_crq_get_version(crq), 1);
	return crq;
}

/* The SANs are names[0..n), critical only when the subject is empty. */
static void
csr_check_sans(gnutls_x509_crq_t crq, const char *const *names, size_t n,
               unsigned want_critical)
{
	char buf[300];
	size_t i, len;
	unsigned int critical;

	for (i = 0; i < n; i++) {
		len = sizeof(buf);
		assert_int_equal(gnutls_x509_crq_get_subject_alt_name(crq,
		                 (unsigned)i, buf, &len, NULL, &critical),
		                 GNUTLS_SAN_DNSNAME);
		assert_int_equal(len, strlen(names[i]));
		assert_memory_equal(buf, names[i], len);
		assert_int_equal(critical, want_critical);
	}
	len = sizeof(buf);
	assert_int_equal(gnutls_x509_crq_get_subject_alt_name(crq, (unsigned)n,
	                 buf, &len, NULL, &critical),
	                 GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);
}

/* The CSR carries our key: compare key IDs with the JWK's public key. */
static void
csr_check_key(gnutls_x509_crq_t crq, const struct crypto_key *key)
{
	struct crypto_jwk jwk = { 0 };
	gnutls_pubkey_t pub;
	uint8_t a[64], b[64];
	size_t alen = sizeof(a), blen = sizeof(b);

	assert_int_equal(crypto_key_jwk(key, &jwk), 0);
	pub = jwk_pubkey(&jwk);
	assert_int_equal(gnutls_pubkey_get_key_id(pub, 0, a, &alen), 0);
	assert_int_equal(gnutls_x509_crq_get_key_id(crq, 0, b, &blen), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	gnutls_pubkey_deinit(pub);
	crypto_jwk_clear(&jwk);
}

static void
test_csr_two_names(void **state)
{
	static const char *const names[] = { "www.example.test",
	                                     "*.example.test" };
	struct crypto_key *key = NULL;
	gnutls_x509_crq_t crq;
	uint8_t *der = NULL;
	size_t len = 0, cnlen;
	char cn[100];

	(void)state;
	assert_int_equal(crypto_key_generate(CRYPTO_KEY_P256, &key), 0);
	assert_int_equal(crypto_csr_new(key, names, 2, &der, &len), 0);
	crq = csr_parse(der, len);
	cnlen = sizeof(cn);
	assert_int_equal(gnutls_x509_crq_get_dn_by_oid(crq,
	                 GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cnlen), 0);
	assert_string_equal(cn, names[0]);
	csr_check_sans(crq, names, 2, 0);
	csr_check_key(crq, key);
	gnutls_x509_crq_deinit(crq);
	free(der);
	crypto_key_free(key);
}

/* A first name longer than ub-common-name (64) is left out of the subject;
 * the CA reads the SANs (RFC 8555 7.4), then critical (RFC 5280 4.2.1.6). */
static void
test_csr_long_name_rsa(void **state)
{
	static const char *const names[] = {
		"a-rather-long-label-for-testing-purposes-only-1234567890"
		".example.test",
	};
	struct crypto_key *key = load(rsa2048_pem);
	gnutls_x509_crq_t crq;
	uint8_t *der = NULL;
	size_t len = 0, cnlen;
	char cn[100];

	(void)state;
	assert_true(strlen(names[0]) > 64);
	assert_int_equal(crypto_csr_new(key, names, 1, &der, &len), 0);
	crq = csr_parse(der, len);
	cnlen = sizeof(cn);
	assert_int_equal(gnutls_x509_crq_get_dn_by_oid(crq,
	                 GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cnlen),
	                 GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);
	csr_check_sans(crq, names, 1, 1);
	csr_check_key(crq, key);
	gnutls_x509_crq_deinit(crq);
	free(der);
	crypto_key_free(key);
}

static void
test_csr_bad_names(void **state)
{
	static const char *const empty[] = { "example.test", "" };
	struct crypto_key *key = load(p256_lz_pem);
	uint8_t *der = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(crypto_csr_new(key, empty, 0, &der, &len),
	                 ACMEUP_EINVAL);
	assert_int_equal(crypto_csr_new(key, empty, 2, &der, &len),
	                 ACMEUP_EINVAL);
	assert_null(der);
	crypto_key_free(key);
}

static int
setup(void **state)
{
	(void)state;
	return crypto_init() == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	crypto_deinit();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url_rfc4648),
		cmocka_unit_test(test_b64url_alphabet),
		cmocka_unit_test(test_b64url_padding_accepted),
		cmocka_unit_test(test_b64url_roundtrip),
		cmocka_unit_test(test_b64url_invalid),
		cmocka_unit_test(test_sha256_abc),
		cmocka_unit_test(test_key_p256_roundtrip),
		cmocka_unit_test(test_key_p256_leading_zero),
		cmocka_unit_test(test_key_p384),
		cmocka_unit_test(test_key_rsa_jwk),
		cmocka_unit_test(test_key_rejected),
		cmocka_unit_test(test_sign_es256),
		cmocka_unit_test(test_sign_es256_short_rs),
		cmocka_unit_test(test_sign_rs256),
		cmocka_unit_test(test_csr_two_names),
		cmocka_unit_test(test_csr_long_name_rsa),
		cmocka_unit_test(test_csr_bad_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
