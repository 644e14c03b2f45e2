/* JWS for ACME requests (RFC 8555 6.2, RFC 7515 flattened JSON). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_internal.h"
#include "acmeup/acme_json.h"
#include "acmeup/error.h"

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
	rc = crypto_sign(key, input, inlen, &sig, &siglen);
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
