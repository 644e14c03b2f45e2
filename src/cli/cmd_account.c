/* acmeup account register|show|update|rollover|deactivate (RFC 8555 7.3). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/account_key.h"
#include "acmeup/acme.h"
#include "acmeup/crypto.h"
#include "acmeup/engine_acme.h"
#include "acmeup/engine.h"
#include "acmeup/error.h"
#include "acmeup/lock.h"
#include "acmeup/log.h"
#include "acmeup/persist_track.h"
#include "acmeup/store.h"
#include "acmeup/text.h"
#include "cli_internal.h"

/* One run: the key, the client, the contacts as mailto: URLs. */
struct account_run {
	struct crypto_key *key;
	struct lock *state_lock;
	struct acme_client *acme;
	struct acme_contacts ct;
	char dir[PATH_MAX];        /* this CA's account (store_account_dir) */
	struct crypto_key *fresh;  /* rollover: the new key, staged */
	char ca[ENGINE_CA_COPY];   /* engine_keys_confine: a CA bundle copy */
};

static void
run_clear(struct account_run *r)
{
	acme_client_free(r->acme);
	engine_keys_stop(); /* before the keys it borrows go */
	if (r->fresh != NULL) /* staged, never committed */
		account_key_unstage(r->dir);
	crypto_key_free(r->fresh);
	crypto_key_free(r->key);
	lock_release(r->state_lock);
}

/* The current key's type, for a rollover without --account-key-type. */
static enum crypto_key_type
key_type_of(const struct crypto_key *key)
{
	int t;

	for (t = CRYPTO_KEY_P256; t <= CRYPTO_KEY_RSA4096; t++)
		if (crypto_key_is_type(key, (enum crypto_key_type)t))
			return (enum crypto_key_type)t;
	return CRYPTO_KEY_P256;
}

/* Load or create the account key, fetch the directory. */
static int
start(const struct opts *o, struct account_run *r)
{
	int rc;

	if (o->server == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "account: give the ACME "
		    "directory URL with --server");
	rc = acme_contacts_from_emails(o->emails, o->n_emails, &r->ct);
	if (rc == 0)
		rc = store_account_dir(o->state_dir, o->server, o->eab_kid,
		    STORE_ACCT_MAKE | STORE_ACCT_ADOPT, r->dir, sizeof(r->dir));
	/* The keys in the keys process, a rollover's new one too; a
	 * rollover or a deactivation holds the account exclusively. */
	if (rc == 0)
		rc = engine_keys_start(NULL, NULL, !o->no_sandbox);
	if (rc == 0)
		rc = engine_keys_account(r->dir, o->account_key_type,
		    o->account_key_type_set && strcmp(o->args[0], "rollover") != 0,
		    strcmp(o->args[0], "deactivate") == 0 ||
		    strcmp(o->args[0], "rollover") == 0, &r->key, &r->state_lock);
	/* the new key too, while the keys process still writes files */
	if (rc == 0 && strcmp(o->args[0], "rollover") == 0)
		rc = engine_keys_account_stage(r->dir, o->account_key_type_set ?
		    o->account_key_type : (int)key_type_of(r->key), &r->fresh);
	/* the keys open: confined as issue is, before the CA */
	if (rc == 0)
		rc = engine_keys_confine(o->state_dir, o->ca_bundle,
		    !o->no_sandbox, r->ca, sizeof(r->ca));
	if (rc == 0)
		rc = acme_client_open(o->server, r->ca[0] != '\0' ? r->ca :
		    o->ca_bundle, r->key, o->wait_rate_limit, &r->acme);
	return rc;
}

/* Find (only_existing) or create the account. */
static int
open_account(const struct opts *o, struct account_run *r, int only_existing,
             struct acme_account *acct)
{
	struct acme_account_req req = {
		.contacts = r->ct.list, .n_contacts = r->ct.n,
		.agree_tos = o->agree_tos, .only_existing = only_existing,
		.eab_kid = o->eab_kid, .eab_hmac_key = o->eab_hmac_key,
		.eab_alg = o->eab_alg,
	};

	return acme_account_open(r->acme, &req, acct, NULL);
}

