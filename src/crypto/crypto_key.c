/* Private keys: generation, PEM import/export, JWS algorithm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acmeup/error.h"
#include "crypto_internal.h"

/* Smallest RSA modulus we accept for an ACME account or certificate key. */
#define RSA_MIN_BITS 2048

static int
key_fail(const char *what, int ret)
{
	return acmeup_fail(ACMEUP_ECRYPTO, "%s: %s", what, gnutls_strerror(ret));
}

/* Record the curve of an EC key; only P-256 and P-384 have JWS algorithms
 * we use (RFC 7518 3.4). */
static int
key_set_curve(struct crypto_key *key)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
	int ret;

	ret = crypto_key_pubkey(key, &pub);
	if (ret < 0)
		goto out;
	ret = gnutls_pubkey_export_ecc_raw2(pub, &key->curve, &x, &y, 0);
	if (ret < 0) {
		ret = key_fail("EC public key", ret);
		goto out;
	}
	if (key->curve != GNUTLS_ECC_CURVE_SECP256R1 &&
	    key->curve != GNUTLS_ECC_CURVE_SECP384R1) {
		ret = acmeup_fail(ACMEUP_ECRYPTO, "EC curve %s is not supported "
		                  "(use P-256 or P-384)",
		                  gnutls_ecc_curve_get_name(key->curve));
		goto out;
	}
	key->field = (size_t)gnutls_ecc_curve_get_size(key->curve);
	ret = 0;
out:
	gnutls_free(x.data);
	gnutls_free(y.data);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	return ret;
}

/* Wrap x509 (ownership taken, also on failure) into a new crypto_key after
 * checking that its type is one we can use. */
static int
key_wrap(gnutls_x509_privkey_t x509, struct crypto_key **out)
{
	struct crypto_key *key;
	int ret;

	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		gnutls_x509_privkey_deinit(x509);
		return acmeup_fail(ACMEUP_ENOMEM, "crypto: out of memory");
	}
	key->x509 = x509;
	ret = gnutls_privkey_init(&key->priv);
	if (ret >= 0)
		ret = gnutls_privkey_import_x509(key->priv, x509, 0);
	if (ret < 0) {
		ret = key_fail("private key", ret);
		goto out;
	}
	key->pk = gnutls_privkey_get_pk_algorithm(key->priv, &key->bits);
	if (key->pk == GNUTLS_PK_ECDSA) {
		ret = key_set_curve(key);
	} else if (key->pk == GNUTLS_PK_RSA) {
		if (key->bits < RSA_MIN_BITS)
			ret = acmeup_fail(ACMEUP_ECRYPTO, "RSA key of %u bits is "
			                  "too small (need %d or more)",
			                  key->bits, RSA_MIN_BITS);
	} else {
		ret = acmeup_fail(ACMEUP_ECRYPTO, "key type %s is not supported "
		                  "(use EC P-256, P-384 or RSA)",
		                  gnutls_pk_get_name(key->pk));
	}
	if (ret < 0)
		goto out;
	*out = key;
	key = NULL;
out:
	crypto_key_free(key);
	return ret;
}

static const struct {
	const char *arg;
	const char *alias;
	const char *name;
	gnutls_pk_algorithm_t pk;
	unsigned int bits; /* RSA modulus, or GNUTLS_CURVE_TO_BITS */
	gnutls_ecc_curve_t curve;
} key_types[] = {
	[CRYPTO_KEY_P256] = { "p256", "P-256", "ECDSA P-256", GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
	    GNUTLS_ECC_CURVE_SECP256R1 },
	[CRYPTO_KEY_P384] = { "p384", "P-384", "ECDSA P-384", GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1),
	    GNUTLS_ECC_CURVE_SECP384R1 },
	[CRYPTO_KEY_RSA2048] = { "rsa2048", "rsa-2048", "RSA 2048",
	    GNUTLS_PK_RSA, 2048, GNUTLS_ECC_CURVE_INVALID },
	[CRYPTO_KEY_RSA3072] = { "rsa3072", "rsa-3072", "RSA 3072",
	    GNUTLS_PK_RSA, 3072, GNUTLS_ECC_CURVE_INVALID },
	[CRYPTO_KEY_RSA4096] = { "rsa4096", "rsa-4096", "RSA 4096",
	    GNUTLS_PK_RSA, 4096, GNUTLS_ECC_CURVE_INVALID },
};
#define N_KEY_TYPES (sizeof(key_types) / sizeof(key_types[0]))

