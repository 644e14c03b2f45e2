/* dns_txt_add / dns_txt_remove: each record routed to its zone, one UPDATE
 * per zone (RFC 2136), the journal written before anything is sent, and
 * the set that remembers what was added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/journal.h"
#include "acmeup/log.h"
#include "acmeup/name.h"
#include "dns_internal.h"
#include "tsig.h"

#define MAX_RECORDS 1000

/* Accepts NULL and a zeroed record. */
void
dns_rec_clear(struct dns_rec *r)
{
	if (r == NULL)
		return;
	ldns_rdf_deep_free(r->owner);
	free(r->owner_text);
	free(r->value);
	free(r->challenge);
	free(r->via);
	memset(r, 0, sizeof(*r));
}

void
dns_zone_clear(struct dns_zone *z)
{
	size_t i;

	for (i = 0; i < z->nrecs; i++)
		dns_rec_clear(&z->recs[i]);
	free(z->recs);
	ldns_rdf_deep_free(z->apex);
	free(z->name);
	free(z->primaries);
	free(z->srv);
	free(z->mname);
	ldns_rr_list_deep_free(z->dnskeys);
	memset(z, 0, sizeof(*z));
}

void
dns_set_free(struct dns_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nzones; i++)
		dns_zone_clear(&set->zones[i]);
	free(set->zones);
	free(set);
}

int
dns_zone_take_rec(struct dns_zone *z, struct dns_rec *rec)
{
	struct dns_rec *grown;
	size_t i;

	for (i = 0; i < z->nrecs; i++) {
		if (ldns_dname_compare(z->recs[i].owner, rec->owner) == 0 &&
		    strcmp(z->recs[i].value, rec->value) == 0) {
			dns_rec_clear(rec);
			return 0;
		}
	}
	grown = realloc(z->recs, (z->nrecs + 1) * sizeof(*grown));
	if (grown == NULL) {
		dns_rec_clear(rec);
		return ACMEUP_ENOMEM;
	}
	z->recs = grown;
	z->recs[z->nrecs++] = *rec;
	memset(rec, 0, sizeof(*rec));
	return 0;
}

/* Checked copy of t: a name with a parent, a TXT string of <= 255 octets
 * (RFC 1035 3.3.14; dns-01 values are 43). owner is the challenge name
 * until the route says where it goes. *out is zeroed first, so that a
 * failure leaves it safe to clear. */
static int
rec_init(const struct dns_txt *t, struct dns_rec *out)
{
	struct dns_rec r;
	char shown[100];

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	name_printable(t->owner != NULL ? t->owner : "(null)", shown,
	               sizeof(shown));
	if (t->owner == NULL || t->value == NULL || t->value[0] == '\0' ||
	    strlen(t->value) > 255)
		return acmeup_fail(ACMEUP_EINVAL, "TXT record for %s: missing owner "
		                   "or value, or value longer than 255 octets",
		                   shown);
	r.owner = dns_name_new(t->owner);
	if (r.owner == NULL || ldns_dname_label_count(r.owner) < 2) {
		dns_rec_clear(&r);
		return acmeup_fail(ACMEUP_EINVAL, "\"%s\" is not a DNS name below "
		                   "a zone", shown);
	}
	r.challenge = dns_name_text(r.owner);
	r.value = strdup(t->value);
	if (r.challenge == NULL || r.value == NULL) {
		dns_rec_clear(&r);
		return ACMEUP_ENOMEM;
	}
	*out = r;
	return 0;
}

/* The set's zone for zi, made from it when new. */
static int
zone_get(struct dns_set *set, const struct dns_zinfo *zi,
         struct dns_zone **out)
{
	struct dns_zone z, *grown;
	size_t i;

