/* One batch of orders: every order created, every pending dns-01 record of
 * all of them published with one dns_txt_add (one UPDATE per zone) and one
 * propagation wait, every challenge answered, every authorization awaited,
 * the records removed whatever happened (signals included), then each
 * certificate finalized, stored and deployed. A failing order fails only
 * itself; a DNS failure fails the orders whose records were in it. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/account_key.h"
#include "acmeup/acme.h"
#include "acmeup/challenge_cache.h"
#include "acmeup/crypto.h"
#include "acmeup/dns.h"
#include "acmeup/engine_acme.h"
#include "acmeup/error.h"
#include "acmeup/exitcode.h"
#include "acmeup/interrupt.h"
#include "acmeup/journal.h"
#include "acmeup/lock.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "acmeup/store.h"
#include "engine_internal.h"

#define AUTHZ_TIMEOUT_MS 120000
#define ALL SIZE_MAX
#define PUBLICATION_MAX 300 /* records in one dns_txt_add */

struct issue_engine {
	struct engine_config cfg;      /* its pointers borrowed */
	struct crypto_key *account;
	struct lock *state_lock;       /* shared: the account key stays put */
	struct acme_client *acme;
	struct dns_ctx *dns;           /* keys loaded at open */
	int recovered;                 /* dead runs' journals handled */
	int ready;                     /* account opened, DNS set up */
	unsigned batches;              /* batches started */
	const struct issue_csr *csr;   /* --csr, borrowed, or NULL */
	char account_dir[PATH_MAX];    /* this CA's account (store_account_dir) */
	struct confinement conf;       /* engine_confine_start() */
	int shared;                    /* dns, account from cfg.shared */
};

/* One dns_txt_add: its journal and the records it added. */
struct publication {
	struct journal *j;
	struct dns_set *set;
};

/* The engine of one CA of several (cfg.shared): all but the CA client
 * was opened for the run. */
