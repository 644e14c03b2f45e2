/* Certificates and CSRs in the crypto module: chain issuer ranking
 * (--preferred-chain), key match (revoke --cert-key, --reuse-key), validity,
 * ARI identifier of a certificate with a high-bit serial, DER of the leaf,
 * CSR loading (--csr). The test chain root -> intermediate -> leaf is made
 * here with GnuTLS directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "crypto_internal.h"

struct ca {
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
};

static time_t now;

static void
make_cert(struct ca *out, const char *cn, const struct ca *issuer, int is_ca,
          const uint8_t *serial, size_t serial_len, gnutls_x509_privkey_t key)
{
	uint8_t kid[64];
	size_t kid_len = sizeof(kid);

	out->key = key;
	if (out->key == NULL) {
		assert_int_equal(gnutls_x509_privkey_init(&out->key), 0);
		assert_int_equal(gnutls_x509_privkey_generate(out->key,
		    GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(
		    GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	}
	assert_int_equal(gnutls_x509_crt_init(&out->crt), 0);
	assert_int_equal(gnutls_x509_crt_set_version(out->crt, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(out->crt, serial,
	    serial_len), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(out->crt, now), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(out->crt,
	    now + 90 * 86400), 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(out->crt,
	    GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn)), 0);
	assert_int_equal(gnutls_x509_crt_set_key(out->crt, out->key), 0);
	assert_int_equal(gnutls_x509_crt_set_basic_constraints(out->crt, is_ca,
	    -1), 0);
	assert_int_equal(gnutls_x509_crt_get_key_id(out->crt, 0, kid,
	    &kid_len), 0);
	assert_int_equal(gnutls_x509_crt_set_subject_key_id(out->crt, kid,
	    kid_len), 0);
	if (issuer == NULL)
		issuer = out;
	kid_len = sizeof(kid);
	assert_int_equal(gnutls_x509_crt_get_subject_key_id(issuer->crt, kid,
	    &kid_len, NULL), 0);
	assert_int_equal(gnutls_x509_crt_set_authority_key_id(out->crt, kid,
	    kid_len), 0);
	assert_int_equal(gnutls_x509_crt_sign2(out->crt, issuer->crt,
	    issuer->key, GNUTLS_DIG_SHA256, 0), 0);
}

static void
ca_free(struct ca *c)
{
	gnutls_x509_crt_deinit(c->crt);
	gnutls_x509_privkey_deinit(c->key);
}

/* Append crt as PEM to buf. */
static void
append_pem(char *buf, size_t size, gnutls_x509_crt_t crt)
{
	gnutls_datum_t d = { NULL, 0 };
	size_t used = strlen(buf);

	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d),
	    0);
	assert_true(used + d.size < size);
	memcpy(buf + used, d.data, d.size);
	buf[used + d.size] = '\0';
	gnutls_free(d.data);
}

static struct ca root, inter, leaf;
static char chain[16384];
static struct crypto_key *leaf_key;

static int
setup(void **state)
{
	static const uint8_t s1[] = { 1 }, s2[] = { 2 };
	static const uint8_t s3[] = { 0x80, 0x01, 0x02 }; /* high bit set */
	gnutls_datum_t d = { NULL, 0 };

	(void)state;
	crypto_init();
	now = time(NULL);
	assert_int_equal(crypto_key_generate(CRYPTO_KEY_P256, &leaf_key), 0);
	make_cert(&root, "Test Root X", NULL, 1, s1, 1, NULL);
	make_cert(&inter, "Test Inter", &root, 1, s2, 1, NULL);
	/* the leaf's key is leaf_key, through its PEM */
	{
		char *pem = NULL;
		size_t len = 0;
		gnutls_x509_privkey_t k;

		assert_int_equal(crypto_key_to_pem(leaf_key, &pem, &len), 0);
		d.data = (unsigned char *)pem;
		d.size = (unsigned)len;
		assert_int_equal(gnutls_x509_privkey_init(&k), 0);
		assert_int_equal(gnutls_x509_privkey_import(k, &d,
		    GNUTLS_X509_FMT_PEM), 0);
		free(pem);
		make_cert(&leaf, "leaf.example.test", &inter, 0, s3, 3, k);
	}
	chain[0] = '\0';
	append_pem(chain, sizeof(chain), leaf.crt);
	append_pem(chain, sizeof(chain), inter.crt);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ca_free(&leaf);
	ca_free(&inter);
	ca_free(&root);
	crypto_key_free(leaf_key);
	crypto_deinit();
	return 0;
}

/* --preferred-chain: the topmost certificate's issuer ranks 2, another
 * issuer 1, a stranger 0. */
static void
test_chain_rank(void **state)
{
	char *top = NULL;
	int rank = -1;

	(void)state;
	assert_int_equal(crypto_chain_issuer_rank(chain, strlen(chain),
	    "Test Root X", &rank), 0);
	assert_int_equal(rank, 2);
	assert_int_equal(crypto_chain_issuer_rank(chain, strlen(chain),
	    "Test Inter", &rank), 0);
	assert_int_equal(rank, 1);
	assert_int_equal(crypto_chain_issuer_rank(chain, strlen(chain),
	    "Someone Else", &rank), 0);
	assert_int_equal(rank, 0);
	assert_int_equal(crypto_chain_top_issuer(chain, strlen(chain), &top), 0);
	assert_string_equal(top, "Test Root X");
	free(top);
}

