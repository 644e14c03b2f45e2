/* Public keys as JWK members (RFC 7517 4, RFC 7518 6). */
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "crypto_internal.h"

static int
jwk_strdup(const char *s, char **out)
{
	size_t n = strlen(s) + 1;

	*out = malloc(n);
	if (*out == NULL)
		return acmeup_fail(ACMEUP_ENOMEM, "JWK: out of memory");
	memcpy(*out, s, n);
	return 0;
}

/* b64url of in as an unsigned integer of exactly size octets. */
static int
jwk_coord(const gnutls_datum_t *in, size_t size, char **out)
{
	uint8_t buf[66]; /* largest EC field: P-521 */
	int ret;

	if (size > sizeof(buf))
		return acmeup_fail(ACMEUP_ECRYPTO, "JWK: field too large");
	ret = crypto_be_fixed(in, buf, size);
	if (ret < 0)
		return ret;
	return b64url_encode(buf, size, out);
}

/* b64url of in as an unsigned integer without leading zero octets. */
static int
jwk_uint(const gnutls_datum_t *in, char **out)
{
	const uint8_t *p = in->data;
	size_t n = in->size;

	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	return b64url_encode(p, n, out);
}

/* RFC 7518 6.2.1: x and y are the full-length field elements. */
static int
jwk_ec(const struct crypto_key *key, gnutls_pubkey_t pub,
       struct crypto_jwk *jwk)
{
	gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
	gnutls_ecc_curve_t curve;
	const char *crv;
	int ret;

	ret = gnutls_pubkey_export_ecc_raw2(pub, &curve, &x, &y,
	                                    GNUTLS_EXPORT_FLAG_NO_LZ);
	if (ret < 0) {
		ret = acmeup_fail(ACMEUP_ECRYPTO, "JWK: EC public key: %s",
		                  gnutls_strerror(ret));
		goto out;
	}
	crv = key->curve == GNUTLS_ECC_CURVE_SECP384R1 ? "P-384" : "P-256";
	ret = jwk_strdup("EC", &jwk->kty);
	if (ret == 0)
		ret = jwk_strdup(crv, &jwk->crv);
	if (ret == 0)
		ret = jwk_coord(&x, key->field, &jwk->x);
	if (ret == 0)
		ret = jwk_coord(&y, key->field, &jwk->y);
out:
	gnutls_free(x.data);
	gnutls_free(y.data);
	return ret;
}

/* RFC 7518 6.3.1: n and e as unsigned big-endian without leading zeros. */
static int
jwk_rsa(gnutls_pubkey_t pub, struct crypto_jwk *jwk)
{
	gnutls_datum_t n = { NULL, 0 }, e = { NULL, 0 };
	int ret;

	ret = gnutls_pubkey_export_rsa_raw2(pub, &n, &e,
	                                    GNUTLS_EXPORT_FLAG_NO_LZ);
	if (ret < 0) {
		ret = acmeup_fail(ACMEUP_ECRYPTO, "JWK: RSA public key: %s",
		                  gnutls_strerror(ret));
		goto out;
	}
	ret = jwk_strdup("RSA", &jwk->kty);
	if (ret == 0)
		ret = jwk_uint(&n, &jwk->n);
	if (ret == 0)
		ret = jwk_uint(&e, &jwk->e);
out:
	gnutls_free(n.data);
	gnutls_free(e.data);
	return ret;
}

int
crypto_key_jwk(const struct crypto_key *key, struct crypto_jwk *jwk)
{
	struct crypto_jwk tmp = { 0 };
	gnutls_pubkey_t pub = NULL;
	int ret;

	ret = crypto_key_pubkey(key, &pub);
	if (ret < 0)
		goto out;
	if (key->pk == GNUTLS_PK_RSA)
		ret = jwk_rsa(pub, &tmp);
	else
		ret = jwk_ec(key, pub, &tmp);
	if (ret < 0)
		goto out;
	*jwk = tmp;
	memset(&tmp, 0, sizeof(tmp));
out:
	crypto_jwk_clear(&tmp);
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	return ret;
}

void
crypto_jwk_clear(struct crypto_jwk *jwk)
{
	if (jwk == NULL)
		return;
	free(jwk->kty);
	free(jwk->crv);
	free(jwk->x);
	free(jwk->y);
	free(jwk->n);
	free(jwk->e);
	memset(jwk, 0, sizeof(*jwk));
}
