/* Where a challenge record goes. The challenge name is never sent to a
 * caching resolver before its record exists (its NXDOMAIN would be cached
 * for the SOA minimum, RFC 2308, and hide the record from the CA): the
 * resolver only finds the zone of a parent name, then that zone's
 * authoritative servers are asked directly (RD=0). CNAME (RFC 1034 3.6.2)
 * and DNAME (RFC 6672) answers and referrals are followed the same way, at
 * most DNS_MAX_LINKS links; loops and wildcard CNAMEs (RFC 4592) are
 * reported instead of followed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/log.h"
#include "dns_internal.h"

/* What an authoritative server said about a name. */
enum ans_kind { ANS_FINAL, ANS_LINK, ANS_REFERRAL };

struct answer {
	enum ans_kind kind;
	const char *link;         /* LINK: "CNAME" or "DNAME" */
	ldns_rdf *next;           /* LINK: where the chain goes */
	ldns_rdf *zone, *mname;   /* FINAL: the zone holding the name */
	ldns_rdf *cut;            /* REFERRAL: the child zone */
	struct dns_addr *ns;      /* REFERRAL: its servers */
	size_t nns;
	struct dns_addr srv;      /* who said it */
	const struct tsig_key *qkey; /* and the key its queries were signed with */
};

static void
answer_clear(struct answer *a)
{
	ldns_rdf_deep_free(a->next);
	ldns_rdf_deep_free(a->zone);
	ldns_rdf_deep_free(a->mname);
	ldns_rdf_deep_free(a->cut);
	free(a->ns);
	memset(a, 0, sizeof(*a));
}

void
dns_route_clear(struct dns_route *r)
{
	size_t i;

	if (r == NULL)
		return;
	ldns_rdf_deep_free(r->challenge);
	ldns_rdf_deep_free(r->target);
	for (i = 0; i < r->nlinks; i++)
		ldns_rdf_deep_free(r->links[i]);
	memset(r, 0, sizeof(*r));
}

/* Number of labels and wire length of a name (root label excluded). */
static size_t
wire_labels(const ldns_rdf *n, size_t *len)
{
	const uint8_t *d = ldns_rdf_data(n);
	size_t size = ldns_rdf_size(n), off = 0, count = 0;

	while (off < size && d[off] != 0) {
		off += (size_t)d[off] + 1;
		count++;
	}
	*len = off;
	return count;
}

ldns_rdf *
dns_dname_substitute(const ldns_rdf *name, const ldns_rdf *from,
                     const ldns_rdf *to)
{
	const uint8_t *d = ldns_rdf_data(name);
	uint8_t buf[LDNS_MAX_DOMAINLEN + 1];
	size_t nlen, flen, tlen, keep, off = 0, i;
	size_t nl = wire_labels(name, &nlen), fl = wire_labels(from, &flen);

	(void)wire_labels(to, &tlen);
	if (!ldns_dname_is_subdomain(name, from) || nl <= fl)
		return NULL;
	for (i = 0; i < nl - fl; i++)
		off += (size_t)d[off] + 1;
	keep = off;
	/* RFC 6672 2.2: too long is YXDOMAIN; here it is no target. */
	if (keep + tlen + 1 > LDNS_MAX_DOMAINLEN)
		return NULL;
	memcpy(buf, d, keep);
	memcpy(buf + keep, ldns_rdf_data(to), tlen);
	buf[keep + tlen] = 0;
	return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, keep + tlen + 1, buf);
}

/* The rdata name of the first rr of type at owner (or, for DNAME, at a
 * proper ancestor of name) in list, or NULL. */
static const ldns_rr *
find_rr(const ldns_rr_list *list, const ldns_rdf *name, ldns_rr_type type)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		const ldns_rdf *o = ldns_rr_owner(rr);

		if (ldns_rr_get_type(rr) != type || ldns_rr_rd_count(rr) < 1)
			continue;
		if (type == LDNS_RR_TYPE_DNAME ? ldns_dname_is_subdomain(name, o)
		    : ldns_dname_compare(o, name) == 0)
			return rr;
	}
	return NULL;
}