static void
test_key_matches(void **state)
{
	struct crypto_key *other = NULL;

	(void)state;
	assert_int_equal(crypto_cert_key_matches(chain, strlen(chain),
	    leaf_key), 0);
	assert_int_equal(crypto_key_generate(CRYPTO_KEY_P256, &other), 0);
	assert_int_equal(crypto_cert_key_matches(chain, strlen(chain), other),
	    ACMEUP_ECRYPTO);
	assert_int_equal(crypto_key_same_public(leaf_key, leaf_key), 1);
	assert_int_equal(crypto_key_same_public(leaf_key, other), 0);
	crypto_key_free(other);
}

static void
test_validity_and_der(void **state)
{
	long long nb = 0, na = 0;
	uint8_t *der = NULL;
	size_t len = 0;
	gnutls_datum_t d = { NULL, 0 };

	(void)state;
	assert_int_equal(crypto_cert_validity(chain, strlen(chain), &nb, &na),
	    0);
	assert_int_equal(nb, (long long)now);
	assert_int_equal(na - nb, 90 * 86400LL);
	/* the DER is the leaf's, not the intermediate's */
	assert_int_equal(crypto_cert_der(chain, strlen(chain), &der, &len), 0);
	assert_int_equal(gnutls_x509_crt_export2(leaf.crt, GNUTLS_X509_FMT_DER,
	    &d), 0);
	assert_int_equal(len, d.size);
	assert_memory_equal(der, d.data, len);
	gnutls_free(d.data);
	free(der);
}

/* list: the leaf's dNSName SANs, lower-cased, each once, in order; other
 * SAN types left out; none for a certificate without SANs. */
static void
test_cert_names(void **state)
{
	static const uint8_t s9[] = { 9 };
	static const char *const sans[] = { "b.Example.test", "*.a.example.test",
	    "B.example.test" };
	struct ca c;
	char pem[8192] = "", **names = NULL;
	size_t n = 99, i;

	(void)state;
	assert_int_equal(crypto_cert_names(chain, strlen(chain), &names, &n), 0);
	assert_int_equal(n, 0);
	crypto_names_free(names, n);
	memset(&c, 0, sizeof(c));
	make_cert(&c, "san.example.test", NULL, 0, s9, 1, NULL);
	for (i = 0; i < 3; i++)
		assert_int_equal(gnutls_x509_crt_set_subject_alt_name(c.crt,
		    GNUTLS_SAN_DNSNAME, sans[i], (unsigned)strlen(sans[i]),
		    GNUTLS_FSAN_APPEND), 0);
	assert_int_equal(gnutls_x509_crt_set_subject_alt_name(c.crt,
	    GNUTLS_SAN_RFC822NAME, "pki@example.test", 16,
	    GNUTLS_FSAN_APPEND), 0);
	assert_int_equal(gnutls_x509_crt_sign2(c.crt, c.crt, c.key,
	    GNUTLS_DIG_SHA256, 0), 0);
	append_pem(pem, sizeof(pem), c.crt);
	assert_int_equal(crypto_cert_names(pem, strlen(pem), &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "b.example.test");
	assert_string_equal(names[1], "*.a.example.test");
	crypto_names_free(names, n);
	ca_free(&c);
}

/* RFC 9773 4.1: a serial with its high bit set keeps a zero octet. */
static void
test_ari_id_high_bit_serial(void **state)
{
	uint8_t kid[64];
	size_t kid_len = sizeof(kid);
	char *id = NULL, *aki = NULL, want[128];

	(void)state;
	assert_int_equal(gnutls_x509_crt_get_subject_key_id(inter.crt, kid,
	    &kid_len, NULL), 0);
	assert_int_equal(b64url_encode(kid, kid_len, &aki), 0);
	snprintf(want, sizeof(want), "%s.AIABAg", aki);
	assert_int_equal(crypto_cert_ari_id(chain, strlen(chain), &id), 0);
	assert_string_equal(id, want);
	free(id);
	free(aki);
}

/* --csr: names from the SANs and the CN, lower-cased, without repeats; a
 * tampered CSR does not verify. */
static void
test_csr_load(void **state)
{
	const char *names[] = { "Host1.Example.Test", "*.host1.example.test" };
	uint8_t *der = NULL, *back = NULL;
	size_t len = 0, blen = 0, n = 0;
	char **got = NULL;

	(void)state;
	assert_int_equal(crypto_csr_new(leaf_key, names, 2, &der, &len), 0);
	assert_int_equal(crypto_csr_load((const char *)der, len, &back, &blen,
	    &got, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(got[0], "host1.example.test");
	assert_string_equal(got[1], "*.host1.example.test");
	assert_int_equal(blen, len);
	assert_memory_equal(back, der, len);
	crypto_names_free(got, n);
	free(back);
	got = NULL;
	der[len - 5] ^= 0x01; /* inside the signature */
	assert_int_equal(crypto_csr_load((const char *)der, len, &back, &blen,
	    &got, &n), ACMEUP_ECRYPTO);
	assert_null(got);
	assert_int_equal(crypto_csr_load("junk", 4, &back, &blen, &got, &n),
	    ACMEUP_ECRYPTO);
	free(der);
}

/* A subjectAltName with a NUL inside ("a.test\0.evil") is refused, and
 * never read past its copy (fuzz_pem found the over-read). */
static void
test_names_add_nul(void **state)
{
	static const char evil[] = { 'a', '.', 't', '\0', '.', 'e', 'v' };
	char **names = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(crypto_names_add(&names, &n, evil, sizeof(evil)),
	    ACMEUP_EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(crypto_names_add(&names, &n, "A.Test", 6), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "a.test");
	crypto_names_free(names, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_rank),
		cmocka_unit_test(test_key_matches),
		cmocka_unit_test(test_validity_and_der),
		cmocka_unit_test(test_cert_names),
		cmocka_unit_test(test_ari_id_high_bit_serial),
		cmocka_unit_test(test_csr_load),
		cmocka_unit_test(test_names_add_nul),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
