/* dns_txt_add / dns_txt_remove: the records grouped by zone, one UPDATE
 * per zone (RFC 2136), and the set that remembers what was added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "dns_internal.h"
#include "tsig.h"

#define DEFAULT_TTL 60
#define DEFAULT_TIMEOUT_MS 120000
#define MAX_RECORDS 1000

static void
rec_clear(struct dns_rec *r)
{
	ldns_rdf_deep_free(r->owner);
	free(r->owner_text);
	free(r->value);
	memset(r, 0, sizeof(*r));
}

static void
zone_clear(struct dns_zone *z)
{
	size_t i;

	for (i = 0; i < z->nrecs; i++)
		rec_clear(&z->recs[i]);
	free(z->recs);
	ldns_rdf_deep_free(z->apex);
	free(z->name);
	free(z->primaries);
	memset(z, 0, sizeof(*z));
}

void
dns_set_free(struct dns_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nzones; i++)
		zone_clear(&set->zones[i]);
	free(set->zones);
	free(set);
}

/* Checked copy of t: a name with a parent, a TXT string of <= 255 octets
 * (RFC 1035 3.3.14; dns-01 values are 43). */
static int
rec_init(const struct dns_txt *t, struct dns_rec *out)
{
	struct dns_rec r;

	memset(&r, 0, sizeof(r));
	if (t->owner == NULL || t->value == NULL || strlen(t->value) > 255)
		return acmeup_fail(ACMEUP_EINVAL, "TXT record for %s: missing owner "
		                   "or value, or value longer than 255 octets",
		                   t->owner ? t->owner : "(null)");
	r.owner = ldns_dname_new_frm_str(t->owner);
	if (r.owner == NULL || ldns_dname_label_count(r.owner) < 2) {
		rec_clear(&r);
		return acmeup_fail(ACMEUP_EINVAL, "\"%s\" is not a DNS name below "
		                   "a zone", t->owner);
	}
	ldns_dname2canonical(r.owner);
	r.owner_text = dns_name_text(r.owner);
	r.value = strdup(t->value);
	if (r.owner_text == NULL || r.value == NULL) {
		rec_clear(&r);
		return ACMEUP_ENOMEM;
	}
	*out = r;
	return 0;
}

/* Takes rec; a duplicate (same owner and value) is dropped. */
static int
zone_take_rec(struct dns_zone *z, struct dns_rec *rec)
{
	struct dns_rec *grown;
	size_t i;

	for (i = 0; i < z->nrecs; i++) {
		if (ldns_dname_compare(z->recs[i].owner, rec->owner) == 0 &&
		    strcmp(z->recs[i].value, rec->value) == 0) {
			rec_clear(rec);
			return 0;
		}
	}
	grown = realloc(z->recs, (z->nrecs + 1) * sizeof(*grown));
	if (grown == NULL) {
		rec_clear(rec);
		return ACMEUP_ENOMEM;
	}
	z->recs = grown;
	z->recs[z->nrecs++] = *rec;
	memset(rec, 0, sizeof(*rec));
	return 0;
}

/* The zone apex in set, or a new one with its primaries looked up. Takes
 * apex; borrows mname. */
static int
zone_get(struct dns_set *set, const char *update_server, ldns_rdf *apex,
         const ldns_rdf *mname, struct dns_zone **out)
{
	struct dns_zone z, *grown;
	size_t i;
	int rc;

	for (i = 0; i < set->nzones; i++) {
		if (ldns_dname_compare(set->zones[i].apex, apex) == 0) {
			ldns_rdf_deep_free(apex);
			*out = &set->zones[i];
			return 0;
		}
	}
	memset(&z, 0, sizeof(z));
	z.apex = apex;
	z.name = dns_name_text(apex);
	rc = z.name == NULL ? ACMEUP_ENOMEM
	     : dns_primary_find(&set->resolver, update_server, mname, z.name,
	                        &z.primaries, &z.nprimaries);
	grown = rc < 0 ? NULL : realloc(set->zones, (set->nzones + 1) *
	                                sizeof(*grown));
	if (grown == NULL) {
		zone_clear(&z);
		return rc < 0 ? rc : ACMEUP_ENOMEM;
	}
	set->zones = grown;
	set->zones[set->nzones] = z;
	*out = &set->zones[set->nzones++];
	log_debug("dns: %s: zone found, primary %s%s", z.name,
	          z.primaries[0].text, z.nprimaries > 1 ? " (and more)" : "");
	return 0;
}

/* The zone already holding a record at owner, or NULL. */
static struct dns_zone *
zone_of_owner(struct dns_set *set, const ldns_rdf *owner)
{
	size_t i, j;

	for (i = 0; i < set->nzones; i++)
		for (j = 0; j < set->zones[i].nrecs; j++)
			if (ldns_dname_compare(set->zones[i].recs[j].owner, owner) == 0)
				return &set->zones[i];
	return NULL;
}

