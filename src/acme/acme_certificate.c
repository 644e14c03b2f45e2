/* Revocation (RFC 8555 7.6) and renewal information (RFC 9773 4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_internal.h"
#include "acme_json.h"
#include "acmeup/error.h"
#include "acmeup/log.h"

/* RFC 8555 7.6: the request is signed with the account key (kid) or with
 * the certificate's key (jwk); acme_post picks by whether kid is set. */
int
acme_revoke(struct acme_client *c, const uint8_t *der, size_t len,
            int reason)
{
	struct http_response resp = { 0 };
	char *cert64 = NULL, *payload = NULL;
	int rc;

	if (c->dir.revoke_cert == NULL)
		return acmeup_fail(ACMEUP_EACME, "the CA's directory %s offers "
		    "no revokeCert", c->dir_url);
	rc = b64url_encode(der, len, &cert64);
	if (rc == 0)
		rc = acme_json_revoke(cert64, reason, &payload);
	if (rc == 0)
		rc = acme_post(c, c->dir.revoke_cert, payload, &resp);
	free(cert64);
	free(payload);
	http_response_clear(&resp);
	return rc;
}

/* RFC 9773 4.1: renewalInfo "/" certID, a plain GET. */
int
acme_renewal_info(struct acme_client *c, const char *cert_id,
                  struct acme_renewal_info *out)
{
	struct http_response resp = { 0 };
	struct acme_renewal_info ri = { .retry_after = -1 };
	size_t n;
	char *url;
	int rc;

	if (c->dir.renewal_info == NULL)
		return acmeup_fail(ACMEUP_EPROTO, "the CA's directory %s offers "
		    "no renewalInfo (RFC 9773)", c->dir_url);
	n = strlen(c->dir.renewal_info) + 1 + strlen(cert_id) + 1;
	url = malloc(n);
	if (url == NULL)
		return ACMEUP_ENOMEM;
	snprintf(url, n, "%s%s%s", c->dir.renewal_info,
	    c->dir.renewal_info[strlen(c->dir.renewal_info) - 1] == '/' ?
	    "" : "/", cert_id);
	rc = acme_get(c, url, &resp);
	if (rc == 0)
		rc = acme_json_renewal_info(resp.body, &ri);
	if (rc == ACMEUP_EPROTO)
		rc = acmeup_err_context(rc, "%s", url);
	if (rc == 0) {
		ri.retry_after = resp.retry_after;
		*out = ri;
		memset(&ri, 0, sizeof(ri));
	}
	acme_renewal_info_clear(&ri);
	http_response_clear(&resp);
	free(url);
	return rc;
}
