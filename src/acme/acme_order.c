/* ACME orders: new order, authorizations, challenges, finalize, download
 * (RFC 8555 7.4, 7.5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme_internal.h"
#include "acme_json.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/log.h"

#define PEM_CHAIN "application/pem-certificate-chain"

/* The profile must be one the directory lists (draft-aaron-acme-profiles
 * 3). */
static int
check_profile(const struct acme_client *c, const char *profile)
{
	char names[512] = "";
	size_t i, used = 0;
	int n;

	if (profile == NULL)
		return 0;
	if (c->dir.n_profiles == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "--profile %s: the CA at %s "
		    "lists no certificate profiles in its directory", profile,
		    c->dir_url);
	for (i = 0; i < c->dir.n_profiles; i++) {
		if (strcmp(c->dir.profiles[i], profile) == 0)
			return 0;
		n = snprintf(names + used, sizeof(names) - used, "%s%s",
		    i > 0 ? ", " : "", c->dir.profiles[i]);
		if (n > 0 && (size_t)n < sizeof(names) - used)
			used += (size_t)n;
	}
	return acmeup_fail(ACMEUP_EUSAGE, "--profile %s: the CA at %s offers "
	    "only: %s", profile, c->dir_url, names);
}

static int
post_new_order(struct acme_client *c, const struct acme_order_req *r,
               const char *replaces, struct http_response *resp)
{
	char *payload = NULL;
	int rc;

	rc = acme_json_new_order(r->names, r->n, r->profile, replaces,
	    &payload);
	if (rc == 0)
		rc = acme_post(c, c->dir.new_order, payload, resp);
	free(payload);
	return rc;
}

int
acme_order_create(struct acme_client *c, const struct acme_order_req *r,
                  struct acme_order *order, char **url)
{
	struct http_response resp = { 0 };
	struct acme_order o = { 0 };
	const char *replaces = r->replaces;
	int rc;

	if (c->dir.renewal_info == NULL) /* RFC 9773 5: only with ARI */
		replaces = NULL;
	rc = check_profile(c, r->profile);
	if (rc == 0)
		rc = post_new_order(c, r, replaces, &resp);
	if (rc == ACMEUP_EACME && replaces != NULL &&
	    strcmp(c->last_problem, "alreadyReplaced") == 0) {
		log_warn("%s; ordering without \"replaces\"",
		    acmeup_errmsg(rc));
		acmeup_err_clear();
		rc = post_new_order(c, r, NULL, &resp);
	}
	if (rc == 0)
		rc = acme_json_order(resp.body, &o);
	if (rc != 0)
		goto out;
	if (resp.location == NULL || o.n_authorizations == 0) {
		rc = acmeup_fail(ACMEUP_EPROTO, "the CA's new order has no %s",
		    resp.location == NULL ? "Location" : "authorizations");
		goto out;
	}
	*url = resp.location;
	resp.location = NULL;
	*order = o;
	memset(&o, 0, sizeof(o));
out:
	acme_order_clear(&o);
	http_response_clear(&resp);
	return rc;
}

int
acme_authz_get(struct acme_client *c, const char *url, struct acme_authz *out)
{
	struct http_response resp = { 0 };
	int rc;

	rc = acme_post(c, url, "", &resp);
	if (rc == 0)
		rc = acme_json_authz(resp.body, out);
	http_response_clear(&resp);
	return rc;
}

/* RFC 8555 7.5.1: the response payload is the empty object. */
int
acme_challenge_respond(struct acme_client *c, const char *url)
{
	struct http_response resp = { 0 };
	int rc;

	rc = acme_post(c, url, "{}", &resp);
	http_response_clear(&resp);
	return rc;
}

/* The problem of the failed dns-01 challenge, if the CA gave one. */
static int
fail_authz(const struct acme_authz *a)
{
	char ctx[300];
	size_t i;

	snprintf(ctx, sizeof(ctx), "validation of %s%s failed",
	    a->wildcard ? "*." : "", a->identifier);
	for (i = 0; i < a->n_challenges; i++)
		if (a->challenges[i].error.type != NULL)
			return acme_fail_validation(&a->challenges[i].error,
			    ctx);
	return acmeup_fail(ACMEUP_EACME, "%s: authorization is %s", ctx,
	    a->status);
}

/* Between two polls of url (an order or authorization still in status):
 * fail after POLL_MAX_REQUESTS requests or past the deadline, naming url
 * and the count; else sleep as acme_poll_sleep. */
