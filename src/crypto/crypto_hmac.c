/* HMAC for JWS (RFC 7518 3.2), used by External Account Binding
 * (RFC 8555 7.3.4). */
#include <string.h>

#include <gnutls/crypto.h>

#include "acmeup/error.h"
#include "crypto_internal.h"

int
crypto_hmac(const char *alg, const uint8_t *key, size_t keylen,
            const void *data, size_t len, uint8_t out[64], size_t *outlen)
{
	gnutls_mac_algorithm_t mac;
	int ret;

	if (alg != NULL && strcmp(alg, "HS256") == 0)
		mac = GNUTLS_MAC_SHA256;
	else if (alg != NULL && strcmp(alg, "HS384") == 0)
		mac = GNUTLS_MAC_SHA384;
	else if (alg != NULL && strcmp(alg, "HS512") == 0)
		mac = GNUTLS_MAC_SHA512;
	else
		return acmeup_fail(ACMEUP_EINVAL, "MAC algorithm '%s' is not "
		                   "HS256, HS384 or HS512",
		                   alg != NULL ? alg : "");
	if (keylen == 0)
		return acmeup_fail(ACMEUP_EINVAL, "%s: the MAC key is empty",
		                   alg);
	ret = gnutls_hmac_fast(mac, key, keylen, data, len, out);
	if (ret < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "%s: %s", alg,
		                   gnutls_strerror(ret));
	*outlen = gnutls_hmac_get_len(mac);
	return 0;
}
