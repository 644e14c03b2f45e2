/* The command layer (src/cli/): the commands main() dispatches to and what
 * they share. Only src/cli/ sees struct opts (cli.h); the layers
 * below get their own small configs (engine.h, dns.h).
 *
 * Each command returns 0, a positive ACMEUP_DONE_* (exitcode.h: issue,
 * renew) or a negative ACMEUP_E* code with a detail (ACMEUP_EUSAGE for a
 * bad command line or configuration). */
#ifndef ACMEUP_CLI_INTERNAL_H
#define ACMEUP_CLI_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "acmeup/engine.h"
#include "cli.h"

struct certspec_list;
struct config;
struct dns_config;
struct issue_engine;
struct issue_job;

int issue_run(const struct opts *o);   /* cmd_issue.c */
int renew_run(const struct opts *o);   /* cmd_renew.c */
int list_run(const struct opts *o);    /* cmd_list.c: a table, or --json */
/* acmeup account register|show|update|rollover|deactivate (cmd_account.c) */
int account_run(const struct opts *o);
int dns_check_run(const struct opts *o); /* cmd_dns_check.c */
int cleanup_run(const struct opts *o);   /* cmd_cleanup.c */
int persist_run(const struct opts *o);   /* cmd_persist.c: dns-persist-01 */
int forget_run(const struct opts *o);    /* cmd_forget.c: drop a record */
/* dns-check's lines for name's dns-persist-01 records: what is served at
 * _validation-persist.NAME and whether it matches the account and CA
 * noted in STATE/persist, and why not (cmd_persist.c). */
struct dns_ctx;
int persist_report(struct dns_ctx *ctx, const char *state_dir,
                   const char *name, FILE *out);
/* acmeup revoke --cert FILE [--reason N] [--cert-key FILE] (cmd_revoke.c) */
int revoke_run(const struct opts *o);

/* The certificates a command works on (certspec.c): the -d names as one
 * spec when given (named by --cert-name or the first name), else the
 * config's cert blocks — all of them, or only those named in o->args.
 * Settings: command line, then the cert block, then the config's globals,
 * then built-in defaults. cfg may be NULL. *out set only on success; free
 * with certspec_free(). */
int certspec_load(const struct opts *o, const struct config *cfg,
                  struct certspec_list *out);

/* key-owner, key-group (a name or number; *id set) and key-mode (octal,
 * 0400..0755 without group or other write) of privkey.pem (keyperm.c);
 * ctx ("--key-owner", "FILE:LINE: key-owner") prefixes a usage error. */
int keyperm_owner(const char *ctx, const char *v, long *uid);
int keyperm_group(const char *ctx, const char *v, long *gid);
int keyperm_mode(const char *ctx, const char *v, unsigned *mode);

/* --server and a TSIG key are there; cmd names the command in errors
 * (cmd_issue.c). */
int issue_check_common(const struct opts *o, const char *cmd);

/* Before anything is ordered (cmd_issue.c), ACMEUP_EUSAGE unless the
 * state directory and every certificate's output directory, where they
 * exist, are safe to use (store_dir_check), and the certificates are at
 * ISSUE_SHARED_MAX CAs at most (one keys process serves them confined;
 * --no-sandbox: any number). */
int issue_check_run(const struct opts *o, const struct certspec_list *l);

/* One job per certificate of l (*out, calloc'd, each job's spec borrowed
 * from l); ACMEUP_ENOMEM. */
int issue_jobs_new(const struct certspec_list *l, struct issue_job **out);

/* Where a run's engine process writes, for Landlock (cmd_issue.c), and
 * its CAs (all of them share one keys process). dirs borrowed. */
struct run_confine {
	int confine;
	const char **dirs;
	size_t n;
	const char *servers[ISSUE_SHARED_MAX]; /* the run's CAs */
	size_t n_servers;
	int too_many;                /* more CAs than servers[] holds */
	struct issue_shared *shared; /* when several: issue_by_ca */
};

/* The engine for o (cmd_issue.c): its DNS config in *dns (the caller
 * clears it with dns_config_clear() after issue_engine_free()); rc may be
 * NULL (no Landlock). */
int issue_engine_open_opts(const struct opts *o, struct dns_config *dns,
                           const struct run_confine *rc,
                           struct issue_engine **out);

/* fn over jobs grouped by CA (cmd_issue.c): each job's cert block (or
 * remembered) server, else o's -- a dry run always o's, the staging CA --
 * one engine each (and its own account, store_account_dir), the CAs in
 * the order they first appear; fn gets a copy of o naming that CA. An
 * engine that does not open fails its CA's jobs; a signal fails the rest.
 * Before the first, the hooks process (engine_hooks_start); the engine's
 * process confined (several CAs share one keys process,
 * issue_shared_open). A run at more than ISSUE_SHARED_MAX CAs is a usage
 * error, unless --no-sandbox (then each engine loads its keys). */
typedef int issue_group_fn(struct issue_engine *e, const struct opts *o,
                           struct issue_job **jobs, size_t n, void *arg);
int issue_by_ca(const struct opts *o, struct issue_job *jobs, size_t n,
                issue_group_fn *fn, void *arg);

/* The DNS options of the command line (dns_opts.c) (--resolver, --dns-server,
 * --tsig-key, --tsig-key-name, -y, --zone-server, --zone-key,
 * --challenge-alias, --skip-server, --tsig-queries, --ttl,
 * --propagation-timeout) as a config, after the zone blocks of o->config
 * (the command line wins per zone); strings borrow o and o->config or
 * live in cfg->owned. Usage errors name the option or file:line. Free
 * with dns_config_clear(). */
int dns_config_from_opts(const struct opts *o, struct dns_config *cfg);

/* The end of issue/renew (summary.c): a line per certificate and a
 * summary on stderr, the --json report on stdout; with --metrics-file the
 * report goes to *o->report for main. Returns the command's result
 * (issue_exit_code). command is "issue" or "renew". */
int issue_summary(const struct opts *o, const char *command,
                  struct issue_job *jobs, size_t n);

/* path, or the file of the same last component in systemd's
 * $CREDENTIALS_DIRECTORY (LoadCredential=) when there is one: then buf
 * (size bytes) holds its path and is returned (credential.c). */
const char *cli_credential(const char *path, char *buf, size_t size);

/* Run as root: accept files owned by the service user (service-user,
 * default acmeup, when it exists) as if root's (service.c). */
void cli_service_user(const struct opts *o);

/* The account URL of o's CA (--server, server, the EAB key id) from its
 * account directory in the state directory (store_account_dir), or NULL
 * when none is known; *url the caller's. */
void cli_account_url(const struct opts *o, char **url);

#endif
