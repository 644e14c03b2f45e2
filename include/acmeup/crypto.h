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

/* Key types for ACME account keys and certificate keys. */
enum crypto_key_type {
	CRYPTO_KEY_P256 = 0, /* ECDSA P-256 (ES256), the default */
	CRYPTO_KEY_P384,     /* ECDSA P-384 (ES384) */
	CRYPTO_KEY_RSA2048,  /* RSA (RS256) */
	CRYPTO_KEY_RSA3072,
	CRYPTO_KEY_RSA4096,
};

/* "p256", "p384", "rsa2048", "rsa3072", "rsa4096" (case-insensitive; "P-256"
 * and "P-384" too). ACMEUP_EINVAL with a detail listing them otherwise. */
int crypto_key_type_parse(const char *s, enum crypto_key_type *out);

/* Static text for a type: "ECDSA P-256", ..., "RSA 4096". */
const char *crypto_key_type_name(enum crypto_key_type t);

/* New key of the type (RSA with e = 65537). */
int crypto_key_generate(enum crypto_key_type t, struct crypto_key **out);

/* 1 when key is of type t, else 0. */
int crypto_key_is_type(const struct crypto_key *key, enum crypto_key_type t);

/* "ECDSA P-256", "ECDSA P-384" or "RSA <bits>" into buf. */
void crypto_key_describe(const struct crypto_key *key, char *buf, size_t len);

/* 1 when a and b hold the same public key, else 0. */
int crypto_key_same_public(const struct crypto_key *a,
                           const struct crypto_key *b);

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

/* key's public key as SubjectPublicKeyInfo DER (*der caller frees), and a
 * key made of such DER alone (for a process that hands signing to the keys
 * process, priv.h): type, JWK, JWS alg and description work; signing,
 * CSRs and PEM export fail. */
int crypto_key_public_der(const struct crypto_key *key, uint8_t **der,
                          size_t *len);
int crypto_key_from_public_der(const uint8_t *der, size_t len,
                               struct crypto_key **out);

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

/* HMAC (RFC 7518 3.2) for the JWS algorithm alg, "HS256", "HS384" or
 * "HS512" (ACMEUP_EINVAL otherwise). out must hold 64 octets; *outlen gets
 * the MAC length. */
int crypto_hmac(const char *alg, const uint8_t *key, size_t keylen,
                const void *data, size_t len, uint8_t out[64], size_t *outlen);

/* Certificates. pem is PEM text of one certificate or a chain (first =
 * leaf), borrowed, need not be NUL-terminated. */

/* DER of the first certificate. *der allocated, caller frees. */
int crypto_cert_der(const char *pem, size_t len, uint8_t **der,
                    size_t *der_len);

/* RFC 9773 4.1 ARI certificate identifier of the first certificate:
 * base64url(authorityKeyIdentifier keyIdentifier) "." base64url(serial
 * number DER content octets). ACMEUP_ECRYPTO when the certificate has no
 * AKI keyIdentifier. *out NUL-terminated, caller frees. */
int crypto_cert_ari_id(const char *pem, size_t len, char **out);

/* notBefore / notAfter of the first certificate (seconds since the epoch). */
int crypto_cert_validity(const char *pem, size_t len, long long *not_before,
                         long long *not_after);

/* The subjectAltName dNSNames of the first certificate, lower-cased, each
 * once, in order. *names (and each name) caller frees with
 * crypto_names_free(); *n may be 0. */
int crypto_cert_names(const char *pem, size_t len, char ***names, size_t *n);

/* 0 when the first certificate's public key is key's; ACMEUP_ECRYPTO with a
 * detail otherwise. */
int crypto_cert_key_matches(const char *pem, size_t len,
                            const struct crypto_key *key);

/* How well a chain matches an issuer common name (for --preferred-chain):
 * *rank = 2 when the topmost certificate's issuer CN is cn, 1 when another
 * certificate's issuer CN is cn, 0 otherwise. */
int crypto_chain_issuer_rank(const char *pem, size_t len, const char *cn,
                             int *rank);

/* Issuer CN of the topmost certificate of a chain, for messages. *out
 * caller frees ("?" when the issuer has no CN). */
int crypto_chain_top_issuer(const char *pem, size_t len, char **out);

/* Limits on a certificate chain from the CA (crypto_chain_check). */
#define CRYPTO_CHAIN_MAX_CERTS 10            /* certificates, leaf included */
#define CRYPTO_CHAIN_MAX_CERT_PEM (64 * 1024) /* one PEM block, lines included */
#define CRYPTO_CHAIN_MAX_PEM (256 * 1024)     /* the whole body */
#define CRYPTO_CHAIN_SKEW 300                 /* s the leaf's notBefore may be
                                               * ahead of our clock */

/* What a downloaded chain must match. Borrowed. */
struct crypto_chain_expect {
	const uint8_t *csr;        /* the DER CSR sent to finalize */
	size_t csr_len;
	const char *const *names;  /* the order's DNS names; NULL: the CSR's */
	size_t n_names;
	long long now;             /* seconds since the epoch */
};

/* The check of a chain from the CA before anything is stored (RFC 8555
 * 7.4.2, 9.1). 0 when all of these hold, else ACMEUP_ECRYPTO with a detail
 * saying what did not match (the caller adds the URL):
 * - the body is PEM CERTIFICATE blocks (RFC 7468 3, no headers) and white
 *   space, nothing else; at most CRYPTO_CHAIN_MAX_CERTS blocks, each at most
 *   CRYPTO_CHAIN_MAX_CERT_PEM bytes, CRYPTO_CHAIN_MAX_PEM in all; each parses;
 * - the first (leaf) certificate's SubjectPublicKeyInfo is the CSR's;
 * - its subjectAltNames are exactly the names, as a set, case-insensitive,
 *   and all dNSNames (no IP, e-mail, URI or other names);
 * - notBefore <= now + CRYPTO_CHAIN_SKEW and now <= notAfter;
 * - each certificate's issuer DN is the next one's subject and its
 *   signature verifies with the next one's key (the next must be a CA;
 *   dates of the others are not checked; the last need not be a root).
 * pem is borrowed and need not be NUL-terminated. */
int crypto_chain_check(const char *pem, size_t len,
                       const struct crypto_chain_expect *e);

/* A PKCS#10 CSR from a file's contents (PEM "CERTIFICATE REQUEST" or DER):
 * its self-signature is verified, and its DNS names are returned: every
 * subjectAltName dNSName, plus the subject CN when it is not among them
 * (RFC 8555 7.4), lower-cased. *der, *names (and each name) caller frees,
 * e.g. with crypto_names_free(). */
int crypto_csr_load(const char *data, size_t len, uint8_t **der,
                    size_t *der_len, char ***names, size_t *n);

void crypto_names_free(char **names, size_t n); /* accepts NULL */

/* Base64url without padding (RFC 4648 5, RFC 7515 2). *out is
 * NUL-terminated, caller frees. */
int b64url_encode(const void *data, size_t len, char **out);

/* Decode base64url (padding optional). Characters outside the url alphabet
 * (including '+', '/', whitespace), bad lengths and non-zero trailing bits
 * give ACMEUP_EINVAL. *out allocated (even for empty input), caller frees. */
int b64url_decode(const char *in, size_t inlen, uint8_t **out, size_t *outlen);

#endif