static int
poll_next(const char *what, const char *url, const char *status,
          long retry_after, unsigned *attempt, long long deadline,
          unsigned timeout_ms)
{
	unsigned sent = *attempt + 1;
	int rc;

	if (sent >= POLL_MAX_REQUESTS)
		return acmeup_fail(ACMEUP_ETIMEOUT, "%s %s still %s after %u "
		    "requests (at most %d per wait): giving up", what, url,
		    status, sent, POLL_MAX_REQUESTS);
	rc = acme_poll_sleep(retry_after, attempt, deadline);
	if (rc == ACMEUP_ETIMEOUT)
		rc = acmeup_fail(rc, "%s %s still %s after %u ms (%u requests)",
		    what, url, status, timeout_ms, sent);
	return rc;
}

int
acme_authz_wait(struct acme_client *c, const char *url, unsigned timeout_ms)
{
	struct http_response resp = { 0 };
	struct acme_authz a = { 0 };
	long long deadline = log_elapsed_ms() + timeout_ms;
	unsigned attempt = 0;
	int rc;

	for (;;) {
		rc = acme_post(c, url, "", &resp);
		if (rc == 0)
			rc = acme_json_authz(resp.body, &a);
		if (rc != 0)
			break;
		if (strcmp(a.status, "valid") == 0)
			break;
		if (strcmp(a.status, "pending") != 0) {
			rc = fail_authz(&a);
			break;
		}
		rc = poll_next("authorization", url, "pending",
		    resp.retry_after, &attempt, deadline, timeout_ms);
		if (rc != 0)
			break;
		acme_authz_clear(&a);
		http_response_clear(&resp);
	}
	acme_authz_clear(&a);
	http_response_clear(&resp);
	return rc;
}

/* POST-as-GET the order at url while its status is still (honouring
 * Retry-After, bounded by timeout_ms); *out gets the order as it left that
 * status. first, when not NULL, is a response that holds the order already
 * (finalize's, RFC 8555 7.4): it is read before any request. */
static int
order_poll(struct acme_client *c, const char *url, const char *still,
           unsigned timeout_ms, const struct http_response *first,
           struct acme_order *out)
{
	struct http_response resp = { 0 };
	struct acme_order o = { 0 };
	long long deadline = log_elapsed_ms() + timeout_ms;
	unsigned attempt = 0;
	long retry_after;
	int rc;

	for (;;) {
		if (first != NULL && first->body != NULL &&
		    acme_json_order(first->body, &o) == 0) {
			rc = 0;
			retry_after = first->retry_after;
			first = NULL;
		} else {
			if (first != NULL) { /* not an order: ask for it */
				acme_order_clear(&o);
				acmeup_err_clear();
				first = NULL;
			}
			rc = acme_post(c, url, "", &resp);
			if (rc == 0)
				rc = acme_json_order(resp.body, &o);
			retry_after = resp.retry_after;
		}
		if (rc != 0 || strcmp(o.status, still) != 0)
			break;
		rc = poll_next("order", url, still, retry_after,
		    &attempt, deadline, timeout_ms);
		if (rc != 0)
			break;
		acme_order_clear(&o);
		http_response_clear(&resp);
	}
	if (rc == 0) {
		*out = o;
		memset(&o, 0, sizeof(o));
	}
	acme_order_clear(&o);
	http_response_clear(&resp);
	return rc;
}

int
acme_order_await(struct acme_client *c, const char *url, unsigned timeout_ms,
                 int *ready)
{
	struct acme_order o = { 0 };
	int rc;

	*ready = 0;
	rc = order_poll(c, url, "pending", timeout_ms, NULL, &o);
	if (rc == 0)
		*ready = strcmp(o.status, "ready") == 0 ||
		    strcmp(o.status, "processing") == 0 ||
		    strcmp(o.status, "valid") == 0;
	acme_order_clear(&o);
	return rc;
}

/* Poll the order while it is "processing" (RFC 8555 7.4), starting from
 * finalize's response fin: a CA that answers "processing" is asked again
 * only after its Retry-After or our first backoff step, never at once (an
 * immediate poll races the CA's own issuance: pebble 2.4 can deadlock on
 * it). The order must end "valid" with a certificate URL. */
static int
order_wait(struct acme_client *c, const char *url, unsigned timeout_ms,
           const struct http_response *fin, struct acme_order *out)
{
	struct acme_order o = { 0 };
	int rc;

	rc = order_poll(c, url, "processing", timeout_ms, fin, &o);
	if (rc == 0 && strcmp(o.status, "valid") != 0)
		rc = o.error.type != NULL ?
		    acme_fail_problem(&o.error, "order failed") :
		    acmeup_fail(ACMEUP_EACME, "order %s is %s", url, o.status);
	if (rc == 0 && o.certificate == NULL)
		rc = acmeup_fail(ACMEUP_EPROTO, "order %s is valid but has no "
		    "certificate URL", url);
	if (rc == 0) {
		*out = o;
		memset(&o, 0, sizeof(o));
	}
	acme_order_clear(&o);
	return rc;
}

