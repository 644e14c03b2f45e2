/* Zone cut and primary discovery (RFC 1034 4.3.2, RFC 2136 4: the UPDATE
 * goes to the zone's primary). The zone's other servers: dns_servers.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/log.h"
#include "dns_internal.h"

static int
has_rr(const ldns_rr_list *list, const ldns_rdf *owner, ldns_rr_type type)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);

		if (ldns_rr_get_type(rr) == type &&
		    ldns_dname_compare(ldns_rr_owner(rr), owner) == 0)
			return 1;
	}
	return 0;
}

/* The SOA in list whose owner is qname or above it, or NULL. */
static const ldns_rr *
soa_covering(const ldns_rr_list *list, const ldns_rdf *qname)
{
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		    ldns_rr_rd_count(rr) >= 1 &&
		    dns_at_or_below(qname, ldns_rr_owner(rr)))
			return rr;
	}
	return NULL;
}

/* One step of the walk. The SOA of qname in the answer makes qname the
 * apex; in a NODATA/NXDOMAIN reply the authority SOA's owner is the zone
 * (RFC 2308 3). A CNAME or DNAME at qname says nothing of qname's own
 * zone: go up. 1 found (*zone, *mname new), 0 go up, < 0 error. */
static int
soa_step(const struct dns_addr *resolver, const ldns_pkt *r,
         const ldns_rdf *qname, const char *qtext, ldns_rdf **zone,
         ldns_rdf **mname)
{
	unsigned rcode = ldns_pkt_get_rcode(r);
	const ldns_rr *soa;
	char ede[256];

	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		dns_ede_text(r, ede, sizeof(ede));
		return acmeup_fail(ACMEUP_EDNS, "resolver %s answered %s%s to SOA "
		                   "%s while looking for the zone", resolver->text,
		                   dns_rcode_name(rcode), ede, qtext);
	}
	if (has_rr(ldns_pkt_answer(r), qname, LDNS_RR_TYPE_CNAME))
		return 0;
	soa = soa_covering(ldns_pkt_answer(r), qname);
	if (soa == NULL)
		soa = soa_covering(ldns_pkt_authority(r), qname);
	if (soa == NULL)
		return 0;
	*zone = ldns_rdf_clone(ldns_rr_owner(soa));
	*mname = ldns_rdf_clone(ldns_rr_rdf(soa, 0));
	if (*zone == NULL || *mname == NULL) {
		ldns_rdf_deep_free(*zone);
		ldns_rdf_deep_free(*mname);
		return ACMEUP_ENOMEM;
	}
	ldns_dname2canonical(*zone);
	return 1;
}

int
dns_zone_find(const struct dns_addr *resolver, const ldns_rdf *owner,
              ldns_rdf **zone, ldns_rdf **mname)
{
	ldns_rdf *name = ldns_dname_left_chop(owner), *next;
	ldns_pkt *r = NULL;
	char *text = NULL;
	int rc = 0;

	while (rc == 0 && name != NULL) {
		free(text);
		text = dns_name_text(name);
		if (text == NULL) {
			rc = ACMEUP_ENOMEM;
			break;
		}
		rc = dns_resolver_query(resolver, name, LDNS_RR_TYPE_SOA, &r);
		if (rc < 0)
			break;
		rc = soa_step(resolver, r, name, text, zone, mname);
		ldns_pkt_free(r);
		r = NULL;
		next = rc == 0 ? ldns_dname_left_chop(name) : NULL;
		ldns_rdf_deep_free(name);
		name = next;
	}
	ldns_rdf_deep_free(name);
	free(text);
	if (rc == 0) {
		text = dns_name_text(owner);
		rc = acmeup_fail(ACMEUP_EDNS, "no zone found for %s: resolver %s "
		                 "returned no SOA for any parent name (is the zone "
		                 "delegated, and does the resolver see it?)",
		                 text ? text : "?", resolver->text);
		free(text);
	}
	return rc < 0 ? rc : 0;
}

/* Addresses of type (A or AAAA) from the resolver's answer, which may
 * follow a CNAME chain. */
