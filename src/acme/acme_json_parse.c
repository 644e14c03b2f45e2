/* ACME JSON, parsing side: CA responses into typed structs (acme_types.h).
 * json-c objects never leave this file. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "acmeup/acme_ari.h"
#include "acmeup/acme_challenge.h"
#include "acme_json.h"
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

/* meta.profiles: {"name": "description", ...} (draft-aaron-acme-profiles). */
static int
directory_profiles(json_object *meta, struct acme_directory *d)
{
	json_object *p;
	size_t n;

	if (!json_object_object_get_ex(meta, "profiles", &p) ||
	    !json_object_is_type(p, json_type_object))
		return 0;
	n = (size_t)json_object_object_length(p);
	if (n == 0 || n > MAX_ARRAY)
		return 0;
	d->profiles = calloc(n, sizeof(char *));
	d->profile_descriptions = calloc(n, sizeof(char *));
	if (d->profiles == NULL || d->profile_descriptions == NULL)
		return ACMEUP_ENOMEM;
	json_object_object_foreach(p, key, val) {
		if (d->n_profiles == n)
			break;
		d->profiles[d->n_profiles] = strdup(key);
		d->profile_descriptions[d->n_profiles] = strdup(
		    json_object_is_type(val, json_type_string) ?
		    json_object_get_string(val) : "");
		if (d->profiles[d->n_profiles] == NULL ||
		    d->profile_descriptions[d->n_profiles] == NULL) {
			free(d->profiles[d->n_profiles]);
			free(d->profile_descriptions[d->n_profiles]);
			return ACMEUP_ENOMEM;
		}
		d->n_profiles++;
	}
	return 0;
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
	if (rc == 0)
		rc = get_str(o, "renewalInfo", &d.renewal_info);
	if (rc == 0 && json_object_object_get_ex(o, "meta", &meta) &&
	    json_object_is_type(meta, json_type_object)) {
		rc = get_str(meta, "termsOfService", &d.terms_of_service);
		if (rc == 0)
			rc = get_str(meta, "website", &d.website);
		if (json_object_object_get_ex(meta, "externalAccountRequired",
		    &v))
			d.eab_required = json_object_get_boolean(v);
		if (rc == 0)
			rc = directory_profiles(meta, &d);
		if (rc == 0)
			rc = get_str_array(meta, "caaIdentities",
			    &d.caa_identities, &d.n_caa_identities);
		if (rc == 0)
			acme_issuers_check(&d.caa_identities,
			    &d.n_caa_identities, "directory caaIdentities");
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
	if (rc == 0)
		rc = get_str(o, "instance", &p->instance);
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
	if (rc == 0)
		rc = get_str_array(o, "contact", &a.contacts, &a.n_contacts);
	if (rc == 0) {
		*out = a;
		memset(&a, 0, sizeof(a));
	}
out:
	acme_account_clear(&a);
	json_object_put(o);
	return rc;
}

/* RFC 8555 7.1.3: "identifiers", each {"type", "value"}; a member that
 * is not such an object is an error, not skipped. Absent: none. */
static int
order_identifiers(json_object *o, struct acme_order *r)
{
	json_object *arr, *v;
	size_t i, len;
	int rc = 0;

	if (!json_object_object_get_ex(o, "identifiers", &arr))
		return 0;
	len = json_object_is_type(arr, json_type_array) ?
	    json_object_array_length(arr) : MAX_ARRAY + 1;
	if (len > MAX_ARRAY)
		return acmeup_fail(ACMEUP_EPROTO, "the CA's order has "
		    "\"identifiers\" that are not a list of at most %d",
		    MAX_ARRAY);
	if (len == 0)
		return 0;
	r->identifiers = calloc(len, sizeof(*r->identifiers));
	if (r->identifiers == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < len && rc == 0; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_object))
			return acmeup_fail(ACMEUP_EPROTO, "the CA's order has an "
			    "identifier that is not an object");
		r->n_identifiers++;
		rc = need_str(v, "type", &r->identifiers[i].type,
		    "order identifier");
		if (rc == 0)
			rc = need_str(v, "value", &r->identifiers[i].value,
			    "order identifier");
	}
	return rc;
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
		rc = order_identifiers(o, &r);
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
	if (rc == 0)
		c->kind = acme_chal_kind_of(c->type);
	if (rc == 0 && c->kind == ACME_CHAL_DNS_PERSIST01)
		rc = get_str_array(o, "issuer-domain-names", &c->issuers,
		    &c->n_issuers);
	/* draft-ietf-acme-dns-persist 3.1: without a usable issuer name
	 * the challenge cannot be answered. */
	if (rc == 0 && c->kind == ACME_CHAL_DNS_PERSIST01 &&
	    acme_issuers_check(&c->issuers, &c->n_issuers,
	    "dns-persist-01 issuer-domain-names") == 0)
		c->kind = ACME_CHAL_OTHER;
	return rc;
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
		rc = get_str(id, "type", &a.identifier_type);
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


/* RFC 9773 4.2: {"suggestedWindow": {"start": ..., "end": ...},
 * "explanationURL": ...}. */
int
acme_json_renewal_info(const char *body, struct acme_renewal_info *out)
{
	struct acme_renewal_info r = { .retry_after = -1 };
	json_object *o, *w, *v;
	int rc = ACMEUP_EPROTO;

	o = parse_object(body, "renewal information");
	if (o == NULL)
		goto out;
	if (!json_object_object_get_ex(o, "suggestedWindow", &w) ||
	    !json_object_is_type(w, json_type_object)) {
		rc = acmeup_fail(ACMEUP_EPROTO, "the CA's renewal information "
		    "has no suggestedWindow");
		goto out;
	}
	rc = 0;
	if (!json_object_object_get_ex(w, "start", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    ari_parse_time(json_object_get_string(v), &r.start) != 0 ||
	    !json_object_object_get_ex(w, "end", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    ari_parse_time(json_object_get_string(v), &r.end) != 0) {
		acmeup_err_clear(); /* replaced by the line below */
		rc = acmeup_fail(ACMEUP_EPROTO, "the CA's suggestedWindow "
		    "needs RFC 3339 \"start\" and \"end\" times");
	}
	if (rc == 0)
		rc = get_str(o, "explanationURL", &r.explanation_url);
	if (rc == 0) {
		*out = r;
		memset(&r, 0, sizeof(r));
	}
out:
	acme_renewal_info_clear(&r);
	json_object_put(o);
	return rc;
}