	for (i = 0; i < set->nzones; i++) {
		if (ldns_dname_compare(set->zones[i].apex, zi->apex) == 0) {
			*out = &set->zones[i];
			return 0;
		}
	}
	memset(&z, 0, sizeof(z));
	z.apex = ldns_rdf_clone(zi->apex);
	z.name = strdup(zi->name);
	z.primaries = zi->nprimaries ? calloc(zi->nprimaries,
	                                      sizeof(*z.primaries)) : NULL;
	grown = realloc(set->zones, (set->nzones + 1) * sizeof(*grown));
	if (grown != NULL)
		set->zones = grown;
	if (z.apex == NULL || z.name == NULL || grown == NULL ||
	    (zi->nprimaries > 0 && z.primaries == NULL)) {
		dns_zone_clear(&z);
		return ACMEUP_ENOMEM;
	}
	if (zi->nprimaries > 0)
		memcpy(z.primaries, zi->primaries,
		       zi->nprimaries * sizeof(*z.primaries));
	z.nprimaries = zi->nprimaries;
	snprintf(z.from, sizeof(z.from), "%s", zi->from);
	z.key = zi->key;
	z.key_file = zi->key_file;
	z.use_gss = zi->use_gss;
	z.gss = zi->gss;
	if (zi->use_gss)
		z.key_name = zi->gss.principal != NULL ? zi->gss.principal : "-";
	if (zi->use_gss && zi->mname != NULL &&
	    (z.mname = dns_name_text(zi->mname)) == NULL) {
		dns_zone_clear(&z);
		return ACMEUP_ENOMEM;
	}
	set->zones[set->nzones] = z;
	*out = &set->zones[set->nzones++];
	return 0;
}

/* A record already routed for the same challenge name (wildcard + apex
 * share one), or NULL. */
static struct dns_zone *
routed_before(struct dns_set *set, const struct dns_rec *rec,
              const struct dns_rec **prev)
{
	size_t i, j;

	for (i = 0; i < set->nzones; i++) {
		for (j = 0; j < set->zones[i].nrecs; j++) {
			if (strcmp(set->zones[i].recs[j].challenge, rec->challenge) == 0) {
				*prev = &set->zones[i].recs[j];
				return &set->zones[i];
			}
		}
	}
	return NULL;
}

/* rec's owner becomes the route's target; its zone comes from the route. */
static int
apply_route(struct dns_set *set, struct dns_rec *rec, struct dns_zone **z)
{
	struct dns_route route;
	const struct dns_rec *prev = NULL;
	char *chain;
	int rc;

	*z = routed_before(set, rec, &prev);
	if (*z != NULL) {
		ldns_rdf_deep_free(rec->owner);
		rec->owner = ldns_rdf_clone(prev->owner);
		rec->via = prev->via ? strdup(prev->via) : NULL;
		return rec->owner == NULL ? ACMEUP_ENOMEM : 0;
	}
	rc = dns_route_find(set->ctx, rec->owner, &route);
	if (rc < 0)
		return rc;
	if (route.nlinks > 0) {
		chain = dns_route_chain_text(&route);
		log_stage("dns: %s (zone %s)", chain ? chain : "?", route.zone->name);
		free(chain);
		rec->via = strdup(strcmp(route.kinds[0], "alias") == 0
		                  ? "--challenge-alias" : route.kinds[0]);
	}
	ldns_rdf_deep_free(rec->owner);
	rec->owner = route.target;
	route.target = NULL;
	rc = zone_get(set, route.zone, z);
	dns_route_clear(&route);
	return rc;
}

/* Route each record and file it under its zone. */
static int
group_records(struct dns_set *set, const struct dns_txt *recs, size_t n)
{
	struct dns_rec rec;
	struct dns_zone *z = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		memset(&rec, 0, sizeof(rec));
		rc = rec_init(&recs[i], &rec);
		if (rc == 0)
			rc = apply_route(set, &rec, &z);
		if (rc == 0) {
			rec.owner_text = dns_name_text(rec.owner);
			rc = rec.owner_text == NULL ? ACMEUP_ENOMEM : 0;
		}
		if (rc == 0)
			rc = dns_zone_take_rec(z, &rec);
		else
			dns_rec_clear(&rec);
	}
	return rc;
}

/* The first primary address answering the zone's SOA becomes z->primary;
 * its serial is z->serial_before. */
