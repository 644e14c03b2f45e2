/* The DNSSEC-aware proof (issue 16). For a signed zone (a DNSKEY RRset at
 * the apex) whose parent has a DS, the CA's validating resolver accepts
 * the TXT only with a chain of trust to it. Before the CA is told:
 * - the chain: a DS of the parent (RFC 4034 5) matches a DNSKEY of the
 *   zone, and that key signs the DNSKEY RRset (RFC 4035 5.2);
 * - per server: the TXT RRset comes with an RRSIG that validates against
 *   the zone's DNSKEYs now (RFC 4035 5.3), or the server is waited for.
 * A broken chain fails the wait at once, naming the DS and the keys; a
 * zone without DNSKEY costs one query; one with DNSKEY but no DS is
 * treated as unsigned (no resolver validates it) and said so. ldns does
 * the cryptography. */
#include <stdio.h>
#include <string.h>

#include <ldns/ldns.h>

#include "acmeup/error.h"
#include "acmeup/log.h"
#include "dns_internal.h"

#define DNSSEC_QUERY_MS 2000

/* The RRs of type t (RRSIG: covering cover) at owner in the answer. */
static ldns_rr_list *
answer_rrs(const ldns_pkt *p, const ldns_rdf *owner, ldns_rr_type t,
           ldns_rr_type cover)
{
	const ldns_rr_list *ans = ldns_pkt_answer(p);
	ldns_rr_list *out = ldns_rr_list_new();
	size_t i;

	for (i = 0; out != NULL && i < ldns_rr_list_rr_count(ans); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (ldns_rr_get_type(rr) != t ||
		    ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		if (t == LDNS_RR_TYPE_RRSIG && (ldns_rr_rrsig_typecovered(rr) ==
		    NULL || ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) != cover))
			continue;
		if (!ldns_rr_list_push_rr(out, rr)) {
			ldns_rr_list_free(out);
			return NULL;
		}
	}
	return out;
}

/* The first RRSIG of sigs that validates rrset with keys: LDNS_STATUS_OK
 * and *tag its key's tag, else the last error. */
static ldns_status
verify_any(ldns_rr_list *rrset, const ldns_rr_list *sigs,
           const ldns_rr_list *keys, unsigned *tag)
{
	ldns_status st = LDNS_STATUS_CRYPTO_NO_RRSIG;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
		ldns_rr *sig = ldns_rr_list_rr(sigs, i);

		st = ldns_verify_rrsig_keylist(rrset, sig, keys, NULL);
		if (st == LDNS_STATUS_OK) {
			*tag = ldns_rr_rrsig_keytag(sig) != NULL ?
			    ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig)) : 0;
			return st;
		}
	}
	return st;
}

/* The DNSKEYs of keys that a DS of ds matches (a new list, borrowing). */
static ldns_rr_list *
ds_matched(const ldns_rr_list *keys, const ldns_rr_list *ds)
{
	ldns_rr_list *out = ldns_rr_list_new();
	size_t i, j;

	for (i = 0; out != NULL && i < ldns_rr_list_rr_count(keys); i++) {
		ldns_rr *key = ldns_rr_list_rr(keys, i);

		for (j = 0; j < ldns_rr_list_rr_count(ds); j++) {
			ldns_rr *d = ldns_rr_list_rr(ds, j);
			ldns_rr *mine;

			if (ldns_rr_rd_count(d) < 4)
				continue;
			mine = ldns_key_rr2ds(key, (ldns_hash)
			    ldns_rdf2native_int8(ldns_rr_rdf(d, 2)));
			if (mine != NULL && ldns_rr_compare_ds(mine, d)) {
				ldns_rr_free(mine);
				ldns_rr_list_push_rr(out, key);
				break;
			}
			ldns_rr_free(mine);
		}
	}
	return out;
}

/* "tag/alg, ..." of the RRs of l: DNSKEY (key tags) or DS (their tags). */
static void
tags_text(const ldns_rr_list *l, char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < ldns_rr_list_rr_count(l) && used < len; i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		unsigned tag = ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY ?
		    ldns_calc_keytag(rr) : ldns_rr_rd_count(rr) > 0 ?
		    ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)) : 0;

		n = snprintf(buf + used, len - used, "%s%u", i > 0 ? ", " : "",
		             tag);
		used += n > 0 ? (size_t)n : 0;
	}
}

/* The chain at z: its DNSKEYs (keys) against the parent's DS (ds) and the
 * DNSKEY RRset's own signature (in p). 0, or ACMEUP_EDNS saying what. */
