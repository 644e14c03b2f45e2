/* Typed ACME objects (RFC 8555 7.1). Parsed from JSON by acme_json.c only;
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
	char *terms_of_service; /* meta.termsOfService */
	int eab_required;       /* meta.externalAccountRequired */
};

/* RFC 7807 / RFC 8555 6.7 problem document, with subproblems (6.7.1). */
struct acme_problem {
	char *type;      /* e.g. "urn:ietf:params:acme:error:badNonce" */
	char *detail;
	char *identifier; /* a subproblem's identifier value, else NULL */
	struct acme_problem *sub;
	size_t n_sub;
};

/* RFC 8555 7.1.2 */
struct acme_account {
	char *status;
	char *orders;
};

/* RFC 8555 7.1.3 */
struct acme_order {
	char *status;
	char **authorizations;
	size_t n_authorizations;
	char *finalize;
	char *certificate;
	struct acme_problem error; /* type NULL when absent */
};

/* RFC 8555 7.1.5 / 8 */
struct acme_challenge {
	char *type;
	char *url;
	char *token;
	char *status;
	struct acme_problem error;
};

/* RFC 8555 7.1.4 */
struct acme_authz {
	char *identifier; /* identifier value (DNS name, without "*.") */
	int wildcard;
	char *status;
	struct acme_challenge *challenges;
	size_t n_challenges;
};

void acme_directory_clear(struct acme_directory *d);
void acme_problem_clear(struct acme_problem *p);
void acme_account_clear(struct acme_account *a);
void acme_order_clear(struct acme_order *o);
void acme_challenge_clear(struct acme_challenge *c);
void acme_authz_clear(struct acme_authz *a);

#endif
