/* dns-check's CAA check (RFC 8659): the relevant CAA RRset of a name (the
 * first non-empty one climbing from the name towards the root, asked of
 * the resolver, which follows CNAMEs as the CA's does), then whether it
 * lets a CA issue for the name by dns-01: its "issue" (or, for a wildcard,
 * "issuewild") properties name the CA's issuer domain, their
 * validationmethods parameter (RFC 8657 4), when present, lists dns-01,
 * and their accounturi (RFC 8657 3), when present, is acmeup's account
 * (STATE/account.url, when known).
 * The records come from the network: every tag and value is bounded and
 * printed sanitized. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/text.h"
#include "dns_internal.h"

#define CAA_MAX_RRS 32        /* properties looked at in one RRset */
#define CAA_VALUE_MAX 512     /* a longer value is not read */
#define CAA_TAG_MAX 15        /* RFC 8659 4.1: 1-15 alphanumerics */

/* One property: tag and value, NUL-terminated, or "" when malformed. */
struct caa_prop {
	char tag[CAA_TAG_MAX + 1];
	char value[CAA_VALUE_MAX + 1];
	int critical;
};

/* rr's property, checked: 3 rdata fields, a tag of 1-15 alphanumerics,
 * a value without control bytes. -1 for anything else. */
static int
caa_prop_of(const ldns_rr *rr, struct caa_prop *p)
{
	const ldns_rdf *flags, *tag, *val;
	size_t i, n;

	if (ldns_rr_rd_count(rr) != 3)
		return -1;
	flags = ldns_rr_rdf(rr, 0);
	tag = ldns_rr_rdf(rr, 1);
	val = ldns_rr_rdf(rr, 2);
	n = ldns_rdf_size(tag);
	if (ldns_rdf_size(flags) != 1 || n < 2 || n - 1 > CAA_TAG_MAX ||
	    ldns_rdf_data(tag)[0] != n - 1 ||
	    ldns_rdf_size(val) > CAA_VALUE_MAX)
		return -1;
	p->critical = (ldns_rdf_data(flags)[0] & 0x80) != 0;
	for (i = 1; i < n; i++) {
		if (!isalnum(ldns_rdf_data(tag)[i]))
			return -1;
		p->tag[i - 1] = (char)ldns_rdf_data(tag)[i];
	}
	p->tag[n - 1] = '\0';
	n = ldns_rdf_size(val);
	for (i = 0; i < n; i++) {
		if (ldns_rdf_data(val)[i] < 0x20 || ldns_rdf_data(val)[i] > 0x7e)
			return -1;
		p->value[i] = (char)ldns_rdf_data(val)[i];
	}
	p->value[n] = '\0';
	return 0;
}

/* Copy s[0..n) without surrounding blanks into out (size len). */
static void
trimmed(const char *s, size_t n, char *out, size_t len)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* An issue value (RFC 8659 4.2): "[issuer-domain] [; key=value]*". The
 * issuer into issuer; *methods_ok 0 when a validationmethods parameter
 * leaves out dns-01 (RFC 8657 4), else 1; an accounturi parameter's value
 * into acct (RFC 8657 3; "" when none). */
static void
parse_issue(const char *v, char *issuer, size_t len, int *methods_ok,
            char *acct, size_t alen)
{
	const char *semi = strchr(v, ';'), *p, *m;
	char param[CAA_VALUE_MAX + 1];
	size_t n;

	*methods_ok = 1;
	acct[0] = '\0';
	trimmed(v, semi != NULL ? (size_t)(semi - v) : strlen(v), issuer, len);
	for (p = semi; p != NULL; p = strchr(p + 1, ';')) {
		n = strcspn(p + 1, ";");
		trimmed(p + 1, n, param, sizeof(param));
		if (strncasecmp(param, "accounturi=", 11) == 0)
			trimmed(param + 11, strlen(param + 11), acct, alen);
		if (strncasecmp(param, "validationmethods=", 18) != 0)
			continue;
		*methods_ok = 0;
		for (m = param + 18; *m != '\0'; m += strcspn(m, ","),
		    m += *m == ',')
			if (strncmp(m, "dns-01", 6) == 0 &&
			    (m[6] == ',' || m[6] == '\0'))
				*methods_ok = 1;
	}
}

