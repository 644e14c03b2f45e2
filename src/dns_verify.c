/* Proof of publication: SOA serials and TXT answers straight from the
 * authoritative servers (RD=0, AA required), never through a resolver's
 * cache, polled fast then backing off, always bounded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/log.h"
#include "dns_internal.h"

#define POLL_FIRST_MS 20
#define POLL_MAX_MS 500
#define WAIT_QUERY_MS 1000   /* one try per round; the next round retries */
#define SERIAL_POLLS 5       /* 20+40+80+160+320 ms after the UPDATE */

/* One authoritative server of a zone during the wait. */
struct wait_srv {
	struct dns_addr addr;
	int done;
	char why[128]; /* why not yet: "no reply", "REFUSED", "no TXT yet" */
};

struct wait_zone {
	struct dns_zone *z;
	struct wait_srv *srv;
	size_t n;
	size_t left;
};

static int
sleep_ms(long long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
	                       .tv_nsec = (ms % 1000) * 1000000 };

	if (ms <= 0)
		return 0;
	if (nanosleep(&ts, NULL) < 0 && errno == EINTR)
		return ACMEUP_EINTR;
	return 0;
}

int
dns_soa_serial(const struct dns_addr *srv, const ldns_rdf *zone,
               unsigned timeout_ms, int tries, uint32_t *serial)
{
	ldns_pkt *r = NULL;
	const ldns_rr_list *ans;
	unsigned rcode;
	size_t i;
	char *text;
	int rc;

	rc = dns_query(srv, zone, LDNS_RR_TYPE_SOA, 0, timeout_ms, tries, &r);
	if (rc < 0)
		return rc;
	ans = ldns_pkt_answer(r);
	for (i = 0; ldns_pkt_aa(r) && i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
		    ldns_rr_rd_count(rr) == 7 &&
		    ldns_dname_compare(ldns_rr_owner(rr), zone) == 0) {
			*serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
			ldns_pkt_free(r);
			return 0;
		}
	}
	rcode = ldns_pkt_get_rcode(r);
	text = dns_name_text(zone);
	rc = acmeup_fail(ACMEUP_EDNS, "%s answered %s%s to SOA %s: is it "
	                 "authoritative for the zone?", srv->text,
	                 dns_rcode_name(rcode), ldns_pkt_aa(r) ? "" : " without AA",
	                 text ? text : "?");
	free(text);
	ldns_pkt_free(r);
	return rc;
}

int
dns_txt_rrset_has(const ldns_pkt *reply, const ldns_rdf *owner,
                  const char *value)
{
	const ldns_rr_list *ans = ldns_pkt_answer(reply);
	size_t vlen = strlen(value), i, j, used, slen;

	for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT ||
		    ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		/* The strings of one RR, concatenated, must equal value. */
		used = 0;
		for (j = 0; j < ldns_rr_rd_count(rr) && used <= vlen; j++) {
			const ldns_rdf *rd = ldns_rr_rdf(rr, j);
			const uint8_t *d = ldns_rdf_data(rd);

			slen = ldns_rdf_size(rd) > 0 ? d[0] : 0;
			if (slen + 1 > ldns_rdf_size(rd) || used + slen > vlen ||
			    memcmp(value + used, d + 1, slen) != 0) {
				used = vlen + 1;
				break;
			}
			used += slen;
		}
		if (used == vlen)
			return 1;
	}
	return 0;
}

/* Does srv answer every value of z at every owner, authoritatively? 1 yes,
 * 0 not yet (why says what is missing), < 0 no usable reply. */
