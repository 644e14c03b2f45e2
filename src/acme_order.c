/* ACME orders: new order, authorizations, challenges, finalize, download
 * (RFC 8555 7.4, 7.5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_internal.h"
#include "acmeup/acme_json.h"
#include "acmeup/error.h"
#include "acmeup/log.h"

#define PEM_CHAIN "application/pem-certificate-chain"

int
acme_order_new(struct acme_client *c, const char *const *names, size_t n,
               struct acme_order *order, char **url)
{
	struct http_response resp = { 0 };
	struct acme_order o = { 0 };
	char *payload = NULL;
	int rc;

	rc = acme_json_new_order(names, n, &payload);
	if (rc == 0)
		rc = acme_post(c, c->dir.new_order, payload, &resp);
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
	free(payload);
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
			return acme_fail_problem(&a->challenges[i].error, ctx);
	return acmeup_fail(ACMEUP_EACME, "%s: authorization is %s", ctx,
	    a->status);
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
		rc = acme_poll_sleep(resp.retry_after, &attempt, deadline);
		if (rc == ACMEUP_ETIMEOUT)
			rc = acmeup_fail(rc, "authorization for %s still "
			    "pending after %u ms", a.identifier, timeout_ms);
		if (rc != 0)
			break;
		acme_authz_clear(&a);
		http_response_clear(&resp);
	}
	acme_authz_clear(&a);
	http_response_clear(&resp);
	return rc;
}

/* Poll the order while it is "processing" (RFC 8555 7.4); the order must
 * end "valid" with a certificate URL. */
static int
order_wait(struct acme_client *c, const char *url, unsigned timeout_ms,
           struct acme_order *out)
{
	struct http_response resp = { 0 };
	struct acme_order o = { 0 };
	long long deadline = log_elapsed_ms() + timeout_ms;
	unsigned attempt = 0;
	int rc;

	for (;;) {
		rc = acme_post(c, url, "", &resp);
		if (rc == 0)
			rc = acme_json_order(resp.body, &o);
		if (rc != 0 || strcmp(o.status, "valid") == 0)
			break;
		if (strcmp(o.status, "processing") != 0) {
			rc = o.error.type != NULL ?
			    acme_fail_problem(&o.error, "order failed") :
			    acmeup_fail(ACMEUP_EACME, "order %s is %s", url,
			    o.status);
			break;
		}
		rc = acme_poll_sleep(resp.retry_after, &attempt, deadline);
		if (rc != 0)
			break;
		acme_order_clear(&o);
		http_response_clear(&resp);
	}
	if (rc == 0 && o.certificate == NULL)
		rc = acmeup_fail(ACMEUP_EPROTO, "order %s is valid but has no "
		    "certificate URL", url);
	if (rc == 0) {
		*out = o;
		memset(&o, 0, sizeof(o));
	}
	acme_order_clear(&o);
	http_response_clear(&resp);
	return rc;
}

/* RFC 8555 7.4.2: POST-as-GET the chain as PEM. */
static int
download(struct acme_client *c, const char *url, char **pem)
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
	*pem = resp.body;
	resp.body = NULL;
out:
	http_response_clear(&resp);
	return rc;
}

int
acme_order_finish(struct acme_client *c, const char *order_url,
                  const struct acme_order *order, const uint8_t *csr,
                  size_t csr_len, unsigned timeout_ms, char **pem)
{
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
		rc = order_wait(c, order_url, timeout_ms, &done);
	if (rc == 0)
		rc = download(c, done.certificate, pem);
	free(csr64);
	free(payload);
	acme_order_clear(&done);
	http_response_clear(&resp);
	return rc;
}
