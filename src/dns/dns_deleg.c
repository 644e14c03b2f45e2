/* dns-check's delegation check (issue 16): the NS set the parent zone
 * hands out for a zone (its referral, RFC 1034 4.2.2) against the NS set
 * at the zone's apex, and every server either set names asked for the
 * zone's SOA without recursion: it must answer authoritatively (AA). A
 * resolver may pick any of the parent's servers, so a name only there, or
 * a lame one (no answer, REFUSED, SERVFAIL, no AA), can hand the CA a
 * failure that acmeup's proof never sees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/text.h"
#include "dns_internal.h"

#define DELEG_MAX_NS 16
#define DELEG_QUERY_MS 1500

struct ns_set {
	ldns_rdf *name[DELEG_MAX_NS];
	size_t n;
};

static void
ns_set_clear(struct ns_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		ldns_rdf_deep_free(s->name[i]);
	s->n = 0;
}

static int
ns_set_has(const struct ns_set *s, const ldns_rdf *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (ldns_dname_compare(s->name[i], name) == 0)
			return 1;
	return 0;
}

/* The NS records at apex in section l into s (canonical, no duplicates). */
static int
ns_set_add(struct ns_set *s, const ldns_rr_list *l, const ldns_rdf *apex)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(l) && s->n < DELEG_MAX_NS; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		ldns_rdf *ns;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
		    ldns_rr_rd_count(rr) != 1 ||
		    ldns_dname_compare(ldns_rr_owner(rr), apex) != 0)
			continue;
		ns = ldns_rdf_clone(ldns_rr_rdf(rr, 0));
		if (ns == NULL)
			return ACMEUP_ENOMEM;
		ldns_dname2canonical(ns);
		if (ns_set_has(s, ns))
			ldns_rdf_deep_free(ns);
		else
			s->name[s->n++] = ns;
	}
	return 0;
}

/* "a, b" of the names of s not in other (other NULL: all). */
static void
ns_text(const struct ns_set *s, const struct ns_set *other, char *buf,
        size_t len)
{
	size_t i, used = 0;
	char *t;
	int n;

	buf[0] = '\0';
	for (i = 0; i < s->n && used < len; i++) {
		if (other != NULL && ns_set_has(other, s->name[i]))
			continue;
		t = dns_name_text(s->name[i]);
		n = snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "",
		             t != NULL ? t : "?");
		free(t);
		used += n > 0 ? (size_t)n : 0;
	}
}

/* The parent's NS set for zi: the referral of the first parent server that
 * gives one (a server of both zones answers from the child's apex, which
 * says nothing of the delegation). *parent: the parent's name, "" when
 * none was found. */
static int
parent_ns(const struct dns_ctx *ctx, const struct dns_zinfo *zi,
          struct ns_set *out, char *parent, size_t plen)
{
	ldns_rdf *pzone = NULL, *pmname = NULL;
	struct dns_zinfo pz;
	ldns_pkt *r = NULL;
	size_t i;
	char *t;
	int rc;

	parent[0] = '\0';
	if (ldns_dname_label_count(zi->apex) <= 1 ||
	    dns_zone_find(&ctx->resolver, zi->apex, &pzone, &pmname) != 0) {
		acmeup_err_clear();
		return 0; /* a top-level zone, or no parent the resolver knows */
	}
	t = dns_name_text(pzone);
	snprintf(parent, plen, "%s", t != NULL ? t : "?");
	free(t);
	memset(&pz, 0, sizeof(pz));
	pz.apex = pzone;
	pz.name = parent;
	rc = dns_zinfo_servers(ctx, &pz);
	for (i = 0; rc == 0 && i < pz.nservers && out->n == 0; i++) {
		if (dns_query(&pz.servers[i], zi->apex, LDNS_RR_TYPE_NS, 0,
		    dns_ctx_query_key(ctx, pzone), DELEG_QUERY_MS, 1, &r) != 0) {
			acmeup_err_clear();
			continue;
		}
		if (!ldns_pkt_aa(r))
			rc = ns_set_add(out, ldns_pkt_authority(r), zi->apex);
		ldns_pkt_free(r);
		r = NULL;
	}
	free(pz.servers);
	ldns_rdf_deep_free(pzone);
	ldns_rdf_deep_free(pmname);
	if (rc == ACMEUP_EINTR || rc == ACMEUP_ENOMEM)
		return rc;
	acmeup_err_clear(); /* no parent servers: the delegation not compared */
	return 0;
}

/* The zone's own NS set, from its primary or resolver (dns_servers.c). */
static int
apex_ns(const struct dns_ctx *ctx, const struct dns_zinfo *zi,
        struct ns_set *out)
{
	ldns_pkt *r = NULL;
	int rc = zi->nprimaries > 0 ? dns_query(&zi->primaries[0], zi->apex,
	    LDNS_RR_TYPE_NS, 0, dns_ctx_query_key(ctx, zi->apex),
	    DELEG_QUERY_MS, 2, &r) : dns_resolver_query(&ctx->resolver,
	    zi->apex, LDNS_RR_TYPE_NS, &r);

	if (rc == 0)
		rc = ns_set_add(out, ldns_pkt_answer(r), zi->apex);
	ldns_pkt_free(r);
	return rc;
}

/* One server of the zone asked for its SOA (signed with qkey under
 * --tsig-queries): NULL when authoritative, else why not (in buf). */
