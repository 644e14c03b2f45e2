/* The batch and what the CA's resolver may still cache from earlier
 * validations (include/acmeup/challenge_cache.h): orders that cannot wait
 * fail before anything is published, the others wait once for the batch
 * before the challenges are answered, and every validation asked for is
 * noted in STATE/challenges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acmeup/challenge_cache.h"
#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/text.h"
#include "acmeup/log.h"
#include "engine_internal.h"

/* The job fails: the CA may cache hit's record wait s more. */
static void
fail_late(struct issue_job *j, const struct chcache_ent *hit, long long wait,
          long long now)
{
	char when[64];
	int rc;

	text_time(now + wait, "%Y-%m-%d %H:%M:%S UTC", when, sizeof(when));
	rc = acmeup_fail(ACMEUP_ETIMEOUT, "the CA may still cache the previous "
	    "TXT record at %s (TTL %u s) for %lld s, longer than acmeup waits "
	    "(%d s): retry after %s", hit->owner, hit->ttl, wait,
	    CHCACHE_MAX_WAIT, when);
	issue_job_fail(j, rc);
	acmeup_err_clear(); /* taken by the job; the batch goes on */
}

void
cache_gate(const char *state_dir, struct order_run *runs, size_t n,
           struct chcache *cc)
{
	const struct chcache_ent *hit;
	long long now = (long long)time(NULL), w;
	size_t i, k;

	if (chcache_load(state_dir, now, cc) != 0) {
		log_warn("%s", acmeup_errmsg(ACMEUP_ENOMEM));
		acmeup_err_clear();
		return;
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < runs[i].n_pend && order_alive(&runs[i]); k++) {
			w = chcache_wait(cc, runs[i].pend[k].owner, NULL, now,
			    &hit);
			if (w > CHCACHE_MAX_WAIT)
				fail_late(runs[i].job, hit, w, now);
		}
	}
}

int
cache_targets(struct order_run *runs, size_t from, size_t to,
              const struct dns_set *set)
{
	struct pending *p;
	const char *t;
	size_t i, k;

	for (i = from; i < to; i++) {
		for (k = 0; k < runs[i].n_pend && order_alive(&runs[i]); k++) {
			p = &runs[i].pend[k];
			t = dns_set_owner(set, p->owner, &p->ttl);
			free(p->target);
			p->target = strdup(t != NULL ? t : p->owner);
			if (p->target == NULL)
				return ACMEUP_ENOMEM;
		}
	}
	return 0;
}

int
cache_wait(const struct chcache *cc, struct order_run *runs, size_t n)
{
	const struct chcache_ent *hit, *best = NULL;
	long long now = (long long)time(NULL), w, most = 0;
	char what[NAME_BUF + 100];
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < runs[i].n_pend && order_alive(&runs[i]); k++) {
			w = chcache_wait(cc, runs[i].pend[k].owner,
			    runs[i].pend[k].target, now, &hit);
			if (w > CHCACHE_MAX_WAIT)
				fail_late(runs[i].job, hit, w, now);
			else if (w > most) {
				most = w;
				best = hit;
			}
		}
	}
	if (best == NULL)
		return 0;
	snprintf(what, sizeof(what), "the CA may still cache the previous "
	    "record at %s (TTL %u s)", best->owner, best->ttl);
	log_stage("acme: waiting %lld s: %s", most, what);
	return chcache_sleep(most, what);
}

void
cache_note(const char *state_dir, struct order_run *runs, size_t n,
           int again)
{
	struct chcache add = { 0 };
	long long at = chcache_now();
	struct pending *p;
	size_t i, k;
	int rc = 0;

	for (i = 0; i < n && rc != ACMEUP_ENOMEM; i++) {
		for (k = 0; k < runs[i].n_pend; k++) {
			p = &runs[i].pend[k];
			if (again ? !p->noted : (!order_alive(&runs[i]) ||
			    p->target == NULL))
				continue;
			p->noted = 1;
			rc = chcache_note(&add, p->owner, p->target, p->ttl, at);
			if (rc == ACMEUP_ENOMEM)
				break;
		}
	}
	if (rc != ACMEUP_ENOMEM)
		rc = chcache_store(state_dir, &add, at);
	if (rc == ACMEUP_ENOMEM) {
		log_warn("challenge records not noted: %s",
		    acmeup_strerror(rc));
		acmeup_err_clear();
	}
	chcache_clear(&add);
}
