/* Crypto module: the only place that includes GnuTLS.
 *
 * Keys are opaque. Private keys never leave this module except as PEM text
 * for the store. All functions return 0 or a negative ACMEUP_E* code (with a
 * detail recorded by acmeup_fail()); allocated outputs belong to the caller
 * and are set only on success.
 */
#ifndef ACMEUP_CRYPTO_H
#define ACMEUP_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

struct crypto_key; /* private key; wiped and freed by crypto_key_free() */

int crypto_init(void);   /* gnutls_global_init; call once at start */
void crypto_deinit(void);

/* SHA-256 of data into out[32]. */
int crypto_sha256(const void *data, size_t len, uint8_t out[32]);

/* New ECDSA P-256 key. */
int crypto_key_generate_p256(struct crypto_key **out);

/* Load a private key from PEM text: unencrypted PKCS#8 "PRIVATE KEY", SEC1
 * "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY". Only EC P-256, EC P-384 and
 * RSA of 2048 bits or more are accepted (ACMEUP_ECRYPTO otherwise); the
 * recorded detail does not name the file, so callers add it. pem is borrowed
 * and need not be NUL-terminated. */
int crypto_key_from_pem(const char *pem, size_t len, struct crypto_key **out);

/* PEM (PKCS#8) text of the private key; *pem is NUL-terminated, the caller
 * wipes (explicit_bzero) and frees it. */
int crypto_key_to_pem(const struct crypto_key *key, char **pem, size_t *len);

void crypto_key_free(struct crypto_key *key); /* accepts NULL */

/* Public key as JWK members (RFC 7517/7518), each a base64url string or NULL
 * when not used by the key type: EC keys set kty "EC", crv, x, y; RSA keys set
 * kty "RSA", n, e. The strings are owned by the struct; free with
 * crypto_jwk_clear(). */
struct crypto_jwk {
	char *kty;
	char *crv;
	char *x;
	char *y;
	char *n;
	char *e;
};
/* On failure *jwk is left untouched. */
int crypto_key_jwk(const struct crypto_key *key, struct crypto_jwk *jwk);
void crypto_jwk_clear(struct crypto_jwk *jwk); /* accepts NULL */

/* JWS "alg" for the key (RFC 7518 3.1): "ES256" for P-256, "ES384" for
 * P-384, "RS256" for RSA. Static string. */
const char *crypto_key_jws_alg(const struct crypto_key *key);

/* RFC 7515 signature over input, in JWS form: for ES256 the 64-byte r||s
 * (ES384: 96 bytes; RFC 7518 3.4), not DER; for RS256 the PKCS#1 v1.5
 * signature. *sig is allocated, caller frees. */
int crypto_sign(const struct crypto_key *key, const void *input, size_t len,
                uint8_t **sig, size_t *siglen);

/* PKCS#10 CSR (DER) for key, subject CN = names[0], subjectAltName dNSName
 * for every name (RFC 8555 7.4: the CA reads the SANs). CN is left out when
 * names[0] is longer than 64 octets (RFC 5280 ub-common-name). n must be at
 * least 1 and no name empty (ACMEUP_EINVAL). Signed with SHA-256. *der
 * allocated, caller frees. */
int crypto_csr_new(const struct crypto_key *key, const char *const *names,
                   size_t n, uint8_t **der, size_t *len);

/* Base64url without padding (RFC 4648 5, RFC 7515 2). *out is
 * NUL-terminated, caller frees. */
int b64url_encode(const void *data, size_t len, char **out);

/* Decode base64url (padding optional). Characters outside the url alphabet
 * (including '+', '/', whitespace), bad lengths and non-zero trailing bits
 * give ACMEUP_EINVAL. *out allocated (even for empty input), caller frees. */
int b64url_decode(const char *in, size_t inlen, uint8_t **out, size_t *outlen);

#endif