static int
resolve_type(const struct dns_addr *resolver, const ldns_rdf *name,
             ldns_rr_type type, uint16_t port, struct dns_addr *list,
             size_t *n)
{
	ldns_pkt *r = NULL;
	const ldns_rr_list *ans;
	struct dns_addr a;
	unsigned rcode;
	size_t i;
	int rc;

	rc = dns_resolver_query(resolver, name, type, &r);
	if (rc < 0)
		return rc;
	rcode = ldns_pkt_get_rcode(r);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		char *text = dns_name_text(name);

		rc = acmeup_fail(ACMEUP_EDNS, "resolver %s answered %s to %s %s",
		                 resolver->text, dns_rcode_name(rcode),
		                 dns_type_name(type), text ? text : "?");
		free(text);
	}
	ans = ldns_pkt_answer(r);
	for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (ldns_rr_get_type(rr) == type && ldns_rr_rd_count(rr) == 1 &&
		    dns_addr_from_rdf(ldns_rr_rdf(rr, 0), port, &a) == 0)
			dns_addr_add(list, n, DNS_MAX_ADDRS, &a);
	}
	ldns_pkt_free(r);
	return rc;
}

int
dns_resolve_host(const struct dns_addr *resolver, const ldns_rdf *name,
                 uint16_t port, struct dns_addr **out, size_t *n)
{
	struct dns_addr *list = calloc(DNS_MAX_ADDRS, sizeof(*list));
	size_t cnt = 0;
	int rc4, rc6;

	if (list == NULL)
		return ACMEUP_ENOMEM;
	rc4 = resolve_type(resolver, name, LDNS_RR_TYPE_A, port, list, &cnt);
	if (rc4 == ACMEUP_EINTR) {
		free(list);
		return rc4;
	}
	rc6 = resolve_type(resolver, name, LDNS_RR_TYPE_AAAA, port, list, &cnt);
	/* One family failing is fine when the other gave addresses. */
	if (rc6 == ACMEUP_EINTR || (cnt == 0 && (rc4 < 0 || rc6 < 0))) {
		free(list);
		return rc6 == ACMEUP_EINTR || rc4 == 0 ? rc6 : rc4;
	}
	*out = list;
	*n = cnt;
	return 0;
}

/* server "HOST[:PORT]": an address literal, else a name looked up via the
 * resolver. */
static int
server_addrs(const struct dns_addr *resolver, const char *spec,
             struct dns_addr **out, size_t *n)
{
	struct dns_addr a, *list = NULL;
	char host[256];
	uint16_t port = 0;
	ldns_rdf *name = NULL;
	size_t cnt = 0;
	int rc;

	if (dns_addr_parse(spec, DNS_PORT, &a) == 0) {
		list = malloc(sizeof(*list));
		if (list == NULL)
			return ACMEUP_ENOMEM;
		*list = a;
		*out = list;
		*n = 1;
		return 0;
	}
	if (dns_hostport_split(spec, host, sizeof(host), &port) == 0)
		name = ldns_dname_new_frm_str(host);
	if (name == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "update server \"%s\" is not "
		                   "HOST[:PORT]", spec);
	rc = dns_resolve_host(resolver, name, port ? port : DNS_PORT, &list,
	                      &cnt);
	ldns_rdf_deep_free(name);
	if (rc == 0 && cnt == 0) {
		free(list);
		rc = acmeup_fail(ACMEUP_EDNS, "update server %s has no A or AAAA "
		                 "address at resolver %s", host, resolver->text);
	}
	if (rc < 0)
		return rc;
	*out = list;
	*n = cnt;
	return 0;
}

int
dns_primary_find(const struct dns_addr *resolver, const char *server,
                 const ldns_rdf *mname, struct dns_addr **out, size_t *n)
{
	struct dns_addr *list = NULL;
	size_t cnt = 0;
	int rc;

	if (server != NULL && server[0] != '\0')
		return server_addrs(resolver, server, out, n);
	rc = dns_resolve_host(resolver, mname, DNS_PORT, &list, &cnt);
	if (rc == ACMEUP_EINTR)
		return rc;
	if (rc < 0) {
		/* A hidden primary without an address: the caller says what to
		 * do when an UPDATE has to go there. */
		log_debug("dns: SOA MNAME without address: %s", acmeup_errmsg(rc));
		acmeup_err_clear();
		list = NULL;
		cnt = 0;
	}
	*out = list;
	*n = cnt;
	return 0;
}
