/* ACME client (RFC 8555): account, orders, challenges, certificates,
 * revocation, renewal information (RFC 9773).
 *
 * Works on typed structs (acme_types.h); JSON stays in acme_json_*.c, HTTP
 * in http.c, keys in crypto. The account key is borrowed for signing only
 * and never reaches the HTTP code. Functions return 0 or a negative
 * ACMEUP_E* code; a CA problem document becomes ACMEUP_EACME with its type,
 * detail, subproblems and a hint in the detail.
 */
#ifndef ACMEUP_ACME_H
#define ACMEUP_ACME_H

#include <stddef.h>
#include <stdint.h>

#include "acmeup/acme_types.h"

struct crypto_key;
struct acme_client; /* opaque */

/* Fetch the directory at url (https:// only). key is borrowed and must
 * outlive the client. ca_bundle may be NULL. *out owned by the caller.
 * On HTTP 429 or 503 with a Retry-After of at most wait_limit seconds,
 * wait and retry (at most 3 times per request) instead of stopping; 0:
 * never wait. */
int acme_client_open(const char *url, const char *ca_bundle,
                     const struct crypto_key *key, unsigned wait_limit,
                     struct acme_client **out);
void acme_client_free(struct acme_client *c); /* accepts NULL */

/* The time one HTTPS request to the CA may take in all, for every client
 * of the process (--http-timeout; 0: the default, 60 s). A peer slower
 * than 64 bytes/s for half of it (at most 30 s) is cut off too. */
void acme_set_http_timeout(unsigned seconds);

/* Borrowed; valid while the client lives. */
const struct acme_directory *acme_client_directory(const struct acme_client *c);

/* What to do about the account of the client's key. */
struct acme_account_req {
	const char *const *contacts; /* "mailto:..." URLs, borrowed */
	size_t n_contacts;
	int agree_tos;          /* the user passed --agree-tos */
	int only_existing;      /* find only, never create */
	const char *eab_kid;    /* RFC 8555 7.3.4, or NULL */
	const char *eab_hmac_key; /* base64url MAC key from the CA */
	const char *eab_alg;    /* "HS256" (when NULL), "HS384", "HS512" */
};

/* RFC 8555 7.3 / 7.3.1: find the account of the key (onlyReturnExisting),
 * or create it (contacts, terms of service, EAB). *created tells which
 * (may be NULL); acct (may be NULL) receives the account object. An
 * account that is not "valid" is an error. */
int acme_account_open(struct acme_client *c, const struct acme_account_req *r,
                      struct acme_account *acct, int *created);

/* The account URL ("kid") once opened, else NULL. Borrowed. */
const char *acme_account_url(const struct acme_client *c);

/* RFC 8555 7.3.3: POST-as-GET the account. */
int acme_account_fetch(struct acme_client *c, struct acme_account *out);

/* RFC 8555 7.3.2: replace the contacts. out may be NULL. */
int acme_account_update(struct acme_client *c, const char *const *contacts,
                        size_t n, struct acme_account *out);

/* RFC 8555 7.3.6: deactivate the account (irreversible). */
int acme_account_deactivate(struct acme_client *c, struct acme_account *out);

/* RFC 8555 7.3.5: roll the account over to new_key (borrowed; must outlive
 * the client). On success the client signs with new_key from then on. */
int acme_account_key_change(struct acme_client *c,
                            const struct crypto_key *new_key);

/* RFC 8555 8.1 / 8.4: the TXT value for a dns-01 token,
 * base64url(SHA-256(token "." thumbprint)). *out owned by the caller. */
int acme_dns01_value(const struct acme_client *c, const char *token,
                     char **out);

/* The pure parts, for tests: RFC 7638 thumbprint (base64url) of a JWK JSON
 * string in canonical form, and the dns-01 value for a key authorization. */
int acme_thumbprint(const char *jwk_json, char **out);
int acme_dns01_digest(const char *key_authorization, char **out);

/* RFC 8555 7.4 newOrder. profile must be one the directory lists
 * (ACMEUP_EUSAGE otherwise); replaces is an RFC 9773 certificate ID, sent
 * only when the CA offers renewalInfo (dropped with a warning when the CA
 * answers alreadyReplaced). Both may be NULL. */
struct acme_order_req {
	const char *const *names;
	size_t n;
	const char *profile;
	const char *replaces;
};

/* *order and *url (the order's URL) owned by the caller. */
int acme_order_create(struct acme_client *c, const struct acme_order_req *r,
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

/* Poll the order at url while it is "pending" (RFC 8555 7.1.6: it leaves
 * that state once every authorization is valid, or one is not), bounded by
 * timeout_ms. *ready is 1 when the order went on ("ready" or later: every
 * authorization valid), 0 when it did not (the caller asks each
 * authorization why). One request per poll instead of one per name. */
int acme_order_await(struct acme_client *c, const char *url,
                     unsigned timeout_ms, int *ready);

struct acme_finish_opts {
	unsigned timeout_ms;         /* bound on polling the order */
	const char *preferred_chain; /* issuer CN (RFC 8555 7.4.2 alternate
	                              * chains), or NULL for the default */
	const char *const *names;    /* the order's DNS names, which every
	                              * chain's leaf must name exactly;
	                              * NULL: the CSR's names */
	size_t n_names;
};

/* RFC 8555 7.4: finalize with a DER CSR, poll the order until "valid", and
 * download the certificate chain (PEM), following Link rel="alternate"
 * when a preferred chain is asked for. Every chain downloaded, default or
 * alternate, must pass crypto_chain_check() against the CSR and o->names,
 * else ACMEUP_ECRYPTO naming its URL. *pem owned by the caller. */
int acme_order_finalize(struct acme_client *c, const char *order_url,
                        const struct acme_order *order, const uint8_t *csr,
                        size_t csr_len, const struct acme_finish_opts *o,
                        char **pem);

/* RFC 8555 7.6: revoke the certificate (DER) with an RFC 5280 5.3.1 reason
 * code (< 0: none). Signed with the account (kid) once an account was
 * opened, else with the client's key as a JWK: the certificate's own key. */
int acme_revoke(struct acme_client *c, const uint8_t *der, size_t len,
                int reason);

/* RFC 9773 4: GET renewalInfo/<cert_id>. ACMEUP_EPROTO when the directory
 * has no renewalInfo. *out cleared by the caller. */
int acme_renewal_info(struct acme_client *c, const char *cert_id,
                      struct acme_renewal_info *out);

#endif
