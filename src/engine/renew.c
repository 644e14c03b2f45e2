/* renew's choice of what is due: the CA's renewal window (RFC 9773) when it
 * offers one, else renew-before the certificate's expiry. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/acme.h"
#include "acmeup/acme_ari.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/renew.h"
#include "acmeup/log.h"
#include "acmeup/store.h"

#define DAY 86400LL
#define SHORT_LIFETIME (90 * DAY)
#define RENEW_BEFORE_DEFAULT (30 * DAY)
#define CERT_MAX (1024 * 1024)

unsigned
renew_default_before(long long not_before, long long not_after)
{
	long long life = not_after - not_before;

	if (life > 0 && life < SHORT_LIFETIME)
		return (unsigned)(life / 3);
	return (unsigned)RENEW_BEFORE_DEFAULT;
}

void
renew_decide(const struct renew_facts *f, unsigned renew_before,
             long long now, double u, struct renew_decision *d)
{
	struct acme_renewal_info ri = { 0 };

	d->due = 1;
	d->when = 0;
	if (!f->present) {
		d->why = "no certificate yet";
		return;
	}
	if (f->names_differ) {
		d->why = "its names are not the ones configured";
		return;
	}
	if (f->revoked) {
		d->why = "it was revoked";
		return;
	}
	if (now >= f->not_after) {
		d->when = f->not_after;
		d->why = "expired";
		return;
	}
	ri.start = f->window_start;
	ri.end = f->window_end;
	if (f->have_window && ari_renewal_time(&ri, u, &d->when) == 0) {
		/* RFC 9773 4.2: with no known next wake-up, due once the
		 * chosen time has passed. */
		d->due = ari_renew_due(d->when, now, now);
		d->why = d->due ? "inside the CA's renewal window" :
		    "before the CA's renewal window";
		return;
	}
	acmeup_err_clear(); /* an empty window: fall back */
	if (renew_before == 0)
		renew_before = renew_default_before(f->not_before, f->not_after);
	d->when = f->not_after - (long long)renew_before;
	d->due = now >= d->when;
	d->why = d->due ? "close to expiry" : "not close to expiry";
}

/* dir/file into buf. */
static int
cert_file(const char *dir, const char *file, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= len)
		return acmeup_fail(ACMEUP_EINVAL, "path too long: %s/%s", dir,
		    file);
	return 0;
}

/* RFC 9773 4: the CA's window for the certificate; a failure warns and
 * leaves the window unknown. */
static void
load_window(struct acme_client *c, const char *cert_id,
            struct renew_facts *f)
{
	struct acme_renewal_info ri = { .retry_after = -1 };
	char from[32], to[32];

	if (acme_renewal_info(c, cert_id, &ri) != 0) {
		log_warn("ari: %s; deciding by the expiry date instead",
		    acmeup_errmsg(ACMEUP_EACME));
		acmeup_err_clear();
		return;
	}
	f->have_window = 1;
	f->window_start = ri.start;
	f->window_end = ri.end;
	ari_format_time(ri.start, from, sizeof(from));
	ari_format_time(ri.end, to, sizeof(to));
	log_debug("ari: %s: the CA suggests renewing between %s and %s%s%s",
	    cert_id, from, to, ri.explanation_url != NULL ? "; see " : "",
	    ri.explanation_url != NULL ? ri.explanation_url : "");
	acme_renewal_info_clear(&ri);
}

/* 1 unless the certificate's DNS names are exactly names[0..n) (any
 * order; both lower-case). */
static int
names_differ(char *const *names, size_t n, char *const *have, size_t nh)
{
	size_t i, j;

	if (n != nh)
		return 1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < nh && strcmp(names[i], have[j]) != 0; j++)
			;
		if (j == nh)
			return 1;
	}
	return 0;
}

/* The validity and names of path's certificate and its RFC 9773 ID; 0
 * with f->present set, or an error (which makes the certificate due). */
static int
parse_cert(const char *path, char *const *names, size_t n,
           struct renew_facts *f, char **cert_id)
{
	char *pem = NULL, **have = NULL;
	size_t len = 0, nh = 0;
	int rc;

	rc = store_read(path, CERT_MAX, &pem, &len);
	if (rc == 0)
		rc = crypto_cert_validity(pem, len, &f->not_before,
		    &f->not_after);
	if (rc == 0)
		rc = crypto_cert_names(pem, len, &have, &nh);
	if (rc == 0)
		f->names_differ = names_differ(names, n, have, nh);
	crypto_names_free(have, nh);
	if (rc == 0 && crypto_cert_ari_id(pem, len, cert_id) != 0) {
		log_debug("ari: %s: %s", path, acmeup_errmsg(ACMEUP_ECRYPTO));
		acmeup_err_clear();
		*cert_id = NULL;
	}
	if (rc == 0)
		f->present = 1;
	else if (rc != ACMEUP_EIO)
		rc = acmeup_err_context(rc, "%s", path);
	free(pem);
	return rc;
}

int
renew_facts_load(struct acme_client *c, const char *dir,
                 char *const *names, size_t n, struct renew_facts *f,
                 char **cert_id)
{
	char path[PATH_MAX], *id = NULL;
	int rc;

	memset(f, 0, sizeof(*f));
	*cert_id = NULL;
	rc = cert_file(dir, "cert.pem", path, sizeof(path));
	if (rc != 0)
		return rc;
	rc = store_exists(path);
	if (rc == 0)
		return 0;
	if (rc == 1)
		rc = parse_cert(path, names, n, f, &id);
	if (rc != 0) {
		log_warn("renew: %s cannot be read (%s): renewing it",
		    path, acmeup_errmsg(rc));
		acmeup_err_clear();
		return 0;
	}
	if (c != NULL && id != NULL &&
	    acme_client_directory(c)->renewal_info != NULL)
		load_window(c, id, f);
	*cert_id = id;
	return 0;
}
