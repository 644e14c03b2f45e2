/* Proof of publication: SOA serials and TXT answers straight from the
 * authoritative servers (RD=0, AA required), never through a resolver's
 * cache, polled fast then backing off, always bounded, and cut short by
 * SIGINT/SIGTERM so that the records can be removed at once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acmeup/dns.h"
#include "acmeup/error.h"
#include "acmeup/interrupt.h"
#include "acmeup/log.h"
#include "dns_internal.h"

#define POLL_FIRST_MS 20
#define POLL_MAX_MS 50       /* a server that lags is asked every 50 ms */
#define SERIAL_FIRST_MS 20
#define WAIT_QUERY_MS 1000   /* one try per round; the next round retries */
#define SERIAL_POLLS 5       /* 20+40+80+160+320 ms after the UPDATE */

static int
sleep_ms(long long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
	                       .tv_nsec = (ms % 1000) * 1000000 };

	if (interrupt_pending())
		return dns_interrupted();
	if (ms <= 0)
		return 0;
	if (nanosleep(&ts, NULL) < 0 && errno == EINTR && interrupt_pending())
		return dns_interrupted();
	return 0;
}

int
dns_soa_serial(const struct dns_addr *srv, const ldns_rdf *zone,
               const struct tsig_key *key, unsigned timeout_ms, int tries,
               uint32_t *serial)
{
	ldns_pkt *r = NULL;
	const ldns_rr_list *ans;
	unsigned rcode;
	size_t i;
	char *text, ede[256];
	int rc;

	rc = dns_query(srv, zone, LDNS_RR_TYPE_SOA, 0, key, timeout_ms, tries,
	               &r);
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
	dns_ede_text(r, ede, sizeof(ede));
	rc = acmeup_fail(ACMEUP_EDNS, "%s answered %s%s%s to SOA %s: is it "
	                 "authoritative for the zone?", srv->text,
	                 dns_rcode_name(rcode), ede,
	                 ldns_pkt_aa(r) ? "" : " without AA", text ? text : "?");
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
          const struct tsig_key *qkey, unsigned timeout_ms, int tries,
          unsigned *tag, char *why, size_t whylen)
{
	ldns_pkt *r = NULL;
	size_t i, j, missing = 0;
	char ede[256];
	int rc = 1, q;

	for (i = 0; rc == 1 && i < z->nrecs; i++) {
		for (j = 0; j < i; j++)
			if (ldns_dname_compare(z->recs[j].owner, z->recs[i].owner) == 0)
				break;
		if (j < i)
			continue; /* owner checked already */
		q = dns_query(srv, z->recs[i].owner, LDNS_RR_TYPE_TXT,
		              z->dnskeys != NULL ? DNS_Q_DO : 0, qkey, timeout_ms,
		              tries, &r);
		if (q < 0)
			return q;
		if (ldns_pkt_get_rcode(r) != LDNS_RCODE_NOERROR || !ldns_pkt_aa(r)) {
			dns_ede_text(r, ede, sizeof(ede));
			snprintf(why, whylen, "%s%s%s for %s",
			         dns_rcode_name(ldns_pkt_get_rcode(r)), ede,
			         ldns_pkt_aa(r) ? "" : " without AA",
			         z->recs[i].owner_text);
			rc = 0;
		}
		for (j = i; rc == 1 && j < z->nrecs; j++)
			if (ldns_dname_compare(z->recs[j].owner, z->recs[i].owner) == 0 &&
			    !dns_txt_rrset_has(r, z->recs[j].owner, z->recs[j].value))
				missing++;
		/* Signed: the whole TXT RRset with a valid RRSIG. */
		if (rc == 1 && missing == 0)
			rc = dns_dnssec_txt(z, r, z->recs[i].owner, tag, why,
			                    whylen);
		ldns_pkt_free(r);
		r = NULL;
	}
	if (rc == 1 && missing > 0) {
		snprintf(why, whylen, "%zu of %zu TXT missing", missing, z->nrecs);
		rc = 0;
	}
	return rc;
}

/* Poll the primary until its serial differs from before or it serves
 * the records (AD-integrated DNS, Samba's too, does not move the serial on
 * an UPDATE). *has: txt_check()'s last answer, -1 when not asked. */
