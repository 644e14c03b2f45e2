/* JWS for ACME requests (RFC 8555 6.2, RFC 7515 flattened JSON) and the
 * JWK thumbprint (RFC 7638). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_internal.h"
#include "acme_json.h"
#include "acmeup/error.h"
#include "acmeup/priv.h"

/* RFC 8555 6.2: flattened JWS with jwk (no account yet) or kid. */
int
acme_jws_new(const struct crypto_key *key, const struct crypto_jwk *jwk,
             const char *kid, const char *nonce, const char *url,
             const char *payload, char **out)
{
	char *prot = NULL, *prot64 = NULL, *pay64 = NULL, *sig64 = NULL;
	char *input = NULL;
	uint8_t *sig = NULL;
	size_t siglen = 0, inlen;
	int rc;

	rc = acme_json_protected(crypto_key_jws_alg(key), jwk, kid, nonce, url,
	    &prot);
	if (rc == 0)
		rc = b64url_encode(prot, strlen(prot), &prot64);
	if (rc == 0)
		rc = b64url_encode(payload, strlen(payload), &pay64);
	if (rc != 0)
		goto out;
	inlen = strlen(prot64) + 1 + strlen(pay64);
	input = malloc(inlen + 1);
	if (input == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	snprintf(input, inlen + 1, "%s.%s", prot64, pay64);
	rc = priv_jws_sign(key, input, inlen, &sig, &siglen);
	if (rc == 0)
		rc = b64url_encode(sig, siglen, &sig64);
	if (rc == 0)
		rc = acme_json_jws(prot64, pay64, sig64, out);
out:
	free(prot);
	free(prot64);
	free(pay64);
	free(sig64);
	free(input);
	free(sig);
	return rc;
}

/* base64url(MAC) of "protected64.payload64" with the decoded key. */
static int
eab_mac(const char *alg, const char *hmac_key_b64, const char *input,
        char **out)
{
	uint8_t *key = NULL, mac[64];
	size_t keylen = 0, maclen = 0;
	int rc;

	rc = b64url_decode(hmac_key_b64, strlen(hmac_key_b64), &key, &keylen);
	if (rc != 0) {
		acmeup_err_context(rc, "--eab-hmac-key is not base64url "
		    "(RFC 4648 5) as the CA gives it");
		rc = ACMEUP_EUSAGE;
		goto out;
	}
	rc = crypto_hmac(alg, key, keylen, input, strlen(input), mac, &maclen);
	if (rc == 0)
		rc = b64url_encode(mac, maclen, out);
out:
	if (key != NULL)
		explicit_bzero(key, keylen);
	free(key);
	explicit_bzero(mac, sizeof(mac));
	return rc;
}

int
acme_eab_jws(const char *alg, const char *kid, const char *hmac_key_b64,
             const char *url, const struct crypto_jwk *jwk, char **out)
{
	char *prot = NULL, *prot64 = NULL, *jwk_json = NULL, *pay64 = NULL;
	char *input = NULL, *mac64 = NULL;
	size_t inlen;
	int rc;

	rc = acme_json_protected(alg, NULL, kid, NULL, url, &prot);
	if (rc == 0)
		rc = b64url_encode(prot, strlen(prot), &prot64);
	if (rc == 0)
		rc = acme_json_jwk(jwk, &jwk_json);
	if (rc == 0)
		rc = b64url_encode(jwk_json, strlen(jwk_json), &pay64);
	if (rc != 0)
		goto out;
	inlen = strlen(prot64) + 1 + strlen(pay64) + 1;
	input = malloc(inlen);
	if (input == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	snprintf(input, inlen, "%s.%s", prot64, pay64);
	rc = eab_mac(alg, hmac_key_b64, input, &mac64);
	if (rc == 0)
		rc = acme_json_jws(prot64, pay64, mac64, out);
out:
	free(prot);
	free(prot64);
	free(jwk_json);
	free(pay64);
	free(input);
	free(mac64);
	return rc;
}

/* RFC 7638 3: base64url(SHA-256(canonical JWK)). */
int
acme_thumbprint(const char *jwk_json, char **out)
{
	uint8_t digest[32];
	int rc;

	rc = crypto_sha256(jwk_json, strlen(jwk_json), digest);
	if (rc == 0)
		rc = b64url_encode(digest, sizeof(digest), out);
	return rc;
}
