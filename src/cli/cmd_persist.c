/* acmeup persist NAME... [--remove]: the dns-persist-01 records
 * (draft-ietf-acme-dns-persist 3) of this account, published by TSIG
 * UPDATE (following CNAMEs, proved on every authoritative server like a
 * dns-01 record) or taken away, and noted in STATE/persist. They are
 * never journalled: cleanup leaves them alone. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acmeup/account_key.h"
#include "acmeup/acme.h"
#include "acmeup/acme_challenge.h"
#include "acmeup/crypto.h"
#include "acmeup/dns.h"
#include "acmeup/engine.h"
#include "acmeup/engine_acme.h"
#include "acmeup/error.h"
#include "acmeup/lock.h"
#include "acmeup/log.h"
#include "acmeup/name.h"
#include "acmeup/text.h"
#include "acmeup/store.h"
#include "cli_internal.h"
#include "acmeup/persist_track.h"

struct persist_run {
	struct crypto_key *key;
	struct lock *state_lock;
	struct acme_client *acme;
	struct dns_ctx *dns;
	const char *issuer;   /* borrowed: --issuer or the directory's */
	const char *account;  /* borrowed from acme */
	char noted_issuer[256];   /* --remove of noted records: from the note, */
	char noted_account[1024]; /* no CA asked (the account may be gone) */
	char ca[ENGINE_CA_COPY];  /* engine_keys_confine: a CA bundle copy */
};

static void
run_clear(struct persist_run *r)
{
	acme_client_free(r->acme);
	engine_keys_stop(); /* before the keys it borrows go */
	dns_ctx_free(r->dns);
	crypto_key_free(r->key);
	lock_release(r->state_lock);
}

/* Every key open (TSIG, account): confined as issue is, before the CA
 * and the DNS servers are asked anything. */
static int
confine(const struct opts *o, struct persist_run *r)
{
	return engine_keys_confine(o->state_dir, o->ca_bundle, !o->no_sandbox,
	    r->ca, sizeof(r->ca));
}

/* The account (found or created, as issue does) and the issuer name. */
static int
open_ca(const struct opts *o, struct persist_run *r)
{
	struct acme_account_req req = { .agree_tos = o->agree_tos,
	    .eab_kid = o->eab_kid, .eab_hmac_key = o->eab_hmac_key,
	    .eab_alg = o->eab_alg };
	const struct acme_directory *d;
	struct acme_contacts ct;
	char dir[PATH_MAX];
	int rc;

	rc = acme_contacts_from_emails(o->emails, o->n_emails, &ct);
	req.contacts = ct.list;
	req.n_contacts = ct.n;
	if (rc == 0)
		rc = store_account_dir(o->state_dir, o->server, o->eab_kid,
		    STORE_ACCT_MAKE | STORE_ACCT_ADOPT, dir, sizeof(dir));
	if (rc == 0)
		rc = engine_keys_account(dir, o->account_key_type,
		    o->account_key_type_set, 0, &r->key, &r->state_lock);
	if (rc == 0)
		rc = confine(o, r);
	if (rc == 0)
		rc = acme_client_open(o->server, r->ca[0] != '\0' ? r->ca :
		    o->ca_bundle, r->key, o->wait_rate_limit, &r->acme);
	if (rc == 0)
		rc = acme_account_open(r->acme, &req, NULL, NULL);
	if (rc != 0)
		return rc;
	r->account = acme_account_url(r->acme);
	d = acme_client_directory(r->acme);
	r->issuer = o->persist_issuer != NULL ? o->persist_issuer :
	    d->n_caa_identities > 0 ? d->caa_identities[0] : NULL;
	if (r->issuer == NULL)
		return acmeup_fail(ACMEUP_EUSAGE, "persist: the CA's directory "
		    "%s names no caaIdentities: give its issuer domain name "
		    "with --issuer", o->server);
	return 0;
}

/* 1 when served holds value exactly. */
static int
served_has(const struct dns_served *s, const char *value)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->values[i], value) == 0)
			return 1;
	return 0;
}

