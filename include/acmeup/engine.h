/* The issue/renew engine (src/engine/): certificates in batches of at most
 * -j orders. A batch creates every order, publishes every dns-01 record of
 * all of them with one dns_txt_add (one UPDATE per zone) and one
 * propagation wait, answers every challenge, waits for every
 * authorization, removes the records (always), then finalizes, stores and
 * deploys each certificate. One failing certificate does not fail the
 * others. The command layer fills struct engine_config; per-certificate
 * settings come with each job's struct cert_spec (certspec.h). */
#ifndef ACMEUP_ENGINE_H
#define ACMEUP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

struct acme_client;
struct cert_spec;
struct crypto_key;
struct dns_config;
struct dns_ctx;
struct lock;
struct issue_shared;

#define ISSUE_PARALLEL_DEFAULT 10 /* -j: orders in flight in one batch */

/* What the engine needs for every certificate. Strings and dns are
 * borrowed and must outlive the engine. */
struct engine_config {
	const char *state_dir;
	const char *server;          /* ACME directory URL */
	const char *ca_bundle;       /* or NULL */
	int account_key_type;        /* enum crypto_key_type */
	int account_key_type_set;    /* the type was asked for */
	unsigned wait_rate_limit;    /* seconds; 0: never wait */
	const char *const *emails;   /* account contacts (RFC 8555 7.3) */
	size_t n_emails;
	int agree_tos;
	const char *eab_kid;         /* External Account Binding (7.3.4) */
	const char *eab_hmac_key;
	const char *eab_alg;
	const struct dns_config *dns; /* zones, keys, aliases, the wait */
	int dry_run;                 /* finalize, then store nothing and run
	                              * no hook; orders name no "replaces" */
	int no_sandbox;              /* --no-sandbox: no seccomp, the keys
	                              * process stays root (debugging) */
	int confine;                 /* files process, user, Landlock for this
	                              * process: the run's only engine, or
	                              * its CAs share one (shared) */
	const char *const *write_dirs; /* besides state_dir, where this
	                              * process writes: the output
	                              * directories (made when missing) */
	size_t n_write_dirs;
	struct issue_shared *shared; /* or NULL: the run's DNS context,
	                              * keys process and accounts
	                              * (issue_shared_open), borrowed */
};

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
	long long not_before;  /* the new certificate's, 0 when unknown */
	long long not_after;   /* the certificate's, 0 when unknown */
	long long next_renewal; /* when renew will act on it, 0 unknown */
	char *why;             /* renew: why it is due or not; owned */
};

void issue_job_clear(struct issue_job *j); /* accepts NULL; releases lock */

/* Record a failure (its detail from acmeup_errmsg(rc)) and log it with the
 * certificate's name. Keeps the job's first failure. The current error
 * record keeps it too: a caller that goes on to other jobs clears it. */
void issue_job_fail(struct issue_job *j, int rc);

/* The engine: the CA client (directory fetched at open), the account and
 * the DNS context (both made at the first batch that needs them). */
struct issue_engine;

/* cfg is copied; what it points to is borrowed (see engine_config). */
int issue_engine_open(const struct engine_config *cfg,
                      struct issue_engine **out);
void issue_engine_free(struct issue_engine *e); /* accepts NULL */

/* The engine's CA client (for renewal information); borrowed. */
struct acme_client *issue_engine_acme(struct issue_engine *e);

/* The user's CSR (--csr, one ad-hoc certificate only). */
struct issue_csr {
	uint8_t *der;
	size_t len;
};

/* --csr: finalize the (only) order with the user's CSR; csr is borrowed
 * and must outlive the engine. */
void issue_engine_set_csr(struct issue_engine *e,
                          const struct issue_csr *csr);

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

/* For a run whose certificates are at n CAs (2..ISSUE_SHARED_MAX): one
 * DNS context and one keys process for all their engines, every CA's
 * account key (servers[i], EAB key id kids[i] or NULL) opened there before
 * it seals, and the confinement of cfg (confine, write_dirs) done once.
 * Each engine then names it in cfg.shared. cfg's server and EAB are not
 * used. */
#define ISSUE_SHARED_MAX 64
struct issue_shared;
int issue_shared_open(const struct engine_config *cfg,
                      const char *const *servers, const char *const *kids,
                      size_t n, struct issue_shared **out);
void issue_shared_free(struct issue_shared *s); /* accepts NULL */

/* The hooks process for jobs[0..n) of a whole run (all its CAs), started
 * before any engine when sandbox is set (else, and with no deploy hook,
 * nothing): it keeps the invoking user's privileges and runs those jobs'
 * deploy hooks, each once, when the engine asks; the engine's process
 * then needs no exec. The jobs' specs must outlive engine_hooks_stop(). */
int engine_hooks_start(const struct issue_job *jobs, size_t n, int sandbox);
void engine_hooks_stop(void);

/* The keys process for a command that signs DNS messages only (cleanup,
 * dns-check): dns's TSIG keys (dns may be NULL) and, with state_dir, the
 * keys the journals there name go to it, so that this process, which
 * talks to the DNS servers, holds no TSIG secret. sandbox: its seccomp
 * filter and this process's (priv.h). engine_keys_stop() ends it. */
int engine_keys_start(struct dns_ctx *dns, const char *state_dir,
                      int sandbox);
void engine_keys_stop(void);

/* After engine_keys_start() and every key the command needs is open, for
 * a command other than issue and renew (dns-check, cleanup, account,
 * revoke, persist): as for issue, the files process takes --state-dir
 * over and this process becomes acmeup or nobody (as root), and Landlock
 * lets it read system files and ca_bundle only (NULL: the system's);
 * GSS-TSIG stays with the Kerberos process. ca (ca_len bytes): the CA
 * bundle to give acme_client_open() from now on, a copy in memory when
 * this process gave up root, else "" (ca_bundle itself); may be NULL for
 * a command that talks to no CA. Nothing when !sandbox. */
#define ENGINE_CA_COPY 64 /* "/proc/self/fd/N" and its NUL, with room */
int engine_keys_confine(const char *state_dir, const char *ca_bundle,
                        int sandbox, char *ca, size_t ca_len);

/* The account key of dir opened by the keys process when one runs (*out:
 * its public key, for priv.h's JWS signing), as account_key_open_locked
 * (lock NULL: account_key_open, no lock); type: enum crypto_key_type. */
int engine_keys_account(const char *dir, int type, int type_given,
                        int keep_exclusive, struct crypto_key **out,
                        struct lock **lock);

/* A rollover's new account key, made and staged in dir/account.key.new by
 * the keys process when one runs (priv_account_stage); *out its public
 * key. */
int engine_keys_account_stage(const char *dir, int type,
                              struct crypto_key **out);

/* A private key file (revoke --cert-key) read and kept by the keys
 * process when one runs (priv_key_load); *out its public key. */
int engine_keys_load(const char *path, struct crypto_key **out);

#endif
