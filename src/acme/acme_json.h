/* ACME JSON (src/acme/acme_json_parse.c, acme_json_build.c), internal to
 * src/acme/: the only place that includes json-c.
 *
 * Parsers fill a zeroed typed struct (acme_types.h) from a response body and
 * return 0, or ACMEUP_EPROTO naming what was missing. Builders return a new
 * NUL-terminated JSON string in *out that the caller frees. */
#ifndef ACMEUP_ACME_JSON_H
#define ACMEUP_ACME_JSON_H

#include <stddef.h>

#include "acmeup/acme_types.h"

struct crypto_jwk;

int acme_json_directory(const char *body, struct acme_directory *out);
int acme_json_problem(const char *body, struct acme_problem *out);
int acme_json_account(const char *body, struct acme_account *out);
int acme_json_order(const char *body, struct acme_order *out);
int acme_json_authz(const char *body, struct acme_authz *out);
/* RFC 9773 4.2; retry_after is left at -1 (the caller sets it). */
int acme_json_renewal_info(const char *body, struct acme_renewal_info *out);

/* RFC 7638 3.2: the JWK with only its required members, in lexicographic
 * order, no white space: the thumbprint input. */
int acme_json_jwk(const struct crypto_jwk *jwk, char **out);

/* RFC 8555 6.2 protected header: alg, nonce (left out when NULL: the inner
 * JWS of a key change, 7.3.5, and the EAB JWS, 7.3.4), url, and either jwk
 * (kid NULL) or kid. */
int acme_json_protected(const char *alg, const struct crypto_jwk *jwk,
                        const char *kid, const char *nonce, const char *url,
                        char **out);

/* RFC 7515 7.2.2 flattened JSON serialization from base64url parts. */
int acme_json_jws(const char *protected_b64, const char *payload_b64,
                  const char *signature_b64, char **out);

/* RFC 8555 7.3: newAccount payload. contacts are "mailto:..." URLs;
 * eab_jws, when not NULL, is the External Account Binding JWS (flattened
 * JSON text, 7.3.4) embedded as an object. */
int acme_json_new_account(const char *const *contacts, size_t n,
                          int agree_tos, int only_existing,
                          const char *eab_jws, char **out);

/* RFC 8555 7.4: newOrder payload with dns identifiers; profile
 * (draft-aaron-acme-profiles) and replaces (RFC 9773 5) when not NULL. */
int acme_json_new_order(const char *const *names, size_t n,
                        const char *profile, const char *replaces,
                        char **out);

/* RFC 8555 7.3.5: keyChange inner payload {"account", "oldKey"}. */
int acme_json_key_change(const char *account_url,
                         const struct crypto_jwk *old, char **out);

/* RFC 8555 7.3.2 contact update ({"contact": [...]}), or 7.3.6
 * deactivation ({"status": "deactivated"}) when deactivate is set. */
int acme_json_account_update(const char *const *contacts, size_t n,
                             int deactivate, char **out);

/* RFC 8555 7.6: revokeCert payload; reason < 0 leaves it out. */
int acme_json_revoke(const char *cert_b64, int reason, char **out);

/* RFC 8555 7.4: finalize payload, csr as base64url DER. */
int acme_json_finalize(const char *csr_b64, char **out);

#endif