/* Publish value at owner unless it stands there already; prove it. */
static int
publish(struct persist_run *r, const char *name, const char *owner,
        const char *value)
{
	struct dns_txt txt = { owner, value };
	struct dns_served s = { 0 };
	int rc, there;

	rc = dns_txt_served(r->dns, owner, &s);
	if (rc != 0)
		return rc;
	there = served_has(&s, value);
	dns_served_clear(&s);
	if (there) {
		log_stage("persist: %s: the record stands already", name);
		return 0;
	}
	return dns_txt_publish(r->dns, &txt, 1);
}

/* Remove every record at owner that names this account and issuer. */
static int
withdraw(struct persist_run *r, const char *name, const char *owner)
{
	struct dns_served s = { 0 };
	struct dns_set *set = NULL;
	struct dns_txt txt = { owner, NULL };
	enum acme_persist_why why;
	size_t i, gone = 0;
	int rc;

	rc = dns_txt_served(r->dns, owner, &s);
	for (i = 0; rc == 0 && i < s.n; i++) {
		why = acme_persist_match(s.values[i], &r->issuer, 1, r->account,
		    0, 0);
		if (why != PERSIST_MATCH && why != PERSIST_EXPIRED)
			continue;
		txt.value = s.values[i];
		rc = dns_txt_claim(r->dns, &txt, 1, &set);
		if (rc == 0)
			rc = dns_txt_remove(set);
		dns_set_free(set);
		set = NULL;
		gone += rc == 0;
	}
	dns_served_clear(&s);
	if (rc == 0)
		log_stage("persist: %s: %zu record%s removed", name, gone,
		    gone == 1 ? "" : "s");
	return rc;
}