/* The SOA whose owner is name or above it, from answer or authority. */
static const ldns_rr *
find_soa(const ldns_pkt *r, const ldns_rdf *name)
{
	const ldns_rr_list *secs[2] = { ldns_pkt_answer(r),
	                                ldns_pkt_authority(r) };
	size_t s, i;

	for (s = 0; s < 2; s++) {
		for (i = 0; i < ldns_rr_list_rr_count(secs[s]); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(secs[s], i);

			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
			    ldns_rr_rd_count(rr) == 7 &&
			    dns_at_or_below(name, ldns_rr_owner(rr)))
				return rr;
		}
	}
	return NULL;
}

static int
set_final(struct answer *a, const ldns_rr *soa)
{
	a->kind = ANS_FINAL;
	a->zone = ldns_rdf_clone(ldns_rr_owner(soa));
	a->mname = ldns_rdf_clone(ldns_rr_rdf(soa, 0));
	if (a->zone == NULL || a->mname == NULL)
		return ACMEUP_ENOMEM;
	ldns_dname2canonical(a->zone);
	return 0;
}

/* The zone of a name without CNAME: the SOA in the reply, else asked of
 * the same server (a positive TXT answer carries none). */
static int
final_zone(const struct dns_addr *srv, const struct tsig_key *qkey,
           const ldns_pkt *r, const ldns_rdf *name, struct answer *a)
{
	const ldns_rr *soa = find_soa(r, name);
	ldns_pkt *s = NULL;
	char *text;
	int rc;

	if (soa != NULL)
		return set_final(a, soa);
	rc = dns_query(srv, name, LDNS_RR_TYPE_SOA, 0, qkey,
	               DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, &s);
	if (rc < 0)
		return rc;
	soa = ldns_pkt_aa(s) ? find_soa(s, name) : NULL;
	if (soa != NULL) {
		rc = set_final(a, soa);
	} else {
		text = dns_name_text(name);
		rc = acmeup_fail(ACMEUP_EDNS, "%s answered SOA %s without the "
		                 "zone's SOA: cannot tell which zone holds it",
		                 srv->text, text ? text : "?");
		free(text);
	}
	ldns_pkt_free(s);
	return rc;
}

/* Glue for ns from the additional section, else its addresses from the
 * resolver. */
static int
referral_addrs(const struct dns_ctx *ctx, const ldns_pkt *r,
               const ldns_rdf *ns, struct dns_addr *list, size_t *n)
{
	const ldns_rr_list *add = ldns_pkt_additional(r);
	struct dns_addr a, *res = NULL;
	size_t i, before = *n, nres = 0;
	int rc;

	for (i = 0; i < ldns_rr_list_rr_count(add); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(add, i);

		if (ldns_dname_compare(ldns_rr_owner(rr), ns) == 0 &&
		    ldns_rr_rd_count(rr) == 1 &&
		    dns_addr_from_rdf(ldns_rr_rdf(rr, 0), DNS_PORT, &a) == 0)
			dns_addr_add(list, n, DNS_MAX_SERVERS, &a);
	}
	if (*n > before)
		return 0;
	rc = dns_resolve_host(&ctx->resolver, ns, DNS_PORT, &res, &nres);
	for (i = 0; rc == 0 && i < nres; i++)
		dns_addr_add(list, n, DNS_MAX_SERVERS, &res[i]);
	free(res);
	return rc == ACMEUP_EINTR ? rc : 0;
}

/* A referral (RFC 1034 4.3.2): no AA, NS for a zone between the one asked
 * and name. 1 it is one (a filled), 0 not, < 0 error. */
static int
referral(const struct dns_ctx *ctx, const ldns_pkt *r, const ldns_rdf *name,
         const ldns_rdf *asked, struct answer *a)
{
	const ldns_rr_list *auth = ldns_pkt_authority(r);
	const ldns_rdf *cut = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS &&
		    dns_at_or_below(name, ldns_rr_owner(rr)) &&
		    ldns_dname_is_subdomain(ldns_rr_owner(rr), asked))
			cut = ldns_rr_owner(rr);
	}
	if (ldns_pkt_aa(r) || cut == NULL)
		return 0;
	a->ns = calloc(DNS_MAX_SERVERS, sizeof(*a->ns));
	a->cut = ldns_rdf_clone(cut);
	if (a->ns == NULL || a->cut == NULL)
		return ACMEUP_ENOMEM;
	ldns_dname2canonical(a->cut);
	for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS &&
		    ldns_rr_rd_count(rr) == 1 &&
		    ldns_dname_compare(ldns_rr_owner(rr), cut) == 0)
			rc = referral_addrs(ctx, r, ldns_rr_rdf(rr, 0), a->ns, &a->nns);
	}
	a->kind = ANS_REFERRAL;
	return rc < 0 ? rc : 1;
}

