/* One TSIG-signed UPDATE (RFC 2136, RFC 8945) for the records of a zone:
 * build it, sign the wire bytes with tsig/, send it to the primary, verify
 * the reply's TSIG and turn every failure into a message a person can act
 * on: rcode, TSIG error, Extended DNS Error (RFC 8914), zone, server, key,
 * and the CNAME that sent the record to this zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"
#include "dns_internal.h"
#include "tsig.h"

#define OPCODE_UPDATE 5 /* RFC 2136 1.3 */

/* RFC 2136 2.5.1 (add: class IN, ttl) or 2.5.4 (delete an RR: class NONE,
 * TTL 0, same RDATA) TXT RR for rec. */
static ldns_rr *
update_rr(const struct dns_rec *rec, enum dns_update_op op, unsigned ttl)
{
	uint8_t str[256];
	size_t len = strlen(rec->value);
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *owner = ldns_rdf_clone(rec->owner), *txt = NULL;

	if (len <= 255) {
		str[0] = (uint8_t)len; /* RFC 1035 3.3: <character-string> */
		memcpy(str + 1, rec->value, len);
		txt = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, len + 1, str);
	}
	if (rr == NULL || owner == NULL || txt == NULL) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(owner);
		ldns_rdf_deep_free(txt);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
	ldns_rr_set_class(rr, op == DNS_UPDATE_ADD ? LDNS_RR_CLASS_IN
	                                           : LDNS_RR_CLASS_NONE);
	ldns_rr_set_ttl(rr, op == DNS_UPDATE_ADD ? ttl : 0);
	ldns_rr_push_rdf(rr, txt);
	return rr;
}

/* RFC 2136 2.3: zone section holds one "question" zname SOA IN. */
static int
push_zone(ldns_pkt *p, const ldns_rdf *apex)
{
	ldns_rr *q = ldns_rr_new();
	ldns_rdf *name = ldns_rdf_clone(apex);

	if (q == NULL || name == NULL) {
		ldns_rr_free(q);
		ldns_rdf_deep_free(name);
		return ACMEUP_ENOMEM;
	}
	ldns_rr_set_owner(q, name);
	ldns_rr_set_type(q, LDNS_RR_TYPE_SOA);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	return 0;
}

int
dns_update_wire(const struct dns_zone *z, enum dns_update_op op,
                unsigned ttl, uint16_t id, int edns, uint8_t **wire,
                size_t *len)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *rr;
	size_t i;
	int rc = ACMEUP_ENOMEM;

	if (p == NULL || push_zone(p, z->apex) < 0)
		goto out;
	ldns_pkt_set_opcode(p, LDNS_PACKET_UPDATE);
	ldns_pkt_set_id(p, id);
	/* Prerequisite section empty; update section is the authority one. */
	for (i = 0; i < z->nrecs; i++) {
		rr = update_rr(&z->recs[i], op, ttl);
		if (rr == NULL)
			goto out;
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr);
	}
	if (edns) /* RFC 6891 6.1.1: the OPT RR; the TSIG RR follows it */
		ldns_pkt_set_edns_udp_size(p, DNS_EDNS_SIZE);
	if (ldns_pkt2wire(wire, p, len) != LDNS_STATUS_OK)
		goto out;
	rc = 0;
out:
	ldns_pkt_free(p);
	return rc;
}

/* "_acme-challenge.a.example.test, _acme-challenge.b.example.test". */
static void
owners_text(const struct dns_zone *z, char *buf, size_t len)
{
	size_t i, j, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < z->nrecs && used < len; i++) {
		for (j = 0; j < i; j++)
			if (ldns_dname_compare(z->recs[j].owner, z->recs[i].owner) == 0)
				break;
		if (j < i)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
		             z->recs[i].owner_text);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Why the records are in this zone, or what the other zones suggest. */
static void
route_hint(const struct dns_set *set, const struct dns_zone *z, char *buf,
           size_t len)
{
	const struct dns_rec *r;
	size_t i, j;

	buf[0] = '\0';
	for (i = 0; i < z->nrecs; i++) {
		r = &z->recs[i];
		if (r->via != NULL && r->challenge != NULL) {
			snprintf(buf, len, "; %s leads here by %s to %s: the key must "
			         "be allowed to update that name in zone %s",
			         r->challenge, r->via, r->owner_text, z->name);
			return;
		}
	}
	for (i = 0; i < set->nzones; i++) {
		for (j = 0; j < set->zones[i].nrecs; j++) {
			r = &set->zones[i].recs[j];
			if (&set->zones[i] == z || r->via == NULL)
				continue;
			snprintf(buf, len, "; %s reaches the delegated zone %s by %s: "
			         "did you mean a CNAME for %s too?", r->challenge,
			         set->zones[i].name, r->via, z->recs[0].challenge
			         ? z->recs[0].challenge : z->recs[0].owner_text);
			return;
		}
	}
}