static int
shared_open(struct issue_engine *e, struct issue_engine **out)
{
	const char *dir = NULL, *ca = NULL;
	int rc;

	e->shared = 1;
	rc = engine_shared_take(e->cfg.shared, e->cfg.server, &e->dns,
	    &e->account, &dir, &ca);
	if (rc == 0)
		snprintf(e->account_dir, sizeof(e->account_dir), "%s", dir);
	if (rc == 0)
		rc = acme_client_open(e->cfg.server, ca != NULL ? ca :
		    e->cfg.ca_bundle, e->account, e->cfg.wait_rate_limit,
		    &e->acme);
	if (rc != 0) {
		issue_engine_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

int
issue_engine_open(const struct engine_config *cfg, struct issue_engine **out)
{
	struct issue_engine *e = calloc(1, sizeof(*e));
	int rc;

	if (e == NULL)
		return ACMEUP_ENOMEM;
	e->cfg = *cfg;
	if (cfg->shared != NULL)
		return shared_open(e, out);
	/* The files process forked first (it holds no key, and starts while
	 * this process goes on), the TSIG keys loaded, the keys process
	 * forked, the account key and the keys dead runs' journals name
	 * opened there, then the files process takes over the writes: all
	 * before any network code. */
	rc = engine_confine_start(cfg, &e->conf);
	if (rc == 0)
		rc = dns_ctx_new(cfg->dns, &e->dns);
	if (rc == 0)
		rc = store_account_dir(cfg->state_dir, cfg->server, cfg->eab_kid,
		    STORE_ACCT_MAKE | (cfg->dry_run ? 0 : STORE_ACCT_ADOPT),
		    e->account_dir, sizeof(e->account_dir));
	if (rc == 0)
		rc = engine_privsep_start(e->dns, cfg->state_dir,
		    !cfg->no_sandbox);
	if (rc == 0)
		rc = account_key_open_locked_by(e->account_dir,
		    (enum crypto_key_type)cfg->account_key_type,
		    cfg->account_key_type_set, 0, priv_account_open, &e->account,
		    &e->state_lock);
	if (rc == 0)
		rc = engine_accounts_opened(cfg, &e->conf);
	if (rc == 0)
		rc = acme_client_open(cfg->server, e->conf.ca[0] != '\0' ?
		    e->conf.ca : cfg->ca_bundle, e->account,
		    cfg->wait_rate_limit, &e->acme);
	if (rc != 0) {
		issue_engine_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

void
issue_engine_free(struct issue_engine *e)
{
	if (e == NULL)
		return;
	acme_client_free(e->acme);
	if (!e->shared) { /* else the run's (issue_shared_free) */
		engine_confine_clear(&e->conf);
		priv_keys_stop(); /* before the keys it borrows go */
		crypto_key_free(e->account);
		lock_release(e->state_lock);
		dns_ctx_free(e->dns);
	}
	free(e);
}

struct acme_client *
issue_engine_acme(struct issue_engine *e)
{
	return e->acme;
}

void
issue_engine_set_csr(struct issue_engine *e, const struct issue_csr *csr)
{
	e->csr = csr;
}

/* The DNS side: keys loaded and checked, and what runs killed mid-way
 * left in the zones removed (a failure there is only reported: those
 * records do not stand in this run's way). Then the account. */
static int
engine_prepare(struct issue_engine *e)
{
	size_t found = 0, left = 0;
	int rc;

	if (e->ready)
		return 0;
	if (!e->recovered) {
		e->recovered = 1;
		if (dns_journal_recover(e->dns, e->cfg.state_dir, &found,
		    &left) != 0 || left > 0)
			log_warn("dns: %zu record%s left by an earlier run could "
			    "not be removed: %s", left, left == 1 ? "" : "s",
			    acmeup_errmsg(ACMEUP_EDNS));
		acmeup_err_clear();
	}
	rc = engine_account(e->acme, &e->cfg);
	if (rc == 0 && !e->cfg.dry_run && acme_account_url(e->acme) != NULL &&
	    store_account_url_write(e->account_dir,
	    acme_account_url(e->acme)) != 0) {
		log_warn("%s", acmeup_errmsg(ACMEUP_EINVAL)); /* dns-check only */
		acmeup_err_clear();
	}
	if (rc == 0)
		e->ready = 1;
	return rc;
}

/* j fails with the current record's failure, which it takes: the next
 * job's failure is recorded afresh. */
static void
job_failed(struct issue_job *j, int rc)
{
	issue_job_fail(j, rc);
	acmeup_err_clear();
}

/* Fail every live order (pub ALL) or those of publication pub with the
 * current record's failure; the caller clears it when it goes on. */
static void
fail_runs(struct order_run *runs, size_t n, size_t pub, int rc)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!order_alive(&runs[i]) || runs[i].n_pend == 0 ||
		    (pub != ALL && runs[i].pub != pub))
			continue;
		issue_job_fail(runs[i].job, rc);
	}
}

/* The records of the live orders runs[from..to) as publication p,
 * numbered pub. */
static int
publish(struct issue_engine *e, struct order_run *runs, size_t from,
        size_t to, struct publication *p, size_t pub)
{
	struct dns_txt *txt = NULL;
	size_t i, k, cnt = 0;
	int rc;

	for (i = from; i < to; i++)
		if (order_alive(&runs[i]))
			cnt += runs[i].n_pend;
	if (cnt == 0)
		return 0;
	txt = calloc(cnt, sizeof(*txt));
	if (txt == NULL)
		return ACMEUP_ENOMEM;
	cnt = 0;
	for (i = from; i < to; i++) {
		if (!order_alive(&runs[i]))
			continue;
		runs[i].pub = pub;
		for (k = 0; k < runs[i].n_pend; k++) {
			txt[cnt].owner = runs[i].pend[k].owner;
			txt[cnt++].value = runs[i].pend[k].value;
		}
	}
	rc = journal_open(e->cfg.state_dir, &p->j);
	if (rc == 0)
		rc = dns_txt_add(e->dns, p->j, txt, cnt, &p->set);
	if (rc == 0)
		rc = cache_targets(runs, from, to, p->set);
	free(txt);
	return rc;
}

static size_t
runs_with_records(const struct order_run *runs, size_t from, size_t to)
{
	size_t i, cnt = 0;

	for (i = from; i < to; i++)
		cnt += order_alive(&runs[i]) && runs[i].n_pend > 0;
	return cnt;
}

/* The end of the group of orders from runs[from] whose records fit one
 * publication (a large -j: one UPDATE message per zone stays well under
 * 64 KiB). */
static size_t
group_end(const struct order_run *runs, size_t n, size_t from)
{
	size_t to = from, cnt = 0;

	while (to < n && (to == from ||
	    cnt + runs[to].n_pend <= PUBLICATION_MAX)) {
		cnt += order_alive(&runs[to]) ? runs[to].n_pend : 0;
		to++;
	}
	return to;
}

/* The group's records in one publication; when that fails for several
 * orders, each order's records on their own, so that one certificate's
 * broken zone or key does not fail the others. */
static int
publish_group(struct issue_engine *e, struct order_run *runs, size_t n,
              size_t from, size_t to, struct publication *pubs,
              size_t *npubs)
{
	size_t i, pub = (*npubs)++;
	int rc;

	rc = publish(e, runs, from, to, &pubs[pub], pub);
	if (rc == 0 || rc == ACMEUP_EINTR ||
	    runs_with_records(runs, from, to) < 2) {
		if (rc != 0)
			fail_runs(runs, n, rc == ACMEUP_EINTR ? ALL : pub, rc);
		if (rc == ACMEUP_EINTR)
			return rc;
		acmeup_err_clear(); /* taken by the orders */
		return 0;
	}
	log_warn("%s; publishing each certificate's records on its own",
	    acmeup_errmsg(rc));
	acmeup_err_clear();
	for (i = from; i < to; i++) {
		if (!order_alive(&runs[i]) || runs[i].n_pend == 0)
			continue;
		pub = (*npubs)++;
		rc = publish(e, runs, i, i + 1, &pubs[pub], pub);
		if (rc == ACMEUP_EINTR) {
			fail_runs(runs, n, ALL, rc);
			return rc;
		}
		if (rc != 0)
			job_failed(runs[i].job, rc);
	}
	return 0;
}

/* Every record of the batch, one publication per group (normally one).
 * *npubs publications were made (at most 2n). */
static int
publish_batch(struct issue_engine *e, struct order_run *runs, size_t n,
              struct publication *pubs, size_t *npubs)
{
	size_t from, to;
	int rc = 0;

	*npubs = 0;
	for (from = 0; rc == 0 && from < n; from = to) {
		to = group_end(runs, n, from);
		rc = publish_group(e, runs, n, from, to, pubs, npubs);
	}
	return rc;
}

/* Wait until every authoritative server answers each publication. */
static int
wait_batch(struct order_run *runs, size_t n, struct publication *pubs,
           size_t npubs)
{
	size_t p;
	int rc;

	for (p = 0; p < npubs; p++) {
		if (pubs[p].set == NULL)
			continue;
		rc = dns_txt_wait(pubs[p].set);
		if (rc == ACMEUP_EINTR) {
			fail_runs(runs, n, ALL, rc);
			return rc;
		}
		if (rc != 0) {
			fail_runs(runs, n, p, rc);
			acmeup_err_clear(); /* taken by the orders */
		}
	}
	return 0;
}

/* 1 when an earlier pending challenge of the batch has the same URL (an
 * authorization the CA shares between two orders). */
static int
answered_before(const struct order_run *runs, size_t i, size_t k)
{
	const char *url = runs[i].pend[k].challenge_url;
	size_t a, b;

	for (a = 0; a <= i; a++)
		for (b = 0; b < runs[a].n_pend && (a < i || b < k); b++)
			if (strcmp(runs[a].pend[b].challenge_url, url) == 0)
				return 1;
	return 0;
}

/* RFC 8555 7.5.1: answer every challenge of the live orders. */
static int
respond_batch(struct issue_engine *e, struct order_run *runs, size_t n)
{
	size_t i, k;
	int rc;

	for (i = 0; i < n; i++) {
		for (k = 0; k < runs[i].n_pend && order_alive(&runs[i]); k++) {
			if (answered_before(runs, i, k))
				continue;
			rc = acme_challenge_respond(e->acme,
			    runs[i].pend[k].challenge_url);
			if (rc == ACMEUP_EINTR) {
				fail_runs(runs, n, ALL, rc);
				return rc;
			}
			if (rc != 0)
				job_failed(runs[i].job, rc);
		}
	}
	log_stage("acme: challenges answered, the CA is validating");
	return 0;
}

/* Poll each live order until its authorizations are done; when one is not
 * valid, ask every authorization, for the CA's reason. */
static int
await_batch(struct issue_engine *e, struct order_run *runs, size_t n)
{
	size_t i, k, ok = 0, all = 0;
	int rc, ready;

	for (i = 0; i < n; i++) {
		all += runs[i].n_pend > 0;
		ready = 0;
		if (runs[i].n_pend > 0 && order_alive(&runs[i])) {
			rc = acme_order_await(e->acme, runs[i].order_url,
			    AUTHZ_TIMEOUT_MS, &ready);
			if (rc == ACMEUP_EINTR) {
				fail_runs(runs, n, ALL, rc);
				return rc;
			}
			if (rc != 0)
				job_failed(runs[i].job, rc);
		}
		for (k = 0; !ready && k < runs[i].n_pend &&
		    order_alive(&runs[i]); k++) {
			rc = acme_authz_wait(e->acme, runs[i].pend[k].authz_url,
			    AUTHZ_TIMEOUT_MS);
			if (rc == ACMEUP_EINTR) {
				fail_runs(runs, n, ALL, rc);
				return rc;
			}
			if (rc != 0)
				job_failed(runs[i].job, rc);
		}
		ok += runs[i].n_pend > 0 && order_alive(&runs[i]);
	}
	if (ok == all)
		log_stage("acme: all names validated");
	else
		log_stage("acme: the names of %zu of %zu orders validated", ok,
		    all);
	return 0;
}

/* Remove every publication's records, whatever happened before; a
 * removal failure fails the orders of that publication (in a record of
 * its own: an earlier failure, such as a signal, stays the batch's). */
static void
remove_batch(struct order_run *runs, size_t n, struct publication *pubs,
             size_t npubs, int failed)
{
	struct acmeup_err rm, *prev;
	size_t p;
	int rc;

	if (failed)
		log_stage("dns: removing the challenge records after the "
		    "failure");
	for (p = 0; p < npubs; p++) {
		if (pubs[p].set != NULL) {
			memset(&rm, 0, sizeof(rm));
			prev = acmeup_err_use(&rm);
			rc = dns_txt_remove(pubs[p].set);
			if (rc != 0)
				fail_runs(runs, n, p, rc);
			acmeup_err_use(prev);
		}
		dns_set_free(pubs[p].set);
		journal_close(pubs[p].j);
		pubs[p].set = NULL;
		pubs[p].j = NULL;
	}
}

/* What the CA may still cache of earlier validations (engine_cache.c)
 * waited out, then every challenge answered and awaited, the validations
 * noted in the state directory before and after. */
static int
validate_batch(struct issue_engine *e, struct order_run *runs, size_t n,
               const struct chcache *cc)
{
	int rc;

	rc = cache_wait(cc, runs, n);
	if (rc == ACMEUP_EINTR)
		fail_runs(runs, n, ALL, rc);
	if (rc != 0 || runs_with_records(runs, 0, n) == 0)
		return rc;
	cache_note(e->cfg.state_dir, runs, n, 0);
	rc = respond_batch(e, runs, n);
	if (rc == 0 && runs_with_records(runs, 0, n) > 0)
		rc = await_batch(e, runs, n);
	cache_note(e->cfg.state_dir, runs, n, 1);
	return rc;
}

/* Publish, prove, validate, remove. ACMEUP_EINTR after a signal. */
static int
prove_batch(struct issue_engine *e, struct order_run *runs, size_t n)
{
	struct chcache cc = { 0 };
	struct publication *pubs;
	size_t npubs = 0, i, before = 0, after = 0;
	int rc;

	if (runs_with_records(runs, 0, n) == 0)
		return 0;
	pubs = calloc(2 * n, sizeof(*pubs));
	if (pubs == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < n; i++)
		before += order_alive(&runs[i]);
	cache_gate(e->cfg.state_dir, runs, n, &cc);
	rc = publish_batch(e, runs, n, pubs, &npubs);
	if (rc == 0)
		rc = wait_batch(runs, n, pubs, npubs);
	if (rc == 0)
		rc = engine_privsep_check(0); /* a dead child: no validation */
	if (rc == 0 && runs_with_records(runs, 0, n) > 0)
		rc = validate_batch(e, runs, n, &cc);
	for (i = 0; i < n; i++)
		after += order_alive(&runs[i]);
	remove_batch(runs, n, pubs, npubs, after < before);
	chcache_clear(&cc);
	free(pubs);
	return rc;
}

/* Order i of runs[0..n) ended with rc: its job takes a failure; after a
 * signal every later job fails too. 1 when the batch must stop. */
static int
order_done(struct order_run *runs, size_t i, size_t n, int rc)
{
	if (rc != 0)
		issue_job_fail(runs[i].job, rc);
	if (rc == ACMEUP_EINTR) {
		for (; i < n; i++)
			issue_job_fail(runs[i].job, rc);
		return 1;
	}
	acmeup_err_clear(); /* taken by the order */
	return 0;
}

/* Create every order; a signal stops the batch. */
static int
start_batch(struct issue_engine *e, struct order_run *runs, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = interrupt_pending() ? acmeup_fail(ACMEUP_EINTR,
		    "interrupted by a signal before the order") : 0;
		runs[i].dns = e->dns;
		if (rc == 0)
			rc = order_start(e->acme, e->cfg.state_dir,
			    e->cfg.dry_run, &runs[i]);
		if (order_done(runs, i, n, rc))
			return rc;
	}
	return 0;
}