/* The part of a noted value after "key=" up to ';', into buf. */
static void
noted_param(const char *value, const char *key, char *buf, size_t len)
{
	const char *p = strstr(value, key);
	size_t n;

	buf[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(key);
	n = strcspn(p, ";");
	if (n < len)
		snprintf(buf, len, "%.*s", (int)n, p);
}

/* 1 when every name to remove has a noted record: then the note says
 * which issuer and account, and the CA is not asked. */
static int
all_noted(const struct opts *o, char *const *names, size_t n)
{
	char *v = NULL;
	size_t i;
	int ok = o->persist_remove;

	for (i = 0; ok && i < n; i++) {
		ok = persist_tracked(o->state_dir, names[i], &v) == 0 && v != NULL;
		free(v);
		v = NULL;
	}
	acmeup_err_clear();
	return ok;
}

/* The issuer and account of name's noted record, for withdraw(). */
static int
from_note(const struct opts *o, struct persist_run *r, const char *name)
{
	char *v = NULL;
	int rc = persist_tracked(o->state_dir, name, &v);

	if (rc == 0 && v == NULL)
		rc = acmeup_fail(ACMEUP_EUSAGE, "persist --remove %s: no record "
		    "noted in %s/%s", name, o->state_dir, PERSIST_FILE);
	if (rc == 0) {
		noted_param(v, "", r->noted_issuer, sizeof(r->noted_issuer));
		noted_param(v, "accounturi=", r->noted_account,
		    sizeof(r->noted_account));
		r->issuer = r->noted_issuer;
		r->account = r->noted_account;
	}
	free(v);
	return rc;
}

/* One name: its record published (or removed) and noted. */
static int
persist_one(const struct opts *o, struct persist_run *r, const char *name)
{
	long long until = o->persist_until > 0 ?
	    (long long)time(NULL) + o->persist_until : 0;
	char *owner = NULL, *value = NULL;
	int rc;

	rc = acme_persist_owner(name, &owner);
	if (rc == 0 && o->persist_remove && r->acme == NULL)
		rc = from_note(o, r, name);
	if (rc == 0 && o->persist_remove)
		rc = withdraw(r, name, owner);
	else if (rc == 0)
		rc = acme_persist_value(r->issuer, r->account,
		    strncmp(name, "*.", 2) == 0, until, &value);
	/* noted before the UPDATE: a run that dies after it forgets nothing
	 * (dns-check then says whether the record stands) */
	if (rc == 0 && !o->persist_remove)
		rc = persist_track(o->state_dir, name, value);
	if (rc == 0 && !o->persist_remove)
		rc = publish(r, name, owner, value);
	if (rc == 0 && o->persist_remove)
		rc = persist_track(o->state_dir, name, NULL);
	if (rc == 0)
		text_printf(stdout, "%s: %s TXT \"%s\"%s\n", name, owner,
		    value != NULL ? value : "", value != NULL ? "" :
		    " removed");
	free(owner);
	free(value);
	return rc;
}

int
persist_run(const struct opts *o)
{
	struct persist_run r = { 0 };
	struct dns_config cfg;
	char *norm[CLI_MAX_ARGS] = { 0 };
	size_t i;
	int rc = 0;

	if (o->n_args == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "persist: give the names "
		    "(acmeup persist NAME...)");
	for (i = 0; rc == 0 && i < o->n_args; i++)
		rc = name_check(o->args[i], NAME_CERT, "persist", &norm[i]);
	/* --remove of noted records needs no CA nor account: they may be
	 * gone (a deactivated account), the TSIG key does it. */
	if (rc == 0)
		rc = dns_config_from_opts(o, &cfg);
	if (rc == 0) {
		rc = dns_ctx_new(&cfg, &r.dns);
		dns_config_clear(&cfg);
	}
	/* the TSIG and account keys to the keys process, before the CA */
	if (rc == 0)
		rc = engine_keys_start(r.dns, NULL, !o->no_sandbox);
	if (rc == 0 && all_noted(o, norm, o->n_args)) {
		rc = lock_state(o->state_dir, 1, 30, &r.state_lock);
		if (rc == 0)
			rc = confine(o, &r);
	} else if (rc == 0 && o->server == NULL)
		rc = acmeup_fail(ACMEUP_EUSAGE, "persist: give the ACME "
		    "directory URL with --server");
	else if (rc == 0)
		rc = open_ca(o, &r);
	for (i = 0; rc == 0 && i < o->n_args; i++)
		rc = persist_one(o, &r, norm[i]);
	for (i = 0; i < o->n_args; i++)
		free(norm[i]);
	run_clear(&r);
	return rc;
}

int
persist_report(struct dns_ctx *ctx, const char *state_dir, const char *name,
               FILE *out)
{
	char issuer[NAME_BUF], account[1024], shown[300];
	char *noted = NULL, *owner = NULL;
	const char *iss = issuer;
	struct dns_served s = { 0 };
	enum acme_persist_why why;
	size_t i;
	int rc;

	rc = persist_tracked(state_dir, name, &noted);
	if (rc == 0)
		rc = acme_persist_owner(name, &owner);
	if (rc == 0)
		rc = dns_txt_served(ctx, owner, &s);
	if (rc == 0 && noted == NULL && s.n == 0)
		goto out;
	noted_param(noted != NULL ? noted : "", "", issuer, sizeof(issuer));
	noted_param(noted != NULL ? noted : "", "accounturi=", account,
	    sizeof(account));
	text_printf(out, "  persist   %s%s%s: %zu TXT; noted in %s/%s: %s\n",
	    owner, s.chain != NULL ? " via " : "", s.chain != NULL ? s.chain :
	    "", s.n, state_dir, PERSIST_FILE, noted != NULL ? "yes" : "no");
	for (i = 0; rc == 0 && i < s.n; i++) {
		why = noted == NULL ? PERSIST_ACCOUNT : acme_persist_match(
		    s.values[i], &iss, 1, account, strncmp(name, "*.", 2) == 0,
		    (long long)time(NULL));
		text_printf(out, "  persist   \"%s\" %s\n", name_printable(
		    s.values[i], shown, sizeof(shown)), noted == NULL ?
		    "(no account noted here to match)" :
		    acme_persist_why_text(why));
	}
	if (rc == 0 && noted != NULL && !served_has(&s, noted))
		text_printf(out, "  persist   the noted record is not served: "
		    "acmeup persist %s publishes it again\n", name);
out:
	dns_served_clear(&s);
	free(noted);
	free(owner);
	return rc;
}
