/* Private to src/crypto_*.c: the key type and small GnuTLS helpers.
 * Nothing outside the crypto module may include this header. */
#ifndef ACMEUP_CRYPTO_INTERNAL_H
#define ACMEUP_CRYPTO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "acmeup/crypto.h"

struct crypto_key {
	gnutls_x509_privkey_t x509; /* owns the key material (PEM export) */
	gnutls_privkey_t priv;      /* borrows x509; used for signing */
	gnutls_pubkey_t pub;        /* a public key alone: priv, x509 NULL */
	gnutls_pk_algorithm_t pk;   /* GNUTLS_PK_ECDSA or GNUTLS_PK_RSA */
	gnutls_ecc_curve_t curve;   /* EC only */
	size_t field;               /* EC: coordinate/scalar size in octets */
	unsigned int bits;
};

/* Write the big-endian integer in to out[size], dropping leading zero
 * octets and left-padding with zeros (RFC 7518 3.4, 6.2.1.2). Fails when the
 * value does not fit. */
int crypto_be_fixed(const gnutls_datum_t *in, uint8_t *out, size_t size);

/* New public key for key; the caller calls gnutls_pubkey_deinit(). */
int crypto_key_pubkey(const struct crypto_key *key, gnutls_pubkey_t *out);

/* Copy d into a new malloc'd buffer with a NUL after d->size octets. */
int crypto_datum_dup(const gnutls_datum_t *d, uint8_t **out);

/* Append a lower-cased copy of name[0..len) to *names (grown with
 * realloc) unless already present; free with crypto_names_free(). */
int crypto_names_add(char ***names, size_t *n, const char *name, size_t len);

#endif