static int
txt_check(const struct dns_addr *srv, const struct dns_zone *z,
          unsigned timeout_ms, int tries, char *why, size_t whylen)
{
	ldns_pkt *r = NULL;
	size_t i, j, missing = 0;
	int rc = 1, q;

	for (i = 0; rc == 1 && i < z->nrecs; i++) {
		for (j = 0; j < i; j++)
			if (ldns_dname_compare(z->recs[j].owner, z->recs[i].owner) == 0)
				break;
		if (j < i)
			continue; /* owner checked already */
		q = dns_query(srv, z->recs[i].owner, LDNS_RR_TYPE_TXT, 0,
		              timeout_ms, tries, &r);
		if (q < 0) {
			rc = q;
			break;
		}
		if (ldns_pkt_get_rcode(r) != LDNS_RCODE_NOERROR || !ldns_pkt_aa(r)) {
			snprintf(why, whylen, "%s%s for %s",
			         dns_rcode_name(ldns_pkt_get_rcode(r)),
			         ldns_pkt_aa(r) ? "" : " without AA",
			         z->recs[i].owner_text);
			rc = 0;
		}
		for (j = i; rc == 1 && j < z->nrecs; j++)
			if (ldns_dname_compare(z->recs[j].owner, z->recs[i].owner) == 0 &&
			    !dns_txt_rrset_has(r, z->recs[j].owner, z->recs[j].value))
				missing++;
		ldns_pkt_free(r);
		r = NULL;
	}
	if (rc == 1 && missing > 0) {
		snprintf(why, whylen, "%zu of %zu TXT missing", missing, z->nrecs);
		rc = 0;
	}
	return rc;
}

/* Poll the primary's serial until it differs from before. */
static int
serial_moved(struct dns_zone *z, uint32_t before, uint32_t *after)
{
	long long delay = POLL_FIRST_MS;
	uint32_t serial = before;
	int i, rc = 0;

	for (i = 0; i < SERIAL_POLLS; i++) {
		rc = dns_soa_serial(&z->primary, z->apex, DNS_QUERY_TIMEOUT_MS,
		                    DNS_QUERY_TRIES, &serial);
		if (rc < 0 || serial != before)
			break;
		rc = sleep_ms(delay);
		if (rc < 0)
			break;
		delay *= 2;
	}
	*after = serial;
	return rc;
}

int
dns_verify_primary(struct dns_zone *z, uint32_t before)
{
	uint32_t after = before;
	char why[128] = "";
	int rc, has;

	rc = serial_moved(z, before, &after);
	if (rc < 0)
		return rc;
	has = txt_check(&z->primary, z, DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES,
	                why, sizeof(why));
	if (has < 0)
		return has;
	if (has == 0)
		return acmeup_fail(ACMEUP_EDNS, "primary %s accepted the UPDATE of "
		                   "zone %s but does not answer the records (%s): is "
		                   "the name a CNAME or below a delegation?",
		                   z->primary.text, z->name, why);
	if (after == before)
		log_warn("dns: %s: serial %u did not move on %s: the records were "
		         "there already", z->name, (unsigned)before, z->primary.text);
	else
		log_stage("dns: %s: serial %u -> %u on %s", z->name,
		          (unsigned)before, (unsigned)after, z->primary.text);
	z->serial = after;
	return 0;
}

static int
wait_prepare(const struct dns_set *set, struct wait_zone *wz)
{
	struct dns_addr *addrs = NULL;
	char prefix[300];
	size_t n = 0, i;
	int rc;

	rc = dns_zone_servers(&set->resolver, wz->z, &addrs, &n);
	if (rc < 0 && rc != ACMEUP_EINTR) {
		snprintf(prefix, sizeof(prefix), "zone %s: cannot list its "
		         "authoritative servers", wz->z->name);
		return dns_fail_prefix(rc, prefix);
	}
	if (rc < 0)
		return rc;
	wz->srv = calloc(n, sizeof(*wz->srv));
	if (wz->srv == NULL) {
		free(addrs);
		return ACMEUP_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		wz->srv[i].addr = addrs[i];
		snprintf(wz->srv[i].why, sizeof(wz->srv[i].why), "not asked yet");
	}
	wz->n = wz->left = n;
	free(addrs);
	log_debug("dns: %s: waiting for %zu authoritative servers", wz->z->name,
	          n);
	return 0;
}