/* The algorithm of z's TSIG RRs, for messages. */
static const char *
zone_alg(const struct dns_zone *z)
{
	if (z->use_gss)
		return z->gss.microsoft ? "gss.microsoft.com" : "gss-tsig";
	return tsig_key_algorithm(z->key);
}

/* Samba's answer to a principal without rights: SERVFAIL carrying our
 * own request's TSIG back, after a good key exchange. */
static int
gss_refused(const struct dns_set *set, const struct dns_zone *z,
            enum dns_update_op op)
{
	char owners[300], hint[400];

	owners_text(z, owners, sizeof(owners));
	route_hint(set, z, hint, sizeof(hint));
	return acmeup_fail(ACMEUP_EDNS, "%s does not allow %s to %s %s in zone "
	                   "%s: SERVFAIL after a good GSS-TSIG key exchange "
	                   "(Samba's answer to a principal without rights on "
	                   "those names)%s", z->primary.text, dns_gss_principal(z),
	                   op == DNS_UPDATE_ADD ? "add" : "remove", owners,
	                   z->name, hint);
}

/* After an unsigned refusal that a server sends once it is done with the
 * UPDATE (Samba's echo): 1 when the primary serves none of z's values, so
 * nothing was added; 0 when it serves one or gives no usable answer. */
static int
records_absent(const struct dns_zone *z)
{
	ldns_pkt *r = NULL;
	ldns_pkt_rcode rc;
	size_t i;
	int absent = 1;

	for (i = 0; absent && i < z->nrecs; i++) {
		if (dns_query(&z->primary, z->recs[i].owner, LDNS_RR_TYPE_TXT, 0,
		              NULL, DNS_QUERY_TIMEOUT_MS, DNS_QUERY_TRIES, &r) < 0)
			return 0;
		rc = ldns_pkt_get_rcode(r);
		if (!ldns_pkt_aa(r) || (rc != LDNS_RCODE_NOERROR &&
		                        rc != LDNS_RCODE_NXDOMAIN) ||
		    dns_txt_rrset_has(r, z->recs[i].owner, z->recs[i].value))
			absent = 0;
		ldns_pkt_free(r);
		r = NULL;
	}
	return absent;
}

/* A reply whose TSIG did not verify (RFC 8945 5.3, 5.2.2 errors). */
static int
tsig_failure(const struct dns_zone *z, int trc, unsigned rcode,
             const struct tsig_result *res)
{
	const char *srv = z->primary.text, *key = dns_zone_signer(z);
	long long skew = (long long)res->server_time - (long long)res->our_time;

	switch (trc) {
	case TSIG_EBADSIG:
		return acmeup_fail(ACMEUP_ETSIG, "server %s rejected the signature "
		                   "of key %s for zone %s: the secret differs", srv,
		                   key, z->name);
	case TSIG_EBADKEY:
		return acmeup_fail(ACMEUP_ETSIG, "server %s does not know key %s "
		                   "with algorithm %s (zone %s)", srv, key,
		                   zone_alg(z), z->name);
	case TSIG_EBADTIME:
		return acmeup_fail(ACMEUP_ETSIG, "server %s rejected the time of key "
		                   "%s's signature for zone %s (BADTIME): server time "
		                   "%llu, our time %llu, our clock is %lld s %s; check "
		                   "the clocks (NTP)", srv, key, z->name,
		                   (unsigned long long)res->server_time,
		                   (unsigned long long)res->our_time,
		                   skew < 0 ? -skew : skew,
		                   skew < 0 ? "ahead" : "behind");
	case TSIG_EBADTRUNC:
		return acmeup_fail(ACMEUP_ETSIG, "server %s rejected the MAC length "
		                   "of key %s for zone %s (BADTRUNC)", srv, key,
		                   z->name);
	case TSIG_EUNSIGNED:
		/* PowerDNS answers an unknown key, a wrong secret and a clock
		 * off alike: REFUSED, unsigned (its log says which). */
		if (rcode == LDNS_RCODE_REFUSED || rcode == LDNS_RCODE_NOTAUTH)
			return acmeup_fail(ACMEUP_ETSIG, "server %s refused the UPDATE "
			    "of zone %s with key %s and did not sign its answer: it "
			    "does not accept the key (unknown name or algorithm, a "
			    "secret that differs, or clocks more than 5 minutes "
			    "apart: the server's log says which) or does not let it "
			    "update this zone", srv, z->name, key);
		return acmeup_fail(ACMEUP_ETSIG, "server %s answered %s to the UPDATE "
		                   "of zone %s without a TSIG signature (key %s): the "
		                   "reply cannot be trusted", srv, dns_rcode_name(rcode),
		                   z->name, key);
	case TSIG_EBADMAC:
		return acmeup_fail(ACMEUP_ETSIG, "the reply from %s for zone %s does "
		                   "not verify with key %s: altered or forged reply, "
		                   "or the server's secret differs", srv, z->name, key);
	case TSIG_EKEYNAME:
		return acmeup_fail(ACMEUP_ETSIG, "the reply from %s for zone %s is "
		                   "signed with another key or algorithm than %s (%s)",
		                   srv, z->name, key, zone_alg(z));
	default:
		return acmeup_fail(ACMEUP_ETSIG, "TSIG check of the reply from %s "
		                   "for zone %s (key %s): %s", srv, z->name, key,
		                   tsig_strerror(trc));
	}
}