int
crypto_key_type_parse(const char *s, enum crypto_key_type *out)
{
	size_t i;

	for (i = 0; s != NULL && i < N_KEY_TYPES; i++) {
		if (strcasecmp(s, key_types[i].arg) == 0 ||
		    strcasecmp(s, key_types[i].alias) == 0) {
			*out = (enum crypto_key_type)i;
			return 0;
		}
	}
	return acmeup_fail(ACMEUP_EINVAL, "key type '%s' is not one of p256, "
	                   "p384, rsa2048, rsa3072, rsa4096",
	                   s != NULL ? s : "");
}

const char *
crypto_key_type_name(enum crypto_key_type t)
{
	if ((size_t)t >= N_KEY_TYPES)
		return "unknown key type";
	return key_types[t].name;
}

int
crypto_key_generate(enum crypto_key_type t, struct crypto_key **out)
{
	gnutls_x509_privkey_t x509 = NULL;
	int ret;

	if ((size_t)t >= N_KEY_TYPES)
		return acmeup_fail(ACMEUP_EINVAL, "unknown key type %d", (int)t);
	ret = gnutls_x509_privkey_init(&x509);
	if (ret >= 0)
		ret = gnutls_x509_privkey_generate(x509, key_types[t].pk,
		                                   key_types[t].bits, 0);
	if (ret < 0) {
		if (x509 != NULL)
			gnutls_x509_privkey_deinit(x509);
		return acmeup_fail(ACMEUP_ECRYPTO, "generate %s key: %s",
		                   key_types[t].name, gnutls_strerror(ret));
	}
	return key_wrap(x509, out);
}

int
crypto_key_is_type(const struct crypto_key *key, enum crypto_key_type t)
{
	if ((size_t)t >= N_KEY_TYPES || key->pk != key_types[t].pk)
		return 0;
	if (key->pk == GNUTLS_PK_RSA)
		return key->bits == key_types[t].bits;
	return key->curve == key_types[t].curve;
}

void
crypto_key_describe(const struct crypto_key *key, char *buf, size_t len)
{
	if (key->pk == GNUTLS_PK_RSA)
		snprintf(buf, len, "RSA %u", key->bits);
	else
		snprintf(buf, len, "ECDSA %s",
		         key->curve == GNUTLS_ECC_CURVE_SECP384R1 ? "P-384" :
		         "P-256");
}

/* Compare the public keys' SHA-256 key IDs. */
int
crypto_key_same_public(const struct crypto_key *a, const struct crypto_key *b)
{
	unsigned char ida[64], idb[64];
	size_t la = sizeof(ida), lb = sizeof(idb);

	if (gnutls_x509_privkey_get_key_id(a->x509, GNUTLS_KEYID_USE_SHA256,
	                                   ida, &la) < 0 ||
	    gnutls_x509_privkey_get_key_id(b->x509, GNUTLS_KEYID_USE_SHA256,
	                                   idb, &lb) < 0)
		return 0;
	return la == lb && memcmp(ida, idb, la) == 0;
}

/* gnutls_x509_privkey_import2 reads PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE
 * KEY" and PKCS#1 "RSA PRIVATE KEY". Encrypted keys are refused. */
int
crypto_key_from_pem(const char *pem, size_t len, struct crypto_key **out)
{
	gnutls_x509_privkey_t x509 = NULL;
	gnutls_datum_t d;
	int ret;

	if (pem == NULL || len == 0 || len > UINT32_MAX)
		return acmeup_fail(ACMEUP_EINVAL, "private key: PEM text is empty or too large");
	d.data = (unsigned char *)pem;
	d.size = (unsigned int)len;
	ret = gnutls_x509_privkey_init(&x509);
	if (ret >= 0)
		ret = gnutls_x509_privkey_import2(x509, &d, GNUTLS_X509_FMT_PEM,
		                                  NULL, GNUTLS_PKCS_PLAIN);
	if (ret < 0) {
		if (x509 != NULL)
			gnutls_x509_privkey_deinit(x509);
		return key_fail("private key PEM (unencrypted PKCS#8, "
		                "EC or RSA PRIVATE KEY expected)", ret);
	}
	return key_wrap(x509, out);
}