/* Sort one usable reply about name into *a. */
static int
classify(const struct dns_ctx *ctx, const struct dns_addr *srv,
         const struct tsig_key *qkey, const ldns_pkt *r,
         const ldns_rdf *name, const ldns_rdf *asked, struct answer *a)
{
	const ldns_rr *rr;
	int rc;

	rc = referral(ctx, r, name, asked, a);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rr = find_rr(ldns_pkt_answer(r), name, LDNS_RR_TYPE_DNAME);
	if (rr != NULL) {
		a->kind = ANS_LINK;
		a->link = "DNAME";
		a->next = dns_dname_substitute(name, ldns_rr_owner(rr),
		                               ldns_rr_rdf(rr, 0));
		return a->next != NULL ? 0 : acmeup_fail(ACMEUP_EDNS, "%s: the "
		       "DNAME substitution gives a name too long", srv->text);
	}
	rr = find_rr(ldns_pkt_answer(r), name, LDNS_RR_TYPE_CNAME);
	if (rr != NULL) {
		a->kind = ANS_LINK;
		a->link = "CNAME";
		a->next = ldns_rdf_clone(ldns_rr_rdf(rr, 0));
		if (a->next != NULL)
			ldns_dname2canonical(a->next);
		return a->next != NULL ? 0 : ACMEUP_ENOMEM;
	}
	return final_zone(srv, qkey, r, name, a);
}

/* Ask the servers in turn about name (RD=0) until one answers with
 * authority or a referral. */
static int
ask(const struct dns_ctx *ctx, const struct dns_addr *srv, size_t nsrv,
    const ldns_rdf *asked, const char *zname, const ldns_rdf *name,
    struct answer *a)
{
	const struct tsig_key *qkey = dns_ctx_query_key(ctx, asked);
	char why[600] = "no server to ask", ede[256];
	ldns_pkt *r = NULL;
	unsigned rcode;
	size_t i;
	int rc;

	for (i = 0; i < nsrv; i++) {
		if (dns_ctx_skipped(ctx, asked, &srv[i]))
			continue;
		/* QTYPE CNAME: the server answers the CNAME (or the DNAME and
		 * its synthesized CNAME, RFC 6672 3.1) without chasing it, so
		 * a loop cannot make it fail (RFC 1034 3.6.2). */
		rc = dns_query(&srv[i], name, LDNS_RR_TYPE_CNAME, 0, qkey,
		               DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, &r);
		if (rc == ACMEUP_EINTR)
			return rc;
		if (rc < 0) {
			snprintf(why, sizeof(why), "%s", acmeup_errmsg(rc));
			acmeup_err_clear(); /* kept in why; the next server */
			continue;
		}
		rcode = ldns_pkt_get_rcode(r);
		if (rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN) {
			a->srv = srv[i];
			a->qkey = qkey;
			rc = classify(ctx, &srv[i], qkey, r, name, asked, a);
			ldns_pkt_free(r);
			return rc;
		}
		dns_ede_text(r, ede, sizeof(ede));
		snprintf(why, sizeof(why), "%s answered %s%s", srv[i].text,
		         dns_rcode_name(rcode), ede);
		ldns_pkt_free(r);
		r = NULL;
	}
	return acmeup_fail(ACMEUP_EDNS, "no authoritative server of %s answered "
	                   "about the name: %s", zname, why);
}

/* The authoritative answer about name: start at the deepest zone known
 * above it (else the zone of its parent, from the resolver) and follow
 * referrals. */