/* A verified reply with an error rcode (RFC 2136 2.2, 3.8). */
static int
rcode_failure(const struct dns_set *set, const struct dns_zone *z,
              enum dns_update_op op, unsigned rcode, const char *ede)
{
	const char *srv = z->primary.text, *key = dns_zone_signer(z);
	char owners[300], hint[400];

	owners_text(z, owners, sizeof(owners));
	route_hint(set, z, hint, sizeof(hint));
	/* A removal refused: the key could add (this run, or the run that
	 * journalled the records), so the policy is not the first suspect. */
	if (op == DNS_UPDATE_DELETE && (rcode == LDNS_RCODE_REFUSED ||
	    rcode == LDNS_RCODE_NOTAUTH))
		return acmeup_fail(ACMEUP_EDNS, "%s%s from %s for zone %s: it "
		                   "does not let key %s remove %s (the zone frozen, "
		                   "rndc freeze? its update-policy changed?)%s",
		                   dns_rcode_name(rcode), ede, srv, z->name, key,
		                   owners, hint);
	switch (rcode) {
	case LDNS_RCODE_REFUSED:
		return acmeup_fail(ACMEUP_EDNS, "REFUSED%s from %s for zone %s: key "
		                   "%s may not update %s (update-policy?)%s", ede, srv,
		                   z->name, key, owners, hint);
	case LDNS_RCODE_NOTAUTH:
		return acmeup_fail(ACMEUP_EDNS, "NOTAUTH%s from %s for zone %s: the "
		                   "server is not its primary, or key %s may not "
		                   "update %s (update-policy?)%s", ede, srv, z->name,
		                   key, owners, hint);
	case LDNS_RCODE_NOTZONE:
		return acmeup_fail(ACMEUP_EDNS, "NOTZONE%s from %s: %s not in zone "
		                   "%s (key %s)", ede, srv, owners, z->name, key);
	case LDNS_RCODE_SERVFAIL:
		return acmeup_fail(ACMEUP_EDNS, "SERVFAIL%s from %s for the UPDATE "
		                   "of zone %s (key %s): see the server's log", ede,
		                   srv, z->name, key);
	default:
		return acmeup_fail(ACMEUP_EDNS, "%s%s from %s for the UPDATE of zone "
		                   "%s (key %s)", dns_rcode_name(rcode), ede, srv,
		                   z->name, key);
	}
}

/* Opcode, TSIG (RFC 8945 5.3: an unsigned or badly signed reply is an
 * error), then rcode. exchange() already matched ID and QR. *known is set
 * when the reply proves what the server did (verified, or a TSIG error the
 * server declared: then it did nothing, RFC 8945 5.2). */
static int
check_reply(const struct dns_set *set, const struct dns_zone *z,
            enum dns_update_op op, const uint8_t *reply, size_t rlen,
            const struct tsig_ctx *ctx, int *known, int *no_edns)
{
	struct tsig_result res;
	unsigned opcode = (reply[2] >> 3) & 0x0f, rcode = reply[3] & 0x0f;
	char ede[300] = "";
	ldns_pkt *p = NULL;
	int trc;

	if (opcode != OPCODE_UPDATE)
		return acmeup_fail(ACMEUP_EPROTO, "reply from %s to the UPDATE of "
		                   "zone %s has opcode %u", z->primary.text, z->name,
		                   opcode);
	memset(&res, 0, sizeof(res));
	trc = z->use_gss ? dns_gss_verify(z, reply, rlen, ctx, &res) :
	      priv_tsig_verify(z->key, reply, rlen, ctx, &res);
	if (trc == TSIG_EUNSIGNED && z->use_gss &&
	    rcode == LDNS_RCODE_SERVFAIL) { /* Samba echoes our TSIG back */
		trc = gss_refused(set, z, op);
		/* unsigned, it proves nothing; the zone may */
		*known = op == DNS_UPDATE_ADD && records_absent(z);
		return trc;
	}
	*known = trc == TSIG_OK || trc == TSIG_EBADSIG || trc == TSIG_EBADKEY ||
	         trc == TSIG_EBADTIME || trc == TSIG_EBADTRUNC;
	if (trc != TSIG_OK)
		return tsig_failure(z, trc, rcode, &res);
	if (rcode == LDNS_RCODE_NOERROR)
		return 0;
	if (ldns_wire2pkt(&p, reply, rlen) == LDNS_STATUS_OK)
		dns_ede_text(p, ede, sizeof(ede));
	/* RFC 6891 7: FORMERR without OPT: the server does not know EDNS. */
	*no_edns = rcode == LDNS_RCODE_FORMERR && p != NULL &&
	           ldns_pkt_edns_udp_size(p) == 0;
	ldns_pkt_free(p);
	return rcode_failure(set, z, op, rcode, ede);
}

