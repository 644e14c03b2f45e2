/* Command line: "acmeup COMMAND [options] [args]" parsed into one typed
 * options struct shared by every command; each command checks what it needs.
 * Strings borrow argv. */
#ifndef ACMEUP_CLI_H
#define ACMEUP_CLI_H

#include <stddef.h>

#define CLI_MAX_DOMAINS 100 /* RFC 8555 does not limit; CAs do (LE: 100) */
#define CLI_MAX_ARGS 100
#define CLI_MAX_DNS 32     /* each repeatable DNS option */
#define CLI_MAX_EMAILS 10
#define CLI_MAX_OPTIONS 128 /* long options; see cli_given() */

struct config;
struct report;

struct opts {
	const char *command;       /* the first argument that is not an
	                            * option; NULL for --help/--version */
	int help;                  /* --help given */
	int version;               /* --version given */
	int list_options;          /* --list-options (completion, docs) */
	const char *args[CLI_MAX_ARGS]; /* positional arguments */
	size_t n_args;
	const char *domains[CLI_MAX_DOMAINS];
	size_t n_domains;
	const char *server;        /* ACME directory URL */
	const char *staging_server; /* --staging-server: the CA of --dry-run */
	const char *ca_bundle;
	const char *tsig_key;      /* key file */
	const char *tsig_key_name;
	const char *tsig_secret;   /* -y [alg:]name:secret (nsupdate form) */
	const char *email;         /* the first --email */
	const char *emails[CLI_MAX_EMAILS]; /* every --email, in order */
	size_t n_emails;
	int agree_tos;
	/* ACME accounts, keys, chains, revocation (issue 5) */
	const char *eab_kid;       /* --eab-kid (RFC 8555 7.3.4) */
	const char *eab_hmac_key;  /* --eab-hmac-key, base64url */
	const char *eab_hmac_key_file; /* --eab-hmac-key-file FILE */
	const char *eab_alg;       /* --eab-alg HS256|HS384|HS512 */
	int account_key_type;      /* enum crypto_key_type (P-256 default) */
	int account_key_type_set;  /* --account-key-type given */
	int key_type;              /* --key-type: certificate key */
	int key_type_set;
	int reuse_key;             /* --reuse-key */
	const char *key_owner;     /* --key-owner USER (checked), or NULL */
	const char *key_group;     /* --key-group GROUP */
	const char *key_mode;      /* --key-mode OCTAL */
	const char *csr;           /* --csr FILE */
	const char *preferred_chain; /* --preferred-chain ISSUER-CN */
	const char *profile;       /* --profile NAME */
	const char *challenge;     /* --challenge LIST (acme_challenge.h) */
	int persist_remove;        /* persist --remove */
	int persist_publish;       /* --persist-publish */
	unsigned persist_until;    /* persist --persist-until, seconds; 0 */
	const char *persist_issuer; /* persist --issuer NAME */
	const char *cert;          /* revoke --cert FILE */
	const char *cert_key;      /* revoke --cert-key FILE */
	int reason;                /* revoke --reason (RFC 5280 5.3.1); -1 */
	unsigned wait_rate_limit;  /* --wait-rate-limit SEC; 0: never wait */
	unsigned http_timeout;     /* --http-timeout SEC; 0: the default */
	int yes;                   /* --yes: confirm account deactivate */
	const char *out_dir;
	const char *state_dir;
	const char *service_user;  /* service-user: its files are trusted */
	const char *cert_name;
	const char *dns_server;
	const char *resolver;
	const char *caa_identity;  /* dns-check --caa-identity DOMAIN */
	unsigned propagation_timeout_ms;
	unsigned ttl;
	const char *zone_servers[CLI_MAX_DNS]; /* ZONE=HOST[:PORT] */
	size_t n_zone_servers;
	const char *zone_keys[CLI_MAX_DNS];    /* ZONE=FILE[:KEYNAME] */
	size_t n_zone_keys;
	const char *aliases[CLI_MAX_DNS];      /* NAME=TARGET */
	size_t n_aliases;
	const char *skip_servers[CLI_MAX_DNS]; /* ADDR[:PORT] */
	size_t n_skip_servers;
	int tsig_queries;
	int gss;                   /* --gss: UPDATEs signed with GSS-TSIG */
	const char *gss_keytab;    /* --gss-keytab FILE */
	const char *gss_principal; /* --gss-principal P */
	int gss_microsoft;         /* --gss-microsoft */
	int strict_servers;        /* --strict-servers */
	unsigned unreachable_ms;   /* --unreachable-after, ms; 0: default */
	int verbosity;             /* -v count */
	int quiet;                 /* -q/--quiet: errors only on stderr */
	int no_sandbox;            /* --no-sandbox: no seccomp, no user */
	/* Configuration and fleet runs (issue 6) */
	const char *config_file;   /* -c/--config; NULL: the default file */
	const struct config *config; /* the loaded file, or NULL (set by main;
	                            * its strings outlive the command) */
	int json;                  /* --json: summary on stdout */
	const char *metrics_file;  /* --metrics-file FILE (metrics.h) */
	struct report *report;     /* main's: where issue and renew leave their
	                            * report for --metrics-file, or NULL */
	int force;                 /* --force: renew even when not due */
	int dry_run;               /* --dry-run: order, prove, validate,
	                            * finalize; store nothing, run no hook */
	unsigned jobs;             /* -j/--jobs N; 0: the default */
	const char *deploy_hook;   /* --deploy-hook CMD */
	unsigned renew_before;     /* --renew-before, seconds; 0: the default */
	/* given[i]: long option i was on the command line (cli_given()) */
	unsigned char given[CLI_MAX_OPTIONS];
	/* owned copies: -y, --eab-hmac-key, the key read from the file */
	char *secrets[3];
};

/* Parse argv into *o. Returns 0, or ACMEUP_EUSAGE with a detail (or
 * ACMEUP_ENOMEM). Overwrites the argv bytes of -y and --eab-hmac-key with
 * '*' (argv must be writable). Call cli_clear() after, whatever it returned. */
int cli_parse(int argc, char **argv, struct opts *o);

/* Wipe and free the secrets o owns; o's secret fields become NULL. */
void cli_clear(struct opts *o);

/* --eab-hmac-key-file (or the file's eab-hmac-key-file): read the key into
 * o->eab_hmac_key. The file must be a regular file that group and others
 * cannot read or write, at most 4 KiB; trailing white space is dropped.
 * ACMEUP_EUSAGE when both the key and a key file are set. */
int cli_load_secrets(struct opts *o);

/* 1 when the long option name (without "--", e.g. "key-type"; its short
 * form counts) was given on the command line, else 0. Settings of the
 * configuration file apply only where this is 0. The options are those of
 * src/cli/options.c's table. */
int cli_given(const struct opts *o, const char *name);

/* Help on stdout: everything (command NULL or unknown), or what one
 * command takes. */
void cli_usage(const char *command);

#endif