/* PKCS#8 PrivateKeyInfo, unencrypted (RFC 5958 2, RFC 7468 10). */
int
crypto_key_to_pem(const struct crypto_key *key, char **pem, size_t *len)
{
	gnutls_datum_t d = { NULL, 0 };
	uint8_t *copy = NULL;
	int ret;

	ret = gnutls_x509_privkey_export2_pkcs8(key->x509, GNUTLS_X509_FMT_PEM,
	                                        NULL, GNUTLS_PKCS_PLAIN, &d);
	if (ret < 0) {
		ret = key_fail("export private key", ret);
		goto out;
	}
	ret = crypto_datum_dup(&d, &copy);
	if (ret < 0)
		goto out;
	*pem = (char *)copy;
	*len = d.size;
out:
	if (d.data != NULL) {
		gnutls_memset(d.data, 0, d.size);
		gnutls_free(d.data);
	}
	return ret;
}

int
crypto_key_public_der(const struct crypto_key *key, uint8_t **der,
                      size_t *len)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t d = { NULL, 0 };
	int ret;

	ret = crypto_key_pubkey(key, &pub);
	if (ret < 0)
		return ret;
	ret = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d);
	gnutls_pubkey_deinit(pub);
	if (ret < 0)
		return key_fail("public key export", ret);
	ret = crypto_datum_dup(&d, der);
	if (ret == 0)
		*len = d.size;
	gnutls_free(d.data);
	return ret;
}

int
crypto_key_from_public_der(const uint8_t *der, size_t len,
                           struct crypto_key **out)
{
	struct crypto_key *key = calloc(1, sizeof(*key));
	gnutls_datum_t d = { (unsigned char *)der, (unsigned int)len };
	int ret;

	if (key == NULL)
		return ACMEUP_ENOMEM;
	ret = len > 0xffff ? GNUTLS_E_INVALID_REQUEST :
	    gnutls_pubkey_init(&key->pub);
	if (ret >= 0)
		ret = gnutls_pubkey_import(key->pub, &d, GNUTLS_X509_FMT_DER);
	if (ret < 0) {
		ret = key_fail("public key", ret);
		goto out;
	}
	key->pk = gnutls_pubkey_get_pk_algorithm(key->pub, &key->bits);
	if (key->pk == GNUTLS_PK_ECDSA)
		ret = key_set_curve(key);
	else if (key->pk != GNUTLS_PK_RSA || key->bits < RSA_MIN_BITS)
		ret = acmeup_fail(ACMEUP_ECRYPTO, "public key of type %s, %u "
		                  "bits: not usable", gnutls_pk_get_name(key->pk),
		                  key->bits);
	if (ret < 0)
		goto out;
	*out = key;
	key = NULL;
out:
	crypto_key_free(key);
	return ret;
}

void
crypto_key_free(struct crypto_key *key)
{
	if (key == NULL)
		return;
	/* priv borrows x509: release it first; both zeroise the key. */
	if (key->priv != NULL)
		gnutls_privkey_deinit(key->priv);
	if (key->x509 != NULL)
		gnutls_x509_privkey_deinit(key->x509);
	if (key->pub != NULL)
		gnutls_pubkey_deinit(key->pub);
	gnutls_memset(key, 0, sizeof(*key));
	free(key);
}

/* RFC 7518 3.1 */
const char *
crypto_key_jws_alg(const struct crypto_key *key)
{
	if (key->pk == GNUTLS_PK_RSA)
		return "RS256";
	if (key->curve == GNUTLS_ECC_CURVE_SECP384R1)
		return "ES384";
	return "ES256";
}