/* The relevant RRset of name (RFC 8659 3): *pkt holds the answer whose
 * CAA records are it, *at the owner asked for; *pkt NULL when there is
 * none up to the top-level domain. */
static int
relevant_set(const struct dns_ctx *ctx, const char *name, ldns_pkt **pkt,
             char *at, size_t len)
{
	ldns_rdf *d = dns_name_new(name), *up;
	ldns_rr_list *caa;
	char *s;
	int rc = d == NULL ? acmeup_fail(ACMEUP_EINVAL, "CAA: '%s' is not a "
	    "DNS name", name) : 0;

	*pkt = NULL;
	while (rc == 0 && ldns_dname_label_count(d) > 0) {
		rc = dns_query(&ctx->resolver, d, LDNS_RR_TYPE_CAA, 1, NULL,
		    DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, pkt);
		if (rc == 0 && ldns_pkt_get_rcode(*pkt) != LDNS_RCODE_NOERROR &&
		    ldns_pkt_get_rcode(*pkt) != LDNS_RCODE_NXDOMAIN)
			rc = acmeup_fail(ACMEUP_EDNS, "CAA lookup of %s: %s from "
			    "the resolver %s: a CA treats a failed lookup as a "
			    "refusal (RFC 8659 3)", name, dns_rcode_name(
			    ldns_pkt_get_rcode(*pkt)), ctx->resolver.text);
		caa = rc == 0 ? ldns_pkt_rr_list_by_type(*pkt,
		    LDNS_RR_TYPE_CAA, LDNS_SECTION_ANSWER) : NULL;
		if (caa != NULL) {
			ldns_rr_list_deep_free(caa);
			s = ldns_rdf2str(d);
			snprintf(at, len, "%s", s != NULL ? s : name);
			LDNS_FREE(s);
			if (strlen(at) > 1 && at[strlen(at) - 1] == '.')
				at[strlen(at) - 1] = '\0';
			break;
		}
		ldns_pkt_free(*pkt);
		*pkt = NULL;
		up = rc == 0 ? ldns_dname_left_chop(d) : NULL;
		ldns_rdf_deep_free(d);
		d = up;
		if (rc == 0 && d == NULL)
			rc = ACMEUP_ENOMEM;
	}
	ldns_rdf_deep_free(d);
	return rc;
}

/* What the relevant set says for one CA (NULL: unknown). */
struct caa_verdict {
	const char *tag;   /* "issue", or "issuewild" for a wildcard that
	                    * has such properties (RFC 8659 4.3) */
	size_t rules;      /* properties with that tag */
	size_t ok;         /* of them, those letting the CA issue by dns-01 */
	int unknown_acct;  /* one counted needs an account not known here */
	char bad[400];     /* why not, when something forbids it */
};

/* 1 when the set has an issuewild property. */
static int
has_issuewild(const ldns_rr_list *l)
{
	struct caa_prop p;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(l) && i < CAA_MAX_RRS; i++)
		if (caa_prop_of(ldns_rr_list_rr(l, i), &p) == 0 &&
		    strcasecmp(p.tag, "issuewild") == 0)
			return 1;
	return 0;
}

/* One property against the CA and account (NULL: unknown), into v. */
static void
judge_prop(const struct caa_prop *p, const char *ca, const char *account,
           struct caa_verdict *v)
{
	char issuer[256], acct[CAA_VALUE_MAX + 1];
	int methods_ok;

