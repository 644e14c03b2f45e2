/* One order of a batch: its ACME steps (RFC 8555 7.4, 7.5), then its
 * certificate stored and its deploy hook run. The DNS side is the
 * engine's (engine.c), shared by the whole batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acmeup/acme.h"
#include "acmeup/acme_ari.h"
#include "acmeup/acme_challenge.h"
#include "acmeup/acme_ident.h"
#include "acmeup/engine_acme.h"
#include "acmeup/crypto.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "hook.h"
#include "acmeup/lock.h"
#include "acmeup/log.h"
#include "acmeup/name.h"
#include "acmeup/priv.h"
#include "acmeup/persist_track.h"
#include "acmeup/renew.h"
#include "acmeup/store.h"
#include "engine_internal.h"

#define ORDER_TIMEOUT_MS 120000

void
order_run_clear(struct order_run *r)
{
	size_t i;

	for (i = 0; i < r->n_pend; i++) {
		free(r->pend[i].authz_url);
		free(r->pend[i].challenge_url);
		free(r->pend[i].owner);
		free(r->pend[i].value);
		free(r->pend[i].target);
	}
	free(r->pend);
	for (i = 0; i < r->n_names; i++)
		free(r->names[i]);
	free(r->names);
	acme_order_clear(&r->order);
	free(r->order_url);
	memset(r, 0, sizeof(*r));
}

int
order_alive(const struct order_run *r)
{
	return r->job->action != ISSUE_FAILED;
}

/* What the order asked for, for acme_ident.h. */
static void
want_of(const struct order_run *r, struct acme_ident_want *w)
{
	w->names = (const char *const *)r->names;
	w->n = r->n_names;
	w->order_url = r->order_url;
}

/* _acme-challenge.<name> ("*." dropped), RFC 8555 8.4. */
static int
dns01_owner(const char *name, char **out)
{
	size_t len;

	if (strncmp(name, "*.", 2) == 0)
		name += 2;
	len = strlen(NAME_CHALLENGE_PREFIX) + strlen(name) + 1;
	*out = malloc(len);
	if (*out == NULL)
		return ACMEUP_ENOMEM;
	snprintf(*out, len, "%s%s", NAME_CHALLENGE_PREFIX, name);
	return 0;
}

/* 1 when a dns-persist-01 record at name's _validation-persist owner,
 * as its authoritative servers serve it, authorises this account by one
 * of ch's issuers; 0 when none does (said at -v); < 0 on failure. */
static int
persist_served(struct acme_client *c, struct dns_ctx *dns,
               const struct acme_challenge *ch, const char *name)
{
	const char *acct = acme_account_url(c);
	enum acme_persist_why why;
	struct dns_served s = { 0 };
	char *owner = NULL, shown[120];
	size_t i;
	int rc, found = 0;

	if (dns == NULL || acct == NULL)
		return 0;
	rc = acme_persist_owner(name, &owner);
	if (rc == 0)
		rc = dns_txt_served(dns, owner, &s);
	for (i = 0; rc == 0 && i < s.n && !found; i++) {
		why = acme_persist_match(s.values[i],
		    (const char *const *)ch->issuers, ch->n_issuers, acct,
		    strncmp(name, "*.", 2) == 0, (long long)time(NULL));
		found = why == PERSIST_MATCH;
		log_debug("acme: %s: \"%s\" %s", s.target, name_printable(
		    s.values[i], shown, sizeof(shown)),
		    acme_persist_why_text(why));
	}
	if (rc != 0) {
		log_warn("dns: %s: dns-persist-01 record not read: %s", name,
		    acmeup_errmsg(rc));
		acmeup_err_clear();
	} else if (!found)
		log_debug("acme: %s: no dns-persist-01 record for this account "
		    "and CA at %s", name, owner);
	dns_served_clear(&s);
	free(owner);
	return found;
}

/* --persist-publish: the record `acmeup persist` would make, published
 * and proved now, noted in STATE/persist; a failure is warned about and
 * the next challenge type tried. */
static int
persist_publish(struct acme_client *c, const struct order_run *r,
                const struct acme_challenge *ch, const char *name)
{
	struct dns_txt txt = { NULL, NULL };
	char *owner = NULL, *value = NULL;
	int rc;

	if (r->dns == NULL || acme_account_url(c) == NULL || ch->n_issuers == 0)
		return ACMEUP_EINVAL;
	rc = acme_persist_owner(name, &owner);
	if (rc == 0)
		rc = acme_persist_value(ch->issuers[0], acme_account_url(c),
		    strncmp(name, "*.", 2) == 0, 0, &value);
	txt.owner = owner;
	txt.value = value;
	if (rc == 0)
		log_stage("acme: %s: publishing its dns-persist-01 record", name);
	if (rc == 0) /* noted first: nothing is forgotten */
		rc = persist_track(r->state_dir, name, value);
	if (rc == 0)
		rc = dns_txt_publish(r->dns, &txt, 1);
	if (rc != 0) {
		log_warn("%s: dns-persist-01 record not published: %s", name,
		    acmeup_errmsg(rc));
		acmeup_err_clear();
	}
	free(owner);
	free(value);
	return rc;
}

