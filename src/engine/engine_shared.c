/* What the engines of one run share when its certificates are at several
 * CAs (engine.h, issue_shared_open): one DNS context and one keys process,
 * which opens every CA's account key before it seals, so that the run is
 * confined once (files process, user, Landlock) for all of them. Without
 * it each CA's engine would load the TSIG keys from their files again,
 * which a confined process cannot. */
#include <stdlib.h>
#include <string.h>

#include "acmeup/account_key.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/lock.h"
#include "acmeup/priv.h"
#include "acmeup/store.h"
#include "engine_internal.h"

struct shared_account {
	const char *server;   /* borrowed */
	char dir[PATH_MAX];   /* store_account_dir */
	struct crypto_key *key; /* its public key (priv.h) */
	struct lock *lock;
};

struct issue_shared {
	struct dns_ctx *dns;
	struct shared_account *acct; /* n of them */
	size_t n;
	struct confinement conf;
};

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Every CA's account directory, then its key opened by the keys process
 * (before it seals) under the directory's shared lock. */
static int
open_accounts(struct issue_shared *s, const struct engine_config *cfg,
              const char *const *servers, const char *const *kids)
{
	struct shared_account *a;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < s->n; i++) {
		a = &s->acct[i];
		a->server = servers[i];
		rc = store_account_dir(cfg->state_dir, servers[i], kids[i],
		    STORE_ACCT_MAKE | STORE_ACCT_ADOPT, a->dir, sizeof(a->dir));
	}
	if (rc == 0)
		rc = engine_privsep_start(s->dns, cfg->state_dir,
		    !cfg->no_sandbox);
	for (i = 0; rc == 0 && i < s->n; i++)
		rc = account_key_open_locked_by(s->acct[i].dir,
		    (enum crypto_key_type)cfg->account_key_type,
		    cfg->account_key_type_set, 0, priv_account_open,
		    &s->acct[i].key, &s->acct[i].lock);
	return rc;
}

int
issue_shared_open(const struct engine_config *cfg,
                  const char *const *servers, const char *const *kids,
                  size_t n, struct issue_shared **out)
{
	struct issue_shared *s;
	int rc;

	if (n == 0 || n > ISSUE_SHARED_MAX)
		return acmeup_fail(ACMEUP_EINVAL, "%zu CAs in one run: at most "
		    "%d share its keys process", n, ISSUE_SHARED_MAX);
	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->acct = calloc(n, sizeof(*s->acct))) == NULL) {
		free(s);
		return ACMEUP_ENOMEM;
	}
	s->n = n;
	rc = engine_confine_start(cfg, &s->conf); /* the files process first */
	if (rc == 0)
		rc = dns_ctx_new(cfg->dns, &s->dns);
	if (rc == 0)
		rc = open_accounts(s, cfg, servers, kids);
	if (rc == 0)
		rc = engine_accounts_opened(cfg, &s->conf);
	if (rc != 0) {
		issue_shared_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int
engine_shared_take(struct issue_shared *s, const char *server,
                   struct dns_ctx **dns, struct crypto_key **account,
                   const char **account_dir, const char **ca)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (!same(s->acct[i].server, server))
			continue;
		*dns = s->dns;
		*account = s->acct[i].key;
		*account_dir = s->acct[i].dir;
		*ca = s->conf.ca[0] != '\0' ? s->conf.ca : NULL;
		return 0;
	}
	return acmeup_fail(ACMEUP_EINVAL, "CA %s: not opened for this run",
	    server != NULL ? server : "(default)");
}

void
issue_shared_free(struct issue_shared *s)
{
	size_t i;

	if (s == NULL)
		return;
	engine_confine_clear(&s->conf);
	priv_keys_stop(); /* before the keys it borrows go */
	for (i = 0; i < s->n; i++) {
		crypto_key_free(s->acct[i].key);
		lock_release(s->acct[i].lock);
	}
	free(s->acct);
	dns_ctx_free(s->dns);
	free(s);
}