/* Ask every server not yet done; log each one that caught up. */
static int
wait_round(struct wait_zone *wz, long long deadline)
{
	struct dns_zone *z = wz->z;
	long long left, now;
	size_t i;
	int rc;

	for (i = 0; i < wz->n && wz->left > 0; i++) {
		struct wait_srv *s = &wz->srv[i];

		left = deadline - log_elapsed_ms();
		if (s->done || left <= 0)
			continue;
		rc = txt_check(&s->addr, z, left < WAIT_QUERY_MS ? (unsigned)left
		               : WAIT_QUERY_MS, 1, s->why, sizeof(s->why));
		if (rc == ACMEUP_EINTR)
			return rc;
		if (rc < 0)
			snprintf(s->why, sizeof(s->why), "%s", rc == ACMEUP_ETIMEOUT
			         ? "no reply" : acmeup_errmsg(rc));
		if (rc != 1)
			continue;
		s->done = 1;
		wz->left--;
		now = log_elapsed_ms();
		log_stage("dns: %s: %s answers (%lld ms after the UPDATE)", z->name,
		          s->addr.text, now - z->sent_ms);
		if (wz->left == 0)
			log_stage("dns: %s: all %zu servers answer (%lld ms after the "
			          "UPDATE)", z->name, wz->n, now - z->sent_ms);
	}
	return 0;
}

/* ETIMEOUT naming each lagging server with its serial vs the primary's. */
static int
wait_timeout(const struct dns_set *set, const struct wait_zone *wz,
             size_t nz)
{
	char msg[1000], serial[48];
	size_t used = 0, i, k, lagging = 0;
	uint32_t s;
	int n;

	n = snprintf(msg, sizeof(msg), "after %u ms not every server answers "
	             "the TXT records:", set->timeout_ms);
	used = n > 0 ? (size_t)n : 0;
	for (k = 0; k < nz; k++) {
		for (i = 0; i < wz[k].n && used < sizeof(msg); i++) {
			const struct wait_srv *sv = &wz[k].srv[i];

			if (sv->done)
				continue;
			if (dns_soa_serial(&sv->addr, wz[k].z->apex, 500, 1, &s) == 0)
				snprintf(serial, sizeof(serial), "has serial %u", (unsigned)s);
			else
				snprintf(serial, sizeof(serial), "gave no SOA");
			n = snprintf(msg + used, sizeof(msg) - used, "%s zone %s: %s %s "
			             "(primary %s: %u): %s", lagging++ ? ";" : "",
			             wz[k].z->name, sv->addr.text, serial,
			             wz[k].z->primary.text, (unsigned)wz[k].z->serial,
			             sv->why);
			used += n > 0 ? (size_t)n : 0;
		}
	}
	return acmeup_fail(ACMEUP_ETIMEOUT, "%s", msg);
}

static void
wait_free(struct wait_zone *wz, size_t n)
{
	size_t i;

	for (i = 0; wz != NULL && i < n; i++)
		free(wz[i].srv);
	free(wz);
}

int
dns_txt_wait(struct dns_set *set)
{
	long long start = log_elapsed_ms(), deadline, delay = POLL_FIRST_MS;
	struct wait_zone *wz;
	size_t i, left;
	int rc = 0;

	if (set == NULL)
		return ACMEUP_EINVAL;
	deadline = start + set->timeout_ms;
	wz = calloc(set->nzones ? set->nzones : 1, sizeof(*wz));
	if (wz == NULL)
		return ACMEUP_ENOMEM;
	for (i = 0; rc == 0 && i < set->nzones; i++) {
		wz[i].z = &set->zones[i];
		rc = wait_prepare(set, &wz[i]);
	}
	for (;;) {
		left = 0;
		for (i = 0; rc == 0 && i < set->nzones; i++) {
			rc = wait_round(&wz[i], deadline);
			left += wz[i].left;
		}
		if (rc < 0 || left == 0)
			break;
		if (log_elapsed_ms() >= deadline) {
			rc = wait_timeout(set, wz, set->nzones);
			break;
		}
		rc = sleep_ms(delay < deadline - log_elapsed_ms() ? delay
		              : deadline - log_elapsed_ms());
		delay = delay * 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 2;
	}
	wait_free(wz, set->nzones);
	return rc;
}
