/* Internals of the issue/renew engine (src/engine/; engine.h is what
 * the commands see):
 *
 * engine.c       one batch: orders, one DNS publication and wait, the CA's
 *                validation, removal, then each certificate finished
 * engine_job.c   a job's release and its failure record
 * order_run.c    one order's ACME steps, its certificate stored and
 *                deployed
 * engine_cache.c what the CA's resolver may still cache
 *                (challenge_cache.h): the batch's wait, or the orders that
 *                cannot wait failed
 * engine_acme.c  contacts, account, certificate key, RFC 9773 replaces
 *                (engine_acme.h)
 * renew.c        the due decision (renew.h: RFC 9773 window or expiry)
 * hook.c         the deploy hook (hook.h)
 * hook_proc.c    the hooks process that runs it when sandboxed
 * engine_shared.c one DNS context and keys process for a run's CAs
 */
#ifndef ACMEUP_ENGINE_INTERNAL_H
#define ACMEUP_ENGINE_INTERNAL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "acmeup/acme_types.h"
#include "acmeup/certspec.h"
#include "acmeup/engine.h"

struct acme_client;
struct chcache;
struct dns_set;
struct dns_ctx;

/* One pending dns-01 challenge. Strings owned. */
struct pending {
	enum acme_chal_kind kind; /* dns-01 or dns-account-01 */
	char *authz_url;
	char *challenge_url;
	char *owner;  /* _acme-challenge.<identifier>, or for dns-account-01
	               * _<label>._acme-challenge.<identifier> */
	char *value;  /* TXT value */
	char *target; /* where the TXT went (after CNAME/alias), once
	               * published */
	unsigned ttl; /* its TTL, once published */
	int noted;    /* the CA was asked to validate it (STATE/challenges) */
};

/* One order in a batch. */
struct order_run {
	struct issue_job *job;   /* borrowed */
	struct dns_ctx *dns;     /* borrowed: dns-persist-01 lookups */
	const char *state_dir;   /* borrowed: STATE/persist */
	char certdir[PATH_MAX];  /* <out>/<name> */
	char **names;            /* normalized identifiers; owned */
	size_t n_names;
	struct acme_order order;
	char *order_url;
	struct pending *pend;
	size_t n_pend;
	size_t pub;              /* the publication holding its records */
};

/* Before the batch publishes anything: the records of earlier
 * validations (challenge_cache.h) into cc, and each live order with a
 * challenge name the CA may still cache for longer than CHCACHE_MAX_WAIT
 * failed, saying when a retry will work. */
void cache_gate(const char *state_dir, struct order_run *runs, size_t n,
                struct chcache *cc);

/* The pending records of the live orders runs[from..to) learn where set
 * put them and with which TTL (dns_set_owner). */
int cache_targets(struct order_run *runs, size_t from, size_t to,
                  const struct dns_set *set);

/* Before the batch's challenges are answered: one wait for the longest
 * time the CA may still cache an answer at one of the live orders'
 * challenge names or targets, said on the status line; orders that would
 * wait longer than CHCACHE_MAX_WAIT fail. ACMEUP_EINTR on a signal (the
 * caller fails the batch). */
int cache_wait(const struct chcache *cc, struct order_run *runs, size_t n);

/* Note in STATE/challenges that the CA is asked to validate, now, the
 * pending records of the live orders (again 0, before answering), or
 * refresh those noted before (again 1, once the CA has answered: its
 * lookups happened by then). */
void cache_note(const char *state_dir, struct order_run *runs, size_t n,
                int again);

void order_run_clear(struct order_run *r); /* accepts NULL members */

/* 1 while the job has not failed. */
int order_alive(const struct order_run *r);

/* Lock, names, "replaces" (none for a dry run), newOrder, its
 * authorizations and the dns-01 records that answer the pending ones
 * (RFC 8555 7.4, 7.5, 8.4). */
int order_start(struct acme_client *c, const char *state_dir, int dry_run,
                struct order_run *r);

/* Key, CSR (or the user's csr, may be NULL), finalize, download, store,
 * deploy hook (its failure lands in job->hook_error, not in the result).
 * A dry run stops after the download: nothing stored, no hook. */
int order_finish(struct acme_client *c, const struct issue_csr *csr,
                 int dry_run, struct order_run *r);

/* engine_privsep.c: the keys process (priv.h) started with every TSIG
 * key of dns, which this process then no longer holds (the account key is
 * opened there next: priv_account_open); with sandbox, the GSS-TSIG
 * credentials of the journals under state_dir acquired (the Kerberos
 * process, priv_gss.h), the seccomp filters where available (said once
 * when not) and the keys process's user. */
int engine_privsep_start(struct dns_ctx *dns, const char *state_dir,
                         int sandbox);

/* 1 when a keys, files or Kerberos process died during the run. */
int engine_privsep_died(void);

/* rc, or when a keys, files or Kerberos process died, its failure naming
 * the process and signal (the records are removed after). */
int engine_privsep_check(int rc);

/* <out_dir>/<name> of s into buf; ACMEUP_EUSAGE when too long. */
int engine_certdir(const struct cert_spec *s, char *buf, size_t len);

/* Confinement when cfg->confine (engine_privsep.c), GSS-TSIG or not:
 * engine_confine_start, as root, makes the output directories, copies
 * --ca-bundle into memory (ca: the path this process reads it by from
 * then on, or "") and starts the files process (the store's calls go to
 * it from then on), while the keys process opens the account key;
 * engine_confine then makes this process acmeup or nobody and sets
 * Landlock: it reads system files (and writes beneath the state and output
 * directories when it stayed itself). What the kernel lacks is said once.
 * engine_confine_clear() frees c (accepts a cleared one). */
struct confinement {
	const char **rw; /* state_dir, the output directories */
	int n;
	int on;          /* engine_confine() has work */
	int files;       /* the files process runs */
	char ca[ENGINE_CA_COPY];
};
int engine_confine_start(const struct engine_config *cfg,
                         struct confinement *c);
int engine_confine(const struct engine_config *cfg, struct confinement *c);
void engine_confine_clear(struct confinement *c);

/* Once the account keys are open (as root, under locks taken here): the
 * standby or the key files left to the files process, and the wipe
 * (priv_keys_settle), the files process's writes
 * from now on, the keys dead runs' journals name to the keys process (a
 * failure only warns: their cleanup may fail), then engine_confine() and
 * the test build's probes. */
int engine_accounts_opened(const struct engine_config *cfg,
                           struct confinement *c);

/* Test builds (ACMEUP_TEST_HOOKS) only, else nothing: say whether this
 * process can open $ACMEUP_TEST_OPEN and execute $ACMEUP_TEST_EXEC
 * (tests/integration/test_privsep.sh). */
void engine_test_probe(void);

/* The run's DNS context, the account key (public) and directory of
 * server, and the path of the CA bundle copy (NULL: --ca-bundle itself),
 * all borrowed from s (engine_shared.c). */
int engine_shared_take(struct issue_shared *s, const char *server,
                       struct dns_ctx **dns, struct crypto_key **account,
                       const char **account_dir, const char **ca);

#endif