/* draft-ietf-acme-dns-persist: the standing record answers; nothing is
 * published, so the challenge is answered and its authorization awaited
 * at once (the CA looks up one record). */
static int
persist_answer(struct acme_client *c, const struct acme_challenge *ch,
               const char *authz_url, const char *name)
{
	int rc;

	log_stage("acme: %s: answering dns-persist-01 (standing record, no "
	    "UPDATE)", name);
	rc = acme_challenge_respond(c, ch->url);
	if (rc == 0)
		rc = acme_authz_wait(c, authz_url, ORDER_TIMEOUT_MS);
	return rc;
}

/* The offered challenge of kind k, or NULL. */
static const struct acme_challenge *
offered(const struct acme_authz *a, enum acme_chal_kind k)
{
	size_t i;

	for (i = 0; i < a->n_challenges; i++)
		if (a->challenges[i].kind == k)
			return &a->challenges[i];
	return NULL;
}

/* The first of the spec's challenge types (acme_challenge.h; default
 * dns-persist-01 then dns-01) that the CA offers for a and acmeup can answer: dns-persist-01
 * only when a matching record is served (persist_served). */
static int
pick_challenge(struct acme_client *c, const struct order_run *r,
               const struct acme_authz *a, const char *name,
               const struct acme_challenge **out)
{
	enum acme_chal_kind prefs[ACME_CHAL_PREFS_MAX] = {
	    ACME_CHAL_DNS_PERSIST01, ACME_CHAL_DNS01 };
	const struct acme_challenge *ch = NULL;
	size_t i, n = 2;
	int rc = 0;

	if (r->job->spec->challenge != NULL)
		rc = acme_chal_prefs_parse(r->job->spec->challenge,
		    r->job->spec->name, prefs, &n);
	for (i = 0; i < n && rc == 0 && ch == NULL; i++) {
		ch = offered(a, prefs[i]);
		if (ch != NULL && prefs[i] == ACME_CHAL_DNS_PERSIST01 &&
		    persist_served(c, r->dns, ch, name) != 1 &&
		    (!r->job->spec->persist_publish ||
		    persist_publish(c, r, ch, name) != 0))
			ch = NULL;
		else if (ch != NULL && prefs[i] != ACME_CHAL_DNS_PERSIST01 &&
		    ch->token == NULL)
			ch = NULL;
	}
	if (rc == 0 && ch == NULL)
		rc = acmeup_fail(ACMEUP_EACME, "the CA offers none of the "
		    "challenges asked for (%s) for %s%s", r->job->spec->challenge
		    != NULL ? r->job->spec->challenge : "dns-persist-01,dns-01", name,
		    n > 0 && prefs[n - 1] == ACME_CHAL_DNS_PERSIST01 ?
		    " (or no matching dns-persist-01 record is served: "
		    "`acmeup persist`)" : "");
	*out = ch;
	return rc;
}

/* RFC 8555 7.5 / 8.4: for an authorization not yet valid, the challenge
 * to answer and the TXT record that answers it (none for
 * dns-persist-01: the standing record does). The owner is built from
 * name, ours (acme_ident_match_authz), never from the CA's text. */
static int
add_pending(struct acme_client *c, struct order_run *r,
            const struct acme_authz *a, const char *url, const char *name)
{
	const struct acme_challenge *ch = NULL;
	struct pending *p = &r->pend[r->n_pend];
	struct acme_ident_want w;
	int rc;

	rc = pick_challenge(c, r, a, name, &ch);
	if (rc == 0 && ch->kind == ACME_CHAL_DNS_PERSIST01)
		return persist_answer(c, ch, url, name);
	want_of(r, &w);
	if (rc == 0 && ch->kind != ACME_CHAL_DNS_PERSIST01)
		rc = acme_ident_check_token(ch->token, &w);
	if (rc != 0)
		return rc;
	p->kind = ch->kind;
	p->authz_url = strdup(url);
	p->challenge_url = strdup(ch->url);
	r->n_pend++;
	if (p->authz_url == NULL || p->challenge_url == NULL)
		return ACMEUP_ENOMEM;
	if (ch->kind == ACME_CHAL_DNS_ACCOUNT01)
		log_stage("acme: %s: answering dns-account-01", name);
	if (ch->kind == ACME_CHAL_DNS_ACCOUNT01)
		rc = acme_account_owner(acme_account_url(c), name, &p->owner);
	else
		rc = dns01_owner(name, &p->owner);
	return rc != 0 ? rc : acme_dns01_value(c, ch->token, &p->value);
}