static int
locate(struct dns_ctx *ctx, const ldns_rdf *name, struct answer *a)
{
	struct dns_zinfo *zi = dns_ctx_known_above(ctx, name);
	ldns_rdf *apex = NULL, *mname = NULL;
	struct answer cur;
	int rc = 0, hops;

	if (zi == NULL) {
		rc = dns_zone_find(&ctx->resolver, name, &apex, &mname);
		if (rc == 0)
			rc = dns_ctx_zinfo(ctx, apex, mname, &zi);
		ldns_rdf_deep_free(apex);
		ldns_rdf_deep_free(mname);
	}
	if (rc == 0)
		rc = dns_zinfo_servers(ctx, zi);
	if (rc < 0)
		return rc;
	memset(&cur, 0, sizeof(cur));
	rc = ask(ctx, zi->servers, zi->nservers, zi->apex, zi->name, name, &cur);
	for (hops = 0; rc == 0 && cur.kind == ANS_REFERRAL; hops++) {
		struct answer next;
		char *cut = dns_name_text(cur.cut);

		memset(&next, 0, sizeof(next));
		log_debug("dns: referral to %s (%zu addresses)", cut ? cut : "?",
		          cur.nns);
		rc = hops >= DNS_MAX_REFERRALS ? acmeup_fail(ACMEUP_EDNS, "more than "
		     "%d referrals at %s", DNS_MAX_REFERRALS, cut ? cut : "?")
		     : ask(ctx, cur.ns, cur.nns, cur.cut, cut ? cut : "?", name,
		           &next);
		free(cut);
		answer_clear(&cur);
		cur = next;
	}
	if (rc < 0) {
		answer_clear(&cur);
		return rc;
	}
	*a = cur;
	return 0;
}

char *
dns_route_chain_text(const struct dns_route *r)
{
	char buf[2048], *t;
	size_t used = 0, i;
	int n;

	t = dns_name_text(r->challenge);
	n = snprintf(buf, sizeof(buf), "%s", t ? t : "?");
	free(t);
	used = n > 0 ? (size_t)n : 0;
	for (i = 0; i < r->nlinks && used < sizeof(buf); i++) {
		t = dns_name_text(r->links[i]);
		n = snprintf(buf + used, sizeof(buf) - used, " %s %s",
		             strcmp(r->kinds[i], "alias") == 0 ? "--challenge-alias"
		             : r->kinds[i], t ? t : "?");
		free(t);
		used += n > 0 ? (size_t)n : 0;
	}
	return strdup(buf);
}

/* 1 when srv answers name with a CNAME to target (AA), else 0. */
static int
same_cname(const struct dns_addr *srv, const struct tsig_key *qkey,
           const ldns_rdf *name, const ldns_rdf *target)
{
	const ldns_rr *rr;
	ldns_pkt *r = NULL;
	int rc;

	rc = dns_query(srv, name, LDNS_RR_TYPE_CNAME, 0, qkey,
	               DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, &r);
	if (rc < 0)
		return rc;
	rr = ldns_pkt_aa(r) ? find_rr(ldns_pkt_answer(r), name,
	                              LDNS_RR_TYPE_CNAME) : NULL;
	rc = rr != NULL && ldns_dname_compare(ldns_rr_rdf(rr, 0), target) == 0;
	ldns_pkt_free(r);
	return rc;
}

/* RFC 4592: a CNAME that a wildcard synthesizes for name is synthesized
 * for a made-up sibling too. 1 (and *encloser, the closest encloser, new)
 * when so, 0 when not, < 0 on errors. */
static int
wildcard_cname(const struct answer *a, const ldns_rdf *name,
               ldns_rdf **encloser)
{
	char label[32];
	ldns_rdf *parent = ldns_dname_left_chop(name), *lab, *sib = NULL, *up;
	int rc = ACMEUP_ENOMEM;

	snprintf(label, sizeof(label), "_acmeup-probe-%04x", dns_random_id());
	lab = ldns_dname_new_frm_str(label);
	if (parent != NULL && lab != NULL)
		sib = ldns_dname_cat_clone(lab, parent);
	if (sib != NULL)
		rc = same_cname(&a->srv, a->qkey, sib, a->next);
	/* The closest encloser: the first ancestor that is not synthesized. */
	while (rc == 1 && ldns_dname_label_count(parent) > 1 &&
	       same_cname(&a->srv, a->qkey, parent, a->next) == 1) {
		up = ldns_dname_left_chop(parent);
		if (up == NULL)
			break;
		ldns_rdf_deep_free(parent);
		parent = up;
	}
	if (rc == 1) {
		*encloser = parent;
		parent = NULL;
	}
	ldns_rdf_deep_free(parent);
	ldns_rdf_deep_free(lab);
	ldns_rdf_deep_free(sib);
	return rc;
}

