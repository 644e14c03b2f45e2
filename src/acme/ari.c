/* ACME Renewal Information (RFC 9773): times and the renewal decision. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "acmeup/acme_ari.h"
#include "acmeup/error.h"
#include "acmeup/text.h"

/* n decimal digits at s into *v; 0 or -1. */
static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* RFC 3339 time-offset: "Z" or ("+" / "-") HH ":" MM, into seconds. */
static int
parse_offset(const char *s, long *off)
{
	int h, m;

	if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
		*off = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') || digits(s + 1, 2, &h) != 0 ||
	    s[3] != ':' || digits(s + 4, 2, &m) != 0 || s[6] != '\0' ||
	    h > 23 || m > 59)
		return -1;
	*off = (h * 3600L + m * 60L) * (s[0] == '-' ? -1 : 1);
	return 0;
}

int
ari_parse_time(const char *s, long long *out)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec;
	long off;
	time_t t;

	if (s == NULL || strlen(s) < 20 || digits(s, 4, &y) != 0 ||
	    s[4] != '-' || digits(s + 5, 2, &mo) != 0 || s[7] != '-' ||
	    digits(s + 8, 2, &d) != 0 || (s[10] != 'T' && s[10] != 't') ||
	    digits(s + 11, 2, &h) != 0 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) != 0 || s[16] != ':' ||
	    digits(s + 17, 2, &sec) != 0)
		goto bad;
	s += 19;
	if (*s == '.') /* time-secfrac: dropped */
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (parse_offset(s, &off) != 0 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || sec > 60)
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = (long long)t - off;
	return 0;
bad:
	return acmeup_fail(ACMEUP_EINVAL, "'%.40s' is not an RFC 3339 time",
	    s != NULL ? s : "");
}

void
ari_format_time(long long t, char *buf, size_t len)
{
	text_time(t, "%Y-%m-%dT%H:%M:%SZ", buf, len);
}

int
ari_renewal_time(const struct acme_renewal_info *ri, double u,
                 long long *when)
{
	long long span;

	if (ri->end <= ri->start)
		return acmeup_fail(ACMEUP_EINVAL, "the CA's renewal window "
		    "ends before it starts (RFC 9773 4.2)");
	if (u < 0 || u >= 1)
		u = 0;
	span = ri->end - ri->start;
	*when = ri->start + (long long)(u * (double)span);
	return 0;
}

int
ari_renew_due(long long when, long long now, long long next_wakeup)
{
	return when <= now || when < next_wakeup;
}

