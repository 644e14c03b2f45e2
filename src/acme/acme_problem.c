/* CA errors for a person: problem documents (RFC 7807, RFC 8555 6.7) with
 * their subproblems, rate limits and unavailability (RFC 8555 6.6). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "acme_internal.h"
#include "acmeup/acme_ari.h"
#include "acme_json.h"
#include "acmeup/error.h"
#include "acmeup/text.h"

#define PROBLEM_TYPE "urn:ietf:params:acme:error:"

/* What a person can do about each RFC 8555 6.7 error type. */
static const struct {
	const char *type;
	const char *hint;
} hints[] = {
	{ "rateLimited", "the CA limits how often this may be done: wait "
	  "until the time given, or pass --wait-rate-limit SEC to wait out "
	  "short limits" },
	{ "unauthorized", "the CA refused this account or key: a "
	  "deactivated account, a key that does not own the certificate, or "
	  "refused EAB credentials" },
	{ "rejectedIdentifier", "the CA will not issue for this name by "
	  "policy" },
	{ "externalAccountRequired", "this CA needs External Account "
	  "Binding: pass --eab-kid and --eab-hmac-key from your account at "
	  "the CA" },
	{ "accountDoesNotExist", "no account uses this key: create one with "
	  "'acmeup account register'" },
	{ "userActionRequired", "a person must act: open the instance URL" },
	{ "agreementRequired", "read the terms of service, then pass "
	  "--agree-tos" },
	{ "badCSR", "the CA refused the CSR (its key type or names)" },
	{ "badPublicKey", "the CA does not accept this key: try p256" },
	{ "badSignatureAlgorithm", "the CA does not accept this key's "
	  "signature algorithm: try p256" },
	{ "badRevocationReason", "the CA does not accept this reason code: "
	  "try 0, 1, 3, 4 or 5" },
	{ "alreadyRevoked", "the certificate is revoked already" },
	{ "alreadyReplaced", "another order already replaces this "
	  "certificate (RFC 9773)" },
	{ "caa", "a CAA record forbids this CA for the name" },
	{ "dns", "the CA could not look the record up: check that every "
	  "authoritative server answers" },
	{ "incorrectResponse", "the CA saw other TXT values: check the zone "
	  "and any CNAME on the challenge name" },
	{ "unsupportedContact", "check the --email addresses" },
	{ "invalidContact", "check the --email addresses" },
	{ "unsupportedIdentifier", "the CA does not issue for this kind of "
	  "name" },
	{ "serverInternal", "the CA failed internally: try again later" },
};

static const char *
short_type(const char *type)
{
	if (type == NULL)
		return "about:blank";
	if (strncmp(type, PROBLEM_TYPE, strlen(PROBLEM_TYPE)) == 0)
		return type + strlen(PROBLEM_TYPE);
	return type;
}

static const char *
hint_for(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (strcmp(hints[i].type, type) == 0)
			return hints[i].hint;
	return NULL;
}

/* Append to buf at *used, never past its end. */
static void __attribute__((format(printf, 4, 5)))
append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
	if (*used >= size)
		*used = size;
}

/* Did the CA's lookup end in SERVFAIL (RFC 1035 4.1.1 rcode 2)? Boulder
 * names it; pebble prints the rcode as a Go-quoted byte: "returned an
 * unsuccessful response: '\x02'". */
static int
says_servfail(const char *detail)
{
	static const char pebble[] = "unsuccessful response: '";
	const char *p;

	if (detail == NULL)
		return 0;
	if (strstr(detail, "SERVFAIL") != NULL)
		return 1;
	p = strstr(detail, pebble);
	if (p == NULL)
		return 0;
	p += strlen(pebble);
	if (*p == '\002')
		return 1;
	while (*p == '\\')
		p++;
	return strncmp(p, "x02'", 4) == 0;
}

/* The CA's words about a failed dns-01 validation: pebble and Boulder say
 * "unauthorized" or "incorrectResponse" for a wrong or missing value, "dns"
 * when the lookup itself failed. */
static const char *
validation_hint(const char *type, const char *detail)
{
	if (says_servfail(detail))
		return "the CA's resolver got SERVFAIL: a DNSSEC validation "
		    "failure (a DS or DNSKEY that does not match, an expired "
		    "or missing signature) or no authoritative server it could "
		    "reach or that serves the zone to it";
	if (strcmp(type, "unauthorized") == 0 ||
	    strcmp(type, "incorrectResponse") == 0)
		return "the CA's resolver did not get the TXT value acmeup "
		    "published: a cached older answer, a CNAME, or a view "
		    "that differs for the CA";
	return hint_for(type);
}

