/* ACME transport: directory, nonces, signed requests, problem documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme_internal.h"
#include "acme_json.h"
#include "acmeup/error.h"
#include "acmeup/interrupt.h"
#include "acmeup/log.h"

#define BADNONCE_RETRIES 20 /* 50% rejection fails 1 request in 2^21 */

int
acme_client_set_key(struct acme_client *c, const struct crypto_key *key)
{
	struct crypto_jwk jwk = { 0 };
	char *jwk_json = NULL, *tp = NULL;
	int rc;

	rc = crypto_key_jwk(key, &jwk);
	if (rc == 0)
		rc = acme_json_jwk(&jwk, &jwk_json);
	if (rc == 0)
		rc = acme_thumbprint(jwk_json, &tp);
	free(jwk_json);
	if (rc != 0) {
		crypto_jwk_clear(&jwk);
		return rc;
	}
	crypto_jwk_clear(&c->jwk);
	free(c->thumbprint);
	c->key = key;
	c->jwk = jwk;
	c->thumbprint = tp;
	return 0;
}

void
acme_set_http_timeout(unsigned seconds)
{
	http_set_timeout(seconds);
}

int
acme_client_open(const char *url, const char *ca_bundle,
                 const struct crypto_key *key, unsigned wait_limit,
                 struct acme_client **out)
{
	struct acme_client *c;
	struct http_response resp = { 0 };
	int rc;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ACMEUP_ENOMEM;
	c->wait_limit = wait_limit;
	c->dir_url = strdup(url);
	rc = c->dir_url == NULL ? ACMEUP_ENOMEM : 0;
	if (rc == 0)
		rc = http_client_new(ca_bundle, &c->http);
	if (rc == 0)
		rc = acme_client_set_key(c, key);
	if (rc == 0)
		rc = acme_get(c, url, &resp);
	if (rc != 0)
		goto out;
	rc = acme_json_directory(resp.body, &c->dir);
	if (rc == ACMEUP_EPROTO)
		rc = acmeup_err_context(rc, "%s is not an ACME directory", url);
	if (rc == 0) {
		*out = c;
		c = NULL;
	}
out:
	http_response_clear(&resp);
	acme_client_free(c);
	return rc;
}

void
acme_client_free(struct acme_client *c)
{
	if (c == NULL)
		return;
	http_client_free(c->http);
	crypto_jwk_clear(&c->jwk);
	free(c->thumbprint);
	acme_directory_clear(&c->dir);
	free(c->dir_url);
	free(c->nonce);
	free(c->kid);
	free(c);
}

const struct acme_directory *
acme_client_directory(const struct acme_client *c)
{
	return &c->dir;
}

/* Keep the nonce of every response (RFC 8555 7.2). */
static void
take_nonce(struct acme_client *c, struct http_response *resp)
{
	if (resp->replay_nonce == NULL)
		return;
	free(c->nonce);
	c->nonce = resp->replay_nonce;
	resp->replay_nonce = NULL;
}

/* RFC 8555 7.2: HEAD newNonce. */
static int
fetch_nonce(struct acme_client *c)
{
	struct http_response resp = { 0 };
	int rc;

	rc = http_head(c->http, c->dir.new_nonce, &resp);
	if (rc != 0)
		return rc;
	take_nonce(c, &resp);
	if (c->nonce == NULL)
		rc = acmeup_fail(ACMEUP_EPROTO, "the CA's newNonce %s gave no "
		    "Replay-Nonce (HTTP %ld)", c->dir.new_nonce, resp.status);
	http_response_clear(&resp);
	return rc;
}

/* Sleep seconds, waking early on a signal. */
static int
sleep_seconds(long seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds, .tv_nsec = 0 };

	if (nanosleep(&ts, NULL) != 0 && interrupt_pending())
		return interrupt_fail();
	return 0;
}

/* After a non-2xx answer: record its detail, and say whether to send the
 * request again: after a badNonce (RFC 8555 6.5), or after waiting out a
 * short 429/503 the user allowed (RFC 8555 6.6). */
