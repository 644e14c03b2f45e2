/* Shared by the acme_*.c files only. */
#ifndef ACMEUP_ACME_INTERNAL_H
#define ACMEUP_ACME_INTERNAL_H

#include "acmeup/acme.h"
#include "acmeup/crypto.h"
#include "http.h"

#define RATE_LIMIT_WAITS 3 /* waits on 429/503 per request, at most */

struct acme_client {
	struct http_client *http;
	const struct crypto_key *key; /* borrowed */
	struct crypto_jwk jwk;
	char *thumbprint;             /* RFC 7638, base64url */
	struct acme_directory dir;
	char *dir_url;
	char *nonce;                  /* next Replay-Nonce, or NULL */
	char *kid;                    /* account URL once known */
	unsigned wait_limit;          /* --wait-rate-limit seconds */
	char last_problem[64];        /* short type of the last problem */
};

/* Replace the client's key (borrowed) with its JWK and thumbprint. */
int acme_client_set_key(struct acme_client *c, const struct crypto_key *key);

/* RFC 8555 7.3.4: the External Account Binding JWS (flattened JSON):
 * protected {alg, kid, url}, payload = the account key's JWK, MAC with the
 * base64url-decoded hmac_key. *out owned by the caller. */
int acme_eab_jws(const char *alg, const char *kid, const char *hmac_key_b64,
                 const char *url, const struct crypto_jwk *jwk, char **out);

/* GET url (unauthenticated: directory, renewalInfo), with the 429/503
 * handling of acme_post. resp filled on 2xx. */
int acme_get(struct acme_client *c, const char *url,
             struct http_response *resp);

/* A non-2xx response as a one-line detail: the problem document (type,
 * detail, instance, subproblems, a hint for the type), "rate limited" or
 * "unavailable" for 429/503 with Retry-After. Returns ACMEUP_EACME; the
 * problem's short type goes to type[typelen] ("" when none). Pure: for
 * tests. */
int acme_fail_response(const struct http_response *resp, const char *url,
                       char *type, size_t typelen);

/* 1 when a 429/503 answer may be waited out: Retry-After known, at most
 * limit seconds, and fewer than RATE_LIMIT_WAITS waits so far. */
int acme_may_wait(long status, long retry_after, unsigned limit,
                  unsigned waits);

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

/* Polling an order or authorization (RFC 8555 7.4, 7.5.1, 8.2). */
#define POLL_FIRST_MS 50      /* our first interval: a fast CA stays fast */
#define POLL_MAX_MS 4000      /* our own backoff stops growing here */
#define POLL_RA_MIN_MS 1000   /* floor for the CA's Retry-After */
#define POLL_RA_MAX_MS 600000 /* ceiling for the CA's Retry-After */
#define POLL_MAX_REQUESTS 100 /* requests per wait for one order/authz */

/* The wait in ms before the next poll after attempt earlier waits (0 for
 * the first), given the CA's Retry-After in seconds (-1 when absent) and
 * the time now and the deadline (log_elapsed_ms's clock): the CA's value
 * clamped to [POLL_RA_MIN_MS, POLL_RA_MAX_MS], else POLL_FIRST_MS << attempt
 * up to POLL_MAX_MS; never beyond the deadline; -1 at or past it. Pure. */
long long acme_poll_wait_ms(unsigned attempt, long retry_after,
                            long long now_ms, long long deadline_ms);

/* Sleep acme_poll_wait_ms() and count the attempt. Returns ACMEUP_ETIMEOUT
 * past deadline_ms, or the interrupt's code on a signal. */
int acme_poll_sleep(long retry_after, unsigned *attempt, long long deadline_ms);

/* Record a detail for a problem document: "<context>: <type>: <detail>"
 * plus its instance URL, each subproblem's identifier, type and detail, and
 * a hint for the type; returns ACMEUP_EACME. */
int acme_fail_problem(const struct acme_problem *p, const char *context);

/* As acme_fail_problem for a challenge's error: the hint speaks of what the
 * CA's resolver saw. */
int acme_fail_validation(const struct acme_problem *p, const char *context);

#endif