/* The CA's strings enter the message clipped to TEXT_FIELD_MAX each; they
 * are escaped where the message is shown (text.h), not here: --json keeps
 * them exact. */
static int
render(const struct acme_problem *p, const char *context, int validation,
       const char *tail)
{
	char buf[2048], c1[TEXT_FIELD_MAX + 4], c2[TEXT_FIELD_MAX + 4];
	char c3[TEXT_FIELD_MAX + 4];
	const char *type = short_type(p->type), *hint;
	size_t i, used = 0;

	append(buf, sizeof(buf), &used, "%s: %s: %s", context,
	    text_clip(type, TEXT_FIELD_MAX, c1, sizeof(c1)), p->detail != NULL ?
	    text_clip(p->detail, TEXT_FIELD_MAX, c2, sizeof(c2)) :
	    "(no detail)");
	if (p->instance != NULL)
		append(buf, sizeof(buf), &used, " (see %s)",
		    text_clip(p->instance, TEXT_FIELD_MAX, c1, sizeof(c1)));
	/* RFC 8555 6.7.1: which name failed, and how */
	for (i = 0; i < p->n_sub; i++)
		append(buf, sizeof(buf), &used, "; %s: %s: %s",
		    p->sub[i].identifier != NULL ? text_clip(p->sub[i].identifier,
		    TEXT_FIELD_MAX, c1, sizeof(c1)) : "?",
		    text_clip(short_type(p->sub[i].type), TEXT_FIELD_MAX, c2,
		    sizeof(c2)), p->sub[i].detail != NULL ?
		    text_clip(p->sub[i].detail, TEXT_FIELD_MAX, c3, sizeof(c3)) :
		    "");
	hint = validation ? validation_hint(type, p->detail) : hint_for(type);
	if (hint != NULL)
		append(buf, sizeof(buf), &used, " (%s)", hint);
	append(buf, sizeof(buf), &used, "%s", tail);
	return acmeup_fail(ACMEUP_EACME, "%s", buf);
}

int
acme_fail_problem(const struct acme_problem *p, const char *context)
{
	return render(p, context, 0, "");
}

int
acme_fail_validation(const struct acme_problem *p, const char *context)
{
	return render(p, context, 1, "");
}

/* " retry after N s (at TIME)" for a known Retry-After. */
static void
retry_text(long retry_after, char *buf, size_t len)
{
	char when[32];

	buf[0] = '\0';
	if (retry_after < 0)
		return;
	ari_format_time((long long)time(NULL) + retry_after, when,
	    sizeof(when));
	snprintf(buf, len, "; the CA says retry after %ld s (at %s)",
	    retry_after, when);
}

int
acme_fail_response(const struct http_response *resp, const char *url,
                   char *type, size_t typelen)
{
	struct acme_problem p = { 0 };
	char ctx[600], retry[96];
	int rc, have;

	type[0] = '\0';
	retry_text(resp->retry_after, retry, sizeof(retry));
	have = resp->content_type != NULL && strstr(resp->content_type,
	    "application/problem+json") != NULL &&
	    acme_json_problem(resp->body, &p) == 0;
	if (!have) {
		rc = acmeup_fail(ACMEUP_EACME, "%s answered HTTP %ld%s%s", url,
		    resp->status, resp->status == 429 ? " (rate limited)" :
		    resp->status == 503 ? " (service unavailable)" : "", retry);
		if (resp->status == 429)
			snprintf(type, typelen, "rateLimited");
		return rc;
	}
	snprintf(type, typelen, "%s", short_type(p.type));
	snprintf(ctx, sizeof(ctx), "%s (HTTP %ld%s)", url, resp->status,
	    resp->status == 503 ? ", service unavailable" : "");
	rc = render(&p, ctx, 0, retry);
	acme_problem_clear(&p);
	return rc;
}

int
acme_may_wait(long status, long retry_after, unsigned limit, unsigned waits)
{
	if (status != 429 && status != 503)
		return 0;
	return retry_after >= 0 && (unsigned long)retry_after <= limit &&
	    waits < RATE_LIMIT_WAITS;
}