static int
pick_primary(const struct dns_set *set, struct dns_zone *z)
{
	const struct tsig_key *qkey = dns_ctx_query_key(set->ctx, z->apex);
	char prefix[400];
	size_t i;
	int rc = 0;

	if (z->key == NULL && !z->use_gss)
		return acmeup_fail(ACMEUP_ETSIG, "no TSIG key for zone %s: give "
		                   "--tsig-key, --zone-key %s=FILE, or --gss",
		                   z->name, z->name);
	if (z->nprimaries == 0)
		return acmeup_fail(ACMEUP_EDNS, "zone %s: no address for its "
		                   "primary (%s); give --zone-server %s=HOST[:PORT]",
		                   z->name, z->from, z->name);
	for (i = 0; i < z->nprimaries; i++) {
		rc = dns_soa_serial(&z->primaries[i], z->apex, qkey,
		                    DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES,
		                    &z->serial_before);
		if (rc == 0) {
			z->primary = z->primaries[i];
			log_debug("dns: %s: primary %s (%s), serial %u, key %s",
			          z->name, z->primary.textport, z->from,
			          (unsigned)z->serial_before, dns_zone_signer(z));
			return 0;
		}
		if (rc == ACMEUP_EINTR)
			return rc;
	}
	snprintf(prefix, sizeof(prefix), "zone %s: no primary usable (%s)",
	         z->name, z->from);
	return dns_fail_prefix(rc, prefix);
}

/* The journal's view of the records still (maybe) on the primaries. */
static int
journal_sync(const struct dns_set *set, int all)
{
	struct journal_rec *recs = NULL;
	size_t n = 0, i, k, cap = 0;
	int rc;

	if (set->journal == NULL)
		return 0;
	for (k = 0; k < set->nzones; k++)
		cap += set->zones[k].nrecs;
	recs = calloc(cap ? cap : 1, sizeof(*recs));
	if (recs == NULL)
		return ACMEUP_ENOMEM;
	for (k = 0; k < set->nzones; k++) {
		const struct dns_zone *z = &set->zones[k];

		for (i = 0; (all || z->added) && i < z->nrecs; i++) {
			recs[n].zone = z->name;
			recs[n].server = (char *)z->primary.textport;
			recs[n].key_file = (char *)z->key_file;
			recs[n].key_name = (char *)(z->key != NULL ?
			                   tsig_key_name(z->key) : z->key_name);
			recs[n].owner = z->recs[i].owner_text;
			recs[n].value = z->recs[i].value;
			n++;
		}
	}
	rc = journal_write(set->journal, recs, n);
	free(recs);
	return rc;
}

/* Remove what may have been added; the first error's detail stays
 * (dns_txt_remove records only into an empty record). */
static void
rollback(struct dns_set *set)
{
	(void)dns_txt_remove(set); /* logs each zone it cannot clean */
}

static int
publish(struct dns_set *set)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < set->nzones; i++)
		rc = pick_primary(set, &set->zones[i]);
	/* On disk before any UPDATE goes out: a crash from here on leaves
	 * records only the journal knows of. */
	if (rc == 0)
		rc = journal_sync(set, 1);
	for (i = 0; rc == 0 && i < set->nzones; i++) {
		rc = dns_update_send(set, &set->zones[i], DNS_UPDATE_ADD);
		if (rc == 0)
			rc = dns_verify_primary(set, &set->zones[i]);
	}
	return rc;
}

int
dns_txt_add(struct dns_ctx *ctx, struct journal *j,
            const struct dns_txt *recs, size_t n, struct dns_set **out)
{
	struct dns_set *set = NULL;
	int rc;

	if (ctx == NULL || recs == NULL || n == 0 || n > MAX_RECORDS)
		return acmeup_fail(ACMEUP_EINVAL, "no TXT records to publish, or "
		                   "more than %d", MAX_RECORDS);
	set = calloc(1, sizeof(*set));
	if (set == NULL)
		return ACMEUP_ENOMEM;
	set->ctx = ctx;
	set->journal = j;
	set->ttl = ctx->ttl;
	set->timeout_ms = ctx->timeout_ms;
	set->unreachable_ms = ctx->unreachable_ms;
	set->strict_servers = ctx->strict_servers;
	rc = group_records(set, recs, n);
	if (rc == 0)
		rc = publish(set);
	if (rc < 0) {
		rollback(set);
		dns_set_free(set);
		return rc;
	}
	*out = set;
	return 0;
}

