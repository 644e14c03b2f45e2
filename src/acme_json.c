/* ACME JSON: parse CA responses into typed structs, build request payloads.
 * json-c objects never leave this file. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "acmeup/acme_json.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"

#define MAX_ARRAY 1000 /* authorizations, challenges, subproblems */

static json_object *
parse_object(const char *body, const char *what)
{
	json_object *o;

	if (body == NULL)
		return NULL;
	o = json_tokener_parse(body);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	if (o == NULL)
		acmeup_fail(ACMEUP_EPROTO, "the CA sent a %s that is not a JSON "
		    "object", what);
	return o;
}

/* Copy string member key of o into *dst (NULL when absent or not a string). */
static int
get_str(json_object *o, const char *key, char **dst)
{
	json_object *v;

	*dst = NULL;
	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return 0;
	*dst = strdup(json_object_get_string(v));
	return *dst == NULL ? ACMEUP_ENOMEM : 0;
}

/* As get_str, but the member must be present. */
static int
need_str(json_object *o, const char *key, char **dst, const char *what)
{
	int rc = get_str(o, key, dst);

	if (rc == 0 && *dst == NULL)
		rc = acmeup_fail(ACMEUP_EPROTO, "the CA's %s has no \"%s\"",
		    what, key);
	return rc;
}

static int
get_str_array(json_object *o, const char *key, char ***dst, size_t *n)
{
	json_object *arr, *v;
	size_t i, len;
	char **list;

	*dst = NULL;
	*n = 0;
	if (!json_object_object_get_ex(o, key, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return 0;
	len = json_object_array_length(arr);
	if (len == 0 || len > MAX_ARRAY)
		return 0;
	list = calloc(len, sizeof(*list));
	if (list == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < len; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string))
			continue;
		list[*n] = strdup(json_object_get_string(v));
		if (list[*n] == NULL)
			break;
		(*n)++;
	}
	*dst = list;
	return i == len ? 0 : ACMEUP_ENOMEM;
}

void
acme_directory_clear(struct acme_directory *d)
{
	if (d == NULL)
		return;
	free(d->new_nonce);
	free(d->new_account);
	free(d->new_order);
	free(d->revoke_cert);
	free(d->key_change);
	free(d->terms_of_service);
	memset(d, 0, sizeof(*d));
}

/* RFC 8555 7.1.1 */
int
acme_json_directory(const char *body, struct acme_directory *out)
{
	struct acme_directory d = { 0 };
	json_object *o, *meta, *v;
	int rc = ACMEUP_EPROTO;

	o = parse_object(body, "directory");
	if (o == NULL)
		goto out;
	rc = need_str(o, "newNonce", &d.new_nonce, "directory");
	if (rc == 0)
		rc = need_str(o, "newAccount", &d.new_account, "directory");
	if (rc == 0)
		rc = need_str(o, "newOrder", &d.new_order, "directory");
	if (rc == 0)
		rc = get_str(o, "revokeCert", &d.revoke_cert);
	if (rc == 0)
		rc = get_str(o, "keyChange", &d.key_change);
	if (rc == 0 && json_object_object_get_ex(o, "meta", &meta) &&
	    json_object_is_type(meta, json_type_object)) {
		rc = get_str(meta, "termsOfService", &d.terms_of_service);
		if (json_object_object_get_ex(meta, "externalAccountRequired",
		    &v))
			d.eab_required = json_object_get_boolean(v);
	}
	if (rc == 0) {
		*out = d;
		memset(&d, 0, sizeof(d));
	}
out:
	acme_directory_clear(&d);
	json_object_put(o);
	return rc;
}

void
acme_problem_clear(struct acme_problem *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_sub; i++)
		acme_problem_clear(&p->sub[i]);
	free(p->sub);
	free(p->type);
	free(p->detail);
	free(p->identifier);
	memset(p, 0, sizeof(*p));
}

static int problem_from(json_object *o, struct acme_problem *p, int depth);

