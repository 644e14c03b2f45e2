/* The summary of a run over certificates (issue, renew, list): one entry
 * per certificate, printed as JSON with --json (src/cli/report_json.c)
 * and read by list's table. The commands fill it; every string in it is
 * owned by the report and freed by report_clear().
 *
 *   struct report rep = { 0 };
 *   struct report_cert *c;
 *   rc = report_add(&rep, spec, &c);      name, domains, directory
 *   c->action = REPORT_RENEWED;           then the outcome
 *   c->not_after = ...; c->next_renewal = ...;
 *   report_set(&c->error, text);          on failure (action FAILED)
 *   if (o->json) report_print_json(&rep, "renew", stdout);
 *   report_clear(&rep);
 */
#ifndef ACMEUP_REPORT_H
#define ACMEUP_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct cert_spec;

enum report_action {
	REPORT_NONE = 0,  /* list: nothing was done ("action" left out) */
	REPORT_ISSUED,    /* a first certificate under this name */
	REPORT_RENEWED,   /* replaced the certificate that was there */
	REPORT_SKIPPED,   /* not due, or not started */
	REPORT_FAILED,
};

struct report_cert {
	char *name;              /* the certificate's name (its directory) */
	char **domains;          /* the names asked for */
	size_t n_domains;
	char *dir;               /* <out>/<name>: the files are dir/privkey.pem,
	                          * cert.pem, chain.pem, fullchain.pem */
	enum report_action action;
	char *error;             /* why it failed, or NULL */
	char *hook_error;        /* the deploy hook's failure, or NULL (the
	                          * certificate itself is in place) */
	char *why;               /* renew/list: why it is due or not, or NULL */
	int present;             /* dir/cert.pem exists and parses */
	long long not_before;    /* of the certificate in place after the run;
	                          * 0 when unknown */
	long long not_after;
	long long next_renewal;  /* when renew acts on it; 0 unknown */
	int due;                 /* renew would renew it now */
	int revoked;             /* list: `acmeup revoke` revoked cert.pem */
	char **cert_names;       /* list: the SANs of cert.pem, or NULL */
	size_t n_cert_names;
};

struct persist_recs;

struct report {
	struct report_cert *certs;
	size_t n;
	int dry_run;             /* issue/renew --dry-run: nothing stored */
	const struct persist_recs *persist; /* list: STATE/persist, or NULL */
	const char *account;     /* list: STATE/account.url, or NULL */
};

/* A new entry for spec (name, domains and directory copied; the outcome
 * zero: REPORT_NONE, nothing known). *out points into r and stays valid
 * until the next report_add() or report_clear(). */
int report_add(struct report *r, const struct cert_spec *spec,
               struct report_cert **out);

/* Replace *field (error, hook_error, why) with a copy of text (NULL
 * clears it). */
int report_set(char **field, const char *text);

/* "issued", "renewed", "skipped", "failed", or NULL for REPORT_NONE. */
const char *report_action_name(enum report_action a);

/* Counts per action, for summaries. */
size_t report_count(const struct report *r, enum report_action a);

/* The JSON summary (one object, a trailing newline) on out:
 *   { "command": "renew", "dry_run": false, "certificates": [ { "name",
 *     "domains",
 *     "action", "error", "hook_error", "why", "present", "due",
 *     "not_before", "expiry", "next_renewal" (RFC 3339 UTC or null),
 *     "cert_names" (list only), "files": { "dir", "privkey", "cert",
 *     "chain", "fullchain" } (null when no certificate is there) } ... ],
 *     "summary": { "issued": N, "renewed": N, "skipped": N, "failed": N } }
 * command is "issue", "renew" or "list". */
int report_print_json(const struct report *r, const char *command,
                      FILE *out);

void report_clear(struct report *r); /* accepts NULL; r zeroed */

#endif