static int
chain_check(const struct dns_zone *z, const ldns_pkt *p,
            const ldns_rr_list *keys, const ldns_rr_list *ds)
{
	ldns_rr_list *good = ds_matched(keys, ds), *sigs = NULL, *set = NULL;
	char dstags[120], keytags[120];
	ldns_status st = LDNS_STATUS_OK;
	unsigned tag = 0;
	int rc = 0;

	tags_text(ds, dstags, sizeof(dstags));
	tags_text(keys, keytags, sizeof(keytags));
	if (good == NULL)
		return ACMEUP_ENOMEM;
	if (ldns_rr_list_rr_count(good) == 0) {
		rc = acmeup_fail(ACMEUP_EDNS, "zone %s: DNSSEC chain broken: the "
		    "parent's DS (key tag %s) matches none of the zone's DNSKEYs "
		    "(key tags %s) at %s: a validating resolver, the CA's, "
		    "answers SERVFAIL for every name in it; fix the DS at the "
		    "parent or the zone's keys", z->name, dstags, keytags,
		    z->primary.text);
		goto out;
	}
	sigs = answer_rrs(p, z->apex, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DNSKEY);
	set = ldns_rr_list_clone(keys);
	if (sigs == NULL || set == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	st = verify_any(set, sigs, good, &tag);
	if (st != LDNS_STATUS_OK)
		rc = acmeup_fail(ACMEUP_EDNS, "zone %s: DNSSEC chain broken: the "
		    "DNSKEY RRset at %s is not signed by the key the parent's DS "
		    "names (key tag %s): %s", z->name, z->primary.text, dstags,
		    ldns_get_errorstr_by_id(st));
	else
		log_stage("dns: %s: signed; the parent's DS (key tag %s) matches "
		    "DNSKEY %u, which signs the DNSKEY RRset", z->name, dstags,
		    tag);
out:
	ldns_rr_list_free(good);
	ldns_rr_list_free(sigs);
	ldns_rr_list_deep_free(set);
	return rc;
}

/* The parent's DS RRset for z, asked of the resolver (a new list; empty
 * when there is none). */
static int
parent_ds(const struct dns_set *set, const struct dns_zone *z,
          ldns_rr_list **out)
{
	ldns_pkt *p = NULL;
	ldns_rr_list *ds;
	int rc;

	rc = dns_resolver_query(&set->ctx->resolver, z->apex, LDNS_RR_TYPE_DS,
	                        &p);
	if (rc < 0)
		return rc;
	ds = answer_rrs(p, z->apex, LDNS_RR_TYPE_DS, 0);
	*out = ds != NULL ? ldns_rr_list_clone(ds) : NULL;
	ldns_rr_list_free(ds);
	ldns_pkt_free(p);
	return *out == NULL ? ACMEUP_ENOMEM : 0;
}

/* A DNSKEY or DS lookup failed: the proof goes on without RRSIGs, said
 * once (an interruption, ENOMEM or a key the server refuses stops it: a
 * refused key does not heal by waiting). */
static int
unknown(const struct dns_zone *z, int rc)
{
	if (rc == ACMEUP_EINTR || rc == ACMEUP_ENOMEM || rc == ACMEUP_ETSIG)
		return rc;
	log_warn("dns: %s: DNSSEC state unknown (%s): no RRSIG proof",
	         z->name, acmeup_errmsg(rc));
	acmeup_err_clear();
	return 0;
}

int
dns_dnssec_prepare(const struct dns_set *set, struct dns_zone *z)
{
	ldns_rr_list *keys = NULL, *ds = NULL;
	ldns_pkt *p = NULL;
	int rc;

	if (set->ctx == NULL || z->dnskeys != NULL)
		return 0; /* a journal's cleanup proves nothing */
	/* signed with the zone's key under --tsig-queries, like every query
	 * to its servers */
	rc = dns_query(&z->primary, z->apex, LDNS_RR_TYPE_DNSKEY, DNS_Q_DO,
	               dns_ctx_query_key(set->ctx, z->apex), DNSSEC_QUERY_MS, 2,
	               &p);
	if (rc < 0)
		return unknown(z, rc);
	keys = answer_rrs(p, z->apex, LDNS_RR_TYPE_DNSKEY, 0);
	if (keys == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	if (ldns_rr_list_rr_count(keys) == 0)
		goto out; /* unsigned */
	rc = parent_ds(set, z, &ds);
	if (rc < 0) {
		rc = unknown(z, rc);
		goto out;
	}
	if (ldns_rr_list_rr_count(ds) == 0) {
		log_stage("dns: %s: has DNSKEYs but the parent no DS: resolvers "
		    "take it as unsigned; no RRSIG proof", z->name);
		goto out;
	}
	rc = chain_check(z, p, keys, ds);
	if (rc == 0) {
		z->dnskeys = ldns_rr_list_clone(keys);
		rc = z->dnskeys == NULL ? ACMEUP_ENOMEM : 0;
	}
out:
	ldns_rr_list_free(keys);
	ldns_rr_list_deep_free(ds);
	ldns_pkt_free(p);
	return rc;
}

int
dns_dnssec_txt(const struct dns_zone *z, const ldns_pkt *reply,
               const ldns_rdf *owner, unsigned *tag, char *why, size_t len)
{
	ldns_rr_list *txt, *sigs, *set = NULL;
	ldns_status st;
	int rc = 0;

	if (z->dnskeys == NULL)
		return 1;
	txt = answer_rrs(reply, owner, LDNS_RR_TYPE_TXT, 0);
	sigs = answer_rrs(reply, owner, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_TXT);
	if (txt != NULL)
		set = ldns_rr_list_clone(txt);
	if (txt == NULL || sigs == NULL || set == NULL) {
		rc = ACMEUP_ENOMEM;
		goto out;
	}
	if (ldns_rr_list_rr_count(sigs) == 0) {
		snprintf(why, len, "no RRSIG over the TXT yet");
		goto out;
	}
	st = verify_any(set, sigs, z->dnskeys, tag);
	if (st == LDNS_STATUS_OK)
		rc = 1;
	else
		snprintf(why, len, "the RRSIG over the TXT does not validate: %s",
		         ldns_get_errorstr_by_id(st));
out:
	ldns_rr_list_free(txt);
	ldns_rr_list_free(sigs);
	ldns_rr_list_deep_free(set);
	return rc;
}