/* RFC 8555 6.7.1: subproblems carry their identifier. */
static int
subproblems_from(json_object *o, struct acme_problem *p, int depth)
{
	json_object *arr, *v;
	size_t i, len;
	int rc = 0;

	if (depth > 0 || !json_object_object_get_ex(o, "subproblems", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return 0;
	len = json_object_array_length(arr);
	if (len == 0 || len > MAX_ARRAY)
		return 0;
	p->sub = calloc(len, sizeof(*p->sub));
	if (p->sub == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < len && rc == 0; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_object))
			continue;
		rc = problem_from(v, &p->sub[p->n_sub], depth + 1);
		if (rc == 0)
			p->n_sub++;
	}
	return rc;
}

static int
problem_from(json_object *o, struct acme_problem *p, int depth)
{
	json_object *id;
	int rc;

	rc = get_str(o, "type", &p->type);
	if (rc == 0)
		rc = get_str(o, "detail", &p->detail);
	if (rc == 0 && json_object_object_get_ex(o, "identifier", &id) &&
	    json_object_is_type(id, json_type_object))
		rc = get_str(id, "value", &p->identifier);
	if (rc == 0)
		rc = subproblems_from(o, p, depth);
	if (rc == 0 && p->type == NULL) {
		p->type = strdup("about:blank");
		if (p->type == NULL)
			rc = ACMEUP_ENOMEM;
	}
	return rc;
}

/* Optional "error" member of an order or challenge. */
static int
error_member(json_object *o, struct acme_problem *p)
{
	json_object *e;

	if (!json_object_object_get_ex(o, "error", &e) ||
	    !json_object_is_type(e, json_type_object))
		return 0;
	return problem_from(e, p, 0);
}

int
acme_json_problem(const char *body, struct acme_problem *out)
{
	struct acme_problem p = { 0 };
	json_object *o;
	int rc = ACMEUP_EPROTO;

	o = parse_object(body, "problem document");
	if (o == NULL)
		goto out;
	rc = problem_from(o, &p, 0);
	if (rc == 0) {
		*out = p;
		memset(&p, 0, sizeof(p));
	}
out:
	acme_problem_clear(&p);
	json_object_put(o);
	return rc;
}

void
acme_account_clear(struct acme_account *a)
{
	if (a == NULL)
		return;
	free(a->status);
	free(a->orders);
	memset(a, 0, sizeof(*a));
}

/* RFC 8555 7.1.2 */
int
acme_json_account(const char *body, struct acme_account *out)
{
	struct acme_account a = { 0 };
	json_object *o;
	int rc = ACMEUP_EPROTO;

	o = parse_object(body, "account");
	if (o == NULL)
		goto out;
	rc = need_str(o, "status", &a.status, "account");
	if (rc == 0)
		rc = get_str(o, "orders", &a.orders);
	if (rc == 0) {
		*out = a;
		memset(&a, 0, sizeof(a));
	}
out:
	acme_account_clear(&a);
	json_object_put(o);
	return rc;
}

void
acme_order_clear(struct acme_order *o)
{
	size_t i;

	if (o == NULL)
		return;
	free(o->status);
	for (i = 0; i < o->n_authorizations; i++)
		free(o->authorizations[i]);
	free(o->authorizations);
	free(o->finalize);
	free(o->certificate);
	acme_problem_clear(&o->error);
	memset(o, 0, sizeof(*o));
}

/* RFC 8555 7.1.3 */
int
acme_json_order(const char *body, struct acme_order *out)
{
	struct acme_order r = { 0 };
	json_object *o;
	int rc = ACMEUP_EPROTO;

	o = parse_object(body, "order");
	if (o == NULL)
		goto out;
	rc = need_str(o, "status", &r.status, "order");
	if (rc == 0)
		rc = need_str(o, "finalize", &r.finalize, "order");
	if (rc == 0)
		rc = get_str(o, "certificate", &r.certificate);
	if (rc == 0)
		rc = get_str_array(o, "authorizations", &r.authorizations,
		    &r.n_authorizations);
	if (rc == 0)
		rc = error_member(o, &r.error);
	if (rc == 0) {
		*out = r;
		memset(&r, 0, sizeof(r));
	}
out:
	acme_order_clear(&r);
	json_object_put(o);
	return rc;
}

void
acme_challenge_clear(struct acme_challenge *c)
{
	if (c == NULL)
		return;
	free(c->type);
	free(c->url);
	free(c->token);
	free(c->status);
	acme_problem_clear(&c->error);
	memset(c, 0, sizeof(*c));
}

