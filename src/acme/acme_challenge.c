/* DNS challenge types: the `challenge` setting, issuer names from the CA,
 * the dns-account-01 label and the dns-persist-01 record (acme_challenge.h). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acmeup/acme_challenge.h"
#include "acmeup/crypto.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/name.h"

static const char *const kind_names[] = {
	[ACME_CHAL_OTHER] = "other",
	[ACME_CHAL_DNS01] = "dns-01",
	[ACME_CHAL_DNS_ACCOUNT01] = "dns-account-01",
	[ACME_CHAL_DNS_PERSIST01] = "dns-persist-01",
};

enum acme_chal_kind
acme_chal_kind_of(const char *type)
{
	size_t k;

	for (k = ACME_CHAL_DNS01; type != NULL && k <= ACME_CHAL_DNS_PERSIST01;
	    k++)
		if (strcmp(type, kind_names[k]) == 0)
			return (enum acme_chal_kind)k;
	return ACME_CHAL_OTHER;
}

const char *
acme_chal_kind_name(enum acme_chal_kind k)
{
	return k <= ACME_CHAL_DNS_PERSIST01 ? kind_names[k] : "other";
}

int
acme_chal_prefs_parse(const char *text, const char *where,
                      enum acme_chal_kind *out, size_t *n)
{
	enum acme_chal_kind k;
	char word[40], shown[60];
	size_t i, len, got = 0;
	const char *p = text;

	while (p != NULL && *p != '\0') {
		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len == 0)
			break;
		snprintf(word, sizeof(word), "%.*s", (int)len, p);
		p += len;
		k = len < sizeof(word) ? acme_chal_kind_of(word) :
		    ACME_CHAL_OTHER;
		for (i = 0; i < got && k != ACME_CHAL_OTHER; i++)
			if (out[i] == k)
				k = ACME_CHAL_OTHER;
		if (k == ACME_CHAL_OTHER)
			return acmeup_fail(ACMEUP_EUSAGE, "%s%s'%s': a challenge "
			    "is dns-01, dns-persist-01 or dns-account-01, each "
			    "once", where != NULL ? where : "",
			    where != NULL ? ": " : "",
			    name_printable(word, shown, sizeof(shown)));
		out[got++] = k;
	}
	if (got == 0)
		return acmeup_fail(ACMEUP_EUSAGE, "%s%sno challenge type given",
		    where != NULL ? where : "", where != NULL ? ": " : "");
	*n = got;
	return 0;
}

size_t
acme_issuers_check(char ***list, size_t *n, const char *what)
{
	char norm[NAME_BUF], shown[80];
	size_t i, kept = 0;

	for (i = 0; i < *n; i++) {
		if (kept < ACME_ISSUERS_MAX &&
		    name_normalize((*list)[i], 0, norm, NULL) == NAME_OK &&
		    strchr(norm, '.') != NULL &&
		    strlen(norm) <= strlen((*list)[i])) {
			memcpy((*list)[i], norm, strlen(norm) + 1);
			(*list)[kept++] = (*list)[i];
			continue;
		}
		log_warn("acme: the CA's %s: '%s' left out (not a domain name, "
		    "or more than %d)", what, name_printable((*list)[i], shown,
		    sizeof(shown)), ACME_ISSUERS_MAX);
		free((*list)[i]);
	}
	*n = kept;
	return kept;
}

int
acme_account_label(const char *account_url, char *out)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint8_t d[32];
	unsigned bits = 0, acc = 0;
	size_t i, o = 0;
	int rc;

	rc = crypto_sha256(account_url, strlen(account_url), d);
	if (rc != 0)
		return rc;
	/* RFC 4648 6: 5 bits a character, 10 octets -> 16, no padding */
	for (i = 0; i < 10; i++) {
		acc = (acc << 8) | d[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32[(acc >> bits) & 31];
		}
	}
	out[o] = '\0';
	return 0;
}

/* *out = prefix + name ("*." dropped). */
static int
prefixed(const char *prefix, const char *name, char **out)
{
	size_t len;

	if (strncmp(name, "*.", 2) == 0)
		name += 2;
	len = strlen(prefix) + strlen(name) + 1;
	*out = malloc(len);
	if (*out == NULL)
		return ACMEUP_ENOMEM;
	snprintf(*out, len, "%s%s", prefix, name);
	return 0;
}

int
acme_account_owner(const char *account_url, const char *name, char **out)
{
	char label[ACME_ACCOUNT_LABEL_LEN + 1];
	char prefix[ACME_ACCOUNT_LABEL_LEN + sizeof(NAME_CHALLENGE_PREFIX) + 2];
	int rc;

	rc = acme_account_label(account_url, label);
	if (rc != 0)
		return rc;
	snprintf(prefix, sizeof(prefix), "_%s.%s", label,
	    NAME_CHALLENGE_PREFIX);
	return prefixed(prefix, name, out);
}

