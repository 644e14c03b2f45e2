/* Crypto module set-up, SHA-256 and shared GnuTLS helpers. */
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "acmeup/error.h"
#include "crypto_internal.h"

int
crypto_init(void)
{
	int ret;

	ret = gnutls_global_init();
	if (ret < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "GnuTLS initialisation: %s",
		                   gnutls_strerror(ret));
	return 0;
}

void
crypto_deinit(void)
{
	gnutls_global_deinit();
}

int
crypto_sha256(const void *data, size_t len, uint8_t out[32])
{
	int ret;

	ret = gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out);
	if (ret < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "SHA-256: %s",
		                   gnutls_strerror(ret));
	return 0;
}

int
crypto_be_fixed(const gnutls_datum_t *in, uint8_t *out, size_t size)
{
	const uint8_t *p = in->data;
	size_t n = in->size;

	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	if (n > size)
		return acmeup_fail(ACMEUP_ECRYPTO,
		                   "integer of %zu octets does not fit in %zu",
		                   n, size);
	memset(out, 0, size - n);
	if (n > 0)
		memcpy(out + (size - n), p, n);
	return 0;
}

int
crypto_key_pubkey(const struct crypto_key *key, gnutls_pubkey_t *out)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t der = { NULL, 0 };
	int ret;

	ret = gnutls_pubkey_init(&pub);
	if (ret < 0)
		goto out;
	if (key->priv != NULL) {
		ret = gnutls_pubkey_import_privkey(pub, key->priv, 0, 0);
	} else { /* a public key alone (crypto_key_from_public_der) */
		ret = gnutls_pubkey_export2(key->pub, GNUTLS_X509_FMT_DER, &der);
		if (ret >= 0)
			ret = gnutls_pubkey_import(pub, &der, GNUTLS_X509_FMT_DER);
		gnutls_free(der.data);
	}
	if (ret < 0)
		goto out;
	*out = pub;
	pub = NULL;
out:
	if (pub != NULL)
		gnutls_pubkey_deinit(pub);
	if (ret < 0)
		return acmeup_fail(ACMEUP_ECRYPTO, "public key: %s",
		                   gnutls_strerror(ret));
	return 0;
}

int
crypto_datum_dup(const gnutls_datum_t *d, uint8_t **out)
{
	uint8_t *p;

	p = malloc((size_t)d->size + 1);
	if (p == NULL)
		return acmeup_fail(ACMEUP_ENOMEM, "crypto: out of memory");
	if (d->size > 0)
		memcpy(p, d->data, d->size);
	p[d->size] = '\0';
	*out = p;
	return 0;
}
