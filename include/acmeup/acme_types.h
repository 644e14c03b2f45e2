/* Typed ACME objects (RFC 8555 7.1). Parsed from JSON by acme_json_*.c only;
 * the protocol logic sees these structs. Every string member is owned by
 * its struct and freed by the matching *_clear() (which accepts NULL). */
#ifndef ACMEUP_ACME_TYPES_H
#define ACMEUP_ACME_TYPES_H

#include <stddef.h>

/* RFC 8555 7.1.1 */
struct acme_directory {
	char *new_nonce;
	char *new_account;
	char *new_order;
	char *revoke_cert;
	char *key_change;
	char *renewal_info;     /* RFC 9773 3: renewalInfo, or NULL */
	char *terms_of_service; /* meta.termsOfService */
	char *website;          /* meta.website */
	int eab_required;       /* meta.externalAccountRequired */
	char **profiles;        /* meta.profiles names (draft-aaron-acme-
	                         * profiles), n_profiles of them */
	char **profile_descriptions; /* the value of each, "" when none */
	size_t n_profiles;
	char **caa_identities;  /* meta.caaIdentities (RFC 8555 7.1.1),
	                         * checked as issuer domain names */
	size_t n_caa_identities;
};

/* RFC 7807 / RFC 8555 6.7 problem document, with subproblems (6.7.1). */
struct acme_problem {
	char *type;      /* e.g. "urn:ietf:params:acme:error:badNonce" */
	char *detail;
	char *instance;  /* RFC 7807 3.1: URL for the person (e.g. with
	                  * userActionRequired), else NULL */
	char *identifier; /* a subproblem's identifier value, else NULL */
	struct acme_problem *sub;
	size_t n_sub;
};

/* RFC 8555 7.1.2 */
struct acme_account {
	char *status;
	char **contacts;
	size_t n_contacts;
	char *orders;
};

/* RFC 8555 7.1.3 / 9.7.7: an identifier object. */
struct acme_identifier {
	char *type;  /* "dns" */
	char *value; /* as the CA sent it: check it (acme_ident.h) */
};

/* RFC 8555 7.1.3 */
struct acme_order {
	char *status;
	struct acme_identifier *identifiers; /* as the CA sent them */
	size_t n_identifiers;
	char **authorizations;
	size_t n_authorizations;
	char *finalize;
	char *certificate;
	struct acme_problem error; /* type NULL when absent */
};

/* The challenge types acmeup answers (acme_challenge.h). */
enum acme_chal_kind {
	ACME_CHAL_OTHER = 0,
	ACME_CHAL_DNS01,         /* RFC 8555 8.4 */
	ACME_CHAL_DNS_ACCOUNT01, /* draft-ietf-acme-scoped-dns-challenges */
	ACME_CHAL_DNS_PERSIST01, /* draft-ietf-acme-dns-persist */
};

#define ACME_ISSUERS_MAX 10 /* draft-ietf-acme-dns-persist: at most 10 */

/* RFC 8555 7.1.5 / 8 */
struct acme_challenge {
	char *type;
	enum acme_chal_kind kind; /* from type */
	char **issuers;  /* dns-persist-01 "issuer-domain-names", checked
	                  * and normalised (lowercase, no final dot) */
	size_t n_issuers;
	char *url;
	char *token;
	char *status;
	struct acme_problem error;
};

/* RFC 8555 7.1.4 */
struct acme_authz {
	char *identifier; /* identifier value (DNS name, without "*."), as
	                   * the CA sent it: check it (acme_ident.h) */
	char *identifier_type; /* "dns", or NULL when the CA sent none */
	int wildcard;
	char *status;
	struct acme_challenge *challenges;
	size_t n_challenges;
};

/* RFC 9773 4.2: a RenewalInfo object. Times in seconds since the epoch. */
struct acme_renewal_info {
	long long start;       /* suggestedWindow.start */
	long long end;         /* suggestedWindow.end */
	char *explanation_url; /* or NULL */
	long retry_after;      /* seconds from the response, -1 when absent */
};

void acme_directory_clear(struct acme_directory *d);
void acme_problem_clear(struct acme_problem *p);
void acme_account_clear(struct acme_account *a);
void acme_order_clear(struct acme_order *o);
void acme_challenge_clear(struct acme_challenge *c);
void acme_authz_clear(struct acme_authz *a);
void acme_renewal_info_clear(struct acme_renewal_info *r);

#endif