/* Each authorization of the order, matched to one of its names
 * (acme_ident.h): a pending one gets its record, a valid one none. */
static int
collect_challenges(struct acme_client *c, struct order_run *r)
{
	struct acme_authz a = { 0 };
	struct acme_ident_want w;
	char status[40];
	unsigned char *taken;
	size_t i, k = 0;
	int rc = 0;

	want_of(r, &w);
	r->pend = calloc(r->order.n_authorizations, sizeof(*r->pend));
	taken = calloc(r->n_names, 1);
	if (r->pend == NULL || taken == NULL)
		rc = ACMEUP_ENOMEM;
	for (i = 0; i < r->order.n_authorizations && rc == 0; i++) {
		rc = acme_authz_get(c, r->order.authorizations[i], &a);
		if (rc == 0)
			rc = acme_ident_match_authz(&a, &w, taken, &k);
		if (rc == 0 && strcmp(a.status, "valid") == 0)
			log_stage("acme: %s is already authorized",
			    r->names[k]);
		else if (rc == 0 && strcmp(a.status, "pending") != 0)
			rc = acmeup_fail(ACMEUP_EACME, "authorization for %s "
			    "is %s", r->names[k], name_printable(a.status,
			    status, sizeof(status)));
		else if (rc == 0)
			rc = add_pending(c, r, &a, r->order.authorizations[i],
			    r->names[k]);
		acme_authz_clear(&a);
	}
	if (rc == 0)
		rc = acme_ident_all_taken(taken, &w);
	free(taken);
	return rc;
}

/* The spec's names, normalized, and the certificate's directory. */
static int
order_names(struct order_run *r)
{
	const struct cert_spec *s = r->job->spec;
	char where[300];
	size_t i;
	int rc = 0;

	rc = engine_certdir(s, r->certdir, sizeof(r->certdir));
	if (rc != 0)
		return rc;
	if (s->n_domains == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "certificate %s has no "
		    "names", s->name);
	r->names = calloc(s->n_domains, sizeof(*r->names));
	if (r->names == NULL)
		return ACMEUP_ENOMEM;
	snprintf(where, sizeof(where), "certificate %s", s->name);
	for (i = 0; i < s->n_domains && rc == 0; i++) {
		rc = name_check(s->domains[i], NAME_CERT, where, &r->names[i]);
		if (rc == 0)
			r->n_names++;
	}
	return rc;
}

/* 1 when dir/cert.pem exists: the new certificate replaces it. */
static int
cert_exists(const char *dir)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/cert.pem", dir);

	return n > 0 && (size_t)n < sizeof(path) && store_exists(path) == 1;
}

int
order_start(struct acme_client *c, const char *state_dir, int dry_run,
            struct order_run *r)
{
	struct issue_job *j = r->job;
	struct acme_order_req req = { 0 };
	struct acme_ident_want w;
	int rc = 0;

	r->state_dir = state_dir;
	if (j->lock == NULL)
		rc = lock_cert(state_dir, j->spec->name, 0, &j->lock);
	if (rc == 0)
		rc = order_names(r);
	if (rc == 0)
		rc = store_cert_recover(r->certdir);
	if (rc == 0)
		j->existed = cert_exists(r->certdir);
	if (rc == 0 && !j->replaces_known && !dry_run)
		rc = engine_replaces(c, r->certdir, &j->replaces);
	req.names = (const char *const *)r->names;
	req.n = r->n_names;
	req.profile = j->spec->profile;
	req.replaces = j->replaces;
	if (rc == 0)
		rc = acme_order_create(c, &req, &r->order, &r->order_url);
	if (rc == 0)
		log_stage("acme: %s: order %s for %zu name%s%s%s",
		    j->spec->name, r->order_url, r->n_names,
		    r->n_names == 1 ? "" : "s",
		    req.profile != NULL ? ", profile " : "",
		    req.profile != NULL ? req.profile : "");
	if (rc == 0) {
		want_of(r, &w);
		rc = acme_ident_check_order(&r->order, &w);
	}
	if (rc == 0)
		rc = collect_challenges(c, r);
	return rc;
}

/* Split a PEM chain after its first certificate. */
static const char *
chain_rest(const char *pem)
{
	const char *end = strstr(pem, "-----END CERTIFICATE-----");

	if (end == NULL)
		return pem + strlen(pem);
	end += strlen("-----END CERTIFICATE-----");
	while (*end == '\r' || *end == '\n')
		end++;
	return end;
}