	if (p->critical && strcasecmp(p->tag, "issue") != 0 &&
	    strcasecmp(p->tag, "issuewild") != 0 &&
	    strcasecmp(p->tag, "iodef") != 0) {
		snprintf(v->bad, sizeof(v->bad), "a critical property '%s', "
		    "unknown to CAs, forbids every issuance (RFC 8659 4.1)",
		    p->tag);
		v->ok = 0;
		v->rules = SIZE_MAX / 2;
		return;
	}
	if (strcasecmp(p->tag, v->tag) != 0 || v->rules >= SIZE_MAX / 2)
		return;
	v->rules++;
	parse_issue(p->value, issuer, sizeof(issuer), &methods_ok, acct,
	            sizeof(acct));
	if (issuer[0] != '\0' && (ca == NULL || strcasecmp(issuer, ca) == 0) &&
	    methods_ok && acct[0] != '\0' && account != NULL &&
	    strcmp(acct, account) != 0)
		snprintf(v->bad, sizeof(v->bad), "%s \"%s\": its accounturi "
		    "names another account than acmeup's %s (RFC 8657 3)",
		    v->tag, p->value, account);
	else if (issuer[0] != '\0' && (ca == NULL ||
	    strcasecmp(issuer, ca) == 0) && methods_ok) {
		v->ok++;
		if (acct[0] != '\0' && account == NULL)
			v->unknown_acct = 1;
	}
	else if (issuer[0] != '\0' && (ca == NULL ||
	    strcasecmp(issuer, ca) == 0))
		snprintf(v->bad, sizeof(v->bad), "%s \"%s\": its "
		    "validationmethods leave out dns-01 (RFC 8657 4)", v->tag,
		    p->value);
}

/* Print the relevant set and judge it for name (wild: a wildcard). */
static void
judge(const ldns_pkt *pkt, int wild, const char *ca, const char *account,
      FILE *out, struct caa_verdict *v)
{
	ldns_rr_list *l = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_CAA,
	    LDNS_SECTION_ANSWER);
	struct caa_prop p;
	size_t i, n = l != NULL ? ldns_rr_list_rr_count(l) : 0;

	v->tag = wild && l != NULL && has_issuewild(l) ? "issuewild" : "issue";
	for (i = 0; i < n && i < CAA_MAX_RRS; i++) {
		if (caa_prop_of(ldns_rr_list_rr(l, i), &p) != 0) {
			text_printf(out, "  CAA       (a malformed record, "
			    "ignored)\n");
			continue;
		}
		text_printf(out, "  CAA       %s%s \"%s\"\n", p.critical ?
		    "critical " : "", p.tag, p.value);
		judge_prop(&p, ca, account, v);
	}
	ldns_rr_list_deep_free(l);
}

int
dns_caa_judge(const ldns_pkt *pkt, const char *at, const char *name,
              const char *ca, const char *account, FILE *out)
{
	int wild = strncmp(name, "*.", 2) == 0;
	struct caa_verdict v = { NULL, 0, 0, 0, "" };

	text_printf(out, "  CAA       at %s:\n", at);
	judge(pkt, wild, ca, account, out, &v);
	if (v.rules > 0 && v.ok == 0 && v.bad[0] == '\0')
		snprintf(v.bad, sizeof(v.bad), "no %s property names %s",
		    v.tag, ca != NULL ? ca : "any CA (\";\" forbids all)");
	if (v.rules > 0 && v.ok == 0)
		return acmeup_fail(ACMEUP_EDNS, "CAA at %s forbids the issuance "
		    "for %s: %s", at, name, v.bad);
	if (v.rules == 0)
		text_printf(out, "  CAA       no %s property: any CA may issue\n",
		    v.tag);
	else if (ca == NULL)
		text_printf(out, "  CAA       some CA may issue by dns-01; give "
		    "--caa-identity to check yours\n");
	else
		text_printf(out, "  CAA       %s may issue by dns-01\n", ca);
	if (v.ok > 0 && v.unknown_acct)
		text_printf(out, "  CAA       an accounturi applies; acmeup's "
		    "account is not known here (none in the state directory "
		    "yet): not compared\n");
	return 0;
}

int
dns_caa_check(const struct dns_ctx *ctx, const char *name, const char *ca,
              const char *account, FILE *out)
{
	const char *base = strncmp(name, "*.", 2) == 0 ? name + 2 : name;
	char at[300] = "";
	ldns_pkt *pkt = NULL;
	int rc;

	rc = relevant_set(ctx, base, &pkt, at, sizeof(at));
	if (rc != 0)
		return rc;
	if (pkt == NULL) {
		text_printf(out, "  CAA       none at %s or above: any CA may "
		    "issue\n", base);
		return 0;
	}
	rc = dns_caa_judge(pkt, at, name, ca, account, out);
	ldns_pkt_free(pkt);
	return rc;
}