static const char *
lame_why(const struct dns_addr *a, const ldns_rdf *apex,
         const struct tsig_key *qkey, char *buf, size_t len)
{
	ldns_pkt *r = NULL;
	unsigned rcode;
	int rc;

	rc = dns_query(a, apex, LDNS_RR_TYPE_SOA, 0, qkey, DELEG_QUERY_MS, 1,
	               &r);
	if (rc == ACMEUP_ETIMEOUT || rc == ACMEUP_EIO)
		snprintf(buf, len, "no reply");
	else if (rc != 0)
		snprintf(buf, len, "%s", acmeup_errmsg(rc));
	if (rc != 0) {
		acmeup_err_clear();
		return buf;
	}
	rcode = ldns_pkt_get_rcode(r);
	if (rcode != LDNS_RCODE_NOERROR)
		snprintf(buf, len, "%s", dns_rcode_name(rcode));
	else if (!ldns_pkt_aa(r))
		snprintf(buf, len, "an answer without AA");
	ldns_pkt_free(r);
	return rcode != LDNS_RCODE_NOERROR || buf[0] != '\0' ? buf : NULL;
}

/* Each address of each name of s: authoritative or lame. */
static int
lame_servers(const struct dns_ctx *ctx, const struct dns_zinfo *zi,
             const struct ns_set *s, FILE *out, char *first, size_t flen)
{
	struct dns_addr *a = NULL;
	char why[160], *t;
	size_t n = 0, i, k;
	int lame = 0;

	for (i = 0; i < s->n; i++) {
		t = dns_name_text(s->name[i]);
		if (dns_resolve_host(&ctx->resolver, s->name[i], DNS_PORT, &a,
		    &n) != 0 || n == 0) {
			acmeup_err_clear();
			text_printf(out, "  lame      %s: no address\n", t ? t : "?");
			if (lame++ == 0)
				snprintf(first, flen, "%s has no address", t ? t : "?");
		}
		for (k = 0; k < n; k++) {
			why[0] = '\0';
			if (lame_why(&a[k], zi->apex, dns_ctx_query_key(ctx,
			    zi->apex), why, sizeof(why)) == NULL)
				continue;
			text_printf(out, "  lame      %s (%s) for %s: %s\n", t ? t :
			    "?", a[k].text, zi->name, why);
			if (lame++ == 0)
				snprintf(first, flen, "%s (%s): %s", t ? t : "?",
				    a[k].text, why);
		}
		free(a);
		a = NULL;
		n = 0;
		free(t);
	}
	return lame;
}

static int
deleg_run(const struct dns_ctx *ctx, const struct dns_zinfo *zi, FILE *out)
{
	struct ns_set up = { { NULL }, 0 }, own = { { NULL }, 0 }, all;
	char parent[256], only_up[300], only_own[300], first[300] = "";
	size_t i;
	int rc, lame;

	rc = parent_ns(ctx, zi, &up, parent, sizeof(parent));
	if (rc == 0)
		rc = apex_ns(ctx, zi, &own);
	if (rc != 0)
		goto out;
	ns_text(&up, &own, only_up, sizeof(only_up));
	ns_text(&own, &up, only_own, sizeof(only_own));
	if (up.n == 0 && parent[0] == '\0')
		text_printf(out, "  parent    none found: the delegation not "
		    "compared\n");
	else if (up.n == 0)
		text_printf(out, "  parent    %s: no referral (its servers serve "
		    "the zone too, or none answers): the delegation not "
		    "compared\n", parent);
	else if (only_up[0] == '\0' && only_own[0] == '\0')
		text_printf(out, "  parent    %s delegates to the same %zu NS "
		    "as the zone's apex\n", parent, own.n);
	else
		text_printf(out, "  parent    %s: NS only at the parent: %s; "
		    "only at the apex: %s\n", parent, only_up[0] ? only_up :
		    "none", only_own[0] ? only_own : "none");
	all = own;
	for (i = 0; i < up.n && all.n < DELEG_MAX_NS; i++)
		if (!ns_set_has(&all, up.name[i]))
			all.name[all.n++] = up.name[i];
	lame = lame_servers(ctx, zi, &all, out, first, sizeof(first));
	if (up.n > 0 && (only_up[0] != '\0' || only_own[0] != '\0'))
		rc = acmeup_fail(ACMEUP_EDNS, "zone %s: the parent %s and the "
		    "zone's apex name other NS (only at the parent: %s; only at "
		    "the apex: %s)%s%s", zi->name, parent, only_up[0] ? only_up :
		    "none", only_own[0] ? only_own : "none", lame ? "; " : "",
		    first);
	else if (lame > 0)
		rc = acmeup_fail(ACMEUP_EDNS, "zone %s: %d lame server%s: %s",
		    zi->name, lame, lame == 1 ? "" : "s", first);
out:
	ns_set_clear(&up);
	ns_set_clear(&own);
	return rc;
}

/* Once per zone a run: a second name in the zone gets the first's result
 * (a lame server would cost its timeouts again). */
int
dns_deleg_check(const struct dns_ctx *ctx, struct dns_zinfo *zi, FILE *out)
{
	int rc;

	if (zi->deleg_done) {
		text_printf(out, "  parent    zone %s: as checked above\n",
		            zi->name);
		return zi->deleg_rc < 0 ? acmeup_fail(zi->deleg_rc, "%s",
		                                      zi->deleg_err) : 0;
	}
	rc = deleg_run(ctx, zi, out);
	if (rc == ACMEUP_EINTR)
		return rc;
	zi->deleg_done = 1;
	zi->deleg_rc = rc;
	if (rc < 0)
		snprintf(zi->deleg_err, sizeof(zi->deleg_err), "%s",
		         acmeup_errmsg(rc));
	return rc;
}
