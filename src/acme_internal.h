/* Shared by the acme_*.c files only. */
#ifndef ACMEUP_ACME_INTERNAL_H
#define ACMEUP_ACME_INTERNAL_H

#include "acmeup/acme.h"
#include "acmeup/crypto.h"
#include "acmeup/http.h"

struct acme_client {
	struct http_client *http;
	const struct crypto_key *key; /* borrowed */
	struct crypto_jwk jwk;
	char *thumbprint;             /* RFC 7638, base64url */
	struct acme_directory dir;
	char *nonce;                  /* next Replay-Nonce, or NULL */
	char *kid;                    /* account URL once known */
};

/* RFC 8555 6.2: flattened JWS over payload ("" for POST-as-GET) with jwk
 * (kid NULL, before the account exists) or kid. *out owned by the caller. */
int acme_jws_new(const struct crypto_key *key, const struct crypto_jwk *jwk,
                 const char *kid, const char *nonce, const char *url,
                 const char *payload, char **out);

/* RFC 8555 6.2-6.3: POST a JWS over payload to url (payload "" is
 * POST-as-GET). Fetches nonces as needed and retries badNonce (bounded).
 * A problem document becomes ACMEUP_EACME with a full detail; success means
 * a 2xx status and resp is filled for the caller to clear. */
int acme_post(struct acme_client *c, const char *url, const char *payload,
              struct http_response *resp);

/* Wait before the next poll: Retry-After when given (RFC 8555 8.2),
 * else a short growing interval. Returns ACMEUP_ETIMEOUT past deadline_ms
 * (on log_elapsed_ms's clock). */
int acme_poll_sleep(long retry_after, unsigned *attempt, long long deadline_ms);

/* Record a detail for a problem document: "<context>: <type>: <detail>" plus
 * each subproblem's identifier and detail; returns ACMEUP_EACME. */
int acme_fail_problem(const struct acme_problem *p, const char *context);

#endif
