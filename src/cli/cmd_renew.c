/* acmeup renew [CERT...]: every certificate (or those named) that is due,
 * in batches of -j orders. Each certificate's lock is taken before its
 * due check and held until its order ends, so that a cron run and a manual
 * run never renew the same certificate twice. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "acmeup/acme_ari.h"
#include "acmeup/certspec.h"
#include "config.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/interrupt.h"
#include "acmeup/engine.h"
#include "acmeup/lock.h"
#include "acmeup/log.h"
#include "acmeup/renew.h"
#include "acmeup/store.h"
#include "cli_internal.h"

/* A uniform draw in [0, 1) for the time in the CA's window. */
static double
draw(void)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint32_t)time(NULL);
	return (double)r / 4294967296.0;
}

static void
log_decision(const struct issue_job *j, const struct renew_decision *d)
{
	char when[32];

	ari_format_time(d->when, when, sizeof(when));
	if (d->due)
		log_stage("renew: %s is due: %s", j->spec->name, d->why);
	else
		log_debug("renew: %s is not due: %s; renewal from %s",
		    j->spec->name, d->why, when);
}

/* Lock the certificate, finish an interrupted commit, decide. 1 due (the
 * lock kept), 0 not due (the lock released), or a failure recorded in
 * the job. */
static int
consider(struct issue_engine *e, const struct opts *o, struct issue_job *j,
         long long now)
{
	struct renew_facts f;
	struct renew_decision d;
	char dir[PATH_MAX], *id = NULL;
	int n, rc;

	n = snprintf(dir, sizeof(dir), "%s/%s", j->spec->out_dir,
	    j->spec->name);
	rc = n < 0 || (size_t)n >= sizeof(dir) ? acmeup_fail(ACMEUP_EUSAGE,
	    "certificate %s: output path too long", j->spec->name) : 0;
	if (rc == 0)
		rc = lock_cert(o->state_dir, j->spec->name, 0, &j->lock);
	if (rc == 0)
		rc = store_cert_recover(dir);
	if (rc == 0)
		rc = renew_facts_load(o->dry_run ? NULL : issue_engine_acme(e),
		    dir, j->spec->domains, j->spec->n_domains, &f, &id);
	if (rc != 0) {
		issue_job_fail(j, rc);
		acmeup_err_clear(); /* taken by the job; the others go on */
		return rc;
	}
	f.revoked = store_cert_revoked_is(o->state_dir, j->spec->name, id);
	renew_decide(&f, j->spec->renew_before, now, draw(), &d);
	if (!d.due && (o->force || o->dry_run)) {
		d.due = 1;
		d.why = o->dry_run ? "--dry-run" : "--force";
	}
	if (o->dry_run) {	/* the test CA does not know this certificate */
		free(id);
		id = NULL;
	}
	log_decision(j, &d);
	j->existed = f.present;
	j->replaces = id;
	j->replaces_known = 1;
	j->not_after = f.not_after;
	j->next_renewal = d.when;
	j->why = strdup(d.why);
	if (d.due)
		return 1;
	lock_release(j->lock);
	j->lock = NULL;
	return 0;
}

/* Decide certificate by certificate; every -j due ones make a batch. */
static int
renew_batches(struct issue_engine *e, const struct opts *o,
              struct issue_job **jobs, size_t n, void *arg)
{
	struct issue_job **batch = NULL;
	size_t i, nb = 0, step = o->jobs > 0 ? o->jobs : ISSUE_PARALLEL_DEFAULT;
	long long now = (long long)time(NULL);
	int rc = 0;

	(void)arg;
	batch = calloc(step, sizeof(*batch));
	if (batch == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; rc == 0 && i < n; i++) {
		if (interrupt_pending()) {
			rc = acmeup_fail(ACMEUP_EINTR, "interrupted by a signal "
			    "before %s", jobs[i]->spec->name);
			break;
		}
		if (consider(e, o, jobs[i], now) == 1)
			batch[nb++] = jobs[i];
		if (nb == step || (nb > 0 && i + 1 == n)) {
			rc = issue_engine_batch(e, batch, nb);
			nb = 0;
		}
	}
	for (; rc != 0 && i < n; i++)
		issue_job_fail(jobs[i], rc);
	while (rc != 0 && nb > 0)
		issue_job_fail(batch[--nb], rc);
	free(batch);
	return rc;
}

int
renew_run(const struct opts *o)
{
	struct certspec_list specs = { 0 };
	struct issue_job *jobs = NULL;
	size_t i;
	int rc;

	rc = o->csr != NULL ? acmeup_fail(ACMEUP_EUSAGE, "renew: --csr "
	    "goes with issue") : issue_check_common(o, "renew");
	if (rc == 0 && o->n_domains > 0 && o->n_args > 0)
		rc = acmeup_fail(ACMEUP_EUSAGE, "renew: unexpected argument "
		    "'%s' (with -d, the certificate is the -d names)",
		    o->args[0]);
	if (rc == 0)
		rc = certspec_load(o, o->config, &specs);
	if (rc == 0 && specs.n == 0)
		rc = acmeup_fail(ACMEUP_EUSAGE, "renew: no certificates: give "
		    "-d NAME..., or cert blocks in %s", o->config != NULL ?
		    o->config->path : o->config_file != NULL ? o->config_file :
		    ACMEUP_DEFAULT_CONFIG " (missing)");
	if (rc == 0)
		rc = issue_check_run(o, &specs);
	if (rc == 0)
		rc = issue_jobs_new(&specs, &jobs);
	if (rc == 0) {
		(void)issue_by_ca(o, jobs, specs.n, renew_batches, NULL);
		acmeup_err_clear(); /* the jobs took their failures */
	}
	if (rc == 0)
		rc = issue_summary(o, "renew", jobs, specs.n);
	for (i = 0; jobs != NULL && i < specs.n; i++)
		issue_job_clear(&jobs[i]);
	free(jobs);
	certspec_free(&specs);
	return rc;
}
