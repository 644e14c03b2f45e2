/* ACME account (RFC 8555 7.3) and the dns-01 key authorization (8.1, 8.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme_internal.h"
#include "acme_json.h"
#include "acmeup/error.h"
#include "acmeup/log.h"

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
	free(c->kid);
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
	rc = acme_json_new_account(NULL, 0, 0, 1, NULL, &payload);
	if (rc == 0)
		rc = post_new_account(c, payload, acct);
	free(payload);
	if (rc == 0) {
		*found = 1;
	} else if (rc == ACMEUP_EACME &&
	    strcmp(c->last_problem, "accountDoesNotExist") == 0) {
		acmeup_err_clear();
		rc = 0;
	} else if (rc == ACMEUP_EACME &&
	    strcmp(c->last_problem, "unauthorized") == 0 &&
	    strstr(acmeup_errmsg(rc), "deactivated") != NULL) {
		rc = acmeup_err_context(rc, "the account of this key is "
		    "deactivated and cannot be used again: register a new "
		    "account with a new key; the CA said");
	}
	return rc;
}

/* The checks before creating an account: terms (7.3), EAB (7.3.4). */
static int
may_create(const struct acme_client *c, const struct acme_account_req *r)
{
	if (r->only_existing)
		return acmeup_fail(ACMEUP_EACME, "no account at %s uses this "
		    "key (accountDoesNotExist): create one with 'acmeup "
		    "account register'", c->dir_url);
	if (c->dir.eab_required && r->eab_kid == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "the CA at %s requires "
		    "External Account Binding (RFC 8555 7.3.4): pass "
		    "--eab-kid and --eab-hmac-key from your account at the "
		    "CA", c->dir_url);
	if ((r->eab_kid == NULL) != (r->eab_hmac_key == NULL))
		return acmeup_fail(ACMEUP_EUSAGE, "External Account Binding "
		    "needs both --eab-kid and --eab-hmac-key");
	if (c->dir.terms_of_service != NULL && !r->agree_tos)
		return acmeup_fail(ACMEUP_EUSAGE, "the CA requires agreeing to "
		    "its terms of service at %s: read them, then pass "
		    "--agree-tos", c->dir.terms_of_service);
	return 0;
}

static int
create_account(struct acme_client *c, const struct acme_account_req *r,
               struct acme_account *acct)
{
	char *payload = NULL, *eab = NULL;
	int rc;

	rc = may_create(c, r);
	if (rc != 0)
		return rc;
	if (c->dir.terms_of_service != NULL)
		log_stage("acme: agreeing to the terms of service at %s",
		    c->dir.terms_of_service);
	if (r->eab_kid != NULL)
		rc = acme_eab_jws(r->eab_alg != NULL ? r->eab_alg : "HS256",
		    r->eab_kid, r->eab_hmac_key, c->dir.new_account, &c->jwk,
		    &eab);
	if (rc == 0)
		rc = acme_json_new_account(r->contacts, r->n_contacts,
		    r->agree_tos, 0, eab, &payload);
	if (rc == 0)
		rc = post_new_account(c, payload, acct);
	if (rc == 0)
		log_stage("acme: account created: %s%s%s", c->kid,
		    r->eab_kid != NULL ? ", bound to external account " : "",
		    r->eab_kid != NULL ? r->eab_kid : "");
	free(payload);
	free(eab);
	return rc;
}

int
acme_account_open(struct acme_client *c, const struct acme_account_req *r,
                  struct acme_account *acct, int *created)
{
	struct acme_account a = { 0 };
	int rc, found;

	rc = find_account(c, &a, &found);
	if (rc == 0 && found)
		log_stage("acme: using account %s", c->kid);
	else if (rc == 0)
		rc = create_account(c, r, &a);
	if (rc == 0 && strcmp(a.status, "valid") != 0)
		rc = acmeup_fail(ACMEUP_EACME, "account %s is %s, not valid",
		    c->kid, a.status);
	if (rc == 0 && created != NULL)
		*created = !found;
	if (rc == 0 && acct != NULL) {
		*acct = a;
		memset(&a, 0, sizeof(a));
	}
	acme_account_clear(&a);
	return rc;
}

const char *
acme_account_url(const struct acme_client *c)
{
	return c->kid;
}

/* POST payload to the account URL and parse the answer. */
static int
account_post(struct acme_client *c, const char *payload,
             struct acme_account *out)
{
	struct http_response resp = { 0 };
	struct acme_account a = { 0 };
	int rc;

	if (c->kid == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "no account opened");
	rc = acme_post(c, c->kid, payload, &resp);
	if (rc == 0)
		rc = acme_json_account(resp.body, &a);
	if (rc == 0 && out != NULL) {
		*out = a;
		memset(&a, 0, sizeof(a));
	}
	acme_account_clear(&a);
	http_response_clear(&resp);
	return rc;
}

/* RFC 8555 7.3.3 (POST-as-GET) */
int
acme_account_fetch(struct acme_client *c, struct acme_account *out)
{
	return account_post(c, "", out);
}

/* RFC 8555 7.3.2 */
int
acme_account_update(struct acme_client *c, const char *const *contacts,
                    size_t n, struct acme_account *out)
{
	char *payload = NULL;
	int rc;

	rc = acme_json_account_update(contacts, n, 0, &payload);
	if (rc == 0)
		rc = account_post(c, payload, out);
	free(payload);
	return rc;
}

/* RFC 8555 7.3.6 */
int
acme_account_deactivate(struct acme_client *c, struct acme_account *out)
{
	char *payload = NULL;
	int rc;

	rc = acme_json_account_update(NULL, 0, 1, &payload);
	if (rc == 0)
		rc = account_post(c, payload, out);
	free(payload);
	return rc;
}

/* RFC 8555 7.3.5: inner JWS signed by the new key, with its jwk and the
 * keyChange URL but no nonce, over {"account", "oldKey"}. */
static int
key_change_inner(struct acme_client *c, const struct crypto_key *new_key,
                 char **out)
{
	struct crypto_jwk jwk = { 0 };
	char *payload = NULL;
	int rc;

	rc = crypto_key_jwk(new_key, &jwk);
	if (rc == 0)
		rc = acme_json_key_change(c->kid, &c->jwk, &payload);
	if (rc == 0)
		rc = acme_jws_new(new_key, &jwk, NULL, NULL, c->dir.key_change,
		    payload, out);
	crypto_jwk_clear(&jwk);
	free(payload);
	return rc;
}

int
acme_account_key_change(struct acme_client *c,
                        const struct crypto_key *new_key)
{
	struct http_response resp = { 0 };
	char *inner = NULL;
	int rc;

	if (c->dir.key_change == NULL)
		return acmeup_fail(ACMEUP_EACME, "the CA's directory %s offers "
		    "no keyChange", c->dir_url);
	if (c->kid == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "no account opened");
	rc = key_change_inner(c, new_key, &inner);
	if (rc == 0)
		rc = acme_post(c, c->dir.key_change, inner, &resp);
	if (rc == ACMEUP_EACME && strstr(acmeup_errmsg(rc), "HTTP 409") != NULL)
		rc = acmeup_err_context(rc, "the new key belongs to another account "
		    "already (RFC 8555 7.3.5)");
	if (rc == 0)
		rc = acme_client_set_key(c, new_key);
	if (rc == 0)
		log_stage("acme: account %s now uses the new key", c->kid);
	free(inner);
	http_response_clear(&resp);
	return rc;
}
