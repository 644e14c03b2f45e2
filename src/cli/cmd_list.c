/* The list command: each certificate of the configuration (or of -d), its
 * names, whether cert.pem is there, its expiry and when renew acts on it
 * by the expiry rule (renew also asks the CA's ARI; list contacts nothing). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acmeup/certspec.h"
#include "cli.h"
#include "config.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/renew.h"
#include "report.h"
#include "acmeup/store.h"
#include "acmeup/text.h"
#include "cli_internal.h"
#include "acmeup/persist_track.h"

#define CERT_MAX (1024 * 1024)

/* 1 when the certificate's SANs are not exactly the spec's names. */
static int
names_differ(const struct report_cert *c)
{
	size_t i, j;

	if (c->n_cert_names != c->n_domains)
		return 1;
	for (i = 0; i < c->n_domains; i++) {
		for (j = 0; j < c->n_cert_names; j++)
			if (strcmp(c->domains[i], c->cert_names[j]) == 0)
				break;
		if (j == c->n_cert_names)
			return 1;
	}
	return 0;
}

/* Validity and names of dir/cert.pem into c (c->present); a missing file
 * is no error, an unreadable one sets c->error. */
static int
read_cert(struct report_cert *c, struct renew_facts *f, const char *state_dir,
          const char *name)
{
	char path[PATH_MAX], *pem = NULL, *id = NULL;
	size_t len = 0;
	int rc, n;

	n = snprintf(path, sizeof(path), "%s/cert.pem", c->dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return report_set(&c->error, "path too long");
	rc = store_exists(path);
	if (rc == 1)
		rc = store_read(path, CERT_MAX, &pem, &len);
	if (rc == 0 && pem != NULL)
		rc = crypto_cert_validity(pem, len, &f->not_before,
		    &f->not_after);
	if (rc == 0 && pem != NULL)
		rc = crypto_cert_names(pem, len, &c->cert_names,
		    &c->n_cert_names);
	/* revoked by `acmeup revoke` (its RFC 9773 ID noted) */
	if (rc == 0 && pem != NULL && state_dir != NULL) {
		if (crypto_cert_ari_id(pem, len, &id) == 0)
			f->revoked = c->revoked = store_cert_revoked_is(
			    state_dir, name, id);
		else
			acmeup_err_clear(); /* no ID: nothing to compare */
	}
	free(id);
	free(pem);
	if (rc == ACMEUP_ENOMEM)
		return rc;
	if (rc != 0) {
		rc = report_set(&c->error, acmeup_errmsg(rc));
		acmeup_err_clear(); /* kept in the report; on with the next */
		return rc;
	}
	f->present = pem != NULL;
	c->present = f->present;
	c->not_before = f->not_before;
	c->not_after = f->not_after;
	return 0;
}

/* One certificate's entry: files, expiry, the renewal rule's verdict. */
static int
list_one(struct report *rep, const struct cert_spec *spec,
         const char *state_dir, long long now)
{
	struct renew_facts f = { 0 };
	struct renew_decision d = { 0 };
	struct report_cert *c = NULL;
	int rc;

	rc = report_add(rep, spec, &c);
	if (rc == 0)
		rc = read_cert(c, &f, state_dir, spec->name);
	if (rc != 0)
		return rc;
	/* as renew decides: changed names make it due now */
	f.names_differ = f.present && names_differ(c);
	renew_decide(&f, spec->renew_before, now, 0.0, &d);
	c->due = d.due;
	c->next_renewal = !f.present ? 0 : d.due && d.when == 0 ? now : d.when;
	if (f.names_differ)
		d.why = "the names differ from the configuration";
	return report_set(&c->why, c->error != NULL ? "unreadable" : d.why);
}

/* "2025-06-01 12:00Z", or "-" when t is 0. */
static void
fmt_time(long long t, char *buf, size_t len)
{
	if (t == 0)
		snprintf(buf, len, "-");
	else
		text_time(t, "%Y-%m-%d %H:%MZ", buf, len);
}

static const char *
status(const struct report_cert *c, long long now)
{
	if (c->error != NULL)
		return "unreadable";
	if (!c->present)
		return "missing";
	if (c->not_after <= now)
		return "expired";
	if (names_differ(c))
		return "names-changed";
	if (c->revoked)
		return "revoked";
	return c->due ? "due" : "ok";
}

/* The human table on stdout; errors on stderr after it. */
static void
print_table(const struct report *rep, long long now)
{
	char exp[32], next[32];
	size_t i, j, w = 4;

	for (i = 0; i < rep->n; i++)
		if (strlen(rep->certs[i].name) > w)
			w = strlen(rep->certs[i].name);
	printf("%-*s  %-17s  %-17s  %-13s  %s\n", (int)w, "NAME", "EXPIRES",
	    "RENEWAL", "STATUS", "DOMAINS");
	for (i = 0; i < rep->n; i++) {
		const struct report_cert *c = &rep->certs[i];

		fmt_time(c->not_after, exp, sizeof(exp));
		fmt_time(c->next_renewal, next, sizeof(next));
		if (c->due)
			snprintf(next, sizeof(next), "now");
		printf("%-*s  %-17s  %-17s  %-13s ", (int)w, c->name, exp, next,
		    status(c, now));
		for (j = 0; j < c->n_domains; j++) /* maybe the cert's SANs */
			text_printf(stdout, " %s", c->domains[j]);
		printf("\n");
	}
	fflush(stdout);
	for (i = 0; i < rep->n; i++)
		if (rep->certs[i].error != NULL)
			text_printf(stderr, "acmeup: %s: %s\n", rep->certs[i].name,
			    rep->certs[i].error);
}

int
list_run(const struct opts *o)
{
	struct certspec_list specs = { NULL, 0 };
	struct report rep = { NULL, 0, 0, NULL, NULL };
	struct persist_recs recs = { NULL, 0, 0 };
	char *acct = NULL;
	long long now = (long long)time(NULL);
	size_t i;
	int rc;

	rc = certspec_load(o, o->config, &specs);
	if (rc != 0)
		return rc;
	if (specs.n == 0 && !o->json)
		fprintf(stderr, "acmeup: no certificates: %s has no cert "
		    "blocks (or give -d NAME)\n", o->config != NULL ?
		    o->config->path : o->config_file != NULL ? o->config_file :
		    ACMEUP_DEFAULT_CONFIG);
	for (i = 0; rc == 0 && i < specs.n; i++)
		rc = list_one(&rep, &specs.specs[i], o->state_dir, now);
	if (o->state_dir != NULL) {
		cli_account_url(o, &acct);
		rep.account = acct;
		if (o->json && persist_records(o->state_dir, &recs) == 0)
			rep.persist = &recs;
		acmeup_err_clear(); /* the table stands without them */
	}
	if (rc == 0 && o->json)
		rc = report_print_json(&rep, "list", stdout);
	else if (rc == 0 && specs.n > 0)
		print_table(&rep, now);
	if (rc == 0 && !o->json && o->state_dir != NULL &&
	    persist_list(o->state_dir, acct, stdout) < 0)
		acmeup_err_clear(); /* the table stands without them */
	persist_records_clear(&recs);
	free(acct);
	report_clear(&rep);
	certspec_free(&specs);
	return rc;
}
