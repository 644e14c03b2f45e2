/* ACME client (RFC 8555): account, orders, challenges, certificates.
 *
 * Works on typed structs (acme_types.h); JSON stays in acme_json.c, HTTP in
 * http.c, keys in crypto. The account key is borrowed for signing only.
 * Functions return 0 or a negative ACMEUP_E* code; a CA problem document
 * becomes ACMEUP_EACME with its type, detail and subproblems in the detail.
 */
#ifndef ACMEUP_ACME_H
#define ACMEUP_ACME_H

#include <stddef.h>
#include <stdint.h>

#include "acmeup/acme_types.h"

struct crypto_key;
struct acme_client; /* opaque */

/* Fetch the directory at url. key is borrowed and must outlive the client.
 * ca_bundle may be NULL. *out owned by the caller. */
int acme_client_new(const char *url, const char *ca_bundle,
                    const struct crypto_key *key, struct acme_client **out);
void acme_client_free(struct acme_client *c); /* accepts NULL */

/* Borrowed; valid while the client lives. */
const struct acme_directory *acme_client_directory(const struct acme_client *c);

/* RFC 8555 7.3 / 7.3.1: find the account of the key, or create it with the
 * contacts ("mailto:..."), which needs agree_tos when the CA has terms. */
int acme_account_ensure(struct acme_client *c, const char *const *contacts,
                        size_t n, int agree_tos);

/* RFC 8555 8.1 / 8.4: the TXT value for a dns-01 token,
 * base64url(SHA-256(token "." thumbprint)). *out owned by the caller. */
int acme_dns01_value(const struct acme_client *c, const char *token,
                     char **out);

/* The pure parts, for tests: RFC 7638 thumbprint (base64url) of a JWK JSON
 * string in canonical form, and the dns-01 value for a key authorization. */
int acme_thumbprint(const char *jwk_json, char **out);
int acme_dns01_digest(const char *key_authorization, char **out);

/* RFC 8555 7.4: new order for the names. *order and *url (the order's URL)
 * owned by the caller. */
int acme_order_new(struct acme_client *c, const char *const *names, size_t n,
                   struct acme_order *order, char **url);

/* POST-as-GET an authorization (RFC 8555 7.5). */
int acme_authz_get(struct acme_client *c, const char *url,
                   struct acme_authz *out);

/* RFC 8555 7.5.1: tell the CA the challenge is ready. */
int acme_challenge_respond(struct acme_client *c, const char *url);

/* Poll the authorization until it leaves "pending" (honouring Retry-After,
 * bounded by timeout_ms). Valid returns 0; invalid returns ACMEUP_EACME with
 * the challenge's problem (what the CA saw) in the detail. */
int acme_authz_wait(struct acme_client *c, const char *url,
                    unsigned timeout_ms);

/* RFC 8555 7.4: finalize with a DER CSR, poll the order until "valid", and
 * download the certificate chain (PEM). *pem owned by the caller. */
int acme_order_finish(struct acme_client *c, const char *order_url,
                      const struct acme_order *order, const uint8_t *csr,
                      size_t csr_len, unsigned timeout_ms, char **pem);

#endif
