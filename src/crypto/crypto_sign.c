/* JWS signatures (RFC 7515 5.1, RFC 7518 3.3 and 3.4). */
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "acmeup/error.h"
#include "crypto_internal.h"

static gnutls_sign_algorithm_t
sign_algo(const struct crypto_key *key)
{
	if (key->pk == GNUTLS_PK_RSA)
		return GNUTLS_SIGN_RSA_SHA256;          /* RS256 */
	if (key->curve == GNUTLS_ECC_CURVE_SECP384R1)
		return GNUTLS_SIGN_ECDSA_SHA384;        /* ES384 */
	return GNUTLS_SIGN_ECDSA_SHA256;                /* ES256 */
}

/* RFC 7518 3.4: the DER Ecdsa-Sig-Value becomes R || S, each left-padded
 * to the field size. */
static int
sign_ec_raw(const struct crypto_key *key, const gnutls_datum_t *der,
            uint8_t **sig, size_t *siglen)
{
	gnutls_datum_t r = { NULL, 0 }, s = { NULL, 0 };
	uint8_t *raw = NULL;
	int ret;

	ret = gnutls_decode_rs_value(der, &r, &s);
	if (ret < 0) {
		ret = acmeup_fail(ACMEUP_ECRYPTO, "ECDSA signature: %s",
		                  gnutls_strerror(ret));
		goto out;
	}
	raw = malloc(2 * key->field);
	if (raw == NULL) {
		ret = acmeup_fail(ACMEUP_ENOMEM, "sign: out of memory");
		goto out;
	}
	ret = crypto_be_fixed(&r, raw, key->field);
	if (ret == 0)
		ret = crypto_be_fixed(&s, raw + key->field, key->field);
	if (ret < 0)
		goto out;
	*sig = raw;
	*siglen = 2 * key->field;
	raw = NULL;
out:
	free(raw);
	gnutls_free(r.data);
	gnutls_free(s.data);
	return ret;
}

int
crypto_sign(const struct crypto_key *key, const void *input, size_t len,
            uint8_t **sig, size_t *siglen)
{
	gnutls_datum_t data, der = { NULL, 0 };
	uint8_t *copy = NULL;
	int ret;

	if (len > UINT32_MAX)
		return acmeup_fail(ACMEUP_EINVAL, "sign: input too large");
	if (key->priv == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "sign: this process holds no "
		                   "private key (the keys process signs)");
	data.data = (unsigned char *)input;
	data.size = (unsigned int)len;
	ret = gnutls_privkey_sign_data2(key->priv, sign_algo(key), 0, &data,
	                                &der);
	if (ret < 0) {
		ret = acmeup_fail(ACMEUP_ECRYPTO, "sign with %s key: %s",
		                  crypto_key_jws_alg(key), gnutls_strerror(ret));
		goto out;
	}
	if (key->pk == GNUTLS_PK_RSA) {
		/* RFC 7518 3.3: the PKCS#1 v1.5 signature as is. */
		ret = crypto_datum_dup(&der, &copy);
		if (ret < 0)
			goto out;
		*sig = copy;
		*siglen = der.size;
	} else {
		ret = sign_ec_raw(key, &der, sig, siglen);
	}
out:
	gnutls_free(der.data);
	return ret;
}
