/* The DNS challenge types acmeup answers and their pure parts:
 *   dns-01          RFC 8555 8.4: TXT at _acme-challenge.<name>
 *   dns-account-01  draft-ietf-acme-scoped-dns-challenges: the dns-01
 *                   value at _<label>._acme-challenge.<name>, <label> from
 *                   the account URL
 *   dns-persist-01  draft-ietf-acme-dns-persist: a standing TXT at
 *                   _validation-persist.<name> naming the CA (an issuer
 *                   domain name) and the account URL
 * Everything here is pure (no network), for the engine, the persist
 * command and the unit tests. */
#ifndef ACMEUP_ACME_CHALLENGE_H
#define ACMEUP_ACME_CHALLENGE_H

#include <stddef.h>

#include "acmeup/acme_types.h"

#define ACME_CHAL_PREFS_MAX 3       /* one of each type */
#define ACME_ACCOUNT_LABEL_LEN 16   /* base32 of 10 octets */
#define ACME_PERSIST_LABEL "_validation-persist"
#define ACME_PERSIST_PREFIX ACME_PERSIST_LABEL "."

/* "dns-01" -> ACME_CHAL_DNS01 ...; anything else ACME_CHAL_OTHER. */
enum acme_chal_kind acme_chal_kind_of(const char *type);

/* The type's name ("dns-01"); "other" for ACME_CHAL_OTHER. Static. */
const char *acme_chal_kind_name(enum acme_chal_kind k);

/* The `challenge` setting: one type or an ordered list separated by ','
 * or spaces, each once. out has ACME_CHAL_PREFS_MAX entries; *n their
 * count. ACMEUP_EUSAGE naming where (may be NULL) and the word. */
int acme_chal_prefs_parse(const char *text, const char *where,
                          enum acme_chal_kind *out, size_t *n);

/* Keep of (*list, *n), in place, the entries that are DNS names (name.h,
 * no wildcard, no '_'), lowercased, at most ACME_ISSUERS_MAX; the others
 * are dropped with a warning naming what. Returns how many are kept. */
size_t acme_issuers_check(char ***list, size_t *n, const char *what);

/* draft-ietf-acme-scoped-dns-challenges: lowercase base32 (RFC 4648 6)
 * of the first 10 octets of SHA-256(account_url) into out
 * (ACME_ACCOUNT_LABEL_LEN + 1 bytes). */
int acme_account_label(const char *account_url, char *out);

/* The dns-account-01 owner "_<label>._acme-challenge.<name>" ("*.x"
 * counts as "x"). *out owned by the caller. */
int acme_account_owner(const char *account_url, const char *name,
                       char **out);

/* The dns-persist-01 owner "_validation-persist.<name>" ("*.x" counts
 * as "x"). *out owned by the caller. */
int acme_persist_owner(const char *name, char **out);

/* draft-ietf-acme-dns-persist 3.2: the TXT value
 * "<issuer>; accounturi=<account_url>[; policy=wildcard]
 * [; persistUntil=<until>]" (until 0: none). ACMEUP_EINVAL when a
 * part holds ';', a space or a control byte. *out owned by the caller. */
int acme_persist_value(const char *issuer, const char *account_url,
                       int wildcard, long long until, char **out);

/* Why a served TXT value is not a dns-persist-01 authorisation. */
enum acme_persist_why {
	PERSIST_MATCH = 0,
	PERSIST_SYNTAX,     /* not "<issuer>; key=value; ..." */
	PERSIST_ISSUER,     /* names another CA */
	PERSIST_ACCOUNT,    /* accounturi missing or another account */
	PERSIST_WILDCARD,   /* a wildcard name without policy=wildcard */
	PERSIST_EXPIRED,    /* persistUntil passed (or not a number) */
};

/* draft-ietf-acme-dns-persist 3.2/4: whether value (one TXT, the strings
 * joined) authorises account_url for a name (wildcard: 1 for "*.x") by
 * one of issuers (n of them) at now. Issuer names compare without case,
 * the account URL exactly; unknown parameters are ignored. Pure. */
enum acme_persist_why acme_persist_match(const char *value,
                                         const char *const *issuers,
                                         size_t n, const char *account_url,
                                         int wildcard, long long now);

/* The reason as words ("names another CA"). Static. */
const char *acme_persist_why_text(enum acme_persist_why w);

#endif
