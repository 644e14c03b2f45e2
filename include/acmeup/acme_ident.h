/* The CA's identifiers against the names acmeup asked for (RFC 8555
 * 7.1.3, 7.1.4, 8.1). The CA is not trusted to say where a TXT record
 * goes: every authorization must be for one of the order's own names, and
 * the record's owner is then built from that name (ours), never from the
 * CA's text. Pure functions over typed structs (acme_types.h); a failure
 * is ACMEUP_EPROTO with a detail naming the CA's text (printable-escaped)
 * and the order's URL.
 */
#ifndef ACMEUP_ACME_IDENT_H
#define ACMEUP_ACME_IDENT_H

#include <stddef.h>

#include "acmeup/acme_types.h"

/* What was asked for: names normalised by name_check(NAME_CERT) (name.h),
 * each once, a wildcard as "*.base". Borrowed. */
struct acme_ident_want {
	const char *const *names;
	size_t n;
	const char *order_url;   /* for messages; may be NULL */
};

/* RFC 8555 7.1.3: o's "identifiers" are exactly the names asked for (each
 * a "dns" identifier whose value, normalised, is one of the names; each
 * name once; nothing else), and o lists one authorization per name. */
int acme_ident_check_order(const struct acme_order *o,
                           const struct acme_ident_want *w);

/* RFC 8555 7.1.4: the name authorization a is for. It must be a "dns"
 * identifier whose value, normalised (name.h, no wildcard), is a name
 * asked for: names[i] itself, or with a "wildcard": true authorization
 * "*." + value. taken (w->n bytes, zeroed by the caller for the order)
 * marks the names already matched: a second authorization for one name
 * fails. On success *idx = i and taken[i] is set. */
int acme_ident_match_authz(const struct acme_authz *a,
                           const struct acme_ident_want *w,
                           unsigned char *taken, size_t *idx);

/* After every authorization of the order was matched: each name taken. */
int acme_ident_all_taken(const unsigned char *taken,
                         const struct acme_ident_want *w);

/* RFC 8555 8.1: a challenge token is base64url (RFC 4648 5: A-Z a-z 0-9
 * '-' '_'), no padding, of at least 128 bits (22 characters) and at most
 * ACME_TOKEN_MAX characters. */
#define ACME_TOKEN_MIN 22
#define ACME_TOKEN_MAX 256
int acme_ident_check_token(const char *token,
                           const struct acme_ident_want *w);

#endif
