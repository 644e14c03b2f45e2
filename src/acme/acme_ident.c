/* The CA's identifiers, authorizations and tokens checked against what
 * was asked for (include/acmeup/acme_ident.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/acme_ident.h"
#include "acmeup/error.h"
#include "acmeup/name.h"

#define SHOWN 100     /* bytes of the CA's text in a message */
#define URL_SHOWN 300

/* The order's URL (from the CA's Location) for a message, in buf. */
static const char *
url_of(const struct acme_ident_want *w, char *buf, size_t len)
{
	return name_printable(w->order_url != NULL ? w->order_url :
	    "(no URL)", buf, len);
}

/* The index of name in w, or w->n. */
static size_t
want_index(const struct acme_ident_want *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->names[i], name) == 0)
			return i;
	return w->n;
}

/* "the CA's order URL: <what> '<text>' <why>". */
static int
refuse(const struct acme_ident_want *w, const char *what, const char *text,
       const char *why)
{
	char shown[SHOWN], url[URL_SHOWN];

	name_printable(text != NULL ? text : "(none)", shown, sizeof(shown));
	return acmeup_fail(ACMEUP_EPROTO, "the CA's order %s: %s '%s' %s; "
	    "nothing is written to DNS for this order",
	    url_of(w, url, sizeof(url)), what, shown, why);
}

/* 1 when type is "dns" (RFC 8555 9.7.7; the CA may not mix cases). */
static int
is_dns(const char *type)
{
	return type != NULL && strcmp(type, "dns") == 0;
}

/* One identifier of the order: a "dns" name asked for, not seen before. */
static int
order_ident(const struct acme_identifier *id, const struct acme_ident_want *w,
            unsigned char *seen)
{
	char norm[NAME_BUF];
	size_t k = w->n;

	if (!is_dns(id->type))
		return refuse(w, "identifier of type", id->type,
		    "is not \"dns\"");
	if (id->value != NULL &&
	    name_normalize(id->value, NAME_WILDCARD, norm, NULL) == NAME_OK)
		k = want_index(w, norm);
	if (k == w->n)
		return refuse(w, "identifier", id->value,
		    "is not a name asked for");
	if (seen[k])
		return refuse(w, "identifier", id->value, "is listed twice");
	seen[k] = 1;
	return 0;
}

int
acme_ident_check_order(const struct acme_order *o,
                       const struct acme_ident_want *w)
{
	unsigned char *seen = NULL;
	char url[URL_SHOWN];
	size_t i;
	int rc = 0;

	if (o->n_identifiers != w->n || o->n_authorizations != w->n)
		return acmeup_fail(ACMEUP_EPROTO, "the CA's order %s has %zu "
		    "identifiers and %zu authorizations, want one each per "
		    "name asked for (%zu); nothing is written to DNS for this "
		    "order", url_of(w, url, sizeof(url)), o->n_identifiers,
		    o->n_authorizations, w->n);
	seen = calloc(w->n > 0 ? w->n : 1, 1);
	if (seen == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; rc == 0 && i < o->n_identifiers; i++)
		rc = order_ident(&o->identifiers[i], w, seen);
	free(seen);
	return rc;
}

/* The name a (a checked "dns" identifier) stands for: value, or "*." +
 * value for a wildcard authorization, into out (NAME_BUF + 2 bytes). */
static int
authz_name(const struct acme_authz *a, char *out, size_t len)
{
	char norm[NAME_BUF];

	if (a->identifier == NULL ||
	    name_normalize(a->identifier, 0, norm, NULL) != NAME_OK)
		return -1;
	if (snprintf(out, len, "%s%s", a->wildcard ? "*." : "", norm) >=
	    (int)len)
		return -1;
	return 0;
}

int
acme_ident_match_authz(const struct acme_authz *a,
                       const struct acme_ident_want *w,
                       unsigned char *taken, size_t *idx)
{
	char name[NAME_BUF + 2];
	size_t k;

	if (!is_dns(a->identifier_type))
		return refuse(w, "authorization for an identifier of type",
		    a->identifier_type, "is not for a DNS name");
	if (authz_name(a, name, sizeof(name)) != 0)
		return refuse(w, "authorization for", a->identifier,
		    "is not for a DNS name");
	k = want_index(w, name);
	if (k == w->n)
		return refuse(w, a->wildcard ? "wildcard authorization for" :
		    "authorization for", a->identifier,
		    "is not for a name asked for");
	if (taken[k])
		return refuse(w, "second authorization for", name,
		    "(one per name)");
	taken[k] = 1;
	*idx = k;
	return 0;
}

int
acme_ident_all_taken(const unsigned char *taken,
                     const struct acme_ident_want *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!taken[i])
			return refuse(w, "name", w->names[i], "has no "
			    "authorization");
	return 0;
}

/* RFC 4648 5: the base64url alphabet. */
static int
is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int
acme_ident_check_token(const char *token, const struct acme_ident_want *w)
{
	size_t i, len;

	len = token != NULL ? strnlen(token, ACME_TOKEN_MAX + 1) : 0;
	for (i = 0; i < len && is_b64url(token[i]); i++)
		;
	if (len < ACME_TOKEN_MIN || len > ACME_TOKEN_MAX || i != len)
		return refuse(w, "dns-01 token", token, "is not base64url of "
		    "22 to 256 characters (RFC 8555 8.1)");
	return 0;
}
