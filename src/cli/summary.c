/* The end of issue and renew: one line per certificate and a summary on
 * stderr, the --json report on stdout, the command's result. */
#include <stdio.h>
#include <stdlib.h>

#include "acmeup/acme_ari.h"
#include "acmeup/certspec.h"
#include "acmeup/error.h"
#include "acmeup/engine.h"
#include "acmeup/log.h"
#include "report.h"
#include "cli_internal.h"

static enum report_action
report_action_of(enum issue_action a)
{
	switch (a) {
	case ISSUE_ISSUED: return REPORT_ISSUED;
	case ISSUE_RENEWED: return REPORT_RENEWED;
	case ISSUE_FAILED: return REPORT_FAILED;
	default: return REPORT_SKIPPED;
	}
}

/* One job's entry. */
static int
report_job(struct report *rep, const struct issue_job *j)
{
	struct report_cert *c = NULL;
	int rc;

	rc = report_add(rep, j->spec, &c);
	if (rc != 0)
		return rc;
	c->action = report_action_of(j->action);
	c->not_before = j->not_before;
	c->not_after = j->not_after;
	c->next_renewal = j->next_renewal;
	c->present = j->action == ISSUE_ISSUED ||
	    j->action == ISSUE_RENEWED || j->existed;
	c->due = j->action != ISSUE_SKIPPED;
	rc = report_set(&c->error, j->error);
	if (rc == 0)
		rc = report_set(&c->hook_error, j->hook_error);
	if (rc == 0)
		rc = report_set(&c->why, j->why);
	return rc;
}

/* One job's line, for a run over n certificates. A failure is said at
 * every verbosity (for one certificate main's error line says it); so is
 * a failed deploy hook under -q (otherwise a warning said it already). */
static void
log_job(const struct issue_job *j, size_t n)
{
	char when[32];

	if (j->action == ISSUE_FAILED) {
		if (n > 1)
			log_error("%s: failed: %s", j->spec->name, j->error !=
			    NULL ? j->error : acmeup_strerror(j->rc));
		return;
	}
	if (j->hook_error != NULL && log_verbosity() == LOG_QUIET)
		log_error("%s", j->hook_error);
	if (n <= 1)
		return;
	if (j->action == ISSUE_SKIPPED) {
		ari_format_time(j->next_renewal, when, sizeof(when));
		log_debug("%s: not due (%s; renewal from %s)", j->spec->name,
		    j->why != NULL ? j->why : "not due", when);
		return;
	}
	ari_format_time(j->not_after, when, sizeof(when));
	log_debug("%s: %s, expires %s%s%s", j->spec->name,
	    j->action == ISSUE_ISSUED ? "issued" : "renewed", when,
	    j->hook_error != NULL ? "; deploy hook failed: " : "",
	    j->hook_error != NULL ? j->hook_error : "");
}

/* Hand rep to *o->report for the metrics file (main.c); rep is zeroed. */
static void
keep_report(const struct opts *o, struct report *rep)
{
	report_clear(o->report);
	*o->report = *rep;
	rep->certs = NULL;
	rep->n = 0;
}

int
issue_summary(const struct opts *o, const char *command,
              struct issue_job *jobs, size_t n)
{
	struct report rep = { NULL, 0, o->dry_run, NULL, NULL };
	size_t i, cnt[4] = { 0 }, hooks = 0;
	int rc = 0;

	for (i = 0; i < n; i++) {
		cnt[jobs[i].action]++;
		hooks += jobs[i].hook_error != NULL;
		log_job(&jobs[i], n);
		if (rc == 0 && (o->json || o->report != NULL))
			rc = report_job(&rep, &jobs[i]);
	}
	if (n > 1 || cnt[ISSUE_SKIPPED] > 0 || o->dry_run)
		log_stage("%s%s: %zu issued, %zu renewed, %zu failed, %zu not "
		    "due%s", o->dry_run ? "dry run: " : "", command,
		    cnt[ISSUE_ISSUED], cnt[ISSUE_RENEWED], cnt[ISSUE_FAILED],
		    cnt[ISSUE_SKIPPED], hooks > 0 ? ", deploy hook failures" :
		    o->dry_run ? " (nothing stored)" : "");
	if (rc == 0 && o->json)
		rc = report_print_json(&rep, command, stdout);
	if (rc == 0 && o->report != NULL)
		keep_report(o, &rep);
	report_clear(&rep);
	if (rc != 0)
		return rc;
	return issue_exit_code(jobs, n);
}