/* Find each record's zone and file the record under it. */
static int
group_records(struct dns_set *set, const struct dns_config *cfg,
              const struct dns_txt *recs, size_t n)
{
	struct dns_rec rec;
	struct dns_zone *z = NULL;
	ldns_rdf *apex = NULL, *mname = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		rc = rec_init(&recs[i], &rec);
		if (rc < 0)
			break;
		/* The same owner (e.g. wildcard + apex) needs no second walk. */
		z = zone_of_owner(set, rec.owner);
		if (z == NULL)
			rc = dns_zone_find(&set->resolver, rec.owner, &apex, &mname);
		if (z == NULL && rc == 0)
			rc = zone_get(set, cfg->update_server, apex, mname, &z);
		ldns_rdf_deep_free(mname);
		apex = mname = NULL;
		if (rc == 0)
			rc = zone_take_rec(z, &rec);
		else
			rec_clear(&rec);
	}
	return rc;
}

/* The first primary address answering the zone's SOA becomes z->primary;
 * *serial is its serial before the UPDATE. */
static int
pick_primary(struct dns_zone *z, uint32_t *serial)
{
	size_t i;
	int rc = ACMEUP_EDNS;

	for (i = 0; i < z->nprimaries; i++) {
		rc = dns_soa_serial(&z->primaries[i], z->apex, DNS_QUERY_TIMEOUT_MS,
		                    DNS_QUERY_TRIES, serial);
		if (rc == 0) {
			z->primary = z->primaries[i];
			return 0;
		}
		if (rc == ACMEUP_EINTR)
			break;
	}
	return rc;
}

/* RFC 2136: one UPDATE adding every record of z, then proof on the
 * primary. */
static int
zone_publish(const struct dns_set *set, struct dns_zone *z)
{
	uint32_t before = 0;
	char prefix[300];
	int rc;

	rc = pick_primary(z, &before);
	if (rc < 0) {
		snprintf(prefix, sizeof(prefix), "zone %s: no primary usable", z->name);
		return rc == ACMEUP_EINTR ? rc : dns_fail_prefix(rc, prefix);
	}
	rc = dns_update_send(set, z, DNS_UPDATE_ADD);
	if (rc < 0)
		return rc;
	return dns_verify_primary(z, before);
}

/* Remove what may have been added, keeping the first error's detail. */
static void
rollback(struct dns_set *set, int rc)
{
	char saved[1024];

	snprintf(saved, sizeof(saved), "%s", acmeup_errmsg(rc));
	(void)dns_txt_remove(set); /* logs each zone it cannot clean */
	acmeup_fail(rc, "%s", saved);
}

static int
set_new(const struct dns_config *cfg, struct dns_set **out)
{
	struct dns_set *set;
	int rc;

	if (cfg == NULL || cfg->key == NULL)
		return acmeup_fail(ACMEUP_EINVAL, "no TSIG key for the DNS UPDATEs");
	set = calloc(1, sizeof(*set));
	if (set == NULL)
		return ACMEUP_ENOMEM;
	set->key = cfg->key;
	set->ttl = cfg->ttl ? cfg->ttl : DEFAULT_TTL;
	set->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	rc = dns_resolver_addr(cfg->resolver, &set->resolver);
	if (rc < 0) {
		free(set);
		return rc;
	}
	*out = set;
	return 0;
}

int
dns_txt_add(const struct dns_config *cfg, const struct dns_txt *recs,
            size_t n, struct dns_set **out)
{
	struct dns_set *set = NULL;
	size_t i;
	int rc;

	if (recs == NULL || n == 0 || n > MAX_RECORDS)
		return acmeup_fail(ACMEUP_EINVAL, "no TXT records to publish, or "
		                   "more than %d", MAX_RECORDS);
	rc = set_new(cfg, &set);
	if (rc < 0)
		return rc;
	rc = group_records(set, cfg, recs, n);
	for (i = 0; rc == 0 && i < set->nzones; i++)
		rc = zone_publish(set, &set->zones[i]);
	if (rc < 0) {
		rollback(set, rc);
		dns_set_free(set);
		return rc;
	}
	*out = set;
	return 0;
}

int
dns_txt_remove(struct dns_set *set)
{
	char first[1024] = "";
	size_t i;
	int rc, ret = 0;

	if (set == NULL)
		return 0;
	for (i = 0; i < set->nzones; i++) {
		if (!set->zones[i].added)
			continue;
		rc = dns_update_send(set, &set->zones[i], DNS_UPDATE_DELETE);
		if (rc == 0)
			continue;
		/* Go on with the other zones; report the first failure. */
		log_warn("dns: %s: records not removed: %s", set->zones[i].name,
		         acmeup_errmsg(rc));
		if (ret == 0) {
			ret = rc;
			snprintf(first, sizeof(first), "%s", acmeup_errmsg(rc));
		}
	}
	if (ret < 0)
		return acmeup_fail(ret, "%s", first);
	return 0;
}
