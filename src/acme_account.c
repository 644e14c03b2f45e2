/* ACME account (RFC 8555 7.3) and the dns-01 key authorization (8.1, 8.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_internal.h"
#include "acmeup/acme_json.h"
#include "acmeup/error.h"
#include "acmeup/log.h"

/* RFC 7638 3: base64url(SHA-256(canonical JWK)). */
int
acme_thumbprint(const char *jwk_json, char **out)
{
	uint8_t digest[32];
	int rc;

	rc = crypto_sha256(jwk_json, strlen(jwk_json), digest);
	if (rc == 0)
		rc = b64url_encode(digest, sizeof(digest), out);
	return rc;
}

/* RFC 8555 8.4: the TXT value is base64url(SHA-256(key authorization)). */
int
acme_dns01_digest(const char *key_authorization, char **out)
{
	return acme_thumbprint(key_authorization, out);
}

/* RFC 8555 8.1: key authorization = token "." thumbprint. */
int
acme_dns01_value(const struct acme_client *c, const char *token, char **out)
{
	size_t len = strlen(token) + 1 + strlen(c->thumbprint) + 1;
	char *ka;
	int rc;

	ka = malloc(len);
	if (ka == NULL)
		return ACMEUP_ENOMEM;
	snprintf(ka, len, "%s.%s", token, c->thumbprint);
	rc = acme_dns01_digest(ka, out);
	explicit_bzero(ka, len);
	free(ka);
	return rc;
}

/* POST newAccount; on 200/201 the Location is the account URL (kid). */
static int
post_new_account(struct acme_client *c, const char *payload,
                 struct acme_account *acct)
{
	struct http_response resp = { 0 };
	int rc;

	rc = acme_post(c, c->dir.new_account, payload, &resp);
	if (rc != 0)
		return rc;
	if (resp.location == NULL) {
		rc = acmeup_fail(ACMEUP_EPROTO, "the CA's newAccount answer "
		    "has no Location header");
		goto out;
	}
	rc = acme_json_account(resp.body, acct);
	if (rc != 0)
		goto out;
	c->kid = resp.location;
	resp.location = NULL;
out:
	http_response_clear(&resp);
	return rc;
}

/* RFC 8555 7.3.1: look the key's account up without creating one. */
static int
find_account(struct acme_client *c, struct acme_account *acct, int *found)
{
	char *payload = NULL;
	int rc;

	*found = 0;
	rc = acme_json_new_account(NULL, 0, 0, 1, &payload);
	if (rc == 0)
		rc = post_new_account(c, payload, acct);
	free(payload);
	if (rc == 0) {
		*found = 1;
	} else if (rc == ACMEUP_EACME &&
	    strstr(acmeup_errmsg(rc), "accountDoesNotExist") != NULL) {
		acmeup_err_clear();
		rc = 0;
	}
	return rc;
}

int
acme_account_ensure(struct acme_client *c, const char *const *contacts,
                    size_t n, int agree_tos)
{
	struct acme_account acct = { 0 };
	char *payload = NULL;
	int rc, found;

	rc = find_account(c, &acct, &found);
	if (rc != 0 || found)
		goto out;
	if (c->dir.terms_of_service != NULL && !agree_tos) {
		rc = acmeup_fail(ACMEUP_EUSAGE, "the CA requires agreeing to "
		    "its terms of service at %s: read them, then pass "
		    "--agree-tos", c->dir.terms_of_service);
		goto out;
	}
	rc = acme_json_new_account(contacts, n, agree_tos, 0, &payload);
	if (rc == 0)
		rc = post_new_account(c, payload, &acct);
	if (rc == 0)
		log_stage("acme: account created: %s", c->kid);
out:
	if (rc == 0 && found)
		log_stage("acme: using account %s", c->kid);
	if (rc == 0 && strcmp(acct.status, "valid") != 0)
		rc = acmeup_fail(ACMEUP_EACME, "account %s is %s, not valid",
		    c->kid, acct.status);
	free(payload);
	acme_account_clear(&acct);
	return rc;
}
