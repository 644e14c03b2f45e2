/* The issue/renew engine: certificates in batches of at most -j orders.
 * A batch creates every order, publishes every dns-01 record of all of them
 * with one dns_txt_add (one UPDATE per zone) and one propagation wait,
 * answers every challenge, waits for every authorization, removes the
 * records (always), then finalizes, stores and deploys each certificate.
 * One failing certificate does not fail the others. */
#ifndef ACMEUP_ISSUE_H
#define ACMEUP_ISSUE_H

#include <stddef.h>

#include "acmeup/cli.h"

struct acme_client;
struct cert_spec;
struct crypto_key;
struct lock;

#define ISSUE_PARALLEL_DEFAULT 10 /* -j: orders in flight in one batch */

/* Commands. Return what issue_exit_code() says (0, a positive
 * ACMEUP_DONE_* of exitcode.h, or a negative ACMEUP_E* code with a
 * detail; ACMEUP_EUSAGE for a bad command line or configuration). */
int issue_run(const struct opts *opts);
int renew_run(const struct opts *opts);

/* Load the account key from dir/account.key, or create a P-256 key there
 * (0600, atomically) when there is none. *out owned by the caller. */
int account_key_load(const char *dir, struct crypto_key **out);

/* What became of one certificate. */
enum issue_action {
	ISSUE_SKIPPED = 0, /* not due (renew), or never started */
	ISSUE_ISSUED,      /* first certificate under its name */
	ISSUE_RENEWED,     /* replaced a certificate that was there */
	ISSUE_FAILED,
};

/* One certificate to work on, and its outcome. */
struct issue_job {
	const struct cert_spec *spec; /* borrowed */
	struct lock *lock;     /* taken for the job's duration; owned */
	char *replaces;        /* RFC 9773 ID of the certificate replaced, or
	                        * NULL; owned */
	int replaces_known;    /* replaces was decided already (renew): the
	                        * engine does not ask the CA again */
	int existed;           /* a certificate was in place before */
	/* outcome */
	enum issue_action action;
	int rc;                /* 0, or the failure's code */
	char *error;           /* the failure's detail, or NULL; owned */
	char *hook_error;      /* the deploy hook's failure, or NULL; owned */
	long long not_after;   /* the certificate's, 0 when unknown */
	long long next_renewal; /* when renew will act on it, 0 unknown */
	char *why;             /* renew: why it is due or not; owned */
};

void issue_job_clear(struct issue_job *j); /* accepts NULL; releases lock */

/* Record a failure (its detail from acmeup_errmsg(rc)) and log it with the
 * certificate's name. Keeps the first failure. */
void issue_job_fail(struct issue_job *j, int rc);

/* The engine: the CA client (directory fetched at open), the account and
 * the DNS context (both made at the first batch that needs them). */
struct issue_engine;

/* o is borrowed and must outlive the engine. */
int issue_engine_open(const struct opts *o, struct issue_engine **out);
void issue_engine_free(struct issue_engine *e); /* accepts NULL */

/* The engine's CA client (for renewal information); borrowed. */
struct acme_client *issue_engine_acme(struct issue_engine *e);

/* Run *jobs[0..n) as one batch (n at most the -j bound); every job ends
 * with action ISSUED, RENEWED or FAILED, its lock released. Returns 0, or
 * ACMEUP_EINTR after a signal (the records were removed; the caller starts
 * no further batch). */
int issue_engine_batch(struct issue_engine *e, struct issue_job *const *jobs,
                       size_t n);

/* The result of issue/renew from the outcomes (exitcode.h): 0 when
 * everything done went well; ACMEUP_DONE_NOTHING when nothing was done;
 * ACMEUP_DONE_PARTIAL when some failed and some were done, or a deploy hook
 * failed; ACMEUP_DONE_FAILED when several failed and none was done; the
 * negative code with its detail when the only certificate tried failed. */
int issue_exit_code(const struct issue_job *jobs, size_t n);

/* The renewal decision (pure, for tests and `list`). Times in seconds
 * since the epoch. */
struct renew_facts {
	int present;              /* cert.pem read and parsed */
	int names_differ;         /* its DNS names are not the ones asked
	                           * for (the configuration changed) */
	long long not_before;
	long long not_after;
	int have_window;          /* the CA's RFC 9773 suggested window */
	long long window_start;
	long long window_end;
};

struct renew_decision {
	int due;
	long long when;           /* the chosen renewal time (0: now) */
	const char *why;          /* static text */
};

/* The default renew-before: 30 days, or a third of the lifetime for
 * certificates living less than 90 days. */
unsigned renew_default_before(long long not_before, long long not_after);

/* Due when missing, when the names differ, or expired; else, with a
 * window, at a time drawn uniformly in it (u in [0, 1), RFC 9773 4.2);
 * else at not_after - renew_before (0: the default). */
void renew_decide(const struct renew_facts *f, unsigned renew_before,
                  long long now, double u, struct renew_decision *d);

/* Facts about dir/cert.pem (its validity; whether its DNS names are
 * exactly names[0..n)) and, when the CA offers renewalInfo (c may be NULL:
 * no ARI), its window; *cert_id (caller frees) is the certificate's RFC
 * 9773 ID, or NULL. A missing or unreadable file is "not present" (with a
 * warning for unreadable); a failing ARI request only warns. */
int renew_facts_load(struct acme_client *c, const char *dir,
                     char *const *names, size_t n, struct renew_facts *f,
                     char **cert_id);

#endif