/* <certdir>/{privkey,cert,chain,fullchain}.pem as one commit: the live
 * files stay as they were unless every new one is in place. No
 * privkey.pem when key is NULL (--csr: the user holds the key). */
static int
store_certificate(const char *dir, const struct cert_spec *s,
                  struct priv_certkey *key, const char *pem)
{
	const char *rest = chain_rest(pem);
	const struct store_key_perms perms = { s->key_uid, s->key_gid,
	    s->key_mode };
	struct cert_files f = { 0 };
	char *keypem = NULL, *leaf = NULL;
	size_t keylen = 0;
	int rc = 0;

	leaf = strndup(pem, (size_t)(rest - pem));
	if (leaf == NULL)
		return ACMEUP_ENOMEM;
	if (key != NULL)
		rc = priv_certkey_pem(key, &keypem, &keylen);
	f.key_pem = keypem;
	f.cert_pem = leaf;
	f.chain_pem = rest;
	f.fullchain_pem = pem;
	f.key_perms = s->key_perms ? &perms : NULL;
	if (rc == 0)
		rc = store_cert_commit(dir, &f);
	if (keypem != NULL) {
		explicit_bzero(keypem, keylen);
		free(keypem);
	}
	free(leaf);
	return rc;
}

/* The new certificate's expiry, for the report. */
static void
note_validity(struct issue_job *j, const char *pem)
{
	long long nb = 0, na = 0;

	if (crypto_cert_validity(pem, strlen(pem), &nb, &na) != 0) {
		acmeup_err_clear();
		return;
	}
	j->not_before = nb;
	j->not_after = na;
	j->next_renewal = na - (long long)(j->spec->renew_before != 0 ?
	    j->spec->renew_before : renew_default_before(nb, na));
}

/* The deploy hook after the certificate changed: a failure is the job's
 * hook_error, and the certificate stays. */
static void
deploy(struct order_run *r)
{
	struct issue_job *j = r->job;
	int rc;

	if (j->spec->deploy_hook == NULL)
		return;
	log_stage("hook: %s: running the deploy hook", j->spec->name);
	rc = hook_deploy(j->spec, r->certdir);
	if (rc == 0)
		return;
	j->hook_error = strdup(acmeup_errmsg(rc));
	log_warn("%s", acmeup_errmsg(rc)); /* names the certificate */
	acmeup_err_clear();
}

/* A dry run's end: the certificate came, and goes. */
static void
dry_run_done(struct order_run *r, const char *pem)
{
	char when[32];

	r->job->action = r->job->existed ? ISSUE_RENEWED : ISSUE_ISSUED;
	note_validity(r->job, pem);
	ari_format_time(r->job->not_after, when, sizeof(when));
	log_stage("dry run: %s: certificate obtained (expires %s); not "
	    "stored, no hook", r->job->spec->name, when);
}

int
order_finish(struct acme_client *c, const struct issue_csr *csr,
             int dry_run, struct order_run *r)
{
	struct acme_finish_opts fo = { .timeout_ms = ORDER_TIMEOUT_MS,
	    .preferred_chain = r->job->spec->preferred_chain,
	    .names = (const char *const *)r->names, .n_names = r->n_names };
	struct crypto_key *reuse = NULL;
	struct priv_certkey *key = NULL;
	uint8_t *der = NULL;
	size_t der_len = 0;
	char *pem = NULL;
	int rc = 0;

	if (csr == NULL)
		rc = engine_cert_key(r->job->spec, r->certdir, &reuse);
	if (rc == 0 && csr == NULL) /* the key stays in the keys process */
		rc = priv_certkey_new(engine_cert_key_type(r->job->spec), reuse,
		    (const char *const *)r->names, r->n_names, &key, &der,
		    &der_len);
	crypto_key_free(reuse);
	if (rc == 0)
		rc = acme_order_finalize(c, r->order_url, &r->order,
		    csr != NULL ? csr->der : der,
		    csr != NULL ? csr->len : der_len, &fo, &pem);
	if (rc == 0 && dry_run) {
		dry_run_done(r, pem);
		goto out;
	}
	if (rc == 0)
		rc = store_certificate(r->certdir, r->job->spec, key, pem);
	if (rc == 0) {
		log_stage("store: %s: certificate written to %s/",
		    r->job->spec->name, r->certdir);
		r->job->action = r->job->existed ? ISSUE_RENEWED :
		    ISSUE_ISSUED;
		note_validity(r->job, pem);
		deploy(r);
	}
out:
	free(pem);
	free(der);
	priv_certkey_free(key);
	return rc;
}