static int
challenge_from(json_object *o, struct acme_challenge *c)
{
	int rc;

	rc = need_str(o, "type", &c->type, "challenge");
	if (rc == 0)
		rc = need_str(o, "url", &c->url, "challenge");
	if (rc == 0)
		rc = need_str(o, "status", &c->status, "challenge");
	if (rc == 0)
		rc = get_str(o, "token", &c->token);
	if (rc == 0)
		rc = error_member(o, &c->error);
	return rc;
}

/* RFC 8555 7.5.1 */
int
acme_json_challenge(const char *body, struct acme_challenge *out)
{
	struct acme_challenge c = { 0 };
	json_object *o;
	int rc = ACMEUP_EPROTO;

	o = parse_object(body, "challenge");
	if (o == NULL)
		goto out;
	rc = challenge_from(o, &c);
	if (rc == 0) {
		*out = c;
		memset(&c, 0, sizeof(c));
	}
out:
	acme_challenge_clear(&c);
	json_object_put(o);
	return rc;
}

void
acme_authz_clear(struct acme_authz *a)
{
	size_t i;

	if (a == NULL)
		return;
	free(a->identifier);
	free(a->status);
	for (i = 0; i < a->n_challenges; i++)
		acme_challenge_clear(&a->challenges[i]);
	free(a->challenges);
	memset(a, 0, sizeof(*a));
}

static int
authz_challenges(json_object *o, struct acme_authz *a)
{
	json_object *arr, *v;
	size_t i, len;
	int rc = 0;

	if (!json_object_object_get_ex(o, "challenges", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return acmeup_fail(ACMEUP_EPROTO, "the CA's authorization for "
		    "%s has no challenges", a->identifier);
	len = json_object_array_length(arr);
	if (len == 0 || len > MAX_ARRAY)
		return 0;
	a->challenges = calloc(len, sizeof(*a->challenges));
	if (a->challenges == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < len && rc == 0; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_object))
			continue;
		rc = challenge_from(v, &a->challenges[a->n_challenges]);
		if (rc == 0)
			a->n_challenges++;
		else
			acme_challenge_clear(&a->challenges[a->n_challenges]);
	}
	return rc;
}

/* RFC 8555 7.1.4 */
int
acme_json_authz(const char *body, struct acme_authz *out)
{
	struct acme_authz a = { 0 };
	json_object *o, *id, *w;
	int rc = ACMEUP_EPROTO;

	o = parse_object(body, "authorization");
	if (o == NULL)
		goto out;
	if (!json_object_object_get_ex(o, "identifier", &id) ||
	    !json_object_is_type(id, json_type_object)) {
		rc = acmeup_fail(ACMEUP_EPROTO, "the CA's authorization has "
		    "no identifier");
		goto out;
	}
	rc = need_str(id, "value", &a.identifier, "authorization");
	if (rc == 0)
		rc = need_str(o, "status", &a.status, "authorization");
	if (rc == 0 && json_object_object_get_ex(o, "wildcard", &w))
		a.wildcard = json_object_get_boolean(w);
	if (rc == 0)
		rc = authz_challenges(o, &a);
	if (rc == 0) {
		*out = a;
		memset(&a, 0, sizeof(a));
	}
out:
	acme_authz_clear(&a);
	json_object_put(o);
	return rc;
}

/* Serialise o compactly into a new string; drops the reference to o. */
static int
to_string(json_object *o, char **out)
{
	const char *s;
	int rc = ACMEUP_ENOMEM;

	if (o == NULL)
		return ACMEUP_ENOMEM;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s != NULL) {
		*out = strdup(s);
		if (*out != NULL)
			rc = 0;
	}
	json_object_put(o);
	return rc;
}

/* Add a string member; returns -1 on allocation failure. */
static int
add_str(json_object *o, const char *key, const char *val)
{
	json_object *v = json_object_new_string(val);

	if (v == NULL)
		return -1;
	return json_object_object_add(o, key, v);
}

/* Required members only, inserted in lexicographic order (RFC 7638 3.2);
 * json-c keeps insertion order. */
