/* acmeup dns-check NAME...: the DNS side of an issuance without a CA, for
 * an admin arranging delegation with the DNS team. Report on stdout,
 * progress on stderr; exit 0 only when every name is fine. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "acmeup/dns.h"
#include "acmeup/engine.h"
#include "acmeup/error.h"
#include "acmeup/journal.h"
#include "acmeup/log.h"
#include "acmeup/name.h"
#include "acmeup/store.h"
#include "cli_internal.h"

static int
names_each(struct dns_ctx *ctx, struct journal *j, const struct opts *o,
           const char *acct)
{
	size_t i, bad = 0, total = o->n_args + o->n_domains;
	const char *name;
	struct acmeup_err first_err = { 0 };
	int rc, first = 0;

	for (i = 0; i < total; i++) {
		name = i < o->n_args ? o->args[i] : o->domains[i - o->n_args];
		rc = dns_check_name(ctx, j, name, o->caa_identity, acct, stdout);
		if (rc != ACMEUP_EINTR && o->state_dir != NULL &&
		    persist_report(ctx, o->state_dir, name, stdout) < 0) {
			log_warn("dns-check: %s: dns-persist-01 record not read: "
			    "%s", name, acmeup_errmsg(ACMEUP_EDNS));
			if (rc == 0)
				acmeup_err_clear();
		}
		if (rc == ACMEUP_EINTR)
			return rc;
		if (rc < 0 && bad++ == 0)
			first = acmeup_err_keep(&first_err, rc);
		if (rc < 0)
			acmeup_err_clear(); /* reported; on with the next */
		if (i + 1 < total)
			fputc('\n', stdout);
	}
	if (bad == 0)
		return 0;
	if (total == 1)
		return acmeup_fail(first, "dns-check %s: %s", name,
		                   acmeup_err_text(&first_err, first));
	return acmeup_fail(first, "dns-check: %zu of %zu names have problems "
	                   "(see above); first: %s", bad, total,
	                   acmeup_err_text(&first_err, first));
}

/* Each name, with the account of the CA in use (--server or server;
 * its account.url in the state directory) for CAA accounturi. */
static int
run_names(struct dns_ctx *ctx, struct journal *j, const struct opts *o)
{
	char *acct = NULL;
	int rc;

	cli_account_url(o, &acct);
	rc = names_each(ctx, j, o, acct);
	free(acct);
	return rc;
}

/* Every name by the rules of name.h ("x", "*.x" or "_acme-challenge.x")
 * before anything is asked or written. */
static int
check_names(const struct opts *o)
{
	const char *name;
	char *norm = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < o->n_args + o->n_domains; i++) {
		name = i < o->n_args ? o->args[i] : o->domains[i - o->n_args];
		rc = name_check(name, NAME_CHALLENGE_OF, "dns-check", &norm);
		free(norm);
		norm = NULL;
	}
	return rc;
}

int
dns_check_run(const struct opts *o)
{
	struct dns_config cfg;
	struct dns_ctx *ctx = NULL;
	struct journal *j = NULL;
	char *norm = NULL;
	int rc;

	if (o->n_args + o->n_domains == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "dns-check: give the names to "
		                   "check (acmeup dns-check NAME...)");
	rc = check_names(o);
	if (rc == 0 && o->caa_identity != NULL)
		rc = name_check(o->caa_identity, 0, "--caa-identity", &norm);
	free(norm);
	if (rc < 0)
		return rc;
	rc = dns_config_from_opts(o, &cfg);
	if (rc == 0) /* GSS-TSIG credentials first: the Kerberos process */
		rc = dns_config_check_inputs(&cfg); /* forks before a key is read */
	if (rc == 0)
		rc = dns_ctx_new(&cfg, &ctx);
	/* The TSIG keys go to the keys process before any query; then this
	 * process gives up root, its files and exec. */
	if (rc == 0)
		rc = engine_keys_start(ctx, NULL, !o->no_sandbox);
	if (rc == 0)
		rc = engine_keys_confine(o->state_dir, NULL, !o->no_sandbox,
		    NULL, 0);
	dns_config_clear(&cfg);
	if (rc < 0) {
		dns_ctx_free(ctx);
		return rc;
	}
	/* The probe is journalled like any record; without a writable state
	 * directory the check still runs. */
	if (journal_open(o->state_dir, &j) < 0) {
		log_warn("dns-check: no journal (%s): a probe left by a crash "
		         "would stay; give --state-dir", acmeup_errmsg(ACMEUP_EIO));
		acmeup_err_clear();
		j = NULL;
	}
	rc = run_names(ctx, j, o);
	journal_close(j);
	engine_keys_stop(); /* before the keys it borrows go */
	dns_ctx_free(ctx);
	return rc;
}
