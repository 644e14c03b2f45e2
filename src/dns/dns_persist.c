/* dns-persist-01 lookups: the TXT values standing at an owner (after
 * aliases and the CNAME/DNAME chain), as the zone's authoritative servers
 * serve them (RD=0, AA), for the engine's choice of challenge, `acmeup
 * persist` and dns-check. */
#include <stdlib.h>
#include <string.h>

#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/name.h"
#include "dns_internal.h"

#define SERVED_MAX 32    /* TXT RRs taken from one RRset */
#define SERVED_LEN 2048  /* octets of one RR's strings joined */

void
dns_served_clear(struct dns_served *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->values[i]);
	free(s->values);
	free(s->target);
	free(s->chain);
	memset(s, 0, sizeof(*s));
}

/* rr's character-strings joined, at most SERVED_LEN; NULL when longer. */
static char *
txt_joined(const ldns_rr *rr)
{
	size_t j, used = 0, slen;
	char *v = malloc(SERVED_LEN + 1);

	if (v == NULL)
		return NULL;
	for (j = 0; j < ldns_rr_rd_count(rr); j++) {
		const ldns_rdf *rd = ldns_rr_rdf(rr, j);
		const uint8_t *d = ldns_rdf_data(rd);

		slen = ldns_rdf_size(rd) > 0 ? d[0] : 0;
		if (slen + 1 > ldns_rdf_size(rd) || used + slen > SERVED_LEN) {
			free(v);
			return NULL;
		}
		memcpy(v + used, d + 1, slen);
		used += slen;
	}
	v[used] = '\0';
	if (strlen(v) != used) { /* a NUL inside: not ours */
		free(v);
		return NULL;
	}
	return v;
}

/* The TXT RRs at owner in reply's answer into s. */
static int
take_txt(const ldns_pkt *reply, const ldns_rdf *owner, struct dns_served *s)
{
	const ldns_rr_list *ans = ldns_pkt_answer(reply);
	size_t i, cnt = ldns_rr_list_rr_count(ans);
	char *v;

	s->values = calloc(cnt > 0 ? cnt : 1, sizeof(*s->values));
	if (s->values == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; i < cnt && s->n < SERVED_MAX; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT ||
		    ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		v = txt_joined(rr);
		if (v != NULL)
			s->values[s->n++] = v;
	}
	return 0;
}

/* Ask the zone's servers in turn; the first authoritative answer counts. */
static int
ask_servers(struct dns_ctx *ctx, const struct dns_route *r,
            struct dns_served *s)
{
	const struct tsig_key *qkey = dns_ctx_query_key(ctx, r->zone->apex);
	ldns_pkt *reply = NULL;
	size_t i;
	int rc = 0;

	rc = dns_zinfo_servers(ctx, r->zone);
	for (i = 0; rc == 0 && i < r->zone->nservers; i++) {
		rc = dns_query(&r->zone->servers[i], r->target, LDNS_RR_TYPE_TXT,
		    0, qkey, DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, &reply);
		if (rc == ACMEUP_EINTR)
			break;
		if (rc == 0 && ldns_pkt_aa(reply) &&
		    (ldns_pkt_get_rcode(reply) == LDNS_RCODE_NOERROR ||
		    ldns_pkt_get_rcode(reply) == LDNS_RCODE_NXDOMAIN)) {
			rc = take_txt(reply, r->target, s);
			ldns_pkt_free(reply);
			return rc;
		}
		ldns_pkt_free(reply);
		reply = NULL;
		acmeup_err_clear();
		rc = 0;
	}
	if (rc == 0)
		rc = acmeup_fail(ACMEUP_EDNS, "zone %s: no authoritative server "
		    "answered TXT at %s", r->zone->name, s->target);
	return rc;
}

int
dns_txt_served(struct dns_ctx *ctx, const char *owner, struct dns_served *out)
{
	struct dns_served s = { 0 };
	struct dns_route route = { 0 };
	ldns_rdf *name = dns_name_new(owner);
	int rc;

	if (name == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "'%s' is not a DNS name", owner);
	rc = dns_route_find(ctx, name, &route);
	if (rc == 0) {
		s.target = dns_name_text(route.target);
		s.chain = route.nlinks > 0 ? dns_route_chain_text(&route) : NULL;
		rc = s.target == NULL ? ACMEUP_ENOMEM : 0;
	}
	if (rc == 0)
		rc = ask_servers(ctx, &route, &s);
	if (rc == 0) {
		*out = s;
		memset(&s, 0, sizeof(s));
	}
	dns_route_clear(&route);
	ldns_rdf_deep_free(name);
	dns_served_clear(&s);
	return rc;
}