static json_object *
jwk_object(const struct crypto_jwk *jwk)
{
	json_object *o = json_object_new_object();
	int bad = 0;

	if (o == NULL || jwk->kty == NULL)
		goto fail;
	if (strcmp(jwk->kty, "EC") == 0 && jwk->crv && jwk->x && jwk->y) {
		bad |= add_str(o, "crv", jwk->crv);
		bad |= add_str(o, "kty", jwk->kty);
		bad |= add_str(o, "x", jwk->x);
		bad |= add_str(o, "y", jwk->y);
	} else if (strcmp(jwk->kty, "RSA") == 0 && jwk->n && jwk->e) {
		bad |= add_str(o, "e", jwk->e);
		bad |= add_str(o, "kty", jwk->kty);
		bad |= add_str(o, "n", jwk->n);
	} else {
		goto fail;
	}
	if (bad == 0)
		return o;
fail:
	json_object_put(o);
	return NULL;
}

int
acme_json_jwk(const struct crypto_jwk *jwk, char **out)
{
	return to_string(jwk_object(jwk), out);
}

int
acme_json_protected(const char *alg, const struct crypto_jwk *jwk,
                    const char *kid, const char *nonce, const char *url,
                    char **out)
{
	json_object *o = json_object_new_object(), *k = NULL;
	int bad = 0;

	if (o == NULL)
		return ACMEUP_ENOMEM;
	bad |= add_str(o, "alg", alg);
	if (kid != NULL) {
		bad |= add_str(o, "kid", kid);
	} else {
		k = jwk_object(jwk);
		bad |= k == NULL ? -1 : json_object_object_add(o, "jwk", k);
	}
	bad |= add_str(o, "nonce", nonce);
	bad |= add_str(o, "url", url);
	if (bad != 0) {
		json_object_put(o);
		return ACMEUP_ENOMEM;
	}
	return to_string(o, out);
}

int
acme_json_jws(const char *protected_b64, const char *payload_b64,
              const char *signature_b64, char **out)
{
	json_object *o = json_object_new_object();
	int bad = 0;

	if (o == NULL)
		return ACMEUP_ENOMEM;
	bad |= add_str(o, "protected", protected_b64);
	bad |= add_str(o, "payload", payload_b64);
	bad |= add_str(o, "signature", signature_b64);
	if (bad != 0) {
		json_object_put(o);
		return ACMEUP_ENOMEM;
	}
	return to_string(o, out);
}

int
acme_json_new_account(const char *const *contacts, size_t n, int agree_tos,
                      int only_existing, char **out)
{
	json_object *o = json_object_new_object(), *arr = NULL;
	size_t i;
	int bad = 0;

	if (o == NULL)
		return ACMEUP_ENOMEM;
	if (n > 0) {
		arr = json_object_new_array();
		bad |= arr == NULL ? -1 : json_object_object_add(o, "contact",
		    arr);
		for (i = 0; arr != NULL && i < n; i++)
			bad |= json_object_array_add(arr,
			    json_object_new_string(contacts[i]));
	}
	if (agree_tos)
		bad |= json_object_object_add(o, "termsOfServiceAgreed",
		    json_object_new_boolean(1));
	if (only_existing)
		bad |= json_object_object_add(o, "onlyReturnExisting",
		    json_object_new_boolean(1));
	if (bad != 0) {
		json_object_put(o);
		return ACMEUP_ENOMEM;
	}
	return to_string(o, out);
}

int
acme_json_new_order(const char *const *names, size_t n, char **out)
{
	json_object *o = json_object_new_object(), *arr, *id;
	size_t i;
	int bad = 0;

	arr = json_object_new_array();
	if (o == NULL || arr == NULL) {
		json_object_put(o);
		json_object_put(arr);
		return ACMEUP_ENOMEM;
	}
	bad |= json_object_object_add(o, "identifiers", arr);
	for (i = 0; i < n && bad == 0; i++) {
		id = json_object_new_object();
		if (id == NULL) {
			bad = -1;
			break;
		}
		bad |= add_str(id, "type", "dns");
		bad |= add_str(id, "value", names[i]);
		bad |= json_object_array_add(arr, id);
	}
	if (bad != 0) {
		json_object_put(o);
		return ACMEUP_ENOMEM;
	}
	return to_string(o, out);
}

int
acme_json_finalize(const char *csr_b64, char **out)
{
	json_object *o = json_object_new_object();

	if (o == NULL || add_str(o, "csr", csr_b64) != 0) {
		json_object_put(o);
		return ACMEUP_ENOMEM;
	}
	return to_string(o, out);
}
