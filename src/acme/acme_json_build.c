/* ACME JSON, building side: request payloads, JWK, JWS (RFC 8555, RFC 7515,
 * RFC 7638). json-c objects never leave this file. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "acme_json.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"

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
	if (nonce != NULL)
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

/* A JSON array of strings as member key of o; -1 on failure. */
static int
add_str_array(json_object *o, const char *key, const char *const *list,
              size_t n)
{
	json_object *arr = json_object_new_array();
	size_t i;
	int bad = 0;

	if (arr == NULL)
		return -1;
	for (i = 0; i < n && bad == 0; i++)
		bad |= json_object_array_add(arr,
		    json_object_new_string(list[i]));
	if (bad != 0) {
		json_object_put(arr);
		return -1;
	}
	return json_object_object_add(o, key, arr);
}

static int
add_bool(json_object *o, const char *key)
{
	json_object *v = json_object_new_boolean(1);

	return v == NULL ? -1 : json_object_object_add(o, key, v);
}

int
acme_json_new_account(const char *const *contacts, size_t n, int agree_tos,
                      int only_existing, const char *eab_jws, char **out)
{
	json_object *o = json_object_new_object(), *eab = NULL;
	int bad = 0;

	if (o == NULL)
		return ACMEUP_ENOMEM;
	if (n > 0)
		bad |= add_str_array(o, "contact", contacts, n);
	if (agree_tos)
		bad |= add_bool(o, "termsOfServiceAgreed");
	if (only_existing)
		bad |= add_bool(o, "onlyReturnExisting");
	if (eab_jws != NULL) {
		/* RFC 8555 7.3.4: the JWS object itself, not a string */
		eab = json_tokener_parse(eab_jws);
		bad |= eab == NULL ? -1 : json_object_object_add(o,
		    "externalAccountBinding", eab);
	}
	if (bad != 0) {
		json_object_put(o);
		return ACMEUP_ENOMEM;
	}
	return to_string(o, out);
}

int
acme_json_new_order(const char *const *names, size_t n, const char *profile,
                    const char *replaces, char **out)
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
	if (profile != NULL)
		bad |= add_str(o, "profile", profile);
	if (replaces != NULL) /* RFC 9773 5 */
		bad |= add_str(o, "replaces", replaces);
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

/* RFC 8555 7.3.5: the inner payload {"account": URL, "oldKey": JWK}. */
int
acme_json_key_change(const char *account_url, const struct crypto_jwk *old,
                     char **out)
{
	json_object *o = json_object_new_object(), *k;
	int bad = 0;

	if (o == NULL)
		return ACMEUP_ENOMEM;
	bad |= add_str(o, "account", account_url);
	k = jwk_object(old);
	bad |= k == NULL ? -1 : json_object_object_add(o, "oldKey", k);
	if (bad != 0) {
		json_object_put(o);
		return ACMEUP_ENOMEM;
	}
	return to_string(o, out);
}

/* RFC 8555 7.3.2 / 7.3.6 */
int
acme_json_account_update(const char *const *contacts, size_t n,
                         int deactivate, char **out)
{
	json_object *o = json_object_new_object();
	int bad = 0;

	if (o == NULL)
		return ACMEUP_ENOMEM;
	if (deactivate)
		bad |= add_str(o, "status", "deactivated");
	else
		bad |= add_str_array(o, "contact", contacts, n);
	if (bad != 0) {
		json_object_put(o);
		return ACMEUP_ENOMEM;
	}
	return to_string(o, out);
}

/* RFC 8555 7.6: {"certificate": b64url(DER), "reason": N}. */
int
acme_json_revoke(const char *cert_b64, int reason, char **out)
{
	json_object *o = json_object_new_object(), *r;
	int bad = 0;

	if (o == NULL)
		return ACMEUP_ENOMEM;
	bad |= add_str(o, "certificate", cert_b64);
	if (reason >= 0) {
		r = json_object_new_int(reason);
		bad |= r == NULL ? -1 : json_object_object_add(o, "reason", r);
	}
	if (bad != 0) {
		json_object_put(o);
		return ACMEUP_ENOMEM;
	}
	return to_string(o, out);
}
