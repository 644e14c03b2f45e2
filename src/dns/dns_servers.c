/* The zone's authoritative servers: its primaries and the addresses of
 * its NS set, where the propagation wait and dns-check look. */
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/log.h"
#include "dns_internal.h"

/* The NS RRset of zi: from a primary directly (RD=0, AA), else from the
 * resolver. */
static int
zone_ns(const struct dns_ctx *ctx, const struct dns_zinfo *zi, ldns_pkt **out)
{
	const struct tsig_key *qkey = dns_ctx_query_key(ctx, zi->apex);
	ldns_pkt *r = NULL;
	size_t i;
	int rc;

	for (i = 0; i < zi->nprimaries; i++) {
		rc = dns_query(&zi->primaries[i], zi->apex, LDNS_RR_TYPE_NS, 0, qkey,
		               DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, &r);
		if (rc == ACMEUP_EINTR)
			return rc;
		if (rc == 0 && ldns_pkt_get_rcode(r) == LDNS_RCODE_NOERROR &&
		    ldns_pkt_aa(r)) {
			*out = r;
			return 0;
		}
		log_debug("dns: %s: primary %s gave no NS set: %s", zi->name,
		          zi->primaries[i].text, rc < 0 ? acmeup_errmsg(rc)
		          : dns_rcode_name(ldns_pkt_get_rcode(r)));
		acmeup_err_clear(); /* on with the next primary */
		ldns_pkt_free(r);
		r = NULL;
	}
	rc = dns_resolver_query(&ctx->resolver, zi->apex, LDNS_RR_TYPE_NS, &r);
	if (rc == 0 && ldns_pkt_get_rcode(r) != LDNS_RCODE_NOERROR) {
		rc = acmeup_fail(ACMEUP_EDNS, "zone %s: resolver %s answered %s to "
		                 "NS %s", zi->name, ctx->resolver.text,
		                 dns_rcode_name(ldns_pkt_get_rcode(r)), zi->name);
		ldns_pkt_free(r);
	}
	if (rc == 0)
		*out = r;
	return rc;
}

/* Addresses of one NS name into list; an NS without address is logged. */
static int
ns_addrs(const struct dns_ctx *ctx, const struct dns_zinfo *zi,
         const ldns_rdf *ns, struct dns_addr *list, size_t *n)
{
	struct dns_addr *a = NULL;
	size_t na = 0, i;
	char *text;
	int rc;

	rc = dns_resolve_host(&ctx->resolver, ns, DNS_PORT, &a, &na);
	if (rc == ACMEUP_EINTR)
		return rc;
	for (i = 0; i < na; i++)
		dns_addr_add(list, n, DNS_MAX_SERVERS, &a[i]);
	free(a);
	if (rc == 0 && na > 0)
		return 0;
	/* The CA cannot ask an NS without address either: not fatal. */
	text = dns_name_text(ns);
	log_warn("dns: %s: NS %s has no address at resolver %s (%s); not "
	         "checked", zi->name, text ? text : "?", ctx->resolver.text,
	         rc < 0 ? acmeup_errmsg(rc) : "no A or AAAA");
	acmeup_err_clear();
	free(text);
	return 0;
}

int
dns_zinfo_servers(const struct dns_ctx *ctx, struct dns_zinfo *zi)
{
	struct dns_addr *list = NULL;
	const ldns_rr_list *ans;
	ldns_pkt *r = NULL;
	size_t cnt = 0, i;
	int rc;

	if (zi->servers != NULL)
		return 0;
	list = calloc(DNS_MAX_SERVERS, sizeof(*list));
	if (list == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < zi->nprimaries; i++)
		dns_addr_add(list, &cnt, DNS_MAX_SERVERS, &zi->primaries[i]);
	rc = zone_ns(ctx, zi, &r);
	ans = rc == 0 ? ldns_pkt_answer(r) : NULL;
	for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
		    ldns_rr_rd_count(rr) != 1 ||
		    ldns_dname_compare(ldns_rr_owner(rr), zi->apex) != 0)
			continue;
		/* The MNAME's addresses are the primaries already. */
		if (zi->nprimaries > 0 && zi->mname != NULL && strncmp(zi->from,
		    "SOA MNAME", 9) == 0 &&
		    ldns_dname_compare(ldns_rr_rdf(rr, 0), zi->mname) == 0)
			continue;
		rc = ns_addrs(ctx, zi, ldns_rr_rdf(rr, 0), list, &cnt);
	}
	ldns_pkt_free(r);
	if (rc == 0 && cnt == 0)
		rc = acmeup_fail(ACMEUP_EDNS, "zone %s: no authoritative server "
		                 "with an address", zi->name);
	if (rc < 0) {
		free(list);
		return rc;
	}
	zi->servers = list;
	zi->nservers = cnt;
	return 0;
}
