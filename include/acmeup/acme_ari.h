/* ACME Renewal Information (RFC 9773): the pure parts, for `issue` (which
 * logs the CA's window and sends "replaces") and for scheduled renewals.
 * Times are seconds since the epoch (UTC). */
#ifndef ACMEUP_ACME_ARI_H
#define ACMEUP_ACME_ARI_H

#include "acmeup/acme_types.h"

/* RFC 3339 5.6 date-time ("2025-01-02T04:00:00Z", fractions and offsets
 * allowed) into *out. ACMEUP_EINVAL when malformed. */
int ari_parse_time(const char *s, long long *out);

/* "2025-01-02T04:00:00Z" into buf (at least 21 octets). */
void ari_format_time(long long t, char *buf, size_t len);

/* RFC 9773 4.2: a time chosen uniformly at random in the suggested window,
 * u in [0, 1) being the random draw. ACMEUP_EINVAL (with a detail) when the
 * window is empty or reversed: the caller then falls back. */
int ari_renewal_time(const struct acme_renewal_info *ri, double u,
                     long long *when);

/* RFC 9773 4.2: renew now when the chosen time has passed, or comes before
 * the caller's next wake-up. 1: renew now; 0: not yet. */
int ari_renew_due(long long when, long long now, long long next_wakeup);

#endif