/* Finalize, store and deploy each validated order. */
static int
finish_batch(struct issue_engine *e, struct order_run *runs, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (!order_alive(&runs[i]))
			continue;
		rc = engine_privsep_check(0); /* nothing would be stored */
		if (rc == 0)
			rc = order_finish(e->acme, e->csr, e->cfg.dry_run, &runs[i]);
		if (order_done(runs, i, n, rc))
			return rc;
	}
	return 0;
}

int
issue_engine_batch(struct issue_engine *e, struct issue_job *const *jobs,
                   size_t n)
{
	struct order_run *runs = NULL;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	log_stage("batch %u: %zu certificate%s (%s%s)", ++e->batches, n,
	    n == 1 ? "" : "s", jobs[0]->spec->name, n > 1 ? ", ..." : "");
	runs = calloc(n, sizeof(*runs));
	rc = runs == NULL ? ACMEUP_ENOMEM : engine_prepare(e);
	for (i = 0; rc == 0 && i < n; i++) {
		runs[i].job = jobs[i];
		runs[i].pub = ALL; /* in no publication yet */
	}
	if (rc == 0)
		rc = start_batch(e, runs, n);
	if (rc == 0)
		rc = prove_batch(e, runs, n);
	if (rc == 0)
		rc = finish_batch(e, runs, n);
	rc = engine_privsep_check(rc);
	for (i = 0; i < n; i++) {
		if (rc != 0 && jobs[i]->action == ISSUE_SKIPPED)
			issue_job_fail(jobs[i], rc);
		if (runs != NULL)
			order_run_clear(&runs[i]);
		lock_release(jobs[i]->lock);
		jobs[i]->lock = NULL;
	}
	free(runs);
	return rc;
}

int
issue_exit_code(const struct issue_job *jobs, size_t n)
{
	const struct issue_job *last = NULL;
	size_t i, done = 0, failed = 0, hooks = 0;

	if (engine_privsep_died()) /* a dead child fails the run */
		return engine_privsep_check(0);
	for (i = 0; i < n; i++) {
		done += jobs[i].action == ISSUE_ISSUED ||
		    jobs[i].action == ISSUE_RENEWED;
		hooks += jobs[i].hook_error != NULL;
		if (jobs[i].action == ISSUE_FAILED) {
			failed++;
			last = &jobs[i];
		}
	}
	/* One certificate failed and nothing else happened: its detail is
	 * the error line. */
	if (failed == 1 && done == 0) {
		acmeup_err_clear();
		return acmeup_fail(last->rc, "%s", last->error != NULL ?
		    last->error : acmeup_strerror(last->rc));
	}
	if (failed > 0)
		return done > 0 ? ACMEUP_DONE_PARTIAL : ACMEUP_DONE_FAILED;
	if (hooks > 0)
		return ACMEUP_DONE_PARTIAL;
	return done > 0 ? 0 : ACMEUP_DONE_NOTHING;
}