static int
judge(struct acme_client *c, const struct http_response *resp,
      const char *url, unsigned *waits, int *again)
{
	int rc;

	rc = acme_fail_response(resp, url, c->last_problem,
	    sizeof(c->last_problem));
	*again = 0;
	if (strcmp(c->last_problem, "badNonce") == 0) {
		log_debug("acme: badNonce from %s, retrying with a new nonce",
		    url);
		*again = 1;
	} else if (acme_may_wait(resp->status, resp->retry_after,
	    c->wait_limit, *waits)) {
		/* a Retry-After of 0 still waits 1 s (no request storm) */
		log_stage("acme: %s answered HTTP %ld; waiting %ld s as "
		    "--wait-rate-limit allows", url, resp->status,
		    resp->retry_after > 0 ? resp->retry_after : 1);
		(*waits)++;
		acmeup_err_clear(); /* waited out: the next answer counts */
		rc = sleep_seconds(resp->retry_after > 0 ? resp->retry_after :
		    1);
		*again = rc == 0;
	}
	return rc;
}

int
acme_get(struct acme_client *c, const char *url, struct http_response *resp)
{
	unsigned waits = 0;
	int rc, again = 1;

	while (again) {
		rc = http_get(c->http, url, resp);
		if (rc != 0)
			return rc;
		take_nonce(c, resp);
		if (resp->status >= 200 && resp->status < 300)
			return 0;
		rc = judge(c, resp, url, &waits, &again);
		http_response_clear(resp);
		if (strcmp(c->last_problem, "badNonce") == 0)
			again = 0; /* a GET carries no nonce */
	}
	return rc;
}

int
acme_post(struct acme_client *c, const char *url, const char *payload,
          struct http_response *resp)
{
	char *jws = NULL;
	unsigned waits = 0, nonces = 0;
	int rc = 0, again = 1;

	c->last_problem[0] = '\0';
	while (again) {
		if (c->nonce == NULL)
			rc = fetch_nonce(c);
		if (rc == 0)
			rc = acme_jws_new(c->key, &c->jwk, c->kid, c->nonce, url,
			    payload, &jws);
		free(c->nonce);
		c->nonce = NULL;
		if (rc == 0)
			rc = http_post(c->http, url, "application/jose+json",
			    jws, strlen(jws), resp);
		free(jws);
		jws = NULL;
		if (rc != 0)
			return rc;
		take_nonce(c, resp);
		if (resp->status >= 200 && resp->status < 300)
			return 0;
		rc = judge(c, resp, url, &waits, &again);
		http_response_clear(resp);
		if (again && strcmp(c->last_problem, "badNonce") == 0 &&
		    ++nonces > BADNONCE_RETRIES)
			return acmeup_err_context(rc, "the CA rejected %u nonces "
			    "in a row (badNonce); giving up", nonces);
		if (again) {
			acmeup_err_clear(); /* retried: the next answer counts */
			rc = 0;
		}
	}
	return rc;
}

/* RFC 8555 7.4 / 8.2: how long to wait before poll attempt+1. A CA's
 * Retry-After is honoured but never below POLL_RA_MIN_MS (Retry-After: 0
 * must not become a request storm) nor above POLL_RA_MAX_MS; without one,
 * POLL_FIRST_MS doubling up to POLL_MAX_MS. Never past deadline_ms. */
long long
acme_poll_wait_ms(unsigned attempt, long retry_after, long long now_ms,
                  long long deadline_ms)
{
	long long wait_ms;

	if (now_ms >= deadline_ms)
		return -1;
	if (retry_after >= 0) {
		wait_ms = retry_after > POLL_RA_MAX_MS / 1000 ? POLL_RA_MAX_MS
		    : retry_after * 1000LL;
		if (wait_ms < POLL_RA_MIN_MS)
			wait_ms = POLL_RA_MIN_MS;
	} else {
		wait_ms = attempt < 16 ? (long long)POLL_FIRST_MS << attempt
		    : POLL_MAX_MS;
		if (wait_ms > POLL_MAX_MS)
			wait_ms = POLL_MAX_MS;
	}
	return wait_ms > deadline_ms - now_ms ? deadline_ms - now_ms : wait_ms;
}

int
acme_poll_sleep(long retry_after, unsigned *attempt, long long deadline_ms)
{
	long long wait_ms;
	struct timespec ts;

	wait_ms = acme_poll_wait_ms(*attempt, retry_after, log_elapsed_ms(),
	    deadline_ms);
	(*attempt)++;
	if (interrupt_pending())
		return interrupt_fail();
	if (wait_ms < 0)
		return ACMEUP_ETIMEOUT;
	log_debug("acme: next poll in %lld ms (Retry-After %ld)", wait_ms,
	    retry_after);
	ts.tv_sec = (time_t)(wait_ms / 1000);
	ts.tv_nsec = (long)(wait_ms % 1000) * 1000000L;
	if (nanosleep(&ts, NULL) != 0 && interrupt_pending())
		return interrupt_fail();
	return 0;
}
