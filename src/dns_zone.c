/* Zone cut and primary discovery (RFC 1034 4.3.2, RFC 2136 4: the UPDATE
 * goes to the zone's primary), and the zone's authoritative servers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/log.h"
#include "dns_internal.h"

#define DNS_MAX_SERVERS 64

/* name equals apex or lies below it */
static int
at_or_below(const ldns_rdf *name, const ldns_rdf *apex)
{
	return ldns_dname_compare(name, apex) == 0 ||
	       ldns_dname_is_subdomain(name, apex);
}

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
		    at_or_below(qname, ldns_rr_owner(rr)))
			return rr;
	}
	return NULL;
}

/* One step of the walk. The SOA of qname in the answer makes qname the
 * apex; in a NODATA/NXDOMAIN reply the authority SOA's owner is the zone
 * (RFC 2308 3). A CNAME at qname says nothing of qname's own zone: go up.
 * 1 found (*zone, *mname new), 0 go up, < 0 error. */
static int
soa_step(const struct dns_addr *resolver, const ldns_pkt *r,
         const ldns_rdf *qname, const char *qtext, ldns_rdf **zone,
         ldns_rdf **mname)
{
	unsigned rcode = ldns_pkt_get_rcode(r);
	const ldns_rr *soa;

	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
		return acmeup_fail(ACMEUP_EDNS, "resolver %s answered %s to SOA %s "
		                   "while looking for the zone", resolver->text,
		                   dns_rcode_name(rcode), qtext);
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
		rc = dns_query(resolver, name, LDNS_RR_TYPE_SOA, 1,
		               DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, &r);
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
		                 "returned no SOA for any parent name",
		                 text ? text : "?", resolver->text);
		free(text);
	}
	return rc < 0 ? rc : 0;
}

/* Append the A/AAAA rdata as an address with port unless already there. */
static void
add_addr(const ldns_rdf *rd, uint16_t port, struct dns_addr *list, size_t *n,
         size_t max)
{
	struct dns_addr a;
	size_t i;

	memset(&a, 0, sizeof(a));
	if (ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_A && ldns_rdf_size(rd) == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a.sa;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, ldns_rdf_data(rd), 4);
		a.salen = sizeof(*s4);
	} else if (ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_AAAA &&
	           ldns_rdf_size(rd) == 16) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ldns_rdf_data(rd), 16);
		a.salen = sizeof(*s6);
	} else {
		return;
	}
	dns_addr_set_text(&a);
	for (i = 0; i < *n; i++)
		if (dns_addr_equal(&list[i], &a))
			return;
	if (*n < max)
		list[(*n)++] = a;
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
	unsigned rcode;
	size_t i;
	int rc;

	rc = dns_query(resolver, name, type, 1, DNS_QUERY_TIMEOUT_MS,
	               DNS_QUERY_TRIES, &r);
	if (rc < 0)
		return rc;
	rcode = ldns_pkt_get_rcode(r);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		char *text = dns_name_text(name);

		rc = acmeup_fail(ACMEUP_EDNS, "resolver %s answered %s to %s %s",
		                 resolver->text, dns_rcode_name(rcode),
		                 type == LDNS_RR_TYPE_A ? "A" : "AAAA",
		                 text ? text : "?");
		free(text);
	}
	ans = ldns_pkt_answer(r);
	for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (ldns_rr_get_type(rr) == type && ldns_rr_rd_count(rr) == 1)
			add_addr(ldns_rr_rdf(rr, 0), port, list, n, DNS_MAX_ADDRS);
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
	rc6 = resolve_type(resolver, name, LDNS_RR_TYPE_AAAA, port, list, &cnt);
	/* One family failing is fine when the other gave addresses. */
	if (cnt == 0 && (rc4 < 0 || rc6 < 0)) {
		free(list);
		return rc4 < 0 ? rc4 : rc6;
	}
	*out = list;
	*n = cnt;
	return 0;
}

/* update_server "HOST[:PORT]": an address literal, else a name looked up
 * via the resolver. */
