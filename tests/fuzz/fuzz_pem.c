/* libFuzzer target: PEM input of the crypto module (src/crypto_*.c): the
 * private key loader (crypto_key_from_pem), the CSR loader
 * (crypto_csr_load, PEM or DER) and every certificate/chain reader
 * (crypto_cert_der, _ari_id, _validity, _names, _key_matches,
 * crypto_chain_issuer_rank, crypto_chain_top_issuer).
 *
 * Besides memory errors (ASan, UBSan) it checks that nothing is returned
 * on failure and that a loaded key's PEM loads again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/crypto.h"
#include "acmeup/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
key(const char *pem, size_t len, struct crypto_key **out)
{
	struct crypto_key *k = NULL, *again = NULL;
	char *text = NULL;
	size_t tlen = 0;

	if (crypto_key_from_pem(pem, len, &k) != 0) {
		if (k != NULL)
			abort(); /* nothing returned on failure */
		return;
	}
	if (crypto_key_to_pem(k, &text, &tlen) != 0 ||
	    crypto_key_from_pem(text, tlen, &again) != 0 ||
	    !crypto_key_same_public(k, again))
		abort(); /* a loaded key round-trips */
	explicit_bzero(text, tlen);
	free(text);
	crypto_key_free(again);
	*out = k;
}

static void
csr(const char *data, size_t len)
{
	uint8_t *der = NULL;
	size_t der_len = 0, n = 0;
	char **names = NULL;

	if (crypto_csr_load(data, len, &der, &der_len, &names, &n) != 0) {
		if (der != NULL || names != NULL)
			abort();
		return;
	}
	free(der);
	crypto_names_free(names, n);
}

static void
cert(const char *pem, size_t len, const struct crypto_key *k)
{
	uint8_t *der = NULL;
	char *s = NULL, **names = NULL;
	size_t dlen = 0, n = 0;
	long long nb, na;
	int rank;

	if (crypto_cert_der(pem, len, &der, &dlen) != 0) {
		if (der != NULL)
			abort();
		return;
	}
	free(der);
	if (crypto_cert_ari_id(pem, len, &s) == 0)
		free(s);
	(void)crypto_cert_validity(pem, len, &nb, &na);
	if (crypto_cert_names(pem, len, &names, &n) == 0)
		crypto_names_free(names, n);
	if (k != NULL)
		(void)crypto_cert_key_matches(pem, len, k);
	(void)crypto_chain_issuer_rank(pem, len, "Pebble Intermediate CA", &rank);
	s = NULL;
	if (crypto_chain_top_issuer(pem, len, &s) == 0)
		free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypto_key *k = NULL;
	const char *pem = (const char *)data;

	acmeup_err_clear();
	key(pem, size, &k);
	csr(pem, size);
	cert(pem, size, k);
	crypto_key_free(k);
	return 0;
}