int
acme_persist_owner(const char *name, char **out)
{
	return prefixed(ACME_PERSIST_PREFIX, name, out);
}

/* 1 when s may stand in a persist record: printable, no ';' or space. */
static int
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f || *s == ';')
			return 0;
	return 1;
}

int
acme_persist_value(const char *issuer, const char *account_url,
                   int wildcard, long long until, char **out)
{
	char tail[80] = "";
	size_t len;

	if (!plain(issuer) || !plain(account_url) || issuer[0] == '\0' ||
	    issuer[0] == '.' || account_url[0] == '\0')
		return acmeup_fail(ACMEUP_EINVAL, "dns-persist-01: issuer or "
		    "account URL unfit for a TXT record");
	if (until > 0)
		snprintf(tail, sizeof(tail), "; persistUntil=%lld", until);
	len = strlen(issuer) + strlen(account_url) + strlen(tail) + 40;
	*out = malloc(len);
	if (*out == NULL)
		return ACMEUP_ENOMEM;
	snprintf(*out, len, "%s; accounturi=%s%s%s", issuer, account_url,
	    wildcard ? "; policy=wildcard" : "", tail);
	return 0;
}

#define PERSIST_VALUE_MAX 2048

/* [*s, *s+len) is the next ';'-separated part, blanks trimmed; *s moves
 * past it. 0 when none is left. */
static int
next_part(const char **s, const char **part, size_t *len)
{
	const char *p = *s, *end;

	if (p == NULL)
		return 0;
	end = strchr(p, ';');
	*s = end != NULL ? end + 1 : NULL;
	if (end == NULL)
		end = p + strlen(p);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*part = p;
	*len = (size_t)(end - p);
	return 1;
}

/* 1 when [s, s+len) names one of issuers (case aside, a final dot on
 * either side ignored). */
static int
issuer_known(const char *s, size_t len, const char *const *issuers, size_t n)
{
	size_t i, ilen;

	if (len > 0 && s[len - 1] == '.')
		len--;
	for (i = 0; i < n; i++) {
		ilen = strlen(issuers[i]);
		if (ilen > 0 && issuers[i][ilen - 1] == '.')
			ilen--;
		if (ilen == len && len > 0 && strncasecmp(s, issuers[i], len) == 0)
			return 1;
	}
	return 0;
}

/* persistUntil: a decimal time; 1 when still in force at now. */
static int
until_ok(const char *v, size_t len, long long now)
{
	char buf[24], *end;
	long long t;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, v, len);
	buf[len] = '\0';
	errno = 0;
	t = strtoll(buf, &end, 10);
	return errno == 0 && *end == '\0' && isdigit((unsigned char)buf[0]) &&
	    t >= now;
}

enum acme_persist_why
acme_persist_match(const char *value, const char *const *issuers, size_t n,
                   const char *account_url, int wildcard, long long now)
{
	const char *s = value, *part, *eq;
	size_t len, klen, vlen;
	int acct = 0, wild = 0, alive = 1;

	if (value == NULL || strlen(value) > PERSIST_VALUE_MAX ||
	    !next_part(&s, &part, &len) || len == 0)
		return PERSIST_SYNTAX;
	if (!issuer_known(part, len, issuers, n))
		return PERSIST_ISSUER;
	while (next_part(&s, &part, &len)) {
		eq = memchr(part, '=', len);
		if (eq == NULL)
			continue; /* empty or unknown: ignored */
		klen = (size_t)(eq - part);
		vlen = len - klen - 1;
		if (klen == 10 && strncasecmp(part, "accounturi", 10) == 0)
			acct = vlen == strlen(account_url) &&
			    strncmp(eq + 1, account_url, vlen) == 0;
		else if (klen == 6 && strncasecmp(part, "policy", 6) == 0)
			wild = vlen == 8 && strncasecmp(eq + 1, "wildcard", 8) == 0;
		else if (klen == 12 && strncasecmp(part, "persistUntil", 12) == 0)
			alive = until_ok(eq + 1, vlen, now);
	}
	if (!acct)
		return PERSIST_ACCOUNT;
	if (wildcard && !wild)
		return PERSIST_WILDCARD;
	return alive ? PERSIST_MATCH : PERSIST_EXPIRED;
}

const char *
acme_persist_why_text(enum acme_persist_why w)
{
	switch (w) {
	case PERSIST_MATCH:
		return "matches this account and CA";
	case PERSIST_SYNTAX:
		return "is not an issuer name followed by '; key=value' "
		    "parameters";
	case PERSIST_ISSUER:
		return "names another CA (issuer domain name)";
	case PERSIST_ACCOUNT:
		return "names another account (accounturi)";
	case PERSIST_WILDCARD:
		return "lacks policy=wildcard for a wildcard name";
	case PERSIST_EXPIRED:
		return "has a persistUntil that has passed";
	}
	return "?";
}
