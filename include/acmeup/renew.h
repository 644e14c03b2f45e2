/* The renewal decision (src/engine/renew.c): pure, for renew, list and the
 * tests. Times in seconds since the epoch. */
#ifndef ACMEUP_RENEW_H
#define ACMEUP_RENEW_H

#include <stddef.h>

struct acme_client;

struct renew_facts {
	int present;              /* cert.pem read and parsed */
	int names_differ;         /* its DNS names are not the ones asked
	                           * for (the configuration changed) */
	int revoked;              /* `acmeup revoke` revoked this one */
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