/* "name: value" lines on stdout, for people and scripts. */
static void
print_account(const struct account_run *r, const struct acme_account *a)
{
	const struct acme_directory *d = acme_client_directory(r->acme);
	char desc[32], path[PATH_MAX];
	size_t i;

	crypto_key_describe(r->key, desc, sizeof(desc));
	if (account_key_path(r->dir, NULL, path, sizeof(path)) != 0)
		path[0] = '\0';
	text_printf(stdout, "account: %s\n", acme_account_url(r->acme));
	text_printf(stdout, "status: %s\n", a->status);
	for (i = 0; i < a->n_contacts; i++)
		text_printf(stdout, "contact: %s\n", a->contacts[i]);
	text_printf(stdout, "key: %s (%s)\n", desc, path);
	if (d->terms_of_service != NULL)
		text_printf(stdout, "terms-of-service: %s\n", d->terms_of_service);
	if (a->orders != NULL)
		text_printf(stdout, "orders: %s\n", a->orders);
	fflush(stdout);
}


/* RFC 8555 7.3.5: the new key is staged on disk first, so that whatever
 * fails, one of account.key / account.key.new is the account's key. */
static int
rollover(struct account_run *r)
{
	int rc;

	log_stage("account: new %s key staged in the keys process; asking "
	    "the CA to switch", crypto_key_type_name(key_type_of(r->fresh)));
	rc = acme_account_key_change(r->acme, r->fresh);
	if (rc != 0)
		return rc; /* the CA kept the old key: run_clear unstages */
	/* the CA switched: account.key.new is the key now, kept whatever
	 * comes (the next run takes it up) */
	crypto_key_free(r->key); /* the client now borrows fresh */
	r->key = r->fresh;
	r->fresh = NULL;
	return account_key_commit(r->dir);
}

static int
check_args(const struct opts *o)
{
	static const char *const subs[] = { "register", "show", "update",
	    "rollover", "deactivate" };
	size_t i;

	if (o->n_args != 1)
		return acmeup_fail(ACMEUP_EUSAGE, "account: give one of "
		    "register, show, update, rollover, deactivate");
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(o->args[0], subs[i]) == 0)
			break;
	if (i == sizeof(subs) / sizeof(subs[0]))
		return acmeup_fail(ACMEUP_EUSAGE, "account: unknown "
		    "subcommand '%s' (register, show, update, rollover, "
		    "deactivate)", o->args[0]);
	if (strcmp(o->args[0], "update") == 0 && o->n_emails == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "account update: give the "
		    "new contacts with --email (repeatable)");
	if (strcmp(o->args[0], "deactivate") == 0 && !o->yes &&
	    persist_list(o->state_dir, NULL, stderr) > 0)
		return acmeup_fail(ACMEUP_EUSAGE, "account deactivate cannot "
		    "be undone: add --yes to confirm (the dns-persist-01 "
		    "records listed above name this account: `acmeup persist "
		    "NAME... --remove` takes them away, before the account "
		    "goes)");
	if (strcmp(o->args[0], "deactivate") == 0 && !o->yes)
		return acmeup_fail(ACMEUP_EUSAGE, "account deactivate cannot "
		    "be undone: add --yes to confirm");
	return 0;
}

/* The subcommand once the account is open. */
static int
act(struct account_run *r, const char *sub, struct acme_account *a)
{
	int rc = 0;

	if (strcmp(sub, "show") == 0) {
		acme_account_clear(a);
		rc = acme_account_fetch(r->acme, a);
	} else if (strcmp(sub, "update") == 0) {
		acme_account_clear(a);
		rc = acme_account_update(r->acme, r->ct.list, r->ct.n, a);
		if (rc == 0)
			log_stage("account: contacts updated");
	} else if (strcmp(sub, "rollover") == 0) {
		rc = rollover(r);
	} else if (strcmp(sub, "deactivate") == 0) {
		acme_account_clear(a);
		rc = acme_account_deactivate(r->acme, a);
		if (rc == 0)
			log_stage("account: %s deactivated",
			    acme_account_url(r->acme));
	}
	return rc;
}

int
account_run(const struct opts *o)
{
	struct account_run r = { 0 };
	struct acme_account a = { 0 };
	const char *sub;
	int rc;

	rc = check_args(o);
	if (rc != 0)
		return rc;
	sub = o->args[0];
	rc = start(o, &r);
	if (rc == 0)
		rc = open_account(o, &r, strcmp(sub, "register") != 0, &a);
	if (rc == 0)
		rc = act(&r, sub, &a);
	if (rc == 0)
		print_account(&r, &a);
	acme_account_clear(&a);
	run_clear(&r);
	return rc;
}

void
cli_account_url(const struct opts *o, char **url)
{
	char dir[PATH_MAX];

	*url = NULL;
	if (o->state_dir != NULL &&
	    store_account_dir(o->state_dir, o->server, o->eab_kid, 0, dir,
	    sizeof(dir)) == 0)
		store_account_url_read(dir, url);
	acmeup_err_clear(); /* without it, nothing is compared */
}
