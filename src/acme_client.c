/* ACME transport: directory, nonces, signed requests, problem documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme_internal.h"
#include "acmeup/acme_json.h"
#include "acmeup/error.h"
#include "acmeup/interrupt.h"
#include "acmeup/log.h"

#define BADNONCE_RETRIES 10
#define PROBLEM_TYPE "urn:ietf:params:acme:error:"

int
acme_client_new(const char *url, const char *ca_bundle,
                const struct crypto_key *key, struct acme_client **out)
{
	struct acme_client *c;
	struct http_response resp = { 0 };
	char *jwk_json = NULL;
	int rc = ACMEUP_ENOMEM;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return ACMEUP_ENOMEM;
	c->key = key;
	rc = http_client_new(ca_bundle, &c->http);
	if (rc == 0)
		rc = crypto_key_jwk(key, &c->jwk);
	if (rc == 0)
		rc = acme_json_jwk(&c->jwk, &jwk_json);
	if (rc == 0)
		rc = acme_thumbprint(jwk_json, &c->thumbprint);
	if (rc == 0)
		rc = http_get(c->http, url, &resp);
	if (rc != 0)
		goto out;
	if (resp.status != 200) {
		rc = acmeup_fail(ACMEUP_EACME, "the ACME directory %s answered "
		    "HTTP %ld", url, resp.status);
		goto out;
	}
	rc = acme_json_directory(resp.body, &c->dir);
	if (rc == ACMEUP_EPROTO)
		rc = acmeup_fail(rc, "%s is not an ACME directory: %s", url,
		    acmeup_errmsg(rc));
	if (rc == 0) {
		*out = c;
		c = NULL;
	}
out:
	http_response_clear(&resp);
	free(jwk_json);
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

static int
is_problem(const struct http_response *resp)
{
	return resp->content_type != NULL &&
	    strstr(resp->content_type, "application/problem+json") != NULL;
}

int
acme_fail_problem(const struct acme_problem *p, const char *context)
{
	char buf[1024];
	const char *type = p->type != NULL ? p->type : "about:blank";
	size_t i, used;
	int n;

	if (strncmp(type, PROBLEM_TYPE, strlen(PROBLEM_TYPE)) == 0)
		type += strlen(PROBLEM_TYPE);
	n = snprintf(buf, sizeof(buf), "%s: %s: %s", context, type,
	    p->detail != NULL ? p->detail : "(no detail)");
	used = n < 0 ? 0 : (size_t)n;
	for (i = 0; i < p->n_sub && used < sizeof(buf); i++) {
		n = snprintf(buf + used, sizeof(buf) - used, "; %s: %s",
		    p->sub[i].identifier != NULL ? p->sub[i].identifier : "?",
		    p->sub[i].detail != NULL ? p->sub[i].detail : "");
		used += n < 0 ? 0 : (size_t)n;
	}
	return acmeup_fail(ACMEUP_EACME, "%s", buf);
}

/* A non-2xx answer: a problem document, or plain HTTP status. Sets *bad_nonce
 * for RFC 8555 6.5's retry. */
static int
fail_response(const struct http_response *resp, const char *url,
              int *bad_nonce)
{
	struct acme_problem p = { 0 };
	char ctx[512];
	int rc;

	*bad_nonce = 0;
	if (!is_problem(resp) || acme_json_problem(resp->body, &p) != 0)
		return acmeup_fail(ACMEUP_EACME, "%s answered HTTP %ld", url,
		    resp->status);
	*bad_nonce = strcmp(p.type, PROBLEM_TYPE "badNonce") == 0;
	snprintf(ctx, sizeof(ctx), "%s (HTTP %ld)", url, resp->status);
	rc = acme_fail_problem(&p, ctx);
	if (resp->retry_after >= 0)
		acmeup_fail(rc, "%s; retry after %ld s", acmeup_errmsg(rc),
		    resp->retry_after);
	acme_problem_clear(&p);
	return rc;
}

int
acme_post(struct acme_client *c, const char *url, const char *payload,
          struct http_response *resp)
{
	char *jws = NULL;
	int rc = 0, attempt, bad_nonce = 0;

	for (attempt = 0; attempt <= BADNONCE_RETRIES; attempt++) {
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
		rc = fail_response(resp, url, &bad_nonce);
		http_response_clear(resp);
		if (!bad_nonce)
			return rc;
		log_debug("acme: badNonce from %s, retrying with a new nonce",
		    url);
		rc = 0;
	}
	return acmeup_fail(ACMEUP_EACME, "%s rejected %d nonces in a row "
	    "(badNonce); giving up", url, BADNONCE_RETRIES + 1);
}

int
acme_poll_sleep(long retry_after, unsigned *attempt, long long deadline_ms)
{
	long long wait_ms, now = log_elapsed_ms();
	struct timespec ts;

	if (retry_after >= 0)
		wait_ms = retry_after * 1000LL;
	else
		wait_ms = *attempt < 5 ? 50LL << *attempt : 1000;
	(*attempt)++;
	if (interrupt_pending())
		return acmeup_fail(ACMEUP_EINTR, "interrupted by signal %d",
		    interrupt_pending());
	if (now >= deadline_ms)
		return ACMEUP_ETIMEOUT;
	if (now + wait_ms > deadline_ms)
		wait_ms = deadline_ms - now;
	ts.tv_sec = (time_t)(wait_ms / 1000);
	ts.tv_nsec = (long)(wait_ms % 1000) * 1000000L;
	if (nanosleep(&ts, NULL) != 0 && interrupt_pending())
		return acmeup_fail(ACMEUP_EINTR, "interrupted by signal %d",
		    interrupt_pending());
	return 0;
}
