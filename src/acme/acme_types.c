/* Release the typed ACME objects of acme_types.h. */
#include <stdlib.h>
#include <string.h>

#include "acmeup/acme_types.h"

static void
free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
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
	free(d->renewal_info);
	free(d->terms_of_service);
	free(d->website);
	free_list(d->profiles, d->n_profiles);
	free_list(d->profile_descriptions, d->n_profiles);
	free_list(d->caa_identities, d->n_caa_identities);
	memset(d, 0, sizeof(*d));
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
	free(p->instance);
	free(p->identifier);
	memset(p, 0, sizeof(*p));
}

void
acme_account_clear(struct acme_account *a)
{
	if (a == NULL)
		return;
	free(a->status);
	free_list(a->contacts, a->n_contacts);
	free(a->orders);
	memset(a, 0, sizeof(*a));
}

void
acme_order_clear(struct acme_order *o)
{
	size_t i;

	if (o == NULL)
		return;
	free(o->status);
	for (i = 0; i < o->n_identifiers; i++) {
		free(o->identifiers[i].type);
		free(o->identifiers[i].value);
	}
	free(o->identifiers);
	free_list(o->authorizations, o->n_authorizations);
	free(o->finalize);
	free(o->certificate);
	acme_problem_clear(&o->error);
	memset(o, 0, sizeof(*o));
}

void
acme_challenge_clear(struct acme_challenge *c)
{
	if (c == NULL)
		return;
	free(c->type);
	free_list(c->issuers, c->n_issuers);
	free(c->url);
	free(c->token);
	free(c->status);
	acme_problem_clear(&c->error);
	memset(c, 0, sizeof(*c));
}

void
acme_authz_clear(struct acme_authz *a)
{
	size_t i;

	if (a == NULL)
		return;
	free(a->identifier);
	free(a->identifier_type);
	free(a->status);
	for (i = 0; i < a->n_challenges; i++)
		acme_challenge_clear(&a->challenges[i]);
	free(a->challenges);
	memset(a, 0, sizeof(*a));
}

void
acme_renewal_info_clear(struct acme_renewal_info *r)
{
	if (r == NULL)
		return;
	free(r->explanation_url);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}