/* One signed UPDATE exchange; *known and *no_edns as check_reply(). */
static int
update_once(const struct dns_set *set, struct dns_zone *z,
            enum dns_update_op op, int edns, int *known, int *no_edns)
{
	uint8_t *wire = NULL, *msg = NULL, *reply = NULL;
	size_t wlen = 0, len = 0, rlen = 0;
	struct tsig_ctx ctx;
	char prefix[512];
	int rc;

	rc = dns_update_wire(z, op, set->ttl, dns_random_id(), edns, &wire,
	                     &wlen);
	if (rc == 0)
		rc = z->use_gss ? dns_gss_sign(z, wire, wlen, &msg, &len, &ctx) :
		     dns_tsig_sign(z->key, wire, wlen, &msg, &len, &ctx);
	if (rc < 0)
		goto out;
	z->sent_ms = log_elapsed_ms();
	log_debug("dns: %s: UPDATE %s %zu TXT to %s, key %s, %zu octets%s",
	          z->name, op == DNS_UPDATE_ADD ? "adding" : "deleting", z->nrecs,
	          z->primary.textport, dns_zone_signer(z), len,
	          len > DNS_UDP_MAX ? " (TCP)" : "");
	rc = dns_exchange(&z->primary, msg, len, DNS_QUERY_TIMEOUT_MS,
	                  DNS_QUERY_TRIES, op == DNS_UPDATE_ADD, &reply, &rlen);
	if (rc == ACMEUP_ETIMEOUT) {
		acmeup_err_clear(); /* replaced by the line below */
		rc = acmeup_fail(ACMEUP_EDNS, "no reply from %s for the UPDATE of "
		                 "zone %s after %d x %d ms (key %s)",
		                 z->primary.textport, z->name, DNS_QUERY_TRIES,
		                 DNS_QUERY_TIMEOUT_MS, dns_zone_signer(z));
	} else if (rc < 0 && rc != ACMEUP_EINTR) {
		snprintf(prefix, sizeof(prefix), "UPDATE of zone %s (key %s)",
		         z->name, dns_zone_signer(z));
		rc = dns_fail_prefix(rc, prefix);
	}
	if (rc == 0)
		rc = check_reply(set, z, op, reply, rlen, &ctx, known, no_edns);
out:
	free(wire);
	free(msg);
	free(reply);
	return rc;
}

int
dns_update_send(const struct dns_set *set, struct dns_zone *z,
                enum dns_update_op op)
{
	const char *what = op == DNS_UPDATE_ADD ? "adding" : "deleting";
	int rc, known = 0, no_edns = 0;

	if (z->key == NULL && !z->use_gss)
		return acmeup_fail(ACMEUP_ETSIG, "no TSIG key for zone %s: give "
		                   "--tsig-key, --zone-key %s=FILE, or --gss",
		                   z->name, z->name);
	rc = update_once(set, z, op, 1, &known, &no_edns);
	if (rc == ACMEUP_ETSIG && z->use_gss && known) {
		/* the server declared the context bad (BADKEY, BADSIG,
		 * BADTIME) and did nothing: a new context, once */
		log_debug("dns: %s: %s rejected the GSS-TSIG context; a new one",
		          z->name, z->primary.text);
		acmeup_err_clear();
		dns_gss_drop(z);
		rc = update_once(set, z, op, 1, &known, &no_edns);
	}
	if (rc < 0 && no_edns) {
		log_debug("dns: %s: %s does not know EDNS; UPDATE again without",
		          z->name, z->primary.text);
		acmeup_err_clear(); /* the next answer counts */
		rc = update_once(set, z, op, 0, &known, &no_edns);
	}
	/* Unless the reply proves otherwise, an add may have been applied. */
	if (op == DNS_UPDATE_ADD && (rc == 0 || !known))
		z->added = 1;
	if (op == DNS_UPDATE_DELETE && rc == 0)
		z->added = 0;
	if (rc < 0)
		return rc;
	log_stage("dns: %s: UPDATE %s %zu TXT accepted by %s (key %s, %lld ms)",
	          z->name, what, z->nrecs, z->primary.text,
	          dns_zone_signer(z), log_elapsed_ms() - z->sent_ms);
	return 0;
}