static int
serial_moved(struct dns_zone *z, const struct tsig_key *qkey,
             uint32_t *after, int *has, unsigned *tag, char *why,
             size_t whylen)
{
	long long delay = SERIAL_FIRST_MS;
	uint32_t serial = z->serial_before;
	int i, rc = 0;

	*has = -1;
	for (i = 0; i < SERIAL_POLLS; i++) {
		rc = dns_soa_serial(&z->primary, z->apex, qkey, DNS_QUERY_TIMEOUT_MS,
		                    DNS_QUERY_TRIES, &serial);
		if (rc < 0 || serial != z->serial_before)
			break;
		*has = txt_check(&z->primary, z, qkey, DNS_QUERY_TIMEOUT_MS,
		                 DNS_QUERY_TRIES, tag, why, whylen);
		if (*has != 0)
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
dns_verify_primary(const struct dns_set *set, struct dns_zone *z)
{
	const struct tsig_key *qkey = dns_ctx_query_key(set->ctx, z->apex);
	uint32_t after = z->serial_before;
	char why[200] = "";
	unsigned tag = 0;
	int rc, has;

	rc = serial_moved(z, qkey, &after, &has, &tag, why, sizeof(why));
	if (rc < 0)
		return rc;
	if (has < 0 || after != z->serial_before)
		has = txt_check(&z->primary, z, qkey, DNS_QUERY_TIMEOUT_MS,
		                DNS_QUERY_TRIES, &tag, why, sizeof(why));
	if (has < 0)
		return has;
	if (has == 0)
		return acmeup_fail(ACMEUP_EDNS, "primary %s accepted the UPDATE of "
		                   "zone %s but does not answer the records (%s): is "
		                   "the name a CNAME or below a delegation?",
		                   z->primary.text, z->name, why);
	if (after == z->serial_before)
		log_warn("dns: %s: serial %u did not move on %s, which serves the "
		         "records (a server that does not count updates in the "
		         "serial, as AD's; or the records were there already)",
		         z->name, (unsigned)after, z->primary.text);
	else
		log_stage("dns: %s: serial %u -> %u on %s (%lld ms after the "
		          "UPDATE)", z->name, (unsigned)z->serial_before,
		          (unsigned)after, z->primary.text,
		          log_elapsed_ms() - z->sent_ms);
	z->serial = after;
	return 0;
}

/* Was a left out of an earlier proof of this run? */
static int
silent_before(const struct dns_set *set, const struct dns_addr *a)
{
	size_t i;

	for (i = 0; set->ctx != NULL && i < set->ctx->nsilent; i++)
		if (dns_addr_equal(&set->ctx->silent[i], a))
			return 1;
	return 0;
}

/* The servers to wait for: the primary, every authoritative address of
 * the zone, less those skipped. */
static int
wait_prepare(const struct dns_set *set, struct dns_zone *z)
{
	struct dns_zinfo *zi = NULL;
	struct dns_addr *list = calloc(DNS_MAX_SERVERS, sizeof(*list));
	size_t n = 0, i;
	int rc = list == NULL ? ACMEUP_ENOMEM : 0;

	if (rc == 0)
		dns_addr_add(list, &n, DNS_MAX_SERVERS, &z->primary);
	if (rc == 0 && set->ctx != NULL) {
		rc = dns_ctx_zinfo(set->ctx, z->apex, NULL, &zi);
		if (rc == 0)
			rc = dns_zinfo_servers(set->ctx, zi);
	}
	for (i = 0; rc == 0 && zi != NULL && i < zi->nservers; i++) {
		if (dns_ctx_skipped(set->ctx, z->apex, &zi->servers[i]))
			log_stage("dns: %s: not waiting for %s (skip-server)",
			          z->name, zi->servers[i].text);
		else
			dns_addr_add(list, &n, DNS_MAX_SERVERS, &zi->servers[i]);
	}
	z->srv = rc == 0 ? calloc(n, sizeof(*z->srv)) : NULL;
	if (rc == 0 && z->srv == NULL)
		rc = ACMEUP_ENOMEM;
	for (i = 0; rc == 0 && i < n; i++) {
		z->srv[i].addr = list[i];
		z->srv[i].fail_since = -1;
		snprintf(z->srv[i].why, sizeof(z->srv[i].why), "not asked yet");
		if (silent_before(set, &list[i])) {
			z->srv[i].unreachable = 1;
			log_stage("dns: %s: not waiting for %s (no usable answer "
			    "earlier in this run)", z->name, list[i].text);
		}
	}
	if (rc == 0)
		z->nsrv = n;
	free(list);
	if (rc == 0)
		log_debug("dns: %s: waiting for %zu authoritative servers", z->name,
		          n);
	return rc;
}

/* One server, one round: the serial first (one query while it still has
 * the zone from before our UPDATE), then every TXT. */
static int
server_round(struct dns_zone *z, struct dns_wait_srv *s,
             const struct tsig_key *qkey, unsigned timeout_ms)
{
	uint32_t serial = 0;
	int rc;

	rc = dns_soa_serial(&s->addr, z->apex, qkey, timeout_ms, 1, &serial);
	s->has_serial = rc == 0;
	s->serial = serial;
	if (rc == 0 && serial == z->serial_before && z->serial != serial) {
		snprintf(s->why, sizeof(s->why), "the zone from before the UPDATE");
		return 0;
	}
	if (rc == 0)
		rc = txt_check(&s->addr, z, qkey, timeout_ms, 1, &s->sig_tag,
		               s->why, sizeof(s->why));
	if (rc == 1) {
		s->done = 1;
		s->ms = log_elapsed_ms() - z->sent_ms;
		log_stage("dns: %s: %s answers, serial %u (%lld ms after the "
		          "UPDATE)", z->name, s->addr.text, (unsigned)serial, s->ms);
		if (z->dnskeys != NULL)
			log_stage("dns: %s: %s: the RRSIG over the TXT validates "
			          "(DNSKEY %u)", z->name, s->addr.text, s->sig_tag);
	}
	return rc;
}

/* A server that gave no usable answer (no reply, refused, not
 * authoritative) for set->unreachable_ms cannot hand the CA's resolver a
 * stale answer either: the resolver moves on to the others. It is reported
 * once and left out; with strict-servers the wait fails instead. Servers
 * that answer with an old serial or without the record are waited for. */
static int
server_failed(const struct dns_set *set, const struct dns_zone *z,
              struct dns_wait_srv *s, int rc)
{
	long long now = log_elapsed_ms();

	snprintf(s->why, sizeof(s->why), "%s", rc == ACMEUP_ETIMEOUT ?
	    "no reply" : acmeup_errmsg(rc));
	acmeup_err_clear();
	if (s->fail_since < 0)
		s->fail_since = now;
	if (now - s->fail_since < (long long)set->unreachable_ms)
		return 0;
	if (set->strict_servers)
		return acmeup_fail(ACMEUP_EDNS, "zone %s: %s gave no usable answer "
		    "for %u ms (%s), and strict-servers wants every server",
		    z->name, s->addr.text, set->unreachable_ms, s->why);
	s->unreachable = 1;
	if (set->ctx != NULL)
		dns_addr_add(set->ctx->silent, &set->ctx->nsilent,
		    DNS_MAX_SERVERS, &s->addr);
	log_warn("dns: %s: %s gave no usable answer for %u ms (%s): left out "
	    "of the proof (the CA's resolver cannot get an old answer there "
	    "either; strict-servers yes waits for it)", z->name, s->addr.text,
	    set->unreachable_ms, s->why);
	return 0;
}

/* Ask every server of z not yet done; *left grows by those still not. */
static int
wait_round(const struct dns_set *set, struct dns_zone *z, long long deadline,
           size_t *left)
{
	const struct tsig_key *qkey = dns_ctx_query_key(set->ctx, z->apex);
	long long ms;
	size_t i, before = 0, todo = 0, out = 0;
	int rc;

	for (i = 0; i < z->nsrv; i++) {
		struct dns_wait_srv *s = &z->srv[i];

		before += !s->done && !s->unreachable;
		ms = deadline - log_elapsed_ms();
		if (!s->done && !s->unreachable && ms > 0) {
			rc = server_round(z, s, qkey, ms < WAIT_QUERY_MS ? (unsigned)ms
			                  : WAIT_QUERY_MS);
			/* a key the server refuses does not heal by waiting */
			if (rc == ACMEUP_EINTR || rc == ACMEUP_ETSIG)
				return rc;
			if (rc >= 0)
				s->fail_since = -1;
			else if ((rc = server_failed(set, z, s, rc)) < 0)
				return rc;
		}
		todo += !s->done && !s->unreachable;
		out += s->unreachable;
	}
	if (before > 0 && todo == 0)
		log_stage("dns: %s: all %zu servers answer (%lld ms after the "
		          "UPDATE%s)", z->name, z->nsrv - out, log_elapsed_ms() -
		          z->sent_ms, out > 0 ? "; the silent ones left out" : "");
	*left += todo;
	return 0;
}

/* The live status line: the first server still awaited, and how many. */
static void
wait_progress(const struct dns_set *set, size_t left, long long deadline)
{
	const struct dns_wait_srv *s;
	size_t i, j;

	for (i = 0; i < set->nzones; i++)
		for (j = 0; j < set->zones[i].nsrv; j++) {
			s = &set->zones[i].srv[j];
			if (s->done || s->unreachable)
				continue;
			log_progress("dns: %s: waiting for %s%s%s (%zu server%s "
			    "left, %lld s to go)", set->zones[i].name,
			    s->addr.text, s->why[0] != '\0' ? ": " : "", s->why,
			    left, left == 1 ? "" : "s",
			    (deadline - log_elapsed_ms() + 999) / 1000);
			return;
		}
}

/* ETIMEOUT naming each lagging server with its serial vs the primary's. */
static int
wait_timeout(const struct dns_set *set)
{
	char msg[1000], serial[48];
	size_t used = 0, i, k, lagging = 0;
	int n;

	n = snprintf(msg, sizeof(msg), "after %u s not every server answers "
	             "the TXT records:", set->timeout_ms / 1000);
	used = n > 0 ? (size_t)n : 0;
	for (k = 0; k < set->nzones; k++) {
		const struct dns_zone *z = &set->zones[k];

		for (i = 0; i < z->nsrv && used < sizeof(msg); i++) {
			const struct dns_wait_srv *sv = &z->srv[i];

			if (sv->done || sv->unreachable)
				continue;
			if (sv->has_serial)
				snprintf(serial, sizeof(serial), "has serial %u",
				         (unsigned)sv->serial);
			else
				snprintf(serial, sizeof(serial), "gave no serial");
			n = snprintf(msg + used, sizeof(msg) - used, "%s zone %s: %s %s, "
			             "the primary %s has %u (%s)", lagging++ ? ";" : "",
			             z->name, sv->addr.text, serial, z->primary.text,
			             (unsigned)z->serial, sv->why);
			used += n > 0 ? (size_t)n : 0;
		}
	}
	return acmeup_fail(ACMEUP_ETIMEOUT, "%s", msg);
}

int
dns_txt_wait(struct dns_set *set)
{
	long long deadline, delay = POLL_FIRST_MS;
	size_t i, left;
	int rc = 0;

	if (set == NULL)
		return ACMEUP_EINVAL;
	deadline = log_elapsed_ms() + set->timeout_ms;
	for (i = 0; rc == 0 && i < set->nzones; i++)
		if (set->zones[i].srv == NULL) {
			rc = wait_prepare(set, &set->zones[i]);
			if (rc == 0)
				rc = dns_dnssec_prepare(set, &set->zones[i]);
		}
	while (rc == 0) {
		left = 0;
		for (i = 0; rc == 0 && i < set->nzones; i++)
			if (set->zones[i].nsrv > 0)
				rc = wait_round(set, &set->zones[i], deadline, &left);
		if (rc < 0 || left == 0)
			break;
		if (log_elapsed_ms() >= deadline) {
			rc = wait_timeout(set);
			break;
		}
		wait_progress(set, left, deadline);
		rc = sleep_ms(delay < deadline - log_elapsed_ms() ? delay
		              : deadline - log_elapsed_ms());
		delay = delay * 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 2;
	}
	return rc;
}