const char *
dns_set_owner(const struct dns_set *set, const char *challenge, unsigned *ttl)
{
	size_t i, k;

	for (i = 0; set != NULL && challenge != NULL && i < set->nzones; i++)
		for (k = 0; k < set->zones[i].nrecs; k++) {
			const struct dns_rec *r = &set->zones[i].recs[k];

			if (r->challenge == NULL ||
			    strcasecmp(r->challenge, challenge) != 0)
				continue;
			if (ttl != NULL)
				*ttl = set->ttl;
			return r->owner_text;
		}
	return NULL;
}

/* One line per record left behind in z, for the person cleaning up. */
static void
warn_left(const struct dns_zone *z)
{
	size_t i;

	for (i = 0; i < z->nrecs; i++)
		log_warn("dns: %s: left at %s: %s TXT \"%s\"", z->name,
		         z->primary.textport, z->recs[i].owner_text,
		         z->recs[i].value);
}

int
dns_txt_remove(struct dns_set *set)
{
	struct acmeup_err first = { 0 }, one = { 0 }, *prev;
	size_t i;
	int rc, ret = 0;

	if (set == NULL)
		return 0;
	/* each zone in a record of its own: a caller's earlier failure
	 * stays, and each warning names its own zone's failure */
	prev = acmeup_err_use(&one);
	for (i = 0; i < set->nzones; i++) {
		if (!set->zones[i].added)
			continue;
		acmeup_err_clear();
		rc = dns_update_send(set, &set->zones[i], DNS_UPDATE_DELETE);
		if (rc == 0)
			continue;
		/* Go on with the other zones; report the first failure. */
		log_warn("dns: %s: records not removed: %s", set->zones[i].name,
		         acmeup_errmsg(rc));
		warn_left(&set->zones[i]);
		if (ret == 0)
			ret = acmeup_err_keep(&first, rc);
	}
	acmeup_err_clear();
	rc = journal_sync(set, 0);
	if (rc < 0)
		log_warn("dns: journal not updated: %s", acmeup_errmsg(rc));
	else if (ret < 0 && set->journal != NULL)
		log_warn("dns: the records left are listed in %s; `acmeup cleanup` "
		         "removes them", journal_path(set->journal));
	acmeup_err_use(prev);
	if (ret < 0)
		return acmeup_fail(ret, "%s", acmeup_err_text(&first, ret));
	return 0;
}

/* dns-persist-01 (dns_persist.c): the records routed and their zones'
 * primaries picked, as dns_txt_add would, but nothing sent; every zone
 * marked added, so dns_txt_remove deletes the records by value. */
int
dns_txt_claim(struct dns_ctx *ctx, const struct dns_txt *recs, size_t n,
              struct dns_set **out)
{
	struct dns_set *set = NULL;
	size_t i;
	int rc;

	if (ctx == NULL || recs == NULL || n == 0 || n > MAX_RECORDS)
		return acmeup_fail(ACMEUP_EINVAL, "no TXT records to remove");
	set = calloc(1, sizeof(*set));
	if (set == NULL)
		return ACMEUP_ENOMEM;
	set->ctx = ctx;
	set->ttl = ctx->ttl;
	set->timeout_ms = ctx->timeout_ms;
	set->unreachable_ms = ctx->unreachable_ms;
	set->strict_servers = ctx->strict_servers;
	rc = group_records(set, recs, n);
	for (i = 0; rc == 0 && i < set->nzones; i++) {
		rc = pick_primary(set, &set->zones[i]);
		set->zones[i].added = 1;
	}
	if (rc < 0) {
		dns_set_free(set);
		return rc;
	}
	*out = set;
	return 0;
}

int
dns_txt_publish(struct dns_ctx *ctx, const struct dns_txt *recs, size_t n)
{
	struct dns_set *set = NULL;
	int rc;

	rc = dns_txt_add(ctx, NULL, recs, n, &set);
	if (rc == 0)
		rc = dns_txt_wait(set);
	if (rc != 0 && set != NULL)
		(void)dns_txt_remove(set);
	dns_set_free(set);
	return rc;
}