static int
wildcard_failure(const struct answer *a, const ldns_rdf *name,
                 const ldns_rdf *encloser)
{
	char *n = dns_name_text(name), *t = dns_name_text(a->next);
	char *e = dns_name_text(encloser), *host = strchr(n ? n : "", '.');
	int rc;

	host = host != NULL ? host + 1 : "?";
	rc = acmeup_fail(ACMEUP_EDNS, "%s is a CNAME to %s only through the "
	                 "wildcard *.%s (answered by %s): acmeup will not write "
	                 "there by itself. A TXT at %s would serve every name "
	                 "under the wildcard, and any record at %s would end "
	                 "the wildcard for %s (RFC 4592 2.2.2). Give %s a "
	                 "record of its own first, or use --challenge-alias "
	                 "%s=%s to write at %s on purpose", n ? n : "?",
	                 t ? t : "?", e ? e : "?", a->srv.text, t ? t : "?",
	                 n ? n : "?", host, host, host, t ? t : "?",
	                 t ? t : "?");
	free(n);
	free(t);
	free(e);
	return rc;
}

/* Take the link in a onto r, refusing loops and long chains. */
static int
add_link(struct dns_route *r, struct answer *a)
{
	char *chain, *next;
	size_t i;
	int loop = ldns_dname_compare(a->next, r->challenge) == 0, rc;

	for (i = 0; i < r->nlinks; i++)
		loop |= ldns_dname_compare(a->next, r->links[i]) == 0;
	if (!loop && r->nlinks < DNS_MAX_LINKS) {
		r->links[r->nlinks] = a->next;
		snprintf(r->kinds[r->nlinks], sizeof(r->kinds[0]), "%s", a->link);
		r->nlinks++;
		a->next = NULL;
		return 0;
	}
	chain = dns_route_chain_text(r);
	next = dns_name_text(a->next);
	if (loop)
		rc = acmeup_fail(ACMEUP_EDNS, "CNAME loop: %s %s %s (answered by "
		                 "%s): the chain never reaches a name that can hold "
		                 "the TXT", chain ? chain : "?", a->link,
		                 next ? next : "?", a->srv.text);
	else
		rc = acmeup_fail(ACMEUP_EDNS, "more than %d CNAME/DNAME links: %s "
		                 "%s %s ...", DNS_MAX_LINKS, chain ? chain : "?",
		                 a->link, next ? next : "?");
	free(chain);
	free(next);
	return rc;
}

/* Follow the chain from the last name of r until a name holds no CNAME
 * or DNAME; its zone becomes r's. */
static int
follow(struct dns_ctx *ctx, struct dns_route *r)
{
	const ldns_rdf *name;
	ldns_rdf *enc = NULL;
	struct dns_zinfo *zi = NULL;
	struct answer a;
	int rc;

	memset(&a, 0, sizeof(a));
	for (;;) {
		name = r->nlinks > 0 ? r->links[r->nlinks - 1] : r->challenge;
		rc = locate(ctx, name, &a);
		if (rc < 0 || a.kind == ANS_FINAL)
			break;
		rc = strcmp(a.link, "CNAME") == 0 ? wildcard_cname(&a, name, &enc)
		     : 0;
		if (rc == 1)
			rc = wildcard_failure(&a, name, enc);
		if (rc == 0)
			rc = add_link(r, &a);
		answer_clear(&a);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = dns_ctx_zinfo(ctx, a.zone, a.mname, &zi);
	if (rc == 0) {
		r->target = ldns_rdf_clone(name);
		r->zone = zi;
		rc = r->target != NULL ? 0 : ACMEUP_ENOMEM;
	}
	ldns_rdf_deep_free(enc);
	answer_clear(&a);
	return rc;
}

int
dns_route_find(struct dns_ctx *ctx, const ldns_rdf *challenge,
               struct dns_route *route)
{
	const ldns_rdf *alias = dns_ctx_alias(ctx, challenge);
	struct dns_route r;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.challenge = ldns_rdf_clone(challenge);
	if (r.challenge == NULL)
		return ACMEUP_ENOMEM;
	ldns_dname2canonical(r.challenge);
	if (alias != NULL) {
		r.links[0] = ldns_rdf_clone(alias);
		snprintf(r.kinds[0], sizeof(r.kinds[0]), "alias");
		r.nlinks = 1;
		rc = r.links[0] == NULL ? ACMEUP_ENOMEM : 0;
	}
	if (rc == 0)
		rc = follow(ctx, &r);
	if (rc < 0) {
		dns_route_clear(&r);
		return rc;
	}
	*route = r;
	return 0;
}