static int
update_server_addrs(const struct dns_addr *resolver, const char *spec,
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
dns_primary_find(const struct dns_addr *resolver, const char *update_server,
                 const ldns_rdf *mname, const char *zone,
                 struct dns_addr **out, size_t *n)
{
	struct dns_addr *list = NULL;
	size_t cnt = 0;
	char *text;
	int rc;

	if (update_server != NULL && update_server[0] != '\0')
		return update_server_addrs(resolver, update_server, out, n);
	rc = dns_resolve_host(resolver, mname, DNS_PORT, &list, &cnt);
	if (rc == 0 && cnt == 0) {
		free(list);
		text = dns_name_text(mname);
		rc = acmeup_fail(ACMEUP_EDNS, "zone %s: primary %s (SOA MNAME) has "
		                 "no A or AAAA address at resolver %s; set the "
		                 "update server", zone, text ? text : "?",
		                 resolver->text);
		free(text);
	}
	if (rc < 0)
		return rc;
	*out = list;
	*n = cnt;
	return 0;
}

/* The NS names of z from its primary directly (RD=0, authoritative). */
static int
zone_ns(const struct dns_zone *z, ldns_pkt **out)
{
	ldns_pkt *r = NULL;
	unsigned rcode;
	int rc, aa;

	rc = dns_query(&z->primary, z->apex, LDNS_RR_TYPE_NS, 0,
	               DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, &r);
	if (rc < 0)
		return rc;
	rcode = ldns_pkt_get_rcode(r);
	aa = ldns_pkt_aa(r);
	if (rcode != LDNS_RCODE_NOERROR || !aa) {
		ldns_pkt_free(r);
		return acmeup_fail(ACMEUP_EDNS, "primary %s answered %s%s to NS %s "
		                   "(is it authoritative for the zone?)",
		                   z->primary.text, dns_rcode_name(rcode),
		                   aa ? "" : " without AA", z->name);
	}
	*out = r;
	return 0;
}

static void
merge_addrs(struct dns_addr *list, size_t *n, const struct dns_addr *add,
            size_t nadd)
{
	size_t i, j;

	for (i = 0; i < nadd; i++) {
		for (j = 0; j < *n && !dns_addr_equal(&list[j], &add[i]); j++)
			;
		if (j == *n && *n < DNS_MAX_SERVERS)
			list[(*n)++] = add[i];
	}
}

int
dns_zone_servers(const struct dns_addr *resolver, const struct dns_zone *z,
                 struct dns_addr **out, size_t *n)
{
	struct dns_addr *list = calloc(DNS_MAX_SERVERS, sizeof(*list)), *a;
	const ldns_rr_list *ans;
	ldns_pkt *r = NULL;
	size_t cnt = 0, na, i;
	int rc = ACMEUP_ENOMEM;

	if (list == NULL)
		goto out;
	merge_addrs(list, &cnt, &z->primary, 1);
	merge_addrs(list, &cnt, z->primaries, z->nprimaries);
	rc = zone_ns(z, &r);
	ans = rc == 0 ? ldns_pkt_answer(r) : NULL;
	for (i = 0; rc == 0 && i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		char *ns;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
		    ldns_rr_rd_count(rr) != 1 ||
		    ldns_dname_compare(ldns_rr_owner(rr), z->apex) != 0)
			continue;
		a = NULL;
		na = 0;
		rc = dns_resolve_host(resolver, ldns_rr_rdf(rr, 0), DNS_PORT, &a,
		                      &na);
		merge_addrs(list, &cnt, a, na);
		free(a);
		if (rc == 0 && na > 0)
			continue;
		/* The CA cannot ask an NS without address either: not fatal. */
		ns = dns_name_text(ldns_rr_rdf(rr, 0));
		log_warn("dns: %s: NS %s has no address at resolver %s (%s); not "
		         "checked", z->name, ns ? ns : "?", resolver->text,
		         rc < 0 ? acmeup_errmsg(rc) : "no A or AAAA");
		free(ns);
		rc = 0;
	}
	if (rc < 0)
		goto out;
	*out = list;
	*n = cnt;
	list = NULL;
out:
	ldns_pkt_free(r);
	free(list);
	return rc;
}