/* RFC 8555 7.4.2: POST-as-GET the chain as PEM, checked against want
 * before it is taken; *links gets the alternate chains' URLs (the
 * response's, moved out). */
static int
download(struct acme_client *c, const char *url,
         const struct crypto_chain_expect *want, char **pem,
         struct http_response *links)
{
	struct http_response resp = { 0 };
	int rc;

	rc = acme_post(c, url, "", &resp);
	if (rc != 0)
		return rc;
	if (resp.body == NULL || strstr(resp.body, "-----BEGIN CERTIFICATE-----")
	    == NULL) {
		rc = acmeup_fail(ACMEUP_EPROTO, "the certificate at %s is not "
		    "%s (Content-Type %s)", url, PEM_CHAIN,
		    resp.content_type != NULL ? resp.content_type : "none");
		goto out;
	}
	rc = crypto_chain_check(resp.body, resp.body_len, want);
	if (rc != 0) {
		rc = acmeup_err_context(rc, "certificate from %s", url);
		goto out;
	}
	*pem = resp.body;
	resp.body = NULL;
	if (links != NULL) {
		links->links_alternate = resp.links_alternate;
		links->n_links_alternate = resp.n_links_alternate;
		resp.links_alternate = NULL;
		resp.n_links_alternate = 0;
	}
out:
	http_response_clear(&resp);
	return rc;
}

/* Rank of a chain for the preferred issuer (crypto_chain_issuer_rank). */
static int
chain_rank(const char *pem, const char *cn)
{
	int rank = 0;

	if (crypto_chain_issuer_rank(pem, strlen(pem), cn, &rank) != 0) {
		acmeup_err_clear(); /* unreadable: ranks last */
		return 0;
	}
	return rank;
}

/* RFC 8555 7.4.2: the default chain, or the alternate whose topmost
 * issuer (else any issuer) is the preferred CN. */
static int
download_preferred(struct acme_client *c, const char *url, const char *cn,
                   const struct crypto_chain_expect *want, char **pem)
{
	struct http_response links = { 0 };
	char *best = NULL, *alt = NULL, *top = NULL;
	int rc, best_rank, rank;
	size_t i;

	rc = download(c, url, want, &best, &links);
	if (rc != 0 || cn == NULL)
		goto out;
	best_rank = chain_rank(best, cn);
	for (i = 0; i < links.n_links_alternate && best_rank < 2; i++) {
		rc = download(c, links.links_alternate[i], want, &alt, NULL);
		if (rc != 0)
			goto out;
		rank = chain_rank(alt, cn);
		if (rank > best_rank) {
			free(best);
			best = alt;
			best_rank = rank;
		} else {
			free(alt);
		}
		alt = NULL;
	}
	if (crypto_chain_top_issuer(best, strlen(best), &top) != 0) {
		acmeup_err_clear(); /* only named in a message */
		top = NULL;
	}
	if (best_rank == 0)
		log_warn("no chain of the %zu offered is issued by \"%s\"; "
		    "keeping the default chain (topmost issuer \"%s\")",
		    links.n_links_alternate + 1, cn, top != NULL ? top : "?");
	else
		log_stage("acme: chain issued by \"%s\" chosen (%zu offered)",
		    top != NULL ? top : cn, links.n_links_alternate + 1);
out:
	if (rc == 0) {
		*pem = best;
		best = NULL;
	}
	free(best);
	free(top);
	http_response_clear(&links);
	return rc;
}

int
acme_order_finalize(struct acme_client *c, const char *order_url,
                    const struct acme_order *order, const uint8_t *csr,
                    size_t csr_len, const struct acme_finish_opts *o,
                    char **pem)
{
	struct crypto_chain_expect want = { .csr = csr, .csr_len = csr_len,
	    .names = o->names, .n_names = o->n_names };
	struct http_response resp = { 0 };
	struct acme_order done = { 0 };
	char *csr64 = NULL, *payload = NULL;
	int rc;

	rc = b64url_encode(csr, csr_len, &csr64);
	if (rc == 0)
		rc = acme_json_finalize(csr64, &payload);
	if (rc == 0)
		rc = acme_post(c, order->finalize, payload, &resp);
	if (rc == 0)
		log_stage("acme: order finalized, waiting for the certificate");
	if (rc == 0)
		rc = order_wait(c, order_url, o->timeout_ms, &resp, &done);
	want.now = (long long)time(NULL);
	if (rc == 0)
		rc = download_preferred(c, done.certificate, o->preferred_chain,
		    &want, pem);
	free(csr64);
	free(payload);
	acme_order_clear(&done);
	http_response_clear(&resp);
	return rc;
}

